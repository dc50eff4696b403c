/**
 * What GET /me costs inside ONE magic-link server process (no process-to-process luck): the
 * variants below are measured in interleaved rounds against the same process, server CPU per
 * request from /proc/<pid>/stat, servers and driver pinned as in sessions.ts.
 *
 *   npx tsx me-ab.ts            (from bench/; BENCH_ROUNDS, default 5; 4 s per variant and round)
 *
 * Variants: `/me` with `requireSession` (the sessions benchmark's route); `/me-open`, the same
 * handler without the preHandler; `/me-const` with the session cookie (the plugin's onRequest hook
 * finds the session); `/me-const` with a cookie of another name (the hook returns at once).
 */
import autocannon from 'autocannon'
import { machineInfo, machineLine, mdTable, processCpuMs, publishResults } from './lib/harness.js'
import { magicLinkLogin } from './lib/magic-link.js'
import { pinDriver, startServer } from './lib/proc.js'
import { startPrivateRedis } from './lib/redis.js'
import { BENCH_USER } from './lib/server-util.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const seconds = 4
const log = (line: string): void => { process.stderr.write(`[me-ab] ${line}\n`) }
log(`CPU ${pinDriver()}`)
const machine = machineInfo()
const redis = await startPrivateRedis()
const server = await startServer({ name: 'me-ab', file: 'servers/magic-link.ts', env: { ME_VARIANTS: '1', REDIS_URL: redis.url } })
try {
  const cookie = await magicLinkLogin(server.baseUrl, BENCH_USER.email)
  const other = cookie.replace(/^[^=]+=/, 'other=')
  const cases: Array<{ name: string, path: string, cookie: string }> = [
    { name: '`/me`, `preHandler: app.requireSession`', path: '/me', cookie },
    { name: '`/me-open`: the same handler, no preHandler', path: '/me-open', cookie },
    { name: '`/me-const` + session cookie (the hook finds the session)', path: '/me-const', cookie },
    { name: '`/me-const` + a cookie of another name (the hook returns at once)', path: '/me-const', cookie: other },
  ]
  const cpuMs = (): number => processCpuMs(server.pid)
  const us: Record<string, number[]> = {}
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? cases : [...cases].reverse()) {
      await autocannon({ url: server.baseUrl + c.path, headers: { cookie: c.cookie }, connections: 50, duration: 1 })
      const before = cpuMs()
      const out = await autocannon({ url: server.baseUrl + c.path, headers: { cookie: c.cookie }, connections: 50, duration: seconds })
      const used = cpuMs() - before
      if (out.non2xx > 0 || out.errors > 0) throw new Error(`${c.path}: ${out.non2xx} non-2xx, ${out.errors} errors`)
      ;(us[c.name] ??= []).push((1000 * used) / out.requests.total)
      log(`round ${r + 1}/${rounds} ${c.path} ${((1000 * used) / out.requests.total).toFixed(2)} µs`)
    }
  }
  const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
  const base = med(us[cases[3].name])
  const md = [
    '## GET /me variants in one magic-link server process (`bench/me-ab.ts`)',
    '',
    `${rounds} interleaved rounds × ${seconds} s per variant (+1 s warm-up each), 50 connections, server CPU per request (user + system, /proc). Median (min – max); difference to the last row, whose only plugin work is the hook reading the cookie jar.`,
    machineLine(machine),
    '',
    mdTable(['variant', 'server CPU µs per request', 'range', 'vs hook returning at once'], cases.map((c) => {
      const xs = us[c.name]
      return [c.name, med(xs).toFixed(2), `${Math.min(...xs).toFixed(2)} – ${Math.max(...xs).toFixed(2)}`, `${med(xs) - base >= 0 ? '+' : ''}${(med(xs) - base).toFixed(2)} µs`]
    })),
    '',
  ].join('\n')
  publishResults('me-ab', { benchmark: 'me-ab', machine, rounds, seconds, us }, md, log)
} finally {
  await server.stop()
  await redis.stop()
}
