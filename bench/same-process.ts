/**
 * Authenticated route vs bare route, side by side in ONE server process
 * (`servers/side-by-side.ts`: Fastify apps on their own ports, one heap, one JIT, one CPU).
 *
 *   npx tsx same-process.ts     (from bench/; BENCH_ROUNDS / BENCH_DURATION / BENCH_WARMUP as in
 *                                the other parts, default here 15 rounds × 3 s, 2 s warm-up)
 *
 * `sessions.ts` starts a fresh process of every target in every round, and pays for it in noise:
 * two processes of the same server differ by up to 30 % on this box. Here every round measures
 * the apps of the same process back to back (order rotated per round) with many short
 * windows, so slow drift of the shared machine hits them all alike and the per-round ratio
 * keeps only what differs: the plugin's work per request. Server and driver are pinned to
 * separate CPUs as in `sessions.ts`.
 */
import {
  countSent, describeConfig, machineInfo, machineLine, mdTable, publishResults, runAutocannon, runConfig, runInterleaved,
  type Measurement, type RunConfig,
} from './lib/harness.js'
import { http, expectStatus } from './lib/http.js'
import { magicLinkBearer, magicLinkLogin } from './lib/magic-link.js'
import { pinDriver, startServer } from './lib/proc.js'
import { diffCommandStats, fmtCommands, readCommandStats, startPrivateRedis } from './lib/redis.js'
import { BENCH_USER } from './lib/server-util.js'
import { authHeaders, sideBySideApps, type SideBySideApp } from './lib/side-by-side.js'
import { fmtInt, fmtRatio } from './lib/stats.js'

// More, shorter rounds than the other parts (15 × 3 s; QUICK=1: 3 × 2 s); the BENCH_* knobs still win.
const defaults = runConfig()
const quick = defaults.quick
const config: RunConfig = {
  ...defaults,
  rounds: process.env.BENCH_ROUNDS !== undefined ? defaults.rounds : quick ? 3 : 15,
  duration: process.env.BENCH_DURATION !== undefined ? defaults.duration : quick ? 2 : 3,
}
const log = (line: string): void => { process.stderr.write(`[same-process] ${line}\n`) }
log(describeConfig(config))
log(`CPU ${pinDriver()}`)
const machine = machineInfo()
const redis = await startPrivateRedis()
const server = await startServer({ name: 'same-process', file: 'servers/side-by-side.ts', env: { REDIS_URL: redis.url } })
try {
  const cookie = await magicLinkLogin(server.baseUrl, BENCH_USER.email)
  expectStatus(await http(`${server.baseUrl}/me`), 401, 'magic-link: GET /me without a session')
  // session-floor is the instructions part's yardstick; req/s could not resolve its 1 % here.
  const targets = (await sideBySideApps(server.baseUrl)).filter((t) => t.name !== 'session-floor')
  const bearerApp = targets.find((t) => t.auth === 'bearer')
  const bearer = bearerApp === undefined ? '' : await magicLinkBearer(bearerApp.loginBase as string, server.baseUrl, BENCH_USER.email)
  const withCookie = (t: SideBySideApp): Record<string, string> | undefined => authHeaders(t, { cookie, bearer })
  for (const t of targets) {
    const res = await http(t.url, { headers: withCookie(t) })
    expectStatus(res, 200, `${t.name}: GET /me`)
    if (!res.body.includes(BENCH_USER.id)) throw new Error(`${t.name}: GET /me did not return the user: ${res.body}`)
  }
  const windows: Array<{ before: Record<string, number>, after: Record<string, number> }> = []
  const measurements: Measurement[] = targets.map((t) => {
    const spec = { url: t.url, headers: withCookie(t), connections: config.connections }
    const m: Measurement = {
      name: t.name,
      unit: 'req/s',
      note: t.note,
      cpu: { server: server.pid },
      run: async (d) => {
        if (!t.name.startsWith('magic-link')) return await runAutocannon(spec, d)
        const before = await readCommandStats(redis.client)
        const sample = await runAutocannon(spec, d)
        windows.push({ before, after: await readCommandStats(redis.client) })
        return sample
      },
    }
    return t.name.startsWith('magic-link') ? countSent(m, `${server.baseUrl}/__redis-sent`) : m
  })
  const result = await runInterleaved({ baseline: 'bare', measurements, config, log })
  const executed: Record<string, number> = {}
  for (const w of windows) for (const [k, v] of Object.entries(diffCommandStats(w.before, w.after))) if (k !== 'info') executed[k] = (executed[k] ?? 0) + v
  const mls = result.summary.filter((s) => s.name.startsWith('magic-link'))
  const bareCpu = result.summary.find((s) => s.name === 'bare')!.cpuUsPerOp?.server
  const md = [
    '## Authenticated route vs bare route in one process (`bench/same-process.ts`)',
    '',
    `GET /me on the Fastify apps of ONE server process (servers/side-by-side.ts), ${config.rounds} interleaved rounds × ${config.duration} s per app (+${config.warmup} s warm-up), ${config.connections} connections, server and driver pinned to separate CPUs. Ratio = app req/s ÷ \`bare\` req/s of the same round; median over rounds (min – max). CPU ratio = bare's server CPU per request ÷ the app's (what one core could serve, whatever the driver's limits).`,
    machineLine(machine),
    '',
    mdTable(['app', 'req/s (median)', 'ratio vs bare', 'ratio range', 'server CPU µs per request', 'CPU ratio', 'errors'], result.summary.map((s) => {
      const cpu = s.cpuUsPerOp?.server
      return [`\`${s.name}\``, fmtInt(s.medianRate), `**${fmtRatio(s.medianRatio)}**`, `${fmtRatio(s.minRatio)} – ${fmtRatio(s.maxRatio)}`,
        cpu === undefined ? '–' : cpu.toFixed(2), cpu === undefined || bareCpu === undefined ? '–' : fmtRatio(bareCpu / cpu), String(s.errors)]
    })),
    '',
    ...result.summary.map((s) => `- \`${s.name}\`: ${s.note}`),
    '',
    `Redis commands while the magic-link routes were measured (INFO commandstats, ${fmtInt(mls.reduce((a, m) => a + m.ops, 0))} requests, INFO itself left out): ${Object.keys(executed).length === 0 ? '**none**' : Object.entries(executed).map(([k, v]) => `${k}=${v}`).join(' ')}; commands the server process sent per request: ${mls.map((m) => `\`${m.name}\` ${fmtCommands(m.sent)}`).join(', ')}.`,
    '',
  ].join('\n')
  publishResults('same-process', { benchmark: 'same-process', machine, config, result, redisExecuted: executed }, md, log, result.summary)
} finally {
  await server.stop()
  await redis.stop()
}
