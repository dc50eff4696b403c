// Scale-out: several Fastify instances on one Redis Cluster (3 masters), and on one standalone
// Redis with three instances (test/redis-flows.test.ts covers two).
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Cluster, Redis } from 'ioredis'
import { RedisStore } from '../src/index.js'
import { ask, build, Jar, send, tokenOf, type BuildOptions, type TestApp } from './helpers/app.js'
import { signIn } from './helpers/login.js'
import { startCluster, startRedis, type RedisCluster, type RedisServer } from './helpers/redis.js'

type Tap = Test

const KNOWN = Array.from({ length: 12 }, (_, i) => `user${i}@example.com`)

/** A key prefix nobody else in this file (or a parallel run) uses. */
function uniquePrefix (name: string): string {
  return `${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 16)}-${randomBytes(3).toString('hex')}:`
}

/** `n` instances, each with its own client (as separate processes would have) on one store prefix. */
async function instances (t: Tap, n: number, client: () => Redis | Cluster, opts: BuildOptions = {}): Promise<{ apps: TestApp[], prefix: string }> {
  const prefix = uniquePrefix(t.name)
  const apps: TestApp[] = []
  for (let i = 0; i < n; i++) {
    const a = await build({ store: new RedisStore({ client: client(), prefix }), rateLimit: false, known: KNOWN, ...opts })
    t.teardown(() => a.app.close())
    apps.push(a)
  }
  return { apps, prefix }
}

function at (apps: TestApp[], i: number): TestApp {
  return apps[i % apps.length] as TestApp
}

/** The link token of the n-th mail (0-based) of an instance. */
async function linkToken (a: TestApp, n: number): Promise<string> {
  const link = (await a.mails(n + 1))[n]?.ctx?.link
  if (link === undefined) throw new Error(`no mail #${n}`)
  return tokenOf(link)
}

/** (c) A long-poll on `waiter` wakes when `approver` approves; returns the wake-up delay in ms. */
async function longPollWake (t: Tap, waiter: TestApp, approver: TestApp, email: string): Promise<number> {
  const laptop = new Jar()
  const before = waiter.outbox.length
  const { matchCode } = await ask(waiter, laptop, email)
  const token = await linkToken(waiter, before)
  const waiting = send(waiter.app, laptop, { method: 'POST', url: '/auth/poll?wait=10' })
  let resolvedAt = 0n
  void waiting.then(() => { resolvedAt = process.hrtime.bigint() })
  await sleep(50)
  t.equal(resolvedAt, 0n, 'the long-poll is still waiting before the approval')
  const t0 = process.hrtime.bigint()
  const approve = await approver.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.equal(approve.statusCode, 200, 'approved on the other instance')
  const res = await waiting
  const ms = Number(resolvedAt - t0) / 1e6
  t.equal(res.statusCode, 200, 'the long-poll answers approved')
  t.ok(laptop.get('__Host-sid'), 'and the asking browser gets the session')
  return ms
}

/** (d) Logout on `apps[0]`; returns how long each other instance kept accepting the cookie. */
async function logoutPropagation (t: Tap, apps: TestApp[], email: string): Promise<number[]> {
  const [a, ...others] = apps as [TestApp, ...TestApp[]]
  const jar = await signIn(a, email)
  // The jar drops the session cookie when logout clears it: keep the header as it was.
  const cookie = jar.header()
  for (const [i, o] of others.entries()) {
    t.equal((await o.app.inject({ method: 'GET', url: '/me', headers: { cookie } })).statusCode, 200, `instance ${i + 1} accepts (and caches) the session`)
  }
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie }, payload: {} })).statusCode, 204, 'logout on instance 0')
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie } })).statusCode, 401, 'refused on instance 0 at once')
  const started = Date.now()
  return await Promise.all(others.map(async (o, i) => {
    let status = 200
    while (Date.now() - started < 1000) {
      status = (await o.app.inject({ method: 'GET', url: '/me', headers: { cookie } })).statusCode
      if (status === 401) break
      await sleep(2)
    }
    const ms = Date.now() - started
    t.equal(status, 401, `refused on instance ${i + 1} after ${ms} ms`)
    t.equal((await o.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie } })).statusCode, 401, `GET /auth/session refused on instance ${i + 1}`)
    return ms
  }))
}

function summary (values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y)
  return `min ${(sorted[0] ?? 0).toFixed(1)} ms, median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(1)} ms (n=${sorted.length})`
}

// --- Redis Cluster ------------------------------------------------------------------------------

const started = await startCluster()

if ('skip' in started) {
  t.comment(`Redis Cluster tests skipped: ${started.skip}`)
  t.skip(`Redis Cluster tests (${started.skip})`, () => {})
} else {
  const cluster: RedisCluster = started
  t.teardown(() => cluster.stop())
  const client = (): Cluster => cluster.cluster()

  t.test('cluster: same-browser and cross-device flows across three instances', async (t) => {
    const { apps } = await instances(t, 3, client)
    const [a, b, c] = apps as [TestApp, TestApp, TestApp]

    // Same browser, asked on A, link used on A; the session is accepted on B and C.
    const jar = await signIn(a, 'user0@example.com')
    for (const x of [a, b, c]) t.equal((await send(x.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'session accepted everywhere')
    const session = await send(b.app, jar, { method: 'GET', url: '/auth/session' })
    t.match(session.json(), { user: { id: 'u1' } })

    // Cross device: asked on A (laptop), link opened on B (phone), the laptop polls C.
    const laptop = new Jar()
    const { matchCode } = await ask(a, laptop, 'user1@example.com')
    const token = await linkToken(a, 1)
    t.equal((await b.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })).statusCode, 200, 'interstitial on B')
    t.equal((await c.app.inject({ method: 'POST', url: '/auth/poll' })).statusCode, 400, 'a poll without binding cookie is refused')
    t.match((await send(c.app, laptop, { method: 'POST', url: '/auth/poll' })).json(), { status: 'pending' }, 'pending on C')
    const phone = new Jar()
    t.match((await send(b.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })).json(), { status: 'approved' })
    t.notOk(phone.get('__Host-sid'), 'the phone gets no session')
    c.clock.advance(5_000)
    const claimed = await send(c.app, laptop, { method: 'POST', url: '/auth/poll' })
    t.equal(claimed.statusCode, 200, 'claimed on C')
    t.ok(laptop.get('__Host-sid'), 'the laptop has a session')
    t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 200, 'and A accepts it')
    t.equal((await b.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })).statusCode, 409, 'the used link says so on B')

    // The 6-digit code path across instances: asked on B, code typed on C.
    const other = new Jar()
    await ask(b, other, 'user2@example.com')
    const otp = (await b.mails(1))[0]?.ctx?.otp as string
    t.equal((await send(c.app, other, { method: 'POST', url: '/auth/code', payload: { code: otp } })).statusCode, 200, 'mail code accepted on C')

    // Session scripts that read a user's index (list, refresh, logout-all) on the cluster.
    const second = await signIn(b, 'user0@example.com')
    const list = await send(c.app, second, { method: 'GET', url: '/auth/sessions' })
    t.equal((list.json() as { sessions: unknown[] }).sessions.length, 2, 'both sessions of user0 listed')
    c.clock.advance(6 * 60_000)
    const refreshed = await send(c.app, second, { method: 'GET', url: '/auth/session' })
    t.equal(refreshed.statusCode, 200, 'refresh from the store after accessTtl')
    t.ok(refreshed.cookies.some((ck) => ck.name === '__Host-sid' && ck.value !== ''), 'a new cookie is issued')
    t.equal((await send(c.app, second, { method: 'POST', url: '/auth/logout-all', payload: {} })).statusCode, 204)
  })

  t.test('cluster: 200 concurrent verifies of one link over three instances, exactly one approval', async (t) => {
    const { apps } = await instances(t, 3, client)
    const a = at(apps, 0)
    const laptop = new Jar()
    const { matchCode } = await ask(a, laptop, 'user3@example.com')
    const token = await linkToken(a, 0)
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      at(apps, i).app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })))
    const codes = results.map((r) => r.statusCode)
    t.equal(codes.filter((s) => s === 200).length, 1, 'one approval')
    t.equal(codes.filter((s) => s === 400).length, 199, 'every other use is refused')
    t.same(new Set(results.filter((r) => r.statusCode === 400).map((r) => (r.json() as { code: string }).code)), new Set(['FST_MAGIC_LINK_INVALID_TOKEN']))
    const polls = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      at(apps, i).app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie: laptop.header() } })))
    t.equal(polls.filter((p) => p.cookies.some((ck) => ck.name === '__Host-sid' && ck.value !== '')).length, 1, 'one session issued')
    t.equal(polls.filter((p) => p.statusCode === 200).length, 1, 'one poll answered approved')
  })

  t.test('cluster: an approval on one instance wakes a long-poll on another in < 100 ms', async (t) => {
    const { apps } = await instances(t, 3, client)
    const delays: number[] = []
    for (let round = 0; round < 6; round++) {
      delays.push(await longPollWake(t, at(apps, round), at(apps, round + 1), `user${4 + round}@example.com`))
    }
    t.comment(`cluster long-poll wake-up after a cross-instance approval: ${summary(delays)}`)
    for (const ms of delays) t.ok(ms < 100, `woke ${ms.toFixed(1)} ms after the approval started`)
  })

  t.test('cluster: logout on A is refused on B and C within a second', async (t) => {
    const { apps } = await instances(t, 3, client)
    const ms = await logoutPropagation(t, apps, 'user10@example.com')
    t.comment(`cluster logout propagation to B and C: ${ms.join(' ms, ')} ms`)
  })

  t.test('cluster: every key of one flow (and of one user\'s sessions) is in one hash slot', async (t) => {
    const { apps, prefix } = await instances(t, 2, client)
    const [a, b] = apps as [TestApp, TestApp]
    // Two flows for one address (the second supersedes the first), completed cross-device.
    await ask(a, new Jar(), 'user11@example.com')
    const laptop = new Jar()
    const { matchCode } = await ask(a, laptop, 'user11@example.com')
    const token = await linkToken(a, 1)
    t.equal((await b.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })).statusCode, 200)
    t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 200)
    await signIn(b, 'user11@example.com')

    const admin = cluster.cluster()
    if (admin.status !== 'ready') await new Promise((resolve) => admin.once('ready', resolve))
    const found = new Map<string, string>() // key -> node address
    for (const node of admin.nodes('master')) {
      let cursor = '0'
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
        cursor = next
        for (const key of keys) found.set(key, `${node.options.host ?? ''}:${node.options.port ?? 0}`)
      } while (cursor !== '0')
    }
    const keys = [...found.keys()]
    t.ok(keys.length > 0, `found ${keys.length} keys on ${new Set(found.values()).size} nodes`)
    const untagged = keys.filter((k) => !/\{[^{}]+\}/.test(k))
    t.same(untagged, [], 'every key carries a hash tag')

    const flowGroup = token.slice(0, 11)
    const groups = new Map<string, string[]>()
    for (const key of keys) {
      const tag = /\{([^{}]+)\}/.exec(key)?.[1] ?? ''
      groups.set(tag, [...(groups.get(tag) ?? []), key])
    }
    const flowKeys = groups.get(flowGroup) ?? []
    t.equal(flowKeys.filter((k) => k.startsWith(`${prefix}f:`)).length, 3, 'three flow records of the address (superseded, claimed, signed in)')
    t.equal(flowKeys.filter((k) => k.startsWith(`${prefix}e:`)).length, 1, 'and its mail box')
    for (const [tag, members] of groups) {
      const slots = new Set(await Promise.all(members.map(async (k) => String(await admin.call('CLUSTER', 'KEYSLOT', k)))))
      t.equal(slots.size, 1, `keys of group {${tag}} (${members.map((k) => k.slice(prefix.length, prefix.length + 2)).join(' ')}) share one slot`)
      t.equal(new Set(members.map((k) => found.get(k))).size, 1, `and live on one node`)
    }
    t.equal(groups.size, 2, 'one group for the address, one for the user\'s sessions')
  })
}

// --- standalone Redis, three instances --------------------------------------------------------

t.test('standalone Redis, three instances: long-poll wake-up and logout propagation', async (t) => {
  const server: RedisServer = await startRedis()
  t.teardown(() => server.stop())
  const { apps } = await instances(t, 3, () => server.client())
  const delays: number[] = []
  for (let round = 0; round < 6; round++) {
    delays.push(await longPollWake(t, at(apps, round), at(apps, round + 1), `user${round}@example.com`))
  }
  t.comment(`standalone long-poll wake-up after a cross-instance approval: ${summary(delays)}`)
  for (const ms of delays) t.ok(ms < 100, `woke ${ms.toFixed(1)} ms after the approval started`)
  const ms = await logoutPropagation(t, apps, 'user10@example.com')
  t.comment(`standalone logout propagation to B and C: ${ms.join(' ms, ')} ms`)
})

t.test('a long-poll is woken by an approval whose notification arrives before the answer to its first check', async (t) => {
  // Under load the pub/sub message of an approval can be read before the reply to the poll's
  // first claim (two connections, no ordering between them). The wrapper below makes that order
  // deterministic: it answers the first claim only after the approval and its notification.
  const server: RedisServer = await startRedis()
  t.teardown(() => server.stop())
  const inner = new RedisStore({ client: server.client(), prefix: uniquePrefix(t.name) })
  let beforeFirstAnswer: (() => Promise<void>) | null = null
  const store = new Proxy(inner, {
    get (target, prop) {
      if (prop === 'claimFlow') {
        return async (...args: Parameters<RedisStore['claimFlow']>) => {
          const r = await target.claimFlow(...args)
          const hook = beforeFirstAnswer
          beforeFirstAnswer = null
          if (hook !== null) await hook()
          return r
        }
      }
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  const a = await build({ store, rateLimit: false, known: KNOWN })
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop, 'user0@example.com')
  const token = await linkToken(a, 0)
  let approval = 0
  beforeFirstAnswer = async () => {
    approval = (await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })).statusCode
    await sleep(50) // the notification is delivered (and finds no waiter yet)
  }
  const started = Date.now()
  const res = await send(a.app, laptop, { method: 'POST', url: '/auth/poll?wait=2' })
  const ms = Date.now() - started
  t.equal(approval, 200, 'approved while the first check was in flight')
  t.equal(res.statusCode, 200, `the long-poll answers approved (got ${res.statusCode} after ${ms} ms)`)
  t.ok(ms < 1000, `without waiting out ?wait (${ms} ms)`)
})
