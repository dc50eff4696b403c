/**
 * Each login step alone, against its floor (issue 13 b, c).
 *
 * Two servers on one private redis-server:
 *   - servers/magic-link.ts: the plugin's routes (RedisStore, rateLimit false, mail sink);
 *   - servers/floor.ts: a bare Fastify route per step doing only random bytes + SHA-256 + that
 *     step's ONE Redis call (the RedisStore method = one EVALSHA of the plugin's Lua script).
 *
 * Steps (autocannon, 50 connections, every request consumes its own input):
 *   - `request`       POST /request {email}: a new address per request (createFlow)
 *   - `verify`        POST /verify {token} + binding cookie: a fresh pending flow per request;
 *                     the plugin signs the user in (verifyFlow + createSession + JWT + cookies)
 *   - `approve`       POST /verify {token, code}, no cookie: the other device approves a fresh
 *                     pending flow (verifyFlow)
 *   - `claim`         POST /poll + binding cookie: the asking device claims a fresh approved flow
 *                     (claimFlow + createSession + JWT + cookies)
 * The flows are created before each measurement (outside the timed window and outside the Redis
 * command count) through RedisStore's own API (lib/flow-pool.ts), and the database is flushed
 * after each measurement. Reported per step: ours ÷ floor per round (median, range), and Redis
 * commands per request: executed (INFO commandstats, script bodies included) and sent by each
 * server (client side = round trips).
 *
 *   npx tsx steps.ts
 */
import { Redis } from 'ioredis'
import {
  autocannonSample, countSent, describeConfig, withCpu, machineInfo, machineLine, mdTable, pairRatio, runConfig, runInterleaved,
  publishResults, type Measurement, type Sample, type TargetSummary,
} from './lib/harness.js'
import { FlowPool, poolStore, type PooledFlow } from './lib/flow-pool.js'
import { expectStatus, http } from './lib/http.js'
import { startMagicLinkOrSkip, startServer, type ServerHandle } from './lib/proc.js'
import { fmtCommands, startPrivateRedis, type PrivateRedis } from './lib/redis.js'
import { fmtInt, fmtRatio } from './lib/stats.js'
import autocannon from 'autocannon'

const TARGET = 0.85
/** req/s assumed for sizing the first pools (then the fastest rate seen per step) */
const FIRST_ESTIMATE = 20_000

type StepName = 'request' | 'verify' | 'approve' | 'claim'

const STEP_NOTES: Record<StepName, { what: string, ours: string, floor: string }> = {
  request: {
    what: 'POST /request {email}, a new address each time',
    ours: 'POST /auth/request: schema, address normalization, users.find, createFlow (1 script), mail rendered and queued to the sink, binding cookie, 202',
    floor: 'address tag (HMAC) + randomBytes + 4 × SHA-256 + RedisStore.createFlow (1 EVALSHA), 202',
  },
  verify: {
    what: 'POST /verify {token} + binding cookie: same-browser sign-in of a fresh pending flow',
    ours: 'POST /auth/verify: verifyFlow (1 script), users.find, createSession (2nd script), HS256 JWT, session cookie, 200; once the response is sent, a PUBLISH wakes the asking tab\'s poll (3rd command)',
    floor: 'SHA-256 × 3 + randomBytes + RedisStore.verifyFlow (1 EVALSHA), 200',
  },
  approve: {
    what: 'POST /verify {token, code}, no cookie: another device approves a fresh pending flow',
    ours: 'POST /auth/verify with the code: verifyFlow (1 script), 200 (no session on the approving device)',
    floor: 'SHA-256 × 3 + randomBytes + RedisStore.verifyFlow (1 EVALSHA), 200',
  },
  claim: {
    what: 'POST /poll + binding cookie: the asking device claims a fresh approved flow',
    ours: 'POST /auth/poll: claimFlow (1 script), users.find, createSession (2nd script), HS256 JWT, cookies, 200',
    floor: 'SHA-256 × 2 + randomBytes + RedisStore.claimFlow (1 EVALSHA), 200',
  },
}

/** BENCH_STEPS_SESSION_FLOOR=1 adds `verify floor+session` and `claim floor+session`. */
const SESSION_FLOOR = process.env.BENCH_STEPS_SESSION_FLOOR === '1'

interface StepSpec {
  step: StepName
  who: 'ours' | 'floor' | 'floor+session'
  base: string
  path: string
  pool?: FlowPool
  approved?: boolean
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/** A dead input sent when a pool runs dry: it fails (non-2xx), so it shows as errors. */
const DEAD: PooledFlow = { token: `${'A'.repeat(33)}.${'A'.repeat(43)}`, binding: `${'A'.repeat(33)}.${'A'.repeat(43)}`, code: 'BBB-BBB' }

function stepMeasurement (s: StepSpec, connections: number, estimate: Map<string, number>, flush: () => Promise<void>): Measurement {
  const name = `${s.step} ${s.who}`
  let seq = 0
  const setup = (req: any): any => {
    switch (s.step) {
      case 'request':
        return { ...req, body: JSON.stringify({ email: `step-${s.who.replace('+', '-')}-${seq++}@example.com` }) }
      case 'verify': {
        const f = s.pool!.take() ?? DEAD
        return { ...req, headers: { ...JSON_HEADERS, cookie: `mlflow=${f.binding}` }, body: JSON.stringify({ token: f.token }) }
      }
      case 'approve': {
        const f = s.pool!.take() ?? DEAD
        return { ...req, body: JSON.stringify({ token: f.token, code: f.code }) }
      }
      case 'claim': {
        const f = s.pool!.take() ?? DEAD
        return { ...req, headers: { ...JSON_HEADERS, cookie: `mlflow=${f.binding}` }, body: '{}' }
      }
    }
  }
  return {
    name,
    unit: 'req/s',
    note: s.who === 'ours' ? STEP_NOTES[s.step].ours : s.who === 'floor' ? STEP_NOTES[s.step].floor : 'the floor, then what a sign-in adds, written minimally: RedisStore.createSession, HS256 JWT with node:crypto createHmac, the session Set-Cookie header',
    prepare: async (d) => {
      if (s.pool === undefined) return
      // Enough fresh flows for the fastest rate this measurement reached so far, with margin
      // (a pool that runs dry answers errors, which the table shows).
      const rate = estimate.get(name) ?? FIRST_ESTIMATE
      await s.pool.fill(Math.ceil(rate * (d + 0.5) * 1.3) + connections * 2, s.approved === true)
    },
    cleanup: async () => { await flush() },
    run: async (d): Promise<Sample> => {
      const t0 = performance.now()
      const result = await autocannon({
        url: s.base,
        connections,
        pipelining: 1,
        duration: d,
        timeout: 10,
        requests: [{ method: 'POST', path: s.path, headers: JSON_HEADERS, setupRequest: setup }] as any,
      })
      const sample = autocannonSample(result, result.duration > 0 ? result.duration : (performance.now() - t0) / 1000)
      estimate.set(name, Math.max(estimate.get(name) ?? 0, sample.rate))
      if ((s.pool?.exhausted ?? 0) > 0) process.stderr.write(`[steps] ${name}: pool ran dry (${s.pool!.exhausted} requests without a fresh flow)\n`)
      return sample
    },
  }
}

async function main (): Promise<void> {
  const config = runConfig()
  const machine = machineInfo()
  const log = (line: string): void => { process.stderr.write(`[steps] ${line}\n`) }
  log(describeConfig(config))

  let redis: PrivateRedis | undefined
  let poolClient: Redis | undefined
  const servers: ServerHandle[] = []
  try {
    redis = await startPrivateRedis()
    log(`private redis-server on port ${redis.port}`)
    const ml = await startMagicLinkOrSkip('steps-magic-link', redis.url, log)
    if (ml === null) return
    servers.push(ml)
    const floor = await startServer({ name: 'steps-floor', file: 'servers/floor.ts', env: { REDIS_URL: redis.url } })
    servers.push(floor)
    log(`magic-link pid ${ml.pid}, floor pid ${floor.pid}`)

    poolClient = new Redis(redis.url)
    const store = await poolStore(poolClient)
    const flush = async (): Promise<void> => { await redis!.client.flushdb() }
    const estimate = new Map<string, number>()
    const pools = {
      verifyOurs: new FlowPool(store, poolClient, 'vo'), verifyFloor: new FlowPool(store, poolClient, 'vf'),
      approveOurs: new FlowPool(store, poolClient, 'ao'), approveFloor: new FlowPool(store, poolClient, 'af'),
      claimOurs: new FlowPool(store, poolClient, 'co'), claimFloor: new FlowPool(store, poolClient, 'cf'),
    }

    // Sanity: each step answers success once on both servers (and the pool is fast enough).
    {
      const t0 = performance.now()
      await pools.verifyOurs.fill(20_000, false)
      log(`pool: 20000 pending flows created in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
      await pools.claimOurs.fill(4, true)
      const post = async (url: string, body: unknown, cookie?: string): Promise<number> =>
        (await http(url, { method: 'POST', body, headers: cookie === undefined ? {} : { cookie: `mlflow=${cookie}` } })).status
      for (const [base, pre] of [[ml.baseUrl, '/auth'], [floor.baseUrl, '']] as const) {
        expectStatus({ status: await post(`${base}${pre}/request`, { email: 'sanity@example.com' }), headers: {}, body: '' }, 202, `${base}${pre}/request`)
        const v = pools.verifyOurs.take()!
        expectStatus({ status: await post(`${base}${pre}/verify`, { token: v.token }, v.binding), headers: {}, body: '' }, 200, `${base}${pre}/verify`)
        const a = pools.verifyOurs.take()!
        expectStatus({ status: await post(`${base}${pre}/verify`, { token: a.token, code: a.code }), headers: {}, body: '' }, 200, `${base}${pre}/verify with code`)
        const c = pools.claimOurs.take()!
        expectStatus({ status: await post(`${base}${pre}/poll`, {}, c.binding), headers: {}, body: '' }, 200, `${base}${pre}/poll`)
      }
      await flush()
    }

    const specs: StepSpec[] = [
      { step: 'request', who: 'ours', base: ml.baseUrl, path: '/auth/request' },
      { step: 'request', who: 'floor', base: floor.baseUrl, path: '/request' },
      { step: 'verify', who: 'ours', base: ml.baseUrl, path: '/auth/verify', pool: pools.verifyOurs },
      { step: 'verify', who: 'floor', base: floor.baseUrl, path: '/verify', pool: pools.verifyFloor },
      { step: 'approve', who: 'ours', base: ml.baseUrl, path: '/auth/verify', pool: pools.approveOurs },
      { step: 'approve', who: 'floor', base: floor.baseUrl, path: '/verify', pool: pools.approveFloor },
      { step: 'claim', who: 'ours', base: ml.baseUrl, path: '/auth/poll', pool: pools.claimOurs, approved: true },
      { step: 'claim', who: 'floor', base: floor.baseUrl, path: '/poll', pool: pools.claimFloor, approved: true },
    ]
    if (SESSION_FLOOR) {
      specs.push(
        { step: 'verify', who: 'floor+session', base: floor.baseUrl, path: '/verify-session', pool: new FlowPool(store, poolClient, 'vs') },
        { step: 'claim', who: 'floor+session', base: floor.baseUrl, path: '/poll-session', pool: new FlowPool(store, poolClient, 'cs'), approved: true },
      )
    }
    const measurements = specs.map((s) => withCpu(
      countSent(stepMeasurement(s, config.connections, estimate, flush), `${s.who === 'ours' ? ml.baseUrl : floor.baseUrl}/__redis-sent`),
      { server: s.who === 'ours' ? ml.pid : floor.pid, redis: redis!.pid },
    ))
    const result = await runInterleaved({ baseline: 'request floor', measurements, config, redis: redis.client, log })
    const by = (name: string): TargetSummary => result.summary.find((s) => s.name === name)!

    const steps: StepName[] = ['request', 'verify', 'approve', 'claim']
    const pairs = steps.map((step) => ({ step, ...pairRatio(result, `${step} ours`, `${step} floor`) }))
    const rows = steps.map((step) => {
      const ours = by(`${step} ours`)
      const fl = by(`${step} floor`)
      const p = pairs.find((x) => x.step === step)!
      return [
        `\`${step}\``,
        `${fmtInt(ours.medianRate)}`,
        `${fmtInt(fl.medianRate)}`,
        `**${fmtRatio(p.median)}**`,
        `${fmtRatio(p.min)} – ${fmtRatio(p.max)}`,
        `${ours.medianP99.toFixed(0)} / ${fl.medianP99.toFixed(0)}`,
        fmtCommands(ours.sent),
        fmtCommands(ours.redis),
        fmtCommands(fl.sent),
        `${fmtInt(ours.cpuUsPerOp?.server ?? NaN)} / ${fmtInt(fl.cpuUsPerOp?.server ?? NaN)}`,
        p.median >= TARGET ? 'met' : '**not met**',
        ours.errors + fl.errors > 0 ? `**${ours.errors} / ${fl.errors}**` : '0',
      ]
    })
    let md = [
      SESSION_FLOOR ? '## Each login step vs its floor, with the session floor (`BENCH_STEPS_SESSION_FLOOR=1 npx tsx steps.ts`)' : '## Each login step vs its floor (`bench/steps.ts`)',
      '',
      'Ours = the plugin\'s route (RedisStore, `rateLimit: false`); floor = a bare Fastify route doing only random bytes + SHA-256 + the step\'s one Redis call ' +
        '(the plugin\'s own `RedisStore` method for that transition: one EVALSHA of its Lua script). Every request consumes a fresh input (a new address, or a flow pre-created through `RedisStore`).',
      `${describeConfig(config)}. Ratio = ours req/s ÷ floor req/s of the same round; median over rounds (min – max). Target >= ${TARGET}x.`,
      machineLine(machine),
      '',
      mdTable(['step', 'ours req/s', 'floor req/s', 'ours ÷ floor', 'range', 'p99 ms ours / floor', 'round trips per request, ours (sent)', 'Redis commands executed per request, ours (INFO commandstats)', 'round trips per request, floor', 'server CPU µs per request, ours / floor', 'target', 'errors ours / floor'], rows),
      '',
      ...steps.map((step) => `- \`${step}\`: ${STEP_NOTES[step].what}. Ours: ${STEP_NOTES[step].ours}. Floor: ${STEP_NOTES[step].floor}.`),
      '',
      'Round trips per flow step for the flow itself: 1 (`request` = createFlow, `verify`/`approve` = verifyFlow, `claim` = claimFlow). ' +
        'A step that signs someone in (`verify`, `claim`) makes a second one, `createSession` (`evalsha 2.00` above); the same-browser `verify` also sends a `PUBLISH` once its response is out (it wakes the asking tab\'s long-poll), a third command but not on the response path. ' +
        '"Executed" counts what Redis ran: each EVALSHA plus every command inside the script.',
      '',
    ].join('\n')
    const sessionPairs = SESSION_FLOOR ? (['verify', 'claim'] as const).map((step) => ({ step, ...pairRatio(result, `${step} ours`, `${step} floor+session`) })) : []
    if (SESSION_FLOOR) {
      md += [
        'With `BENCH_STEPS_SESSION_FLOOR=1`: the signing-in steps against a floor that also creates the session the way the plugin must ' +
          '(RedisStore.createSession = 2nd round trip, HS256 JWT with node:crypto `createHmac`, the session Set-Cookie header):',
        '',
        mdTable(['step', 'ours req/s', 'floor+session req/s', 'ours ÷ floor+session', 'range', 'floor+session ÷ floor', 'server CPU µs per request, ours / floor+session'],
          sessionPairs.map((p) => {
            const fs = by(`${p.step} floor+session`)
            const fl = pairRatio(result, `${p.step} floor+session`, `${p.step} floor`)
            return [`\`${p.step}\``, fmtInt(by(`${p.step} ours`).medianRate), fmtInt(fs.medianRate), `**${fmtRatio(p.median)}**`, `${fmtRatio(p.min)} – ${fmtRatio(p.max)}`,
              fmtRatio(fl.median), `${fmtInt(by(`${p.step} ours`).cpuUsPerOp?.server ?? NaN)} / ${fmtInt(fs.cpuUsPerOp?.server ?? NaN)}`]
          })),
        '',
      ].join('\n')
    }
    // The optional run writes results of its own (results/steps-session-floor.*), next to the default run's.
    publishResults(SESSION_FLOOR ? 'steps-session-floor' : 'steps', { benchmark: 'steps', machine, sessionFloor: SESSION_FLOOR, ...result, pairs, sessionPairs }, md, log, result.summary)
  } finally {
    poolClient?.disconnect()
    await Promise.all(servers.map(async (s) => await s.stop()))
    await redis?.stop()
  }
}

await main()
