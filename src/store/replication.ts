/** `RedisStore`'s `durability` option. */
export interface RedisDurability {
  /** Replicas that must hold a burn or a revocation before it counts (an integer, 1 or more). */
  replicas: number
  /** Longest wait for them, in ms (an integer, 1 or more; `WAIT` with 0 would wait forever). */
  timeout: number
}

/** A `WAIT` that came back short: the step fails closed (503). */
export class ReplicationError extends Error {
  readonly acknowledged: number
  constructor (acknowledged: number, durability: RedisDurability) {
    super(`Redis WAIT: ${acknowledged} of ${durability.replicas} replicas acknowledged within ${durability.timeout} ms`)
    this.name = 'ReplicationError'
    this.acknowledged = acknowledged
  }
}

interface WaitPipeline {
  set (key: string, value: string, unit: 'PX', ms: number): WaitPipeline
  wait (replicas: number, timeout: number): WaitPipeline
  exec (): Promise<Array<[Error | null, unknown]> | null>
}

/** What the barrier needs of a connection: ioredis `Redis` and `Cluster` fit. */
export interface WaitConnection {
  readonly status: string
  pipeline (): WaitPipeline
}

/** A connection the barrier opened itself (and closes). */
export interface OwnWaitConnection extends WaitConnection {
  on (event: 'error', listener: (error: Error) => void): unknown
  on (event: 'ready', listener: () => void): unknown
  disconnect (): void
}

/** Client states in which a command would wait in the offline queue for a lost connection. */
const DOWN = new Set(['reconnecting', 'close', 'end'])
/** States of a client on its way to a connection: its first one, or back after a loss. */
const CONNECTING = new Set(['connecting', 'connect'])

/**
 * A check that throws while `client`'s connection is down, instead of letting a command wait in
 * ioredis's offline queue, where it would run after its request had already answered 503 (a
 * link burned for someone who got an error). Down: `reconnecting`, `close`, `end`, and, once the
 * client has been ready, `connecting` and `connect` (a Sentinel client asking the sentinels for
 * the new primary, a ready check): only the very first connection may queue.
 */
export function connectionCheck (client: { readonly status: string, on (event: 'ready', listener: () => void): unknown }): () => void {
  let wasReady = client.status === 'ready'
  client.on('ready', () => { wasReady = true })
  return () => {
    const status = client.status
    if (DOWN.has(status) || (wasReady && CONNECTING.has(status))) throw new Error(`Redis connection is ${status}`)
  }
}

/** One `WAIT` on the way, and the burns that arrived since it was sent (they need the next one). */
interface Round { running: boolean, next: Array<{ resolve: () => void, reject: (error: unknown) => void }> }

/**
 * Waits until `replicas` replicas hold every write made before the call, on a connection of its
 * own: Redis serves nothing else from a connection blocked in `WAIT`, so the app's connection
 * (sign-in requests, polls, session refreshes) never waits behind a slow replica.
 *
 * `WAIT` counts the acknowledged replication offset of the connection it is sent on, so each
 * round first writes a marker key on that connection (`SET <marker> PX`): the marker comes after
 * the burn in the replication stream (the burn's reply was already in), and a replica holding
 * the marker holds the burn. On a Cluster the marker shares the burn's hash tag, so it lands on
 * the same primary. Rounds are group commits: burns that arrive while a `WAIT` is on its way
 * share the next one.
 */
export class ReplicaBarrier {
  readonly #d: RedisDurability
  /** The app's client: used when the store runs without its own connection open (no subscriber yet, or closed). */
  readonly #fallback: { connection: WaitConnection, check: () => void }
  #own: { connection: OwnWaitConnection, check: () => void } | null = null
  readonly #rounds = new Map<string, Round>()

  /** `fallback` is the app's client, `check` the store's connection check for it. */
  constructor (durability: RedisDurability, fallback: WaitConnection, check: () => void) {
    this.#d = durability
    this.#fallback = { connection: fallback, check }
  }

  open (connection: OwnWaitConnection): void {
    // Its failures surface as failed waits (503); nothing to log per reconnection attempt.
    connection.on('error', noop)
    this.#own = { connection, check: connectionCheck(connection) }
  }

  close (): void {
    this.#own?.connection.disconnect()
    this.#own = null
  }

  /** Resolves once `replicas` replicas hold what was written before this call; rejects otherwise. */
  async after (marker: string): Promise<void> {
    const round = this.#rounds.get(marker) ?? { running: false, next: [] }
    this.#rounds.set(marker, round)
    const joined = new Promise<void>((resolve, reject) => { round.next.push({ resolve, reject }) })
    if (!round.running) this.#run(marker, round)
    await joined
  }

  #run (marker: string, round: Round): void {
    const waiting = round.next
    round.next = []
    round.running = true
    this.#waitOnce(marker).then(() => {
      for (const w of waiting) w.resolve()
    }, (error: unknown) => {
      for (const w of waiting) w.reject(error)
    }).finally(() => {
      round.running = false
      if (round.next.length > 0) this.#run(marker, round)
      else this.#rounds.delete(marker)
    })
  }

  async #waitOnce (marker: string): Promise<void> {
    const { connection, check } = this.#own ?? this.#fallback
    check()
    const d = this.#d
    const replies = await connection.pipeline().set(marker, '1', 'PX', 60_000).wait(d.replicas, d.timeout).exec()
    // A server that refuses WAIT (renamed or blocked by a provider) fails the step the same way.
    const [error, acknowledged] = (replies as Array<[Error | null, unknown]>)[1] as [Error | null, unknown]
    if (error !== null) throw error
    if (typeof acknowledged !== 'number' || acknowledged < d.replicas) throw new ReplicationError(Number(acknowledged), d)
  }
}

/** The checked `durability` option, or null without one. */
export function durabilityOf (d: RedisDurability | undefined, client: object): RedisDurability | null {
  if (d === undefined) return null
  const whole = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 1
  if (d === null || typeof d !== 'object' || !whole(d.replicas) || !whole(d.timeout)) {
    throw new TypeError(`RedisStore: \`durability\` must be { replicas, timeout } with whole numbers of 1 or more, got ${JSON.stringify(d)}`)
  }
  if (typeof (client as { pipeline?: unknown }).pipeline !== 'function') {
    throw new TypeError('RedisStore: `durability` needs a client with `pipeline()` (an ioredis Redis or Cluster)')
  }
  return { replicas: d.replicas, timeout: d.timeout }
}

function noop (): void {}
