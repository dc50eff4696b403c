// Redis Sentinel: a primary, two replicas and three sentinels on loopback. A real failover
// (SIGKILL of the primary, a replica promoted by the sentinels) under a load of concurrent
// same-browser logins, with and without `durability`; then the exactly-once checks on a new
// instance: no spent link signs in again, no ended session comes back.
import t, { type Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RedisOptions } from 'ioredis'
import { RedisStore, type RedisStoreOptions } from '../../src/index.js'
import { build, Jar, send, tokenOf, type TestApp } from '../helpers/app.js'
import { replicasOnline, sentinelSkipReason, startSentinelGroup, type SentinelGroup } from '../helpers/replication.js'

type Durability = NonNullable<RedisStoreOptions['durability']>

const STORE_TIMEOUT = 1000
const DURABILITY: Durability = { replicas: 1, timeout: 500 }
const USERS = 20
/** The primary dies this long after the load starts. */
const KILL_AFTER = 2000
/** The load stops at the latest this long after it started (it usually stops at ~7.5 s). */
// Room for a loaded machine (a clean-clone run beside the browser suites needed 10.8 s).
const LOAD_CAP = 25_000
/** After the failover: the load stops once this long passed without a 5xx… */
const CALM = 3000
/** …and this many logins went through since the last one. */
const CALM_LOGINS = 10
/** 503s may go on this long after the promotion (reconnection, the other replica's resync). */
const AFTER_PROMOTION = 15_000

/**
 * The app's Sentinel client: one retry for a command caught by a reconnection, no re-sending of
 * the commands unanswered when the primary died (README, "Stores"), reconnection attempts at
 * most 500 ms apart (the default backs off to 2 s, which would only lengthen the outage after the
 * promotion), the offline queue left on (RedisStore fails fast by itself while the client is
 * down).
 */
const CLIENT: RedisOptions = {
  maxRetriesPerRequest: 1,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 2000,
  retryStrategy: (times) => Math.min(times * 50, 500),
  sentinelRetryStrategy: (times) => Math.min(times * 50, 500),
}

const skip = sentinelSkipReason()
t.setTimeout(150_000)

function storeOn (group: SentinelGroup, durability: Durability | null): RedisStore {
  return new RedisStore({ client: group.client(CLIENT), ...(durability === null ? {} : { durability }) })
}

/** The link of the first mail to `email` from index `from` of the outbox on, waiting up to 2 s. */
async function linkTo (a: TestApp, email: string, from: number): Promise<string | null> {
  for (let i = 0; i < 400; i++) {
    for (let j = from; j < a.outbox.length; j++) {
      const ctx = a.outbox[j]?.ctx
      if (ctx?.email === email) return tokenOf(ctx.link)
    }
    await sleep(5)
  }
  return null
}

/** A same-browser sign-in; returns the jar, the token and the binding cookies it was opened with. */
async function signIn (a: TestApp, email: string): Promise<{ jar: Jar, token: string, binding: Map<string, string>, status: number }> {
  const jar = new Jar()
  const from = a.outbox.length
  const asked = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })
  if (asked.statusCode !== 202) throw new Error(`request: ${asked.statusCode} ${asked.body}`)
  const token = await linkTo(a, email, from)
  if (token === null) throw new Error(`no mail to ${email}`)
  const binding = new Map(jar.cookies)
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  return { jar, token, binding, status: res.statusCode }
}

function jarOf (cookies: Map<string, string>): Jar {
  const jar = new Jar()
  for (const [k, v] of cookies) jar.cookies.set(k, v)
  return jar
}

function histogram (values: Iterable<number | string>): string {
  const counts = new Map<number | string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts].sort(([x], [y]) => String(x).localeCompare(String(y))).map(([k, n]) => `${k}×${n}`).join(' ') || 'none'
}

t.test('sentinel: a login and a logout through the sentinels, with durability', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const group = await startSentinelGroup({ replicas: 2 })
  t.teardown(() => group.stop())
  const a = await build({ store: storeOn(group, DURABILITY), storeTimeout: STORE_TIMEOUT, rateLimit: false })
  t.teardown(() => a.app.close())

  const { jar, token, binding, status } = await signIn(a, 'known@example.com')
  t.equal(status, 200, 'signed in (the link burned on the primary and acknowledged by a replica)')
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'GET /me')
  const cookie = jar.header()
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/logout', payload: {} })).statusCode, 204, 'logout')
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie } })).statusCode, 401, 'the ended session is refused')
  t.equal((await send(a.app, jarOf(binding), { method: 'POST', url: '/auth/verify', payload: { token } })).statusCode, 400, 'the spent link is refused')

  // Both replicas hold the spent link and the ended session (WAIT asked for one; the other one
  // follows).
  await replicasOnline(group.primary.port, 2, { caughtUp: true })
  for (const replica of group.replicas) {
    const r = replica.client()
    const flows = await r.keys('ml:f:*')
    t.equal(flows.length, 1, `replica ${replica.port} has the flow`)
    t.not(await r.hget(flows[0] as string, 'st'), 'pending', `replica ${replica.port}: the flow is not pending any more`)
    t.same(await r.keys('ml:s:*'), [], `replica ${replica.port}: no session record left`)
  }
})

/** The pid listening on a loopback port (the sentinels are the group's own processes). */
function pidOn (port: number): number {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' })
  const m = /pid=(\d+)/.exec(out)
  if (m === null) throw new Error(`no process listens on ${port}`)
  return Number(m[1])
}

t.test('a reconnection that asks the sentinels answers 503 at once, and burns nothing behind it', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const group = await startSentinelGroup({ replicas: 1 })
  t.teardown(() => group.stop())
  const store = storeOn(group, DURABILITY)
  const a = await build({ store, storeTimeout: STORE_TIMEOUT, rateLimit: false })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const from = a.outbox.length
  await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = await linkTo(a, 'known@example.com', from) as string
  // The sentinels hang, and the primary drops the app's connections: the client goes back to
  // the sentinels for the primary's address and waits there ('connecting').
  const pids = group.sentinels.map((s) => pidOn(s.port))
  for (const pid of pids) process.kill(pid, 'SIGSTOP')
  const resume = (): void => { for (const pid of pids) process.kill(pid, 'SIGCONT') }
  t.teardown(resume)
  await group.primary.client().call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')
  for (let i = 0; i < 400 && store.client.status !== 'connecting'; i++) await sleep(5)
  t.equal(store.client.status, 'connecting', 'the client asks the (hung) sentinels')
  const started = performance.now()
  const refused = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  const ms = Math.round(performance.now() - started)
  t.equal(refused.statusCode, 503, `503 while the client reconnects (${ms} ms)`)
  t.ok(ms < STORE_TIMEOUT / 2, `refused at once, not at storeTimeout (${ms} ms)`)
  resume()
  for (let i = 0; i < 400 && store.client.status !== 'ready'; i++) await sleep(10)
  t.equal(store.client.status, 'ready', 'back once the sentinels answer')
  // Nothing ran behind the 503: the link still signs in, once.
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })).statusCode, 200, 'the link still works')
})

type Step = 'request' | 'mail' | 'verify' | 'me' | 'logout'

interface Rec { user: number, step: Step, status: number, start: number, end: number }

interface Run {
  records: Rec[]
  oldPrimary: number
  killAt: number
  /** A sentinel first named another primary. */
  promotedAt: number | null
  /** Every sentinel named it. */
  agreedAt: number | null
  /** The new primary had the other old replica online again. */
  resyncedAt: number | null
  newPrimary: number
  /** Links whose POST /verify answered 200, with the binding cookies of their browser. */
  spent: Array<{ token: string, binding: Map<string, string>, end: number }>
  /** Session cookies whose POST /logout answered 204. */
  ended: Array<{ cookie: string, end: number }>
  /** Why the store failed (the plugin's warn log), counted. */
  failures: Map<string, number>
  /** Statuses of the replays on the new instance. */
  replayedLinks: number[]
  replayedSessions: number[]
  /** Control: a link never opened, and a session never ended, on the new instance. */
  controlLink: number
  controlSession: number
  durationMs: number
}

function reasonOf (message: string): string {
  if (message.includes('replicas acknowledged')) return 'WAIT short'
  if (message.includes('Redis connection is')) return message.replace(/^.*(Redis connection is \w+).*$/, '$1')
  if (message.includes('max retries per request')) return 'MaxRetriesPerRequestError (unanswered at the kill, or queued while connecting)'
  if (message.includes('timed out')) return 'storeTimeout'
  return message.slice(0, 80)
}

async function failoverUnderLoad (t: Test, durability: Durability | null): Promise<Run> {
  const group = await startSentinelGroup({ replicas: 2 })
  t.teardown(() => group.stop())
  const oldPrimary = group.primary.port
  const emails = Array.from({ length: USERS }, (_, i) => `user${i}@example.com`)
  const known = [...emails, 'control-link@example.com', 'control-session@example.com']
  const a = await build({ store: storeOn(group, durability), storeTimeout: STORE_TIMEOUT, rateLimit: false, known, logLevel: 'warn' })
  t.teardown(() => a.app.close())

  const t0 = performance.now()
  const now = (): number => performance.now() - t0
  const records: Rec[] = []
  const spent: Run['spent'] = []
  const ended: Run['ended'] = []
  let killAt = Number.POSITIVE_INFINITY
  let promotedAt: number | null = null
  let agreedAt: number | null = null
  let resyncedAt: number | null = null
  let newPrimary = oldPrimary
  let lastFailure = 0
  let loginsSinceFailure = 0
  let stopping = false

  const finished = (): boolean => {
    const at = now()
    if (at >= LOAD_CAP || killError !== null) return true
    return agreedAt !== null && at - killAt >= CALM && at - lastFailure >= CALM && loginsSinceFailure >= CALM_LOGINS
  }
  const step = async (user: number, name: Step, run: () => Promise<{ statusCode: number }>): Promise<number> => {
    const start = now()
    let status: number
    try {
      status = (await run()).statusCode
    } catch {
      status = -1
    }
    const end = now()
    records.push({ user, step: name, status, start, end })
    if (status >= 500 || status < 0) {
      lastFailure = Math.max(lastFailure, end)
      loginsSinceFailure = 0
    }
    return status
  }
  const backoff = (): Promise<unknown> => sleep(40 + Math.floor(Math.random() * 40))

  const user = async (i: number): Promise<void> => {
    const email = emails[i] as string
    while (!finished()) {
      const jar = new Jar()
      const from = a.outbox.length
      if (await step(i, 'request', () => send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })) !== 202) {
        await backoff()
        continue
      }
      const mailStart = now()
      const token = await linkTo(a, email, from)
      if (token === null) {
        records.push({ user: i, step: 'mail', status: 0, start: mailStart, end: now() })
        continue
      }
      const binding = new Map(jar.cookies)
      if (await step(i, 'verify', () => send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })) !== 200) {
        await backoff()
        continue
      }
      spent.push({ token, binding, end: now() })
      await step(i, 'me', () => send(a.app, jar, { method: 'GET', url: '/me' }))
      const cookie = jar.header()
      if (await step(i, 'logout', () => send(a.app, jar, { method: 'POST', url: '/auth/logout', payload: {} })) === 204) {
        ended.push({ cookie, end: now() })
        loginsSinceFailure++
      } else {
        await backoff()
      }
    }
  }

  // The sentinels' view, and then the new primary's replica, every 50 ms from the kill on.
  const monitor = async (): Promise<void> => {
    while (killAt === Number.POSITIVE_INFINITY && !stopping) await sleep(10)
    while (!stopping && (agreedAt === null || resyncedAt === null)) {
      const views = await group.views()
      const moved = views.filter((p): p is number => typeof p === 'number' && p !== oldPrimary)
      if (promotedAt === null && moved.length > 0) {
        promotedAt = now()
        newPrimary = moved[0] as number
      }
      if (agreedAt === null && moved.length === views.length && views.every((p) => p === newPrimary)) agreedAt = now()
      if (promotedAt !== null && resyncedAt === null) {
        try {
          await replicasOnline(newPrimary, 1, { timeoutMs: 1 })
          resyncedAt = now()
        } catch {}
      }
      await sleep(50)
    }
  }

  let killError: unknown = null
  const killer = (async () => {
    await sleep(KILL_AFTER)
    killAt = now()
    await group.primary.kill()
  })().catch((err: unknown) => { killError = err; stopping = true })
  const watching = monitor()
  await Promise.all(Array.from({ length: USERS }, (_, i) => user(i)))
  const durationMs = now()
  await killer
  stopping = true
  await watching
  if (killError !== null) throw killError

  // Before the replays: every sentinel names the new primary, and the old replica that
  // follows it has all of its writes.
  newPrimary = await group.agreed({ not: oldPrimary })
  await replicasOnline(newPrimary, 1, { caughtUp: true })

  // Controls for the replays below: a link nobody opened, a session nobody ended.
  const controlJar = new Jar()
  const from = a.outbox.length
  t.equal((await send(a.app, controlJar, { method: 'POST', url: '/auth/request', payload: { email: 'control-link@example.com' } })).statusCode, 202, 'control link asked after the failover')
  const controlToken = await linkTo(a, 'control-link@example.com', from)
  const controlSignIn = await signIn(a, 'control-session@example.com')
  t.equal(controlSignIn.status, 200, 'control session signed in after the failover')
  const controlCookie = controlSignIn.jar.header()
  await replicasOnline(newPrimary, 1, { caughtUp: true })
  await a.app.close()

  const failures = new Map<string, number>()
  for (const line of a.logs) {
    const entry = JSON.parse(line) as { msg?: string, err?: { message?: string } }
    if (entry.msg !== 'fastify-magic-link: store call failed') continue
    const reason = reasonOf(entry.err?.message ?? '')
    failures.set(reason, (failures.get(reason) ?? 0) + 1)
  }

  // A new instance on a new Sentinel client, past the access lifetime (5 min) but within the
  // links' (10 min): every cookie is checked against the store, every link is still live.
  const b = await build({ store: storeOn(group, durability), storeTimeout: STORE_TIMEOUT, rateLimit: false, known })
  t.teardown(() => b.app.close())
  b.clock.now = a.clock.now + 6 * 60_000
  const replayedLinks: number[] = []
  for (const s of spent) {
    replayedLinks.push((await send(b.app, jarOf(s.binding), { method: 'POST', url: '/auth/verify', payload: { token: s.token } })).statusCode)
  }
  const replayedSessions: number[] = []
  for (const e of ended) {
    replayedSessions.push((await b.app.inject({ method: 'GET', url: '/me', headers: { cookie: e.cookie } })).statusCode)
  }
  const controlLink = controlToken === null
    ? 0
    : (await send(b.app, controlJar, { method: 'POST', url: '/auth/verify', payload: { token: controlToken } })).statusCode
  const controlSession = (await b.app.inject({ method: 'GET', url: '/me', headers: { cookie: controlCookie } })).statusCode
  await b.app.close()

  return {
    records, oldPrimary, killAt, promotedAt, agreedAt, resyncedAt, newPrimary, spent, ended, failures,
    replayedLinks, replayedSessions, controlLink, controlSession, durationMs,
  }
}

/** The figures of a run, as comments for the report; returns the 503 window. */
function report (t: Test, label: string, r: Run): { first503: number | null, last503: number | null, loginAfterKill: number | null } {
  const rel = (at: number | null): string => at === null ? 'never' : `${Math.round(at - r.killAt)} ms`
  const relList = (ats: number[]): string => ats.length === 0 ? 'none' : `${ats.length}, from ${rel(Math.min(...ats))} to ${rel(Math.max(...ats))}`
  const unavailable = r.records.filter((x) => x.status === 503)
  const first503 = unavailable.length === 0 ? null : Math.min(...unavailable.map((x) => x.end))
  const last503 = unavailable.length === 0 ? null : Math.max(...unavailable.map((x) => x.end))
  const loginAfterKill = r.records.filter((x) => x.step === 'verify' && x.status === 200 && x.start > r.killAt).map((x) => x.end)
  const firstLogin = loginAfterKill.length === 0 ? null : Math.min(...loginAfterKill)
  const steps: Step[] = ['request', 'mail', 'verify', 'me', 'logout']
  const lines = [
    `${label}: ${USERS} users, ${Math.round(r.durationMs)} ms of load, primary SIGKILLed at ${Math.round(r.killAt)} ms`,
    `  promotion seen by a sentinel after ${rel(r.promotedAt)}, by all three after ${rel(r.agreedAt)}, the other replica online on the new primary after ${rel(r.resyncedAt)}`,
    `  503: ${unavailable.length}, first ${rel(first503)}, last ${rel(last503)} after the kill (window ${first503 === null || last503 === null ? 0 : Math.round(last503 - first503)} ms; ${last503 === null || r.promotedAt === null ? '-' : Math.round(last503 - r.promotedAt)} ms after the promotion)`,
    `  first successful login started after the kill: answered ${rel(firstLogin)} after the kill`,
    `  complete logins (logout 204): ${r.ended.length}; links spent (verify 200): ${r.spent.length}`,
    ...steps.map((s) => `  ${s}: ${histogram(r.records.filter((x) => x.step === s).map((x) => x.status))}`),
    `  store failures (plugin log): ${[...r.failures].map(([k, n]) => `${k}×${n}`).join(', ') || 'none'}`,
    `  replays on a new instance: spent links ${histogram(r.replayedLinks)}; ended sessions ${histogram(r.replayedSessions)}; control link ${r.controlLink}, control session ${r.controlSession}`,
    `  at risk: links spent in the last 100 ms before the kill ${r.spent.filter((s) => s.end < r.killAt && s.end >= r.killAt - 100).length}, sessions ended then ${r.ended.filter((e) => e.end < r.killAt && e.end >= r.killAt - 100).length}`,
    `  came back: links answered ${relList(r.spent.filter((_, i) => r.replayedLinks[i] === 200).map((s) => s.end))}, sessions ended ${relList(r.ended.filter((_, i) => r.replayedSessions[i] === 200).map((e) => e.end))} (relative to the kill)`,
  ]
  t.comment(lines.join('\n'))
  return { first503, last503, loginAfterKill: firstLogin }
}

t.test('sentinel failover under load, with durability: 503s only around the switch, then logins again; nothing spent or ended comes back', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const r = await failoverUnderLoad(t, DURABILITY)
  const { first503, last503, loginAfterKill } = report(t, 'with durability { replicas: 1, timeout: 500 }', r)

  const statuses = r.records.map((x) => x.status)
  t.equal(statuses.filter((s) => s === 500).length, 0, 'no 500')
  t.same(histogram(statuses.filter((s) => s >= 500 && s !== 503)), 'none', 'no 5xx but 503')
  t.equal(statuses.filter((s) => s < 0).length, 0, 'no request threw')
  t.ok(r.spent.some((s) => s.end < r.killAt), 'logins before the kill')
  t.equal(r.records.filter((x) => x.status === 503 && x.end < r.killAt).length, 0, 'no 503 before the kill')
  t.not(r.promotedAt, null, 'a replica was promoted')
  t.not(r.newPrimary, r.oldPrimary, 'the sentinels name a new primary')
  t.not(first503, null, 'the failover was felt (503s)')
  if (last503 !== null && r.promotedAt !== null) {
    t.ok(last503 <= r.promotedAt + AFTER_PROMOTION, `the last 503 came ${Math.round(last503 - r.promotedAt)} ms after the promotion (at most ${AFTER_PROMOTION})`)
  }
  t.not(loginAfterKill, null, 'logins work again after the failover, on the same app')
  const recovered = r.records.filter((x) => x.step === 'logout' && x.status === 204 && x.start > (last503 ?? r.killAt)).length
  t.ok(recovered >= CALM_LOGINS, `${recovered} complete logins after the last 503`)

  t.ok(r.spent.length > 0 && r.ended.length > 0, 'there is something to replay')
  t.equal(r.controlLink, 200, 'control: a link nobody opened signs in on the new instance')
  t.equal(r.controlSession, 200, 'control: a session nobody ended is accepted on the new instance')
  t.equal(r.replayedLinks.filter((s) => s === 200).length, 0, `none of the ${r.spent.length} spent links signs in again`)
  t.ok(r.replayedLinks.every((s) => s >= 400 && s < 500), `every replayed link is refused, not unavailable (${histogram(r.replayedLinks)})`)
  t.equal(r.replayedSessions.filter((s) => s === 200).length, 0, `none of the ${r.ended.length} ended sessions is accepted again`)
  t.ok(r.replayedSessions.every((s) => s >= 400 && s < 500), `every ended session is refused, not unavailable (${histogram(r.replayedSessions)})`)
})

t.test('sentinel failover under load, without durability (measured)', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const r = await failoverUnderLoad(t, null)
  report(t, 'without durability', r)
  t.equal(r.records.filter((x) => x.status === 500).length, 0, 'no 500')
  t.comment(`without durability: spent links that signed in again: ${r.replayedLinks.filter((s) => s === 200).length} of ${r.spent.length}; ended sessions accepted again: ${r.replayedSessions.filter((s) => s === 200).length} of ${r.ended.length}`)
})
