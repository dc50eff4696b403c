import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flowSecrets, hmac, matchCodeFor, normalizeMatchCode, otpCode, safeEqual, sha256 } from '../crypto.js'
import { errors } from '../errors.js'
import { normalizeEmail } from '../mail/address.js'
import { GROUP_LENGTH, groupOf, type FlowChange } from '../store/types.js'
import type { MagicLinkEventReasons } from '../events.js'
import { bindingOf, deviceOf, fireHook, ipLimit, requestLocale, setBinding, tokenTransport, translatorFor, type Core } from './context.js'
import { requestBody } from './schemas.js'
import { safeRedirect } from './redirect.js'

/**
 * The group tag of an address: its flows and its mail budget share one hash slot. Case-folded, so
 * `Victim@x.io` and `victim@x.io` (one inbox) share one budget and one live link. Keyed with the
 * signing secret: the tag is visible in links and cookies, and an unkeyed hash would let anyone
 * holding one confirm a guessed address offline. (Rotating the first secret restarts the
 * per-address budgets; flows in progress keep working, their tag is in their id.)
 */
export function emailGroup (core: Core, email: string): string {
  return hmac(core.o.secrets[0] as string, `email:${email.toLowerCase()}`).slice(0, GROUP_LENGTH)
}

export interface StartedFlow {
  flowId: string
  /** `https://…/verify?token=…` */
  link: string
  /** The binding cookie's value: `<flowId>.<poll secret>`. */
  binding: string
  matchCode: string
  otp: string | null
  expiresAt: number
  /**
   * Within the address's mail budget: the flow is the address's live one and its mail (or, for an
   * address that gets none, its decoy) went out. The same for known and unknown addresses.
   */
  sent: boolean
}

/**
 * Creates a flow in one store call and, when it is within the address's budget, queues its mail
 * (`deliver`: a real mail; otherwise a decoy that is rendered and dropped). The budget is spent
 * alike either way, so nothing that follows from it tells a known address from an unknown one.
 */
export async function startFlow (core: Core, f: { email: string, redirectTo: string, device: string, deliver: boolean, invite: boolean, locale: string, mail?: boolean, change?: FlowChange }, why: MagicLinkEventReasons['request.accepted'], userId: string | undefined): Promise<StartedFlow> {
  const { o } = core
  const now = o.now()
  const { id, link: linkSecret, poll: pollSecret } = flowSecrets()
  const flowId = emailGroup(core, f.email) + id
  const code = matchCodeFor(pollSecret)
  const otp = o.otp && !f.invite ? otpCode() : null
  const expiresAt = now + o.linkTtl
  const { sent } = await core.store.createFlow({
    id: flowId,
    email: f.email,
    linkHash: sha256(linkSecret),
    pollHash: sha256(pollSecret),
    matchHash: sha256(normalizeMatchCode(code) as string),
    otpHash: otp === null ? null : sha256(otp),
    redirectTo: f.redirectTo,
    device: f.device,
    createdAt: now,
    expiresAt,
    interval: o.pollInterval,
    invite: f.invite,
    ...(f.change === undefined ? {} : { change: f.change }),
  }, {
    now,
    ttlMs: o.linkTtl * 2,
    send: true,
    minGapMs: o.rateLimit === false || f.invite ? 0 : o.rateLimit.emailInterval,
    perHour: o.rateLimit === false || f.invite ? Number.MAX_SAFE_INTEGER : o.rateLimit.emailPerHour,
  })
  core.events.emit('request.accepted', { flowId, userId, reason: why })
  if (!sent) core.events.emit('request.limited', { flowId, userId, reason: 'address' })
  // With `linkUrl`, the token rides in the fragment: browsers never send it to a server.
  const link = o.linkUrl === null
    ? `${o.origin}${core.prefix}/verify?token=${flowId}.${linkSecret}`
    : `${o.origin}${o.linkUrl}#token=${flowId}.${linkSecret}`
  if (f.mail !== false) {
    const t = translatorFor(core, f.locale)
    const ctx = {
      email: f.email, link, otp, requestedAt: new Date(now), device: f.device, appName: o.brand.name, expiresInMinutes: Math.round(o.linkTtl / 60_000),
      locale: t.locale, brand: o.brand, messages: t.messages, invite: f.invite,
    }
    if (sent && f.deliver) core.mail.login(ctx, { flowId, userId })
    else core.mail.decoy(ctx)
  }
  return { flowId, link, binding: `${flowId}.${pollSecret}`, matchCode: code, otp, expiresAt, sent }
}

/**
 * The browser's own live flow for `email`, when its binding cookie holds one: asking again within
 * the address's mail interval sends no mail, so the flow whose mail did go out must stay the one
 * this browser completes (its link, its mail code, its polls). The match code is derived from the
 * poll secret, so the same code is shown again.
 */
async function liveFlowOf (core: Core, request: FastifyRequest, email: string): Promise<{ matchCode: string, expiresIn: number } | null> {
  const binding = bindingOf(core, request)
  if (binding === null || groupOf(binding.flowId) !== emailGroup(core, email)) return null
  const flow = await core.store.getFlow(binding.flowId)
  const now = core.o.now()
  if (flow === null || flow.state !== 'pending' || flow.invite || now >= flow.expiresAt ||
    flow.email !== email || !safeEqual(flow.pollHash, sha256(binding.secret))) return null
  return { matchCode: matchCodeFor(binding.secret), expiresIn: Math.floor((flow.expiresAt - now) / 1000) }
}

/**
 * POST /request: the same 202 bytes (but the match code) for known, unknown, rate-limited and
 * well-formed addresses (SECURITY.md T12). Unknown addresses get a decoy flow that polls `pending`
 * until it expires, exactly like a real one.
 */
export function requestRoute (scope: FastifyInstance, core: Core): void {
  const { o } = core
  scope.post('/request', {
    schema: { body: requestBody },
    ...ipLimit(core, 'request', (l) => ({ max: l.ipMax, timeWindow: l.ipWindow })),
  }, async (request, reply) => {
    if (o.beforeRequest !== null && o.beforeRequest !== undefined) await o.beforeRequest(request)
    const body = request.body as { email: string, redirectTo?: string, transport?: 'cookie' | 'token' }
    const token = (body.transport ?? (o.session.cookieTransport ? 'cookie' : 'token')) === 'token'
    if (token) tokenTransport(core)
    else if (!o.session.cookieTransport) throw new errors.BAD_REQUEST("The cookie transport is not enabled: send transport: 'token'")
    const address = normalizeEmail(body.email)
    if (!address.ok) throw new errors.BAD_REQUEST(`Invalid email address: ${address.reason}`)
    return reply.code(202).send(await startFlowFor(core, request, reply, address.email, safeRedirect(body.redirectTo, o.redirectAllow), token))
  })
}

/** The `202` body of `POST /request` and `POST /resend`; `pollToken` with the token transport only. */
export interface FlowAnswer { status: 'pending', interval: number, expiresIn: number, matchCode: string, pollToken?: string }

/**
 * Starts a sign-in for `email` in the asking browser (`POST /request`, `POST /resend`): the
 * same answer for known and unknown addresses; the mail goes out in the user's language, else
 * the request's.
 */
export async function startFlowFor (core: Core, request: FastifyRequest, reply: FastifyReply, email: string, redirectTo: string, token = false, why: MagicLinkEventReasons['request.accepted'] = 'request'): Promise<FlowAnswer> {
  const { o } = core
  const user = await o.users.find(email)
  const known = user !== null
  const locale = translatorFor(core, user?.locale, requestLocale(core, request).locale).locale
  const flow = await startFlow(core, { email, redirectTo, device: deviceOf(request), deliver: known || o.users.create !== undefined, invite: false, locale }, why, user?.id)
  fireHook(request, 'onLoginRequested', o.hooks.onLoginRequested, { email, known, request })
  // Asked again within the mail interval: no new mail, so this browser keeps the flow it has
  // (no new cookie).
  const live = token || flow.sent ? null : await liveFlowOf(core, request, email)
  if (live !== null) return { status: 'pending', interval: o.pollInterval, expiresIn: live.expiresIn, matchCode: live.matchCode }
  return flowAnswer(core, reply, flow, token)
}

/**
 * The `202` of a started flow, and its poll secret for the client that asked: a token it keeps
 * (an app), or an HttpOnly binding cookie (a browser).
 */
export function flowAnswer (core: Core, reply: FastifyReply, flow: StartedFlow, token: boolean): FlowAnswer {
  const answer: FlowAnswer = { status: 'pending', interval: core.o.pollInterval, expiresIn: Math.floor(core.o.linkTtl / 1000), matchCode: flow.matchCode }
  if (token) return { ...answer, pollToken: flow.binding }
  setBinding(core, reply, flow.binding)
  return answer
}
