/**
 * A private, throw-away redis-server for the benchmarks (never the shared one on 6379: we
 * neither flush it nor let other users' traffic pollute the command counts), and a helper
 * that reads `INFO commandstats` before/after a run to report Redis commands per request.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { track, WORK_DIR } from './proc.js'

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export interface PrivateRedis {
  port: number
  url: string
  /** A client for INFO calls (not used by any target). */
  client: Redis
  /** redis-server's pid (for CPU accounting) */
  pid: number
  stop: () => Promise<void>
}

export interface PrivateRedisOptions {
  /** More redis-server arguments (e.g. `['--replicaof', '127.0.0.1', '6380']`). */
  args?: string[]
  /** Working directory under bench/.work (default `redis`; a replica needs its own: it writes the RDB it receives). */
  dir?: string
}

export async function startPrivateRedis (opts: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = join(WORK_DIR, opts.dir ?? 'redis')
  mkdirSync(dir, { recursive: true })
  const child = spawn('redis-server', [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--loglevel', 'warning',
    ...(opts.args ?? []),
  ], { stdio: ['ignore', 'ignore', 'inherit'] })
  track(child)
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited (code ${code})`)))
  })
  exited.catch(() => {})

  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) })
  client.on('error', () => {}) // connection refused while redis-server boots: retried below
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await Promise.race([client.connect(), exited])
      await client.ping()
      break
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw err
      }
      client.disconnect()
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      client.disconnect()
      if (child.exitCode !== null) return
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 3000)
        child.once('exit', () => { clearTimeout(t); resolve() })
        child.kill('SIGTERM')
      })
    })()
    return stopped
  }
  return { port, url: `redis://127.0.0.1:${port}`, client, pid: child.pid!, stop }
}

/**
 * A private replica of `primary` (`--replicaof 127.0.0.1 <port>`, no persistence, its own
 * directory), returned once its `INFO replication` says `master_link_status:up` and the
 * primary counts it among its `connected_slaves`.
 */
export async function startPrivateReplica (primary: PrivateRedis, timeoutMs = 15_000): Promise<PrivateRedis> {
  const replica = await startPrivateRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)], dir: `redis-replica-${primary.port}` })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const mine = await replica.client.info('replication')
    const theirs = await primary.client.info('replication')
    if (/master_link_status:up/.test(mine) && /connected_slaves:[1-9]/.test(theirs)) return replica
    if (Date.now() > deadline) {
      await replica.stop()
      throw new Error(`replica on port ${replica.port} of ${primary.port}: no master_link_status:up within ${timeoutMs} ms`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** cmd name -> number of calls, from `INFO commandstats`. */
export type CommandStats = Record<string, number>

export async function readCommandStats (client: Redis): Promise<CommandStats> {
  const text = await client.info('commandstats')
  const stats: CommandStats = {}
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim())
    if (m) stats[m[1]] = Number(m[2])
  }
  return stats
}

/** Commands issued between two snapshots, without our own INFO calls. */
export function diffCommandStats (before: CommandStats, after: CommandStats): CommandStats {
  const out: CommandStats = {}
  for (const [cmd, calls] of Object.entries(after)) {
    if (cmd === 'info') continue
    const d = calls - (before[cmd] ?? 0)
    if (d > 0) out[cmd] = d
  }
  return out
}

export interface CommandsPerRequest {
  total: number
  perRequest: number
  byCommand: Record<string, number>
}

export function perRequest (diff: CommandStats, requests: number): CommandsPerRequest {
  const total = Object.values(diff).reduce((a, b) => a + b, 0)
  const byCommand: Record<string, number> = {}
  for (const [cmd, n] of Object.entries(diff)) byCommand[cmd] = requests > 0 ? n / requests : NaN
  return { total, perRequest: requests > 0 ? total / requests : NaN, byCommand }
}

/** Run `fn` and return what it returns plus the Redis commands it caused. */
export async function withCommandStats<T> (client: Redis | undefined, fn: () => Promise<T>): Promise<{ value: T, commands: CommandStats | undefined }> {
  if (client === undefined) return { value: await fn(), commands: undefined }
  const before = await readCommandStats(client)
  const value = await fn()
  const after = await readCommandStats(client)
  return { value, commands: diffCommandStats(before, after) }
}

export function fmtCommands (c: CommandsPerRequest | undefined): string {
  if (c === undefined) return '–'
  if (c.total === 0) return '0'
  const parts = Object.entries(c.byCommand)
    .sort((a, b) => b[1] - a[1])
    .map(([cmd, n]) => `${cmd} ${n < 0.01 ? n.toExponential(1) : n.toFixed(2)}`)
  return `${c.perRequest.toFixed(2)} (${parts.join(', ')})`
}
