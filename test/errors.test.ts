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
