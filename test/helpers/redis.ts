import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis, Cluster, type RedisOptions, type ClusterOptions } from 'ioredis'
import { freePort, LOOPBACK } from './ports.js'

/** A private `redis-server` on a loopback port, no persistence, for one test file. */
export interface RedisServer {
  readonly host: string
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  /** The server's working directory (removed by `stop()`). */
  readonly dir: string
  /** A new ioredis client on this server; quit by `stop()`. */
  client (opts?: RedisOptions): Redis
  /** Quits the clients, stops the server, removes its directory. Idempotent. */
  stop (): Promise<void>
  /** SIGKILL the server (a crash, for fault tests); clients stay open and keep reconnecting. */
  kill (): Promise<void>
  /** Starts the server again on the same port (stopping it first if it runs); the data is gone. */
  restart (): Promise<void>
  /** SIGSTOP: the server hangs (a stalled replica or primary), its connections stay open. */
  pause (): void
  /** SIGCONT after `pause()`. */
  resume (): void
}

/** Three masters, no replicas, every slot assigned and `cluster_state:ok` on each node. */
export interface RedisCluster {
  readonly host: string
  readonly ports: readonly number[]
  /** A new ioredis Cluster client seeded with every node; quit by `stop()`. */
  cluster (opts?: ClusterOptions): Cluster
  /** Quits the clients, stops every node, removes their directories. Idempotent. */
  stop (): Promise<void>
}

const START_TIMEOUT_MS = 5000
const CLUSTER_TIMEOUT_MS = 20000
/** A cluster node also listens on its bus port, `port + 10000` unless `cluster-port` is set. */
const CLUSTER_BUS_OFFSET = 10000

// --- process bookkeeping ----------------------------------------------------------------------
//
// Every redis-server is killed by stop(), by the 'exit' hook (a test that forgot stop(), an
// uncaught error) and, when this process dies without running 'exit' hooks (tap's timeout
// signal, SIGKILL), by a watchdog: a detached `sh` that reads pids on a pipe from this process
// and, on EOF, SIGKILLs the ones still listed and removes the temp root.

const WATCHDOG_SCRIPT = `
pids=' '
while read -r op arg; do
  case "$op" in
    add) pids="$pids$arg " ;;
    del) next=' '; for p in $pids; do [ "$p" = "$arg" ] || next="$next$p "; done; pids=$next ;;
    quit) exit 0 ;;
  esac
done
for p in $pids; do kill -9 "$p" 2>/dev/null; done
[ -n "$1" ] && rm -rf -- "$1"
`

const live = new Set<ChildProcess>()
let owners = 0
let root: string | null = null
let watchdog: ChildProcess | null = null
let exitHookInstalled = false

function tellWatchdog (line: string): void {
  watchdog?.stdin?.write(`${line}\n`)
}

function acquire (): string {
  owners++
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.on('exit', () => {
      watchdog?.kill('SIGKILL')
      for (const child of live) child.kill('SIGKILL')
      if (root !== null) rmSync(root, { recursive: true, force: true })
    })
  }
  if (root === null) root = mkdtempSync(join(tmpdir(), 'fml-redis-'))
  if (watchdog === null) {
    const dog = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'fml-redis-watchdog', root], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true
    })
    dog.on('error', () => {})
    dog.stdin?.on('error', () => {})
    if (dog.stdin instanceof net.Socket) dog.stdin.unref()
    dog.unref()
    watchdog = dog
  }
  return mkdtempSync(join(root, 'node-'))
}

function release (dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  owners--
  if (owners > 0) return
  tellWatchdog('quit')
  watchdog?.stdin?.end()
  watchdog = null
  if (root !== null) rmSync(root, { recursive: true, force: true })
  root = null
}

function hasExited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

function exited (child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Whether `promise` settles within `ms`; the timer is cleared either way so it holds no exit. */
async function settlesWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(resolve, ms, false) })
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function terminate (child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (hasExited(child)) return
  child.kill(signal)
  if (!(await settlesWithin(exited(child), 3000))) {
    child.kill('SIGKILL')
    await exited(child)
  }
}

function findBinary (name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return null
}

// --- a minimal RESP2 call (arrays too, for SENTINEL replies): readiness polling needs no client
// and leaves no reconnect loop ----------------------------------------------------------------

export type Resp = string | number | null | Resp[]

interface Parsed { value: Resp | Error, next: number }

function parseAt (buf: Buffer, pos: number): Parsed | undefined {
  const eol = buf.indexOf('\r\n', pos)
  if (eol === -1) return undefined
  const type = String.fromCharCode(buf[pos] ?? 0)
  const line = buf.toString('utf8', pos + 1, eol)
  const after = eol + 2
  switch (type) {
    case '+': return { value: line, next: after }
    case '-': return { value: new Error(line), next: after }
    case ':': return { value: Number(line), next: after }
    case '$': {
      const length = Number.parseInt(line, 10)
      if (length < 0) return { value: null, next: after }
      if (buf.length < after + length + 2) return undefined
      return { value: buf.toString('utf8', after, after + length), next: after + length + 2 }
    }
    case '*': {
      const count = Number.parseInt(line, 10)
      if (count < 0) return { value: null, next: after }
      const items: Resp[] = []
      let next = after
      for (let i = 0; i < count; i++) {
        const item = parseAt(buf, next)
        if (item === undefined) return undefined
        items.push(item.value instanceof Error ? item.value.message : item.value)
        next = item.next
      }
      return { value: items, next }
    }
    default: return { value: new Error(`unexpected RESP type ${JSON.stringify(type)}`), next: after }
  }
}

/** One command on a fresh connection; an error reply rejects. */
export function respCall (port: number, args: readonly string[], timeoutMs = 500): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port })
    let buf = Buffer.alloc(0)
    let settled = false
    const finish = (err: Error | null, value: Resp = null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (err !== null) reject(err)
      else resolve(value)
    }
    const timer = setTimeout(() => finish(new Error(`no reply from ${port} within ${timeoutMs} ms`)), timeoutMs)
    socket.on('error', (err) => finish(err))
    socket.on('close', () => finish(new Error('connection closed before a reply')))
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''))
    })
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      const reply = parseAt(buf, 0)
      if (reply === undefined) return
      if (reply.value instanceof Error) finish(reply.value)
      else finish(null, reply.value)
    })
  })
}

/** `respCall` for commands that answer a string (PING, INFO, CLUSTER INFO/NODES); nil is ''. */
async function rawCommand (port: number, args: readonly string[], timeoutMs = 500): Promise<string> {
  return String(await respCall(port, args, timeoutMs) ?? '')
}

// --- one redis-server process -----------------------------------------------------------------

class PortInUseError extends Error {}

function logTail (dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').trim().split('\n').slice(-8).join('\n')
  } catch {
    return '(no log written)'
  }
}

/** Spawns redis-server and resolves once it answers PING; rejects (and kills it) otherwise. */
async function launch (bin: string, port: number, dir: string, extraArgs: readonly string[]): Promise<ChildProcess> {
  const args = [
    '--port', String(port),
    '--bind', LOOPBACK,
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--logfile', join(dir, 'redis.log'),
    ...extraArgs
  ]
  rmSync(join(dir, 'redis.log'), { force: true })
  const { child, error } = spawnTracked(bin, args, dir)

  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    const failed = error()
    if (failed !== null || hasExited(child)) {
      const log = logTail(dir)
      if (log.includes('Address already in use')) throw new PortInUseError(log)
      throw new Error(`redis-server on ${LOOPBACK}:${port} exited while starting (code ${String(child.exitCode)}${failed === null ? '' : `, ${failed.message}`}):\n${log}`)
    }
    try {
      if (await rawCommand(port, ['PING'], 250) === 'PONG') return child
    } catch {}
    await sleep(25)
  }
  await terminate(child, 'SIGKILL')
  throw new Error(`redis-server on ${LOOPBACK}:${port} did not answer PING within ${START_TIMEOUT_MS} ms:\n${logTail(dir)}`)
}

/** Picks a free port and launches; a port taken between the check and the bind is retried. */
async function launchOnFreePort (bin: string, dir: string, extraArgs: readonly string[], offsets: readonly number[]): Promise<{ port: number, child: ChildProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort({ offsets })
    try {
      return { port, child: await launch(bin, port, dir, extraArgs) }
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt >= 5) throw err
    }
  }
}

type AnyClient = Redis | Cluster

async function closeClient (client: AnyClient): Promise<void> {
  if (client.status === 'end') return
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()))
  if (client.status === 'ready') {
    await settlesWithin(client.quit(), 1000)
    // Calling disconnect() too would make a Cluster go 'end' -> 'close' again.
    if (await settlesWithin(ended, 1000)) return
  }
  // A standalone client waiting between reconnect attempts has no socket: disconnect() cancels
  // the attempt but never emits 'end', so there is nothing to wait for.
  const expectEnd = client.status !== 'reconnecting'
  client.disconnect()
  if (expectEnd) await settlesWithin(ended, 1000)
}

function track<T extends AnyClient> (clients: Set<AnyClient>, client: T): T {
  clients.add(client)
  client.once('end', () => clients.delete(client))
  // Fault tests kill the server under the client on purpose; without a listener ioredis prints
  // every refused reconnect. Command promises still reject, and tests may add their own listener.
  client.on('error', () => {})
  return client
}

function requireRedisServer (): string {
  const bin = findBinary('redis-server')
  if (bin === null) {
    throw new Error('redis-server is not on PATH: install it (apt-get install redis-server) or run .ci/run')
  }
  return bin
}

export async function startRedis (opts: { args?: string[] } = {}): Promise<RedisServer> {
  const bin = requireRedisServer()
  const extraArgs = opts.args ?? []
  const dir = acquire()
  let started: { port: number, child: ChildProcess }
  try {
    started = await launchOnFreePort(bin, dir, extraArgs, [])
  } catch (err) {
    release(dir)
    throw err
  }
  const { port } = started
  let child: ChildProcess | null = started.child
  let stopped = false
  const clients = new Set<AnyClient>()

  const relaunch = async (): Promise<void> => {
    // The port was ours a moment ago; give the kernel a few tries to hand it back.
    for (let attempt = 1; ; attempt++) {
      try {
        child = await launch(bin, port, dir, extraArgs)
        return
      } catch (err) {
        if (!(err instanceof PortInUseError) || attempt >= 20) throw err
        await sleep(100)
      }
    }
  }

  return {
    host: LOOPBACK,
    port,
    url: `redis://${LOOPBACK}:${port}`,
    dir,
    client (clientOpts: RedisOptions = {}): Redis {
      if (stopped) throw new Error('redis server already stopped')
      return track(clients, new Redis({ ...clientOpts, host: LOOPBACK, port }))
    },
    async stop (): Promise<void> {
      if (stopped) return
      stopped = true
      // A paused server would not act on SIGTERM, nor answer its clients' QUIT.
      child?.kill('SIGCONT')
      await Promise.all([...clients].map(closeClient))
      if (child !== null) await terminate(child, 'SIGTERM')
      child = null
      release(dir)
    },
    async kill (): Promise<void> {
      if (child !== null) await terminate(child, 'SIGKILL')
      child = null
    },
    pause (): void {
      child?.kill('SIGSTOP')
    },
    resume (): void {
      child?.kill('SIGCONT')
    },
    async restart (): Promise<void> {
      if (stopped) throw new Error('redis server already stopped')
      if (child !== null) await terminate(child, 'SIGTERM')
      child = null
      await relaunch()
    }
  }
}

function execFileText (file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/** Fresh cluster-enabled nodes, joined into one cluster; `stop()` quits the clients and stops them. */
export interface ClusterNodes {
  readonly procs: ReadonlyArray<{ port: number, child: ChildProcess, dir: string }>
  readonly ports: number[]
  /** Clients to quit at `stop()` (add them with `track`). */
  readonly clients: Set<AnyClient>
  stop (): Promise<void>
  stopped (): boolean
}

/**
 * Starts `count` cluster-enabled redis-servers on free ports and runs `redis-cli --cluster
 * create` with `replicas` replicas per master. The caller waits for the state it needs.
 */
export async function createClusterNodes (bin: string, cli: string, count: number, replicas: number): Promise<ClusterNodes> {
  const procs: Array<{ port: number, child: ChildProcess, dir: string }> = []
  const clients = new Set<AnyClient>()
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    // A paused node would not answer QUIT nor act on SIGTERM.
    for (const p of procs) p.child.kill('SIGCONT')
    await Promise.all([...clients].map(closeClient))
    await Promise.all(procs.map((p) => terminate(p.child, 'SIGTERM')))
    for (const p of procs) release(p.dir)
  }
  try {
    for (let i = 0; i < count; i++) {
      const dir = acquire()
      try {
        const args = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '5000']
        procs.push({ ...(await launchOnFreePort(bin, dir, args, [CLUSTER_BUS_OFFSET])), dir })
      } catch (err) {
        release(dir)
        throw err
      }
    }
    const ports = procs.map((p) => p.port)
    await execFileText(cli, [
      '--cluster', 'create', ...ports.map((port) => `${LOOPBACK}:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes',
    ], CLUSTER_TIMEOUT_MS)
    return { procs, ports, clients, stop, stopped: () => stopped }
  } catch (err) {
    await stop()
    throw err
  }
}

export async function startCluster (): Promise<RedisCluster | { skip: string }> {
  const bin = findBinary('redis-server')
  const cli = findBinary('redis-cli')
  if (bin === null) return { skip: 'redis-server is not on PATH (apt-get install redis-server)' }
  if (cli === null) return { skip: 'redis-cli is not on PATH (apt-get install redis-tools)' }

  const { ports, clients, stop, stopped } = await createClusterNodes(bin, cli, 3, 0)
  try {
    const deadline = Date.now() + CLUSTER_TIMEOUT_MS
    let pending = ports
    while (pending.length > 0) {
      const states = await Promise.all(pending.map((port) => rawCommand(port, ['CLUSTER', 'INFO']).catch(() => '')))
      pending = pending.filter((_, i) => !(states[i] ?? '').includes('cluster_state:ok'))
      if (pending.length === 0) break
      if (Date.now() > deadline) {
        throw new Error(`redis cluster not ok within ${CLUSTER_TIMEOUT_MS} ms on ports ${pending.join(', ')}`)
      }
      await sleep(50)
    }

    return {
      host: LOOPBACK,
      ports,
      cluster (clusterOpts: ClusterOptions = {}): Cluster {
        if (stopped()) throw new Error('redis cluster already stopped')
        return track(clients, new Cluster(ports.map((port) => ({ host: LOOPBACK, port })), clusterOpts))
      },
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Every key matching `pattern` (SCAN, sorted). */
export async function scanKeys (client: Redis, pattern = '*'): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys.sort()
}

// --- shared with test/helpers/replication.ts (Sentinel groups, clusters with replicas) ---------

/**
 * Spawns `bin args` in `cwd` under the same bookkeeping as every redis-server here: killed by
 * the 'exit' hook and, if this process dies without running it, by the watchdog. The caller
 * owns a directory from `acquire()` and stops the child with `terminate()`.
 */
export function spawnTracked (bin: string, args: readonly string[], cwd: string): { child: ChildProcess, error: () => Error | null } {
  const child = spawn(bin, args, { cwd, stdio: 'ignore' })
  let error: Error | null = null
  child.on('error', (err) => { error = err })
  live.add(child)
  if (child.pid !== undefined) tellWatchdog(`add ${child.pid}`)
  child.once('exit', () => {
    live.delete(child)
    if (child.pid !== undefined) tellWatchdog(`del ${child.pid}`)
  })
  child.unref()
  return { child, error: () => error }
}

export {
  acquire, release, terminate, hasExited, rawCommand, findBinary, logTail, track, closeClient,
  execFileText, launchOnFreePort, PortInUseError, START_TIMEOUT_MS, CLUSTER_BUS_OFFSET, type AnyClient,
}
