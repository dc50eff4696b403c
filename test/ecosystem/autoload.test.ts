// @fastify/autoload: plugins/ (app-wide) and routes/ (directory = prefix) loaded from
// test/fixtures/ecosystem/autoload/, with the magic-link plugin in routes/api/, so under /api.
// Its routes move to /api/auth/*, and so must every URL it hands out: the mailed link, the
// pages' form actions (sign in, approve, revoke), and the sign-in's redirect.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import autoload from '@fastify/autoload'
import { fileURLToPath } from 'node:url'
import { browserLogin, formAction, options, outbox } from '../helpers/ecosystem.js'
import { ORIGIN } from '../helpers/app.js'
import { crossSiteRefused, loginSucceeded, pageHeaders, watch5xx } from '../fixtures/ecosystem/checks.js'

const DIR = fileURLToPath(new URL('../fixtures/ecosystem/autoload/', import.meta.url))

async function build (t: Test): Promise<{ app: FastifyInstance, box: ReturnType<typeof outbox>, errors: ReturnType<typeof watch5xx> }> {
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  await app.register(autoload, { dir: `${DIR}plugins` })
  await app.register(autoload, {
    dir: `${DIR}routes`,
    // rateLimit off: two links for the one known address within a minute.
    options: { magicLink: options(box, { redirect: { allow: ['/api/me', '/'] }, rateLimit: false }) },
  })
  await app.ready()
  return { app, box, errors }
}

t.test('the plugin autoloaded from routes/api/: routes, links, forms and redirects under /api/auth', async (t) => {
  const { app, box, errors } = await build(t)
  t.ok(app.hasRoute({ method: 'POST', url: '/api/auth/request' }), 'POST /api/auth/request is a route')
  t.ok(app.hasRoute({ method: 'GET', url: '/api/auth/verify' }), 'GET /api/auth/verify is a route')
  t.notOk(app.hasRoute({ method: 'POST', url: '/auth/request' }), 'nothing at a bare /auth')
  t.equal((await app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).statusCode, 404, 'POST /auth/request: 404')

  const login = await browserLogin(app, box, { prefix: '/api/auth', me: '/api/me' })
  loginSucceeded(t, login, { prefix: '/api/auth' })
  t.equal(login.verify?.headers.location, '/api/me', 'the sign-in redirects to the first allowed path, /api/me')
  pageHeaders(t, login.page, 'the sign-in page')
  t.equal(login.page.headers['x-served-by'], 'autoload-app', 'the app-wide plugin from plugins/ covers the plugin\'s pages')

  // The used-link page's revoke form, and the other-browser page's approve form.
  const used = await app.inject({ method: 'GET', url: login.link.pathname + login.link.search })
  t.equal(used.statusCode, 409, 'the used link')
  t.equal(formAction(used.body), '/api/auth/revoke', 'the used-link page posts its revoke form to /api/auth/revoke')
  const revoke = await app.inject({
    method: 'POST',
    url: formAction(used.body) ?? '/',
    payload: new URLSearchParams({ token: login.link.searchParams.get('token') as string, email: 'known@example.com' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
  })
  t.equal(revoke.statusCode, 200, 'and that form works')
  t.equal((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: login.jar.header() } })).statusCode, 401, 'the session it revoked is gone')

  const laptop = await app.inject({ method: 'POST', url: '/api/auth/request', payload: { email: 'known@example.com' }, headers: { 'user-agent': 'laptop' } })
  t.equal(laptop.statusCode, 202)
  const phoneLink = new URL((await box.nth(1)).ctx?.link as string)
  t.equal(phoneLink.pathname, '/api/auth/verify', 'the second link too')
  const phone = await app.inject({ method: 'GET', url: phoneLink.pathname + phoneLink.search })
  t.equal(phone.statusCode, 200, 'opened on another device')
  t.equal(formAction(phone.body), '/api/auth/verify', 'the approve form posts to /api/auth/verify')

  t.same((await app.inject({ method: 'GET', url: '/' })).json(), { home: true }, 'routes/root.mjs at /')
  await crossSiteRefused(t, app, '/api/auth')
  t.same(errors, [], 'no 5xx')
})

t.test('the plugin autoloaded from plugins/ (fastify-plugin), used by an autoloaded route file', async (t) => {
  // The generated-app layout: shared plugins first, then routes/ whose files use their decorators.
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  await app.register(autoload, { dir: `${DIR}shared/plugins`, options: { magicLink: options(box) } })
  await app.register(autoload, { dir: `${DIR}shared/routes` })
  await app.ready()
  t.equal((await app.inject({ method: 'GET', url: '/account/' })).statusCode, 401, 'routes/account/ is behind requireSession')
  const login = await browserLogin(app, box, { me: '/account/' })
  loginSucceeded(t, login)
  pageHeaders(t, login.page, 'the sign-in page')
  await crossSiteRefused(t, app)
  t.same(errors, [], 'no 5xx')
})
