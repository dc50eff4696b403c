import { EventEmitter } from 'node:events'
import {
  groupOf, SPENT_REFRESH_KEPT,
  type RefreshOptions, type RefreshResult, type FlowOutcomeBase,
  type ClaimOptions, type ClaimResult, type CodeOptions, type CodeResult, type CreateFlowOptions,
  type CreateFlowResult, type FlowRecord, type FlowState, type MagicLinkStore, type NewFlow, type SessionRecord,
  type StoreEvent, type StoreListener, type TouchOptions, type VerifyOptions, type VerifyResult,
} from './types.js'
import { flowGate } from './flow-rules.js'

interface Entry<T> { value: T, gcAt: number }

/** `sameBrowser`: 0 no, 1 signed in on the asking browser (its poller not told yet), 2 told. */
type StoredFlow = FlowRecord & { matchHash: string, otpHash: string | null, lastPoll: number, sameBrowser: 0 | 1 | 2 }

interface Mailbox { last: number, windowStart: number, count: number, current: string | null, failures: number, failWindow: number }

const DAY = 86_400_000

export interface MemoryStoreOptions {
  /** Upper bound on stored records before the oldest are dropped. Default `100_000`. */
  maxRecords?: number
}

/**
 * The embedded store: one process, no persistence. For development and tests; with
 * `NODE_ENV=production` the plugin warns at boot. Same semantics as `RedisStore` (both pass the
 * conformance suite); JavaScript is single-threaded, so each method body is atomic.
 */
export class MemoryStore implements MagicLinkStore {
  readonly #flows = new Map<string, Entry<StoredFlow>>()
  readonly #mailboxes = new Map<string, Entry<Mailbox>>()
  readonly #sessions = new Map<string, Entry<SessionRecord>>()
  /** Spent refresh secrets per stored token session, newest first (reuse detection); gone with the record. */
  readonly #spentRefresh = new WeakMap<SessionRecord, string[]>()
  readonly #counters = new Map<string, Entry<number>>()
  readonly #events = new EventEmitter()
  readonly #maxRecords: number

  constructor (options: MemoryStoreOptions = {}) {
    this.#maxRecords = options.maxRecords ?? 100_000
    this.#events.setMaxListeners(0)
  }

  #get<T> (map: Map<string, Entry<T>>, key: string): T | null {
    const entry = map.get(key)
    if (entry === undefined) return null
    if (entry.gcAt <= Date.now()) {
      map.delete(key)
      return null
    }
    return entry.value
  }

  #set<T> (map: Map<string, Entry<T>>, key: string, value: T, ttlMs: number): void {
    map.delete(key)
    if (map.size >= this.#maxRecords) this.#sweep(map)
    map.set(key, { value, gcAt: Date.now() + ttlMs })
  }

  #sweep<T> (map: Map<string, Entry<T>>): void {
    const now = Date.now()
    for (const [key, entry] of map) if (entry.gcAt <= now) map.delete(key)
    // Still full: drop the oldest insertions (Map keeps insertion order).
    for (const key of map.keys()) {
      if (map.size < this.#maxRecords) break
      map.delete(key)
    }
  }

  #emit (event: StoreEvent): void {
    queueMicrotask(() => this.#events.emit('event', event))
  }

  async createFlow (flow: NewFlow, options: CreateFlowOptions): Promise<CreateFlowResult> {
    const group = groupOf(flow.id)
    const box = this.#mailbox(group)
    if (options.now - box.windowStart >= 3_600_000) {
      box.windowStart = options.now
      box.count = 0
    }
    const within = !(box.last > 0 && options.now - box.last < options.minGapMs) && box.count < options.perHour
    if (within) {
      box.last = options.now
      box.count++
    }
    const sent = within && options.send
    // Decoys supersede too: an older poller must not tell a known address from an unknown one.
    if (within) {
      const old = box.current === null ? null : this.#get(this.#flows, box.current)
      if (old !== null && old.state === 'pending') {
        old.state = 'superseded'
        this.#emit({ type: 'flow', flowId: old.id })
      }
      box.current = flow.id
    }
    const entry = this.#mailboxes.get(group)
    const left = entry === undefined ? 0 : entry.gcAt - Date.now()
    this.#set(this.#mailboxes, group, box, Math.max(3_600_000, options.ttlMs, left))
    this.#set(this.#flows, flow.id, {
      id: flow.id,
      email: flow.email,
      linkHash: flow.linkHash,
      pollHash: flow.pollHash,
      matchHash: flow.matchHash,
      otpHash: flow.otpHash,
      state: 'pending',
      redirectTo: flow.redirectTo,
      device: flow.device,
      createdAt: flow.createdAt,
      expiresAt: flow.expiresAt,
      interval: flow.interval,
      attempts: 0,
      usedAt: null,
      usedDevice: null,
      sessionId: null,
      invite: flow.invite === true,
      ...(flow.change === undefined ? {} : { change: { userId: flow.change.userId, sessionId: flow.change.sessionId } }),
      lastPoll: 0,
      sameBrowser: 0,
    }, options.ttlMs)
    return { sent }
  }

  async getFlow (flowId: string): Promise<FlowRecord | null> {
    const flow = this.#get(this.#flows, flowId)
    if (flow === null) return null
    const { matchHash: _m, otpHash: _o, lastPoll: _l, sameBrowser: _s, ...record } = flow
    return record
  }

  #mailbox (group: string): Mailbox {
    return this.#get(this.#mailboxes, group) ?? { last: 0, windowStart: 0, count: 0, current: null, failures: 0, failWindow: 0 }
  }

  /** The address's wrong-code budget over all its flows is spent (24 h window). */
  #spent (flow: StoredFlow, now: number, max: number | undefined): boolean {
    if (max === undefined || max <= 0) return false
    const box = this.#mailbox(groupOf(flow.id))
    return now - box.failWindow < DAY && box.failures >= max
  }

  #deny (flow: StoredFlow): { result: 'denied' } {
    flow.state = 'denied'
    this.#emit({ type: 'flow', flowId: flow.id })
    return { result: 'denied' }
  }

  async verifyFlow (flowId: string, o: VerifyOptions): Promise<VerifyResult> {
    const flow = this.#get(this.#flows, flowId)
    if (flow === null || flow.linkHash !== o.linkHash) return { result: 'invalid', reason: 'unknown' }
    const gate = flowGate(flow.state, o.now >= flow.expiresAt)
    if (gate !== null) return { result: 'invalid', reason: gate }
    const outcome = outcomeOf(flow)
    if (o.pollHash !== null && o.pollHash === flow.pollHash) {
      this.#use(flow, 'claimed', o.now, o.device, o.sessionId)
      return { result: 'signed_in', ...outcome }
    }
    if (o.matchHash === null) return { result: 'code_required' }
    if (this.#spent(flow, o.now, o.maxAddressFailures)) return this.#deny(flow)
    if (o.matchHash !== flow.matchHash) return this.#wrongCode(flow, o.now, o.maxAttempts, o.maxAddressFailures)
    this.#use(flow, 'approved', o.now, o.device, null)
    return { result: 'approved', ...outcome }
  }

  async claimFlow (flowId: string, o: ClaimOptions): Promise<ClaimResult> {
    const flow = this.#get(this.#flows, flowId)
    if (flow === null || flow.pollHash !== o.pollHash) return { result: 'expired' }
    if (flow.sameBrowser === 1 && o.now < flow.expiresAt) {
      flow.sameBrowser = 2
      return { result: 'completed', redirectTo: flow.redirectTo }
    }
    if (o.now >= flow.expiresAt || flow.state === 'superseded' || flow.state === 'claimed') return { result: 'expired' }
    if (flow.state === 'denied') return { result: 'denied' }
    if (!o.force && flow.lastPoll > 0 && o.now - flow.lastPoll < flow.interval * 1000) {
      flow.interval += o.backoff
      flow.lastPoll = o.now
      return { result: 'slow_down', interval: flow.interval }
    }
    flow.lastPoll = o.now
    if (flow.state === 'pending') return { result: 'pending', interval: flow.interval }
    if (o.now - (flow.usedAt as number) > o.claimWindowMs) return { result: 'expired' }
    flow.state = 'claimed'
    flow.sessionId = o.sessionId
    return { result: 'claimed', ...outcomeOf(flow), usedDevice: flow.usedDevice as string }
  }

  async codeFlow (flowId: string, o: CodeOptions): Promise<CodeResult> {
    const flow = this.#get(this.#flows, flowId)
    if (flow === null || flow.pollHash !== o.pollHash) return { result: 'invalid', reason: 'unknown' }
    const gate = flowGate(flow.state, o.now >= flow.expiresAt)
    if (gate !== null) return { result: 'invalid', reason: gate }
    if (this.#spent(flow, o.now, o.maxAddressFailures)) return this.#deny(flow)
    if (flow.otpHash === null || o.otpHash !== flow.otpHash) return this.#wrongCode(flow, o.now, o.maxAttempts, o.maxAddressFailures)
    this.#use(flow, 'claimed', o.now, o.device, o.sessionId)
    return { result: 'signed_in', ...outcomeOf(flow) }
  }

  #use (flow: StoredFlow, state: FlowState, now: number, device: string, sessionId: string | null): void {
    flow.state = state
    flow.sameBrowser = state === 'claimed' ? 1 : 0
    flow.usedAt = now
    flow.usedDevice = device
    flow.sessionId = sessionId
    const box = this.#get(this.#mailboxes, groupOf(flow.id))
    if (box !== null) box.failures = 0
    if (state === 'approved') this.#emit({ type: 'flow', flowId: flow.id })
  }

  async publishFlow (flowId: string): Promise<void> {
    this.#emit({ type: 'flow', flowId })
  }

  #wrongCode (flow: StoredFlow, now: number, maxAttempts: number, maxAddress: number | undefined): { result: 'wrong_code', attemptsLeft: number } | { result: 'denied' } {
    if (maxAddress !== undefined && maxAddress > 0) {
      const group = groupOf(flow.id)
      const box = this.#mailbox(group)
      if (now - box.failWindow >= DAY) {
        box.failWindow = now
        box.failures = 0
      }
      box.failures++
      this.#set(this.#mailboxes, group, box, DAY)
    }
    flow.attempts++
    if (flow.attempts < maxAttempts && !this.#spent(flow, now, maxAddress)) return { result: 'wrong_code', attemptsLeft: maxAttempts - flow.attempts }
    return this.#deny(flow)
  }

  async createSession (session: SessionRecord): Promise<void> {
    const stored = { ...session, data: { ...session.data } }
    this.#set(this.#sessions, session.id, stored, sessionTtl(session, session.createdAt))
    if (session.refreshHash !== undefined) this.#spentRefresh.set(stored, [])
  }

  async touchSession (id: string, o: TouchOptions): Promise<SessionRecord | null> {
    const s = this.#get(this.#sessions, id)
    if (s === null) return null
    if (o.now >= s.idleExpiresAt || o.now >= s.expiresAt) {
      this.#sessions.delete(id)
      return null
    }
    s.lastSeenAt = o.now
    s.idleExpiresAt = o.now + o.idleTtlMs
    this.#set(this.#sessions, id, s, sessionTtl(s, o.now))
    return { ...s, data: { ...s.data } }
  }

  async refreshSession (id: string, o: RefreshOptions): Promise<RefreshResult> {
    const s = this.#get(this.#sessions, id)
    const spent = s === null ? undefined : this.#spentRefresh.get(s)
    if (s === null || spent === undefined) return { result: 'invalid' }
    if (o.now >= s.idleExpiresAt || o.now >= s.expiresAt) {
      this.#sessions.delete(id)
      return { result: 'invalid' }
    }
    if (s.refreshHash === o.presentedHash) {
      spent.unshift(o.presentedHash)
      spent.length = Math.min(spent.length, SPENT_REFRESH_KEPT)
      s.refreshHash = o.nextHash
      s.lastSeenAt = o.now
      s.idleExpiresAt = o.now + o.idleTtlMs
      this.#set(this.#sessions, id, s, sessionTtl(s, o.now))
      return { result: 'rotated', session: { ...s, data: { ...s.data } } }
    }
    if (!spent.includes(o.presentedHash)) return { result: 'invalid' }
    await this.revokeSession(id)
    return { result: 'reused' }
  }

  async listSessions (group: string): Promise<SessionRecord[]> {
    const out: SessionRecord[] = []
    for (const id of [...this.#sessions.keys()]) {
      if (groupOf(id) !== group) continue
      const s = this.#get(this.#sessions, id)
      if (s !== null) out.push({ ...s, data: { ...s.data } })
    }
    return out
  }

  async revokeSession (id: string): Promise<boolean> {
    const existed = this.#get(this.#sessions, id) !== null
    this.#sessions.delete(id)
    if (existed) this.#emit({ type: 'revoke', sessionIds: [id] })
    return existed
  }

  async revokeSessions (group: string): Promise<string[]> {
    const ids = (await this.listSessions(group)).map((s) => s.id)
    for (const id of ids) this.#sessions.delete(id)
    if (ids.length > 0) this.#emit({ type: 'revoke', sessionIds: ids })
    return ids
  }

  async hit (key: string, windowMs: number): Promise<{ count: number, ttlMs: number }> {
    const entry = this.#counters.get(key)
    const now = Date.now()
    if (entry === undefined || entry.gcAt <= now) {
      this.#set(this.#counters, key, 1, windowMs)
      return { count: 1, ttlMs: windowMs }
    }
    entry.value++
    return { count: entry.value, ttlMs: entry.gcAt - now }
  }

  async subscribe (listener: StoreListener): Promise<() => Promise<void>> {
    this.#events.on('event', listener)
    return async () => { this.#events.off('event', listener) }
  }
}

function sessionTtl (s: SessionRecord, now: number): number {
  return Math.max(1, Math.min(s.idleExpiresAt, s.expiresAt) - now)
}

/** What a completed flow tells the caller: the address, where to go, who asked, and an address change's owner. */
function outcomeOf (flow: StoredFlow): FlowOutcomeBase {
  return { email: flow.email, redirectTo: flow.redirectTo, device: flow.device, ...(flow.change === undefined ? {} : { change: { ...flow.change } }) }
}
