/**
 * Complete logins per second, fastify-magic-link vs better-auth, measured in the same run,
 * interleaved (issue 13 a, b).
 *
 * Servers (one process each), all on one private redis-server:
 *   - `bare`         servers/bare.ts: GET /me, constant JSON (the machine's yardstick)
 *   - fastify-magic-link   servers/magic-link.ts (RedisStore, rateLimit false, mail to an in-process sink)
 *   - better-auth          servers/better-auth.ts (magic-link plugin, PostgreSQL + Redis secondaryStorage)
 *
 * Measurements (lib/flow-driver.ts: N virtual users = N autocannon connections, each looping over
 * complete logins, addresses cycled so that two users never share one):
 *   - `magic-link same-browser`  POST /auth/request → GET /__last-link → POST /auth/verify {token} + binding cookie → 200 + sid
 *   - `magic-link cross-device`  POST /auth/request → GET /__last-link → POST /auth/verify {token, code} (other device, no cookie)
 *                                → POST /auth/poll + binding cookie (asking device) → 200 + sid
 *   - `better-auth flow`         POST /api/auth/sign-in/magic-link → GET /__last-link → GET magic-link/verify → 302 + session cookie
 *   - `magic-link GET /me`       app.requireSession with the session cookie (autocannon)
 *   - `better-auth get-session`  GET /api/auth/get-session with the session cookie (autocannon)
 *   - `bare`
 * Reported: the median of per-round ratios ours ÷ better-auth, and per flow / per request the
 * Redis commands (INFO commandstats: what Redis executed, script bodies included) and the
 * commands our server process sent (client-side count: round trips).
 *
 *   npx tsx flows.ts
 */
import {
  autocannonMeasurement, countSent, describeConfig, fmtCpu, withCpu, machineInfo, machineLine, mdTable, pairRatio, runConfig, runInterleaved,
  publishResults, type Measurement,
} from './lib/harness.js'
import { expectStatus, http } from './lib/http.js'
import { baEmailOf, betterAuthSetupLine, readVersions, startBetterAuth, type BetterAuthPeer } from './lib/better-auth.js'
import { flowMeasurement, stepsPerFlow } from './lib/flow-driver.js'
import { magicLinkLogin } from './lib/magic-link.js'
import { startMagicLinkOrSkip, startServer, type ServerHandle } from './lib/proc.js'
import { fmtCommands, startPrivateRedis, type PrivateRedis } from './lib/redis.js'
import { BENCH_USER } from './lib/server-util.js'
import { fmtInt, fmtRatio } from './lib/stats.js'

const FLOW_TARGET = 15
const SESSION_TARGET = 30

async function main (): Promise<void> {
  const config = runConfig()
  const machine = machineInfo()
  const vus = Number(process.env.BENCH_VUS ?? 50)
  const users = Number(process.env.BENCH_USERS ?? (config.quick ? 200 : 1000))
  const log = (line: string): void => { process.stderr.write(`[flows] ${line}\n`) }
  log(`${describeConfig(config)}; ${vus} virtual users over ${users} addresses per peer`)

  let redis: PrivateRedis | undefined
  let peer: BetterAuthPeer | undefined
  const servers: ServerHandle[] = []
  try {
    redis = await startPrivateRedis()
    log(`private redis-server on port ${redis.port}`)
    const bare = await startServer({ name: 'flows-bare', file: 'servers/bare.ts' })
    servers.push(bare)
    const ml = await startMagicLinkOrSkip('flows-magic-link', redis.url, log)
    if (ml === null) return
    servers.push(ml)
    // A second server, for GET /me with one session in its cache (the first one caches every session its logins issue).
    const fresh = await startServer({ name: 'flows-magic-link-fresh', file: 'servers/magic-link.ts', env: { REDIS_URL: redis.url } })
    servers.push(fresh)
    const freshCookie = await magicLinkLogin(fresh.baseUrl, BENCH_USER.email)
    const mlCookie = await magicLinkLogin(ml.baseUrl, BENCH_USER.email)
    expectStatus(await http(`${ml.baseUrl}/me`, { headers: { cookie: mlCookie } }), 200, 'magic-link GET /me')
    expectStatus(await http(`${ml.baseUrl}/me`), 401, 'magic-link GET /me without a session')
    log(`magic-link: pid ${ml.pid}, port ${ml.port}, logged in`)
    peer = await startBetterAuth(redis.url, users, log, 'flows-better-auth')
    const ba = peer.server.baseUrl

    const sent = `${ml.baseUrl}/__redis-sent`
    const mlEmail = (i: number): string => `ml-user-${i}@example.com`
    const mlCpu = { server: ml.pid, redis: redis.pid }
    const baCpu = { server: peer.server.pid, redis: redis.pid }
    const measurements: Measurement[] = [
      withCpu(autocannonMeasurement('bare', { url: `${bare.baseUrl}/me`, connections: config.connections }, 'servers/bare.ts: GET /me, constant JSON (yardstick)'), { server: bare.pid, redis: redis.pid }),
      withCpu(countSent(flowMeasurement({
        name: 'magic-link same-browser', kind: 'ml-same-browser', base: ml.baseUrl, connections: vus, users, emailOf: mlEmail,
        note: 'POST /auth/request → GET /__last-link → POST /auth/verify {token} + binding cookie → 200 + session cookie',
      }), sent), mlCpu),
      withCpu(countSent(flowMeasurement({
        name: 'magic-link cross-device', kind: 'ml-cross-device', base: ml.baseUrl, connections: vus, users, emailOf: mlEmail,
        note: 'POST /auth/request → GET /__last-link → POST /auth/verify {token, code} (no cookie: the other device approves) → POST /auth/poll + binding cookie → 200 + session cookie',
      }), sent), mlCpu),
      withCpu(flowMeasurement({
        name: 'better-auth flow', kind: 'better-auth', base: ba, connections: vus, users, emailOf: baEmailOf,
        note: 'POST /api/auth/sign-in/magic-link → GET /__last-link → GET /api/auth/magic-link/verify → 302 + session cookie',
      }), baCpu),
      withCpu(countSent(autocannonMeasurement('magic-link GET /me', { url: `${ml.baseUrl}/me`, headers: { cookie: mlCookie }, connections: config.connections },
        'GET /me behind app.requireSession, with the session cookie, on the server that runs the login flows (its session cache fills up with their sessions)'), sent), mlCpu),
      withCpu(countSent(autocannonMeasurement('magic-link GET /me (1 cached)', { url: `${fresh.baseUrl}/me`, headers: { cookie: freshCookie }, connections: config.connections },
        'the same on a second magic-link server where this is the only session (nothing else logs in there)'), `${fresh.baseUrl}/__redis-sent`), { server: fresh.pid, redis: redis.pid }),
      withCpu(autocannonMeasurement('better-auth get-session', { url: `${ba}/api/auth/get-session`, headers: { cookie: peer.cookie }, connections: config.connections },
        'GET /api/auth/get-session with the session cookie (session read from Redis)'), baCpu),
    ]
    const result = await runInterleaved({ baseline: 'bare', measurements, config, redis: redis.client, log })

    const pairs = [
      { what: 'same-browser login flows/s ÷ better-auth flows/s', p: pairRatio(result, 'magic-link same-browser', 'better-auth flow'), target: FLOW_TARGET },
      { what: 'cross-device login flows/s ÷ better-auth flows/s', p: pairRatio(result, 'magic-link cross-device', 'better-auth flow'), target: FLOW_TARGET },
      { what: 'authenticated GET /me req/s ÷ better-auth get-session req/s (server busy with logins, full cache)', p: pairRatio(result, 'magic-link GET /me', 'better-auth get-session'), target: SESSION_TARGET },
      { what: 'authenticated GET /me req/s ÷ better-auth get-session req/s (one cached session)', p: pairRatio(result, 'magic-link GET /me (1 cached)', 'better-auth get-session'), target: SESSION_TARGET },
    ]
    const versions = readVersions()
    const stepsOf = (name: string): string => name === 'magic-link cross-device' ? '4' : name.endsWith('same-browser') || name === 'better-auth flow' ? '3' : '1'
    const rows = result.summary.map((s) => [
      `\`${s.name}\``,
      `${fmtInt(s.medianRate)} ${s.unit}`,
      `${fmtRatio(s.medianRatio)} (${fmtRatio(s.minRatio)} – ${fmtRatio(s.maxRatio)})`,
      stepsOf(s.name),
      s.medianP50.toFixed(1),
      s.medianP99.toFixed(1),
      fmtCommands(s.redis),
      s.sent === undefined ? '–' : fmtCommands(s.sent),
      fmtCpu(s.cpuUsPerOp, ['server', 'redis', 'driver']),
      s.errors > 0 ? `**${s.errors}**` : '0',
    ])
    // CPU cost per operation (load-independent: what one flow / request costs each process).
    const cpuOf = (name: string, k: string): number => result.summary.find((x) => x.name === name)?.cpuUsPerOp?.[k] ?? NaN
    const cpuPairs = [
      ['same-browser login', 'magic-link same-browser', 'better-auth flow'],
      ['cross-device login', 'magic-link cross-device', 'better-auth flow'],
      ['authenticated request (full cache)', 'magic-link GET /me', 'better-auth get-session'],
      ['authenticated request (1 cached)', 'magic-link GET /me (1 cached)', 'better-auth get-session'],
    ].map(([what, ours, peer]) => {
      const o = cpuOf(ours, 'server')
      const p = cpuOf(peer, 'server')
      const o2 = o + cpuOf(ours, 'redis')
      const p2 = p + cpuOf(peer, 'redis')
      return { what, ours: o, peer: p, ratio: p / o, oursWithRedis: o2, peerWithRedis: p2, ratioWithRedis: p2 / o2 }
    })
    const cpuRows = cpuPairs.map((c) => [c.what, fmtInt(c.ours), fmtInt(c.peer), `**${c.ratio.toFixed(1)}x**`, `${fmtInt(c.oursWithRedis)} / ${fmtInt(c.peerWithRedis)} = ${c.ratioWithRedis.toFixed(1)}x`])
    const pairRows = pairs.map(({ what, p, target }) => [
      what,
      `**${p.median.toFixed(1)}x**`,
      `${p.min.toFixed(1)}x – ${p.max.toFixed(1)}x`,
      p.ratios.map((r) => r.toFixed(1)).join(', '),
      `>= ${target}x`,
      p.median >= target ? 'met' : '**not met**',
    ])
    const md = [
      '## Login flows vs better-auth (`bench/flows.ts`)',
      '',
      `fastify-magic-link (RedisStore, \`rateLimit: false\`, mail to an in-process sink) and ${betterAuthSetupLine(versions)} Both on the same private redis-server.`,
      `${describeConfig(config)}; flows: ${vus} virtual users (autocannon connections looping over complete logins, autocannon ${versions.autocannon}), ${users} addresses per peer. ` +
        'Ratios are per round (same round, back to back), then the median over rounds (min – max).',
      machineLine(machine),
      '',
      mdTable(['ours ÷ better-auth', 'ratio (median)', 'range', 'per round', 'target', ''], pairRows),
      '',
      mdTable(['measurement', 'rate (median)', 'rate ÷ bare req/s', 'HTTP req per op', 'p50 ms', 'p99 ms', 'Redis cmds per op (executed, INFO commandstats)', 'sent by our server per op (round trips)', 'CPU µs per op (server, redis, driver)', 'errors'], rows),
      '',
      'CPU time per operation (user + system, from /proc, all rounds; does not depend on how busy the box was): what one login or one authenticated request costs the server process, and with Redis. ' +
        'better-auth\'s PostgreSQL backends are not counted (its cost is higher than shown).',
      '',
      mdTable(['per operation', 'ours: server CPU µs', 'better-auth: server CPU µs', 'better-auth ÷ ours', 'server + redis, ours / better-auth'], cpuRows),
      '',
      ...result.summary.map((s) => `- \`${s.name}\`: ${s.note ?? ''}`),
      '',
      `Latency of a flow = from its first request to the session cookie (${stepsPerFlow('ml-same-browser')} or ${stepsPerFlow('ml-cross-device')} sequential requests). ` +
        'Redis commands per flow: what Redis executed per completed flow (a script call counts as `evalsha` plus every command inside it). ' +
        'Same-browser: `createFlow` (request) + `verifyFlow` and `createSession` (verify) + a `PUBLISH` after the verify response (wakes the asking tab\'s poll); cross-device: `createFlow` + `verifyFlow` (approve) + `claimFlow` and `createSession` (poll). ' +
        'See `steps.md` for each step alone.',
      '',
    ].join('\n')
    publishResults('flows', { benchmark: 'flows', machine, versions, vus, users, ...result, pairs, cpuPairs }, md, log, result.summary)
  } finally {
    await Promise.all(servers.map(async (s) => await s.stop()))
    await peer?.stop()
    await redis?.stop()
  }
}

await main()
