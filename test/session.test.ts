import t from 'tap'
import { SignJWT, base64url } from 'jose'
import Fastify from 'fastify'
import magicLink from '../src/index.js'
import { build, Jar, ORIGIN, SECRET, send } from './helpers/app.js'
import { signIn } from './helpers/login.js'
import { CLOCK_RESOLUTION_MS } from '../src/session/clock.js'

const claims = (sub = 'u1'): Record<string, unknown> => ({ sid: 'x'.repeat(43), dat: {}, cat: Date.now(), sxp: Date.now() + 86_400_000 })
async function forge (opts: { alg?: string, typ?: string, iss?: string, aud?: string, exp?: number, key?: string, kid?: string, extra?: Record<string, unknown> }): Promise<string> {
  const { createHash } = await import('node:crypto')
  const key = opts.key ?? SECRET
  const kid = opts.kid ?? createHash('sha256').update(key).digest('base64url').slice(0, 8)
  return await new SignJWT({ ...claims(), ...opts.extra })
    .setProtectedHeader({ alg: (opts.alg ?? 'HS256'), typ: opts.typ ?? 'ml-session+jwt', kid })
    .setIssuer(opts.iss ?? ORIGIN).setAudience(opts.aud ?? 'fastify-magic-link:session').setSubject('u1')
    .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(new TextEncoder().encode(key))
}

t.test('forged, tampered and misused JWTs get 401, never 500', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const good = jar.get('__Host-sid') as string
  const [h, p, s] = good.split('.') as [string, string, string]
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>
  const none = base64url.encode(JSON.stringify({ alg: 'none', typ: 'ml-session+jwt' }))
  const variants: Record<string, string> = {
    tampered: `${h}.${base64url.encode(JSON.stringify({ ...payload, sub: 'admin' }))}.${s}`,
    'bad signature': `${h}.${p}.${s.slice(0, -2)}AA`,
    'alg none': `${none}.${p}.`,
    'alg none no dot': `${none}.${p}`,
    'wrong typ': await forge({ typ: 'JWT' }),
    'wrong iss': await forge({ iss: 'https://evil.example' }),
    'wrong aud': await forge({ aud: 'other' }),
    'other secret': await forge({ key: 'another-secret-that-is-long-enough-abcdefgh' }),
    'unknown kid': await forge({ kid: '../../dev/null' }),
    'no kid': await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'ml-session+jwt' }).setIssuer(ORIGIN).setAudience('fastify-magic-link:session').setSubject('u1').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET)),
    'HS512': await forge({ alg: 'HS512' }),
    'two segments': `${h}.${p}`,
    'four segments': `${good}.x`,
    'bad base64': `${h}.%%%.${s}`,
    'missing claims': await forge({ extra: { sid: 1 } }),
    'huge': 'a'.repeat(100_000),
    'empty': '',
  }
  for (const [name, token] of Object.entries(variants)) {
    const res = await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${token}` } })
    t.equal(res.statusCode, 401, name)
    t.equal(res.json().code, 'FST_MAGIC_LINK_UNAUTHORIZED', name)
  }
  const expired = await forge({ exp: Math.floor(Date.now() / 1000) - 10 })
  const res = await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${expired}` } })
  t.equal(res.statusCode, 401, 'an expired token with no store record')
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'the real cookie still works')
  const session = await a.app.inject({ method: 'GET', url: '/auth/session' })
  t.match(session.json(), { statusCode: 401, code: 'FST_MAGIC_LINK_UNAUTHORIZED' })
})

t.test('a pre-set session cookie never survives login (new id every login)', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const jar = new Jar()
  jar.cookies.set('__Host-sid', 'attacker-chosen')
  await signIn(a, 'known@example.com', jar)
  const first = jar.get('__Host-sid') as string
  t.not(first, 'attacker-chosen')
  const firstId = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json().session.id
  a.clock.advance(61_000)
  await signIn(a, 'known@example.com', jar)
  const secondId = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json().session.id
  t.not(secondId, firstId)
  const sid = await a.app.inject({ method: 'GET', url: `/me?sid=${first}` })
  t.equal(sid.statusCode, 401, 'a session id in the URL is ignored')
})

t.test('refresh after accessTtl re-issues the cookie; idle and absolute expiry hold (controlled clock)', async (t) => {
  let role = 'user'
  const a = await build({
    session: { ttl: '10d', idleTtl: '2d', accessTtl: '5m' },
    users: { find: (email) => email === 'known@example.com' ? { id: 'u1' } : null, claims: () => ({ role }) },
  })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const first = jar.get('__Host-sid')
  t.match((await send(a.app, jar, { method: 'GET', url: '/me' })).json(), { session: { data: { role: 'user' } } })
  role = 'admin'
  a.clock.advance(4 * 60_000)
  t.match((await send(a.app, jar, { method: 'GET', url: '/me' })).json(), { session: { data: { role: 'user' } } }, 'cached until accessTtl')
  a.clock.advance(2 * 60_000)
  const refreshed = await send(a.app, jar, { method: 'GET', url: '/me' })
  t.equal(refreshed.statusCode, 200)
  t.not(jar.get('__Host-sid'), first, 'cookie re-issued')
  t.match(refreshed.json(), { session: { data: { role: 'admin' } } }, 'claims reloaded at refresh')
  // Active every day: survives past the idle TTL, but not past the absolute TTL.
  for (let day = 1; day <= 9; day++) {
    a.clock.advance(86_400_000)
    t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, `day ${day}`)
  }
  a.clock.advance(86_400_000)
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 401, 'absolute expiry')

  const idle = await signIn(a, 'known@example.com', new Jar())
  a.clock.advance(2 * 86_400_000 + 1000)
  t.equal((await send(a.app, idle, { method: 'GET', url: '/me' })).statusCode, 401, 'idle expiry')
})

t.test('on the real clock, a cached cookie is refreshed once its exp has passed (hot-path clock)', async (t) => {
  const a = await build({ now: Date.now, session: { accessTtl: '1s' } })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const first = jar.get('__Host-sid') as string
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200)
  t.equal(jar.get('__Host-sid'), first, 'a cache hit issues no cookie')
  const exp = (JSON.parse(new TextDecoder().decode(base64url.decode(first.split('.')[1] as string))) as { exp: number }).exp * 1000
  // Past exp by more than the hot-path clock can lag (one resolution, plus event-loop lag on a busy CI machine).
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp - Date.now()) + 2 * CLOCK_RESOLUTION_MS + 100))
  const after = await send(a.app, jar, { method: 'GET', url: '/me' })
  t.equal(after.statusCode, 200)
  t.not(jar.get('__Host-sid'), first, 'past exp: refreshed from the store, not served from the cache')
})

t.test('a user removed from the app loses the session at the next refresh', async (t) => {
  const a = await build({ users: { find: (email) => a.users.get(email) ?? null, claims: () => ({}) } })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  a.users.clear()
  a.clock.advance(6 * 60_000)
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 401)
})

t.test('logout, logout-all, session list and delete', async (t) => {
  const logouts: string[][] = []
  const a = await build({ rateLimit: false, hooks: { onLogout: (e) => { logouts.push(e.sessionIds) } } })
  t.teardown(() => a.app.close())
  const laptop = await signIn(a)
  const phone = await signIn(a)
  const tablet = await signIn(a)
  const list = await send(a.app, laptop, { method: 'GET', url: '/auth/sessions' })
  const sessions = list.json().sessions as Array<{ id: string, current: boolean }>
  t.equal(sessions.length, 3)
  t.equal(sessions.filter((s) => s.current).length, 1)
  const phoneId = (await send(a.app, phone, { method: 'GET', url: '/auth/session' })).json().session.id as string
  t.equal((await send(a.app, laptop, { method: 'DELETE', url: `/auth/sessions/${phoneId}` })).statusCode, 204)
  t.equal((await send(a.app, phone, { method: 'GET', url: '/me' })).statusCode, 401)
  const foreign = await send(a.app, laptop, { method: 'DELETE', url: `/auth/sessions/${'A'.repeat(54)}` })
  t.match(foreign.json(), { statusCode: 400, code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  const cross = await send(a.app, laptop, { method: 'POST', url: '/auth/logout', headers: { origin: 'https://evil.example' }, payload: {} })
  t.equal(cross.statusCode, 403)
  const get = await a.app.inject({ method: 'GET', url: '/auth/logout' })
  t.equal(get.statusCode, 404, 'GET /logout does not exist')
  t.equal((await send(a.app, tablet, { method: 'POST', url: '/auth/logout', payload: {} })).statusCode, 204)
  t.equal((await send(a.app, tablet, { method: 'GET', url: '/me' })).statusCode, 401)
  t.equal(tablet.get('__Host-sid'), undefined, 'cookie cleared')
  const laptopId = (await send(a.app, laptop, { method: 'GET', url: '/auth/session' })).json().session.id as string
  t.same(await a.app.magicLink.listSessions('u1').then((l) => l.map((s) => s.id)), [laptopId])
  const again = await signIn(a)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/logout-all' })).statusCode, 204)
  t.equal((await send(a.app, again, { method: 'GET', url: '/me' })).statusCode, 401)
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 401)
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/logout' })).statusCode, 401)
  const self = await signIn(a)
  const selfId = (await send(a.app, self, { method: 'GET', url: '/auth/session' })).json().session.id as string
  t.equal((await send(a.app, self, { method: 'DELETE', url: `/auth/sessions/${selfId}` })).statusCode, 204)
  t.equal(self.get('__Host-sid'), undefined)
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(logouts.length, 4)
})

t.test('app.magicLink revokes sessions for admin tools', async (t) => {
  const a = await build({ rateLimit: false })
  t.teardown(() => a.app.close())
  const one = await signIn(a)
  const two = await signIn(a)
  const [first] = await a.app.magicLink.listSessions('u1')
  t.equal(await a.app.magicLink.revokeSession(first?.id as string), true)
  t.equal(await a.app.magicLink.revokeSession(first?.id as string), false)
  const left = (await send(a.app, one, { method: 'GET', url: '/me' })).statusCode + (await send(a.app, two, { method: 'GET', url: '/me' })).statusCode
  t.equal(left, 401 + 200)
  t.equal((await a.app.magicLink.revokeUserSessions('u1')).length, 1)
  t.equal((await send(a.app, two, { method: 'GET', url: '/me' })).statusCode, 401)
})

t.test('secret rotation: cookies signed with the old secret stay valid', async (t) => {
  const old = 'the-old-secret-that-is-long-enough-0123456789'
  const a = await build({ secret: old })
  const jar = await signIn(a)
  const cookie = jar.get('__Host-sid') as string
  await a.app.close()
  const b = await build({ secret: [SECRET, old], store: undefined })
  t.teardown(() => b.app.close())
  // Same process, a fresh app: the cookie is verified by signature (no cache), with the old key.
  const res = await b.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${cookie}` } })
  t.equal(res.statusCode, 200)
  const fresh = await signIn(b)
  const c = await build({ secret: old })
  t.teardown(() => c.app.close())
  t.equal((await c.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${fresh.get('__Host-sid') ?? ''}` } })).statusCode, 401, 'the new secret signs')
})

t.test('an app with @fastify/cookie on a later hook still gets sessions', async (t) => {
  const app = Fastify()
  await app.register((await import('@fastify/cookie')).default, { hook: false })
  await app.register(magicLink, { origin: ORIGIN, secret: SECRET, users: { find: () => null } })
  app.get('/who', async (request) => ({ session: request.session }))
  await app.ready()
  const res = await app.inject({ method: 'GET', url: '/who', headers: { cookie: '__Host-sid=nope' } })
  t.same(res.json(), { session: null })
  t.same((await app.inject({ method: 'GET', url: '/who' })).json(), { session: null }, 'no cookie header at all')
  await app.close()
})

t.test('a role change renews the session id at the next refresh; the old cookie stops working', async (t) => {
  let role = 'member'
  const a = await build({ users: { find: (email) => email === 'known@example.com' ? { id: 'u1' } : null, claims: () => ({ role }) } })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const before = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json().session.id as string
  const oldCookie = jar.header()
  a.clock.advance(6 * 60_000)
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'same role: refreshed in place')
  t.equal((await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json().session.id, before)
  role = 'admin'
  a.clock.advance(6 * 60_000)
  const me = await send(a.app, jar, { method: 'GET', url: '/me' })
  t.match(me.json(), { session: { data: { role: 'admin' } } })
  const after = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json().session.id as string
  t.not(after, before, 'a new session id')
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: oldCookie } })).statusCode, 401, 'a copy of the old cookie is refused')
  t.same((await a.app.magicLink.listSessions('u1')).map((s) => s.id), [after])
})

t.test('requireSession also works as an onRequest hook: refused before the body is read', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  let parsed = 0
  // A second app with the same secret and origin: it accepts the cookie by its signature.
  const app = Fastify()
  await app.register(magicLink, { origin: ORIGIN, secret: SECRET, users: { find: () => null } })
  app.addContentTypeParser('application/x-upload', { parseAs: 'string' }, (_request, body, done) => { parsed++; done(null, body) })
  app.post('/upload', { onRequest: app.requireSession }, async (request) => ({ user: request.session?.userId }))
  t.teardown(() => app.close())
  const upload = { method: 'POST' as const, url: '/upload', headers: { 'content-type': 'application/x-upload' }, payload: 'x'.repeat(1000) }
  const refused = await app.inject(upload)
  t.equal(refused.statusCode, 401)
  t.equal(refused.json().code, 'FST_MAGIC_LINK_UNAUTHORIZED')
  t.equal(parsed, 0, 'the body was never parsed')
  const ok = await app.inject({ ...upload, headers: { ...upload.headers, cookie: `__Host-sid=${jar.get('__Host-sid') ?? ''}` } })
  t.equal(ok.statusCode, 200, 'the plugin\'s own onRequest hook ran first and found the session')
  t.same(ok.json(), { user: 'u1' })
  t.equal(parsed, 1)
})
