import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { channel, subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
import { EVENT_CHANNEL, STORE_CHANNEL, type MagicLinkEvent, type MagicLinkOptions, type StoreTraceContext } from '../../src/index.js'
import { metricsPlugin } from '../../examples/lib/metrics.js'
import { DevOutbox, type OutboxMail } from '../../examples/lib/outbox.js'
import { createSite } from '../../examples/lib/site.js'
import { Jar, send, tokenOf } from '../helpers/app.js'
import { failingGetFlow, UNKNOWN_TOKEN } from '../helpers/failing-store.js'

/** The example app of `npm run example:metrics`, on inject, with a clock the test moves. */
interface Site {
  app: FastifyInstance
  outbox: DevOutbox
  registry: Registry
  clock: { now: number }
}

async function site (magicLink: Partial<Omit<MagicLinkOptions, 'users'>> = {}): Promise<Site> {
  const outbox = new DevOutbox()
  const clock = { now: Date.now() }
  const registry = new Registry()
  const app = await createSite({
    magicLink: { origin: 'http://localhost:3000', secret: randomBytes(32).toString('base64url'), sendMail: outbox.sendMail, now: () => clock.now, ...magicLink },
    outbox,
    logger: false,
  })
  await app.register(metricsPlugin, { registry })
  await app.ready()
  return { app, outbox, registry, clock }
}

/** Asks for a link for `email` in `jar`'s browser; returns its mail. */
async function ask (s: Site, jar: Jar, email: string): Promise<OutboxMail> {
  const before = s.outbox.mails.length
  const res = await send(s.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })
  if (res.statusCode !== 202) throw new Error(`request: ${res.statusCode} ${res.body}`)
  for (let i = 0; i < 200 && s.outbox.mails.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 5))
  // The outbox keeps the newest mail first.
  return s.outbox.mails[0] as OutboxMail
}

/** Signs `email` in through the same-browser flow. */
async function signIn (s: Site, jar: Jar, email: string): Promise<void> {
  const mail = await ask(s, jar, email)
  const res = await send(s.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail.link as string) } })
  if (res.statusCode !== 200) throw new Error(`verify: ${res.statusCode} ${res.body}`)
}

/** Lets the work that follows a response (waking a long-poll, the mail queue) run. */
async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}

interface Sample { name: string, labels: Record<string, string>, value: number }

/** `GET /metrics`, parsed from the Prometheus text format. */
async function scrape (t: Test, s: Site): Promise<{ text: string, samples: Sample[] }> {
  const res = await s.app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], s.registry.contentType)
  const samples: Sample[] = []
  for (const line of res.body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not a sample: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) })
  }
  return { text: res.body, samples }
}

/** `type:reason value` of every event counter, sorted. */
function counters (samples: Sample[]): string[] {
  return samples.filter((x) => x.name === 'magic_link_events_total')
    .map((x) => `${x.labels.type}:${x.labels.reason} ${x.value}`).sort()
}

/** `method:outcome count` of the store histogram, sorted. */
function storeCounts (samples: Sample[]): string[] {
  return samples.filter((x) => x.name === 'magic_link_store_duration_seconds_count')
    .map((x) => `${x.labels.method}:${x.labels.outcome} ${x.value}`).sort()
}

/** Counts the store calls by method, independently of the example. */
function countCalls (): { calls: Map<string, number>, stop: () => void } {
  const calls = new Map<string, number>()
  const trace = tracingChannel<unknown, StoreTraceContext>(STORE_CHANNEL)
  const handlers = {
    start: (c: StoreTraceContext) => { calls.set(c.method, (calls.get(c.method) ?? 0) + 1) },
    end: () => {},
    asyncStart: () => {},
    asyncEnd: () => {},
    error: () => {},
  }
  trace.subscribe(handlers)
  return { calls, stop: () => { trace.unsubscribe(handlers) } }
}

t.test('logins, a wrong and an expired link, a logout: exact counters and one observation per store call', async (t) => {
  const s = await site()
  t.teardown(() => s.app.close())
  const tracer = countCalls()
  t.teardown(tracer.stop)
  // The events' ids, which must never become label values.
  const ids = new Set<string>()
  const collect = (message: unknown): void => {
    const e = message as MagicLinkEvent
    for (const id of [e.flowId, e.sessionId, e.userId]) if (id !== undefined) ids.add(id)
  }
  subscribe(EVENT_CHANNEL, collect)
  t.teardown(() => { unsubscribe(EVENT_CHANNEL, collect) })

  const jars = [new Jar(), new Jar(), new Jar()]
  for (const [i, jar] of jars.entries()) await signIn(s, jar, `user${i}@example.com`)
  const logout = await send(s.app, jars[0] as Jar, { method: 'POST', url: '/auth/logout', payload: {} })
  t.equal(logout.statusCode, 204)
  const wrong = await send(s.app, new Jar(), { method: 'GET', url: `/auth/verify?token=${'A'.repeat(33)}.${'B'.repeat(43)}` })
  t.equal(wrong.statusCode, 410, 'the page that says the link cannot be used')
  const late = await ask(s, new Jar(), 'late@example.com')
  s.clock.now += 20 * 60_000
  await send(s.app, new Jar(), { method: 'GET', url: `/auth/verify?token=${tokenOf(late.link as string)}` })
  await settle()

  const { text, samples } = await scrape(t, s)
  t.ok(text.includes('magic_link_events_total{type="session.created",reason="link"} 3\n'))
  t.same(counters(samples), [
    'link.approved:same-browser 3',
    'link.rejected:expired 1',
    'link.rejected:unknown 1',
    'mail.sent:login 4',
    'request.accepted:request 4',
    'session.created:link 3',
    'session.revoked:logout 1',
  ])

  // One observation per store call, every one 'ok'.
  t.same(storeCounts(samples), [...tracer.calls].map(([method, n]) => `${method}:ok ${n}`).sort())
  t.equal(tracer.calls.get('createFlow'), 4, 'one flow per request')
  t.equal(tracer.calls.get('createSession'), 3)
  for (const count of samples.filter((x) => x.name === 'magic_link_store_duration_seconds_count')) {
    const inf = samples.find((x) => x.name === 'magic_link_store_duration_seconds_bucket' && x.labels.method === count.labels.method && x.labels.le === '+Inf')
    t.equal(inf?.value, count.value, `${count.labels.method}: the +Inf bucket holds every call`)
  }

  // Labels are types, reasons, methods, outcomes and bucket bounds: no address, token, code or id.
  const secrets = [...ids, ...s.outbox.mails.flatMap((m) => {
    const token = m.link === null ? '' : tokenOf(m.link)
    return [m.to, token, ...token.split('.'), m.code ?? ''].filter((x) => x !== '')
  }), ...jars.flatMap((jar) => [...jar.cookies.values()])]
  t.ok(ids.size >= 7, 'flow, session and user ids were published')
  t.notMatch(text, /@/, 'no address anywhere')
  const labelled = samples.filter((x) => x.name.startsWith('magic_link_'))
  t.same([...new Set(labelled.flatMap((x) => Object.keys(x.labels)))].sort(), ['le', 'method', 'outcome', 'reason', 'type'])
  const values = new Set(labelled.flatMap((x) => Object.entries(x.labels).filter(([name]) => name !== 'le').map(([, value]) => value)))
  t.same(secrets.filter((secret) => [...values].some((value) => value.includes(secret))), [], 'no label value holds a secret or an id')
  for (const value of values) t.match(value, /^[a-z.-]*$/i, `label value "${value}": a type, reason, method or outcome`)
})

t.test('a failing store call is observed once, with outcome "error"', async (t) => {
  const { store, throwNext } = failingGetFlow()
  const s = await site({ store })
  t.teardown(() => s.app.close())
  const url = `/auth/verify?token=${UNKNOWN_TOKEN}`
  // A rejection publishes `error` then `asyncEnd`; a throw publishes `error` then `end`.
  t.equal((await send(s.app, new Jar(), { method: 'GET', url })).statusCode, 503)
  throwNext()
  t.equal((await send(s.app, new Jar(), { method: 'GET', url })).statusCode, 503)
  const { text, samples } = await scrape(t, s)
  t.same(storeCounts(samples), ['getFlow:error 2'])
  t.ok(text.includes('magic_link_store_duration_seconds_count{method="getFlow",outcome="error"} 2\n'))
  t.same(counters(samples), [], 'no event: the request failed before any')
})

t.test('closing the app unsubscribes from both channels', async (t) => {
  const s = await site()
  await signIn(s, new Jar(), 'ada@example.com')
  await settle()
  const before = (await scrape(t, s)).text
  t.match(before, /magic_link_events_total\{type="session.created",reason="link"\} 1\n/)
  await s.app.close()
  t.equal(channel(EVENT_CHANNEL).hasSubscribers, false)
  t.equal(tracingChannel(STORE_CHANNEL).start.hasSubscribers, false)
  channel(EVENT_CHANNEL).publish(Object.freeze({ type: 'session.created', reason: 'link', at: Date.now() }))
  await tracingChannel<unknown, StoreTraceContext>(STORE_CHANNEL).tracePromise(async () => {}, { method: 'createFlow' })
  t.equal(await s.registry.metrics(), before, 'the counters and the histogram did not move')
})
