/**
 * Microbenchmark of the session lookup of GET /me, without HTTP: cookie@1's `parse` (what @fastify/cookie 11.1 runs) of the Cookie
 * header, then `SessionManager.lookup` (cache key, Map.get, whole-token comparison, clock,
 * revocation set), next to the same parse alone and to the old key (the whole cookie string).
 *
 *   npx tsx lookup-micro.ts       (from bench/; ~10 s)
 */
// cookie@1: the parser of the @fastify/cookie version the plugin pins (11.1.0), from the root's node_modules.
import { parse } from '../node_modules/cookie/dist/index.js'
import { resolveOptions } from '../src/options.js'
import { SessionManager } from '../src/session/manager.js'
import { MemoryStore } from '../src/store/memory-store.js'

const store = new MemoryStore()
const o = resolveOptions({ origin: 'http://localhost', secret: 'x'.repeat(40), store, sendMail: async () => {}, users: { find: async () => ({ id: 'u1' }) } })
const sessions = new SessionManager(o, store)
// As the plugin runs it (started at onReady): the hot path's clock is a timer-refreshed value.
sessions.clock.start()
const jar: Record<string, string> = {}
const reply = { setCookie: (name: string, value: string) => { jar[name] = value } }
await sessions.start(reply as never, { id: 'u_bench_1' }, sessions.newIds(), 'bench@example.com', 'bench')
const token = jar.sid as string
const header = `sid=${token}`
const byWholeCookie = new Map([[token, 1]])

function bench (name: string, fn: () => unknown, n = 2_000_000): number {
  for (let i = 0; i < 200_000; i++) fn()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  return Number(process.hrtime.bigint() - t0) / n
}
const rows: Record<string, number[]> = {}
for (let r = 0; r < 3; r++) {
  for (const [name, fn] of [
    ['parse', () => parse(header)],
    ['parse + SessionManager.lookup', () => sessions.lookup(parse(header).sid as string)],
    ['parse + Map.get(whole cookie) (the old key)', () => byWholeCookie.get(parse(header).sid as string)],
    ['Date.now()', () => Date.now()],
  ] as Array<[string, () => unknown]>) (rows[name] ??= []).push(bench(name, fn))
}
process.stdout.write(`token ${token.length} characters; ns per call, best of 3 runs of 2,000,000\n`)
for (const [name, xs] of Object.entries(rows)) process.stdout.write(`${name.padEnd(52)} ${Math.min(...xs).toFixed(1)} ns\n`)
sessions.clock.stop()
