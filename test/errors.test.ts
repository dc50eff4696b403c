import t from 'tap'
import { MemoryStore, type MagicLinkStore } from '../src/index.js'
import { build, Jar, send } from './helpers/app.js'
import { signIn } from './helpers/login.js'

/** A MemoryStore whose methods can be made to fail on demand. */
function flaky (): { store: MagicLinkStore, fail: Set<string> } {
  const fail = new Set<string>()
  const inner = new MemoryStore()
  const store = new Proxy(inner, {
    get (target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => fail.has(String(prop)) ? Promise.reject(new Error(`${String(prop)} down`)) : (v as (...a: unknown[]) => unknown).apply(target, args)
    },
  }) as MagicLinkStore
  return { store, fail }
}

t.test('a throwing app hook is a 500 with a generic body and no stack', async (t) => {
  const a = await build({ users: { find: () => { throw new Error('db exploded at /srv/app.js:12') } } })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'x@example.com' } })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, code: 'FST_MAGIC_LINK_INTERNAL', error: 'Internal Server Error', message: 'Internal Server Error' })
  t.notMatch(res.body, /exploded|srv|at /)
})

t.test('store down during a session refresh: public routes go on unauthenticated, requireSession answers 503', async (t) => {
  const { store, fail } = flaky()
  const a = await build({ store })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  a.clock.advance(6 * 60_000)
  fail.add('touchSession')
  t.same((await send(a.app, jar, { method: 'GET', url: '/public' })).json(), { signedIn: false })
  const me = await send(a.app, jar, { method: 'GET', url: '/me' })
  t.equal(me.statusCode, 503)
  t.equal(me.json().code, 'FST_MAGIC_LINK_STORE_UNAVAILABLE')
  fail.clear()
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'recovers with the store')
})

t.test('store down on the pages: an HTML 503 page, not JSON', async (t) => {
  const { store, fail } = flaky()
  const a = await build({ store })
  t.teardown(() => a.app.close())
  fail.add('getFlow')
  fail.add('verifyFlow')
  const token = `${'A'.repeat(33)}.${'B'.repeat(43)}`
  const page = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(page.statusCode, 503)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.headers['content-security-policy'], /default-src 'none'/)
  const form = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(form.statusCode, 503)
  t.match(form.headers['content-type'], /text\/html/)
  const json = await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(json.json().code, 'FST_MAGIC_LINK_STORE_UNAVAILABLE')
  fail.add('hit')
  const limited = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'x@example.com' } })
  t.equal(limited.statusCode, 503, 'the per-IP limiter fails closed with the store')
})

t.test('users removed between asking and completing get no session', async (t) => {
  const a = await build({ rateLimit: false })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const mail = (await a.mails(1))[0]
  const token = new URL(mail?.ctx?.link as string).searchParams.get('token') as string
  a.users.clear()
  const json = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(json.json().code, 'FST_MAGIC_LINK_INVALID_TOKEN')
  a.users.set('known@example.com', { id: 'u1' })
  const code = new Jar()
  await send(a.app, code, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const otp = (await a.mails(2))[1]?.ctx?.otp as string
  a.users.clear()
  const res = await send(a.app, code, { method: 'POST', url: '/auth/code', payload: { code: otp } })
  t.equal(res.json().code, 'FST_MAGIC_LINK_INVALID_CODE')
  t.equal(code.get('__Host-sid'), undefined)
})

t.test('a malformed code for an unknown link gets the gone page', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const token = `${'A'.repeat(33)}.${'B'.repeat(43)}`
  const res = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${token}&code=junk`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(res.statusCode, 410)
  const noDot = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${'A'.repeat(77)}` })
  t.equal(noDot.statusCode, 410)
})

t.test('pages post with Origin: null (no-referrer); Fetch Metadata vouches for same-origin only', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const post = (headers: Record<string, string>): Promise<number> => a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'x@example.com' }, headers }).then((r) => r.statusCode)
  t.equal(await post({ origin: 'null', 'sec-fetch-site': 'same-origin' }), 202)
  t.equal(await post({ origin: 'null' }), 403)
  t.equal(await post({ origin: 'null', 'sec-fetch-site': 'same-site' }), 403)
  t.equal(await post({ origin: 'https://app.example.com', 'sec-fetch-site': 'same-origin' }), 202)
})

t.test('a mail transport that throws a non-Error is reported, the response unchanged', async (t) => {
  const errors: unknown[] = []
  const a = await build({ sendMail: async () => { throw 'plain string' }, hooks: { onMailError: (e) => { errors.push(e) } } }) // eslint-disable-line no-throw-literal
  t.teardown(() => a.app.close())
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).statusCode, 202)
  for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(errors, ['plain string'])
})

t.test('MemoryStore keeps at most maxRecords per kind', async (t) => {
  const store = new MemoryStore({ maxRecords: 3 })
  for (let i = 0; i < 5; i++) await store.hit(`k${i}`, 60_000)
  t.equal((await store.hit('k0', 60_000)).count, 1, 'the oldest counter was dropped')
  t.equal((await store.hit('k4', 60_000)).count, 2, 'the newest kept')
})

t.test('a store failing with a non-Error value is logged and answered 503', async (t) => {
  const inner = new MemoryStore()
  const store = new Proxy(inner, {
    get (target, prop, receiver) {
      if (prop === 'getFlow') return async () => { throw 'plain failure' } // eslint-disable-line no-throw-literal
      const v = Reflect.get(target, prop, receiver) as unknown
      return typeof v === 'function' ? v.bind(target) : v
    },
  }) as MagicLinkStore
  const a = await build({ store, logLevel: 'warn' })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${'A'.repeat(33)}.${'B'.repeat(43)}` })
  t.equal(res.statusCode, 503)
  t.ok(a.logs.some((l) => l.includes('plain failure')), 'the failure is logged')
  const revoke = await a.app.inject({ method: 'POST', url: '/auth/revoke', payload: `token=${'A'.repeat(33)}.${'B'.repeat(43)}&email=a@b.io`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(revoke.statusCode, 503)
  t.match(revoke.headers['content-type'], /text\/html/, 'form posts to /revoke get a page too')
})

t.test('revocations are remembered for accessTtl, then pruned', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const ids = Array.from({ length: 10_002 }, (_, i) => `g${String(i).padStart(10, '0')}${'x'.repeat(43)}`)
  for (const id of ids.slice(0, 10_001)) await a.app.magicLink.revokeSession(id)
  a.clock.advance(10 * 60_000)
  t.equal(await a.app.magicLink.revokeSession(ids[10_001] as string), false, 'pruning the expired entries leaves the set usable')
})

t.test('claims that are not an object become {}', async (t) => {
  const a = await build({ users: { find: () => ({ id: 'u1' }), claims: () => null as unknown as Record<string, never> } })
  t.teardown(() => a.app.close())
  const { signIn } = await import('./helpers/login.js')
  const jar = await signIn(a)
  t.match((await send(a.app, jar, { method: 'GET', url: '/me' })).json(), { session: { data: {} } })
})

t.test('MemoryStore drops expired records first when full', async (t) => {
  const store = new MemoryStore({ maxRecords: 2 })
  await store.hit('short', 1)
  await store.hit('long', 60_000)
  await new Promise((resolve) => setTimeout(resolve, 5))
  await store.hit('new', 60_000)
  t.equal((await store.hit('long', 60_000)).count, 2, 'the live record survived; the expired one made room')
})
