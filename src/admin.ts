import type { Core } from './routes/context.js'
import { userGroup } from './session/manager.js'

/** A session as listed by `GET /sessions` and `app.magicLink.listSessions`. */
export interface SessionInfo {
  id: string
  userId: string
  /** Browser and system summary of the device that signed in. */
  device: string
  /** Epoch ms. */
  createdAt: number
  /** Epoch ms of the last refresh (at most `session.accessTtl` stale). */
  lastSeenAt: number
  /** Absolute expiry, epoch ms. */
  expiresAt: number
}

/** `app.magicLink`: session administration for admin tools (DESIGN §6). */
export interface MagicLinkApi {
  /** Revokes one session on every instance (within `session.accessTtl` if notifications are lost). Resolves false when it did not exist. */
  revokeSession (id: string): Promise<boolean>
  /** Revokes every session of a user; resolves with their ids. */
  revokeUserSessions (userId: string): Promise<string[]>
  /** The live sessions of a user. */
  listSessions (userId: string): Promise<SessionInfo[]>
}

export function createAdminApi (core: Core): MagicLinkApi {
  return {
    async revokeSession (id) {
      const done = await core.store.revokeSession(id)
      core.sessions.forget([id])
      return done
    },
    async revokeUserSessions (userId) {
      const ids = await core.store.revokeSessions(userGroup(userId))
      core.sessions.forget(ids)
      return ids
    },
    async listSessions (userId) {
      const list = await core.store.listSessions(userGroup(userId))
      return list.filter((s) => s.userId === userId).map((s) => ({
        id: s.id, userId: s.userId, device: s.device, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt,
      }))
    },
  }
}
