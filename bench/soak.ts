/**
 * Soak: continuous full login flows (same-browser and cross-device, alternating) against one
 * instance on a private redis-server, through real HTTP on 127.0.0.1, for SOAK_SECONDS
 * (default 60). Samples the heap (after a full GC) and Redis DBSIZE every 5 s, then stops the
 * load and waits for the TTLs, to show the keys going away by themselves.
 *
 *   npx tsx bench/soak.ts                       (from the repository root, the root's tsx)
 *   SOAK_SECONDS=300 SOAK_LOOPS=16 npx tsx bench/soak.ts
 *
 * Writes bench/results/soak.json and bench/results/soak.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import v8 from 'node:v8'
import vm from 'node:vm'
import { RedisStore } from '../src/index.js'
import { build, type TestApp } from '../test/helpers/app.js'
import { startRedis, type RedisServer } from '../test/helpers/redis.js'

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 60)
const LOOPS = Number(process.env.SOAK_LOOPS ?? 8)
const SAMPLE_MS = 5000
/** Addresses per loop (each address is used by one loop only). */
const ADDRESSES_PER_LOOP = 8
const LINK_TTL_MS = 30_000
const SESSION = { ttl: '45s', idleTtl: '30s', accessTtl: '10s' } as const
/** After the load, how long to wait for the TTLs at most: the flows' 2 × linkTtl, the sessions' 45 s, the 60 s limiter windows. */
const DRAIN_MAX_MS = 100_000

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results')

// --- GC --------------------------------------------------------------------------------------

const exposed = typeof globalThis.gc === 'function'
const gc: () => void = exposed
  ? globalThis.gc as () => void
  : (() => { v8.setFlagsFromString('--expose-gc'); return vm.runInNewContext('gc') as () => void })()

function heapMb (): { heap: number, rss: number } {
  gc()
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed / 1048576, rss: m.rss / 1048576 }
}

// --- a cookie jar for fetch ------------------------------------------------------------------

class Browser {
  readonly cookies = new Map<string, string>()
  constructor (readonly base: string, readonly userAgent: string) {}

  async call (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number, json: () => Record<string, unknown>, text: string }> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent }
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${this.base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const gone = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))
      if (gone) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await res.text()
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> }
  }
}

const LAPTOP = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0'
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1'

// --- mail: one pending link per address, nothing kept after it is read -------------------------

interface Mail { link: string, otp: string | null }
const inbox = new Map<string, Mail>()
const inboxWaiters = new Map<string, (mail: Mail) => void>()

function deliver (email: string, mail: Mail): void {
  const waiter = inboxWaiters.get(email)
  if (waiter !== undefined) {
    inboxWaiters.delete(email)
    waiter(mail)
  } else {
    inbox.set(email, mail)
  }
}

function mailFor (email: string): Promise<Mail> {
  const ready = inbox.get(email)
  if (ready !== undefined) {
    inbox.delete(email)
    return Promise.resolve(ready)
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { inboxWaiters.delete(email); reject(new Error(`no mail for ${email} within 5 s`)) }, 5000)
    inboxWaiters.set(email, (mail) => { clearTimeout(timer); resolve(mail) })
  })
}

// --- flows -----------------------------------------------------------------------------------

class FlowError extends Error {}

function expect (step: string, got: number, want: number, text: string): void {
  if (got !== want) throw new FlowError(`${step}: ${got} (expected ${want}) ${text.slice(0, 120)}`)
}

function tokenOf (link: string): string {
  return new URL(link).searchParams.get('token') as string
}

async function sameBrowser (base: string, email: string): Promise<Browser> {
  const b = new Browser(base, LAPTOP)
  const r = await b.call('POST', '/auth/request', { email })
  expect('request', r.status, 202, r.text)
  const { link } = await mailFor(email)
  const token = tokenOf(link)
  const page = await b.call('GET', `/auth/verify?token=${token}`)
  expect('verify page', page.status, 200, page.text)
  const v = await b.call('POST', '/auth/verify', { token })
  expect('verify', v.status, 200, v.text)
  return b
}

async function crossDevice (base: string, email: string, c: Counters): Promise<Browser> {
  const laptop = new Browser(base, LAPTOP)
  const phone = new Browser(base, PHONE)
  const r = await laptop.call('POST', '/auth/request', { email })
  expect('request', r.status, 202, r.text)
  const matchCode = r.json().matchCode as string
  const waiting = laptop.call('POST', '/auth/poll?wait=10', {})
  const { link } = await mailFor(email)
  const token = tokenOf(link)
  const page = await phone.call('GET', `/auth/verify?token=${token}`)
  expect('verify page (phone)', page.status, 200, page.text)
  const v = await phone.call('POST', '/auth/verify', { token, code: matchCode })
  expect('approve (phone)', v.status, 200, v.text)
  let p = await waiting
  if (p.status === 202) {
    // The approval's notification was lost (see the report): the long-poll slept its whole
    // ?wait. A real client polls again, as here; counted apart, not as an error.
    c.lostWakeups++
    p = await laptop.call('POST', '/auth/poll', {})
  }
  expect('long-poll', p.status, 200, p.text)
  if (phone.cookies.has('__Host-sid')) throw new FlowError('the phone got a session')
  return laptop
}

interface Counters { lostWakeups: number, same: number, cross: number, logouts: number, refreshes: number, expiredSessions: number, errors: number, firstErrors: string[] }

async function loop (base: string, id: number, running: () => boolean, c: Counters): Promise<void> {
  let n = 0
  let kept: { browser: Browser, cookie: string } | null = null
  while (running()) {
    const email = `soak-${id}-${n % ADDRESSES_PER_LOOP}@example.com`
    const cross = (n + id) % 2 === 1
    try {
      const browser = cross ? await crossDevice(base, email, c) : await sameBrowser(base, email)
      const me = await browser.call('GET', '/me')
      expect('me', me.status, 200, me.text)
      const s = await browser.call('GET', '/auth/session')
      expect('session', s.status, 200, s.text)
      if (cross) c.cross++
      else c.same++
      // Half the sessions sign out, the others are kept until their TTL ends them.
      if (n % 4 < 2) {
        const out = await browser.call('POST', '/auth/logout', {})
        expect('logout', out.status, 204, out.text)
        c.logouts++
      } else if (kept === null) {
        kept = { browser, cookie: browser.cookies.get('__Host-sid') ?? '' }
      }
      // One kept session is used again at every flow: refreshed from the store after accessTtl,
      // refused once its absolute ttl is over (then the next one is kept).
      if (kept !== null && kept.browser !== browser) {
        const again = await kept.browser.call('GET', '/me')
        if (again.status === 401) {
          c.expiredSessions++
          kept = null
        } else {
          expect('kept session', again.status, 200, again.text)
          const now = kept.browser.cookies.get('__Host-sid') ?? ''
          if (now !== kept.cookie) { c.refreshes++; kept.cookie = now }
        }
      }
    } catch (error) {
      c.errors++
      if (c.firstErrors.length < 10) c.firstErrors.push(`${cross ? 'cross' : 'same'} ${email}: ${error instanceof Error ? error.message : String(error)}`)
      await sleep(50)
    }
    n++
  }
}

// --- Redis keys by kind ----------------------------------------------------------------------

interface KeyCounts { total: number, flows: number, mailboxes: number, sessions: number, userIndexes: number, limiter: number, other: number }

async function keyCounts (admin: ReturnType<RedisServer['client']>): Promise<KeyCounts> {
  const c: KeyCounts = { total: await admin.dbsize(), flows: 0, mailboxes: 0, sessions: 0, userIndexes: 0, limiter: 0, other: 0 }
  let cursor = '0'
  do {
    const [next, keys] = await admin.scan(cursor, 'COUNT', 1000)
    cursor = next
    for (const k of keys) {
      if (k.startsWith('ml:f:')) c.flows++
      else if (k.startsWith('ml:e:')) c.mailboxes++
      else if (k.startsWith('ml:s:')) c.sessions++
      else if (k.startsWith('ml:u:')) c.userIndexes++
      else if (k.startsWith('ml:rl:')) c.limiter++
      else c.other++
    }
  } while (cursor !== '0')
  return c
}

interface Sample { t: number, phase: 'load' | 'drain', flows: number, flowsPerSec: number, errors: number, heapMb: number, rssMb: number, keys: KeyCounts }

// --- main ------------------------------------------------------------------------------------

async function main (): Promise<void> {
  const server = await startRedis()
  let app: TestApp | null = null
  const stopAll = async (): Promise<void> => {
    await app?.app.close()
    app = null
    await server.stop()
  }
  process.once('SIGINT', () => { void stopAll().finally(() => process.exit(130)) })
  process.once('SIGTERM', () => { void stopAll().finally(() => process.exit(143)) })

  try {
    const admin = server.client()
    app = await build({
      store: new RedisStore({ client: server.client() }),
      now: () => Date.now(),
      linkTtl: LINK_TTL_MS,
      session: { ...SESSION },
      // Every limit stays on (the limiter's Redis path is part of the soak), at values one
      // client IP (127.0.0.1) cannot reach, with short windows so their keys expire too.
      rateLimit: { emailInterval: 1, emailPerHour: 1_000_000, ipMax: 1_000_000, ipWindow: '30s', verifyPerMinute: 1_000_000, pollPerMinute: 1_000_000 },
      users: { find: (email) => ({ id: `user:${email}` }) },
      sendMail: async (_message, ctx) => {
        // Sign-in notices (after a cross-device login) carry no link.
        if (ctx !== null && ctx !== undefined) deliver(ctx.email, { link: ctx.link, otp: ctx.otp })
      },
    })
    const base = await app.app.listen({ host: '127.0.0.1', port: 0 })
    const counters: Counters = { lostWakeups: 0, same: 0, cross: 0, logouts: 0, refreshes: 0, expiredSessions: 0, errors: 0, firstErrors: [] }
    const flows = (): number => counters.same + counters.cross

    const baselineKeys = await keyCounts(admin)
    const start = heapMb()
    const samples: Sample[] = []
    const t0 = Date.now()
    let lastFlows = 0
    let lastT = t0
    const sample = async (phase: Sample['phase']): Promise<Sample> => {
      const now = Date.now()
      const f = flows()
      const mem = heapMb()
      const s: Sample = {
        t: Math.round((now - t0) / 1000), phase, flows: f, flowsPerSec: (f - lastFlows) / Math.max(0.001, (now - lastT) / 1000),
        errors: counters.errors, heapMb: mem.heap, rssMb: mem.rss, keys: await keyCounts(admin),
      }
      lastFlows = f
      lastT = now
      samples.push(s)
      process.stderr.write(`[soak] t=${s.t}s ${phase} flows=${f} (${s.flowsPerSec.toFixed(1)}/s) errors=${s.errors} heap=${s.heapMb.toFixed(1)}MB keys=${s.keys.total}\n`)
      return s
    }
    await sample('load')

    process.stderr.write(`[soak] ${LOOPS} loops for ${SOAK_SECONDS} s against ${base}\n`)
    let running = true
    const loops = Array.from({ length: LOOPS }, (_, i) => loop(base, i, () => running, counters))
    const loadEnd = t0 + SOAK_SECONDS * 1000
    let endOfLoad: Sample | null = null
    while (endOfLoad === null) {
      await sleep(Math.max(0, Math.min(SAMPLE_MS, loadEnd - Date.now())))
      if (Date.now() >= loadEnd - 50) running = false
      const s = await sample('load')
      if (!running) endOfLoad = s
    }
    const flowsInWindow = endOfLoad.flows
    const windowSeconds = (Date.now() - t0) / 1000
    // Flows under way finish (a lost long-poll wake-up can hold one for its 10 s).
    await Promise.all(loops)
    const loadSeconds = (Date.now() - t0) / 1000
    const stopped = Date.now()

    // Drain: wait for the TTLs. The per-address mail-budget records (`ml:e:`) live one hour by
    // design (the 5-per-hour budget), so they are counted apart: one per address of the pool.
    let drained: Sample = endOfLoad
    let drainedAfter: number | null = null
    while (Date.now() - stopped < DRAIN_MAX_MS) {
      await sleep(SAMPLE_MS)
      drained = await sample('drain')
      if (drained.keys.total - drained.keys.mailboxes <= baselineKeys.total) {
        drainedAfter = Math.round((Date.now() - loadEnd) / 1000)
        break
      }
    }
    const heaps = samples.map((s) => s.heapMb)
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', node: process.version, loadavg: os.loadavg(), platform: `${os.platform()} ${os.release()}` },
      config: {
        soakSeconds: SOAK_SECONDS, loops: LOOPS, addresses: LOOPS * ADDRESSES_PER_LOOP, linkTtlMs: LINK_TTL_MS, flowKeyTtlMs: 2 * LINK_TTL_MS,
        session: SESSION, sampleMs: SAMPLE_MS, transport: 'HTTP over 127.0.0.1 (fetch)', gc: exposed ? '--expose-gc' : 'v8.setFlagsFromString(--expose-gc)',
      },
      summary: {
        flowsCompleted: flows(), sameBrowser: counters.same, crossDevice: counters.cross, logouts: counters.logouts,
        lostWakeups: counters.lostWakeups, refreshes: counters.refreshes, keptSessionsExpired: counters.expiredSessions, errors: counters.errors, firstErrors: counters.firstErrors,
        loadSeconds, flowsInWindow, windowSeconds, flowsPerSecond: flowsInWindow / windowSeconds,
        heapStartMb: start.heap, heapEndOfLoadMb: endOfLoad.heapMb, heapAfterDrainMb: drained.heapMb, heapMaxMb: Math.max(...heaps),
        rssStartMb: start.rss, rssMaxMb: Math.max(...samples.map((s) => s.rssMb)),
        keysBaseline: baselineKeys, keysEndOfLoad: endOfLoad.keys, keysAfterTtl: drained.keys,
        drainedAfterSeconds: drainedAfter,
      },
      samples,
    }
    mkdirSync(RESULTS, { recursive: true })
    writeFileSync(join(RESULTS, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`)
    writeFileSync(join(RESULTS, 'soak.md'), markdown(result))
    process.stderr.write(`[soak] ${flows()} flows (${flowsInWindow} in ${windowSeconds.toFixed(1)} s: ${(flowsInWindow / windowSeconds).toFixed(1)}/s), ${counters.lostWakeups} lost wake-ups, ${counters.errors} errors; heap ${start.heap.toFixed(1)} -> ${endOfLoad.heapMb.toFixed(1)} MB (max ${Math.max(...heaps).toFixed(1)}), after drain ${drained.heapMb.toFixed(1)} MB; keys ${endOfLoad.keys.total} at end of load -> ${drained.keys.total} (${drained.keys.mailboxes} mail-budget records) ${drainedAfter === null ? 'NOT drained' : `after ${drainedAfter} s`}\n`)
    process.stderr.write(`[soak] wrote ${join(RESULTS, 'soak.json')} and soak.md\n`)
    if (counters.errors > 0 || drainedAfter === null) process.exitCode = 1
  } finally {
    await stopAll()
  }
}

type Result = {
  date: string
  machine: { cpus: number, cpu: string, node: string, loadavg: number[] }
  config: { soakSeconds: number, loops: number, addresses: number, linkTtlMs: number, flowKeyTtlMs: number, session: typeof SESSION, gc: string }
  summary: {
    flowsCompleted: number, sameBrowser: number, crossDevice: number, logouts: number, lostWakeups: number, refreshes: number, keptSessionsExpired: number, errors: number, firstErrors: string[]
    loadSeconds: number, flowsInWindow: number, windowSeconds: number, flowsPerSecond: number, heapStartMb: number, heapEndOfLoadMb: number, heapAfterDrainMb: number, heapMaxMb: number, rssStartMb: number, rssMaxMb: number
    keysBaseline: KeyCounts, keysEndOfLoad: KeyCounts, keysAfterTtl: KeyCounts, drainedAfterSeconds: number | null
  }
  samples: Sample[]
}

function markdown (r: Result): string {
  const s = r.summary
  const f1 = (x: number): string => x.toFixed(1)
  const keys = (k: KeyCounts): string => `${k.total} (flows ${k.flows}, sessions ${k.sessions}, user indexes ${k.userIndexes}, limiter ${k.limiter}, mail budgets ${k.mailboxes})`
  const rows = r.samples.map((x) => `| ${x.t} | ${x.phase} | ${x.flows} | ${f1(x.flowsPerSec)} | ${x.errors} | ${f1(x.heapMb)} | ${f1(x.rssMb)} | ${x.keys.total} | ${x.keys.flows} | ${x.keys.sessions} | ${x.keys.userIndexes} | ${x.keys.limiter} | ${x.keys.mailboxes} |`)
  return [
    '## Soak (`bench/soak.ts`)',
    '',
    `${r.config.soakSeconds} s of continuous full logins (same-browser and cross-device alternating, ${r.config.loops} concurrent loops over ${r.config.addresses} addresses) against one instance over HTTP on 127.0.0.1, RedisStore on a private redis-server. linkTtl ${r.config.linkTtlMs / 1000} s (flow records kept ${r.config.flowKeyTtlMs / 1000} s), sessions ttl ${r.config.session.ttl} / idle ${r.config.session.idleTtl} / access ${r.config.session.accessTtl}; half the sessions sign out, the others run into their TTL (refreshed from the store on the way). Heap sampled after a full GC (${r.config.gc}) every 5 s.`,
    `Machine: ${r.machine.cpu}, ${r.machine.cpus} cores, Node ${r.machine.node}, ${r.date}; load average at the end ${r.machine.loadavg.map(f1).join(' / ')}.`,
    '',
    '| t (s) | phase | flows | flows/s | errors | heap MB | rss MB | keys | flows | sessions | user idx | limiter | mail budgets |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    '**Summary**',
    '',
    `- Flows completed: **${s.flowsCompleted}** (${s.sameBrowser} same-browser, ${s.crossDevice} cross-device) (${s.flowsInWindow} within the ${f1(s.windowSeconds)} s load window: **${f1(s.flowsPerSecond)} flows/s**; the rest finished within ${f1(s.loadSeconds)} s); ${s.logouts} logouts, ${s.refreshes} session refreshes, ${s.keptSessionsExpired} kept sessions ended by their TTL.`,
    `- Errors: **${s.errors}**${s.firstErrors.length > 0 ? ` (first: ${s.firstErrors.join('; ')})` : ''}.`,
    `- Lost long-poll wake-ups: **${s.lostWakeups}** cross-device long-polls (\`?wait=10\`) were not woken by their approval and answered pending after 10 s; the flow then completed at the next poll (a plugin race: the waiter is registered only after the first check answered).`,
    `- Heap after GC: start ${f1(s.heapStartMb)} MB, end of load ${f1(s.heapEndOfLoadMb)} MB, max ${f1(s.heapMaxMb)} MB, after the TTLs ${f1(s.heapAfterDrainMb)} MB (rss ${f1(s.rssStartMb)} → max ${f1(s.rssMaxMb)} MB).`,
    `- Redis keys: baseline ${s.keysBaseline.total}; end of load ${keys(s.keysEndOfLoad)}; after the TTLs ${keys(s.keysAfterTtl)}${s.drainedAfterSeconds === null ? ' — **did not drain**' : `, ${s.drainedAfterSeconds} s after the end of the load window`}.`,
    `- The mail-budget records (\`ml:e:\`, one per address) hold the per-address "5 mails per hour" budget and expire after one hour by design; they are bounded by the number of distinct addresses (${r.config.addresses} here). Every other key is back to the baseline.`,
    '',
  ].join('\n')
}

await main()
