// @fastify/helmet sets its headers on every route of the app, the plugin's pages included. A page
// must still go out with one Content-Security-Policy, the plugin's own (default-src 'none' and
// its hashed stylesheet): helmet's default policy allows 'self' scripts, and two policies would
// both apply, so neither may be lost nor doubled.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet'
import { request as httpRequest } from 'node:http'
import magicLink from '../../src/index.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'
import { Jar, ORIGIN, send } from '../helpers/app.js'
import { crossSiteRefused, loginSucceeded, PAGE_CSP, pageHeaders, watch5xx } from '../fixtures/ecosystem/checks.js'

type Order = 'helmet first' | 'plugin first'

async function build (t: Test, order: Order, helmetOptions: FastifyHelmetOptions = {}): Promise<{ app: FastifyInstance, box: ReturnType<typeof outbox>, errors: ReturnType<typeof watch5xx> }> {
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  if (order === 'helmet first') {
    await app.register(helmet, helmetOptions)
    await app.register(magicLink, options(box))
  } else {
    await app.register(magicLink, options(box))
    await app.register(helmet, helmetOptions)
  }
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.get('/', async () => 'home')
  await app.ready()
  return { app, box, errors }
}

/** What helmet adds to a route it covers, with its default options. */
function helmetHeaders (t: Test, headers: Record<string, unknown>, what: string): void {
  t.match(headers['content-security-policy'], /default-src 'self'/, `${what}: helmet's CSP`)
  t.equal(headers['x-frame-options'], 'SAMEORIGIN', `${what}: helmet's x-frame-options`)
  t.match(headers['strict-transport-security'], /max-age=\d+/, `${what}: helmet's HSTS`)
  t.equal(headers['x-content-type-options'], 'nosniff', `${what}: x-content-type-options`)
  t.equal(headers['cross-origin-opener-policy'], 'same-origin', `${what}: cross-origin-opener-policy`)
}

for (const order of ['helmet first', 'plugin first'] as const) {
  t.test(`global helmet, ${order}: login works, pages keep the plugin's headers, app routes keep helmet's`, async (t) => {
    const { app, box, errors } = await build(t, order)
    const login = await browserLogin(app, box)
    loginSucceeded(t, login)
    pageHeaders(t, login.page, 'the sign-in page')

    // The other pages: an unknown link, a form post of a bad token, a used link, HEAD.
    const gone = await app.inject({ method: 'GET', url: '/auth/verify?token=nope' })
    t.equal(gone.statusCode, 410)
    pageHeaders(t, gone, 'the unknown-link page')
    const badPost = await app.inject({ method: 'POST', url: '/auth/verify', payload: 'token=nope', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN } })
    t.equal(badPost.statusCode, 410)
    pageHeaders(t, badPost, 'the error page of a form post')
    const used = await app.inject({ method: 'GET', url: login.link.pathname + login.link.search })
    t.equal(used.statusCode, 409, 'the used link')
    pageHeaders(t, used, 'the used-link page')
    const head = await app.inject({ method: 'HEAD', url: login.link.pathname + login.link.search })
    pageHeaders(t, head, 'HEAD of a link')

    // Helmet still covers the rest: the app's routes and the plugin's JSON answers.
    helmetHeaders(t, (await app.inject({ method: 'GET', url: '/' })).headers, 'GET /')
    helmetHeaders(t, login.me.headers, 'GET /me')
    const session = await app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: login.jar.header() } })
    t.equal(session.statusCode, 200)
    t.equal(session.headers['cache-control'], 'no-store', 'GET /auth/session: no-store')
    t.match(session.headers['strict-transport-security'], /max-age=/, 'GET /auth/session: helmet\'s HSTS')

    await crossSiteRefused(t, app)
    t.same(errors, [], 'no 5xx')
  })
}

t.test('helmet with CSP nonces and a custom policy: the pages still carry only the plugin\'s CSP', async (t) => {
  const { app, box, errors } = await build(t, 'helmet first', {
    enableCSPNonces: true,
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'", 'https://cdn.example'] } },
  })
  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  pageHeaders(t, login.page, 'the sign-in page')
  const home = await app.inject({ method: 'GET', url: '/' })
  t.match(home.headers['content-security-policy'], /script-src 'self' https:\/\/cdn\.example 'nonce-[0-9a-f]{32}'/, 'helmet\'s nonce policy on the app route')
  t.same(errors, [], 'no 5xx')
})

t.test('on the wire (a real socket): one Content-Security-Policy line on a page', async (t) => {
  // inject folds headers into an object; a real response could still carry the header twice.
  const { app, box } = await build(t, 'helmet first')
  const jar = new Jar()
  t.equal((await send(app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).statusCode, 202, 'asked for a link')
  const link = new URL((await box.nth(0)).ctx?.link as string)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const paths: Array<[string, string]> = [['the sign-in page', link.pathname + link.search], ['the unknown-link page', '/auth/verify?token=nope'], ['the app\'s /', '/']]
  for (const [what, path] of paths) {
    const raw = await new Promise<string[]>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers: { cookie: jar.header() }, timeout: 5000 }, (res) => {
        res.resume()
        res.on('end', () => { resolve(res.rawHeaders) })
      })
      req.on('timeout', () => { req.destroy(new Error('timeout')) })
      req.on('error', reject)
      req.end()
    })
    const csp = raw.filter((_, i) => i % 2 === 1 && (raw[i - 1] as string).toLowerCase() === 'content-security-policy')
    t.equal(csp.length, 1, `${what}: one CSP header line`)
    if (path !== '/') t.equal(csp[0], PAGE_CSP, `${what}: the plugin's`)
    else t.not(csp[0], PAGE_CSP, `${what}: helmet's, not the plugin's`)
  }
})
