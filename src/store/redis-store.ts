import type { RedisClient, RedisClusterClient, RedisSubscriber } from './redis-client.js'
import {
  GROUP_LENGTH, groupOf, SPENT_REFRESH_KEPT,
  type RefreshOptions, type RefreshResult, type SignInMethod,
  type ClaimOptions, type ClaimResult, type CodeOptions, type CodeResult, type CreateFlowOptions,
  type CreateFlowResult, type FlowRecord, type FlowState, type InvalidReason, type MagicLinkStore,
  type NewFlow, type SessionRecord, type StoreEvent, type StoreListener, type TouchOptions,
  type VerifyOptions, type VerifyResult,
} from './types.js'
import { CLAIM_FLOW, CODE_FLOW, CREATE_FLOW, VERIFY_FLOW } from './lua/flows.js'
import { connectionCheck, durabilityOf, ReplicaBarrier, type OwnWaitConnection, type RedisDurability, type WaitConnection } from './replication.js'
import {
  CREATE_SESSION, HIT, LIST_SESSIONS, REFRESH_SESSION, REVOKE_SESSION, REVOKE_SESSIONS, TOUCH_SESSION,
} from './lua/sessions.js'

export interface RedisStoreOptions<Client extends RedisClient = RedisClient> {
  /** An ioredis `Redis` or `Cluster` the app owns. The store never closes it. */
  client: Client
  /** Key prefix. Default `'ml:'`. */
  prefix?: string
  /**
   * Connection for change notifications (pub/sub needs a connection of its own). Default: one
   * `client.duplicate()` per store (with `autoResubscribe: false`: the store subscribes again
   * itself at every reconnection), opened on the first subscription and closed by the store when
   * the last subscriber leaves (on `app.close()`). A standalone `Redis` passed here should have
   * `autoResubscribe: false` too (see the README, "Stores").
   */
  subscriber?: RedisSubscriber
  /**
   * Fail closed on replicated Redis (Sentinel, Cluster replicas, managed services), where
   * replication is asynchronous: after every write that burns a secret (a link, a code, a poll
   * secret, a refresh token) or revokes a session, the store waits (`WAIT`) until `replicas`
   * replicas have it, at most `timeout` ms. Fewer acknowledgements make that step fail, so the
   * route answers `503 FST_MAGIC_LINK_STORE_UNAVAILABLE` rather than promise something a
   * failover could undo. Keep `timeout` below the plugin's `storeTimeout`. Default: none (the
   * write is acknowledged by the primary alone).
   *
   * The waits run on one more connection of the store's own (opened and closed with the
   * notification connection), so a slow replica never holds up the app's connection; burns
   * that arrive while a `WAIT` is on its way share the next one.
   */
  durability?: RedisDurability
}

export type { RedisDurability }

type Reply = string | number | null | Reply[]
type ScriptFn = (...args: Array<string | number>) => Promise<Reply>

const SCRIPTS = {
  createFlow: [2, CREATE_FLOW],
  verifyFlow: [2, VERIFY_FLOW],
  claimFlow: [1, CLAIM_FLOW],
  codeFlow: [2, CODE_FLOW],
  createSession: [2, CREATE_SESSION],
  touchSession: [2, TOUCH_SESSION],
  listSessions: [1, LIST_SESSIONS],
  refreshSession: [2, REFRESH_SESSION],
  revokeSession: [2, REVOKE_SESSION],
  revokeSessions: [1, REVOKE_SESSIONS],
  hit: [1, HIT],
} as const

type ScriptName = keyof typeof SCRIPTS

/**
 * The production store: every transition is one Lua script (`defineCommand`, cached by SHA on the
 * server), one round trip, atomic, and writes its keys with their TTL. Keys of one flow or one
 * user's sessions share a hash tag, so it runs unchanged on Redis Cluster. Change notifications
 * (approvals, revocations) travel over pub/sub on `<prefix>events`.
 */
export class RedisStore<Client extends RedisClient = RedisClient> implements MagicLinkStore {
  /** The app's client, exposed so the plugin can share it (e.g. with @fastify/rate-limit). */
  readonly client: Client
  readonly prefix: string
  readonly channel: string
  readonly #scripts: Record<ScriptName, ScriptFn>
  readonly #subscriberOption: RedisSubscriber | undefined
  #subscriber: RedisSubscriber | null = null
  readonly #listeners = new Set<StoreListener>()
  /** Key names passed to scripts as arguments: ioredis applies a client's `keyPrefix` to KEYS only. */
  readonly #argPrefix: string
  /**
   * Subscribes again when a standalone subscriber (re)connects ('ready'). ioredis's own
   * auto-resubscribe sends that SUBSCRIBE without handling its rejection: a connection dropping
   * again before the reply lost the subscription for good (autoResendUnfulfilledCommands: false),
   * and closing during a reconnect raised an unhandled rejection. Here the rejection is caught and
   * the next 'ready' tries again.
   */
  #resubscribe: () => void = noop
  /** With `durability`: the replication waits. */
  readonly #barrier: ReplicaBarrier | null

  readonly #onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel) return
    const event = parseEvent(message)
    if (event === null) return
    for (const l of this.#listeners) l(event)
  }

  constructor (options: RedisStoreOptions<Client>) {
    if (options === null || typeof options !== 'object' || options.client === null || typeof options.client !== 'object' || typeof options.client.defineCommand !== 'function') {
      throw new TypeError('RedisStore: `client` must be an ioredis Redis or Cluster instance')
    }
    this.client = options.client
    this.prefix = options.prefix ?? 'ml:'
    this.channel = `${this.prefix}events`
    this.#subscriberOption = options.subscriber
    this.#argPrefix = (this.client.options.keyPrefix ?? '') + this.prefix
    const durability = durabilityOf(options.durability, this.client)
    this.#checkConnection = connectionCheck(this.client)
    this.#barrier = durability === null ? null : new ReplicaBarrier(durability, this.client as unknown as WaitConnection, this.#checkConnection)
    const scripts: Partial<Record<ScriptName, ScriptFn>> = {}
    const commands = this.client as unknown as Record<string, ScriptFn>
    for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS) as Array<[ScriptName, readonly [number, string]]>) {
      const command = `magicLink_${name}`
      this.client.defineCommand(command, { numberOfKeys, lua })
      scripts[name] = (...args) => {
        this.#checkConnection()
        return (commands[command] as ScriptFn).apply(this.client, args)
      }
    }
    this.#scripts = scripts as Record<ScriptName, ScriptFn>
  }

  /**
   * Fails at once while the connection is down instead of queueing: a queued command would run
   * after its request had already answered 503 (a flow or a rate-limit hit replayed minutes
   * later, a link burned for someone who got an error), and the offline queue would grow with
   * every request of an outage. See `connectionCheck`.
   */
  readonly #checkConnection: () => void

  /**
   * With `durability`: waits until enough replicas hold the burn or revocation just made in
   * `group` (its keys' hash tag). On a Cluster the wait's marker key shares that tag, so it
   * reaches the primary that owns the write.
   */
  async #replicated (group: string): Promise<void> {
    if (this.#barrier === null) return
    await this.#barrier.after(isClusterClient(this.client) ? `${this.prefix}w:{${group}}` : `${this.prefix}w`)
  }

  #flowKey (flowId: string): string {
    return `${this.prefix}f:{${groupOf(flowId)}}${flowId.slice(GROUP_LENGTH)}`
  }

  /** The address's mailbox: mail budget, live link, wrong-code budget. */
  #mailboxKey (id: string): string {
    return `${this.prefix}e:{${groupOf(id)}}`
  }

  #sessionKey (id: string): string {
    return `${this.prefix}s:{${groupOf(id)}}${id.slice(GROUP_LENGTH)}`
  }

  #userKey (group: string): string {
    return `${this.prefix}u:{${group}}`
  }

  async createFlow (flow: NewFlow, o: CreateFlowOptions): Promise<CreateFlowResult> {
    const group = groupOf(flow.id)
    const sent = await this.#scripts.createFlow(
      this.#flowKey(flow.id), this.#mailboxKey(flow.id),
      o.now, o.ttlMs, o.send ? '1' : '0', o.minGapMs, o.perHour, this.channel, flow.id, `${this.#argPrefix}f:{${group}}`,
      'id', flow.id, 'em', flow.email, 'lh', flow.linkHash, 'ph', flow.pollHash, 'mh', flow.matchHash,
      'oh', flow.otpHash ?? '', 'rt', flow.redirectTo, 'dv', flow.device, 'c', flow.createdAt,
      'x', flow.expiresAt, 'iv', flow.interval, 'in', flow.invite === true ? '1' : '0',
      ...(flow.change === undefined ? [] : ['cu', flow.change.userId, 'cs', flow.change.sessionId]),
    )
    return { sent: sent === 1 }
  }

  async getFlow (flowId: string): Promise<FlowRecord | null> {
    this.#checkConnection()
    const f = await this.client.hgetall(this.#flowKey(flowId))
    if (f.id === undefined) return null
    return {
      id: f.id,
      email: f.em as string,
      linkHash: f.lh as string,
      pollHash: f.ph as string,
      state: f.st as FlowState,
      redirectTo: f.rt as string,
      device: f.dv as string,
      createdAt: Number(f.c),
      expiresAt: Number(f.x),
      interval: Number(f.iv),
      attempts: Number(f.ca),
      usedAt: f.at === undefined ? null : Number(f.at),
      usedDevice: f.ud ?? null,
      sessionId: f.ss === undefined || f.ss === '' ? null : f.ss,
      invite: f.in === '1',
      ...(f.cu === undefined ? {} : { change: { userId: f.cu, sessionId: f.cs as string } }),
    }
  }

  async verifyFlow (flowId: string, o: VerifyOptions): Promise<VerifyResult> {
    const r = await this.#scripts.verifyFlow(
      this.#flowKey(flowId), this.#mailboxKey(flowId), o.now, o.linkHash, o.pollHash ?? '', o.matchHash ?? '', o.device,
      o.maxAttempts, o.sessionId, this.channel, flowId, o.maxAddressFailures ?? 0,
    ) as string[]
    // The link is spent (or the flow stopped): that must survive a failover.
    if (r[0] === 'signed_in' || r[0] === 'approved' || r[0] === 'denied') await this.#replicated(groupOf(flowId))
    switch (r[0]) {
      case 'signed_in': case 'approved':
        return { result: r[0], email: r[1] as string, redirectTo: r[2] as string, device: r[3] as string, ...changeOf(r[4], r[5]) }
      case 'code_required': case 'denied':
        return { result: r[0] }
      case 'wrong_code':
        return { result: 'wrong_code', attemptsLeft: Number(r[1]) }
      default:
        return { result: 'invalid', reason: r[1] as InvalidReason }
    }
  }

  async claimFlow (flowId: string, o: ClaimOptions): Promise<ClaimResult> {
    const r = await this.#scripts.claimFlow(
      this.#flowKey(flowId), o.now, o.pollHash, o.force ? '1' : '0', o.claimWindowMs, o.backoff, o.sessionId,
    ) as string[]
    if (r[0] === 'claimed') await this.#replicated(groupOf(flowId))
    switch (r[0]) {
      case 'pending': case 'slow_down':
        return { result: r[0], interval: Number(r[1]) }
      case 'claimed':
        return { result: 'claimed', email: r[1] as string, redirectTo: r[2] as string, device: r[3] as string, usedDevice: r[4] as string, ...changeOf(r[5], r[6]) }
      case 'completed':
        return { result: 'completed', redirectTo: r[1] as string }
      case 'denied':
        return { result: 'denied' }
      default:
        return { result: 'expired' }
    }
  }

  async codeFlow (flowId: string, o: CodeOptions): Promise<CodeResult> {
    const r = await this.#scripts.codeFlow(
      this.#flowKey(flowId), this.#mailboxKey(flowId), o.now, o.pollHash, o.otpHash, o.device, o.maxAttempts, o.sessionId,
      this.channel, flowId, o.maxAddressFailures ?? 0,
    ) as string[]
    if (r[0] === 'signed_in' || r[0] === 'denied') await this.#replicated(groupOf(flowId))
    switch (r[0]) {
      case 'signed_in':
        return { result: 'signed_in', email: r[1] as string, redirectTo: r[2] as string, device: r[3] as string, ...changeOf(r[4], r[5]) }
      case 'denied':
        return { result: 'denied' }
      case 'wrong_code':
        return { result: 'wrong_code', attemptsLeft: Number(r[1]) }
      default:
        return { result: 'invalid', reason: r[1] as InvalidReason }
    }
  }

  async publishFlow (flowId: string): Promise<void> {
    this.#checkConnection()
    await this.client.publish(this.channel, `f:${flowId}`)
  }

  async createSession (s: SessionRecord): Promise<void> {
    const ttl = Math.max(1, Math.min(s.idleExpiresAt, s.expiresAt) - s.createdAt)
    await this.#scripts.createSession(
      this.#sessionKey(s.id), this.#userKey(groupOf(s.id)), ttl, s.id,
      'uid', s.userId, 'em', s.email, 'c', s.createdAt, 'ls', s.lastSeenAt, 'ax', s.expiresAt,
      'ie', s.idleExpiresAt, 'd', JSON.stringify(s.data), 'dv', s.device,
      ...(s.refreshHash === undefined ? [] : ['rh', s.refreshHash]),
      ...(s.authTime === undefined ? [] : ['at', s.authTime]),
      ...(s.method === undefined ? [] : ['m', s.method]),
    )
  }

  async refreshSession (id: string, o: RefreshOptions): Promise<RefreshResult> {
    const r = await this.#scripts.refreshSession(
      this.#sessionKey(id), this.#userKey(groupOf(id)), o.now, o.idleTtlMs, id, o.presentedHash, o.nextHash, this.channel, SPENT_REFRESH_KEPT,
    ) as [string, string[]?]
    if (r[0] !== 'invalid') await this.#replicated(groupOf(id))
    if (r[0] === 'rotated') return { result: 'rotated', session: toSession(id, r[1] as string[]) }
    return { result: r[0] === 'reused' ? 'reused' : 'invalid' }
  }

  async touchSession (id: string, o: TouchOptions): Promise<SessionRecord | null> {
    const f = await this.#scripts.touchSession(this.#sessionKey(id), this.#userKey(groupOf(id)), o.now, o.idleTtlMs, id)
    return f === null ? null : toSession(id, f as string[])
  }

  async listSessions (group: string): Promise<SessionRecord[]> {
    const r = await this.#scripts.listSessions(this.#userKey(group), `${this.#argPrefix}s:{${group}}`) as Array<string | string[]>
    const out: SessionRecord[] = []
    for (let i = 0; i < r.length; i += 2) out.push(toSession(r[i] as string, r[i + 1] as string[]))
    return out
  }

  async revokeSession (id: string): Promise<boolean> {
    const done = await this.#scripts.revokeSession(this.#sessionKey(id), this.#userKey(groupOf(id)), id, this.channel) === 1
    if (done) await this.#replicated(groupOf(id))
    return done
  }

  async revokeSessions (group: string): Promise<string[]> {
    const ids = await this.#scripts.revokeSessions(this.#userKey(group), `${this.#argPrefix}s:{${group}}`, this.channel) as string[]
    if (ids.length > 0) await this.#replicated(group)
    return ids
  }

  async hit (key: string, windowMs: number): Promise<{ count: number, ttlMs: number }> {
    const [count, ttl] = await this.#scripts.hit(`${this.prefix}rl:${key}`, windowMs) as [number, number]
    return { count, ttlMs: ttl }
  }

  async subscribe (listener: StoreListener): Promise<() => Promise<void>> {
    this.#listeners.add(listener)
    if (this.#subscriber === null) await this.#openSubscriber()
    return async () => {
      this.#listeners.delete(listener)
      if (this.#listeners.size === 0) await this.#closeSubscriber()
    }
  }

  /**
   * Waits for the SUBSCRIBE to be acknowledged, at most one second: with Redis down at boot the
   * app still starts, and the subscriber joins (#resubscribe) when Redis is back.
   */
  async #openSubscriber (): Promise<void> {
    const sub = this.#subscriberOption ?? duplicate(this.client)
    this.#subscriber = sub
    this.#barrier?.open(duplicate(this.client) as unknown as OwnWaitConnection)
    // Connection errors surface as store timeouts on the command path; lost notifications are
    // bounded by the session's accessTtl and by plain polling.
    sub.on('error', noop)
    sub.on('message', this.#onMessage)
    await atMostOneSecond(sub.subscribe(this.channel))
    // From now on (not before: the first connection's 'ready' would send a second SUBSCRIBE).
    // A Cluster's subscriber resubscribes by itself and handles the rejections.
    if (!isCluster(sub)) {
      this.#resubscribe = () => { sub.subscribe(this.channel).catch(noop) }
      sub.on('ready', this.#resubscribe)
    }
  }

  async #closeSubscriber (): Promise<void> {
    const sub = this.#subscriber
    this.#subscriber = null
    if (sub === null) return
    this.#barrier?.close()
    sub.off('message', this.#onMessage)
    sub.off('ready', this.#resubscribe)
    sub.off('error', noop)
    if (sub === this.#subscriberOption) {
      // Bounded: with Redis down, the UNSUBSCRIBE would wait in the offline queue and hang close().
      await atMostOneSecond(sub.unsubscribe(this.channel))
      return
    }
    sub.disconnect()
  }
}

function noop (): void {}


async function atMostOneSecond (command: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([command.catch(noop), new Promise((resolve) => { timer = setTimeout(resolve, 1000) })])
  clearTimeout(timer)
}

function isCluster (client: RedisSubscriber): boolean {
  return 'isCluster' in client && Boolean(client.isCluster)
}

function isClusterClient (client: RedisClient): client is RedisClusterClient {
  return isCluster(client)
}

function duplicate (client: RedisClient): RedisSubscriber {
  return isClusterClient(client) ? client.duplicate() : client.duplicate({ autoResubscribe: false })
}

/** An address-change flow's owner from a script's reply (nil fields on a sign-in flow). */
function changeOf (userId: unknown, sessionId: unknown): { change?: { userId: string, sessionId: string } } {
  return typeof userId === 'string' && typeof sessionId === 'string' ? { change: { userId, sessionId } } : {}
}

function parseEvent (message: string): StoreEvent | null {
  if (message.startsWith('f:')) return { type: 'flow', flowId: message.slice(2) }
  if (message.startsWith('r:')) return { type: 'revoke', sessionIds: message.slice(2).split(',') }
  return null
}

function toSession (id: string, f: string[]): SessionRecord {
  let data: Record<string, unknown>
  try {
    data = JSON.parse(f[6] as string) as Record<string, unknown>
  } catch {
    data = {}
  }
  return {
    id,
    userId: f[0] as string,
    email: f[1] as string,
    createdAt: Number(f[2]),
    lastSeenAt: Number(f[3]),
    expiresAt: Number(f[4]),
    idleExpiresAt: Number(f[5]),
    data,
    device: f[7] as string,
    ...(typeof f[8] === 'string' ? { refreshHash: f[8] } : {}),
    ...(typeof f[9] === 'string' ? { authTime: Number(f[9]) } : {}),
    ...(typeof f[10] === 'string' ? { method: f[10] as SignInMethod } : {}),
  }
}
