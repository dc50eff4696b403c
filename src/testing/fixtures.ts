import { createHash, randomBytes, randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { GROUP_LENGTH } from '../store/types.js'
import type {
  ClaimOptions, CodeOptions, CreateFlowOptions, MagicLinkStore, NewFlow, SessionRecord, StoreEvent, VerifyOptions,
} from '../store/types.js'

/** What every case gets besides the store. */
export interface ConformanceContext {
  /** How long a subscription takes to start and a notification to travel, ms. */
  readonly settleMs: number
  /** Waits `settleMs` (at least one macrotask). */
  settle (): Promise<void>
}

/** One conformance case: a name and a body that throws (node:assert) when the store breaks the contract. */
export interface ConformanceCase {
  readonly name: string
  run (store: MagicLinkStore, ctx: ConformanceContext): Promise<void>
}

/** The limits the cases run with (the plugin's defaults). */
export const LIMITS = {
  lifetimeMs: 15 * 60_000,
  ttlMs: 30 * 60_000,
  minGapMs: 60_000,
  perHour: 5,
  maxAttempts: 5,
  interval: 5,
  backoff: 5,
  claimWindowMs: 60_000,
} as const

export const HOUR = 3_600_000

/** SHA-256, base64url: what a store receives instead of a secret. */
export function hash (value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** A group tag: 8 random bytes, base64url, 11 characters (stands in for an HMAC of the address or user id). */
export function newGroup (): string {
  const group = randomBytes(8).toString('base64url')
  // Guards the fixture against a change of GROUP_LENGTH.
  /* c8 ignore next */
  if (group.length !== GROUP_LENGTH) throw new Error(`group tag of ${group.length} characters`)
  return group
}

/** `<11-char group><22-char random>`, 33 characters. */
export function newFlowId (group: string = newGroup()): string {
  return group + randomBytes(16).toString('base64url')
}

/** What flows record as `sessionId`: SHA-256 of a new session's secret id (the public id without its group). */
export function newSessionHash (): string {
  return hash(randomBytes(32).toString('base64url'))
}

/** A session's public id, `<11-char group><43-char sha256(secret)>`, and the secret it hashes. */
export function newSessionId (group: string = newGroup()): { id: string, secret: string } {
  const secret = randomBytes(32).toString('base64url')
  return { id: group + hash(secret), secret }
}

const MATCH_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

/** The plaintext secrets behind a flow's hashes; a store must never see or keep them. */
export interface FlowSecrets {
  link: string
  poll: string
  /** Normalized match code, `XXXXXX`. */
  match: string
  /** Six digits, or null when codes are off. */
  otp: string | null
}

export interface FlowFixture {
  flow: NewFlow
  secrets: FlowSecrets
  group: string
}

export interface FlowFixtureOptions {
  /** Creation time; the flow expires `LIMITS.lifetimeMs` later. */
  now: number
  /** Share a mailbox with another flow by passing its group. */
  group?: string
  /** False to make a flow without an email code (`otpHash: null`). Default true. */
  otp?: boolean
  /** An invitation flow. */
  invite?: boolean
  email?: string
}

export function flowFixture (options: FlowFixtureOptions): FlowFixture {
  const group = options.group ?? newGroup()
  let match = ''
  for (let i = 0; i < 6; i++) match += MATCH_ALPHABET[randomInt(MATCH_ALPHABET.length)]
  const secrets: FlowSecrets = {
    link: randomBytes(32).toString('base64url'),
    poll: randomBytes(32).toString('base64url'),
    match,
    otp: options.otp === false ? null : String(randomInt(1_000_000)).padStart(6, '0'),
  }
  const flow: NewFlow = {
    id: newFlowId(group),
    email: options.email ?? 'ada@example.com',
    linkHash: hash(secrets.link),
    pollHash: hash(secrets.poll),
    matchHash: hash(secrets.match),
    otpHash: secrets.otp === null ? null : hash(secrets.otp),
    redirectTo: '/welcome?tab=1&é=ü',
    device: 'Firefox on Linux',
    createdAt: options.now,
    expiresAt: options.now + LIMITS.lifetimeMs,
    interval: LIMITS.interval,
  }
  if (options.invite !== undefined) flow.invite = options.invite
  return { flow, secrets, group }
}

/** The device that uses the link in the cases. */
export const APPROVER = 'Safari on iOS'

export function createOptions (now: number, overrides: Partial<CreateFlowOptions> = {}): CreateFlowOptions {
  return { now, ttlMs: LIMITS.ttlMs, send: true, minGapMs: LIMITS.minGapMs, perHour: LIMITS.perHour, ...overrides }
}

export function verifyOptions (fx: FlowFixture, now: number, overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    now,
    linkHash: fx.flow.linkHash,
    pollHash: null,
    matchHash: null,
    device: APPROVER,
    maxAttempts: LIMITS.maxAttempts,
    sessionId: newSessionHash(),
    ...overrides,
  }
}

export function claimOptions (fx: FlowFixture, now: number, overrides: Partial<ClaimOptions> = {}): ClaimOptions {
  return {
    now,
    pollHash: fx.flow.pollHash,
    force: false,
    claimWindowMs: LIMITS.claimWindowMs,
    backoff: LIMITS.backoff,
    sessionId: newSessionHash(),
    ...overrides,
  }
}

export function codeOptions (fx: FlowFixture, now: number, overrides: Partial<CodeOptions> = {}): CodeOptions {
  return {
    now,
    pollHash: fx.flow.pollHash,
    otpHash: hash(fx.secrets.otp ?? '000000'),
    device: 'Firefox on Linux',
    maxAttempts: LIMITS.maxAttempts,
    sessionId: newSessionHash(),
    ...overrides,
  }
}

/** A wrong code's hash: the right digits shifted by one. */
export function wrongOtpHash (fx: FlowFixture): string {
  // Fixtures with codes off still need some wrong code.
  /* c8 ignore next */
  const otp = fx.secrets.otp ?? '000000'
  return hash(String((Number(otp) + 1) % 1_000_000).padStart(6, '0'))
}

/** A wrong match code's hash. */
export function wrongMatchHash (fx: FlowFixture): string {
  // A random match code is BBBBBB once in 64 million.
  /* c8 ignore next */
  return hash(fx.secrets.match === 'BBBBBB' ? 'CCCCCC' : 'BBBBBB')
}

export interface SessionFixtureOptions {
  now: number
  group?: string
  idleTtlMs?: number
  absoluteTtlMs?: number
  data?: Record<string, unknown>
}

export interface SessionFixture {
  record: SessionRecord
  /** The secret session id carried in the cookie; only its hash is the public id. */
  secret: string
}

export function sessionFixture (options: SessionFixtureOptions): SessionFixture {
  const { id, secret } = newSessionId(options.group)
  const record: SessionRecord = {
    id,
    userId: `user-${id.slice(0, 6)}`,
    email: 'ada@example.com',
    createdAt: options.now,
    lastSeenAt: options.now,
    expiresAt: options.now + (options.absoluteTtlMs ?? 30 * 24 * HOUR),
    idleExpiresAt: options.now + (options.idleTtlMs ?? 24 * HOUR),
    data: options.data ?? { role: 'admin', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } },
    device: 'Firefox on Linux',
  }
  return { record, secret }
}

/** Records a store's notifications. */
export interface Recorder {
  readonly events: StoreEvent[]
  /** Resolves with the first event (already seen or to come) that matches; rejects after a timeout. */
  waitFor (match: (event: StoreEvent) => boolean, what: string): Promise<StoreEvent>
  /** Unsubscribes (idempotent). */
  stop (): Promise<void>
}

/** Subscribes and waits for the subscription to take effect. Call `stop()` in a `finally`. */
export async function listen (store: MagicLinkStore, ctx: ConformanceContext): Promise<Recorder> {
  const events: StoreEvent[] = []
  const unsubscribe = await store.subscribe((event) => { events.push(event) })
  let stopped = false
  await ctx.settle()
  const timeoutMs = Math.max(2000, ctx.settleMs * 20)
  return {
    events,
    async waitFor (match, what) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = events.find(match)
        if (found !== undefined) return found
        if (Date.now() > deadline) {
          throw new Error(`no notification (${what}) within ${timeoutMs} ms; got ${JSON.stringify(events)}`)
        }
        await sleep(5)
      }
    },
    async stop () {
      if (stopped) return
      stopped = true
      await unsubscribe()
    },
  }
}

/** Runs `body` with a live recorder and unsubscribes afterwards, whatever happens. */
export async function listening<T> (store: MagicLinkStore, ctx: ConformanceContext, body: (rec: Recorder) => Promise<T>): Promise<T> {
  const rec = await listen(store, ctx)
  try {
    return await body(rec)
  } finally {
    await rec.stop()
  }
}

export function isFlowEvent (flowId: string): (event: StoreEvent) => boolean {
  return (event) => event.type === 'flow' && event.flowId === flowId
}

export function isRevokeEvent (event: StoreEvent): event is { type: 'revoke', sessionIds: string[] } {
  return event.type === 'revoke'
}

/** Sorted copy, for comparing id sets whose order no contract fixes. */
export function sorted (values: readonly string[]): string[] {
  return [...values].sort()
}

/** Runs `count` calls at once and returns their results. */
export function concurrently<T> (count: number, call: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => call(i)))
}

/** `list[i]`, which must exist. */
export function at<T> (list: readonly T[], i: number): T {
  const value = list[i]
  // Fails the case with a clear message instead of a TypeError later.
  /* c8 ignore next */
  if (value === undefined) throw new RangeError(`no element ${i}`)
  return value
}

/** Tallies results by their `result` field. */
export function tally (results: ReadonlyArray<{ result: string }>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of results) out[r.result] = (out[r.result] ?? 0) + 1
  return out
}

