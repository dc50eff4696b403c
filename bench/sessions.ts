/**
 * Authenticated route vs peers.
 *
 * Every target is a Fastify 5 server in its own process serving GET /me. The authenticated
 * ones are logged in ONCE first; autocannon then hammers GET /me with that session cookie
 * (every answer must be 200, anything else counts as an error). Targets are measured in
 * interleaved rounds and reported as the median per-round ratio to `bare`.
 *
 *   npx tsx sessions.ts               (from bench/; see README for the env knobs)
 */
import { cookieHeader, expectStatus, http, updateJar } from './lib/http.js'
import { flowMeasurement } from './lib/flow-driver.js'
import { magicLinkLogin } from './lib/magic-link.js'
import {
  countSent, describeConfig, fmtCpu, machineInfo, machineLine, mdTable, runAutocannon, runConfig, runInterleaved,
  selectedTargets, publishResults, type AutocannonSpec, type Measurement,
} from './lib/harness.js'
import { pinDriver, SkipError, startServer, type ServerHandle } from './lib/proc.js'
import { diffCommandStats, fmtCommands, readCommandStats, startPrivateRedis, type PrivateRedis } from './lib/redis.js'
import { BENCH_USER } from './lib/server-util.js'
import { fmtInt, fmtRatio } from './lib/stats.js'

interface Target {
  name: string
  file: string
  description: string
  /** Log in once, return the Cookie header to send with GET /me (undefined = no cookie). */
  login?: (base: string) => Promise<string>
  /** GET /me without a cookie must answer 401 (proves the route is really protected). */
  protected: boolean
  env?: (redis: PrivateRedis) => Record<string, string>
  /** Login of the first, probing start in fresh mode (checks the target runs; defaults to `login`). */
  probeLogin?: (base: string) => Promise<string>
  /** Only run when named in BENCH_TARGETS. */
  optional?: boolean
}

/** POST /login on our peer servers: the answer's Set-Cookie is the session. */
async function simpleLogin (base: string): Promise<string> {
  const res = await http(`${base}/login`, { method: 'POST', body: {} })
  expectStatus(res, 200, 'POST /login')
  const jar: Record<string, string> = {}
  updateJar(jar, res)
  if (Object.keys(jar).length === 0) throw new Error('POST /login set no cookie')
  return cookieHeader(jar)
}

/** fastify-magic-link: log in once through the plugin's routes (see lib/magic-link.ts). */
async function magicLinkSessionLogin (base: string): Promise<string> {
  return await magicLinkLogin(base, BENCH_USER.email)
}

/** Cached sessions before the bench user logs in, for `magic-link-10k`. */
const OTHER_LOGINS = Number(process.env.BENCH_OTHER_LOGINS ?? 10_000)

/**
 * The same login, after OTHER_LOGINS other users logged in on this server (complete
 * same-browser logins, 50 at a time): the server's session cache (`session.cacheSize`, default
 * 10,000) is then full, as on a server with that many active users.
 */
async function magicLinkBusyLogin (base: string): Promise<string> {
  const logins = flowMeasurement({ name: 'fill', kind: 'ml-same-browser', base, connections: 50, users: OTHER_LOGINS, emailOf: (i) => `other-${i}@example.com`, note: '' })
  let done = 0
  while (done < OTHER_LOGINS) {
    const s = await logins.run(Math.max(1, Math.min(5, (OTHER_LOGINS - done) / 1000)))
    if (s.errors > 0) throw new Error(`magic-link-10k: ${s.errors} failed logins while filling the cache`)
    done += s.ops
  }
  return await magicLinkLogin(base, BENCH_USER.email)
}

const ALL_TARGETS: Target[] = [
  { name: 'bare', file: 'servers/bare.ts', description: 'GET /me builds and returns `{ user: { id } }`, no plugin (baseline; the same handler work as the authenticated routes)', protected: false },
  // Optional A/A control: a second process of the same bare server (how far two identical processes differ).
  { name: 'bare-twin', file: 'servers/bare.ts', description: 'a second process of the `bare` server (A/A control: process-to-process variance)', protected: false, optional: true },
  { name: 'cookie-parse', file: 'servers/cookie-parse.ts', description: '@fastify/cookie registered, same route (control: cost of parsing the Cookie header)', protected: false, login: simpleLogin },
  // Optional (only when named in BENCH_TARGETS): the same control with a cookie as long as ours.
  { name: 'cookie-parse-long', file: 'servers/cookie-parse.ts', description: 'the same control with a 380-byte cookie value (the length of our session JWT)', protected: false, login: simpleLogin, optional: true, env: () => ({ COOKIE_BYTES: '380' }) },
  { name: 'fastify-session', file: 'servers/fastify-session.ts', description: '@fastify/session, default memory store (signed session id, in-process lookup)', protected: true, login: simpleLogin },
  { name: 'secure-session', file: 'servers/secure-session.ts', description: '@fastify/secure-session (libsodium-encrypted cookie, stateless)', protected: true, login: simpleLogin },
  { name: 'fastify-jwt', file: 'servers/fastify-jwt.ts', description: '@fastify/jwt verifying an HS256 cookie token on every request (no cache)', protected: true, login: simpleLogin },
  // Ours: `app.requireSession` on GET /me, RedisStore on the private Redis.
  { name: 'magic-link', file: 'servers/magic-link.ts', description: 'fastify-magic-link: `app.requireSession` (JWT cookie + in-process LRU, RedisStore); the only session in the server\'s cache', protected: true, login: magicLinkSessionLogin, env: (r) => ({ REDIS_URL: r.url }) },
  // Ours again, on a server where 10,000 other users logged in first (its session cache is full).
  { name: 'magic-link-10k', file: 'servers/magic-link.ts', description: `the same, after >= ${OTHER_LOGINS.toLocaleString('en-US')} other logins on that server (its session cache, 10,000 entries by default, is full)`, protected: true, login: magicLinkBusyLogin, probeLogin: magicLinkSessionLogin, env: (r) => ({ REDIS_URL: r.url }) },
]

async function main (): Promise<void> {
  const config = runConfig()
  const machine = machineInfo()
  const named = new Set((process.env.BENCH_TARGETS ?? '').split(',').map((x) => x.trim()))
  const targets = selectedTargets(ALL_TARGETS.filter((t) => t.optional !== true || named.has(t.name)), 'bare')
  const log = (line: string): void => { process.stderr.write(`[sessions] ${line}\n`) }
  log(describeConfig(config))
  const pinNote = pinDriver()
  log(`CPU ${pinNote}`)

  const redis = await startPrivateRedis()
  log(`private redis-server on port ${redis.port}`)
  // BENCH_FRESH=1 (default): a new process of every target in every round (started, logged in and
  // warmed up outside the timed window). Two processes of the same server differ by up to 30%
  // here (the `bare-twin` A/A control), so one process per target measures its luck, not its code.
  const fresh = process.env.BENCH_FRESH !== '0'
  log(fresh ? 'a fresh process per target and round' : 'one process per target for the whole run (BENCH_FRESH=0)')
  const live = new Set<ServerHandle>()
  const skipped: Array<{ name: string, reason: string }> = []
  /** INFO commandstats around each measured window of our targets (logins and warm-ups excluded). */
  const windows: Array<{ before: Record<string, number>, after: Record<string, number> }> = []
  try {
    const measurements: Measurement[] = []
    const descriptions: Record<string, string> = {}
    for (const t of targets) {
      const ours = t.name.startsWith('magic-link')
      /** Starts a process of the target, logs in, checks 200 with the session and 401 without. */
      const launch = async (probe = false): Promise<{ server: ServerHandle, headers?: Record<string, string> }> => {
        const server = await startServer({ name: `sessions-${t.name}`, file: t.file, env: t.env?.(redis) })
        live.add(server)
        const login = probe && fresh ? t.probeLogin ?? t.login : t.login
        const cookie = login !== undefined ? await login(server.baseUrl) : undefined
        const headers = cookie !== undefined ? { cookie } : undefined
        const ok = await http(`${server.baseUrl}/me`, { headers })
        expectStatus(ok, 200, `${t.name}: GET /me with the session`)
        if (!ok.body.includes(BENCH_USER.id)) throw new Error(`${t.name}: GET /me did not return the user: ${ok.body}`)
        if (t.protected) expectStatus(await http(`${server.baseUrl}/me`), 401, `${t.name}: GET /me without a session`)
        return { server, headers }
      }
      const stop = async (server: ServerHandle): Promise<void> => {
        live.delete(server)
        await server.stop()
      }
      let current: Awaited<ReturnType<typeof launch>> | undefined
      try {
        current = await launch(true)
      } catch (err) {
        if (err instanceof SkipError) {
          log(`SKIPPED ${t.name}: ${err.message}`)
          skipped.push({ name: t.name, reason: err.message.replace(/^SKIP: /, '') })
          continue
        }
        throw err
      }
      log(`${t.name}: pid ${current.server.pid}, port ${current.server.port}${current.headers !== undefined ? `, cookie ${current.headers.cookie.length} bytes` : ''}`)
      if (fresh) {
        await stop(current.server)
        current = undefined
      }
      const spec = (): AutocannonSpec => ({ url: `${current!.server.baseUrl}/me`, headers: current!.headers, connections: config.connections })
      const measurement: Measurement = {
        name: t.name,
        unit: 'req/s',
        note: t.description,
        prepare: fresh
          ? async () => {
            current = await launch()
            if (config.warmup > 0) await runAutocannon(spec(), config.warmup)
          }
          : undefined,
        run: async (d) => {
          if (!ours) return await runAutocannon(spec(), d)
          const before = await readCommandStats(redis.client)
          const sample = await runAutocannon(spec(), d)
          await new Promise((resolve) => setTimeout(resolve, 300))
          windows.push({ before, after: await readCommandStats(redis.client) })
          return sample
        },
        cleanup: fresh
          ? async () => {
            await stop(current!.server)
            current = undefined
          }
          : undefined,
        cpu: (): Record<string, number> | undefined => {
          if (current === undefined) return undefined
          return ours ? { server: current.server.pid, redis: redis.pid } : { server: current.server.pid }
        },
      }
      // Ours also counts, client side, the commands it SENDS to Redis (round trips).
      measurements.push(ours ? countSent(measurement, () => `${current!.server.baseUrl}/__redis-sent`) : measurement)
      descriptions[t.name] = t.description
    }

    // In fresh mode each process warms up in its own `prepare`; the harness's shared warm-up is not needed.
    const result = await runInterleaved({ baseline: 'bare', measurements, config: fresh ? { ...config, warmup: 0 } : config, redis: redis.client, log })
    const mls = result.summary.filter((s) => s.name.startsWith('magic-link'))
    const mlRequests = result.rounds.reduce((a, r) => a + mls.reduce((b, m) => b + (r.samples[m.name]?.ops ?? 0), 0), 0)
    const fmtStats = (st: Record<string, number>): string => Object.entries(st).sort().map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'
    const total: Record<string, number> = {}
    for (const w of windows) for (const [k, v] of Object.entries(diffCommandStats(w.before, w.after))) total[k] = (total[k] ?? 0) + v
    const last = windows[windows.length - 1]
    const statsLines = mls.length === 0 || last === undefined
      ? []
      : [
          `Redis \`INFO commandstats\` (calls) read before and after each of the ${windows.length} measured windows of the magic-link targets ` +
          `(${fmtInt(mlRequests)} authenticated requests; logins and warm-ups happen outside the windows; only these targets use this Redis):`,
          `- before the last window: \`${fmtStats(last.before)}\``,
          `- after it: \`${fmtStats(last.after)}\``,
          `- difference summed over all windows, without INFO itself: **${fmtStats(total)}**; commands the server processes sent during the windows, per request: ` +
            mls.map((m) => `\`${m.name}\` ${fmtCommands(m.sent)}`).join(', ') + '.',
          '',
        ]

    const rows = result.summary.map((s) => [
      `\`${s.name}\``,
      fmtInt(s.medianRate),
      `**${fmtRatio(s.medianRatio)}**`,
      `${fmtRatio(s.minRatio)} – ${fmtRatio(s.maxRatio)}`,
      s.medianP50.toFixed(1),
      s.medianP99.toFixed(1),
      fmtCommands(s.redis),
      fmtCpu(s.cpuUsPerOp, ['server', 'driver']),
      s.errors > 0 ? `**${s.errors} errors**` : '0',
    ])
    for (const s of skipped) rows.push([`\`${s.name}\``, '–', 'skipped', '–', '–', '–', '–', '–', s.reason.split('\n')[0]])
    const md = [
      '## Authenticated route vs peers (`bench/sessions.ts`)',
      '',
      `GET /me with a session cookie, ${describeConfig(config)}. Ratio = target req/s ÷ \`bare\` req/s of the same round; median over rounds (min – max).`,
      machineLine(machine),
      '',
      mdTable(['target', 'req/s (median)', 'ratio vs bare', 'ratio range', 'p50 ms', 'p99 ms', 'Redis cmds/req', 'CPU µs per request (server, driver)', 'errors'], rows),
      '',
      ...result.summary.map((s) => `- \`${s.name}\`: ${descriptions[s.name]}`),
      ...skipped.map((s) => `- \`${s.name}\`: skipped — ${s.reason.split('\n')[0]}`),
      '',
      ...statsLines,
    ].join('\n')
    publishResults('sessions', { benchmark: 'sessions', machine, pinning: pinNote, freshProcesses: fresh, ...result, skipped, redisCommandStats: { windows: windows.length, total, last } }, md, log, result.summary)
  } finally {
    await Promise.all([...live].map(async (s) => await s.stop()))
    await redis.stop()
  }
}

await main()
