// The app's own @fastify/cookie settings must not reach the plugin's cookies: `parseOptions`
// defaults (a Domain on a `__Host-` cookie, which browsers drop; signing with the app's secret)
// and `hook: false` (no `request.cookies`, no `reply.setCookie` flush) used to break logins.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyCookie, { type FastifyCookieOptions } from '@fastify/cookie'
import magicLink from '../../src/index.js'
import { readCookie } from '../../src/cookies.js'
import { ORIGIN, send } from '../helpers/app.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'

async function appWith (cookie: FastifyCookieOptions, extra: Parameters<typeof options>[1] = {}): Promise<{ app: FastifyInstance, box: ReturnType<typeof outbox> }> {
  const box = outbox()
  const app = Fastify()
  await app.register(fastifyCookie, cookie)
  await app.register(magicLink, options(box, extra))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ userId: request.session?.userId }))
  app.get('/app-cookie', async (_request, reply) => reply.setCookie('theme', 'dark').send({ ok: true }))
  await app.ready()
  return { app, box }
}

/** Every Set-Cookie header of a response, as raw strings. */
function setCookies (headers: Record<string, unknown>): string[] {
  const h = headers['set-cookie']
  return h === undefined ? [] : Array.isArray(h) ? h as string[] : [String(h)]
}

const STRICT = /^__Host-(sid|mlflow)=[^;]*; Max-Age=\d+; Path=\/; (Expires=[^;]+; )?HttpOnly; Secure; SameSite=Lax$/

t.test('parseOptions { domain, signed, path, sameSite, secure: false }: the plugin\'s cookies keep their own attributes', async (t) => {
  const { app, box } = await appWith({
    secret: 'the-apps-own-cookie-secret-0123456789',
    parseOptions: { domain: 'example.com', signed: true, path: '/app', sameSite: 'none', secure: false, httpOnly: false },
  })
  t.teardown(() => app.close())
  const login = await browserLogin(app, box)
  const all = [...setCookies(login.request.headers), ...setCookies(login.verify?.headers ?? {})]
  t.ok(all.length >= 2, 'binding and session cookies were set')
  for (const c of all) {
    t.match(c, STRICT, `exact attributes: ${c.split(';')[0]?.split('=')[0]}`)
    t.notMatch(c, /Domain=/i, 'no Domain: a __Host- cookie with one is dropped by browsers')
  }
  const binding = login.jar.get('__Host-mlflow') ?? ''
  t.match(binding, /^[A-Za-z0-9_-]{33}\.[A-Za-z0-9_-]{43}$/, 'the binding cookie is not signed with the app\'s secret')
  t.equal(login.page.statusCode, 200)
  t.match(login.page.body, /<button type="submit">Sign in<\/button>/, 'the same browser is recognised (no "code from another device")')
  t.equal(login.verify?.statusCode, 303)
  t.equal(login.me.statusCode, 200)

  const own = await app.inject({ method: 'GET', url: '/app-cookie' })
  t.match(setCookies(own.headers)[0] ?? '', /Domain=example\.com/, 'the app\'s own cookies still get the app\'s defaults')
})

for (const hook of [false, 'preHandler', 'preParsing'] as const) {
  t.test(`@fastify/cookie with hook: ${String(hook)}: the plugin reads and writes its cookies itself`, async (t) => {
    const { app, box } = await appWith({ hook })
    t.teardown(() => app.close())
    const login = await browserLogin(app, box)
    t.equal(login.request.statusCode, 202)
    t.ok(login.jar.get('__Host-mlflow'), 'the binding cookie was sent')
    t.equal(login.verify?.statusCode, 303, 'no 500 on cookie routes')
    t.equal(login.me.statusCode, 200, 'the session cookie is read in onRequest')
    const poll = await send(app, login.jar, { method: 'POST', url: '/auth/poll', payload: {}, headers: { origin: ORIGIN } })
    t.equal(poll.statusCode, 200, 'the poll route reads the binding cookie')
    const logout = await send(app, login.jar, { method: 'POST', url: '/auth/logout', payload: {}, headers: { origin: ORIGIN } })
    t.equal(logout.statusCode, 204)
    t.equal((await send(app, login.jar, { method: 'GET', url: '/me' })).statusCode, 401, 'the clearing cookie was sent')
  })
}

t.test('one Set-Cookie per name: a refreshed session cookie then cleared by logout in the same response', async (t) => {
  let now = Date.now()
  const { app, box } = await appWith({}, { now: () => now, session: { accessTtl: '1m' } })
  t.teardown(() => app.close())
  const login = await browserLogin(app, box)
  t.equal(login.me.statusCode, 200)
  now += 2 * 60_000 // past accessTtl: the next request refreshes (re-issues the cookie) in onRequest
  const res = await send(app, login.jar, { method: 'POST', url: '/auth/logout', payload: {}, headers: { origin: ORIGIN } })
  t.equal(res.statusCode, 204)
  const sid = setCookies(res.headers).filter((c) => c.startsWith('__Host-sid='))
  t.equal(sid.length, 1, 'one header for the name')
  t.match(sid[0] ?? '', /^__Host-sid=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax$/, 'the last word: cleared')
})

t.test('readCookie: the first pair of that exact name, quotes removed, whitespace tolerated', async (t) => {
  t.equal(readCookie(undefined, 'sid'), undefined)
  t.equal(readCookie('', 'sid'), undefined)
  t.equal(readCookie('sid=a', 'sid'), 'a')
  t.equal(readCookie('xsid=1; sid=2', 'sid'), '2', 'a longer name ending in the name is another cookie')
  t.equal(readCookie('__Host-sid=1; sid=2', 'sid'), '2')
  t.equal(readCookie('sid=1; sid=2', 'sid'), '1', 'duplicates: the first wins')
  t.equal(readCookie('a=1;sid =  "q" ; b=2', 'sid'), 'q', 'spaces and quotes')
  t.equal(readCookie('a=1;\tsid=t', 'sid'), 't')
  t.equal(readCookie('sidx=1; a=sid; sid', 'sid'), undefined, 'a name in a value, or without =, is not a pair')
  t.equal(readCookie('sid=', 'sid'), '')
  t.equal(readCookie('sid="', 'sid'), '"', 'a lone quote stays')
})
