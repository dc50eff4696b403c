// Replicated Redis for failover tests: a Sentinel group (a primary, its replicas and three
// sentinels) and a Redis Cluster of three masters with one replica each. Every process runs on a
// loopback port under the bookkeeping of ./redis.ts (stop(), the 'exit' hook, the watchdog).
import type { ChildProcess } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis, Cluster, type RedisOptions, type ClusterOptions } from 'ioredis'
import { freePort, LOOPBACK } from './ports.js'
import {
  acquire, release, terminate, hasExited, rawCommand, findBinary, logTail, track, closeClient,
  createClusterNodes, spawnTracked, startRedis, START_TIMEOUT_MS,
  type AnyClient, type RedisServer,
  respCall, type Resp,
} from './redis.js'

export const MASTER_NAME = 'mymaster'
const GROUP_TIMEOUT_MS = 20000
const CLUSTER_TIMEOUT_MS = 30000

/** `[k1, v1, k2, v2, …]` (a SENTINEL reply entry) as an object. */
function pairs (entry: Resp): Record<string, string> {
  const out: Record<string, string> = {}
  if (!Array.isArray(entry)) return out
  for (let i = 0; i + 1 < entry.length; i += 2) out[String(entry[i])] = String(entry[i + 1])
  return out
}

/** `INFO replication` fields of the server on `port`, and its replicas (`slaveN:` lines). */
export async function replicationInfo (port: number, timeoutMs = 500): Promise<{ fields: Record<string, string>, replicas: Array<Record<string, string>> }> {
  const text = String(await rawCommand(port, ['INFO', 'replication'], timeoutMs))
  const fields: Record<string, string> = {}
  const replicas: Array<Record<string, string>> = []
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon === -1) continue
    const key = line.slice(0, colon)
    const value = line.slice(colon + 1)
    fields[key] = value
    if (/^slave\d+$/.test(key)) {
      const replica: Record<string, string> = {}
      for (const kv of value.split(',')) {
        const eq = kv.indexOf('=')
        if (eq !== -1) replica[kv.slice(0, eq)] = kv.slice(eq + 1)
      }
      replicas.push(replica)
    }
  }
  return { fields, replicas }
}

/**
 * Waits until the server on `port` is a primary with at least `n` replicas online; with
 * `caughtUp`, until they also acknowledged its whole replication stream (no write meanwhile).
 * Returns the milliseconds waited.
 */
export async function replicasOnline (port: number, n: number, opts: { caughtUp?: boolean, timeoutMs?: number } = {}): Promise<number> {
  const started = Date.now()
  const deadline = started + (opts.timeoutMs ?? GROUP_TIMEOUT_MS)
  let last = ''
  for (;;) {
    try {
      const { fields, replicas } = await replicationInfo(port)
      const online = replicas.filter((r) => r.state === 'online' &&
        (opts.caughtUp !== true || r.offset === fields.master_repl_offset))
      last = `role ${fields.role ?? '?'}, offset ${fields.master_repl_offset ?? '?'}, replicas ${JSON.stringify(replicas)}`
      if (fields.role === 'master' && online.length >= n) return Date.now() - started
    } catch (err) {
      last = (err as Error).message
    }
    if (Date.now() > deadline) throw new Error(`${LOOPBACK}:${port}: fewer than ${n} replicas online${opts.caughtUp === true ? ' and caught up' : ''} within ${opts.timeoutMs ?? GROUP_TIMEOUT_MS} ms (${last})`)
    await sleep(50)
  }
}

// --- Sentinel -------------------------------------------------------------------------------------

export interface Endpoint { host: string, port: number }

/** A primary, its replicas (every one a `RedisServer` of ./redis.ts) and three sentinels. */
export interface SentinelGroup {
  readonly name: string
  /** The primary at start (a failover test kills it). */
  readonly primary: RedisServer
  readonly replicas: readonly RedisServer[]
  readonly sentinels: readonly Endpoint[]
  /** The data node listening on `port`. */
  server (port: number): RedisServer | undefined
  /**
   * A new ioredis client through the sentinels (`{ sentinels, name }`, then `opts`); quit by
   * `stop()`.
   */
  client (opts?: RedisOptions): Redis
  /** The primary's port as each sentinel reports it (`null` when a sentinel does not answer). */
  views (): Promise<Array<number | null>>
  /** Waits until every sentinel names the same primary, other than `not`; returns its port. */
  agreed (opts?: { not?: number, timeoutMs?: number }): Promise<number>
  /** Quits the clients, stops the sentinels, then the data nodes. Idempotent. */
  stop (): Promise<void>
}

interface Sentinel extends Endpoint { child: ChildProcess, dir: string }

function sentinelConf (port: number, dir: string, primaryPort: number): string {
  return [
    `port ${port}`,
    `bind ${LOOPBACK}`,
    `dir ${dir}`,
    `logfile ${join(dir, 'redis.log')}`,
    'sentinel resolve-hostnames no',
    `sentinel monitor ${MASTER_NAME} ${LOOPBACK} ${primaryPort} 2`,
    `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
    `sentinel failover-timeout ${MASTER_NAME} 10000`,
    `sentinel parallel-syncs ${MASTER_NAME} 2`,
    '',
  ].join('\n')
}

/**
 * `redis-server <conf> --sentinel` on a free port, with its own writable config file (Sentinel
 * rewrites it); resolves once it answers PING. A port taken meanwhile is retried.
 */
async function launchSentinel (bin: string, dir: string, primaryPort: number): Promise<Sentinel> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const conf = join(dir, 'sentinel.conf')
    writeFileSync(conf, sentinelConf(port, dir, primaryPort))
    rmSync(join(dir, 'redis.log'), { force: true })
    const { child, error } = spawnTracked(bin, [conf, '--sentinel'], dir)
    const deadline = Date.now() + START_TIMEOUT_MS
    let failure: string | null = null
    while (Date.now() < deadline) {
      const spawnError = error()
      if (spawnError !== null || hasExited(child)) {
        failure = `sentinel on ${LOOPBACK}:${port} exited while starting (code ${String(child.exitCode)}${spawnError === null ? '' : `, ${spawnError.message}`}):\n${logTail(dir)}`
        break
      }
      try {
        if (await rawCommand(port, ['PING'], 250) === 'PONG') return { host: LOOPBACK, port, child, dir }
      } catch {}
      await sleep(25)
    }
    await terminate(child, 'SIGKILL')
    failure ??= `sentinel on ${LOOPBACK}:${port} did not answer PING within ${START_TIMEOUT_MS} ms:\n${logTail(dir)}`
    if (!failure.includes('Address already in use') || attempt >= 5) throw new Error(failure)
  }
}

/** Why a Sentinel group cannot start here, or null. */
export function sentinelSkipReason (): string | null {
  return findBinary('redis-server') === null ? 'redis-server is not on PATH (apt-get install redis-server)' : null
}

async function sentinelView (port: number): Promise<number | null> {
  try {
    const reply = await respCall(port, ['SENTINEL', 'get-master-addr-by-name', MASTER_NAME])
    return Array.isArray(reply) ? Number(reply[1]) : null
  } catch {
    return null
  }
}

/**
 * Starts a primary, `replicas` replicas (`--replicaof`) and three sentinels (quorum 2,
 * down-after 1 s), and waits until every sentinel names the primary, lists every replica as a
 * healthy `slave`, and `SENTINEL ckquorum` counts three usable sentinels.
 */
export async function startSentinelGroup (opts: { replicas?: number } = {}): Promise<SentinelGroup> {
  const bin = findBinary('redis-server')
  if (bin === null) throw new Error(sentinelSkipReason() ?? 'redis-server is not on PATH')
  const count = opts.replicas ?? 2
  const servers: RedisServer[] = []
  const sentinels: Sentinel[] = []
  const clients = new Set<AnyClient>()
  let stopped = false

  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await Promise.all([...clients].map(closeClient))
    // Sentinels first, so none starts a failover while the data nodes go down.
    await Promise.all(sentinels.map((s) => terminate(s.child, 'SIGTERM')))
    for (const s of sentinels) release(s.dir)
    for (const server of [...servers].reverse()) await server.stop()
  }

  try {
    const primary = await startRedis()
    servers.push(primary)
    for (let i = 0; i < count; i++) {
      servers.push(await startRedis({ args: ['--replicaof', LOOPBACK, String(primary.port)] }))
    }
    // Online before the sentinels come: their first INFO on the primary lists the replicas.
    await replicasOnline(primary.port, count)
    for (let i = 0; i < 3; i++) {
      const dir = acquire()
      try {
        sentinels.push(await launchSentinel(bin, dir, primary.port))
      } catch (err) {
        release(dir)
        throw err
      }
    }
    const replicaPorts = servers.slice(1).map((s) => String(s.port)).sort()
    const deadline = Date.now() + GROUP_TIMEOUT_MS
    let last = ''
    for (;;) {
      const states = await Promise.all(sentinels.map(async (s) => {
        try {
          const addr = await respCall(s.port, ['SENTINEL', 'get-master-addr-by-name', MASTER_NAME])
          const replicas = (await respCall(s.port, ['SENTINEL', 'replicas', MASTER_NAME]) as Resp[]).map(pairs)
          const healthy = replicas.filter((r) => r.flags === 'slave' && r['master-link-status'] === 'ok').map((r) => r.port as string).sort()
          let quorum = ''
          try { quorum = String(await respCall(s.port, ['SENTINEL', 'ckquorum', MASTER_NAME])) } catch (err) { quorum = (err as Error).message }
          const ok = Array.isArray(addr) && Number(addr[1]) === primary.port &&
            healthy.join(',') === replicaPorts.join(',') && quorum.startsWith('OK 3 usable')
          return { ok, state: `${s.port}: primary ${JSON.stringify(addr)}, healthy replicas ${healthy.join(',')}, ${quorum}` }
        } catch (err) {
          return { ok: false, state: `${s.port}: ${(err as Error).message}` }
        }
      }))
      last = states.map((s) => s.state).join('; ')
      if (states.every((s) => s.ok)) break
      if (Date.now() > deadline) throw new Error(`sentinel group not ready within ${GROUP_TIMEOUT_MS} ms: ${last}`)
      await sleep(100)
    }

    const endpoints = sentinels.map((s) => ({ host: s.host, port: s.port }))
    const views = (): Promise<Array<number | null>> => Promise.all(sentinels.map((s) => sentinelView(s.port)))
    return {
      name: MASTER_NAME,
      primary,
      replicas: servers.slice(1),
      sentinels: endpoints,
      server: (port) => servers.find((s) => s.port === port),
      client (clientOpts: RedisOptions = {}): Redis {
        if (stopped) throw new Error('sentinel group already stopped')
        return track(clients, new Redis({ sentinels: endpoints, name: MASTER_NAME, ...clientOpts }))
      },
      views,
      async agreed ({ not, timeoutMs = GROUP_TIMEOUT_MS } = {}): Promise<number> {
        const until = Date.now() + timeoutMs
        for (;;) {
          const seen = await views()
          const first = seen[0]
          if (typeof first === 'number' && first !== not && seen.every((p) => p === first)) return first
          if (Date.now() > until) throw new Error(`sentinels do not agree on a primary${not === undefined ? '' : ` other than ${not}`} within ${timeoutMs} ms: ${JSON.stringify(seen)}`)
          await sleep(50)
        }
      },
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

// --- Redis Cluster with replicas -------------------------------------------------------------------

/** A node of `CLUSTER NODES`. */
export interface ClusterNodeInfo {
  id: string
  port: number
  role: 'master' | 'replica'
  /** The master's port for a replica. */
  masterPort: number | null
  /** Slot ranges `[first, last]` of a master. */
  slots: Array<[number, number]>
  /** `fail`, `fail?`, `handshake`… from the flags, when any. */
  flags: string[]
}

/** Six nodes: three masters with one replica each, every slot assigned. */
export interface ReplicatedCluster {
  readonly host: string
  readonly ports: readonly number[]
  /** Masters and replicas as every node agreed on them at start. */
  readonly nodes: readonly ClusterNodeInfo[]
  /** `CLUSTER NODES` of the node on `port` (default: the first node), parsed. */
  topology (port?: number): Promise<ClusterNodeInfo[]>
  /** The master that owns `slot` (from `nodes`). */
  masterOf (slot: number): ClusterNodeInfo
  /** The replica of the master on `masterPort` (from `nodes`). */
  replicaOf (masterPort: number): ClusterNodeInfo
  /** `CLUSTER KEYSLOT key`. */
  keySlot (key: string): Promise<number>
  /** SIGSTOP the node on `port`: it hangs, its connections stay open. */
  pause (port: number): void
  /** SIGCONT after `pause()`. */
  resume (port: number): void
  /** A new ioredis Cluster client seeded with every node; quit by `stop()`. */
  cluster (opts?: ClusterOptions): Cluster
  /** Quits the clients, stops every node, removes their directories. Idempotent. */
  stop (): Promise<void>
}

export function parseClusterNodes (text: string): ClusterNodeInfo[] {
  const rows = text.trim().split('\n').filter((l) => l.trim() !== '').map((line) => line.trim().split(' '))
  const portOf = new Map<string, number>()
  for (const r of rows) portOf.set(r[0] as string, Number((r[1] as string).split('@')[0]?.split(':')[1]))
  return rows.map((r) => {
    const flags = (r[2] as string).split(',')
    const master = r[3] as string
    const slots: Array<[number, number]> = []
    for (const s of r.slice(8)) {
      if (s.startsWith('[')) continue
      const [a, b] = s.split('-')
      slots.push([Number(a), Number(b ?? a)])
    }
    return {
      id: r[0] as string,
      port: portOf.get(r[0] as string) as number,
      role: flags.includes('master') ? 'master' : 'replica',
      masterPort: master === '-' ? null : (portOf.get(master) ?? null),
      slots,
      flags: flags.filter((f) => f !== 'myself' && f !== 'master' && f !== 'slave'),
    }
  })
}

async function topologyOf (port: number): Promise<ClusterNodeInfo[]> {
  return parseClusterNodes(String(await rawCommand(port, ['CLUSTER', 'NODES'], 1000)))
}

/** Why a cluster cannot start here, or null. */
export function clusterSkipReason (): string | null {
  if (findBinary('redis-server') === null) return 'redis-server is not on PATH (apt-get install redis-server)'
  if (findBinary('redis-cli') === null) return 'redis-cli is not on PATH (apt-get install redis-tools)'
  return null
}

/**
 * `redis-cli --cluster create … --cluster-replicas 1` on six fresh nodes; waits until every node
 * says `cluster_state:ok` and lists three masters (all slots) and three replicas, and every
 * master has its replica online.
 */
export async function startClusterWithReplicas (): Promise<ReplicatedCluster | { skip: string }> {
  const skip = clusterSkipReason()
  if (skip !== null) return { skip }
  const bin = findBinary('redis-server') as string
  const cli = findBinary('redis-cli') as string

  const { procs, ports, clients, stop, stopped } = await createClusterNodes(bin, cli, 6, 1)
  try {
    const deadline = Date.now() + CLUSTER_TIMEOUT_MS
    let nodes: ClusterNodeInfo[] = []
    let last = ''
    for (;;) {
      try {
        const states = await Promise.all(ports.map((port) => rawCommand(port, ['CLUSTER', 'INFO'], 1000).catch(() => '')))
        const views = await Promise.all(ports.map((port) => topologyOf(port).catch(() => [] as ClusterNodeInfo[])))
        const notOk = ports.filter((_, i) => !String(states[i]).includes('cluster_state:ok'))
        const complete = views.every((v) => {
          const masters = v.filter((n) => n.role === 'master' && n.slots.length > 0)
          const replicas = v.filter((n) => n.role === 'replica' && n.masterPort !== null)
          const covered = masters.reduce((sum, m) => sum + m.slots.reduce((s, [a, b]) => s + b - a + 1, 0), 0)
          return masters.length === 3 && replicas.length === 3 && covered === 16384 &&
            new Set(replicas.map((r) => r.masterPort)).size === 3 && v.every((n) => n.flags.length === 0)
        })
        nodes = views[0] ?? []
        let online = false
        if (notOk.length === 0 && complete) {
          const masters = nodes.filter((n) => n.role === 'master')
          const infos = await Promise.all(masters.map((m) => replicationInfo(m.port, 1000)))
          online = infos.every((info) => info.replicas.length === 1 && info.replicas[0]?.state === 'online')
        }
        last = `not ok: ${notOk.join(',') || 'none'}, topology complete everywhere: ${String(complete)}, replicas online: ${String(online)}`
        if (online) break
      } catch (err) {
        last = (err as Error).message
      }
      if (Date.now() > deadline) throw new Error(`redis cluster with replicas not ready within ${CLUSTER_TIMEOUT_MS} ms: ${last}`)
      await sleep(100)
    }

    const child = (port: number): ChildProcess => {
      const p = procs.find((x) => x.port === port)
      if (p === undefined) throw new Error(`no cluster node on port ${port}`)
      return p.child
    }
    const first = ports[0] as number
    return {
      host: LOOPBACK,
      ports,
      nodes,
      topology: (port = first) => topologyOf(port),
      masterOf (slot: number): ClusterNodeInfo {
        const m = nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b))
        if (m === undefined) throw new Error(`no master owns slot ${slot}`)
        return m
      },
      replicaOf (masterPort: number): ClusterNodeInfo {
        const r = nodes.find((n) => n.role === 'replica' && n.masterPort === masterPort)
        if (r === undefined) throw new Error(`no replica of ${masterPort}`)
        return r
      },
      async keySlot (key: string): Promise<number> {
        return Number(await respCall(first, ['CLUSTER', 'KEYSLOT', key]))
      },
      pause: (port) => { child(port).kill('SIGSTOP') },
      resume: (port) => { child(port).kill('SIGCONT') },
      cluster (clusterOpts: ClusterOptions = {}): Cluster {
        if (stopped()) throw new Error('redis cluster already stopped')
        return track(clients, new Cluster(ports.map((port) => ({ host: LOOPBACK, port })), clusterOpts))
      },
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Runs a request; its status, its error code (JSON bodies) and how long it took in ms. */
export async function timed (run: () => Promise<{ statusCode: number, body: string }>): Promise<{ status: number, code: string | undefined, ms: number }> {
  const started = performance.now()
  const res = await run()
  let code: string | undefined
  try { code = (JSON.parse(res.body) as { code?: string }).code } catch { code = undefined }
  return { status: res.statusCode, code, ms: Math.round(performance.now() - started) }
}
