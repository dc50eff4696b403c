import { errors } from './errors.js'
import { normalizeEmail } from './mail/address.js'
import { translatorFor, type Core } from './routes/context.js'
import { safeRedirect } from './routes/redirect.js'
import { startFlow } from './routes/request.js'
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

/** `app.magicLink`: session administration for admin tools. */
export interface MagicLinkApi {
  /** Revokes one session on every instance (within `session.accessTtl` if notifications are lost). Resolves false when it did not exist. */
  revokeSession (id: string): Promise<boolean>
  /** Revokes every session of a user; resolves with their ids. */
  revokeUserSessions (userId: string): Promise<string[]>
  /** The live sessions of a user. */
  listSessions (userId: string): Promise<SessionInfo[]>
  /**
   * An invitation link for `email`, valid for `linkTtl`. Whoever opens it types that address and
   * is signed in on that browser (no asking device is involved). Sends the default login mail only
   * with `send: true`; otherwise put the link in your own invitation. A newer link for the address
   * supersedes it. The user is found or created (`users.create`) when the link is used.
   */
  createLink (email: string, options?: CreateLinkOptions): Promise<{ link: string, expiresAt: number }>
}

export interface CreateLinkOptions {
  /** Same-origin path under `redirect.allow` to land on. Default: the first allowed prefix. */
  redirectTo?: string
  /** Also send the login mail. Default false. */
  send?: boolean
  /** Language of that mail when the user has no `locale` of their own (BCP 47). Default: `locale.default`. */
  locale?: string
}

export function createAdminApi (core: Core): MagicLinkApi {
  return {
    async revokeSession (id) {
      const done = await core.store.revokeSession(id)
      // The user id is not known here; the session id names the user's group.
      if (done) core.sessions.revoked([id], undefined, 'admin')
      else core.sessions.markRevoked([id])
      return done
    },
    async revokeUserSessions (userId) {
      const ids = await core.store.revokeSessions(userGroup(userId))
      core.sessions.revoked(ids, userId, 'admin')
      return ids
    },
    async createLink (email, options = {}) {
      const address = normalizeEmail(email)
      if (!address.ok) throw new errors.BAD_REQUEST(`Invalid email address: ${address.reason}`)
      const user = options.send === true ? await core.o.users.find(address.email) : null
      const flow = await startFlow(core, {
        email: address.email,
        locale: translatorFor(core, user?.locale, options.locale).locale,
        redirectTo: safeRedirect(options.redirectTo, core.o.redirectAllow),
        device: 'an invitation',
        deliver: true,
        invite: true,
        mail: options.send === true,
      }, 'invite', user?.id)
      return { link: flow.link, expiresAt: flow.expiresAt }
    },
    async listSessions (userId) {
      const list = await core.store.listSessions(userGroup(userId))
      return list.filter((s) => s.userId === userId).map((s) => ({
        id: s.id, userId: s.userId, device: s.device, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt,
      }))
    },
  }
}
