import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { RedisStore } from '../src/index.js'
import { ask, build, Jar, send, tokenOf, type TestApp } from './helpers/app.js'
import { signIn } from './helpers/login.js'
import { startRedis, type RedisServer } from './helpers/redis.js'

let redis: RedisServer
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

/** One Fastify instance on the shared Redis; instances of one test share `t.name` as key prefix. */
async function instance (t: Test, opts: Parameters<typeof build>[0] = {}): Promise<TestApp> {
  const client = redis.client()
  const a = await build({ store: new RedisStore({ client, prefix: `${t.name.slice(0, 20)}:` }), ...opts })
  t.teardown(() => a.app.close())
  return a
}

t.test('same-browser and cross-device flows on RedisStore', async (t) => {
  const a = await instance(t)
  const jar = await signIn(a)
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200)
  a.clock.advance(61_000)
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop)
  const token = tokenOf((await a.mails(2))[1]?.ctx?.link as string)
  t.equal((await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })).statusCode, 200)
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })).statusCode, 200)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 200)
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 200)
})

t.test('200 concurrent verifies of one link on two instances: exactly one approval', async (t) => {
  // The per-IP limiter would refuse most of these (all come from 127.0.0.1): the race is the point.
  const a = await instance(t, { rateLimit: false })
  const b = await instance(t, { rateLimit: false })
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop, 'known@example.com')
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link as string)
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    (i % 2 === 0 ? a : b).app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })))
  const codes = results.map((r) => r.statusCode)
  t.equal(codes.filter((c) => c === 200).length, 1, 'one approval')
  t.equal(codes.filter((c) => c === 400).length, 199, 'every other use fails the same way')
  t.same(new Set(results.filter((r) => r.statusCode === 400).map((r) => r.json().code)), new Set(['FST_MAGIC_LINK_INVALID_TOKEN']))
  const polls = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    (i % 2 === 0 ? a : b).app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie: laptop.header() } })))
  t.equal(polls.filter((p) => p.cookies.some((c) => c.name === '__Host-sid' && c.value !== '')).length, 1, 'one session issued')
})

t.test('logout on instance A is refused on instance B within a second; long-poll on A wakes on B approval', async (t) => {
  const a = await instance(t)
  const b = await instance(t)
  const jar = await signIn(a)
  t.equal((await send(b.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'B trusts the cookie (and caches it)')
  // Keep the cookie: the logout response clears it from the jar, and B must refuse the old one.
  const cookie = jar.header()
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/logout', payload: {} })).statusCode, 204)
  const started = Date.now()
  let status = 200
  while (Date.now() - started < 1000) {
    status = (await b.app.inject({ method: 'GET', url: '/me', headers: { cookie } })).statusCode
    if (status === 401) break
    await sleep(10)
  }
  t.equal(status, 401, `refused on B after ${Date.now() - started} ms`)

  a.clock.advance(61_000)
  b.clock.advance(61_000)
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop)
  const token = tokenOf((await a.mails(2))[1]?.ctx?.link as string)
  const waiting = send(a.app, laptop, { method: 'POST', url: '/auth/poll?wait=10' })
  await sleep(50)
  const t0 = process.hrtime.bigint()
  t.equal((await b.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })).statusCode, 200)
  const res = await waiting
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  t.equal(res.statusCode, 200)
  t.ok(ms < 100, `long-poll on A woke ${ms.toFixed(1)} ms after approval on B`)
})

t.test('Redis down: every route answers 503 within storeTimeout, cached sessions keep working, recovery is automatic', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const client = server.client()
  const a = await build({ store: new RedisStore({ client }), storeTimeout: 300 })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200)
  await server.kill()
  const started = Date.now()
  const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.ok(Date.now() - started < 1000, `answered in ${Date.now() - started} ms`)
  t.match(res.json(), { statusCode: 503, code: 'FST_MAGIC_LINK_STORE_UNAVAILABLE' })
  t.equal((await a.app.inject({ method: 'GET', url: '/auth/verify?token=' + 'A'.repeat(33) + '.' + 'B'.repeat(43) })).statusCode, 503)
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'cached session still works')
  t.equal((await send(a.app, jar, { method: 'GET', url: '/auth/sessions' })).statusCode, 503)
  await server.restart()
  let ok = 0
  const t0 = Date.now()
  while (Date.now() - t0 < 5000) {
    ok = (await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).statusCode
    if (ok === 202) break
    await sleep(50)
  }
  t.equal(ok, 202, `recovered ${Date.now() - t0} ms after restart`)
})
