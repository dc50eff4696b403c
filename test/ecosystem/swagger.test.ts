// @fastify/swagger documents the routes it sees being added (an onRoute hook), so it goes before
// the routes. test/openapi.test.ts checks the document itself; here: the paths it lists are where
// the plugin's routes really answer, under the `prefix` option or the prefix of the scope the
// plugin is registered in, and the login still works in both registration orders.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger, { type SwaggerTransform } from '@fastify/swagger'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { z } from 'zod'
import SwaggerParser from '@apidevtools/swagger-parser'
import magicLink from '../../src/index.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'
import { Jar, send } from '../helpers/app.js'
import { crossSiteRefused, loginSucceeded, pageHeaders, watch5xx, zodApp } from '../fixtures/ecosystem/checks.js'

interface OpenApiDoc { paths?: Record<string, Record<string, unknown>> }

const ROUTES = ['request', 'verify', 'link', 'resend', 'poll', 'code', 'revoke', 'reauth', 'session', 'logout', 'logout-all', 'sessions', 'sessions/{id}']
const SWAGGER = { openapi: { info: { title: 'app', version: '1.0.0' } } }

/** `{ '/auth/request': ['post'], … }` for the plugin's paths in the document. */
function pluginPaths (doc: OpenApiDoc, prefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (path.startsWith(`${prefix}/`)) out[path] = Object.keys(item).sort()
  }
  return out
}

/** Every documented operation of the plugin answers at its documented path (no 404). */
async function documentedPathsAnswer (t: Test, app: FastifyInstance, paths: Record<string, string[]>): Promise<void> {
  for (const [path, methods] of Object.entries(paths)) {
    for (const method of methods) {
      const url = path.replace('{id}', 'x')
      const res = await app.inject({ method: method.toUpperCase() as 'GET', url, ...(method === 'get' ? {} : { payload: {} }) })
      t.not(res.statusCode, 404, `${method.toUpperCase()} ${path} answers where it is documented (${res.statusCode})`)
    }
  }
}

t.test('swagger first, then the plugin with the prefix option: documented under that prefix, login works', async (t) => {
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  await app.register(swagger, SWAGGER)
  await app.register(magicLink, options(box, { prefix: '/login' }))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  await app.ready()

  const doc = app.swagger() as OpenApiDoc
  const paths = pluginPaths(doc, '/login')
  t.same(Object.keys(paths).sort(), ROUTES.map((r) => `/login/${r}`).sort(), 'every route of the plugin, under /login')
  t.same(pluginPaths(doc, '/auth'), {}, 'nothing under the default /auth')
  t.same(paths['/login/verify'], ['get', 'post'], 'GET and POST /verify (HEAD is not listed)')
  await t.resolves(SwaggerParser.validate(structuredClone(doc) as never), 'a valid OpenAPI document')
  await documentedPathsAnswer(t, app, paths)

  const login = await browserLogin(app, box, { prefix: '/login' })
  loginSucceeded(t, login, { prefix: '/login' })
  pageHeaders(t, login.page, 'the sign-in page')
  await crossSiteRefused(t, app, '/login')
  t.same(errors, [], 'no 5xx')
})

t.test('the plugin inside a prefixed scope: documented under the scope\'s prefix, where it answers', async (t) => {
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  await app.register(swagger, SWAGGER)
  await app.register(async (api) => {
    await api.register(magicLink, options(box))
    api.get('/me', { preHandler: api.requireSession }, async (request) => ({ session: request.session }))
  }, { prefix: '/api' })
  app.get('/health', { schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } }, async () => ({ ok: true }))
  await app.ready()

  const doc = app.swagger() as OpenApiDoc
  const paths = pluginPaths(doc, '/api/auth')
  t.same(Object.keys(paths).sort(), ROUTES.map((r) => `/api/auth/${r}`).sort(), 'every route of the plugin, under /api/auth')
  t.same(pluginPaths(doc, '/auth'), {}, 'nothing under a bare /auth')
  t.ok(doc.paths?.['/health'], 'the app\'s own route is documented too')
  await t.resolves(SwaggerParser.validate(structuredClone(doc) as never), 'a valid OpenAPI document')
  await documentedPathsAnswer(t, app, paths)
  const asked = await send(app, new Jar(), { method: 'POST', url: '/api/auth/request', payload: { email: 'known@example.com' } })
  t.equal(asked.statusCode, 202, 'POST /api/auth/request answers 202')
  // Whether the mailed link and the page follow the scope's prefix is test/ecosystem/prefix.test.ts's.
  t.same(errors, [], 'no 5xx')
})

t.test('the plugin first, swagger after: the app boots, its document is valid, the login works', async (t) => {
  // swagger only sees routes added after it; registered last it documents none of the
  // plugin's (nor any earlier route), which is swagger's documented rule, not an error.
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  await app.register(magicLink, options(box))
  await app.register(swagger, SWAGGER)
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  await app.ready()
  const doc = app.swagger() as OpenApiDoc
  t.ok(doc.paths?.['/me'], 'routes added after swagger are documented')
  await t.resolves(SwaggerParser.validate(structuredClone(doc) as never), 'a valid OpenAPI document')
  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  pageHeaders(t, login.page, 'the sign-in page')
  await crossSiteRefused(t, app)
  t.same(errors, [], 'no 5xx')
})

t.test('both registered without await before ready: swagger still sees the plugin\'s routes', async (t) => {
  // The usual generated-app shape: register calls in a row, one ready().
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  void app.register(swagger, SWAGGER)
  void app.register(magicLink, options(box))
  void app.register(async (scoped) => {
    scoped.get('/me', { preHandler: scoped.requireSession }, async (request) => ({ session: request.session }))
  })
  await app.ready()
  const paths = pluginPaths(app.swagger() as OpenApiDoc, '/auth')
  t.same(Object.keys(paths).sort(), ROUTES.map((r) => `/auth/${r}`).sort(), 'every route of the plugin, under /auth')
  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  t.same(errors, [], 'no 5xx')
})

t.test('a zod app: its jsonSchemaTransform, wrapped to pass JSON-Schema routes through, documents both', async (t) => {
  // fastify-type-provider-zod's jsonSchemaTransform takes every route schema for a zod schema
  // and throws on the plugin's JSON Schemas (any plugin's), which breaks app.swagger() for the
  // whole app. Handing it only the routes whose schemas are zod keeps both kinds documented.
  const isZod = (value: unknown): boolean => typeof value === 'object' && value !== null && '_zod' in value
  const transform: SwaggerTransform = (document) => {
    // A route without a schema has none at all, whatever the type says.
    const { body, querystring, params, headers } = (document.schema as typeof document.schema | undefined) ?? {}
    return [body, querystring, params, headers].some(isZod) ? jsonSchemaTransform(document) : { schema: document.schema, url: document.url }
  }
  const { app, box, errors } = zodApp(t)
  await app.register(swagger, { ...SWAGGER, transform })
  await app.register(magicLink, options(box))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.post('/orders', { schema: { body: z.object({ qty: z.number().int() }) } }, async (request) => ({ qty: request.body.qty }))
  await app.ready()

  const doc = app.swagger() as OpenApiDoc & { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>> }
  t.same(Object.keys(pluginPaths(doc, '/auth')).sort(), ROUTES.map((r) => `/auth/${r}`).sort(), 'every route of the plugin')
  t.match(doc.paths['/auth/request']?.post?.requestBody?.content['application/json']?.schema, { properties: { email: { type: 'string' } }, additionalProperties: false }, 'its JSON Schema as it is')
  t.match(doc.paths['/orders']?.post?.requestBody?.content['application/json']?.schema, { properties: { qty: { type: 'integer' } } }, 'the app\'s zod schema, turned into JSON Schema')
  await t.resolves(SwaggerParser.validate(structuredClone(doc) as never), 'a valid OpenAPI document')
  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  t.equal((await app.inject({ method: 'POST', url: '/orders', payload: { qty: 'x' } })).statusCode, 400, 'zod still validates the app\'s route')
  t.same(errors, [], 'no 5xx')
})
