import type { FastifyInstance, FastifyReply } from 'fastify'
import { normalizeMatchCode, safeEqual, sha256 } from '../crypto.js'
import { errors } from '../errors.js'
import { normalizeEmail } from '../mail/address.js'
import { approvedPage, errorPage, gonePage, invitePage, otherBrowserPage, revokedPage, sameBrowserPage, usedPage, type UsedPageInput } from '../pages/index.js'
import { flowGate } from '../store/flow-rules.js'
import type { FlowRecord, InvalidReason } from '../store/types.js'
import { userGroup } from '../session/manager.js'
import {
  bindingFor, deviceOf, fireHook, ipLimit, publishWhenSent, resolveUser, sendPage, splitToken, wantsHtml, type Core,
} from './context.js'
import { revokeBody, verifyBody, verifyQuery } from './schemas.js'

/** The page for a link that can no longer be used, with its status. */
function deadLinkPage (core: Core, reason: InvalidReason, token: string, flow: FlowRecord | null): { status: number, html: string } {
  if (reason === 'denied') {
    return { status: 410, html: errorPage({ ...core.page, title: 'This sign-in was stopped', message: 'Too many wrong codes were typed for this link. Ask for a new link to sign in.' }) }
  }
  if (reason !== 'used') return { status: 410, html: gonePage({ ...core.page, reason }) }
  // Only when the record expired between the failed use and this read.
  /* c8 ignore next */
  if (flow === null) return { status: 410, html: sendGone(core) }
  return { status: 409, html: usedPage(usedInput(core, token, flow)) }
}

/** A used flow always has when and from what it was used. */
function usedInput (core: Core, token: string, flow: FlowRecord): UsedPageInput {
  return { ...core.page, token, usedAt: new Date(flow.usedAt as number), device: flow.usedDevice as string, now: new Date(core.o.now()) }
}

/** Read the flow and check the link against it; null when the token is not this flow's link. */
async function flowOf (core: Core, token: string): Promise<{ flow: FlowRecord, flowId: string } | null> {
  const parts = splitToken(token)
  if (parts === null) return null
  const flow = await core.store.getFlow(parts.flowId)
  if (flow === null || !safeEqual(flow.linkHash, sha256(parts.secret))) return null
  return { flow, flowId: parts.flowId }
}

export function verifyRoutes (scope: FastifyInstance, core: Core): void {
  const { o } = core
  const perMinute = (l: { verifyPerMinute: number }): { max: number, timeWindow: number } => ({ max: l.verifyPerMinute, timeWindow: 60_000 })

  // GET and HEAD never change state: mail scanners open links (SECURITY.md T4). HEAD is served
  // whatever the app's `exposeHeadRoutes` says: a scanner's HEAD must not fall through to the
  // app's 404 handler, which logs the URL, token included.
  scope.get('/verify', { schema: { querystring: verifyQuery }, exposeHeadRoute: true }, async (request, reply) => {
    const token = (request.query as { token?: string }).token ?? ''
    const found = await flowOf(core, token)
    if (found === null) return sendPage(reply, 410, gonePage({ ...core.page, reason: 'unknown' }))
    const { flow, flowId } = found
    const reason = flowGate(flow.state, o.now() >= flow.expiresAt)
    if (reason !== null) {
      const { status, html } = deadLinkPage(core, reason, token, flow)
      return sendPage(reply, status, html)
    }
    if (flow.invite) return sendPage(reply, 200, invitePage({ ...core.page, token }))
    const binding = bindingFor(core, request, flowId)
    if (binding !== null && safeEqual(binding, flow.pollHash)) {
      return sendPage(reply, 200, sameBrowserPage({ ...core.page, token, email: flow.email }))
    }
    if (o.crossDevice === 'off') {
      return sendPage(reply, 200, errorPage({ ...core.page, title: 'Open this link where you asked for it', message: 'For your safety, this link only works in the browser where you asked to sign in.' }))
    }
    return sendPage(reply, 200, otherBrowserPage({ ...core.page, token, device: flow.device, requestedAt: new Date(flow.createdAt), now: new Date(o.now()) }))
  })

  scope.post('/verify', { schema: { body: verifyBody }, ...ipLimit(core, 'verify', perMinute) }, async (request, reply) => {
    const html = wantsHtml(request)
    const { token, code, email } = request.body as { token: string, code?: string, email?: string }
    const parts = splitToken(token)
    if (parts === null) return invalidToken(core, reply, html)
    let binding = bindingFor(core, request, parts.flowId)
    if (email !== undefined) {
      // An invitation: the typed address stands in for the asking browser's binding cookie.
      const found = await flowOf(core, token)
      const address = normalizeEmail(email)
      if (found === null || !found.flow.invite) return invalidToken(core, reply, html)
      if (!address.ok || !safeEqual(address.email.toLowerCase(), found.flow.email.toLowerCase())) {
        if (!html) throw new errors.BAD_REQUEST('That address does not match this invitation')
        return sendPage(reply, 400, invitePage({ ...core.page, token, error: 'That address does not match this invitation.' }))
      }
      binding = found.flow.pollHash
    }
    let matchHash: string | null = null
    if (code !== undefined && code.trim() !== '') {
      const normalized = normalizeMatchCode(code)
      // A malformed code is refused without spending an attempt: only a well-formed guess counts.
      if (normalized === null) return codeProblem(core, reply, html, token, parts.flowId, 'That is not a code from the asking screen. It looks like XXX-XXX.')
      matchHash = sha256(normalized)
    }
    if (o.crossDevice === 'off') matchHash = null
    const ids = core.sessions.newIds()
    const device = deviceOf(request)
    const r = await core.store.verifyFlow(parts.flowId, {
      now: o.now(), linkHash: sha256(parts.secret), pollHash: binding, matchHash, device, maxAttempts: o.maxAttempts, maxAddressFailures: o.maxAddressFailures, sessionId: ids.hash,
    })
    switch (r.result) {
      case 'signed_in': {
        const user = await resolveUser(core, r.email, request)
        if (user === null) return invalidToken(core, reply, html)
        const session = await core.sessions.start(reply, user, ids, r.email, device)
        // The binding stays: the asking tab's poll, maybe not in flight right now, uses it once
        // more to hear `completed` (and clears it then).
        publishWhenSent(core, reply, parts.flowId)
        fireHook(request, 'onLogin', o.hooks.onLogin, { user, sessionId: session.id, crossDevice: false, request })
        if (html) return reply.code(303).header('location', r.redirectTo).send()
        return reply.code(200).send({ status: 'approved', redirectTo: r.redirectTo })
      }
      case 'approved':
        if (html) return sendPage(reply, 200, approvedPage({ ...core.page, device: r.device }))
        return reply.code(200).send({ status: 'approved' })
      case 'code_required':
        if (o.crossDevice === 'off') return invalidToken(core, reply, html)
        return codeProblem(core, reply, html, token, parts.flowId, 'Type the code shown on the screen where you asked to sign in.')
      case 'wrong_code':
        return codeProblem(core, reply, html, token, parts.flowId, 'That code is not right.', r.attemptsLeft)
      case 'denied':
        if (html) return sendPage(reply, 400, deadLinkPage(core, 'denied', token, null).html)
        throw new errors.INVALID_CODE()
      default: {
        if (!html) throw new errors.INVALID_TOKEN()
        const flow = await core.store.getFlow(parts.flowId)
        const { status, html: page } = deadLinkPage(core, r.reason, token, flow)
        return sendPage(reply, status, page)
      }
    }
  })

  // "Not you? Sign that session out": the person types their own address, which a scanner that
  // clicks buttons cannot do (SECURITY.md T4/T5); nothing is revoked otherwise.
  scope.post('/revoke', { schema: { body: revokeBody }, ...ipLimit(core, 'revoke', perMinute) }, async (request, reply) => {
    const html = wantsHtml(request)
    const { token, email } = request.body as { token: string, email: string }
    const found = await flowOf(core, token)
    if (found === null) return invalidToken(core, reply, html)
    const { flow } = found
    const address = normalizeEmail(email)
    if (flow.sessionId === null || !address.ok || !safeEqual(address.email.toLowerCase(), flow.email.toLowerCase())) {
      if (html && flow.usedAt !== null) {
        return sendPage(reply, 400, usedPage({ ...usedInput(core, token, flow), error: 'That address does not match this link.' }))
      }
      throw new errors.BAD_REQUEST('That address does not match this link')
    }
    const user = await o.users.find(flow.email)
    if (user !== null) {
      const id = userGroup(user.id) + flow.sessionId
      if (await core.store.revokeSession(id)) {
        core.sessions.forget([id])
        fireHook(request, 'onLogout', o.hooks.onLogout, { userId: user.id, sessionIds: [id], request })
      }
    }
    if (html) return sendPage(reply, 200, revokedPage(core.page))
    return reply.code(200).send({ status: 'revoked' })
  })
}

function sendGone (core: Core): string {
  return gonePage({ ...core.page, reason: 'unknown' })
}

/** JSON clients get the coded error; form posts get the page of an unusable link. */
function invalidToken (core: Core, reply: FastifyReply, html: boolean): FastifyReply {
  if (!html) throw new errors.INVALID_TOKEN()
  return sendPage(reply, 410, sendGone(core))
}

async function codeProblem (core: Core, reply: FastifyReply, html: boolean, token: string, flowId: string, message: string, attemptsLeft?: number): Promise<FastifyReply> {
  if (!html) throw new errors.INVALID_CODE()
  const flow = await core.store.getFlow(flowId)
  if (flow === null) return sendPage(reply, 410, sendGone(core))
  if (flow.invite) return sendPage(reply, 400, invitePage({ ...core.page, token, error: 'Type the email address this invitation was sent to.' }))
  return sendPage(reply, 400, otherBrowserPage({
    ...core.page, token, device: flow.device, requestedAt: new Date(flow.createdAt), now: new Date(core.o.now()), error: message,
    ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
  }))
}

