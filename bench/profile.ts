/**
 * Where does the magic-link server's time go? Runs ONE scenario against servers/magic-link.ts
 * started with `node --cpu-prof`, and prints (and writes to results/profile-<scenario>.md) the
 * CPU profile of the measured window only (start-up, login and pool creation excluded):
 * self time by package / area, by function, and inclusive time of the frames on the path.
 *
 *   npx tsx profile.ts <scenario> [seconds]      (from bench/; default 8 s)
 *
 * Scenarios:
 *   me           GET /me, 1 session in the server's cache (the sessions benchmark)
 *   me-full      GET /me after 10,000 other logins (the cache holds 10,000 sessions)
 *   request      POST /auth/request, a new address per request
 *   verify       POST /auth/verify {token} + binding cookie (same-browser sign-in)
 *   approve      POST /auth/verify {token, code} (cross-device approval)
 *   claim        POST /auth/poll + binding cookie (claim of an approved flow)
 *   flow-same    complete same-browser logins, 50 virtual users
 *   flow-cross   complete cross-device logins, 50 virtual users
 * The profile file stays in bench/.work/prof/<scenario>/ (open it in Chrome DevTools).
 */
import autocannon from 'autocannon'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { summarize, type Profile } from './lib/cpuprofile.js'
import { flowMeasurement } from './lib/flow-driver.js'
import { FlowPool, poolStore } from './lib/flow-pool.js'
import { RESULTS_DIR } from './lib/harness.js'
import { magicLinkLogin } from './lib/magic-link.js'
import { WORK_DIR, startServer } from './lib/proc.js'
import { startPrivateRedis } from './lib/redis.js'
import { BENCH_USER } from './lib/server-util.js'
import { loadavg } from 'node:os'

const SCENARIOS = ['me', 'me-full', 'request', 'verify', 'approve', 'claim', 'flow-same', 'flow-cross'] as const
type Scenario = typeof SCENARIOS[number]

const scenario = process.argv[2] as Scenario
const seconds = Number(process.argv[3] ?? 8)
if (!SCENARIOS.includes(scenario)) {
  process.stderr.write(`usage: npx tsx profile.ts <${SCENARIOS.join('|')}> [seconds]\n`)
  process.exit(2)
}

const monoSec = (): number => Number(process.hrtime.bigint()) / 1e9
const dir = join(WORK_DIR, 'prof', scenario)
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })

const redis = await startPrivateRedis()
const ml = await startServer({ name: `profile-${scenario}`, file: 'servers/magic-link.ts', env: { REDIS_URL: redis.url }, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] })
const base = ml.baseUrl
const poolClient = new Redis(redis.url)
let from = 0
let to = 0
let rate = ''
try {
  const cookie = await magicLinkLogin(base, BENCH_USER.email)
  const hammer = async (opts: Parameters<typeof autocannon>[0]): Promise<void> => {
    from = monoSec()
    const r = await autocannon({ connections: 50, pipelining: 1, duration: seconds, ...opts })
    to = monoSec()
    rate = `${Math.round(r.requests.average)} req/s, ${r.non2xx + r.errors} errors`
  }
  const flows = async (kind: 'ml-same-browser' | 'ml-cross-device', n: number, s: number): Promise<string> => {
    const m = flowMeasurement({ name: kind, kind, base, connections: 50, users: Math.max(1000, n), emailOf: (i) => `prof-${i}@example.com`, note: '' })
    const r = await m.run(s)
    return `${Math.round(r.rate)} flows/s, ${r.errors} errors`
  }
  if (scenario === 'me-full') {
    // 10,000 other logins first: the server caches every session it issues.
    const done = await flows('ml-same-browser', 10_000, 6)
    process.stderr.write(`[profile] cache filled by logins (${done})\n`)
  }
  const pool = new FlowPool(await poolStore(poolClient), poolClient, 'prof')
  const JSONH = { 'content-type': 'application/json' }
  switch (scenario) {
    case 'me': case 'me-full':
      await hammer({ url: `${base}/me`, headers: { cookie } })
      break
    case 'request': {
      let i = 0
      await hammer({ url: base, requests: [{ method: 'POST', path: '/auth/request', headers: JSONH, setupRequest: (req: any) => ({ ...req, body: JSON.stringify({ email: `p-${i++}@example.com` }) }) }] as any })
      break
    }
    case 'verify': case 'approve': case 'claim': {
      await pool.fill(40_000 * seconds, scenario === 'claim')
      const path = scenario === 'claim' ? '/auth/poll' : '/auth/verify'
      await hammer({
        url: base,
        requests: [{
          method: 'POST',
          path,
          headers: JSONH,
          setupRequest: (req: any) => {
            const f = pool.take()
            if (f === undefined) return { ...req, body: '{}' }
            if (scenario === 'approve') return { ...req, body: JSON.stringify({ token: f.token, code: f.code }) }
            return { ...req, headers: { ...JSONH, cookie: `mlflow=${f.binding}` }, body: scenario === 'claim' ? '{}' : JSON.stringify({ token: f.token }) }
          },
        }] as any,
      })
      break
    }
    case 'flow-same': case 'flow-cross':
      from = monoSec()
      rate = await flows(scenario === 'flow-same' ? 'ml-same-browser' : 'ml-cross-device', 1000, seconds)
      to = monoSec()
      break
  }
} finally {
  poolClient.disconnect()
  await ml.stop()
  await redis.stop()
}

const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0]
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
// Drop the first half second (autocannon connecting, JIT still warming).
const s = summarize(profile, from + 0.5, to, true)
const pct = (x: number): string => `${x.toFixed(1)}%`
const lines = [
  `## CPU profile of the magic-link server: \`${scenario}\` (\`bench/profile.ts\`)`,
  '',
  `\`node --cpu-prof\` on the server process; measured window ${(to - from - 0.5).toFixed(1)} s (${rate}); server busy ${(s.totalMs / 1000).toFixed(2)} s of it ` +
    `(idle excluded; percentages are of busy time). Load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' / ')}. Profile: \`${file.replace(/^.*\/bench\//, 'bench/')}\`.`,
  '',
  'Self time by area:',
  '',
  ...s.byArea.slice(0, 14).map((x) => `- ${pct(x.pct)} ${x.area}`),
  '',
  'Self time by function (top 25):',
  '',
  ...s.self.slice(0, 25).map((x) => `- ${pct(x.pct)} \`${x.frame}\``),
  '',
  'Inclusive time (top 60 frames):',
  '',
  ...s.inclusive.slice(0, 60).map((x) => `- ${pct(x.pct)} \`${x.frame}\``),
  '',
]
mkdirSync(RESULTS_DIR, { recursive: true })
writeFileSync(join(RESULTS_DIR, `profile-${scenario}.md`), lines.join('\n'))
process.stdout.write(lines.join('\n') + '\n')
