import type { FastifyInstance } from 'fastify'
import { flowSecrets, hmac, matchCode, normalizeMatchCode, otpCode, sha256 } from '../crypto.js'
import { errors } from '../errors.js'
import { normalizeEmail } from '../mail/address.js'
import { GROUP_LENGTH } from '../store/types.js'
import { deviceOf, fireHook, ipLimit, setBinding, type Core } from './context.js'
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
  /** A mail went out (within the address's budget). */
  sent: boolean
}

/** Creates a flow in one store call and, when it is within the address's budget, queues its mail. */
export async function startFlow (core: Core, f: { email: string, redirectTo: string, device: string, send: boolean, invite: boolean, mail?: boolean }): Promise<StartedFlow> {
  const { o } = core
  const now = o.now()
  const { id, link: linkSecret, poll: pollSecret } = flowSecrets()
  const flowId = emailGroup(core, f.email) + id
  const code = matchCode()
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
  }, {
    now,
    ttlMs: o.linkTtl * 2,
    send: f.send,
    minGapMs: o.rateLimit === false || f.invite ? 0 : o.rateLimit.emailInterval,
    perHour: o.rateLimit === false || f.invite ? Number.MAX_SAFE_INTEGER : o.rateLimit.emailPerHour,
  })
  const link = `${o.origin}${o.prefix}/verify?token=${flowId}.${linkSecret}`
  if (f.mail !== false) {
    const ctx = { email: f.email, link, otp, requestedAt: new Date(now), device: f.device, appName: o.appName, expiresInMinutes: Math.round(o.linkTtl / 60_000) }
    if (sent) core.mail.login(ctx)
    else core.mail.decoy(ctx)
  }
  return { flowId, link, binding: `${flowId}.${pollSecret}`, matchCode: code, otp, expiresAt, sent }
}

/**
 * POST /request: the same 202 bytes (but the match code) for known, unknown, rate-limited and
 * well-formed addresses (THREATS T12). Unknown addresses get a decoy flow that polls `pending`
 * until it expires, exactly like a real one.
 */
export function requestRoute (scope: FastifyInstance, core: Core): void {
  const { o } = core
  scope.post('/request', {
    schema: { body: requestBody },
    config: ipLimit(core, (l) => ({ max: l.ipMax, timeWindow: l.ipWindow })),
  }, async (request, reply) => {
    if (o.beforeRequest !== null && o.beforeRequest !== undefined) await o.beforeRequest(request)
    const body = request.body as { email: string, redirectTo?: string }
    const address = normalizeEmail(body.email)
    if (!address.ok) throw new errors.BAD_REQUEST(`Invalid email address: ${address.reason}`)
    const email = address.email
    const redirectTo = safeRedirect(body.redirectTo, o.redirectAllow)

    const user = await o.users.find(email)
    const known = user !== null
    const flow = await startFlow(core, { email, redirectTo, device: deviceOf(request), send: known || o.users.create !== undefined, invite: false })
    fireHook(request, 'onLoginRequested', o.hooks.onLoginRequested, { email, known, request })
    setBinding(core, reply, flow.binding)
    return reply.code(202).send({ status: 'pending', interval: o.pollInterval, expiresIn: Math.floor(o.linkTtl / 1000), matchCode: flow.matchCode })
  })
}
