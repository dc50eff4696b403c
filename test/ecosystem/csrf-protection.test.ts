// @fastify/csrf-protection on the app's own routes (`onRequest: app.csrfProtection`), on the
// @fastify/cookie the app registers itself. The plugin's routes take no CSRF token (a mail link
// cannot carry one): they defend themselves with Origin / Fetch-Metadata checks, so the login
// must work without a token while the app's protected route still refuses one without it.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import cookie from '@fastify/cookie'
import csrf, { type FastifyCsrfProtectionOptions } from '@fastify/csrf-protection'
import magicLink from '../../src/index.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'
import { ORIGIN, send } from '../helpers/app.js'
import { crossSiteRefused, loginSucceeded, pageHeaders, watch5xx } from '../fixtures/ecosystem/checks.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../fixtures/ecosystem/cookie-after-plugin.mjs', import.meta.url))
const COOKIE_SECRET = 'the-app-cookie-secret-0123456789abcdef'

/** The usual order: cookie, csrf-protection, then the plugin (on the app's cookie). */
async function build (t: Test, csrfOptions: FastifyCsrfProtectionOptions = {}, cookieSecret?: string): Promise<{ app: FastifyInstance, box: ReturnType<typeof outbox>, errors: ReturnType<typeof watch5xx> }> {
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  const cookieOptions = cookieSecret === undefined ? {} : { secret: cookieSecret }
  await app.register(cookie, cookieOptions)
  await app.register(csrf, csrfOptions)
  await app.register(magicLink, options(box))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.get('/csrf', async (_request, reply) => ({ token: reply.generateCsrf() }))
  app.post('/transfer', { onRequest: app.csrfProtection, preHandler: app.requireSession }, async (request) => ({ done: true, by: request.session?.userId }))
  await app.ready()
  return { app, box, errors }
}

async function checks (t: Test, app: FastifyInstance, box: ReturnType<typeof outbox>, errors: ReturnType<typeof watch5xx>): Promise<void> {
  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  pageHeaders(t, login.page, 'the sign-in page')
  const jar = login.jar

  const bare = await send(app, jar, { method: 'POST', url: '/transfer', payload: {}, headers: { origin: ORIGIN } })
  t.equal(bare.statusCode, 403, 'the app\'s protected route refuses a signed-in POST without a CSRF token')
  t.match((bare.json() as { code: string }).code, /^FST_CSRF_/, 'with csrf-protection\'s code')

  const { token } = (await send(app, jar, { method: 'GET', url: '/csrf' })).json() as { token: string }
  t.ok(jar.get('_csrf'), 'csrf-protection keeps its secret in its own cookie')
  const wrong = await send(app, jar, { method: 'POST', url: '/transfer', payload: {}, headers: { 'csrf-token': `${token}x` } })
  t.equal(wrong.statusCode, 403, 'a wrong token is refused')
  const ok = await send(app, jar, { method: 'POST', url: '/transfer', payload: {}, headers: { 'csrf-token': token } })
  t.equal(ok.statusCode, 200, 'with the token and the session: done')
  t.same(ok.json(), { done: true, by: 'u1' })
  const anon = await app.inject({ method: 'POST', url: '/transfer', payload: {}, headers: { 'csrf-token': token, cookie: `_csrf=${jar.get('_csrf') as string}` } })
  t.equal(anon.statusCode, 401, 'a valid token without the session is still refused by requireSession')

  // The plugin's cookies are its own, next to csrf-protection's.
  t.ok(jar.get('__Host-sid'), 'the session cookie')
  const logout = await send(app, jar, { method: 'POST', url: '/auth/logout', payload: {}, headers: { origin: ORIGIN } })
  t.equal(logout.statusCode, 204, 'the plugin\'s POST /auth/logout needs no CSRF token')
  t.equal((await send(app, jar, { method: 'GET', url: '/me' })).statusCode, 401, 'signed out')

  await crossSiteRefused(t, app)
  const forged = await app.inject({ method: 'POST', url: '/auth/logout', payload: {}, headers: { origin: 'https://evil.example', cookie: login.jar.header() } })
  t.equal(forged.statusCode, 403, 'a cross-site logout is refused by the plugin\'s own check')
  t.same(errors, [], 'no 5xx')
}

t.test('cookie, csrf-protection, then the plugin (the usual order)', async (t) => {
  const { app, box, errors } = await build(t)
  await checks(t, app, box, errors)
})

t.test('signed CSRF cookie (cookie with a secret, cookieOpts.signed)', async (t) => {
  const { app, box, errors } = await build(t, { cookieOpts: { signed: true, path: '/' } }, COOKIE_SECRET)
  await checks(t, app, box, errors)
})

t.test('the plugin first, then the app registers @fastify/cookie: the documented limitation', async (t) => {
  // The plugin registers @fastify/cookie on the app when the app has none yet (so app routes can
  // read request.cookies), and Fastify refuses a second registration: @fastify/cookie throws
  // FST_ERR_DEC_ALREADY_PRESENT from its own code, as an uncaught exception, hence the child
  // process. The README says to register @fastify/cookie before the plugin; this test pins down
  // how the other order fails, so a change in it is noticed.
  const child = spawn(process.execPath, [FIXTURE], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 30_000)
  t.teardown(() => { clearTimeout(timer); if (child.exitCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => { child.on('close', resolve) })
  t.not(code, 0, 'the boot fails')
  t.match(stderr, /FST_ERR_DEC_ALREADY_PRESENT|has already been added/, 'with the decorator error of the second @fastify/cookie')
})
