import { abortedError, MagicLinkClientError } from './error.js'

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The plugin's route prefix. Default `'/auth'`. */
  prefix?: string
  /**
   * The `fetch` to use. Default: the global `fetch`, looked up at each call. Node's `fetch` keeps
   * no cookies: outside a browser, pass one that does (the binding and session cookies are HttpOnly).
   */
  fetch?: typeof fetch
  /**
   * Origin of the app, e.g. `'https://app.example.com'`. Default `''`: same-origin relative URLs,
   * which is what a browser page wants (the plugin refuses cross-origin calls anyway).
   */
  baseUrl?: string
  /**
   * Waits between polls; must reject (or resolve early) when `signal` aborts. Default: `setTimeout`.
   * Tests replace it to drive a fake clock instead of sleeping.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

/** Options of {@link MagicLinkClient.login}. */
export interface LoginOptions {
  /** Same-origin path to land on after sign-in; the server falls back to its default when it is not allowed. */
  redirectTo?: string
  /** Cancels the request; the promise then rejects with code `aborted`. */
  signal?: AbortSignal
}

/** What `POST /request` answers: the same for every address, so it says nothing about accounts. */
export interface LoginResult {
  /** Show it on this screen: typed on another device, it approves this login there (`XXX-XXX`). */
  matchCode: string
  /** Seconds between polls (RFC 8628 `interval`). */
  interval: number
  /** Seconds until the link, the codes and the login expire. */
  expiresIn: number
}

/** Passed to {@link WaitOptions.onPending} after every poll that found the login still pending. */
export interface PendingInfo {
  /** The server's current poll interval, seconds (it grows by 5 after each `slow_down`). */
  interval: number
  /** Polls sent so far by this `waitForSession` call. */
  polls: number
  /** True when the server answered `slow_down` (this client polled too early). */
  slowDown: boolean
}

/** Options of {@link MagicLinkClient.waitForSession}. */
export interface WaitOptions {
  /** Stops waiting; the promise then rejects with code `aborted`. */
  signal?: AbortSignal
  /** Seconds each poll may wait on the server for a change (`?wait=`, at most 30). `0`: plain polling. Default `25`. */
  longPoll?: number
  /** Called after each poll that found the login pending, e.g. to show "still waiting". */
  onPending?: (info: PendingInfo) => void
}

/** A completed login: this browser now has the session cookie. */
export interface Approved {
  status: 'approved'
  /** Where to go now: the `redirectTo` given to `login()`, as accepted by the server. */
  redirectTo: string
}

/** `GET /session`: the signed-in user and session. */
export interface SessionInfo {
  user: { id: string }
  session: {
    /** Public session id, as listed by `sessions()`. */
    id: string
    /** Epoch ms. */
    createdAt: number
    /** Absolute expiry, epoch ms. */
    expiresAt: number
    /** Claims from the server's `users.claims`. */
    data: Record<string, unknown>
  }
}

/** One of the user's sessions, as listed by `GET /sessions`. */
export interface DeviceSession {
  /** Pass it to `revokeSession()`. */
  id: string
  /** Browser and system that signed in, e.g. `'Firefox on Linux'`. */
  device: string
  /** Epoch ms. */
  createdAt: number
  /** Epoch ms of the last refresh (up to the server's `session.accessTtl` stale). */
  lastSeenAt: number
  /** Absolute expiry, epoch ms. */
  expiresAt: number
  /** True for the session of this browser. */
  current: boolean
}

/** The calls of the plugin's JSON routes. Every rejection is a {@link MagicLinkClientError}. */
export interface MagicLinkClient {
  /**
   * `POST /request`: asks for a link and makes this browser the one that gets the session
   * (an HttpOnly binding cookie). Show `matchCode` on screen, then call `waitForSession()`.
   * Rejects only on a malformed address (`FST_MAGIC_LINK_BAD_REQUEST`), the per-IP limit
   * (`FST_MAGIC_LINK_RATE_LIMITED`) and transport failures: unknown addresses look the same as known ones.
   */
  login (email: string, opts?: LoginOptions): Promise<LoginResult>
  /**
   * Polls `POST /poll` until the login of this browser completes (the link was approved here or
   * on another device), with the server's interval, its `slow_down` back-off and long-poll.
   * Resolves once this browser holds the session cookie. Rejects with `access_denied` (too many
   * wrong codes, or no account), `expired_token` (expired, replaced by a newer link, or already
   * completed elsewhere), `aborted`, or a transport error.
   */
  waitForSession (opts?: WaitOptions): Promise<Approved>
  /**
   * `POST /code`: the 6-digit code from the mail, typed on this device (the scanner-proof path).
   * Rejects with `FST_MAGIC_LINK_INVALID_CODE` on a wrong code (5 wrong codes end the login) and
   * `FST_MAGIC_LINK_INVALID_TOKEN` when the login is over.
   */
  verifyCode (code: string, opts?: { signal?: AbortSignal }): Promise<Approved>
  /** `GET /session`: the current session, or null when signed out. */
  session (): Promise<SessionInfo | null>
  /** `GET /sessions`: every live session of the signed-in user. Rejects with `FST_MAGIC_LINK_UNAUTHORIZED` when signed out. */
  sessions (): Promise<DeviceSession[]>
  /** `DELETE /sessions/:id`: signs one of the user's sessions out, on every device at once. */
  revokeSession (id: string): Promise<void>
  /** `POST /logout`: ends this session and clears its cookie. */
  logout (): Promise<void>
  /** `POST /logout-all`: ends every session of the user, this one included. */
  logoutAll (): Promise<void>
}

/** Long-poll cap of the server (`?wait=` ≤ 30). */
const MAX_WAIT = 30
const DEFAULT_WAIT = 25

interface Answer { status: number, body: unknown }

type Json = Record<string, unknown>

function isRecord (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function badResponse (what: string, status: number): MagicLinkClientError {
  return new MagicLinkClientError('bad_response', `Unexpected answer from the server: ${what}`, status)
}

function record (value: unknown, what: string, status: number): Json {
  if (!isRecord(value)) throw badResponse(`${what} is not an object`, status)
  return value
}

function field<T extends 'string' | 'number' | 'boolean'> (obj: Json, key: string, type: T, status: number):
  T extends 'string' ? string : T extends 'number' ? number : boolean {
  const value = obj[key]
  if (typeof value !== type) throw badResponse(`'${key}' is not a ${type}`, status)
  return value as T extends 'string' ? string : T extends 'number' ? number : boolean
}

/** The error of a non-success answer: the plugin's coded error, an RFC 8628 poll error, or `http_error`. */
function failure (a: Answer): MagicLinkClientError {
  const b = isRecord(a.body) ? a.body : {}
  let code = 'http_error'
  if (typeof b.code === 'string') code = b.code
  // RFC 8628 §3.5 shape `{ error, error_description? }`; Fastify's own errors also have `error`, but with `statusCode`.
  else if (typeof b.error === 'string' && b.statusCode === undefined) code = b.error
  const message = [b.error_description, b.message].find((m): m is string => typeof m === 'string') ?? `HTTP ${a.status}`
  return new MagicLinkClientError(code, message, a.status, undefined, {
    ...(typeof b.reason === 'string' ? { reason: b.reason } : {}),
    ...(typeof b.attemptsLeft === 'number' ? { attemptsLeft: b.attemptsLeft } : {}),
  })
}

function expectStatus (a: Answer, status: number): void {
  if (a.status !== status) throw failure(a)
}

function approved (a: Answer): Approved {
  expectStatus(a, 200)
  return { status: 'approved', redirectTo: field(record(a.body, 'the body', a.status), 'redirectTo', 'string', a.status) }
}

function throwIfAborted (signal: AbortSignal): void {
  if (signal.aborted) throw abortedError(signal)
}

/** `setTimeout` that rejects with `aborted` when the signal fires. */
function timerSleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortedError(signal))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Whole seconds in 0..30; anything else (NaN, Infinity) is the default. */
function waitSeconds (longPoll: number | undefined): number {
  if (longPoll === undefined || !Number.isFinite(longPoll)) return DEFAULT_WAIT
  return Math.min(MAX_WAIT, Math.max(0, Math.floor(longPoll)))
}

/**
 * A client for the plugin mounted under `prefix` at `baseUrl`. It holds no state: every call
 * works from the cookies of the browser (or of the `fetch` you pass).
 */
export function createClient (options: ClientOptions = {}): MagicLinkClient {
  const root = (options.baseUrl ?? '').replace(/\/+$/, '') + (options.prefix ?? '/auth').replace(/\/+$/, '')
  // Resolved at each call, and never called as a method: `window.fetch` needs `this === window`.
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const sleep = options.sleep ?? timerSleep
  const never = new AbortController().signal

  async function call (method: 'GET' | 'POST' | 'DELETE', path: string, body: Json | undefined, signal: AbortSignal): Promise<Answer> {
    throwIfAborted(signal)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let status: number
    let text: string
    try {
      const res = await doFetch(root + path, {
        method,
        headers,
        credentials: 'same-origin',
        signal,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      status = res.status
      text = await res.text()
    } catch (error) {
      throwIfAborted(signal)
      throw new MagicLinkClientError('network_error', `Could not reach the server: ${error instanceof Error ? error.message : String(error)}`, 0, error)
    }
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text) as unknown
    } catch {
      parsed = undefined
    }
    return { status, body: parsed }
  }

  return {
    async login (email, opts = {}) {
      const a = await call('POST', '/request', { email, redirectTo: opts.redirectTo }, opts.signal ?? never)
      expectStatus(a, 202)
      const b = record(a.body, 'the body', a.status)
      return { matchCode: field(b, 'matchCode', 'string', a.status), interval: field(b, 'interval', 'number', a.status), expiresIn: field(b, 'expiresIn', 'number', a.status) }
    },

    async waitForSession (opts = {}) {
      const signal = opts.signal ?? never
      const wait = waitSeconds(opts.longPoll)
      const path = wait > 0 ? `/poll?wait=${wait}` : '/poll'
      let polls = 1
      let started = Date.now()
      let a = await call('POST', path, {}, signal)
      while (a.status !== 200) {
        const b = isRecord(a.body) ? a.body : {}
        const slowDown = a.status === 400 && b.error === 'slow_down'
        if (a.status !== 202 && !slowDown) throw failure(a)
        const interval = field(b, 'interval', 'number', a.status)
        // The server counts the interval from its previous poll (RFC 8628 §3.5): a long-poll that
        // waited its full `wait` has already spent that much of it; anything else waits it all.
        const waited = !slowDown && wait > 0 && Date.now() - started >= wait * 1000
        const delay = Math.max(0, interval - (waited ? wait : 0)) * 1000
        opts.onPending?.({ interval, polls, slowDown })
        throwIfAborted(signal)
        if (delay > 0) await sleep(delay, signal)
        polls++
        started = Date.now()
        a = await call('POST', path, {}, signal)
      }
      return approved(a)
    },

    async verifyCode (code, opts = {}) {
      return approved(await call('POST', '/code', { code }, opts.signal ?? never))
    },

    async session () {
      const a = await call('GET', '/session', undefined, never)
      if (a.status === 401) return null
      expectStatus(a, 200)
      const b = record(a.body, 'the body', a.status)
      const user = record(b.user, "'user'", a.status)
      const s = record(b.session, "'session'", a.status)
      return {
        user: { id: field(user, 'id', 'string', a.status) },
        session: {
          id: field(s, 'id', 'string', a.status),
          createdAt: field(s, 'createdAt', 'number', a.status),
          expiresAt: field(s, 'expiresAt', 'number', a.status),
          data: record(s.data, "'session.data'", a.status),
        },
      }
    },

    async sessions () {
      const a = await call('GET', '/sessions', undefined, never)
      expectStatus(a, 200)
      const list = record(a.body, 'the body', a.status).sessions
      if (!Array.isArray(list)) throw badResponse("'sessions' is not an array", a.status)
      return list.map((item: unknown) => {
        const s = record(item, 'a session', a.status)
        return {
          id: field(s, 'id', 'string', a.status),
          device: field(s, 'device', 'string', a.status),
          createdAt: field(s, 'createdAt', 'number', a.status),
          lastSeenAt: field(s, 'lastSeenAt', 'number', a.status),
          expiresAt: field(s, 'expiresAt', 'number', a.status),
          current: field(s, 'current', 'boolean', a.status),
        }
      })
    },

    async revokeSession (id) {
      expectStatus(await call('DELETE', `/sessions/${encodeURIComponent(id)}`, undefined, never), 204)
    },

    async logout () {
      expectStatus(await call('POST', '/logout', {}, never), 204)
    },

    async logoutAll () {
      expectStatus(await call('POST', '/logout-all', {}, never), 204)
    },
  }
}
