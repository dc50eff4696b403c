// @fastify/compress, global, threshold 0: the plugin's pages and JSON go out gzipped when the
// client asks, and must still be the same pages (form action, token) and answers once inflated,
// with the plugin's headers. HEAD of a link stays bodiless and harmless, and compress's request
// decompression must not lift the plugin's 4 KiB body limit (a gzip bomb is a 413, not a 500).
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import compress from '@fastify/compress'
import { gunzipSync, gzipSync } from 'node:zlib'
import magicLink from '../../src/index.js'
import { browserLogin, formAction, options, outbox } from '../helpers/ecosystem.js'
import { Jar, ORIGIN, send } from '../helpers/app.js'
import { crossSiteRefused, loginSucceeded, pageHeaders, watch5xx } from '../fixtures/ecosystem/checks.js'

const GZIP = { 'accept-encoding': 'gzip' }

async function build (t: Test, order: 'compress first' | 'plugin first'): Promise<{ app: FastifyInstance, box: ReturnType<typeof outbox>, errors: ReturnType<typeof watch5xx> }> {
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  if (order === 'compress first') {
    await app.register(compress, { global: true, threshold: 0 })
    await app.register(magicLink, options(box))
  } else {
    await app.register(magicLink, options(box))
    await app.register(compress, { global: true, threshold: 0 })
  }
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.get('/report', async () => ({ rows: Array.from({ length: 50 }, (_, i) => ({ i, text: 'the same words again' })) }))
  await app.ready()
  return { app, box, errors }
}

/** The body of a gzipped response, inflated; fails the test when it was not gzipped. */
function inflate (t: Test, res: LightMyRequestResponse, what: string): string {
  t.equal(res.headers['content-encoding'], 'gzip', `${what}: gzipped`)
  t.match(res.headers.vary, /accept-encoding/i, `${what}: vary accept-encoding`)
  return res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.rawPayload).toString('utf8') : res.body
}

t.test('compress first: the login, compressed end to end, is the same login', async (t) => {
  const { app, box, errors } = await build(t, 'compress first')
  const jar = new Jar()
  const asked = await send(app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: GZIP })
  t.equal(asked.statusCode, 202)
  t.match(JSON.parse(inflate(t, asked, 'POST /auth/request')), { status: 'pending', matchCode: /^[A-Z]{3}-[A-Z]{3}$/ }, 'the 202 body inflates to the pending answer')
  t.ok(jar.get('__Host-mlflow'), 'the binding cookie is set')
  t.equal(asked.headers['cache-control'], 'no-store')

  const link = new URL((await box.nth(0)).ctx?.link as string)
  const token = link.searchParams.get('token') as string
  const url = link.pathname + link.search

  // A mail scanner's HEAD (compressed or not) changes nothing and gets no body.
  for (const headers of [GZIP, {}]) {
    const head = await send(app, jar, { method: 'HEAD', url, headers })
    t.equal(head.statusCode, 200, 'HEAD of the link: 200')
    t.equal(head.rawPayload.length, 0, 'HEAD of the link: no body bytes')
    pageHeaders(t, head, 'HEAD of the link')
  }
  t.equal((await send(app, jar, { method: 'POST', url: '/auth/poll' })).statusCode, 202, 'after the HEADs the flow is still pending')

  const page = await send(app, jar, { method: 'GET', url, headers: GZIP })
  t.equal(page.statusCode, 200)
  pageHeaders(t, page, 'the gzipped sign-in page')
  const html = inflate(t, page, 'the sign-in page')
  t.match(html, /^<!doctype html>/i, 'inflates to the page')
  t.ok(html.includes(`value="${token}"`), 'with the link token in its form')
  const action = formAction(html)
  t.equal(action, '/auth/verify')

  const verify = await send(app, jar, {
    method: 'POST',
    url: action as string,
    payload: new URLSearchParams({ token }).toString(),
    headers: { ...GZIP, 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
  })
  t.equal(verify.statusCode, 303, 'the form post signs in')
  t.equal(verify.headers.location, '/')
  t.ok(jar.get('__Host-sid'), 'with the session cookie')

  const me = await send(app, jar, { method: 'GET', url: '/me', headers: GZIP })
  t.equal(me.statusCode, 200)
  t.match(JSON.parse(inflate(t, me, 'GET /me')), { session: { userId: 'u1' } }, 'the app route sees the session')
  const session = await send(app, jar, { method: 'GET', url: '/auth/session', headers: GZIP })
  t.match(JSON.parse(inflate(t, session, 'GET /auth/session')), { user: { id: 'u1' } })

  const used = await send(app, jar, { method: 'GET', url, headers: GZIP })
  t.equal(used.statusCode, 409, 'the used-link page')
  t.match(inflate(t, used, 'the used-link page'), /<form[^>]*action="\/auth\/revoke"/, 'inflates to the page with its revoke form')
  pageHeaders(t, used, 'the used-link page')

  // The app's own route is compressed by the same plugin.
  const report = await app.inject({ method: 'GET', url: '/report', headers: GZIP })
  t.equal((JSON.parse(inflate(t, report, 'GET /report')) as { rows: unknown[] }).rows.length, 50)
  t.ok(report.rawPayload.length < report.body.length || report.rawPayload.length < 400, 'and it is actually smaller')
  t.same(errors, [], 'no 5xx')
})

t.test('compress first: a browser without accept-encoding gets plain answers; the usual login works', async (t) => {
  const { app, box, errors } = await build(t, 'compress first')
  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  t.equal(login.page.headers['content-encoding'], undefined, 'the page is not compressed unasked')
  pageHeaders(t, login.page, 'the sign-in page')
  await crossSiteRefused(t, app)
  t.same(errors, [], 'no 5xx')
})

t.test('compress first: gzipped request bodies are inflated for the plugin, within its 4 KiB limit', async (t) => {
  const { app, errors } = await build(t, 'compress first')
  const json = { 'content-type': 'application/json', 'content-encoding': 'gzip' }
  const small = await app.inject({ method: 'POST', url: '/auth/request', payload: gzipSync(JSON.stringify({ email: 'known@example.com' })), headers: json })
  t.equal(small.statusCode, 202, 'a gzipped JSON body is understood')

  // 1 MiB of JSON whitespace gzips to about 1 KiB: under the limit on the wire, far over it inflated.
  const bomb = gzipSync(`{"email":"known@example.com"${' '.repeat(1024 * 1024)}}`)
  t.ok(bomb.length < 4096, `the compressed body is ${bomb.length} bytes`)
  const res = await app.inject({ method: 'POST', url: '/auth/request', payload: bomb, headers: json })
  t.equal(res.statusCode, 413, 'the inflated body is over the plugin\'s limit: 413')
  t.equal((res.json() as { code: string }).code, 'FST_ERR_CTP_BODY_TOO_LARGE')

  const arrays = await app.inject({ method: 'POST', url: '/auth/request', payload: gzipSync(JSON.stringify({ email: ['known@example.com'] })), headers: json })
  t.equal(arrays.statusCode, 400, 'an inflated body is validated like any other')
  t.same(errors, [], 'no 5xx')
})

t.test('plugin first, compress after: the login works, compress still covers the app\'s routes', async (t) => {
  // compress hooks each route as it is added; routes added before it (the plugin's) are sent
  // as they are, which is compress's rule.
  const { app, box, errors } = await build(t, 'plugin first')
  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  const me = await send(app, login.jar, { method: 'GET', url: '/me', headers: GZIP })
  t.match(JSON.parse(inflate(t, me, 'GET /me')), { session: { userId: 'u1' } }, 'the app route sees the session, compressed')
  pageHeaders(t, login.page, 'the sign-in page')
  const head = await app.inject({ method: 'HEAD', url: login.link.pathname + login.link.search, headers: GZIP })
  t.equal(head.rawPayload.length, 0, 'HEAD of the link: no body bytes')
  await crossSiteRefused(t, app)
  t.same(errors, [], 'no 5xx')
})
