/**
 * The store contract: domain operations, each atomic on the store's side and each a
 * single round trip for a networked store. Every record is written with its time to live in the
 * same operation. No plaintext secret is ever passed in: link, poll and code values arrive as
 * SHA-256 hashes (base64url).
 *
 * Identifiers carry their own grouping: the first {@link GROUP_LENGTH} characters of a flow id
 * or a session id are a group tag (a keyed hash of the address, or a hash of the user id), and every record
 * a transition touches shares that group, so a Redis Cluster keeps them in one hash slot.
 *
 * Times (`now`) are passed in by the caller so a test can drive a clock; a store applies its own
 * clock only to garbage collection (TTL), never to the decisions below.
 */

/** Length of the group tag at the start of flow and session ids. */
export const GROUP_LENGTH = 11

/** The group tag of a flow or session id. */
export function groupOf (id: string): string {
  return id.slice(0, GROUP_LENGTH)
}

/** A flow's state. Expiry is not a state: it is `now >= expiresAt`. */
export type FlowState = 'pending' | 'approved' | 'claimed' | 'denied' | 'superseded'

/** Everything a new flow is created with. */
export interface NewFlow {
  /** `<group><random>`; the group is the address tag. */
  id: string
  /** Normalized address the flow was asked for. */
  email: string
  /** SHA-256 of the link secret. */
  linkHash: string
  /** SHA-256 of the poll secret held by the asking client's binding cookie. */
  pollHash: string
  /** SHA-256 of the normalized match code shown on the asking screen. */
  matchHash: string
  /** SHA-256 of the 6-digit email code, or null when codes are off. */
  otpHash: string | null
  /** Same-origin path to land on after sign-in. */
  redirectTo: string
  /** Summary of the asking browser ("Firefox on Linux"), shown on the verify page. */
  device: string
  /** Epoch ms. */
  createdAt: number
  /** Epoch ms after which the link and the flow no longer work. */
  expiresAt: number
  /** Initial poll interval, seconds. */
  interval: number
  /** An invitation (`app.magicLink.createLink`): no asking browser; the opener proves the address instead. Default false. */
  invite?: boolean
  /** An address change (`POST /email`): completing it changes this user's address instead of signing in. */
  change?: FlowChange
}

/** What an address-change flow is for: the user, and the session that asked (only it may complete the change). */
export interface FlowChange {
  userId: string
  /** Public id of the session that asked. */
  sessionId: string
}

/** The stored view of a flow, as `getFlow` returns it. */
export interface FlowRecord {
  id: string
  email: string
  linkHash: string
  pollHash: string
  state: FlowState
  redirectTo: string
  device: string
  createdAt: number
  expiresAt: number
  interval: number
  attempts: number
  /** When the link was used (approval or same-browser sign-in), epoch ms. */
  usedAt: number | null
  /** Summary of the browser that used the link. */
  usedDevice: string | null
  /** Hash part of the session this flow created, once claimed (see `VerifyOptions.sessionId`). */
  sessionId: string | null
  /** An invitation flow. */
  invite: boolean
  /** Present on an address-change flow only. */
  change?: FlowChange
}

export interface CreateFlowOptions {
  now: number
  /** Record lifetime in ms (>= the flow's lifetime: the record outlives it to tell "expired" apart). */
  ttlMs: number
  /** True when a mail is going to be sent (a real, known or creatable address). */
  send: boolean
  /** Minimum gap between two mails to one address, ms. */
  minGapMs: number
  /** Maximum mails per address per hour. */
  perHour: number
}

export interface CreateFlowResult {
  /** True when the caller must send the mail: `send` and within the address limits. */
  sent: boolean
}

export type InvalidReason = 'unknown' | 'expired' | 'superseded' | 'used' | 'denied'

export interface FlowOutcomeBase {
  email: string
  redirectTo: string
  /** The asking device. */
  device: string
  /** An address-change flow's owner (see `NewFlow.change`); absent on sign-in flows. */
  change?: FlowChange
}

export type VerifyResult =
  | ({ result: 'signed_in' } & FlowOutcomeBase)
  | ({ result: 'approved' } & FlowOutcomeBase)
  | { result: 'code_required' }
  | { result: 'wrong_code', attemptsLeft: number }
  | { result: 'denied' }
  | { result: 'invalid', reason: InvalidReason }

export interface VerifyOptions {
  now: number
  linkHash: string
  /** SHA-256 of the poll secret from this browser's binding cookie for this flow, if any. */
  pollHash: string | null
  /** SHA-256 of the typed match code, if any. */
  matchHash: string | null
  /** The browser using the link. */
  device: string
  maxAttempts: number
  /** Wrong codes (both kinds) an address may collect over all its flows in 24 h; once spent, every code is refused and the flow denied. Default: no such budget. */
  maxAddressFailures?: number
  /** SHA-256 of the new session's secret id; the public session id is the user's group tag followed by it. */
  sessionId: string
}

export type ClaimResult =
  | { result: 'pending', interval: number }
  | { result: 'slow_down', interval: number }
  | ({ result: 'claimed', usedDevice: string } & FlowOutcomeBase)
  /** The asking browser already signed in through the link or the mail code (in another tab): told once, no new session. */
  | { result: 'completed', redirectTo: string }
  | { result: 'denied' }
  | { result: 'expired' }

export interface ClaimOptions {
  now: number
  pollHash: string
  /** Skip the interval check: a long-poll re-checking after a change notification. */
  force: boolean
  /** After approval, the poller must claim within this window, ms. */
  claimWindowMs: number
  /** Seconds added to the interval on `slow_down` (RFC 8628 §3.5: 5). */
  backoff: number
  sessionId: string
}

export type CodeResult =
  | ({ result: 'signed_in' } & FlowOutcomeBase)
  | { result: 'wrong_code', attemptsLeft: number }
  | { result: 'denied' }
  | { result: 'invalid', reason: InvalidReason }

export interface CodeOptions {
  now: number
  pollHash: string
  otpHash: string
  device: string
  maxAttempts: number
  /** As in `VerifyOptions`. */
  maxAddressFailures?: number
  sessionId: string
}

/** A stored session (the server side of the JWT cookie). */
export interface SessionRecord {
  /** Public id: `<user group><sha256(secret sid)>`. */
  id: string
  userId: string
  email: string
  createdAt: number
  lastSeenAt: number
  /** Absolute expiry, epoch ms. */
  expiresAt: number
  /** Idle expiry, epoch ms (moves on every refresh). */
  idleExpiresAt: number
  data: Record<string, unknown>
  device: string
  /**
   * Token transport only: SHA-256 of the session's current refresh secret. Absent on cookie
   * sessions.
   */
  refreshHash?: string
  /** Epoch ms of the last proof of the mailbox for this session (sign-in or re-authentication). Default: `createdAt`. */
  authTime?: number
  /** How that proof was made. Default `'link'`. */
  method?: SignInMethod
}

/** How a session's owner proved the mailbox: the link in the asking browser, the mail code, another device's approval, an invitation. */
export type SignInMethod = 'link' | 'code' | 'cross-device' | 'invite'

export interface TouchOptions {
  now: number
  idleTtlMs: number
}

export interface RefreshOptions extends TouchOptions {
  /** SHA-256 of the refresh secret the client presented. */
  presentedHash: string
  /** SHA-256 of the refresh secret that replaces it. */
  nextHash: string
}

export type RefreshResult =
  /** The presented secret was the current one: it is spent, `nextHash` is current, last-seen and idle expiry moved. */
  | { result: 'rotated', session: SessionRecord }
  /** The presented secret was spent before: the session is deleted and every instance notified (reuse detection). */
  | { result: 'reused' }
  /** No such live session, or a secret it never issued: nothing changes (an expired session is deleted, as by `touchSession`). */
  | { result: 'invalid' }

/** How many spent refresh secrets a session remembers for reuse detection. */
export const SPENT_REFRESH_KEPT = 16

/** Change notifications, delivered to every instance sharing the store. */
export type StoreEvent =
  | { type: 'flow', flowId: string }
  | { type: 'revoke', sessionIds: string[] }

export type StoreListener = (event: StoreEvent) => void

/** Any object with these methods can back the plugin; run `fastify-magic-link/testing` against it. */
export interface MagicLinkStore {
  /** Creates a flow and counts the address's mail budget, atomically; within the budget (mail or decoy), the flow supersedes the address's older pending flow (one live link per address). */
  createFlow (flow: NewFlow, options: CreateFlowOptions): Promise<CreateFlowResult>
  /** Read only (GET/HEAD /verify): null when the record is gone. */
  getFlow (flowId: string): Promise<FlowRecord | null>
  /** POST /verify: burns the link on same-browser sign-in or cross-device approval; counts wrong codes; denies after `maxAttempts`. Nothing changes when neither proof is given. Notifies, except on `signed_in` (see `publishFlow`). */
  verifyFlow (flowId: string, options: VerifyOptions): Promise<VerifyResult>
  /** POST /poll: enforces the interval, and claims an approved flow exactly once (burns the poll secret); after a same-browser sign-in, answers `completed` once. */
  claimFlow (flowId: string, options: ClaimOptions): Promise<ClaimResult>
  /** POST /code: the 6-digit email code on the asking device; counts wrong codes with the same budget as `verifyFlow`. Notifies on denial only (see `publishFlow`). */
  codeFlow (flowId: string, options: CodeOptions): Promise<CodeResult>

  /** Writes a session record, expiring at the earlier of idle and absolute expiry. */
  createSession (session: SessionRecord): Promise<void>
  /** Refresh: null when missing, idle-expired or past absolute expiry (and then deletes it); else moves last-seen and idle expiry and returns the record. */
  touchSession (id: string, options: TouchOptions): Promise<SessionRecord | null>
  /** The live sessions of a user group (`groupOf(session.id)`), pruning dead index entries. */
  listSessions (group: string): Promise<SessionRecord[]>
  /**
   * Token transport (`POST /refresh`): rotates the refresh secret atomically, and deletes the
   * session (notifying every instance) when a spent one comes back. Stores without it can back
   * only the cookie transport; the plugin refuses `session.transports: ['token']` on them at boot.
   */
  refreshSession? (id: string, options: RefreshOptions): Promise<RefreshResult>
  /** Deletes one session and notifies every instance; false when it did not exist. */
  revokeSession (id: string): Promise<boolean>
  /** Deletes every session of a user group and notifies every instance; returns their ids. */
  revokeSessions (group: string): Promise<string[]>

  /** Fixed-window counter for rate limits: increments `key` and returns the count and the ms left in the window. */
  hit (key: string, windowMs: number): Promise<{ count: number, ttlMs: number }>

  /**
   * Tells every instance's long-polls that a flow changed. Transitions notify by themselves,
   * except a sign-in on the asking browser (`signed_in`): the caller notifies once the response
   * carrying its session cookie is out, so the asking tab's poll never races that cookie.
   */
  publishFlow (flowId: string): Promise<void>

  /** Change notifications from every instance (including this one). Returns an unsubscribe function. */
  subscribe (listener: StoreListener): Promise<() => Promise<void>>
}
