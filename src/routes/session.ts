import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import { groupOf } from '../store/types.js'
import { noSession, userGroup, type MagicLinkSession } from '../session/manager.js'
import { fireHook, ipLimit, sessionRecord, type Core } from './context.js'
import { safeRedirect } from './redirect.js'
import { startFlowFor } from './request.js'
import { emptyBody, refreshBody, sessionParams } from './schemas.js'

function current (request: FastifyRequest): MagicLinkSession {
  if (request.session === null) throw noSession(request)
  return request.session
}

export function sessionRoutes (scope: FastifyInstance, core: Core): void {
  const { o } = core

  scope.get('/session', async (request) => {
    const s = current(request)
    return { user: { id: s.userId }, session: { id: s.id, createdAt: s.createdAt, expiresAt: s.expiresAt, authTime: s.authTime, method: s.method, data: s.data } }
  })

  const signOut = async (request: FastifyRequest, reply: FastifyReply, ids: string[], s: MagicLinkSession, reason: 'logout' | 'logout-all' | 'sessions'): Promise<void> => {
    core.sessions.revoked(ids, s.userId, reason)
    fireHook(request, 'onLogout', o.hooks.onLogout, { userId: s.userId, sessionIds: ids, request })
  }

  scope.post('/logout', { schema: { body: emptyBody } }, async (request, reply) => {
    const s = current(request)
    await core.store.revokeSession(s.id)
    await signOut(request, reply, [s.id], s, 'logout')
    core.sessions.clearCookie(reply)
    return reply.code(204).send()
  })

  scope.post('/logout-all', { schema: { body: emptyBody } }, async (request, reply) => {
    const s = current(request)
    const ids = await core.store.revokeSessions(userGroup(s.userId))
    await signOut(request, reply, [...new Set([...ids, s.id])], s, 'logout-all')
    core.sessions.clearCookie(reply)
    return reply.code(204).send()
  })

  // Token transport: a new access token for the refresh token, which is spent; a spent one
  // coming back ends the session on every instance (SECURITY.md T27).
  if (o.session.tokenTransport) {
    scope.post('/refresh', {
      schema: { body: refreshBody },
      ...ipLimit(core, 'refresh', (l) => ({ max: l.pollPerMinute, timeWindow: 60_000 })),
    }, async (request, reply) => {
      const r = await core.sessions.refreshTokens((request.body as { refreshToken: string }).refreshToken)
      if (r === null || !('tokens' in r)) {
        const error = new errors.UNAUTHORIZED()
        if (r !== null) error.message = 'Refresh token reused: the session is revoked'
        throw error
      }
      return reply.code(200).send(r.tokens)
    })
  }

  // A fresh proof of the mailbox for the signed-in user: a flow for the address this session
  // signed in with, in this client only. Completing it replaces this session with one whose
  // `authTime` is now (see startSession); completed in another browser, it gives that one nothing.
  scope.post('/reauth', {
    schema: { body: emptyBody },
    ...ipLimit(core, 'request', (l) => ({ max: l.ipMax, timeWindow: l.ipWindow })),
  }, async (request, reply) => {
    const s = current(request)
    const record = await sessionRecord(core, s)
    // Only when the record expired or was revoked since this request's session was checked.
    /* c8 ignore next */
    if (record === undefined) throw new errors.UNAUTHORIZED()
    const token = o.session.tokenTransport && request.headers.authorization !== undefined
    return reply.code(202).send(await startFlowFor(core, request, reply, record.email, safeRedirect(undefined, o.redirectAllow), token, 'reauth'))
  })

  scope.get('/sessions', async (request) => {
    const s = current(request)
    const list = await core.store.listSessions(userGroup(s.userId))
    return {
      sessions: list.filter((r) => r.userId === s.userId).map((r) => ({
        id: r.id, device: r.device, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt, expiresAt: r.expiresAt,
        // Records written before sessions recorded them count from their creation, as a link.
        /* c8 ignore next */
        authTime: r.authTime ?? r.createdAt, method: r.method ?? 'link', current: r.id === s.id,
      })),
    }
  })

  scope.delete('/sessions/:id', { schema: { params: sessionParams } }, async (request, reply) => {
    const s = current(request)
    const { id } = request.params as { id: string }
    if (groupOf(id) !== userGroup(s.userId)) throw new errors.BAD_REQUEST('Not one of your sessions')
    if (await core.store.revokeSession(id)) await signOut(request, reply, [id], s, 'sessions')
    if (id === s.id) core.sessions.clearCookie(reply)
    return reply.code(204).send()
  })
}
