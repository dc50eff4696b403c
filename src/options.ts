import type { FastifyRequest } from 'fastify'
import { errors } from './errors.js'
import { parseDuration, type Duration } from './duration.js'
import { cookieSpec, type CookieSpec } from './cookies.js'
import { MemoryStore } from './store/memory-store.js'
import type { MagicLinkStore } from './store/types.js'
import type { MagicLinkEvent } from './events.js'
import type { MailContext, RenderedMail } from './mail/template.js'
import { canonicalLocale, messages as shipped, shippedLocales } from './i18n/index.js'
import { en } from './i18n/en.js'
import type { MagicLinkMessages, PluralForms } from './i18n/types.js'
import { textOn, type Brand, type PageModel } from './pages/index.js'

/**
 * The user record your `users.find` / `users.create` return. Only `id` is read by the plugin.
 * Extend it with `declare module 'fastify-magic-link' { interface MagicLinkUser { email: string } }`
 * to type `users.claims`'s argument.
 */
export interface MagicLinkUser {
  id: string
  /** The user's language (BCP 47, e.g. `'de'`): their mails are written in it when the app offers it. */
  locale?: string
}

/**
 * Claims stored with the session and exposed as `request.session.data`. Merge your own fields:
 * `declare module 'fastify-magic-link' { interface MagicLinkSessionData { role: 'admin' | 'user' } }`
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MagicLinkSessionData {}

/** One message, as handed to the transport: exactly one recipient, in `to` and in the envelope. */
export interface MailMessage {
  from: string
  to: string
  envelope: { from: string, to: string[] }
  subject: string
  text: string
  html: string
}

/** What the plugin needs of a nodemailer transport (`nodemailer.createTransport(...)` fits). */
export interface MailTransport {
  sendMail (message: MailMessage): Promise<unknown>
}

export interface MailOptions {
  /** A nodemailer transport. Use SMTP with `requireTLS: true` in production. */
  transport: MailTransport
  /** The `From` header and envelope sender, e.g. `'Example <login@example.com>'`. */
  from: string
  /** Replaces the default template. Must not put the user's address in the subject. */
  render?: (ctx: MailContext) => RenderedMail | Promise<RenderedMail>
}

export interface UsersOptions {
  /** Looks a user up by normalized address. Return null when there is none. */
  find: (email: string) => MagicLinkUser | null | Promise<MagicLinkUser | null>
  /** Creates a user at their first completed sign-in. Absent: unknown addresses get no mail (and the same 202). */
  create?: (email: string, request: FastifyRequest) => MagicLinkUser | Promise<MagicLinkUser>
  /** Claims kept in the session (`request.session.data`), reloaded at every refresh. Default: `{}`. */
  claims?: (user: MagicLinkUser) => MagicLinkSessionData | Promise<MagicLinkSessionData>
  /**
   * Changes a user's address, once the new one is confirmed (`POST /email`). Called exactly once
   * per confirmed change; throwing aborts the change (nothing else happens). Absent: `POST /email`
   * is not registered.
   */
  changeEmail?: (userId: string, newEmail: string, request: FastifyRequest) => void | Promise<void>
}

export interface SessionOptions {
  /** Absolute lifetime. Default `'30d'`. */
  ttl?: Duration
  /** Sliding idle lifetime; also the cookie's Max-Age. Default `'7d'`. */
  idleTtl?: Duration
  /** Lifetime of the signed cookie; after it, the next request refreshes from the store. Default `'5m'`. */
  accessTtl?: Duration
  /**
   * Default `'__Host-sid'` on an https origin, `'__Secure-sid'` with `cookie.domain`, `'sid'` on
   * an http dev origin.
   */
  cookieName?: string
  /** Attributes of the session cookie. */
  cookie?: SessionCookieOptions
  /**
   * How clients hold a session: `'cookie'` (browsers), `'token'` (bearer access token and
   * rotating refresh token, for native apps, CLIs and front-ends without cookies). Default `['cookie']`.
   */
  transports?: Array<'cookie' | 'token'>
  /** Verified cookies kept in memory. Default `10_000`. */
  cacheSize?: number
}

export interface SessionCookieOptions {
  /**
   * Share the session cookie with subdomains (`'example.com'`: sent to `app.example.com` and
   * `api.example.com`). The origin's host must be that domain or under it; needs https. The
   * cookie is then `__Secure-sid` (a `__Host-` cookie cannot carry a `Domain`). Default: none
   * (host-only).
   */
  domain?: string
  /**
   * `'strict'`, `'lax'` or `'none'` for the session and login cookies. `'none'` (a front-end on
   * another site) adds `Secure` and `Partitioned`. Default `'lax'`.
   */
  sameSite?: 'strict' | 'lax' | 'none'
}

export interface RateLimitOptions {
  /** Per normalized address, silent (same 202, no mail): minimum gap between mails. Default `'60s'`. */
  emailInterval?: Duration
  /** Per normalized address, silent: mails per hour. Default `5`. */
  emailPerHour?: number
  /** Per IP on `POST /request` (429 + Retry-After). Default `10`. */
  ipMax?: number
  /** Window of `ipMax`. Default `'15m'`. */
  ipWindow?: Duration
  /** Per IP on `POST /verify`, `/code` and `/revoke`, per minute. Default `30`. */
  verifyPerMinute?: number
  /** Per IP on `POST /poll`, per minute. Default `120`. */
  pollPerMinute?: number
}

/** The app's brand on every page and mail. */
export interface BrandOptions {
  /** Product name in titles, headings and mail subjects. Default: the host of `origin`. */
  name?: string
  /**
   * Logo above every page and mail: a same-origin path (`'/logo.svg'`) or an `https://` URL.
   * The pages' CSP allows exactly this image. Default: none.
   */
  logoUrl?: string
  /** Accent colour `#rrggbb` for buttons and focus rings; the button text colour is chosen for contrast. Default: the plugin's blue. */
  color?: string
  /** Where people get help (same-origin path or `https://` URL), linked on pages and in mails. Default: none. */
  supportUrl?: string
}

/** Which language pages and mails speak. */
export interface LocaleOptions {
  /** Used when nothing else matches. Default `'en'`. */
  default?: string
  /** The locales the app offers (BCP 47 tags). Default: every shipped locale and every one added in `messages`. */
  supported?: string[]
  /**
   * First say on a request's locale (a user setting, a cookie, a path segment); `undefined` or an
   * unsupported tag falls through to `Accept-Language`. Default: none.
   */
  resolve?: (request: FastifyRequest) => string | undefined
  /**
   * Overrides of any text of a shipped locale, or a new locale (its missing keys come from
   * `default`): `{ de: { 'sameBrowser.button': 'Weiter' } }`. Default: none.
   */
  messages?: Readonly<Record<string, Partial<MagicLinkMessages>>>
}

/** The plugin's pages. */
export interface PagesOptions {
  /**
   * Replaces the HTML of every page. The plugin keeps the status, the headers and the CSP; the
   * model carries a per-response `nonce` for your own `<style>` and `<script>`, and the HTML the
   * plugin would send (`model.html`). Default: the plugin's pages.
   */
  render?: (page: PageModel) => string
}

/**
 * Which mail: the sign-in mail, the new-sign-in notice, an address change's mail to the new
 * address (confirmation or "already has an account"), the notice to the old address.
 */
export type MailKind = 'login' | 'notice' | 'change' | 'changed'

/** Context passed to the hooks. */
export interface LoginEvent {
  user: MagicLinkUser
  sessionId: string
  /** True when the link was opened on another device than the one that signed in. */
  crossDevice: boolean
  request: FastifyRequest
}

export interface LogoutEvent {
  userId: string
  /** Revoked session ids. */
  sessionIds: string[]
  request: FastifyRequest
}

export interface HooksOptions {
  /** After `POST /request` accepted an address (known or not: `known` says which). */
  onLoginRequested?: (event: { email: string, known: boolean, request: FastifyRequest }) => void | Promise<void>
  /** After a session was created. */
  onLogin?: (event: LoginEvent) => void | Promise<void>
  /** After `POST /logout`, `/logout-all` or `DELETE /sessions/:id`. */
  onLogout?: (event: LogoutEvent) => void | Promise<void>
  /** A mail could not be sent. The error never carries the link. */
  onMailError?: (error: unknown, event: { email: string, kind: MailKind }) => void | Promise<void>
  /**
   * Every flow and session transition, as also published on `diagnostics_channel`
   * `'fastify-magic-link:event'` (see {@link MagicLinkEvent}): public ids only, never an
   * address, a token, a code or a cookie. Called synchronously, after the transition; what it
   * throws or rejects is logged and changes no response. Default: none (and then, with no
   * channel subscriber either, no event is built).
   */
  onEvent?: (event: MagicLinkEvent) => void | Promise<void>
}

/** Options of the plugin. */
export interface MagicLinkOptions {
  /** Required. Public origin of the app (`https://…`, or `http://localhost…` outside production). Links and Origin checks use it only, never the Host header. */
  origin: string
  /** Required. Signs session JWTs (HS256); at least 32 characters. An array rotates: the first signs, all verify. */
  secret: string | string[]
  /**
   * More exact origins (`https://app.example.com`) allowed to call the state-changing routes, e.g.
   * a front-end on another origin. No wildcards. CORS stays the app's (`@fastify/cors`). Default `[]`.
   */
  trustedOrigins?: string[]
  /** Default `new MemoryStore()` (single process; warns in production). */
  store?: MagicLinkStore
  /** Default: outside production, links are written to the log at `info` (a dev outbox). Required in production unless `sendMail` is set. */
  mail?: MailOptions
  /** Replaces `mail` entirely: deliver the message yourself (queues, other providers). `ctx` is the login mail's context, and null for every other mail (notices, address changes). */
  sendMail?: (message: MailMessage, ctx: MailContext | null) => Promise<void>
  /** Required. User lookup and creation. */
  users: UsersOptions
  /** Route prefix. Default `'/auth'`. */
  prefix?: string
  /** Flow and link lifetime. Default `'10m'`. */
  linkTtl?: Duration
  /** Seconds between polls (RFC 8628 `interval`). Default `5`. */
  pollInterval?: number
  /** `'code'`: approve from another device with the code shown on the asking screen. `'off'`: same browser only. Default `'code'`. */
  crossDevice?: 'code' | 'off'
  /** The mail also carries a 6-digit code to type on the asking device. Default `true`. */
  otp?: boolean
  /** Session lifetimes and cookie. */
  session?: SessionOptions
  /** Milliseconds before a store call answers 503. Default `1000`. */
  storeTimeout?: number
  /** Limits; `false` disables the per-IP and per-address limits (attempt limits per flow stay). */
  rateLimit?: false | RateLimitOptions
  /** Same-origin path where the plugin's pages send people to start again. Default `'/'`. */
  loginUrl?: string
  /** Same-origin path where people see and end their sessions: the notices link there. Default: `loginUrl`. */
  accountUrl?: string
  /** Address changes (`POST /email`, with `users.changeEmail`). */
  emailChange?: {
    /** The session must have proved its mailbox this recently (see `requireRecentLogin`). Default `'10m'`. */
    maxAge?: Duration
  }
  /** Allowed `redirectTo` path prefixes (same origin only). Default `{ allow: ['/'] }`. */
  redirect?: { allow?: string[] }
  hooks?: HooksOptions
  /** Runs before `POST /request` does anything (e.g. a CAPTCHA check); throw a 4xx error to refuse. Must not depend on the address. */
  beforeRequest?: (request: FastifyRequest) => void | Promise<void>
  /** Mail a "new sign-in" notice after a cross-device login. Default `true`. */
  notifyNewSignIn?: boolean
  /** Name, logo, colour and support link on every page and mail. Default: `{ name: <origin host> }`. */
  brand?: BrandOptions
  /** Languages of pages and mails. Default: every shipped locale, `'en'` when nothing matches. */
  locale?: LocaleOptions
  /** Your own HTML for the plugin's pages. */
  pages?: PagesOptions
  /**
   * A same-origin path of your own verify page, e.g. `'/login/verify'`: mails link there with the
   * token in the fragment (`…/login/verify#token=…`), which never reaches a server log or a
   * `Referer`. That page reads it, shows `POST /link`'s state, and posts `/verify` on a click.
   * Default: the plugin's `GET /verify` page.
   */
  linkUrl?: string
  /** Clock in epoch ms, for tests. Default `Date.now`. */
  now?: () => number
}

export interface ResolvedOptions {
  readonly origin: string
  readonly secure: boolean
  readonly appName: string
  readonly brand: Brand
  readonly locale: {
    readonly default: string
    readonly supported: readonly string[]
    readonly resolve: LocaleOptions['resolve'] | null
    /** Full catalogs of every supported locale (shipped, overridden, added). */
    readonly messages: Readonly<Record<string, MagicLinkMessages>>
  }
  readonly render: PagesOptions['render'] | null
  readonly linkUrl: string | null
  readonly secrets: readonly string[]
  readonly store: MagicLinkStore
  readonly storeIsDefault: boolean
  readonly mail: MailOptions | null
  readonly sendMail: MagicLinkOptions['sendMail'] | null
  readonly users: UsersOptions
  readonly prefix: string
  readonly linkTtl: number
  readonly pollInterval: number
  readonly crossDevice: 'code' | 'off'
  readonly otp: boolean
  readonly session: {
    readonly ttl: number
    readonly idleTtl: number
    readonly accessTtl: number
    readonly cookieName: string
    readonly cookie: CookieSpec
    readonly cacheSize: number
    readonly cookieTransport: boolean
    readonly tokenTransport: boolean
  }
  /** The binding cookie of a login in progress. */
  readonly flowCookie: CookieSpec
  readonly trustedOrigins: ReadonlySet<string>
  readonly storeTimeout: number
  readonly rateLimit: false | Required<{ [K in keyof RateLimitOptions]: number }>
  readonly loginUrl: string
  readonly accountUrl: string
  /** Milliseconds: how fresh a session must be to change its address. */
  readonly emailChangeMaxAge: number
  readonly redirectAllow: readonly string[]
  readonly hooks: HooksOptions
  readonly beforeRequest: MagicLinkOptions['beforeRequest'] | null
  readonly notifyNewSignIn: boolean
  readonly now: () => number
  readonly production: boolean
  readonly maxAttempts: number
  /** Wrong codes per address over all its flows in 24 h (SECURITY.md T18). */
  readonly maxAddressFailures: number
  readonly claimWindow: number
}

function fail (option: string, expected: string, got: unknown, describeValue: (value: unknown) => string = describe): never {
  throw new errors.OPTIONS(`\`${option}\`: expected ${expected}, got ${describeValue(got)}`)
}

/** The shape of a secret, never its value: option errors reach logs and error trackers. */
function describeSecret (value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`
  if (!Array.isArray(value)) return value === null ? 'null' : typeof value
  const bad = value.findIndex((s) => typeof s !== 'string' || s.length < 32)
  return bad === -1 ? 'an empty array' : `an array whose item ${bad} is ${describeSecret(value[bad])}`
}

function describe (value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}

function duration (option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  const ms = parseDuration(value)
  return ms ?? fail(option, "a positive duration (ms number or a string like '10m')", value)
}

function positiveInt (option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  return Number.isSafeInteger(value) && (value as number) > 0 ? value as number : fail(option, 'a positive integer', value)
}

function fn<T> (option: string, value: T | undefined, required = false): T | null {
  if (value === undefined && !required) return null
  return typeof value === 'function' ? value : fail(option, 'a function', value)
}

/** A same-origin absolute path: `/x`, never `//x`, `/\x` or control characters. */
export function isLocalPath (value: unknown): value is string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value)
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Checks every option, applies defaults, and returns a frozen object: the only reader of raw options and `process.env`. */
export function resolveOptions (raw: MagicLinkOptions): ResolvedOptions {
  const production = process.env.NODE_ENV === 'production'

  let url: URL | null = null
  try { url = new URL(raw.origin) } catch {}
  if (typeof raw.origin !== 'string' || url === null || url.origin !== raw.origin.replace(/\/$/, '') ||
    (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname) && !production))) {
    fail('origin', "an https origin such as 'https://app.example.com' (http only for localhost outside production), without path", raw.origin)
  }
  const secure = url.protocol === 'https:'

  const secrets = Array.isArray(raw.secret) ? raw.secret : [raw.secret]
  if (secrets.length === 0 || !secrets.every((s) => typeof s === 'string' && s.length >= 32)) {
    fail('secret', 'a string of at least 32 characters, or a non-empty array of them', raw.secret, describeSecret)
  }

  if (raw.store !== undefined && (raw.store === null || typeof raw.store !== 'object' || typeof raw.store.createFlow !== 'function')) {
    fail('store', 'a MagicLinkStore (RedisStore, MemoryStore or your own)', raw.store)
  }

  if (raw.mail !== undefined && (raw.mail === null || typeof raw.mail !== 'object' ||
    raw.mail.transport === null || typeof raw.mail.transport?.sendMail !== 'function')) {
    fail('mail.transport', 'a nodemailer transport (an object with sendMail)', raw.mail?.transport)
  }
  if (raw.mail !== undefined && (typeof raw.mail.from !== 'string' || /[\r\n]/.test(raw.mail.from) || raw.mail.from === '')) {
    fail('mail.from', "a sender such as 'Example <login@example.com>'", raw.mail.from)
  }
  fn('mail.render', raw.mail?.render)
  const sendMail = fn('sendMail', raw.sendMail)
  if (production && raw.mail === undefined && sendMail === null) {
    fail('mail', 'a mail transport or sendMail in production (links must not go to the log)', raw.mail)
  }

  if (raw.users === null || typeof raw.users !== 'object') fail('users', 'an object with find()', raw.users)
  fn('users.find', raw.users.find, true)
  fn('users.create', raw.users.create)
  fn('users.claims', raw.users.claims)

  const prefix = raw.prefix ?? '/auth'
  if (prefix !== '' && !(isLocalPath(prefix) && !prefix.endsWith('/'))) fail('prefix', "a path like '/auth' (or '')", raw.prefix)

  const linkTtl = duration('linkTtl', raw.linkTtl, 600_000)
  if (linkTtl > 3_600_000) fail('linkTtl', 'at most 60 minutes', raw.linkTtl)
  const pollInterval = positiveInt('pollInterval', raw.pollInterval, 5)
  const crossDevice = raw.crossDevice ?? 'code'
  if (crossDevice !== 'code' && crossDevice !== 'off') fail('crossDevice', "'code' or 'off'", raw.crossDevice)
  const otp = raw.otp ?? true
  if (typeof otp !== 'boolean') fail('otp', 'a boolean', raw.otp)

  const s = raw.session ?? {}
  if (typeof s !== 'object') fail('session', 'an object', raw.session)
  const ttl = duration('session.ttl', s.ttl, 30 * 86_400_000)
  const idleTtl = duration('session.idleTtl', s.idleTtl, 7 * 86_400_000)
  const accessTtl = duration('session.accessTtl', s.accessTtl, 300_000)
  if (idleTtl > ttl) fail('session.idleTtl', 'at most session.ttl', s.idleTtl)
  if (accessTtl > idleTtl) fail('session.accessTtl', 'at most session.idleTtl', s.accessTtl)
  const c = s.cookie ?? {}
  if (typeof c !== 'object' || c === null) fail('session.cookie', 'an object', s.cookie)
  const domain = c.domain === undefined ? null : cookieDomain(c.domain, url, secure)
  const sameSite = c.sameSite ?? 'lax'
  if (sameSite !== 'strict' && sameSite !== 'lax' && sameSite !== 'none') fail('session.cookie.sameSite', "'strict', 'lax' or 'none'", c.sameSite)
  const cookieName = s.cookieName ?? (domain !== null ? '__Secure-sid' : secure ? '__Host-sid' : 'sid')
  if (typeof cookieName !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName) || (cookieName.startsWith('__Host-') && (!secure || domain !== null))) {
    fail('session.cookieName', 'a cookie name (a __Host- name needs an https origin and no cookie.domain)', s.cookieName)
  }
  const transports = s.transports ?? ['cookie']
  if (!Array.isArray(transports) || transports.length === 0 || !transports.every((x) => x === 'cookie' || x === 'token')) {
    fail('session.transports', "a non-empty array of 'cookie' and 'token'", s.transports)
  }
  const trusted = raw.trustedOrigins ?? []
  if (!Array.isArray(trusted)) fail('trustedOrigins', "an array of origins such as ['https://app.example.com']", raw.trustedOrigins)
  for (const t of trusted) {
    let u: URL | null = null
    try { u = new URL(t) } catch {}
    if (typeof t !== 'string' || u === null || u.origin !== t || t.includes('*') || (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname) && !production))) {
      fail('trustedOrigins', "exact origins such as 'https://app.example.com' (scheme, host and port, no path, no wildcard)", t)
    }
  }
  const cacheSize = positiveInt('session.cacheSize', s.cacheSize, 10_000)

  const storeTimeout = positiveInt('storeTimeout', raw.storeTimeout, 1000)

  let rateLimit: ResolvedOptions['rateLimit'] = false
  if (raw.rateLimit !== false) {
    const r = raw.rateLimit ?? {}
    if (typeof r !== 'object') fail('rateLimit', 'false or an object', raw.rateLimit)
    rateLimit = Object.freeze({
      emailInterval: duration('rateLimit.emailInterval', r.emailInterval, 60_000),
      emailPerHour: positiveInt('rateLimit.emailPerHour', r.emailPerHour, 5),
      ipMax: positiveInt('rateLimit.ipMax', r.ipMax, 10),
      ipWindow: duration('rateLimit.ipWindow', r.ipWindow, 900_000),
      verifyPerMinute: positiveInt('rateLimit.verifyPerMinute', r.verifyPerMinute, 30),
      pollPerMinute: positiveInt('rateLimit.pollPerMinute', r.pollPerMinute, 120),
    })
  }

  const loginUrl = raw.loginUrl ?? '/'
  if (!isLocalPath(loginUrl)) fail('loginUrl', "a same-origin path such as '/sign-in'", raw.loginUrl)
  const accountUrl = raw.accountUrl ?? loginUrl
  if (!isLocalPath(accountUrl)) fail('accountUrl', "a same-origin path such as '/account'", raw.accountUrl)
  fn('users.changeEmail', raw.users.changeEmail)
  const emailChangeMaxAge = duration('emailChange.maxAge', raw.emailChange?.maxAge, 600_000)
  const allow = raw.redirect?.allow ?? ['/']
  if (!Array.isArray(allow) || allow.length === 0 || !allow.every(isLocalPath)) {
    fail('redirect.allow', "a non-empty array of same-origin path prefixes such as ['/app']", raw.redirect?.allow)
  }

  const hooks = raw.hooks ?? {}
  if (typeof hooks !== 'object') fail('hooks', 'an object', raw.hooks)
  for (const name of ['onLoginRequested', 'onLogin', 'onLogout', 'onMailError', 'onEvent'] as const) fn(`hooks.${name}`, hooks[name])
  const beforeRequest = fn('beforeRequest', raw.beforeRequest)
  const notifyNewSignIn = raw.notifyNewSignIn ?? true
  if (typeof notifyNewSignIn !== 'boolean') fail('notifyNewSignIn', 'a boolean', raw.notifyNewSignIn)
  const now = fn('now', raw.now) ?? Date.now
  const brand = resolveBrand(raw.brand, url)
  const locale = resolveLocale(raw.locale)
  const render = fn('pages.render', raw.pages?.render)
  const linkUrl = raw.linkUrl ?? null
  if (linkUrl !== null && !(isLocalPath(linkUrl) && !linkUrl.includes('#'))) fail('linkUrl', "a same-origin path without a fragment, such as '/login/verify'", raw.linkUrl)

  return Object.freeze({
    origin: url.origin,
    secure,
    appName: brand.name,
    brand,
    locale,
    render,
    linkUrl,
    secrets: Object.freeze([...secrets]),
    store: raw.store ?? new MemoryStore(),
    storeIsDefault: raw.store === undefined,
    mail: raw.mail ?? null,
    sendMail,
    users: raw.users,
    prefix,
    linkTtl,
    pollInterval,
    crossDevice,
    otp,
    session: Object.freeze({
      ttl, idleTtl, accessTtl, cookieName, cacheSize,
      cookie: cookieSpec(cookieName, { secure, sameSite, domain }),
      cookieTransport: transports.includes('cookie'),
      tokenTransport: transports.includes('token'),
    }),
    flowCookie: cookieSpec(secure ? '__Host-mlflow' : 'mlflow', { secure, sameSite, domain: null }),
    trustedOrigins: new Set(trusted),
    storeTimeout,
    rateLimit,
    loginUrl,
    accountUrl,
    emailChangeMaxAge,
    redirectAllow: Object.freeze([...allow]),
    hooks,
    beforeRequest,
    notifyNewSignIn,
    now,
    production,
    maxAttempts: 5,
    maxAddressFailures: 20,
    claimWindow: 120_000,
  })
}

/** An `https://` URL or a same-origin path, made absolute; no character that would end a CSP source or an HTML attribute. */
function brandUrl (option: string, value: unknown, origin: URL): string | null {
  if (value === undefined) return null
  if (typeof value === 'string' && /^[^\s;,'"<>\\]+$/.test(value)) {
    if (isLocalPath(value)) return origin.origin + value
    try {
      const u = new URL(value)
      if (u.protocol === 'https:' && u.username === '' && u.password === '') return u.href
    } catch {}
  }
  return fail(option, "a same-origin path or an https:// URL", value)
}

function resolveBrand (raw: BrandOptions | undefined, origin: URL): Brand {
  const b = raw ?? {}
  if (typeof b !== 'object' || b === null) fail('brand', 'an object', raw)
  const name = b.name ?? origin.host
  if (typeof name !== 'string' || name.trim() === '' || name.length > 80 || /[\r\n]/.test(name)) fail('brand.name', 'a name of 1 to 80 characters on one line', b.name)
  const color = b.color ?? null
  if (color !== null && !/^#[0-9a-fA-F]{6}$/.test(color)) fail('brand.color', "a colour '#rrggbb'", b.color)
  return Object.freeze({
    name,
    logoUrl: brandUrl('brand.logoUrl', b.logoUrl, origin),
    color: color === null ? null : color.toLowerCase(),
    onColor: color === null ? null : textOn(color),
    supportUrl: brandUrl('brand.supportUrl', b.supportUrl, origin),
  })
}

const MESSAGE_KEYS = new Set(Object.keys(en))

function isMessage (value: unknown): value is string | PluralForms {
  return typeof value === 'string' ||
    (typeof value === 'object' && value !== null && typeof (value as PluralForms).other === 'string' &&
      Object.values(value).every((v) => typeof v === 'string'))
}

function resolveLocale (raw: LocaleOptions | undefined): ResolvedOptions['locale'] {
  const l = raw ?? {}
  if (typeof l !== 'object' || l === null) fail('locale', 'an object', raw)
  const overrides = l.messages ?? {}
  if (typeof overrides !== 'object' || overrides === null) fail('locale.messages', 'an object of catalogs by locale', l.messages)
  const added: Record<string, Partial<MagicLinkMessages>> = {}
  for (const [tag, catalog] of Object.entries(overrides)) {
    const canonical = canonicalLocale(tag) ?? fail('locale.messages', 'catalogs keyed by BCP 47 tags', tag)
    if (typeof catalog !== 'object' || catalog === null) fail(`locale.messages.${tag}`, 'an object of messages', catalog)
    for (const [key, value] of Object.entries(catalog)) {
      if (!MESSAGE_KEYS.has(key)) fail(`locale.messages.${tag}`, 'keys of MagicLinkMessages', key)
      if (!isMessage(value)) fail(`locale.messages.${tag}.${key}`, 'a string (or plural forms with `other`)', value)
    }
    added[canonical] = catalog
  }
  const fallback = canonicalLocale(l.default ?? 'en') ?? fail('locale.default', "a BCP 47 tag such as 'en'", l.default)
  const supported = l.supported === undefined
    ? [...new Set([...shippedLocales, ...Object.keys(added)])]
    : Array.isArray(l.supported) && l.supported.length > 0
      ? l.supported.map((tag) => canonicalLocale(tag) ?? fail('locale.supported', 'BCP 47 tags', tag))
      : fail('locale.supported', 'a non-empty array of BCP 47 tags', l.supported)
  if (!supported.includes(fallback)) fail('locale.default', `one of locale.supported (${supported.join(', ')})`, l.default)
  const base = { ...(shipped[fallback] ?? en), ...added[fallback] } as MagicLinkMessages
  const catalogs: Record<string, MagicLinkMessages> = {}
  for (const tag of supported) {
    if (shipped[tag] === undefined && added[tag] === undefined) fail('locale.supported', 'shipped locales or ones added in locale.messages', tag)
    catalogs[tag] = Object.freeze({ ...base, ...shipped[tag], ...added[tag] }) as MagicLinkMessages
  }
  return Object.freeze({
    default: fallback,
    supported: Object.freeze(supported),
    resolve: fn('locale.resolve', l.resolve),
    messages: Object.freeze(catalogs),
  })
}

/** A cookie `Domain` the origin's host is under (`example.com`, or `.example.com`), lower-cased, without the dot. */
function cookieDomain (value: unknown, origin: URL, secure: boolean): string {
  const domain = typeof value === 'string' ? value.replace(/^\./, '').toLowerCase() : ''
  const host = origin.hostname
  if (!secure || !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/.test(domain) || !(host === domain || host.endsWith(`.${domain}`))) {
    fail('session.cookie.domain', `a domain the origin's host (${host}) is under, such as '${host.split('.').slice(-2).join('.')}', on an https origin`, value)
  }
  return domain
}
