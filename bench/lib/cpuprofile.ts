/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and inclusive time of
 * chosen frames, optionally only inside a time window, so that one phase of a server's life (e.g.
 * the authenticated-route measurement) can be read apart from its start-up and login.
 *
 *   npx tsx lib/cpuprofile.ts <file.cpuprofile> [fromSec] [toSec]
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: Node[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }

export type { Profile }

export interface ProfileSummary {
  totalMs: number
  /** self time by "function (file:line)", ms */
  self: Array<{ frame: string, ms: number, pct: number }>
  /** inclusive time by "function (file:line)", ms */
  inclusive: Array<{ frame: string, ms: number, pct: number }>
  /** self time grouped by package / area */
  byArea: Array<{ area: string, ms: number, pct: number }>
}

function short (url: string): string {
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length)
  const i = url.indexOf('/work/main/')
  if (i >= 0) return url.slice(i + '/work/main/'.length)
  return url.replace(/^file:\/\//, '')
}

function area (url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native/V8 builtins)'
  if (url.startsWith('node:')) return 'node core'
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m !== null) return m[1]
  if (url.includes('/dist/')) return 'fastify-magic-link (dist)'
  if (url.includes('/bench/')) return 'bench server file'
  return short(url)
}

/**
 * `fromSec`/`toSec` are seconds since the profile's start; with `absolute`, they are instead
 * CLOCK_MONOTONIC seconds (the clock of V8's profile timestamps and of `process.hrtime()`), so a
 * driver can mark the window it measured.
 */
export function summarize (p: Profile, fromSec = 0, toSec = Infinity, absolute = false): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const label = (n: Node): string => `${n.callFrame.functionName || '(anonymous)'} (${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1})`
  const self = new Map<string, number>()
  const incl = new Map<string, number>()
  const areas = new Map<string, number>()
  let t = p.startTime
  let total = 0
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000
    const rel = absolute ? t / 1e6 : (t - p.startTime) / 1e6
    if (rel < fromSec || rel > toSec) continue
    const n = byId.get(p.samples[i])!
    if (n.callFrame.functionName === '(idle)') continue
    total += dt
    self.set(label(n), (self.get(label(n)) ?? 0) + dt)
    const a = area(n.callFrame.url, n.callFrame.functionName)
    areas.set(a, (areas.get(a) ?? 0) + dt)
    const seen = new Set<string>()
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const l = label(byId.get(id)!)
      if (seen.has(l)) continue
      seen.add(l)
      incl.set(l, (incl.get(l) ?? 0) + dt)
    }
  }
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k)
  return {
    totalMs: total,
    self: top(self, 40).map(([frame, ms]) => ({ frame, ms, pct: (100 * ms) / total })),
    inclusive: top(incl, 80).map(([frame, ms]) => ({ frame, ms, pct: (100 * ms) / total })),
    byArea: top(areas, 30).map(([area, ms]) => ({ area, ms, pct: (100 * ms) / total })),
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const [file, from, to] = process.argv.slice(2)
  const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(from ?? 0), to === undefined ? Infinity : Number(to))
  console.log(`busy ${s.totalMs.toFixed(0)} ms`)
  console.log('\n-- self time by area')
  for (const x of s.byArea) console.log(`${x.pct.toFixed(1).padStart(5)}%  ${x.area}`)
  console.log('\n-- self time by function')
  for (const x of s.self) console.log(`${x.pct.toFixed(1).padStart(5)}%  ${x.frame}`)
  console.log('\n-- inclusive time')
  for (const x of s.inclusive) console.log(`${x.pct.toFixed(1).padStart(5)}%  ${x.frame}`)
}
