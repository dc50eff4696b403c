import type { FastifyReply } from 'fastify'
import { setCookie } from '../cookies.js'
import { randomSecret, sha256 } from '../crypto.js'
import { errors } from '../errors.js'
import { GROUP_LENGTH, type MagicLinkStore, type SessionRecord, type SignInMethod } from '../store/types.js'
import type { MagicLinkSessionData, MagicLinkUser, ResolvedOptions } from '../options.js'
import type { EventBus } from '../events.js'
import { LruCache } from './cache.js'
import { CoarseClock } from './clock.js'
import { ACCESS_TYP, SessionTokens, type SessionClaims } from './jwt.js'

/** `request.session`. */
export interface MagicLinkSession {
  /** Public session id (as listed by `GET /sessions`); not the secret in the cookie. */
  readonly id: string
  readonly userId: string
  /** Claims from `users.claims`, refreshed with the session. */
  readonly data: Readonly<MagicLinkSessionData>
  /** Epoch ms. */
  readonly createdAt: number
  /** Absolute expiry, epoch ms. */
  readonly expiresAt: number
  /**
   * Epoch ms of the last proof of the mailbox for this session: its sign-in, or its last
   * re-authentication (`POST /reauth`). `app.requireRecentLogin(maxAge)` checks it.
   */
  readonly authTime: number
  /** How that proof was made. */
  readonly method: SignInMethod
}

/** A verified cookie: the whole token is kept and compared on a hit; the cache key is only derived from it (cacheKey). */
interface CacheEntry { token: string, session: MagicLinkSession, expMs: number }

/**
 * Per request: the store error hit while refreshing its session; session routes answer it (503),
 * not 401. A WeakMap, not a request decoration: it is set on a store outage only, and every
 * decoration costs every request of the app a property store.
 */
const sessionErrors = new WeakMap<object, Error>()

/** Remembers the store error of a request whose session could not be refreshed. */
export function setSessionError (request: object, error: Error): void {
  sessionErrors.set(request, error)
}

/** The session error, or 401 when there is simply no session. */
export function noSession (request: object): Error {
  return sessionErrors.get(request) ?? new errors.UNAUTHORIZED()
}

/** base64url character code → its 6-bit value (anything else → 0; the full comparison catches it). */
const B64URL = new Uint8Array(128)
for (let i = 0; i < 64; i++) B64URL['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i

/**
 * The cache key of a token: the last 5 characters of its signature as a 30-bit number, a small
 * integer V8 neither allocates nor hashes (a 380-character cookie string took ~0.5 µs per lookup
 * to hash, a 48-bit number still allocated a heap number per request). Among 10,000 cached tokens
 * two share a key about once in 20 caches; a hit still compares the whole token, so a collision
 * is only a cache miss, never another session.
 */
export function cacheKey (token: string): number {
  const n = token.length
  let key = 0
  for (let i = Math.max(0, n - 5); i < n; i++) key = key * 64 + (B64URL[token.charCodeAt(i) & 127] as number)
  return key
}

/** What the token transport hands a client instead of a cookie. */
export interface IssuedTokens {
  /** Bearer token for `Authorization: Bearer …`, valid `expiresIn` seconds. */
  accessToken: string
  /** Single-use: `POST /refresh` spends it for a new pair. */
  refreshToken: string
  /** Seconds until `accessToken` expires. */
  expiresIn: number
}

/** A new session's secret id (in the cookie) and its hash (what flows and the store keep). */
export interface SessionIds { sid: string, hash: string }

/** The user group tag: every session of a user shares it (one hash slot, one index). */
export function userGroup (userId: string): string {
  return sha256(`user:${userId}`).slice(0, GROUP_LENGTH)
}

/** Public id of a session: the user's group, then the hash of the secret id. */
export function publicSessionId (userId: string, sid: string): string {
  return userGroup(userId) + sha256(sid)
}

export class SessionManager {
  readonly #o: ResolvedOptions
  readonly #store: MagicLinkStore
  readonly #tokens: SessionTokens
  readonly #cache: LruCache<number, CacheEntry>
  /** Verified bearer access tokens: their own cache, so a cookie token never passes as one or the reverse. */
  readonly #bearerCache: LruCache<number, CacheEntry>
  /** Revoked ids until their cookies can no longer pass without a refresh (accessTtl). */
  readonly #revoked = new Map<string, number>()
  /** The hot path's clock (see CoarseClock); the plugin starts it at onReady and stops it at onClose. */
  readonly clock: CoarseClock
  readonly #events: EventBus

  constructor (options: ResolvedOptions, store: MagicLinkStore, events: EventBus) {
    this.#o = options
    this.#events = events
    this.clock = new CoarseClock(options.now)
    this.#store = store
    this.#tokens = new SessionTokens(options.secrets, options.origin)
    this.#cache = new LruCache(options.session.cacheSize)
    this.#bearerCache = new LruCache(options.session.tokenTransport ? options.session.cacheSize : 1)
  }

  /** Revoked here or, through the store's notifications, on another instance. */
  markRevoked (ids: string[]): void {
    const now = this.#o.now()
    const until = now + this.#o.session.accessTtl + 60_000
    if (this.#revoked.size > 10_000) for (const [id, t] of this.#revoked) if (t <= now) this.#revoked.delete(id)
    for (const id of ids) this.#revoked.set(id, until)
  }

  #isRevoked (id: string, now: number): boolean {
    if (this.#revoked.size === 0) return false
    const until = this.#revoked.get(id)
    return until !== undefined && until > now
  }

  /** New secret and public ids for a login (a new id at every login: SECURITY.md T14). */
  newIds (): SessionIds {
    const sid = randomSecret()
    return { sid, hash: sha256(sid) }
  }

  async claimsOf (user: MagicLinkUser): Promise<Record<string, unknown>> {
    if (this.#o.users.claims === undefined) return {}
    const data = await this.#o.users.claims(user)
    return data !== null && typeof data === 'object' ? { ...data } : {}
  }

  /** Creates the session record and sets the cookie. */
  async start (reply: FastifyReply, user: MagicLinkUser, ids: SessionIds, email: string, device: string, method: SignInMethod): Promise<MagicLinkSession> {
    const now = this.#o.now()
    const record = await this.#record(user, ids, email, device, method, now)
    await this.#store.createSession(record)
    this.#created(record)
    return await this.#issue(reply, ids.sid, record, now)
  }

  #created (record: SessionRecord): void {
    this.#events.emit('session.created', { sessionId: record.id, userId: record.userId, reason: record.method })
  }

  /** A presented credential refused: `session.rejected`. */
  #rejected (reason: 'invalid' | 'expired' | 'revoked' | 'reused', id?: string, userId?: string): null {
    this.#events.emit('session.rejected', { sessionId: id, userId, reason })
    return null
  }

  /** Sessions ended here (the store call is done): forgotten on this instance, and `session.revoked`. */
  revoked (ids: string[], userId: string | undefined, reason: 'logout' | 'logout-all' | 'sessions' | 'link' | 'reused' | 'replaced' | 'email-change' | 'claims' | 'user-gone' | 'admin'): void {
    this.markRevoked(ids)
    for (const id of ids) this.#events.emit('session.revoked', { sessionId: id, userId, reason })
  }

  /**
   * Token transport: creates the session with a refresh secret (stored hashed) and returns the
   * bearer access token and the refresh token instead of setting a cookie.
   */
  async startTokens (user: MagicLinkUser, ids: SessionIds, email: string, device: string, method: SignInMethod): Promise<{ session: MagicLinkSession, tokens: IssuedTokens }> {
    const now = this.#o.now()
    const refresh = randomSecret()
    const record = { ...await this.#record(user, ids, email, device, method, now), refreshHash: sha256(refresh) }
    await this.#store.createSession(record)
    this.#created(record)
    return await this.#issueTokens(record, refresh, now)
  }

  async #record (user: MagicLinkUser, ids: SessionIds, email: string, device: string, method: SignInMethod, now: number): Promise<SessionRecord> {
    const data = await this.claimsOf(user)
    return {
      id: userGroup(user.id) + ids.hash,
      userId: user.id,
      email,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.#o.session.ttl,
      idleExpiresAt: now + this.#o.session.idleTtl,
      data,
      device,
      authTime: now,
      method,
    }
  }

  /** A bearer access token for `record` (its `sid` claim is the public hash) and `<id>.<refresh secret>`. */
  async #issueTokens (record: SessionRecord, refresh: string, now: number): Promise<{ session: MagicLinkSession, tokens: IssuedTokens }> {
    const expMs = Math.min(now + this.#o.session.accessTtl, record.expiresAt)
    const claims: SessionClaims = {
      sid: record.id.slice(GROUP_LENGTH), ...recordClaims(record), exp: Math.floor(expMs / 1000),
    }
    const accessToken = await this.#tokens.sign(claims, ACCESS_TYP)
    const session = toSession(record.id, claims)
    this.#bearerCache.set(cacheKey(accessToken), { token: accessToken, session, expMs: claims.exp * 1000 })
    return { session, tokens: { accessToken, refreshToken: `${record.id}.${refresh}`, expiresIn: Math.max(0, Math.floor((expMs - now) / 1000)) } }
  }

  /** Bearer steady state: as {@link lookup}, on the access tokens' own cache. */
  lookupBearer (token: string): MagicLinkSession | null | undefined {
    const hit = this.#bearerCache.get(cacheKey(token))
    if (hit === undefined || hit.token !== token) return undefined
    const now = this.clock.now()
    if (hit.expMs <= now) return this.#rejected('expired', hit.session.id, hit.session.userId)
    return this.#isRevoked(hit.session.id, now) ? this.#rejected('revoked', hit.session.id, hit.session.userId) : hit.session
  }

  /**
   * Bearer slow path: a valid, unexpired access token of ours. Never refreshed from the store: an
   * expired one is refused (401), and the client refreshes with its refresh token.
   */
  async authenticateBearer (token: string): Promise<MagicLinkSession | null> {
    const now = this.#o.now()
    const claims = await this.#tokens.verify(token, now, ACCESS_TYP)
    if (claims === null) return this.#rejected('invalid')
    const id = userGroup(claims.sub) + claims.sid
    const expMs = claims.exp * 1000
    if (!(now < expMs && expMs <= now + this.#o.session.accessTtl + 60_000)) return this.#rejected('expired', id, claims.sub)
    if (this.#isRevoked(id, now)) return this.#rejected('revoked', id, claims.sub)
    const session = toSession(id, claims)
    this.#bearerCache.set(cacheKey(token), { token, session, expMs })
    return session
  }

  /**
   * `POST /refresh`: rotates the refresh secret and issues a new access token. A spent refresh
   * token ends the session on every instance (reuse detection: one of its holders is a thief).
   */
  async refreshTokens (refreshToken: string): Promise<{ tokens: IssuedTokens } | { reused: true } | null> {
    const m = /^([A-Za-z0-9_-]{54})\.([A-Za-z0-9_-]{43})$/.exec(refreshToken)
    if (m === null || this.#store.refreshSession === undefined) return this.#rejected('invalid')
    const id = m[1] as string
    const now = this.#o.now()
    const next = randomSecret()
    const r = await this.#store.refreshSession(id, { now, idleTtlMs: this.#o.session.idleTtl, presentedHash: sha256(m[2] as string), nextHash: sha256(next) })
    if (r.result === 'reused') {
      this.#rejected('reused', id)
      this.revoked([id], undefined, 'reused')
      return { reused: true }
    }
    if (r.result === 'invalid') return this.#rejected('expired', id)
    let record = r.session
    if (this.#o.users.claims !== undefined) {
      const user = await this.#o.users.find(record.email)
      if (user === null || user.id !== record.userId) {
        await this.#store.revokeSession(id)
        this.revoked([id], record.userId, 'user-gone')
        return null
      }
      record = { ...record, data: await this.claimsOf(user) }
    }
    this.#events.emit('session.refreshed', { sessionId: id, userId: record.userId, reason: 'token' })
    return { tokens: (await this.#issueTokens(record, next, now)).tokens }
  }

  async #issue (reply: FastifyReply, sid: string, record: SessionRecord, now: number): Promise<MagicLinkSession> {
    const expMs = Math.min(now + this.#o.session.accessTtl, record.expiresAt)
    const claims: SessionClaims = {
      sid, ...recordClaims(record), exp: Math.floor(expMs / 1000),
    }
    const token = await this.#tokens.sign(claims)
    const session = toSession(record.id, claims)
    this.#cache.set(cacheKey(token), { token, session, expMs: claims.exp * 1000 })
    const maxAgeMs = Math.min(this.#o.session.idleTtl, record.expiresAt - now)
    setCookie(reply, this.#o.session.cookie, token, Math.max(0, Math.floor(maxAgeMs / 1000)))
    return session
  }

  clearCookie (reply: FastifyReply): void {
    setCookie(reply, this.#o.session.cookie, '', 0)
  }

  /**
   * Steady state: a cache hit checks the expiry and the revocation set only, synchronously.
   * Returns a promise only when a signature check or a refresh is needed.
   */
  lookup (token: string): MagicLinkSession | null | undefined {
    const hit = this.#cache.get(cacheKey(token))
    if (hit === undefined || hit.token !== token) return undefined
    const now = this.clock.now()
    if (hit.expMs <= now) return undefined
    return this.#isRevoked(hit.session.id, now) ? this.#rejected('revoked', hit.session.id, hit.session.userId) : hit.session
  }

  /** Slow path: verify the token; refresh from the store when its access lifetime is over. */
  async authenticate (token: string, reply: FastifyReply): Promise<MagicLinkSession | null> {
    const now = this.#o.now()
    const claims = await this.#tokens.verify(token, now)
    if (claims === null) return this.#rejected('invalid')
    const id = publicSessionId(claims.sub, claims.sid)
    if (this.#isRevoked(id, now)) return this.#rejected('revoked', id, claims.sub)
    // A token of ours expires within accessTtl of its issue; one whose `exp` lies further ahead
    // was minted elsewhere with the app's key, and is checked against the store like an expired
    // one instead of being trusted for as long as it claims (a revoked session stays revoked).
    const expMs = claims.exp * 1000
    if (now < expMs && expMs <= now + this.#o.session.accessTtl + 60_000) {
      const session = toSession(id, claims)
      this.#cache.set(cacheKey(token), { token, session, expMs })
      return session
    }
    return await this.#refresh(reply, claims, id, now)
  }

  async #refresh (reply: FastifyReply, claims: SessionClaims, id: string, now: number): Promise<MagicLinkSession | null> {
    const record = await this.#store.touchSession(id, { now, idleTtlMs: this.#o.session.idleTtl })
    if (record === null || record.userId !== claims.sub) {
      this.clearCookie(reply)
      return this.#rejected('expired', id, claims.sub)
    }
    if (this.#o.users.claims !== undefined) {
      const user = await this.#o.users.find(record.email)
      if (user === null || user.id !== record.userId) {
        await this.#store.revokeSession(id)
        this.revoked([id], record.userId, 'user-gone')
        this.clearCookie(reply)
        return this.#rejected('revoked', id, record.userId)
      }
      const data = await this.claimsOf(user)
      if (JSON.stringify(data) !== JSON.stringify(record.data)) {
        // New claims (a role change) get a new session id; the old cookie stops working (T14, T17).
        const ids = this.newIds()
        const rotated: SessionRecord = { ...record, id: userGroup(record.userId) + ids.hash, data, lastSeenAt: now }
        await this.#store.createSession(rotated)
        await this.#store.revokeSession(id)
        this.revoked([id], record.userId, 'claims')
        this.#created(rotated)
        return await this.#issue(reply, ids.sid, rotated, now)
      }
    }
    this.#events.emit('session.refreshed', { sessionId: id, userId: record.userId, reason: 'cookie' })
    return await this.#issue(reply, claims.sid, record, now)
  }

}

/** The claims every token of a session carries, from its record. */
function recordClaims (r: SessionRecord): Omit<SessionClaims, 'sid' | 'exp'> {
  // Records written before sessions recorded `authTime`/`method` count from their creation, as a link.
  /* c8 ignore next */
  return { sub: r.userId, dat: r.data, cat: r.createdAt, sxp: r.expiresAt, aut: r.authTime ?? r.createdAt, amr: r.method ?? 'link' }
}

function toSession (id: string, c: SessionClaims): MagicLinkSession {
  return Object.freeze({
    id, userId: c.sub, data: Object.freeze({ ...c.dat }) as unknown as MagicLinkSessionData, createdAt: c.cat, expiresAt: c.sxp, authTime: c.aut, method: c.amr,
  })
}
