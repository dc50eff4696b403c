import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { randomBytes } from 'node:crypto'
import { readCookie, setCookie } from '../cookies.js'
import { sha256 } from '../crypto.js'
import { matchLocale, parseAcceptLanguage, Translator } from '../i18n/index.js'
import { errors } from '../errors.js'
import { describeUserAgent } from '../mail/user-agent.js'
import type { MailSender } from '../mail/sender.js'
import type { MagicLinkUser, ResolvedOptions } from '../options.js'
import { pageContext, renderPage, type PageInput, type PageView, type Theme } from '../pages/index.js'
import { userGroup, type IssuedTokens, type MagicLinkSession, type SessionIds, type SessionManager } from '../session/manager.js'
import type { EventBus } from '../events.js'
import type { FlowWaiters } from './waiters.js'
import type { MagicLinkStore, SessionRecord, SignInMethod } from '../store/types.js'

/** Everything the route groups share. */
export interface Core {
  o: ResolvedOptions
  /** The routes' full path prefix: the registering scope's prefix, then `prefix` (`'/api/auth'`). */
  prefix: string
  store: MagicLinkStore
  sessions: SessionManager
  mail: MailSender
  waiters: FlowWaiters
  /** The pages' stylesheet and CSP for this instance's brand. */
  theme: Theme
  /** One translator per supported locale. */
  translators: ReadonlyMap<string, Translator>
  /** The `diagnostics_channel` events and `hooks.onEvent`. */
  events: EventBus
}

/** One translator per supported locale, made once. */
export function translatorsOf (o: ResolvedOptions): ReadonlyMap<string, Translator> {
  return new Map(o.locale.supported.map((tag) => [tag, new Translator(tag, o.locale.messages[tag] as Translator['messages'])]))
}

/** The translator of `tag` when the app offers it (exactly or by language), else of the default locale. */
export function translatorFor (core: Core, ...tags: Array<string | undefined | null>): Translator {
  const wanted = tags.filter((tag): tag is string => typeof tag === 'string')
  const tag = matchLocale(wanted, core.o.locale.supported) ?? core.o.locale.default
  return core.translators.get(tag) as Translator
}

/**
 * A request's locale: the app's `locale.resolve`, then `Accept-Language` (q-values, `de-AT` →
 * `de`), then `locale.default`, among the supported locales.
 */
export function requestLocale (core: Core, request: FastifyRequest): Translator {
  let resolved: string | undefined
  try {
    resolved = core.o.locale.resolve?.(request)
  } catch (error) {
    // The app's resolver failed: the page still comes, in the Accept-Language choice.
    request.log.error({ err: error }, 'fastify-magic-link: locale.resolve failed')
  }
  return translatorFor(core, resolved, ...parseAcceptLanguage(request.headers['accept-language']))
}

const FLOW_ID = /^[A-Za-z0-9_-]{33}$/
const SECRET = /^[A-Za-z0-9_-]{43}$/

/** `<flowId>.<secret>`: the link token and the binding cookie share this shape. */
export function splitToken (value: unknown): { flowId: string, secret: string } | null {
  if (typeof value !== 'string' || value.length !== 77) return null
  const flowId = value.slice(0, 33)
  const secret = value.slice(34)
  if (value[33] !== '.' || !FLOW_ID.test(flowId) || !SECRET.test(secret)) return null
  return { flowId, secret }
}

/** This browser's binding cookie, split into its flow id and poll secret; null when absent or malformed. */
export function bindingOf (core: Core, request: FastifyRequest): { flowId: string, secret: string } | null {
  return splitToken(readCookie(request.headers.cookie, core.o.flowCookie.name))
}

/**
 * The client's binding: the `pollToken` it sent (token transport), else its binding cookie.
 * A `pollToken` is refused unless `session.transports` has `'token'`.
 */
export function bindingFrom (core: Core, request: FastifyRequest, pollToken: string | undefined): { flowId: string, secret: string } | null {
  if (pollToken === undefined) return bindingOf(core, request)
  tokenTransport(core)
  return splitToken(pollToken)
}

/** Refuses token-transport input when the app did not enable it. */
export function tokenTransport (core: Core): void {
  if (!core.o.session.tokenTransport) throw new errors.BAD_REQUEST("The token transport is not enabled: add 'token' to session.transports")
}

/** SHA-256 of this client's poll secret when its binding (cookie or `pollToken`) belongs to `flowId`. */
export function bindingFor (core: Core, request: FastifyRequest, flowId: string, pollToken?: string): string | null {
  const b = bindingFrom(core, request, pollToken)
  return b !== null && b.flowId === flowId ? sha256(b.secret) : null
}

export function setBinding (core: Core, reply: FastifyReply, value: string): void {
  setCookie(reply, core.o.flowCookie, value, Math.ceil(core.o.linkTtl / 1000))
}

export function clearBinding (core: Core, reply: FastifyReply): void {
  setCookie(reply, core.o.flowCookie, '', 0)
}

export function deviceOf (request: FastifyRequest): string {
  return describeUserAgent(request.headers['user-agent'])
}

/**
 * CSRF guard for state-changing routes (SECURITY.md T7, T22): a present `Origin` must be ours or
 * one of `trustedOrigins`, and a browser that says `Sec-Fetch-Site: cross-site` is refused unless
 * its `Origin` is trusted. Clients without either header (curl, servers) pass: they carry no
 * ambient cookies of a victim.
 */
export function checkOrigin (core: Core, request: FastifyRequest): void {
  const origin = request.headers.origin
  const site = request.headers['sec-fetch-site']
  if (origin !== undefined && core.o.trustedOrigins.has(origin)) return
  if (site === 'cross-site') throw forbidden(core, 'the browser sent Sec-Fetch-Site: cross-site')
  // The plugin's pages send `Referrer-Policy: no-referrer`, so browsers post their forms with
  // `Origin: null`; Fetch Metadata (set by the browser, not by pages) then vouches for them.
  if (origin === 'null' && site === 'same-origin') return
  if (origin !== undefined && origin !== core.o.origin) throw forbidden(core, `Origin ${JSON.stringify(origin.slice(0, 100))} is not the app's origin`)
}

/** Outside production the 403 says what was expected: a mismatched `origin` option is the usual first-hour mistake. */
function forbidden (core: Core, why: string): Error {
  const error = new errors.FORBIDDEN_ORIGIN()
  if (!core.o.production) error.message = `Cross-origin request refused: ${why}; expected requests from ${core.o.origin} (the \`origin\` option)${core.o.trustedOrigins.size === 0 ? '' : ` or ${[...core.o.trustedOrigins].join(', ')} (\`trustedOrigins\`)`}`
  return error
}

/** `Vary` with `field` added to what the app or another plugin already put there. */
function varyOn (current: unknown, field: string): string {
  const fields = String(current ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '')
  return fields.some((f) => f.toLowerCase() === field.toLowerCase() || f === '*') ? fields.join(', ') : [...fields, field].join(', ')
}

/**
 * Sends a page in the request's language: the plugin's HTML or the app's `pages.render`, always
 * with the plugin's status and headers (SECURITY.md T10, T21). A rendered page gets a fresh CSP
 * nonce for its own `<style>` and `<script>`.
 */
export function sendPage (core: Core, request: FastifyRequest, reply: FastifyReply, view: PageView): FastifyReply {
  const t = requestLocale(core, request)
  const now = new Date(core.o.now())
  // Only a page of the app's own renderer uses a nonce; the plugin's pages allow their stylesheet by hash.
  const nonce = core.o.render === null || core.o.render === undefined ? '' : randomBytes(16).toString('base64')
  const input: PageInput = { ...view, ...pageContext(t, { now, nonce, brand: core.o.brand, prefix: core.prefix, loginUrl: core.o.loginUrl }) }
  const html = renderPage(input, core.theme.style)
  const render = core.o.render
  let body = html
  if (render !== null && render !== undefined) {
    try {
      body = render({ ...input, html })
    } catch (error) {
      // The app's renderer failed: the person still gets a working page, the app a log line.
      request.log.error({ err: error }, 'fastify-magic-link: pages.render failed; sent the plugin\'s page')
    }
  }
  return reply
    .code(view.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-language', t.locale)
    .header('vary', varyOn(reply.getHeader('vary'), 'Accept-Language'))
    .header('content-security-policy', body === html ? core.theme.csp : core.theme.nonceCsp(nonce))
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .send(body)
}

/**
 * Starts the session of a completed login: the session cookie, or (token transport) the tokens
 * that go into the JSON answer.
 */
export async function startSession (core: Core, previous: MagicLinkSession | null, reply: FastifyReply, user: MagicLinkUser, ids: SessionIds, email: string, device: string, token: boolean, method: SignInMethod): Promise<{ session: MagicLinkSession, tokens: IssuedTokens | Record<string, never> }> {
  const started = token
    ? await core.sessions.startTokens(user, ids, email, device, method)
    : { session: await core.sessions.start(reply, user, ids, email, device, method), tokens: {} }
  // A new proof of the mailbox in a client that already holds a session of this user (a
  // re-authentication, or signing in again) replaces that session: the old id stops working on
  // every instance. A session of another user is left alone.
  if (previous !== null && previous.userId === user.id && previous.id !== started.session.id) {
    await core.store.revokeSession(previous.id)
    core.sessions.revoked([previous.id], previous.userId, 'replaced')
  }
  return started
}

/**
 * `401 FST_MAGIC_LINK_REAUTH_REQUIRED` with `maxAge` (seconds) in the body, sent directly so the
 * field survives whatever error handler the app has.
 */
export function reauthRequired (core: Core, session: MagicLinkSession, reply: FastifyReply, maxAgeMs: number): FastifyReply {
  core.events.emit('reauth.required', { sessionId: session.id, userId: session.userId })
  const seconds = Math.floor(maxAgeMs / 1000)
  const error = new errors.REAUTH_REQUIRED(seconds)
  return reply.code(401).send({ statusCode: 401, code: error.code, error: 'Unauthorized', message: error.message, maxAge: seconds })
}

/** The store record of a signed-in session (its address, device, …), or undefined once it is gone. */
export async function sessionRecord (core: Core, session: { userId: string, id: string }): Promise<SessionRecord | undefined> {
  return (await core.store.listSessions(userGroup(session.userId))).find((r) => r.id === session.id)
}

/** The user who completes a login: found, or created at first sign-in when `users.create` is set. */
export async function resolveUser (core: Core, email: string, request: FastifyRequest): Promise<MagicLinkUser | null> {
  const found = await core.o.users.find(email)
  if (found !== null) return found
  return core.o.users.create === undefined ? null : await core.o.users.create(email, request)
}

/** Runs an app hook without letting it change the response: errors are logged, never leaked. */
export function fireHook<E> (request: FastifyRequest, name: string, hook: ((event: E) => void | Promise<void>) | undefined, event: E): void {
  if (hook === undefined) return
  Promise.resolve().then(() => hook(event)).catch((error: unknown) => {
    request.log.error({ err: error, hook: name }, 'fastify-magic-link: hook failed')
  })
}

/**
 * After a sign-in on the asking browser, wakes that browser's long-polls once the response with
 * the session cookie has been handed to the socket: a poll answered earlier could send its page
 * on before the browser holds the cookie.
 */
export function publishWhenSent (core: Core, reply: FastifyReply, flowId: string): void {
  reply.raw.once('finish', () => {
    core.store.publishFlow(flowId).catch(() => {})
  })
}

/** Is this POST a form post (answered with pages) rather than JSON? */
export function wantsHtml (request: FastifyRequest): boolean {
  return request.method === 'GET' || request.method === 'HEAD' ||
    (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
}

type Limits = Exclude<ResolvedOptions['rateLimit'], false>

/**
 * The per-IP limit of a route, as a route `onRequest` hook (after the scope's Origin check, so a
 * refused cross-site request is not counted), or nothing when `rateLimit: false`. Counted in the
 * plugin's store, so limits hold across instances. The plugin keeps its own limiter rather than
 * @fastify/rate-limit's route config: an app-wide @fastify/rate-limit would read that config too,
 * count every request twice and answer with the app's error shape.
 */
export function ipLimit (core: Core, route: string, pick: (limits: Limits) => { max: number, timeWindow: number }): { onRequest?: onRequestHookHandler } {
  if (core.o.rateLimit === false) return {}
  const { max, timeWindow } = pick(core.o.rateLimit)
  return {
    onRequest (request, reply, done) {
      core.store.hit(`ip:${route}:${request.ip}`, timeWindow).then(({ count, ttlMs }) => {
        const reset = Math.max(1, Math.ceil(ttlMs / 1000))
        reply.header('x-ratelimit-limit', max).header('x-ratelimit-remaining', Math.max(0, max - count)).header('x-ratelimit-reset', reset)
        if (count <= max) return done()
        core.events.emit('request.limited', { reason: 'ip' })
        reply.header('retry-after', reset)
        done(new errors.RATE_LIMITED(reset))
      }, done)
    },
  }
}
