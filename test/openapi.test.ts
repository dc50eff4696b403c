import t from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import SwaggerParser from '@apidevtools/swagger-parser'
import magicLink from '../src/index.js'
import { ORIGIN, SECRET } from './helpers/app.js'

t.test('the route schemas turn into a valid OpenAPI document', async (t) => {
  const app = Fastify()
  await app.register(swagger, { openapi: { info: { title: 'app', version: '1.0.0' } } })
  await app.register(magicLink, { origin: ORIGIN, secret: SECRET, users: { find: () => null } })
  await app.ready()
  const doc = app.swagger() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>, additionalProperties: boolean } }> } }>> }
  t.teardown(() => app.close())
  for (const path of ['/auth/request', '/auth/verify', '/auth/poll', '/auth/code', '/auth/revoke', '/auth/session', '/auth/logout', '/auth/logout-all', '/auth/sessions', '/auth/sessions/{id}']) {
    t.ok(doc.paths[path], path)
  }
  const request = doc.paths['/auth/request']?.post?.requestBody?.content['application/json']?.schema
  t.same(Object.keys(request?.properties ?? {}), ['email', 'redirectTo', 'transport'])
  t.equal(request?.additionalProperties, false)
  await t.resolves(SwaggerParser.validate(structuredClone(doc) as never))
})
