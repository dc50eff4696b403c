/**
 * What operating the plugin costs: events observed vs not, and `RedisStore`'s `durability`
 * (a `WAIT` for a replica after every burn) vs not, side by side in ONE run, interleaved.
 *
 *   npx tsx ops.ts     (from bench/; default 7 rounds × 3 s, 2 s warm-up; QUICK=1: 2 × 2 s, 1 s;
 *                       the BENCH_* knobs win; BENCH_VUS, BENCH_USERS as in flows.ts)
 *
 * Redis: a private primary and one private replica (`--replicaof`, no persistence; the part
 * waits for `master_link_status:up`). One server process (`servers/ops.ts`, pinned like
 * same-process.ts) hosts three fastify-magic-link apps on the primary, each with its own
 * ioredis client and key prefix: `plain`, `observed` (`hooks.onEvent` counting) and `durable`
 * (`durability: { replicas: 1, timeout: 1000 }`). Channel subscriptions are process-wide, so the
 * driver calls the observed app's `POST /__subscribe {on}` before every measurement (outside the
 * timed window): on (event channel + the five store tracing sub-channels) for `observed`
 * measurements, off for all others.
 *
 * Measurements, each round in rotated order (the pairs sit next to each other in the rotation):
 *   - `GET /me plain` / `GET /me observed`: the authenticated route, steady state (autocannon);
 *     `GET /me plain (A/A)`: the plain one measured a second time in the round, unsubscribed
 *     (the noise yardstick: what two windows of the same thing differ by on this box);
 *   - `flow observed` / `flow plain` / `flow durable`: complete same-browser logins
 *     (lib/flow-driver.ts: POST /auth/request → GET /__last-link → POST /auth/verify + binding
 *     cookie → 200 + sid).
 * Reported: A = GET /me observed ÷ plain, B = flows observed ÷ plain, C = flows durable ÷ plain
 * (median of per-round ratios, min – max), server CPU per op, Redis commands per op (executed on
 * the primary, and sent by that app's client), and the events / traced store calls per op that
 * the process's subscribers saw (which proves what each measurement had switched on).
 */
import {
  autocannonMeasurement, countSent, describeConfig, fmtCpu, machineInfo, machineLine, mdTable, pairRatio, publishResults,
  runConfig, runInterleaved, withCpu, type Measurement, type RunConfig, type Sample,
} from './lib/harness.js'
import { expectStatus, http } from './lib/http.js'
import { flowMeasurement } from './lib/flow-driver.js'
import { magicLinkLogin } from './lib/magic-link.js'
import { pinDriver, SkipError, startServer, type ServerHandle } from './lib/proc.js'
import { fmtCommands, startPrivateRedis, startPrivateReplica, withCommandStats, type PrivateRedis } from './lib/redis.js'
import { BENCH_USER } from './lib/server-util.js'
import { fmtInt, fmtRatio, median } from './lib/stats.js'

const defaults = runConfig()
const quick = defaults.quick
const config: RunConfig = {
  ...defaults,
  rounds: process.env.BENCH_ROUNDS !== undefined ? defaults.rounds : quick ? 2 : 7,
  duration: process.env.BENCH_DURATION !== undefined ? defaults.duration : quick ? 2 : 3,
}
const vus = Number(process.env.BENCH_VUS ?? 50)
const users = Number(process.env.BENCH_USERS ?? (quick ? 200 : 1000))
const DURABILITY = { replicas: 1, timeout: 1000 }
const log = (line: string): void => { process.stderr.write(`[ops] ${line}\n`) }

interface OpsCounts {
  subscribed: boolean
  channel: Record<string, number>
  onEvent: Record<string, number>
  trace: Record<string, number>
  traced: Record<string, number>
}
/** What the process's subscribers saw during one measurement (differences of the counters). */
interface EventsSeen {
  subscribed: boolean
  channel: Record<string, number>
  onEvent: Record<string, number>
  trace: Record<string, number>
  traced: Record<string, number>
}
type OpsSample = Sample & { events?: EventsSeen }

const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(b)) if (v - (a[k] ?? 0) > 0) out[k] = v - (a[k] ?? 0)
  return out
}
const total = (m: Record<string, number>): number => Object.values(m).reduce((x, y) => x + y, 0)

async function readCounts (base: string): Promise<OpsCounts> {
  const res = await http(`${base}/__ops-counts`)
  expectStatus(res, 200, 'GET /__ops-counts')
  return JSON.parse(res.body) as OpsCounts
}

async function subscribe (observedBase: string, on: boolean): Promise<void> {
  const res = await http(`${observedBase}/__subscribe`, { method: 'POST', body: { on } })
  expectStatus(res, 200, `POST /__subscribe {on: ${String(on)}}`)
}

/**
 * Sets the process's channel subscriptions before the measurement (harness `prepare`, outside
 * the timed window) and records what the subscribers saw during it (sample.events).
 */
function observed (m: Measurement, countsBase: string, observedBase: string, on: boolean): Measurement {
  return {
    ...m,
    prepare: async () => { await subscribe(observedBase, on) },
    run: async (d) => {
      const before = await readCounts(countsBase)
      const sample: OpsSample = await m.run(d)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const after = await readCounts(countsBase)
      if (before.subscribed !== on || after.subscribed !== on) throw new Error(`${m.name}: subscriptions were ${String(after.subscribed)}, expected ${String(on)}`)
      sample.events = {
        subscribed: after.subscribed,
        channel: diff(before.channel, after.channel),
        onEvent: diff(before.onEvent, after.onEvent),
        trace: diff(before.trace, after.trace),
        traced: diff(before.traced, after.traced),
      }
      return sample
    },
  }
}

async function sentBy (base: string): Promise<Record<string, number>> {
  return JSON.parse((await http(`${base}/__redis-sent`)).body) as Record<string, number>
}

/** One login through `base`, returning its cookie, what the app's client sent and what the subscribers saw. */
async function checkedLogin (base: string): Promise<{ cookie: string, sent: Record<string, number>, events: number, traced: number, onEvent: number }> {
  const s0 = await sentBy(base)
  const c0 = await readCounts(base)
  const cookie = await magicLinkLogin(base, BENCH_USER.email)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const s1 = await sentBy(base)
  const c1 = await readCounts(base)
  const me = await http(`${base}/me`, { headers: { cookie } })
  expectStatus(me, 200, `${base}: GET /me`)
  if (!me.body.includes(BENCH_USER.id)) throw new Error(`${base}: GET /me did not return the user: ${me.body}`)
  expectStatus(await http(`${base}/me`), 401, `${base}: GET /me without a session`)
  return { cookie, sent: diff(s0, s1), events: total(diff(c0.channel, c1.channel)), traced: total(diff(c0.traced, c1.traced)), onEvent: total(diff(c0.onEvent, c1.onEvent)) }
}

async function main (): Promise<void> {
  log(`${describeConfig(config)}; flows: ${vus} virtual users over ${users} addresses per app`)
  log(`CPU ${pinDriver()}`)
  const machine = machineInfo()
  let primary: PrivateRedis | undefined
  let replica: PrivateRedis | undefined
  let server: ServerHandle | undefined
  try {
    primary = await startPrivateRedis()
    replica = await startPrivateReplica(primary)
    log(`private redis-server primary on port ${primary.port}, replica on port ${replica.port} (master_link_status:up)`)
    try {
      server = await startServer({ name: 'ops', file: 'servers/ops.ts', env: { REDIS_URL: primary.url } })
    } catch (err) {
      if (!(err instanceof SkipError)) throw err
      log(`servers/ops.ts cannot run: ${err.message}`)
      process.exitCode = 1
      return
    }
    const ports = JSON.parse((await http(`${server.baseUrl}/__ports`)).body) as { observed: number, durable: number }
    const base = { plain: server.baseUrl, observed: `http://127.0.0.1:${ports.observed}`, durable: `http://127.0.0.1:${ports.durable}` }

    // Sanity: what each app does on one login, with the subscriptions off, then on.
    await subscribe(base.observed, false)
    // WAIT runs on the store's own connection, not the app's client: count it on the primary.
    const plainRun = await withCommandStats(primary.client, async () => await checkedLogin(base.plain))
    const durableRun = await withCommandStats(primary.client, async () => await checkedLogin(base.durable))
    const plainLogin = plainRun.value
    const durableLogin = durableRun.value
    const observedOff = await checkedLogin(base.observed)
    await subscribe(base.observed, true)
    const observedLogin = await checkedLogin(base.observed)
    await subscribe(base.observed, false)
    const sanity = { plain: plainLogin, durable: durableLogin, observedUnsubscribed: observedOff, observedSubscribed: observedLogin }
    for (const [k, v] of Object.entries(sanity)) log(`one login, ${k}: sent ${JSON.stringify(v.sent)}; channel events ${v.events}, traced store calls ${v.traced}, onEvent ${v.onEvent}`)
    log(`one login on the primary: plain ${JSON.stringify(plainRun.commands)}; durable ${JSON.stringify(durableRun.commands)}`)
    if ((plainRun.commands?.wait ?? 0) !== 0 || (durableRun.commands?.wait ?? 0) < 1) throw new Error('durability: expected WAIT from the durable app only')
    if (plainLogin.events !== 0 || plainLogin.traced !== 0) throw new Error('plain login seen by channel subscribers while unsubscribed')
    if (observedLogin.events === 0 || observedLogin.traced === 0 || observedLogin.onEvent === 0) throw new Error('observed login: no events seen while subscribed')

    const cpu = { server: server.pid, redis: primary.pid, replica: replica.pid }
    const counts = base.plain
    const meNote = 'GET /me behind `preHandler: app.requireSession`, the session cookie, steady state (nothing emitted, no store call)'
    const flowNote = 'same-browser login: POST /auth/request → GET /__last-link → POST /auth/verify {token} + binding cookie → 200 + session cookie'
    const flow = (name: string, app: keyof typeof base, note: string): Measurement => flowMeasurement({
      name, kind: 'ml-same-browser', base: base[app], connections: vus, users, emailOf: (i) => `ops-${app}-${i}@example.com`, note,
    })
    const measurements: Measurement[] = [
      observed(withCpu(countSent(autocannonMeasurement('GET /me plain', { url: `${base.plain}/me`, headers: { cookie: plainLogin.cookie }, connections: config.connections },
        `app \`plain\`: ${meNote}; no subscriber, no hooks.onEvent`), `${base.plain}/__redis-sent`), cpu), counts, base.observed, false),
      observed(withCpu(countSent(autocannonMeasurement('GET /me observed', { url: `${base.observed}/me`, headers: { cookie: observedLogin.cookie }, connections: config.connections },
        `app \`observed\`: the same, with a counting \`hooks.onEvent\` and the process subscribed to the event channel and the five store tracing sub-channels`), `${base.observed}/__redis-sent`), cpu), counts, base.observed, true),
      observed(withCpu(countSent(autocannonMeasurement('GET /me plain (A/A)', { url: `${base.plain}/me`, headers: { cookie: plainLogin.cookie }, connections: config.connections },
        'control: `GET /me plain` again, in the same round (A/A: the noise of two windows of the same thing)'), `${base.plain}/__redis-sent`), cpu), counts, base.observed, false),
      observed(withCpu(countSent(flow('flow observed', 'observed', `app \`observed\`, subscribed as above: ${flowNote}`), `${base.observed}/__redis-sent`), cpu), counts, base.observed, true),
      observed(withCpu(countSent(flow('flow plain', 'plain', `app \`plain\`, no subscriber, no hooks.onEvent: ${flowNote}`), `${base.plain}/__redis-sent`), cpu), counts, base.observed, false),
      observed(withCpu(countSent(flow('flow durable', 'durable', `app \`durable\`: RedisStore \`durability: { replicas: ${DURABILITY.replicas}, timeout: ${DURABILITY.timeout} }\` (a marker write + WAIT on the store's own connection after the link is burnt), no subscriber: ${flowNote}`), `${base.durable}/__redis-sent`), cpu), counts, base.observed, false),
    ]
    const result = await runInterleaved({ baseline: 'flow plain', measurements, config, redis: primary.client, log })
    await subscribe(base.observed, false)
    const replication = await replica.client.info('replication')
    const linkUp = /master_link_status:up/.test(replication)

    const sum = (name: string): (typeof result.summary)[number] => result.summary.find((s) => s.name === name)!
    const serverCpu = (name: string): number => sum(name).cpuUsPerOp?.server ?? NaN
    const pairs = [
      { id: 'events-me', what: '`GET /me` with events observed (event channel + store tracing subscribed, counting `hooks.onEvent`) ÷ without', numerator: 'GET /me observed', denominator: 'GET /me plain', expect: '~1.0x (nothing emitted)' },
      { id: 'control-me', what: 'control: `GET /me` plain ÷ plain, two windows of the same round (A/A noise yardstick)', numerator: 'GET /me plain (A/A)', denominator: 'GET /me plain', expect: '1.00x' },
      { id: 'events-flow', what: 'same-browser login flows/s with events observed ÷ without', numerator: 'flow observed', denominator: 'flow plain', expect: '<= 1x' },
      { id: 'durable-flow', what: `same-browser login flows/s with \`durability: { replicas: ${DURABILITY.replicas}, timeout: ${DURABILITY.timeout} }\` ÷ without (primary + 1 replica)`, numerator: 'flow durable', denominator: 'flow plain', expect: '< 1x (+1 round trip per burn)' },
    ].map((p) => ({ ...p, p: pairRatio(result, p.numerator, p.denominator), cpuRatio: serverCpu(p.denominator) / serverCpu(p.numerator) }))

    // Events per operation, over the measured rounds.
    const eventsPerOp = Object.fromEntries(result.summary.map((s) => {
      const ss = result.rounds.map((r) => r.samples[s.name] as OpsSample)
      const ops = ss.reduce((a, x) => a + x.ops, 0)
      const add = (k: 'channel' | 'onEvent' | 'trace' | 'traced'): Record<string, number> => {
        const out: Record<string, number> = {}
        for (const x of ss) for (const [t, n] of Object.entries(x.events?.[k] ?? {})) out[t] = (out[t] ?? 0) + n
        return out
      }
      const channel = add('channel')
      const onEvent = add('onEvent')
      const trace = add('trace')
      const traced = add('traced')
      return [s.name, { ops, channel: total(channel) / ops, onEvent: total(onEvent) / ops, tracedCalls: total(traced) / ops, traceMessages: total(trace) / ops, channelByType: channel, tracedByMethod: traced, traceBySubchannel: trace }]
    }))
    const fmtPer = (n: number): string => n === 0 ? '0' : n.toFixed(2)
    const per = (m: Record<string, number>, ops: number): string => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / ops).toFixed(2)}`).join(', ')

    // Flow latency, paired per round: durable's p50 minus plain's of the same round.
    const latencyDiffs = result.rounds.map((r) => r.samples['flow durable'].latencyP50 - r.samples['flow plain'].latencyP50)
    const extraMs = median(latencyDiffs)
    // Round trips of the app's client; the durable app's waits (SET marker + WAIT, one pipeline per
    // group of burns) go on the store's own connection and show on the primary as `set` and `wait`.
    const roundTrips = (name: string): number => sum(name).sent?.perRequest ?? NaN
    const pairRows = pairs.map((x) => [
      x.what, `**${fmtRatio(x.p.median)}**`, `${fmtRatio(x.p.min)} – ${fmtRatio(x.p.max)}`, x.p.ratios.map((r) => r.toFixed(2)).join(', '), fmtRatio(x.cpuRatio), x.expect,
    ])
    const rows = result.summary.map((s) => {
      const e = eventsPerOp[s.name]
      return [
        `\`${s.name}\``,
        `${fmtInt(s.medianRate)} ${s.unit}`,
        s.medianP50.toFixed(1),
        s.medianP99.toFixed(1),
        fmtCommands(s.redis),
        s.sent === undefined ? '–' : fmtCommands(s.sent),
        `${fmtPer(e.channel)} / ${fmtPer(e.onEvent)} / ${fmtPer(e.tracedCalls)}`,
        fmtCpu(s.cpuUsPerOp, ['server', 'redis', 'replica', 'driver']),
        s.errors > 0 ? `**${s.errors}**` : '0',
      ]
    })
    const fo = eventsPerOp['flow observed']
    const md = [
      '## Events and durability (`bench/ops.ts`)',
      '',
      `One server process (servers/ops.ts) with three fastify-magic-link apps on one private Redis primary that has one private replica (\`--replicaof\`, link up): \`plain\`, \`observed\` (counting \`hooks.onEvent\`; the process subscribed to \`diagnostics_channel\` \`fastify-magic-link:event\` and the five \`tracingChannel('fastify-magic-link:store')\` sub-channels before each of its measurements, unsubscribed before every other one) and \`durable\` (RedisStore \`durability: { replicas: ${DURABILITY.replicas}, timeout: ${DURABILITY.timeout} }\`). All three: own ioredis client and key prefix, \`rateLimit: false\`, \`storeTimeout: 2000\`, \`session.accessTtl: '1h'\`.`,
      `${describeConfig(config)}; flows: ${vus} virtual users (autocannon connections looping over complete same-browser logins), ${users} addresses per app; server and driver pinned to separate CPUs. Ratios are per round (same round, back to back), then the median over rounds (min – max); CPU ratio = the denominator's server CPU per op ÷ the numerator's.`,
      machineLine(machine),
      '',
      mdTable(['what', 'ratio (median)', 'range', 'per round', 'CPU ratio', 'expected'], pairRows),
      '',
      mdTable(['measurement', 'rate (median)', 'p50 ms', 'p99 ms', 'Redis cmds per op (executed on the primary, INFO commandstats)', 'sent by the app per op (round trips)', 'events per op: channel / onEvent / traced store calls', 'CPU µs per op (server, redis, replica, driver)', 'errors'], rows),
      '',
      ...result.summary.map((s) => `- \`${s.name}\`: ${s.note ?? ''}`),
      '',
      `Events per observed login (channel): ${per(fo.channelByType, fo.ops)}; traced store calls: ${per(fo.tracedByMethod, fo.ops)} (tracing messages per login ${fo.traceMessages.toFixed(2)}: ${per(fo.traceBySubchannel, fo.ops)}). ` +
        `Round trips per login on the app's client: plain ${roundTrips('flow plain').toFixed(2)}, observed ${roundTrips('flow observed').toFixed(2)}, durable ${roundTrips('flow durable').toFixed(2)}; the durable app's waits (\`SET\` of a marker + \`WAIT\`, one pipeline per group of burns in flight) run on the store's own connection and show on the primary as \`set\` and \`wait\`. ` +
        `Flow latency (p50, first request to session cookie, ${vus} logins in flight), durable minus plain of the same round: median ${extraMs >= 0 ? '+' : ''}${extraMs.toFixed(1)} ms (per round ${latencyDiffs.map((d) => `${d >= 0 ? '+' : ''}${d.toFixed(1)}`).join(', ')}). ` +
        `\`replconf\` on the primary is the replica's acknowledgements (\`REPLCONF ACK\`, once a second and after each \`WAIT\`'s \`GETACK\`). Replica link at the end: ${linkUp ? 'up' : '**down**'}.`,
      '',
    ].join('\n')
    publishResults('ops', { benchmark: 'ops', machine, config, vus, users, durability: DURABILITY, sanity, pairs, eventsPerOp, durableLatencyDiffMs: latencyDiffs, result }, md, log, result.summary)
  } finally {
    await server?.stop()
    await replica?.stop()
    await primary?.stop()
  }
}

await main()
