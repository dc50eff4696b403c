import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import { normalizeEmail } from '../mail/address.js'
import { noSession, userGroup, type SessionIds } from '../session/manager.js'
import type { MagicLinkUser } from '../options.js'
import type { FlowChange, SignInMethod } from '../store/types.js'
import { deviceOf, fireHook, ipLimit, reauthRequired, requestLocale, sessionRecord, startSession, translatorFor, type Core } from './context.js'
import { safeRedirect } from './redirect.js'
import { flowAnswer, startFlow } from './request.js'
import { emailBody } from './schemas.js'

/**
 * `POST /email { email }` (with `users.changeEmail`): a fresh session asks to move the account to
 * a new address. The new address gets a link and a code; only this session can use them
 * (SECURITY.md T29). An address that already has an account gets a mail saying so instead, and
 * the HTTP answers are the same either way (no enumeration, T12). The per-address limits of the
 * new address apply.
 */
export function emailRoutes (scope: FastifyInstance, core: Core): void {
  const { o } = core
  if (o.users.changeEmail === undefined) return
  scope.post('/email', {
    schema: { body: emailBody },
    ...ipLimit(core, 'request', (l) => ({ max: l.ipMax, timeWindow: l.ipWindow })),
  }, async (request, reply) => {
    const s = request.session
    if (s === null) throw noSession(request)
    if (o.now() - s.authTime > o.emailChangeMaxAge) return reauthRequired(core, s, reply, o.emailChangeMaxAge)
    const address = normalizeEmail((request.body as { email: string }).email)
    if (!address.ok) throw new errors.BAD_REQUEST(`Invalid email address: ${address.reason}`)
    const record = await sessionRecord(core, s)
    // Only when the record expired or was revoked since this request's session was checked.
    /* c8 ignore next */
    if (record === undefined) throw new errors.UNAUTHORIZED()
    const newEmail = address.email
    const owner = await o.users.find(record.email)
    const taken = newEmail.toLowerCase() === record.email.toLowerCase() || await o.users.find(newEmail) !== null
    const locale = translatorFor(core, owner?.locale, requestLocale(core, request).locale).locale
    const change: FlowChange | undefined = taken ? undefined : { userId: s.userId, sessionId: s.id }
    const flow = await startFlow(core, {
      email: newEmail, redirectTo: safeRedirect(undefined, o.redirectAllow), device: deviceOf(request), deliver: true, invite: false, locale, mail: false,
      ...(change === undefined ? {} : { change }),
    }, 'email-change', s.userId)
    // Within the new address's mail budget: its confirmation, or the "already has an account"
    // mail, which carries no link (its flow can never complete).
    if (flow.sent) {
      core.mail.change({
        email: newEmail, link: taken ? null : flow.link, otp: taken ? null : flow.otp, expiresInMinutes: Math.round(o.linkTtl / 60_000), locale, brand: o.brand,
      }, { flowId: flow.flowId, userId: s.userId })
    }
    const token = o.session.tokenTransport && request.headers.authorization !== undefined
    return reply.code(202).send(flowAnswer(core, reply, flow, token))
  })
}

/**
 * Completes an address change, once its flow was confirmed (link, code or poll): only from the
 * session that asked. Calls `users.changeEmail` once, ends every session of the user on every
 * instance, starts a new one here, and tells the old address. Null when this is not that session.
 */
export async function completeChange (
  core: Core, request: FastifyRequest, reply: FastifyReply, change: FlowChange, newEmail: string, ids: SessionIds, token: boolean, method: SignInMethod,
): Promise<Awaited<ReturnType<typeof startSession>> | null> {
  const { o } = core
  const s = request.session
  if (s === null || s.id !== change.sessionId || s.userId !== change.userId) return null
  const record = await sessionRecord(core, s)
  // As above: the session ended between its check and this read.
  /* c8 ignore next */
  if (record === undefined) return null
  await (o.users.changeEmail as NonNullable<typeof o.users.changeEmail>)(s.userId, newEmail, request)
  const revoked = await core.store.revokeSessions(userGroup(s.userId))
  core.sessions.revoked(revoked, s.userId, 'email-change')
  core.events.emit('email.changed', { userId: s.userId, sessionId: s.id })
  // This client's session is among them: it gets a fresh one, as a new sign-in would.
  const owner = await o.users.find(newEmail)
  // The plugin reads only `id`; an app whose `find` does not see the new address yet still gets a session.
  const user: MagicLinkUser = owner ?? ({ id: s.userId } as MagicLinkUser)
  const started = await startSession(core, null, reply, user, ids, newEmail, deviceOf(request), token, method)
  const t = translatorFor(core, owner?.locale, requestLocale(core, request).locale)
  core.mail.changed({ email: record.email, newEmail, at: new Date(o.now()), accountUrl: `${o.origin}${o.accountUrl}`, locale: t.locale, brand: o.brand }, { userId: s.userId })
  fireHook(request, 'onLogout', o.hooks.onLogout, { userId: s.userId, sessionIds: revoked, request })
  return started
}
