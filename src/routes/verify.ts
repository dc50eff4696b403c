import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { normalizeMatchCode, safeEqual, sha256 } from '../crypto.js'
import { errors, invalidToken, wrongCode } from '../errors.js'
import { maskEmail, normalizeEmail } from '../mail/address.js'
import type { PageError, PageView } from '../pages/index.js'
import { flowGate } from '../store/flow-rules.js'
import type { FlowRecord, InvalidReason } from '../store/types.js'
import { userGroup } from '../session/manager.js'
import {
  bindingFor, deviceOf, fireHook, ipLimit, publishWhenSent, resolveUser, sendPage, sessionRecord, splitToken, startSession, wantsHtml, type Core,
} from './context.js'
import { startFlowFor } from './request.js'
import { completeChange } from './email.js'
import { revokeBody, tokenBody, verifyBody, verifyQuery } from './schemas.js'

/** The device holding the session a used flow started, while that session is live; else null. */
async function liveSessionDevice (core: Core, flow: FlowRecord): Promise<string | null> {
  if (flow.sessionId === null) return null
  const user = await core.o.users.find(flow.email)
  if (user === null) return null
  const now = core.o.now()
  const session = await sessionRecord(core, { userId: user.id, id: userGroup(user.id) + flow.sessionId })
  return session === undefined || session.expiresAt <= now || session.idleExpiresAt <= now ? null : session.device
}

/** The page of a link that can no longer be used. */
async function deadLinkView (core: Core, reason: InvalidReason, token: string, flow: FlowRecord | null, error: PageError | null = null): Promise<PageView> {
  if (reason === 'used' && flow !== null) {
    return {
      kind: 'used', status: error === null ? 409 : 400, token, usedAt: new Date(flow.usedAt as number), device: flow.usedDevice as string,
      sessionDevice: await liveSessionDevice(core, flow), error,
    }
  }
  // `used` with no record: it expired between the failed use and this read.
  /* c8 ignore next */
  const kind = reason === 'used' ? 'unknown' : reason
  return { kind, status: 410, token: kind === 'expired' || kind === 'superseded' ? token : null }
}

/** Read the flow and check the link against it; null when the token is not this flow's link. */
async function flowOf (core: Core, token: string): Promise<{ flow: FlowRecord, flowId: string } | null> {
  const parts = splitToken(token)
  if (parts === null) return null
  const flow = await core.store.getFlow(parts.flowId)
  if (flow === null || !safeEqual(flow.linkHash, sha256(parts.secret))) return null
  return { flow, flowId: parts.flowId }
}

/** Why a flow's link cannot be used right now, or null while it can. */
function gateOf (core: Core, flow: FlowRecord): InvalidReason | null {
  return flowGate(flow.state, core.o.now() >= flow.expiresAt)
}

const UNKNOWN: PageView = { kind: 'unknown', status: 410, token: null }

export function verifyRoutes (scope: FastifyInstance, core: Core): void {
  const { o } = core
  const perMinute = (l: { verifyPerMinute: number }): { max: number, timeWindow: number } => ({ max: l.verifyPerMinute, timeWindow: 60_000 })

  // GET and HEAD never change state: mail scanners open links (SECURITY.md T4). HEAD is served
  // whatever the app's `exposeHeadRoutes` says: a scanner's HEAD must not fall through to the
  // app's 404 handler, which logs the URL, token included.
  scope.get('/verify', { schema: { querystring: verifyQuery }, exposeHeadRoute: true }, async (request, reply) => {
    const token = (request.query as { token?: string }).token ?? ''
    const found = await flowOf(core, token)
    if (found === null) return unusable(core, request, reply, true, token)
    const { flow, flowId } = found
    const reason = gateOf(core, flow)
    if (reason !== null) {
      core.events.emit('link.rejected', { flowId, reason })
      return sendPage(core, request, reply, await deadLinkView(core, reason, token, flow))
    }
    const sameBrowser = !flow.invite && safeEqual(bindingFor(core, request, flowId) ?? '', flow.pollHash)
    core.events.emit('link.opened', { flowId, reason: flow.invite ? 'invite' : sameBrowser ? 'same-browser' : 'other-browser' })
    if (flow.invite) return sendPage(core, request, reply, { kind: 'invite', status: 200, token, error: null })
    if (sameBrowser) return sendPage(core, request, reply, { kind: 'sameBrowser', status: 200, token, email: flow.email })
    if (o.crossDevice === 'off') return sendPage(core, request, reply, { kind: 'sameBrowserOnly', status: 200 })
    return sendPage(core, request, reply, otherBrowserView(token, flow, null, null))
  })

  // Inspection for an app's own verify page: what `GET /verify` would show, as JSON. It reads
  // the flow and the binding cookie and changes nothing (no attempt spent, nothing burned).
  scope.post('/link', { schema: { body: tokenBody }, ...ipLimit(core, 'link', perMinute) }, async (request, reply) => {
    const { token } = request.body as { token: string }
    const found = await flowOf(core, token)
    if (found === null) {
      core.events.emit('link.rejected', { flowId: splitToken(token)?.flowId, reason: 'unknown' })
      return reply.code(200).send({ state: 'unknown' })
    }
    const { flow, flowId } = found
    const sameBrowser = !flow.invite && safeEqual(bindingFor(core, request, flowId) ?? '', flow.pollHash)
    const state = gateOf(core, flow) ?? 'pending'
    if (state === 'pending') core.events.emit('link.opened', { flowId, reason: flow.invite ? 'invite' : sameBrowser ? 'same-browser' : 'other-browser' })
    else core.events.emit('link.rejected', { flowId, reason: state })
    return reply.code(200).send({
      state,
      sameBrowser,
      needsCode: state === 'pending' && !sameBrowser && !flow.invite && o.crossDevice === 'code',
      needsEmail: state === 'pending' && flow.invite,
      requestedAt: new Date(flow.createdAt).toISOString(),
      expiresAt: new Date(flow.expiresAt).toISOString(),
      device: flow.device,
      email: maskEmail(flow.email),
      // Used: when, from where, and which device holds the session it started while it is live.
      ...(flow.usedAt === null ? {} : { usedAt: new Date(flow.usedAt).toISOString(), usedDevice: flow.usedDevice, sessionDevice: await liveSessionDevice(core, flow) }),
    })
  })

  // "Send a new link" on the expired and replaced pages: a new flow for that link's address in
  // this browser, through the same limits and answers as `POST /request` (SECURITY.md T12).
  scope.post('/resend', { schema: { body: tokenBody }, ...ipLimit(core, 'request', (l) => ({ max: l.ipMax, timeWindow: l.ipWindow })) }, async (request, reply) => {
    const html = wantsHtml(request)
    const { token } = request.body as { token: string }
    const found = await flowOf(core, token)
    const reason = found === null ? 'unknown' : gateOf(core, found.flow) ?? 'pending'
    if (found === null || (reason !== 'expired' && reason !== 'superseded')) {
      core.events.emit('link.rejected', { flowId: found?.flowId, reason: reason === 'pending' ? 'unknown' : reason })
      if (!html) throw invalidToken(reason === 'pending' ? 'unknown' : reason)
      const view = found === null || reason === 'pending' ? UNKNOWN : await deadLinkView(core, reason, token, found.flow)
      return sendPage(core, request, reply, view)
    }
    if (o.beforeRequest !== null && o.beforeRequest !== undefined) await o.beforeRequest(request)
    const answer = await startFlowFor(core, request, reply, found.flow.email, found.flow.redirectTo, false, 'resend')
    if (!html) return reply.code(202).send(answer)
    return sendPage(core, request, reply, { kind: 'resent', status: 202, email: maskEmail(found.flow.email) })
  })

  scope.post('/verify', { schema: { body: verifyBody }, ...ipLimit(core, 'verify', perMinute) }, async (request, reply) => {
    const html = wantsHtml(request)
    const { token, code, email, pollToken } = request.body as { token: string, code?: string, email?: string, pollToken?: string }
    const parts = splitToken(token)
    if (parts === null) return unusable(core, request, reply, html, token)
    // An app that received the link itself (a universal link) proves it asked with its pollToken.
    let binding = bindingFor(core, request, parts.flowId, pollToken)
    if (email !== undefined) {
      // An invitation: the typed address stands in for the asking browser's binding cookie.
      const found = await flowOf(core, token)
      const address = normalizeEmail(email)
      if (found === null || !found.flow.invite) return unusable(core, request, reply, html, token)
      if (!address.ok || !safeEqual(address.email.toLowerCase(), found.flow.email.toLowerCase())) {
        if (!html) throw new errors.BAD_REQUEST('That address does not match this invitation')
        return sendPage(core, request, reply, { kind: 'invite', status: 400, token, error: address.ok ? 'invite.mismatch' : 'page.emailMalformed' })
      }
      binding = found.flow.pollHash
    }
    let matchHash: string | null = null
    if (code !== undefined && code.trim() !== '') {
      const normalized = normalizeMatchCode(code)
      // A malformed code is refused without spending an attempt: only a well-formed guess counts.
      if (normalized === null) {
        core.events.emit('code.failed', { flowId: parts.flowId, reason: 'malformed' })
        return codeProblem(core, request, reply, html, token, parts.flowId, 'code.malformed')
      }
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
        core.events.emit('link.approved', { flowId: parts.flowId, reason: r.change !== undefined ? 'email-change' : email !== undefined ? 'invite' : 'same-browser' })
        if (r.change !== undefined) {
          // An address change confirmed by its link, in the browser of the session that asked.
          const changed = await completeChange(core, request, reply, r.change, r.email, ids, pollToken !== undefined, 'link')
          if (changed === null) return unusable(core, request, reply, html, token)
          publishWhenSent(core, reply, parts.flowId)
          if (html && pollToken === undefined) return reply.code(303).header('location', r.redirectTo).send()
          return reply.code(200).send({ status: 'approved', ...changed.tokens, redirectTo: r.redirectTo })
        }
        const user = await resolveUser(core, r.email, request)
        if (user === null) return unusable(core, request, reply, html, token)
        const { session, tokens } = await startSession(core, request.session, reply, user, ids, r.email, device, pollToken !== undefined, email !== undefined ? 'invite' : 'link')
        // The binding stays: the asking tab's poll, maybe not in flight right now, uses it once
        // more to hear `completed` (and clears it then).
        publishWhenSent(core, reply, parts.flowId)
        fireHook(request, 'onLogin', o.hooks.onLogin, { user, sessionId: session.id, crossDevice: false, request })
        if (html && pollToken === undefined) return reply.code(303).header('location', r.redirectTo).send()
        return reply.code(200).send({ status: 'approved', ...tokens, redirectTo: r.redirectTo })
      }
      case 'approved':
        core.events.emit('link.approved', { flowId: parts.flowId, reason: 'other-browser' })
        if (html) return sendPage(core, request, reply, { kind: 'approved', status: 200, device: r.device })
        return reply.code(200).send({ status: 'approved' })
      case 'code_required':
        if (o.crossDevice === 'off') return unusable(core, request, reply, html, token)
        return codeProblem(core, request, reply, html, token, parts.flowId, 'code.required')
      case 'wrong_code':
        core.events.emit('code.failed', { flowId: parts.flowId, reason: 'wrong' })
        return codeProblem(core, request, reply, html, token, parts.flowId, 'code.wrong', r.attemptsLeft)
      case 'denied':
        codeDenied(core, parts.flowId)
        if (html) return sendPage(core, request, reply, { kind: 'denied', status: 400, token: null })
        throw wrongCode(0)
      default: {
        core.events.emit('link.rejected', { flowId: parts.flowId, reason: r.reason })
        if (!html) throw invalidToken(r.reason)
        const flow = await core.store.getFlow(parts.flowId)
        return sendPage(core, request, reply, await deadLinkView(core, r.reason, token, flow))
      }
    }
  })

  // "Not you? Sign that session out": the person types their own address, which a scanner that
  // clicks buttons cannot do (SECURITY.md T4/T5); nothing is revoked otherwise.
  scope.post('/revoke', { schema: { body: revokeBody }, ...ipLimit(core, 'revoke', perMinute) }, async (request, reply) => {
    const html = wantsHtml(request)
    const { token, email } = request.body as { token: string, email: string }
    const found = await flowOf(core, token)
    if (found === null) return unusable(core, request, reply, html, token)
    const { flow } = found
    const address = normalizeEmail(email)
    if (flow.sessionId === null || !address.ok || !safeEqual(address.email.toLowerCase(), flow.email.toLowerCase())) {
      if (html && flow.usedAt !== null) {
        return sendPage(core, request, reply, await deadLinkView(core, 'used', token, flow, address.ok ? 'used.mismatch' : 'page.emailMalformed'))
      }
      throw new errors.BAD_REQUEST('That address does not match this link')
    }
    const user = await o.users.find(flow.email)
    if (user !== null) {
      const id = userGroup(user.id) + flow.sessionId
      if (await core.store.revokeSession(id)) {
        core.sessions.revoked([id], user.id, 'link')
        fireHook(request, 'onLogout', o.hooks.onLogout, { userId: user.id, sessionIds: [id], request })
      }
    }
    if (html) return sendPage(core, request, reply, { kind: 'revoked', status: 200 })
    return reply.code(200).send({ status: 'revoked' })
  })
}

function otherBrowserView (token: string, flow: FlowRecord, error: PageError | null, attemptsLeft: number | null): PageView {
  return { kind: 'otherBrowser', status: error === null ? 200 : 400, token, device: flow.device, requestedAt: new Date(flow.createdAt), error, attemptsLeft }
}

/** The wrong code that stopped a flow (too many for it or for its address). */
export function codeDenied (core: Core, flowId: string): void {
  core.events.emit('code.failed', { flowId, reason: 'wrong' })
  core.events.emit('flow.denied', { flowId, reason: 'attempts' })
}

/** JSON clients get the coded error; form posts get the page of an unknown link. */
function unusable (core: Core, request: FastifyRequest, reply: FastifyReply, html: boolean, token: string): FastifyReply {
  core.events.emit('link.rejected', { flowId: splitToken(token)?.flowId, reason: 'unknown' })
  if (!html) throw invalidToken('unknown')
  return sendPage(core, request, reply, UNKNOWN)
}

async function codeProblem (core: Core, request: FastifyRequest, reply: FastifyReply, html: boolean, token: string, flowId: string, error: PageError, attemptsLeft?: number): Promise<FastifyReply> {
  if (!html) throw wrongCode(attemptsLeft)
  const flow = await core.store.getFlow(flowId)
  if (flow === null) return sendPage(core, request, reply, UNKNOWN)
  if (flow.invite) return sendPage(core, request, reply, { kind: 'invite', status: 400, token, error: 'invite.text' })
  return sendPage(core, request, reply, otherBrowserView(token, flow, error, attemptsLeft ?? null))
}
