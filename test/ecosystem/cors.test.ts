// @fastify/cors with credentials for a front-end on another origin. CORS only decides what a
// browser may read; it must not widen what the plugin accepts: its state-changing routes take
// their own origin only, so a cross-origin POST, even from the origin CORS allows, is still 403
// (readable by that front-end, so it can tell the user). Preflights are CORS's to answer.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import magicLink from '../../src/index.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'
import { ORIGIN } from '../helpers/app.js'
import { crossSiteRefused, EVIL, loginSucceeded, pageHeaders, watch5xx } from '../fixtures/ecosystem/checks.js'

const FRONT = 'https://front.example.com'

async function build (t: Test, order: 'cors first' | 'plugin first'): Promise<{ app: FastifyInstance, box: ReturnType<typeof outbox>, errors: ReturnType<typeof watch5xx> }> {
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  const corsOptions = { origin: [FRONT], credentials: true }
  if (order === 'cors first') {
    await app.register(cors, corsOptions)
    await app.register(magicLink, options(box))
  } else {
    await app.register(magicLink, options(box))
    await app.register(cors, corsOptions)
  }
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.post('/api/items', async () => ({ created: true }))
  await app.ready()
  return { app, box, errors }
}

for (const order of ['cors first', 'plugin first'] as const) {
  t.test(`cors with credentials, ${order}`, async (t) => {
    const { app, box, errors } = await build(t, order)

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/auth/request',
      headers: { origin: FRONT, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    t.equal(preflight.statusCode, 204, 'the preflight of POST /auth/request is answered by cors')
    t.equal(preflight.headers['access-control-allow-origin'], FRONT)
    t.equal(preflight.headers['access-control-allow-credentials'], 'true')
    t.match(preflight.headers['access-control-allow-methods'], /POST/)
    const foreignPreflight = await app.inject({
      method: 'OPTIONS',
      url: '/auth/request',
      headers: { origin: EVIL, 'access-control-request-method': 'POST' },
    })
    t.equal(foreignPreflight.headers['access-control-allow-origin'], undefined, 'no CORS grant for an origin cors does not allow')

    // Same-origin login (the browser sends Origin: the app's own on its POSTs).
    const login = await browserLogin(app, box, { headers: { origin: ORIGIN } })
    loginSucceeded(t, login)
    pageHeaders(t, login.page, 'the sign-in page')

    // The origin cors allows is still not the plugin's origin.
    const fromFront = await app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { origin: FRONT } })
    t.equal(fromFront.statusCode, 403, 'a POST from the cors-allowed front-end is refused by the plugin')
    t.equal((fromFront.json() as { code: string }).code, 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN')
    if (order === 'cors first') {
      // cors's onRequest hook runs before the plugin's refusal only when cors was registered
      // first; registered after, the 403 goes out without CORS headers (the browser still
      // refuses the request, the front-end just cannot read the code).
      t.equal(fromFront.headers['access-control-allow-origin'], FRONT, 'and cors lets the front-end read why')
      t.equal(fromFront.headers['access-control-allow-credentials'], 'true')
    }
    const logout = await app.inject({ method: 'POST', url: '/auth/logout', payload: {}, headers: { origin: FRONT, cookie: login.jar.header() } })
    t.equal(logout.statusCode, 403, 'a credentialed logout from the front-end origin is refused too')
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: { cookie: login.jar.header() } })).statusCode, 200, 'and the session is intact')

    const evil = await crossSiteRefused(t, app)
    t.equal(evil.headers['access-control-allow-origin'], undefined, 'no CORS grant on the refusal for a foreign origin')

    // cors still does its job on the app's own routes.
    const item = await app.inject({ method: 'POST', url: '/api/items', payload: {}, headers: { origin: FRONT } })
    t.equal(item.statusCode, 200, 'the app route takes the front-end\'s POST')
    t.equal(item.headers['access-control-allow-origin'], FRONT)
    t.equal(item.headers['access-control-allow-credentials'], 'true')
    const itemPreflight = await app.inject({ method: 'OPTIONS', url: '/api/items', headers: { origin: FRONT, 'access-control-request-method': 'POST' } })
    t.equal(itemPreflight.statusCode, 204)
    t.equal(itemPreflight.headers['access-control-allow-origin'], FRONT)
    const session = await app.inject({ method: 'GET', url: '/auth/session', headers: { origin: FRONT, cookie: login.jar.header() } })
    t.equal(session.statusCode, 200, 'a credentialed GET /auth/session from the front-end')
    t.equal(session.headers['access-control-allow-origin'], FRONT, 'is readable by it (reads change nothing)')
    t.same(errors, [], 'no 5xx')
  })
}
