// T17: session lifetime, revocation and roles. Idle and absolute expiry hold on the server
// (controlled clock); "logout everywhere" ends every session at once on every instance (Redis
// pub/sub), and within accessTtl when a notification is lost; a role change applies at the next
// refresh (and, per SECURITY.md T14/T17, should renew the session id).
import t, { type Test } from 'tap'
import { RedisStore } from '../../src/index.js'
import { Jar, send } from '../helpers/app.js'
import { signIn } from '../helpers/login.js'
import { startRedis, type RedisServer } from '../helpers/redis.js'
import { buildApp, sleep, type SecApp } from './lib.js'

const MIN = 60_000
const DAY = 24 * 60 * MIN

let redis: RedisServer
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

const me = async (a: SecApp, jar: Jar): Promise<number> => (await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode

t.test('idle timeout and absolute cap hold on the server, whatever the cookie says', async (t) => {
  const a = await buildApp({ session: { ttl: '5d', idleTtl: '1d', accessTtl: '5m' }, rateLimit: false })
  t.teardown(() => a.app.close())
  const idle = await signIn(a)
  const active = await signIn(a, 'known@example.com', new Jar())
  const copy = new Jar()
  copy.cookies.set('__Host-sid', active.get('__Host-sid') ?? '')
  for (let h = 20; h <= 100; h += 20) {
    a.clock.advance(20 * 60 * MIN)
    if (await me(a, active) !== 200) t.fail(`active session refused after ${h} h`)
  }
  t.equal(await me(a, idle), 401, 'idle past 1 day: 401')
  a.clock.advance(DAY)
  t.equal(await me(a, active), 401, 'active every 20 h, still ended by the 5-day absolute cap')
  t.equal(await me(a, copy), 401, 'an old copy of the first cookie too (it was re-issued on refresh)')
})

async function redisPair (t: Test, subscriberB?: ReturnType<RedisServer['client']>): Promise<{ a: SecApp, b: SecApp }> {
  const prefix = `t17-${Math.random().toString(36).slice(2, 8)}:`
  const opts = { session: { accessTtl: '5m' as const }, rateLimit: false as const }
  const a = await buildApp({ store: new RedisStore({ client: redis.client(), prefix }), ...opts })
  const b = await buildApp({ store: new RedisStore({ client: redis.client(), prefix, ...(subscriberB === undefined ? {} : { subscriber: subscriberB }) }), ...opts })
  t.teardown(() => a.app.close())
  t.teardown(() => b.app.close())
  return { a, b }
}

async function within (ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now()
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start
    await sleep(10)
  }
  return -1
}

t.test('logout-all on instance A: every session is refused on A at once and on B within a second', async (t) => {
  const { a, b } = await redisPair(t)
  const laptop = await signIn(a)
  const phone = await signIn(a, 'known@example.com', new Jar())
  t.equal(await me(b, laptop), 200, 'B accepts (and caches) the laptop\'s cookie')
  t.equal(await me(b, phone), 200)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/logout-all', payload: {} })).statusCode, 204)
  t.equal(await me(a, phone), 401, 'A: the other session is refused immediately')
  const ms = await within(1000, async () => (await b.app.inject({ method: 'GET', url: '/me', headers: { cookie: phone.header() } })).statusCode === 401)
  t.ok(ms >= 0, `B refuses it ${ms} ms later (pub/sub), without waiting for accessTtl`)
})

t.test('a lost notification: B refuses the revoked session at its next refresh, within accessTtl', async (t) => {
  const subscriber = redis.client()
  const { a, b } = await redisPair(t, subscriber)
  const jar = await signIn(a)
  const copy = `__Host-sid=${jar.get('__Host-sid') ?? ''}`
  t.equal(await me(b, jar), 200, 'B verified and cached the cookie')
  // B stops hearing revocations (its subscriber connection lost the channel).
  await subscriber.unsubscribe()
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/logout', payload: {}, headers: { cookie: copy } })).statusCode, 204)
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: copy } })).statusCode, 401, 'A refuses it at once')
  await sleep(100)
  t.equal((await b.app.inject({ method: 'GET', url: '/me', headers: { cookie: copy } })).statusCode, 200, 'B, deaf, still trusts its cache (documented bound: accessTtl)')
  b.clock.advance(5 * MIN + 1000)
  t.equal((await b.app.inject({ method: 'GET', url: '/me', headers: { cookie: copy } })).statusCode, 401, 'after accessTtl B refreshes from the store and refuses it')
})

t.test('a role change applies at the next refresh; the session id should be renewed with it', async (t) => {
  let role = 'member'
  const a = await buildApp({ session: { accessTtl: '5m' }, users: { find: (email) => email === 'known@example.com' ? { id: 'u1' } : null, claims: () => ({ role }) } })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const before = ((await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json() as { session: { id: string, data: { role: string } } }).session
  t.equal(before.data.role, 'member')
  const stolen = jar.get('__Host-sid') ?? ''
  role = 'admin'
  a.clock.advance(5 * MIN + 1000)
  const after = ((await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json() as { session: { id: string, data: { role: string } } }).session
  t.equal(after.data.role, 'admin', 'the new role applies at the first refresh after accessTtl')
  t.not(jar.get('__Host-sid'), stolen, 'the cookie is re-issued')
  t.not(after.id, before.id, 'a privilege change renews the session id (SECURITY.md T14, T17)')
  const old = await a.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: `__Host-sid=${stolen}` } })
  t.equal(old.statusCode, 401, 'the pre-change cookie no longer works')
})
