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
   * Origin of the API, e.g. `'https://api.example.com'`. Default `''`: same-origin relative URLs.
   * With another origin, cookie calls are sent with `credentials: 'include'` (the server lists
   * this page's origin in `trustedOrigins` and allows it in CORS with credentials).
   */
  baseUrl?: string
  /**
   * `'cookie'` (default): the browser holds the session in HttpOnly cookies. `'token'`: the client
   * holds a poll token, then a bearer access token and a rotating refresh token in `storage`
   * (native apps, CLIs, front-ends that cannot use cookies; the server must enable it in
   * `session.transports`).
   */
  transport?: 'cookie' | 'token'
  /**
   * Where the token transport keeps its tokens. Default: memory (lost on reload). Anything
   * with `get`/`set`/`remove`, e.g. a wrapper of `sessionStorage` or a native keychain. A page
   * that stores tokens where scripts can read them trusts every script it runs.
   */
  storage?: TokenStorage
  /**
   * Waits between polls; must reject (or resolve early) when `signal` aborts. Default: `setTimeout`.
   * Tests replace it to drive a fake clock instead of sleeping.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

/** Key-value storage for the token transport's tokens. */
export interface TokenStorage {
  get (key: string): string | null | undefined | Promise<string | null | undefined>
  set (key: string, value: string): void | Promise<void>
  remove (key: string): void | Promise<void>
}

/** A {@link TokenStorage} in memory: the tokens last as long as the page or process. */
export function memoryStorage (): TokenStorage {
  const map = new Map<string, string>()
  return {
    get: (key) => map.get(key),
    set: (key, value) => { map.set(key, value) },
    remove: (key) => { map.delete(key) },
  }
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
    /** Epoch ms of the session's last proof of the mailbox (sign-in or `reauthenticate()`). */
    authTime: number
    /** How that proof was made: `'link'`, `'code'`, `'cross-device'` or `'invite'`. */
    method: string
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
   * Resolves once this client holds the session (the cookie, or with the token transport its
   * tokens in `storage`, also when `verifyLink`/`verifyCode` completed it). Rejects with `access_denied` (too many
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
  /**
   * `POST /verify { token }` for an app that receives the link itself (a universal link, or
   * `linkUrl`): signs this client in when it is the one that asked (its binding cookie, or its
   * poll token with the token transport). Call it on a person's click, never on page load.
   */
  verifyLink (token: string, opts?: { signal?: AbortSignal }): Promise<Approved>
  /**
   * `fetch` for the app's own API: with the token transport it adds `Authorization: Bearer`,
   * and on a `401` refreshes once (one refresh at a time, shared by concurrent calls) and
   * retries. With cookies it sends them (`credentials` as for the plugin's calls).
   */
  fetch (input: string | URL, init?: RequestInit): Promise<Response>
  /** Token transport: spends the refresh token for a new pair. False when there is none or it no longer works (then the tokens are cleared). */
  refresh (): Promise<boolean>
  /**
   * `POST /reauth`: a fresh proof of the mailbox for the signed-in user, when a route answered
   * `FST_MAGIC_LINK_REAUTH_REQUIRED`. Mails the session's own address; show `matchCode`, then
   * `waitForSession()` (or `verifyCode()`): the session is replaced by one whose `authTime` is now.
   */
  reauthenticate (opts?: { signal?: AbortSignal }): Promise<LoginResult>
  /**
   * `POST /email`: asks to move the account to `email` (the server has `users.changeEmail`). The
   * new address gets a link and a code; confirm in this client with `waitForSession()` (the link
   * opened here, or approved with `matchCode`) or `verifyCode()`. The answer is the same whether
   * or not the address is free. Rejects with `FST_MAGIC_LINK_REAUTH_REQUIRED` when the session is
   * not fresh: `reauthenticate()` first.
   */
  changeEmail (email: string, opts?: { signal?: AbortSignal }): Promise<LoginResult>
}

/** Storage keys of the token transport. */
const POLL = 'fastify-magic-link.pollToken'
const ACCESS = 'fastify-magic-link.accessToken'
const REFRESH = 'fastify-magic-link.refreshToken'

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
    ...(typeof b.maxAge === 'number' ? { maxAge: b.maxAge } : {}),
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
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '')
  const root = baseUrl + (options.prefix ?? '/auth').replace(/\/+$/, '')
  // Resolved at each call, and never called as a method: `window.fetch` needs `this === window`.
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const sleep = options.sleep ?? timerSleep
  const never = new AbortController().signal
  const tokens = options.transport === 'token'
  const storage = options.storage ?? memoryStorage()
  // Cookies go along only with the cookie transport: to another origin only when asked to.
  const credentials: RequestCredentials = tokens ? 'omit' : baseUrl === '' ? 'same-origin' : 'include'

  async function authHeaders (): Promise<Record<string, string>> {
    if (!tokens) return {}
    const access = await storage.get(ACCESS)
    return typeof access === 'string' && access !== '' ? { authorization: `Bearer ${access}` } : {}
  }

  async function call (method: 'GET' | 'POST' | 'DELETE', path: string, body: Json | undefined, signal: AbortSignal, auth = false): Promise<Answer> {
    throwIfAborted(signal)
    const headers: Record<string, string> = { accept: 'application/json', ...(auth ? await authHeaders() : {}) }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let status: number
    let text: string
    try {
      const res = await doFetch(root + path, {
        method,
        headers,
        credentials,
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

  /** With the token transport, what the flow calls add: the poll token from `login()`. */
  async function pollBody (extra: Json = {}): Promise<Json> {
    if (!tokens) return extra
    const pollToken = await storage.get(POLL)
    if (typeof pollToken !== 'string') throw new MagicLinkClientError('FST_MAGIC_LINK_BAD_REQUEST', 'No login in progress: call login() first', 0)
    return { ...extra, pollToken }
  }

  /** The `verifyLink`/`verifyCode` call in flight, whose answer carries this login's tokens. */
  let completing: Promise<unknown> | null = null

  /** A completed login; with the token transport, its tokens are stored and the poll token dropped. */
  async function completed (a: Answer): Promise<Approved> {
    const result = approved(a)
    if (!tokens || !isRecord(a.body)) return result
    if (typeof a.body.accessToken === 'string') {
      await keep(a.body, a.status)
      await storage.remove(POLL)
    } else if (completing !== null) {
      // The poll heard that `verifyLink`/`verifyCode` completed this login: its answer holds the
      // tokens, so resolve only once they are stored.
      await completing.catch(() => {})
    }
    return result
  }

  function completion (run: () => Promise<Approved>): Promise<Approved> {
    const p = run()
    completing = p
    p.then(() => { if (completing === p) completing = null }, () => { if (completing === p) completing = null })
    return p
  }

  async function keep (b: Json, status: number): Promise<void> {
    await storage.set(ACCESS, field(b, 'accessToken', 'string', status))
    await storage.set(REFRESH, field(b, 'refreshToken', 'string', status))
  }

  async function forget (): Promise<void> {
    for (const key of [ACCESS, REFRESH, POLL]) await storage.remove(key)
  }

  // One refresh at a time: two refreshes with one refresh token look like a stolen token to the
  // server (reuse detection), which would end the session.
  let refreshing: Promise<boolean> | null = null
  function refresh (): Promise<boolean> {
    refreshing ??= (async () => {
      const refreshToken = tokens ? await storage.get(REFRESH) : undefined
      if (typeof refreshToken !== 'string') return false
      const a = await call('POST', '/refresh', { refreshToken }, never)
      if (a.status === 401) {
        await forget()
        return false
      }
      expectStatus(a, 200)
      await keep(record(a.body, 'the body', a.status), a.status)
      return true
    })().finally(() => { refreshing = null })
    return refreshing
  }

  /**
   * After a 401 that was sent `sent` (the access token of that call): true when a retry may
   * succeed, because another call refreshed meanwhile or this one just did.
   */
  async function renewed (sent: string | null | undefined): Promise<boolean> {
    if (!tokens) return false
    const now = await storage.get(ACCESS)
    return (typeof now === 'string' && now !== sent) || await refresh()
  }

  /** A session call: with the token transport, the bearer; on a 401, one refresh and one retry. */
  async function authed (method: 'GET' | 'POST' | 'DELETE', path: string, body: Json | undefined, signal: AbortSignal = never): Promise<Answer> {
    const sent = tokens ? await storage.get(ACCESS) : null
    const a = await call(method, path, body, signal, true)
    if (a.status !== 401 || !await renewed(sent)) return a
    return await call(method, path, body, signal, true)
  }

  /** A started flow (`POST /request`, `POST /reauth`): with the token transport its poll token is kept. */
  async function started (a: Answer): Promise<LoginResult> {
    expectStatus(a, 202)
    const b = record(a.body, 'the body', a.status)
    if (tokens) await storage.set(POLL, field(b, 'pollToken', 'string', a.status))
    return { matchCode: field(b, 'matchCode', 'string', a.status), interval: field(b, 'interval', 'number', a.status), expiresIn: field(b, 'expiresIn', 'number', a.status) }
  }

  return {
    async login (email, opts = {}) {
      return await started(await call('POST', '/request', { email, redirectTo: opts.redirectTo, ...(tokens ? { transport: 'token' } : {}) }, opts.signal ?? never))
    },

    async reauthenticate (opts = {}) {
      return await started(await authed('POST', '/reauth', {}, opts.signal))
    },

    async changeEmail (email, opts = {}) {
      return await started(await authed('POST', '/email', { email }, opts.signal))
    },

    async waitForSession (opts = {}) {
      const signal = opts.signal ?? never
      const wait = waitSeconds(opts.longPoll)
      const path = wait > 0 ? `/poll?wait=${wait}` : '/poll'
      let polls = 1
      let started = Date.now()
      const body = await pollBody()
      // The bearer goes along: completing a reauth or an address change needs this session.
      let a = await call('POST', path, body, signal, true)
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
        a = await call('POST', path, body, signal, true)
      }
      return await completed(a)
    },

    async verifyCode (code, opts = {}) {
      return await completion(async () => await completed(await call('POST', '/code', await pollBody({ code }), opts.signal ?? never, true)))
    },

    async verifyLink (token, opts = {}) {
      return await completion(async () => await completed(await call('POST', '/verify', await pollBody({ token }), opts.signal ?? never, true)))
    },

    async fetch (input, init = {}) {
      const send = async (): Promise<Response> => {
        const headers = new Headers(init.headers)
        for (const [name, value] of Object.entries(await authHeaders())) headers.set(name, value)
        return await doFetch(input, { credentials, ...init, headers })
      }
      const sent = tokens ? await storage.get(ACCESS) : null
      const res = await send()
      if (res.status !== 401 || !await renewed(sent)) return res
      return await send()
    },

    refresh,

    async session () {
      const a = await authed('GET', '/session', undefined)
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
          authTime: field(s, 'authTime', 'number', a.status),
          method: field(s, 'method', 'string', a.status),
          data: record(s.data, "'session.data'", a.status),
        },
      }
    },

    async sessions () {
      const a = await authed('GET', '/sessions', undefined)
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
      expectStatus(await authed('DELETE', `/sessions/${encodeURIComponent(id)}`, undefined), 204)
    },

    async logout () {
      const a = await authed('POST', '/logout', {})
      await forget()
      expectStatus(a, 204)
    },

    async logoutAll () {
      const a = await authed('POST', '/logout-all', {})
      await forget()
      expectStatus(a, 204)
    },
  }
}
