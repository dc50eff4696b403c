/**
 * Interleaved benchmark runner.
 *
 * The machine is small (2 cores) and shared, so absolute req/s drift by tens of percent from
 * minute to minute. We therefore never compare numbers taken at different times: every
 * round measures every target once, back to back, in an order rotated each round, and each
 * target's number is divided by the `baseline` measured in the SAME round. The reported
 * figure is the median of those per-round ratios (plus min–max to show the spread).
 */
import autocannon from 'autocannon'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { BENCH_DIR } from './proc.js'
import { readCommandStats, diffCommandStats, perRequest, type CommandStats, type CommandsPerRequest } from './redis.js'
import { median, min, max, rotate } from './stats.js'

export const RESULTS_DIR = join(BENCH_DIR, 'results')

// ---------------------------------------------------------------------------------------
// Configuration from the environment

export interface RunConfig {
  quick: boolean
  rounds: number
  /** seconds per measurement */
  duration: number
  /** seconds of discarded warm-up per measurement, before round 1 */
  warmup: number
  connections: number
}

function envNumber (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`)
  return n
}

export function runConfig (): RunConfig {
  const quick = process.env.QUICK === '1' || process.env.QUICK === 'true'
  return {
    quick,
    rounds: Math.round(envNumber('BENCH_ROUNDS', quick ? 2 : 5)),
    duration: envNumber('BENCH_DURATION', quick ? 2 : 5),
    warmup: envNumber('BENCH_WARMUP', quick ? 1 : 2),
    connections: Math.round(envNumber('BENCH_CONNECTIONS', 50)),
  }
}

/** BENCH_TARGETS=a,b limits a run to these targets (the baseline is always kept). */
export function selectedTargets<T extends { name: string }> (all: T[], baseline: string): T[] {
  const raw = process.env.BENCH_TARGETS
  if (raw === undefined || raw.trim() === '') return all
  const wanted = new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))
  wanted.add(baseline)
  return all.filter((t) => wanted.has(t.name))
}

// ---------------------------------------------------------------------------------------
// Measurements

export interface Sample {
  /** operations per second (requests/s, or flows/s) */
  rate: number
  /** operations completed */
  ops: number
  /** HTTP requests sent (= ops for plain routes; 3 per flow for login flows) */
  requests: number
  durationSec: number
  /** transport errors + timeouts + unexpected statuses */
  errors: number
  latencyP50: number
  latencyP99: number
  /** Redis commands issued during the measurement (when a Redis client was given) */
  redis?: CommandStats
  /** Commands the target process SENT to Redis (client-side count = round trips), when it exposes them */
  sent?: CommandStats
  /** CPU milliseconds (user + system) spent during the measurement, by process label (see Measurement.cpu) + `driver` */
  cpuMs?: Record<string, number>
}

export interface Measurement {
  name: string
  /** unit of `rate`, e.g. 'req/s' or 'flows/s' */
  unit: string
  run: (durationSec: number) => Promise<Sample>
  note?: string
  /** Runs before each measurement, outside the timed window and the Redis command count (e.g. pre-create the flows a step consumes). */
  prepare?: (durationSec: number) => Promise<void>
  /** Runs after each measurement, after the Redis command count (e.g. delete what it created). */
  cleanup?: () => Promise<void>
  /**
   * Processes whose CPU time (from /proc/<pid>/stat) is read around the measurement, by label,
   * e.g. { server: pid, redis: pid }; a function when the processes change between measurements
   * (read after `prepare`).
   */
  cpu?: Record<string, number> | (() => Record<string, number> | undefined)
}

export interface AutocannonSpec {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  connections: number
}

/** One autocannon run; any non-2xx answer counts as an error. */
export async function runAutocannon (spec: AutocannonSpec, durationSec: number): Promise<Sample> {
  const result = await autocannon({
    url: spec.url,
    method: spec.method ?? 'GET',
    headers: spec.headers,
    body: spec.body,
    connections: spec.connections,
    pipelining: 1,
    duration: durationSec,
    timeout: 10,
  })
  return autocannonSample(result, result.duration > 0 ? result.duration : durationSec)
}

/** A Sample from an autocannon result (one request = one operation); `elapsed` in seconds. */
export function autocannonSample (result: autocannon.Result, elapsed: number): Sample {
  const ops = result.requests.total
  return {
    rate: ops / elapsed,
    ops,
    requests: ops,
    durationSec: elapsed,
    errors: result.errors + result.timeouts + result.non2xx,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  }
}

export function autocannonMeasurement (name: string, spec: AutocannonSpec, note?: string): Measurement {
  return { name, unit: 'req/s', note, run: async (d) => await runAutocannon(spec, d) }
}

/**
 * CPU time (user + system, ms) of each labelled process from /proc/<pid>/stat (Linux; clock
 * ticks of 10 ms), plus this driver process (`driver`). undefined when not asked or not on Linux.
 */
/** CPU time (user + system, ms) a process has used, from /proc/<pid>/stat (Linux; ticks of 10 ms). */
export function processCpuMs (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5), counted from `state`)
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function readCpu (spec: Measurement['cpu']): Record<string, number> | undefined {
  const pids = typeof spec === 'function' ? spec() : spec
  if (pids === undefined) return undefined
  const out: Record<string, number> = {}
  try {
    for (const [label, pid] of Object.entries(pids)) out[label] = processCpuMs(pid)
  } catch {
    return undefined
  }
  const self = process.cpuUsage()
  out.driver = (self.user + self.system) / 1000
  return out
}

/** Adds CPU accounting of processes to a measurement (see Measurement.cpu). */
export function withCpu (m: Measurement, pids: Record<string, number>): Measurement {
  return { ...m, cpu: pids }
}

/** `server 120 µs, redis 30 µs, driver 80 µs` */
export function fmtCpu (c: Record<string, number> | undefined, keys?: string[]): string {
  if (c === undefined) return '–'
  return (keys ?? Object.keys(c)).filter((k) => c[k] !== undefined).map((k) => `${k} ${c[k] >= 100 ? Math.round(c[k]).toLocaleString('en-US') : c[k].toFixed(1)}`).join(', ')
}

/**
 * Adds the client-side Redis command count to a measurement: `sentUrl` is a target's test-only
 * `GET /__redis-sent` (commands that process sent, by name), read before and after the run; a
 * function when the target's process changes between runs.
 */
export function countSent (m: Measurement, sentUrl: string | (() => string)): Measurement {
  const url = typeof sentUrl === 'function' ? sentUrl : () => sentUrl
  return {
    ...m,
    run: async (d) => {
      const before = await fetchCounts(url())
      const sample = await m.run(d)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const after = await fetchCounts(url())
      const sent: CommandStats = {}
      for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) sent[k] = v - (before[k] ?? 0)
      sample.sent = sent
      return sample
    },
  }
}

async function fetchCounts (url: string): Promise<CommandStats> {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`)
  return await res.json() as CommandStats
}

// ---------------------------------------------------------------------------------------
// Interleaved rounds

export interface RoundResult {
  round: number
  order: string[]
  samples: Record<string, Sample>
  ratios: Record<string, number>
}

export interface TargetSummary {
  name: string
  unit: string
  note?: string
  medianRate: number
  medianRatio: number
  minRatio: number
  maxRatio: number
  ratios: number[]
  medianP50: number
  medianP99: number
  errors: number
  ops: number
  /** Redis commands per operation over all measured rounds (server side, INFO commandstats: includes the commands scripts run) */
  redis?: CommandsPerRequest
  /** Commands sent per operation (client side: each is one round trip), when the target counts them */
  sent?: CommandsPerRequest
  /** CPU microseconds per operation over all measured rounds, by process label (+ `driver`) */
  cpuUsPerOp?: Record<string, number>
}

export interface InterleavedResult {
  baseline: string
  config: RunConfig
  rounds: RoundResult[]
  summary: TargetSummary[]
}

export interface InterleavedOptions {
  baseline: string
  measurements: Measurement[]
  config: RunConfig
  /** When given, INFO commandstats is read around every measurement. */
  redis?: Redis
  log?: (line: string) => void
}

/** Pause between measurements (in-flight requests of the previous one drain). */
const SETTLE_MS = 300

export async function runInterleaved (opts: InterleavedOptions): Promise<InterleavedResult> {
  const { baseline, measurements, config } = opts
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'))
  if (!measurements.some((m) => m.name === baseline)) throw new Error(`baseline ${baseline} is not among the measurements`)

  const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, SETTLE_MS)) }
  const measureOnce = async (m: Measurement, d: number): Promise<Sample> => {
    await m.prepare?.(d)
    // Let the previous measurement's in-flight requests drain before counting anything.
    await settle()
    let sample: Sample
    const cpuBefore = readCpu(m.cpu)
    if (opts.redis === undefined) {
      sample = await m.run(d)
      await settle()
    } else {
      const before = await readCommandStats(opts.redis)
      sample = await m.run(d)
      await settle()
      const after = await readCommandStats(opts.redis)
      sample.redis = diffCommandStats(before, after)
    }
    const cpuAfter = readCpu(m.cpu)
    if (cpuBefore !== undefined && cpuAfter !== undefined) {
      sample.cpuMs = {}
      for (const k of Object.keys(cpuAfter)) sample.cpuMs[k] = cpuAfter[k] - cpuBefore[k]
    }
    await m.cleanup?.()
    return sample
  }

  if (config.warmup > 0) {
    log(`warm-up: ${config.warmup}s each`)
    for (const m of measurements) await measureOnce(m, config.warmup)
  }

  const rounds: RoundResult[] = []
  for (let r = 0; r < config.rounds; r++) {
    const order = rotate(measurements, r)
    const samples: Record<string, Sample> = {}
    for (const m of order) {
      const s = await measureOnce(m, config.duration)
      samples[m.name] = s
      log(`round ${r + 1}/${config.rounds} ${m.name.padEnd(16)} ${s.rate.toFixed(0).padStart(8)} ${m.unit}` +
        `  p50 ${s.latencyP50.toFixed(1)} ms  p99 ${s.latencyP99.toFixed(1)} ms${s.errors > 0 ? `  ERRORS ${s.errors}` : ''}`)
    }
    const base = samples[baseline].rate
    const ratios: Record<string, number> = {}
    for (const m of measurements) ratios[m.name] = samples[m.name].rate / base
    rounds.push({ round: r + 1, order: order.map((m) => m.name), samples, ratios })
  }

  const summary: TargetSummary[] = measurements.map((m) => {
    const ss = rounds.map((r) => r.samples[m.name])
    const ratios = rounds.map((r) => r.ratios[m.name])
    let redis: CommandsPerRequest | undefined
    if (opts.redis !== undefined) {
      const total: CommandStats = {}
      for (const s of ss) for (const [k, v] of Object.entries(s.redis ?? {})) total[k] = (total[k] ?? 0) + v
      redis = perRequest(total, ss.reduce((a, s) => a + s.ops, 0))
    }
    let sent: CommandsPerRequest | undefined
    if (ss.every((s) => s.sent !== undefined)) {
      const total: CommandStats = {}
      for (const s of ss) for (const [k, v] of Object.entries(s.sent ?? {})) total[k] = (total[k] ?? 0) + v
      sent = perRequest(total, ss.reduce((a, s) => a + s.ops, 0))
    }
    let cpuUsPerOp: Record<string, number> | undefined
    if (ss.every((s) => s.cpuMs !== undefined)) {
      const ops = ss.reduce((a, s) => a + s.ops, 0)
      cpuUsPerOp = {}
      for (const k of Object.keys(ss[0].cpuMs!)) cpuUsPerOp[k] = (1000 * ss.reduce((a, s) => a + (s.cpuMs![k] ?? 0), 0)) / ops
    }
    return {
      name: m.name,
      unit: m.unit,
      note: m.note,
      cpuUsPerOp,
      medianRate: median(ss.map((s) => s.rate)),
      medianRatio: median(ratios),
      minRatio: min(ratios),
      maxRatio: max(ratios),
      ratios,
      medianP50: median(ss.map((s) => s.latencyP50)),
      medianP99: median(ss.map((s) => s.latencyP99)),
      errors: ss.reduce((a, s) => a + s.errors, 0),
      ops: ss.reduce((a, s) => a + s.ops, 0),
      redis,
      sent,
    }
  })
  return { baseline, config, rounds, summary }
}

export interface PairRatio {
  numerator: string
  denominator: string
  median: number
  min: number
  max: number
  /** one ratio per round: numerator rate ÷ denominator rate of the same round */
  ratios: number[]
}

/** Per-round ratio of two measurements of an interleaved run (e.g. ours ÷ peer), median and range. */
export function pairRatio (result: InterleavedResult, numerator: string, denominator: string): PairRatio {
  const ratios = result.rounds.map((r) => r.samples[numerator].rate / r.samples[denominator].rate)
  return { numerator, denominator, median: median(ratios), min: min(ratios), max: max(ratios), ratios }
}

// ---------------------------------------------------------------------------------------
// Output

export function machineInfo (): Record<string, unknown> {
  const cpu = cpus()
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: cpu[0]?.model,
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
  }
}

/** One markdown line about the machine, with the load average now (noise indicator). */
export function machineLine (machine: Record<string, unknown>): string {
  const now = loadavg().map((x) => x.toFixed(1)).join(' / ')
  const start = (machine.loadavgAtStart as number[]).map((x) => x.toFixed(1)).join(' / ')
  return `Machine: ${String(machine.cpuModel)}, ${String(machine.cores)} cores, Node ${String(machine.node)}, ${String(machine.date)}; ` +
    `load average (1/5/15 min) ${start} at start, ${now} at end.`
}

export function describeConfig (c: RunConfig): string {
  return `${c.rounds} interleaved rounds × ${c.duration} s per target (+${c.warmup} s warm-up), ` +
    `${c.connections} connections${c.quick ? ' — QUICK mode (smoke run: noisy, for trend only)' : ''}`
}

/** BENCH_RESULTS_SUFFIX=-x writes results/<name>-x.* instead (experiments that must not replace a run's results). */
export function writeResults (name: string, json: unknown, markdown: string): { json: string, md: string } {
  name += process.env.BENCH_RESULTS_SUFFIX ?? ''
  mkdirSync(RESULTS_DIR, { recursive: true })
  const jsonPath = join(RESULTS_DIR, `${name}.json`)
  const mdPath = join(RESULTS_DIR, `${name}.md`)
  writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n')
  writeFileSync(mdPath, markdown.endsWith('\n') ? markdown : markdown + '\n')
  return { json: jsonPath, md: mdPath }
}

/**
 * Writes a part's results (see writeResults), prints its table and logs where it went; when a
 * summary is given and a measurement had errors, says so and makes the part exit non-zero.
 */
export function publishResults (name: string, json: unknown, markdown: string, log: (line: string) => void, summary?: TargetSummary[]): void {
  const paths = writeResults(name, json, markdown)
  process.stdout.write(markdown + '\n')
  log(`wrote ${paths.json} and ${paths.md}`)
  if (summary?.some((s) => s.errors > 0) === true) {
    log('some measurements had errors (non-2xx, timeouts): see the table')
    process.exitCode = 1
  }
}

export function mdTable (header: string[], rows: string[][]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ]
  return lines.join('\n')
}
