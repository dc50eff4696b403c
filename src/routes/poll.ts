import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { normalizeOtp, sha256 } from '../crypto.js'
import { errors, invalidToken, wrongCode } from '../errors.js'
import type { ClaimResult, FlowOutcomeBase } from '../store/types.js'
import { completeChange } from './email.js'
import { codeDenied } from './verify.js'
import type { SessionIds } from '../session/manager.js'
import { bindingFrom, clearBinding, deviceOf, fireHook, ipLimit, publishWhenSent, requestLocale, resolveUser, startSession, translatorFor, type Core } from './context.js'
import { codeBody, pollBody, pollQuery } from './schemas.js'

/** The asking client's binding: its `pollToken` (token transport) or its binding cookie. */
function binding (core: Core, request: FastifyRequest): { flowId: string, pollHash: string, token: boolean } {
  const pollToken = (request.body as { pollToken?: string } | undefined)?.pollToken
  const b = bindingFrom(core, request, pollToken)
  if (b === null) throw new errors.BAD_REQUEST('Missing or malformed login cookie: send back the cookie set by POST /request (or its pollToken)')
  return { flowId: b.flowId, pollHash: sha256(b.secret), token: pollToken !== undefined }
}

/** Issues the session of a completed login on the asking device: a cookie, or tokens to an app. */
async function finish (core: Core, request: FastifyRequest, reply: FastifyReply, flowId: string, ids: SessionIds, r: FlowOutcomeBase, crossDevice: boolean, token: boolean): Promise<FastifyReply | null> {
  const method = crossDevice ? 'cross-device' : 'code'
  core.events.emit('flow.claimed', { flowId, reason: method })
  if (r.change !== undefined) {
    // An address change confirmed: only the session that asked gets anything.
    const changed = await completeChange(core, request, reply, r.change, r.email, ids, token, method)
    if (changed === null) return null
    if (crossDevice && !token) clearBinding(core, reply)
    return reply.code(200).send({ status: 'approved', ...changed.tokens, redirectTo: r.redirectTo })
  }
  const user = await resolveUser(core, r.email, request)
  if (user === null) return null
  const device = deviceOf(request)
  const { session, tokens } = await startSession(core, request.session, reply, user, ids, r.email, device, token, method)
  // A cross-device claim spends the binding; after the mail code, the asking tab's poll still
  // needs it once, to hear `completed` (it clears it then).
  if (crossDevice && !token) clearBinding(core, reply)
  fireHook(request, 'onLogin', core.o.hooks.onLogin, { user, sessionId: session.id, crossDevice, request })
  if (crossDevice && core.o.notifyNewSignIn) {
    // In the user's language, else the asking browser's (this poll comes from it).
    const t = translatorFor(core, user.locale, requestLocale(core, request).locale)
    core.mail.notice({
      email: r.email, device, at: new Date(core.o.now()), appName: core.o.brand.name, sessionsUrl: `${core.o.origin}${core.o.accountUrl}`,
      locale: t.locale, brand: core.o.brand, messages: t.messages,
    }, { flowId, userId: user.id, sessionId: session.id })
  }
  return reply.code(200).send({ status: 'approved', ...tokens, redirectTo: r.redirectTo })
}

export function pollRoutes (scope: FastifyInstance, core: Core): void {
  const { o } = core

  // RFC 8628 §3.4/3.5 semantics over a cookie instead of a device_code: the poll secret never
  // appears in a URL (SECURITY.md T10, T20).
  scope.post('/poll', {
    schema: { querystring: pollQuery, body: pollBody },
    ...ipLimit(core, 'poll', (l) => ({ max: l.pollPerMinute, timeWindow: 60_000 })),
  }, async (request, reply) => {
    const { flowId, pollHash, token } = binding(core, request)
    const wait = Math.min(30, Number((request.query as { wait?: string }).wait ?? '0')) * 1000
    const ids = core.sessions.newIds()
    const claim = (force: boolean): Promise<ClaimResult> => core.store.claimFlow(flowId, {
      now: o.now(), pollHash, force, claimWindowMs: o.claimWindow, backoff: 5, sessionId: ids.hash,
    })
    // Watch before the first read: an approval landing between the read and the wait still wakes us.
    const watch = wait > 0 ? core.waiters.watch(flowId) : null
    let r = await claim(false)
    if (watch !== null && r.result !== 'pending') watch.cancel()
    if (watch !== null && r.result === 'pending') {
      // A poller that went away (reload, closed tab) must not claim the login on its way out:
      // the session cookie would go to a dead socket and the live poller would find it spent.
      const gone = new AbortController()
      // `writableEnded`, not `writableFinished`: a reset HTTP/2 stream reports itself finished.
      const onClose = (): void => { if (!reply.raw.writableEnded) gone.abort() }
      reply.raw.once('close', onClose)
      const changed = await watch.wait(wait, gone.signal)
      reply.raw.off('close', onClose)
      if (changed && !gone.signal.aborted) r = await claim(true)
    }
    switch (r.result) {
      case 'pending':
        return reply.code(202).send({ status: 'pending', interval: r.interval })
      case 'slow_down':
        return reply.code(400).send({ error: 'slow_down', error_description: 'Polling too fast', interval: r.interval })
      case 'claimed': {
        const done = await finish(core, request, reply, flowId, ids, r, true, token)
        if (done !== null) return done
        return reply.code(403).send({ error: 'access_denied', error_description: 'No account for this address' })
      }
      case 'completed':
        // This browser signed in through the link or the mail code (another tab): it already
        // holds the session cookie (or the app its tokens), so nothing is issued here.
        if (!token) clearBinding(core, reply)
        return reply.code(200).send({ status: 'approved', redirectTo: r.redirectTo })
      // A dead flow's binding cookie is left to expire, not cleared: this poll may be a stale tab's,
      // answered after the same browser asked again (`POST /request`, `/resend`), and clearing
      // would delete the new flow's cookie, which has the same name.
      case 'denied':
        return reply.code(403).send({ error: 'access_denied', error_description: 'This sign-in was stopped after too many wrong codes' })
      default:
        return reply.code(410).send({ error: 'expired_token', error_description: 'This sign-in has expired or was replaced by a newer one' })
    }
  })

  // The 6-digit code from the mail, typed on the asking device: the scanner-proof path.
  scope.post('/code', {
    schema: { body: codeBody },
    ...ipLimit(core, 'code', (l) => ({ max: l.verifyPerMinute, timeWindow: 60_000 })),
  }, async (request, reply) => {
    if (!o.otp) throw new errors.INVALID_CODE()
    const { flowId, pollHash, token } = binding(core, request)
    const otp = normalizeOtp((request.body as { code: string }).code)
    if (otp === null) {
      core.events.emit('code.failed', { flowId, reason: 'malformed' })
      throw new errors.INVALID_CODE()
    }
    const ids = core.sessions.newIds()
    const r = await core.store.codeFlow(flowId, {
      now: o.now(), pollHash, otpHash: sha256(otp), device: deviceOf(request), maxAttempts: o.maxAttempts, maxAddressFailures: o.maxAddressFailures, sessionId: ids.hash,
    })
    if (r.result === 'signed_in') {
      const done = await finish(core, request, reply, flowId, ids, r, false, token)
      if (done !== null) {
        publishWhenSent(core, reply, flowId)
        return done
      }
      throw new errors.INVALID_CODE()
    }
    if (r.result === 'invalid') {
      core.events.emit('link.rejected', { flowId, reason: r.reason })
      throw invalidToken(r.reason)
    }
    if (r.result === 'denied') {
      codeDenied(core, flowId)
      throw wrongCode(0)
    }
    core.events.emit('code.failed', { flowId, reason: 'wrong' })
    throw wrongCode(r.attemptsLeft)
  })
}
