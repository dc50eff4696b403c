// Body parsers the app registers before the plugin (@fastify/formbody, a JSON parser of its own,
// lax prototype-poisoning settings) must neither break the plugin's boot nor loosen its routes:
// JSON routes refuse forms (a "simple" cross-site request), and only the two page routes take
// urlencoded forms, parsed by the plugin.
import t from 'tap'
import Fastify from 'fastify'
import fastifyFormbody from '@fastify/formbody'
import magicLink from '../../src/index.js'
import { ORIGIN } from '../helpers/app.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }

t.test('@fastify/formbody registered before the plugin: boot, login by form, JSON routes still refuse forms', async (t) => {
  const box = outbox()
  const app = Fastify()
  await app.register(fastifyFormbody)
  await app.register(magicLink, options(box))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ userId: request.session?.userId }))
  app.post('/contact', async (request) => ({ got: request.body }))
  await app.ready()
  t.teardown(() => app.close())

  const login = await browserLogin(app, box)
  t.equal(login.verify?.statusCode, 303, 'the page form signs in')
  t.equal(login.me.statusCode, 200)

  for (const url of ['/auth/request', '/auth/poll', '/auth/code', '/auth/logout']) {
    const res = await app.inject({ method: 'POST', url, payload: 'email=known%40example.com', headers: FORM })
    t.equal(res.statusCode, 415, `${url}: a form body is refused`)
    t.equal(res.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  }
  t.equal(box.sent.length, 1, 'no mail from a form post to /request')
  const contact = await app.inject({ method: 'POST', url: '/contact', payload: 'a=1', headers: FORM })
  t.same(contact.json(), { got: { a: '1' } }, 'the app\'s own routes keep @fastify/formbody')

  const repeated = await app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${'a'.repeat(77)}&token=b`, headers: FORM })
  t.equal(repeated.statusCode, 400, 'repeated form fields are refused by the plugin\'s own parser')
})

t.test('the app\'s lenient JSON parser and onProtoPoisoning: "ignore" do not reach the plugin\'s routes', async (t) => {
  const box = outbox()
  const app = Fastify({ onProtoPoisoning: 'ignore', onConstructorPoisoning: 'ignore' })
  // An app parser that also takes text bodies as JSON: the plugin's routes must not inherit it.
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => {
    try { done(null, JSON.parse(body as string)) } catch (error) { done(error as Error) }
  })
  await app.register(magicLink, options(box))
  app.post('/echo', async (request) => ({ type: typeof request.body }))
  await app.ready()
  t.teardown(() => app.close())

  const text = await app.inject({ method: 'POST', url: '/auth/request', payload: '{"email":"known@example.com"}', headers: { 'content-type': 'text/plain' } })
  t.equal(text.statusCode, 415, 'text/plain is a simple cross-site request: refused')
  const proto = await app.inject({ method: 'POST', url: '/auth/request', payload: '{"email":"known@example.com","__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } })
  t.equal(proto.statusCode, 400, '__proto__ is refused whatever the app allows')
  t.equal(({} as Record<string, unknown>).x, undefined)
  const ok = await app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.equal(ok.statusCode, 202)
  const echo = await app.inject({ method: 'POST', url: '/echo', payload: '{"a":1}', headers: { 'content-type': 'text/plain' } })
  t.same(echo.json(), { type: 'object' }, 'the app\'s own parser still serves its routes')
})
