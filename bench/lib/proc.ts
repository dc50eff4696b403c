/**
 * Target servers run in their own child process (one server per process), so that a
 * target's heap, JIT state and event loop never disturb another target's numbers.
 *
 * Protocol between a server file and the harness:
 *   - the server listens on 127.0.0.1, port `process.env.PORT` (0 = any free port), then
 *     prints ONE line `{"event":"listening","port":<n>}` on stdout (use `announce()` from
 *     ./server-util.ts);
 *   - a server that cannot run here (e.g. the library is not built yet) prints a reason on
 *     stderr and exits with code 78 (EX_CONFIG) before announcing: the harness marks the
 *     target "skipped" and carries on with the others;
 *   - SIGTERM stops it.
 * Everything else a server prints goes to bench/.work/logs/<name>.log.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const WORK_DIR = join(BENCH_DIR, '.work')
export const LOG_DIR = join(WORK_DIR, 'logs')

export const EXIT_SKIP = 78

export class SkipError extends Error {
  constructor (public readonly target: string, reason: string) {
    super(reason)
    this.name = 'SkipError'
  }
}

export interface ServerHandle {
  name: string
  port: number
  baseUrl: string
  pid: number
  child: ChildProcess
  stop: () => Promise<void>
}

const live = new Set<ChildProcess>()
let hooksInstalled = false

function installExitHooks (): void {
  if (hooksInstalled) return
  hooksInstalled = true
  // Last resort: never leave a server behind, whatever way the parent ends.
  process.on('exit', () => {
    for (const child of live) {
      try { child.kill('SIGKILL') } catch {}
    }
  })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const child of live) {
        try { child.kill('SIGKILL') } catch {}
      }
      process.exit(130)
    })
  }
}

/** Register a process started elsewhere (e.g. redis-server) for the exit hooks. */
export function track (child: ChildProcess): void {
  installExitHooks()
  live.add(child)
  child.once('exit', () => live.delete(child))
}

export interface StartOptions {
  /** Label for logs and results. */
  name: string
  /** Server file, relative to bench/ (e.g. 'servers/bare.ts'). */
  file: string
  env?: Record<string, string | undefined>
  /** Give up if the server has not announced its port by then. */
  timeoutMs?: number
  /** Extra node flags (e.g. ['--cpu-prof']); BENCH_NODE_ARGS (space-separated) adds to every server. */
  nodeArgs?: string[]
}

export async function startServer (opts: StartOptions): Promise<ServerHandle> {
  installExitHooks()
  mkdirSync(LOG_DIR, { recursive: true })
  const logPath = join(LOG_DIR, `${opts.name}.log`)
  const log: WriteStream = createWriteStream(logPath, { flags: 'w' })
  const file = resolve(BENCH_DIR, opts.file)
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const args = [...extra, ...(opts.nodeArgs ?? []), '--import', 'tsx', file]
  // Pinned (see pinDriver): taskset execs node on the server CPU, so the pid is node's.
  const [command, argv] = pinned === undefined ? [process.execPath, args] : ['taskset', ['-c', pinned.server, process.execPath, ...args]]
  const child = spawn(command, argv, {
    cwd: BENCH_DIR,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      BETTER_AUTH_TELEMETRY: '0',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  track(child)

  const stderrTail: string[] = []
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk)
    const lines = chunk.toString('utf8').split('\n').filter(Boolean)
    stderrTail.push(...lines)
    if (stderrTail.length > 20) stderrTail.splice(0, stderrTail.length - 20)
  })

  const timeoutMs = opts.timeoutMs ?? 60_000
  const port = await new Promise<number>((resolvePort, reject) => {
    let announced = false
    const rl = createInterface({ input: child.stdout! })
    rl.on('line', (line) => {
      log.write(line + '\n')
      if (announced) return
      if (line.startsWith('{')) {
        try {
          const msg = JSON.parse(line) as { event?: string, port?: number }
          if (msg.event === 'listening' && typeof msg.port === 'number') {
            announced = true
            clearTimeout(timer)
            resolvePort(msg.port)
          }
        } catch {}
      }
    })
    const timer = setTimeout(() => {
      reject(new Error(`${opts.name}: no port announced within ${timeoutMs} ms (log: ${logPath})`))
      child.kill('SIGKILL')
    }, timeoutMs)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (announced) return
      const tail = stderrTail.join('\n')
      if (code === EXIT_SKIP) reject(new SkipError(opts.name, tail || 'server asked to be skipped'))
      else reject(new Error(`${opts.name}: exited before listening (code ${code}, signal ${signal})\n${tail}\n(log: ${logPath})`))
    })
  })

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        log.end()
        done()
        return
      }
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => {
        clearTimeout(killTimer)
        log.end()
        done()
      })
      child.kill('SIGTERM')
    })
    return stopped
  }

  return { name: opts.name, port, baseUrl: `http://127.0.0.1:${port}`, pid: child.pid!, child, stop }
}

/**
 * Starts the magic-link server of a part, or returns null (exit code 1, reason logged) when the
 * plugin's build cannot run it.
 */
export async function startMagicLinkOrSkip (name: string, redisUrl: string, log: (line: string) => void): Promise<ServerHandle | null> {
  try {
    return await startServer({ name, file: 'servers/magic-link.ts', env: { REDIS_URL: redisUrl } })
  } catch (err) {
    if (!(err instanceof SkipError)) throw err
    log(`magic-link cannot run: ${err.message}`)
    process.exitCode = 1
    return null
  }
}

/** Set by pinDriver(): the CPUs of later servers and of this driver. */
let pinned: { server: string, driver: string } | undefined

/**
 * CPU pinning for a benchmark part that calls pinDriver() (sessions.ts): where `taskset` exists,
 * the machine has 2+ CPUs and BENCH_PIN is not 0, every target server runs on the last CPU and
 * the driver (autocannon, this process) on CPU 0, so no measurement depends on where the
 * scheduler happened to put a process.
 */
function pinning (): { server: string, driver: string } | undefined {
  const raw = process.env.BENCH_PIN
  if (raw === '0' || raw === 'false') return undefined
  const cpus = availableParallelism()
  if (cpus < 2) return undefined
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  return { server: String(cpus - 1), driver: '0' }
}

/** Pins this process (every thread) to the driver CPU when pinning is on. */
export function pinDriver (): string {
  const pin = pinning()
  if (pin === undefined) return 'not pinned'
  execFileSync('taskset', ['-a', '-cp', pin.driver, String(process.pid)], { stdio: 'ignore' })
  pinned = pin
  return `pinned: servers on CPU ${pin.server}, driver on CPU ${pin.driver}`
}
