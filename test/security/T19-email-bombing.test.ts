// T19: email bombing, cost abuse and SMTP reputation. Per normalized address: 1 mail a minute,
// 5 an hour, silently (same 202); per IP: 429 after ipMax, keyed on the socket address (trustProxy
// off, so X-Forwarded-For is ignored); both limits hold across two instances sharing Redis; with
// Redis down, no mail goes out (fail closed, 503).
import t from 'tap'
import { RedisStore } from '../../src/index.js'
import { startRedis, type RedisServer } from '../helpers/redis.js'
import { buildApp, sleep, until } from './lib.js'

let redis: RedisServer
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

t.test('20 requests for one address in a minute from 20 X-Forwarded-For values: one mail, all 202', async (t) => {
  const a = await buildApp({ rateLimit: { ipMax: 100 } })
  t.teardown(() => a.app.close())
  const statuses = new Set<number>()
  for (let i = 0; i < 20; i++) {
    const email = i % 3 === 0 ? 'known@example.com' : i % 3 === 1 ? 'KNOWN@example.com' : '  known@EXAMPLE.com '
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email }, headers: { 'x-forwarded-for': `198.51.100.${i}` } })
    statuses.add(res.statusCode)
    a.clock.advance(2_000)
  }
  await sleep(50)
  t.same([...statuses], [202], 'silent: every request gets the same 202')
  t.equal(a.outbox.length, 1, 'one mail, whatever the case or spacing of the address')
  for (let i = 0; i < 10; i++) {
    a.clock.advance(61_000)
    await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  }
  await sleep(50)
  t.equal(a.outbox.length, 5, 'five mails an hour at most')
})

t.test('per IP: 429 with Retry-After after ipMax, X-Forwarded-For ignored with trustProxy off', async (t) => {
  const a = await buildApp({ rateLimit: { ipMax: 5 } })
  t.teardown(() => a.app.close())
  const statuses: number[] = []
  for (let i = 0; i < 8; i++) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: `x${i}@example.com` }, headers: { 'x-forwarded-for': `203.0.113.${i}`, 'x-real-ip': `203.0.113.${i}` } })
    statuses.push(res.statusCode)
    if (res.statusCode === 429) {
      t.ok(Number(res.headers['retry-after']) > 0, 'Retry-After')
      t.equal((res.json() as { code: string }).code, 'FST_MAGIC_LINK_RATE_LIMITED')
    }
  }
  t.same(statuses, [202, 202, 202, 202, 202, 429, 429, 429])
  const other = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'y@example.com' }, remoteAddress: '192.0.2.7' })
  t.equal(other.statusCode, 202, 'another socket address has its own budget')
})

t.test('limits hold across two instances sharing Redis', async (t) => {
  const store = (): RedisStore => new RedisStore({ client: redis.client(), prefix: 't19:' })
  const a = await buildApp({ store: store(), rateLimit: { ipMax: 6 } })
  const b = await buildApp({ store: store(), rateLimit: { ipMax: 6 } })
  t.teardown(() => a.app.close())
  t.teardown(() => b.app.close())
  for (let i = 0; i < 4; i++) {
    const app = i % 2 === 0 ? a : b
    t.equal((await app.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).statusCode, 202)
  }
  await sleep(100)
  t.equal(a.outbox.length + b.outbox.length, 1, 'one mail across both instances for one address')
  const ips = []
  for (let i = 0; i < 4; i++) ips.push((await (i % 2 === 0 ? b : a).app.inject({ method: 'POST', url: '/auth/request', payload: { email: `z${i}@example.com` } })).statusCode)
  t.same(ips, [202, 202, 429, 429], 'the per-IP budget of 6 is shared: 4 + 2 pass, then 429 on either instance')
})

t.test('Redis down: fail closed — 503, no mail, no 500', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const client = server.client({ maxRetriesPerRequest: 1 })
  const a = await buildApp({ store: new RedisStore({ client }), storeTimeout: 300 })
  t.teardown(() => a.app.close())
  await server.kill()
  const statuses = new Set<number>()
  for (const email of ['known@example.com', 'other@example.com']) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email } })
    statuses.add(res.statusCode)
    t.equal(res.headers['set-cookie'], undefined, 'no flow cookie')
  }
  t.same([...statuses], [503])
  await sleep(100)
  t.equal(a.outbox.length, 0, 'no mail went out')
  // Bring Redis back before closing: ioredis holds a process for 2 s when it disconnects a
  // client whose server died under it.
  await server.restart()
  await until(() => client.status === 'ready', 5000)
  await sleep(100)
})
