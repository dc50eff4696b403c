import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import fastifyCookie from '@fastify/cookie'
import { STATUS_CODES } from 'node:http'
import { readCookie } from './cookies.js'
import { errors } from './errors.js'
import { MailSender } from './mail/sender.js'
import { resolveOptions, type MagicLinkOptions } from './options.js'
import { parseDuration, type Duration } from './duration.js'
import { createTheme } from './pages/index.js'
import { checkOrigin, reauthRequired, sendPage, translatorFor, translatorsOf, wantsHtml, type Core } from './routes/context.js'
import { emailRoutes } from './routes/email.js'
import { pollRoutes } from './routes/poll.js'
import { requestRoute } from './routes/request.js'
import { sessionRoutes } from './routes/session.js'
import { compile, type ObjectSchema } from './routes/validate.js'
import { verifyRoutes } from './routes/verify.js'
import { FlowWaiters } from './routes/waiters.js'
import { createAdminApi } from './admin.js'
import { noSession, SessionManager, setSessionError, type MagicLinkSession } from './session/manager.js'
import { guardStore } from './store/guard.js'
import { EventBus } from './events.js'
import './augment.js'
import './types.js'

/** Plugin routes take small bodies only (SECURITY.md T23). */
const BODY_LIMIT = 4096

async function magicLink (fastify: FastifyInstance, raw: MagicLinkOptions): Promise<void> {
  const o = resolveOptions(raw)
  if (fastify.hasRequestDecorator('session')) {
    throw new errors.CONFLICT('`request.session` is already decorated in this scope, most likely by ' +
      '@fastify/session or @fastify/secure-session. fastify-magic-link is itself the session of its ' +
      'logins: use it alone, or register the other plugin and its routes in a sibling scope ' +
      '(app.register(async (scope) => { ... })) that does not also hold fastify-magic-link.')
  }
  // With its own @fastify/cookie (default options, parsed in an onRequest hook that runs before
  // the plugin's), the hot path reuses that parse; under the app's, whose options may differ
  // (`hook: false`, a custom `decode`), it reads the header itself.
  const ownCookieParser = !fastify.hasDecorator('parseCookie')
  if (ownCookieParser) await fastify.register(fastifyCookie)
  if (o.storeIsDefault && o.production) {
    fastify.log.warn('fastify-magic-link: using the in-memory store in production; sessions and links will not survive a restart or work across instances. Pass a RedisStore.')
  }
  const store = guardStore(o.store, o.storeTimeout, {
    onFailure: (method, error) => fastify.log.warn({ method, err: { message: error instanceof Error ? error.message : String(error) } }, 'fastify-magic-link: store call failed'),
  })
  const events = new EventBus(o.hooks.onEvent, o.now, fastify.log)
  const sessions = new SessionManager(o, store, events)
  // Where the routes really are: `prefix` under the prefix of the scope the plugin is registered
  // in (`/api` + `/auth`), so links, forms and redirects follow them.
  const prefix = fastify.prefix.replace(/\/+$/, '') + o.prefix
  const core: Core = {
    o,
    prefix,
    store,
    sessions,
    mail: new MailSender(o, fastify.log, (locale) => translatorFor(core, locale), events),
    waiters: new FlowWaiters(),
    theme: createTheme(o.brand),
    translators: translatorsOf(o),
    events,
  }

  fastify.decorateRequest('session', null)

  const cookieName = o.session.cookieName
  // Token transport: `Authorization: Bearer` fills `request.session` as the cookie does, from the
  // same kind of in-memory cache; only a cache miss checks the signature, and an expired access
  // token is refused, never refreshed (that is `POST /refresh`'s job).
  const bearer = (request: FastifyRequest, header: string, done: (error?: Error) => void): void => {
    const token = bearerToken(header)
    if (token === null) {
      events.emit('session.rejected', { reason: 'invalid' })
      return done()
    }
    const hit = sessions.lookupBearer(token)
    if (hit !== undefined) {
      request.session = hit
      return done()
    }
    sessions.authenticateBearer(token).then((session) => {
      request.session = session
      done()
    }, /* c8 ignore next */ () => { done() })
  }
  const tokens = o.session.tokenTransport
  if (tokens && o.store.refreshSession === undefined) {
    throw new errors.OPTIONS("`session.transports`: expected 'token' only with a store that has refreshSession (RedisStore, MemoryStore), got a store without it")
  }
  fastify.addHook('onRequest', (request, reply, done) => {
    if (tokens) {
      const header = request.headers.authorization
      if (header !== undefined) return bearer(request, header, done)
    }
    const token = ownCookieParser ? request.cookies[cookieName] : readCookie(request.headers.cookie, cookieName)
    if (token === undefined || token === '') return done()
    const hit = sessions.lookup(token)
    if (hit !== undefined) {
      request.session = hit
      return done()
    }
    sessions.authenticate(token, reply).then((session) => {
      request.session = session
      done()
    }, (error: Error) => {
      // A store outage during a refresh: public routes go on unauthenticated; requireSession answers 503.
      setSessionError(request, error)
      done()
    })
  })

  // Callback style: no promise per authenticated request.
  const requireSession: preHandlerHookHandler = (request, _reply, done) => {
    if (request.session !== null) return done()
    done(noSession(request))
  }
  fastify.decorate('requireSession', requireSession)
  // Sensitive actions: the session must have proved the mailbox within `maxAge`. The 401 is sent
  // here, so its body carries `maxAge` whatever the app's error handler does with extra fields.
  fastify.decorate('requireRecentLogin', (maxAge: Duration): preHandlerHookHandler => {
    const ms = parseDuration(maxAge)
    if (ms === null) throw new errors.OPTIONS(`\`requireRecentLogin(maxAge)\`: expected a positive duration (ms number or a string like '10m'), got ${JSON.stringify(maxAge)}`)
    return (request, reply, done) => {
      if (request.session === null) return done(noSession(request))
      if (o.now() - request.session.authTime <= ms) return done()
      reauthRequired(core, request.session, reply, ms)
    }
  })
  fastify.decorate('magicLink', createAdminApi(core))

  let unsubscribe: (() => Promise<void>) | null = null
  fastify.addHook('onReady', async () => {
    sessions.clock.start()
    unsubscribe = await o.store.subscribe((event) => {
      if (event.type === 'flow') core.waiters.notify(event.flowId)
      else sessions.markRevoked(event.sessionIds)
    })
  })
  fastify.addHook('preClose', async () => { core.waiters.close() })
  fastify.addHook('onClose', async () => {
    sessions.clock.stop()
    await unsubscribe?.()
    await core.mail.drain()
  })

  await fastify.register(async (scope) => routes(scope, core), { prefix: o.prefix })
}

const BEARER = 'bearer'

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme in any case),
 * without a regular expression over the whole header on every request: the cache lookup compares
 * the whole token, and anything else is checked by the signature verification.
 */
export function bearerToken (header: string): string | null {
  if (header.length < 8 || header.length > 8192 || header.charCodeAt(6) !== 32) return null
  for (let i = 0; i < 6; i++) if ((header.charCodeAt(i) | 32) !== BEARER.charCodeAt(i)) return null
  let from = 7
  while (header.charCodeAt(from) === 32) from++
  return from === header.length ? null : header.slice(from)
}

/** Request-log serializer of the plugin's routes: the link token never reaches the logs (SECURITY.md T10). */
function redactedRequest (request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url.replace(/([?&]token=)[^&#]*/g, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

async function routes (scope: FastifyInstance, core: Core): Promise<void> {
  scope.setChildLoggerFactory((logger, bindings, options) =>
    logger.child(bindings, { ...options, serializers: { ...options.serializers, req: redactedRequest } }))
  scope.setValidatorCompiler(({ schema }) => {
    const validate = compile(schema as ObjectSchema)
    return (data: unknown) => validate(data)
  })
  scope.setErrorHandler(errorHandler(core))
  // Only the plugin's own body parsers, whatever the app registered (@fastify/formbody,
  // multipart, a lenient JSON parser): JSON here, and urlencoded forms on the two page routes
  // below. A text/plain or form body is a "simple" cross-site request (SECURITY.md T7).
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, scope.getDefaultJsonParser('error', 'error'))
  scope.addHook('onRoute', (route) => { route.bodyLimit ??= BODY_LIMIT })
  scope.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    // Before the rate limiter: a cross-site request neither counts nor changes anything.
    if (request.method !== 'GET' && request.method !== 'HEAD') checkOrigin(core, request)
  })

  // JSON only: a form or text body is refused with 415 (SECURITY.md T7, a simple-request CSRF).
  await scope.register(async (json) => {
    requestRoute(json, core)
    pollRoutes(json, core)
    sessionRoutes(json, core)
    emailRoutes(json, core)
  })

  // Pages post forms: /verify and /revoke also accept urlencoded bodies (no-JS fallback).
  await scope.register(async (forms) => {
    forms.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
      done(null, parseForm(body as string))
    })
    verifyRoutes(forms, core)
  })
}

/** Form fields into a null-prototype object; repeated fields become arrays, which the schemas refuse. */
function parseForm (body: string): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>
  for (const [key, value] of new URLSearchParams(body)) {
    const prev = out[key]
    out[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value]
  }
  return out
}

function errorHandler (core: Core) {
  // Browsers land on these routes from the mail and its pages: their errors are pages too.
  const pages = [`${core.prefix}/verify`, `${core.prefix}/revoke`, `${core.prefix}/resend`]
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    let e: FastifyError = error
    if (error.code === 'FST_ERR_VALIDATION') e = new errors.BAD_REQUEST(error.message.slice(0, 200))
    // An app-wide limiter (@fastify/rate-limit with `global: true`) also guards these routes; its
    // 429, in whatever shape the app's `errorResponseBuilder` gives it, is answered in the
    // plugin's, so clients see one code for "slow down" and keep the limiter's Retry-After.
    const retryAfter = reply.getHeader('retry-after')
    if ((e.statusCode === 429 || (e.statusCode === undefined && retryAfter !== undefined)) && e.code !== 'FST_MAGIC_LINK_RATE_LIMITED') {
      const seconds = Number(retryAfter)
      e = new errors.RATE_LIMITED(Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 60)
      if (retryAfter === undefined) reply.header('retry-after', 60)
    }
    const status = e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500
    if (status >= 500 && e.code !== 'FST_MAGIC_LINK_STORE_UNAVAILABLE') {
      request.log.error({ err: error }, 'fastify-magic-link: internal error')
      e = Object.assign(new Error('Internal Server Error'), { code: 'FST_MAGIC_LINK_INTERNAL', statusCode: 500 }) as FastifyError
    }
    if (wantsHtml(request) && pages.some((path) => request.url.startsWith(path))) {
      const wait = Number(reply.getHeader('retry-after'))
      return sendPage(core, request, reply, { kind: 'error', status, code: e.code, retryAfter: Number.isFinite(wait) && wait > 0 ? wait : null })
    }
    // Stable fields for machines beside the English `message`: why a link is unusable, and
    // how many code attempts are left.
    const { reason, attemptsLeft } = e as FastifyError & { reason?: string, attemptsLeft?: number }
    return reply.code(status).send({
      statusCode: status, code: e.code, error: STATUS_CODES[status] as string, message: e.message,
      ...(reason === undefined ? {} : { reason }),
      ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
    })
  }
}

/** The plugin: `app.register(magicLink, options)`. */
export const fastifyMagicLink: FastifyPluginAsync<MagicLinkOptions> = fp(magicLink, {
  fastify: '5.x',
  name: 'fastify-magic-link',
})

export type { MagicLinkSession }
