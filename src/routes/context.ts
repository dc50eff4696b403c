import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify'
import { sha256 } from '../crypto.js'
import { errors } from '../errors.js'
import { describeUserAgent } from '../mail/user-agent.js'
import type { MailSender } from '../mail/sender.js'
import type { MagicLinkUser, ResolvedOptions } from '../options.js'
import { PAGE_CSP, type PageCommon } from '../pages/index.js'
import type { SessionManager } from '../session/manager.js'
import type { FlowWaiters } from './waiters.js'
import type { MagicLinkStore } from '../store/types.js'

/** Everything the route groups share. */
export interface Core {
  o: ResolvedOptions
  store: MagicLinkStore
  sessions: SessionManager
  mail: MailSender
  waiters: FlowWaiters
  page: PageCommon
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

/** SHA-256 of this browser's poll secret when its binding cookie belongs to `flowId`. */
export function bindingFor (core: Core, request: FastifyRequest, flowId: string): string | null {
  const b = splitToken(request.cookies[core.o.flowCookieName])
  return b !== null && b.flowId === flowId ? sha256(b.secret) : null
}

export function setBinding (core: Core, reply: FastifyReply, value: string): void {
  reply.setCookie(core.o.flowCookieName, value, {
    path: '/', httpOnly: true, secure: core.o.secure, sameSite: 'lax', maxAge: Math.ceil(core.o.linkTtl / 1000),
  })
}

export function clearBinding (core: Core, reply: FastifyReply): void {
  reply.setCookie(core.o.flowCookieName, '', { path: '/', httpOnly: true, secure: core.o.secure, sameSite: 'lax', maxAge: 0 })
}

export function deviceOf (request: FastifyRequest): string {
  return describeUserAgent(request.headers['user-agent'])
}

/**
 * CSRF guard for state-changing routes (THREATS T7, T22): a present `Origin` must be ours, and
 * a browser that says `Sec-Fetch-Site: cross-site` is refused. Clients without either header
 * (curl, servers) pass: they carry no ambient cookies of a victim.
 */
export function checkOrigin (core: Core, request: FastifyRequest): void {
  const origin = request.headers.origin
  const site = request.headers['sec-fetch-site']
  if (site === 'cross-site') throw new errors.FORBIDDEN_ORIGIN()
  // The plugin's pages send `Referrer-Policy: no-referrer`, so browsers post their forms with
  // `Origin: null`; Fetch Metadata (set by the browser, not by pages) then vouches for them.
  if (origin === 'null' && site === 'same-origin') return
  if (origin !== undefined && origin !== core.o.origin) throw new errors.FORBIDDEN_ORIGIN()
}

/** Headers of every HTML page (THREATS T10, T21). */
export function sendPage (reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .send(html)
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

/** Route config for the per-IP limiter, or none when `rateLimit: false`. */
export function ipLimit (core: Core, pick: (limits: Limits) => { max: number, timeWindow: number }): FastifyContextConfig {
  return core.o.rateLimit === false ? {} : ({ rateLimit: pick(core.o.rateLimit) } as FastifyContextConfig)
}
