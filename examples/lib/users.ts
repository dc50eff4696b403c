import { randomUUID } from 'node:crypto'
// In your app: `import type { MagicLinkUser, UsersOptions } from 'fastify-magic-link'`.
import type { FastifyInstance } from 'fastify'
import type { MagicLinkUser, UsersOptions } from '../../src/index.js'

/** The examples' user record: what your `users` table would hold. */
export interface User extends MagicLinkUser {
  email: string
}

/**
 * The examples' users, in memory: anyone can sign up (the first completed sign-in creates the
 * user), and the address is kept in the session's claims so pages know who is signed in
 * without a lookup. People can move their account to another address (`POST /auth/email`):
 * the plugin calls `changeEmail` once the new address is confirmed, then starts a new session,
 * whose claims carry the new address. A real app keeps users in its database.
 */
export function memoryUsers (): UsersOptions {
  const byEmail = new Map<string, User>()
  const byId = new Map<string, User>()
  return {
    find: (email) => byEmail.get(email) ?? null,
    create: (email) => {
      const user: User = { id: randomUUID(), email }
      byEmail.set(email, user)
      byId.set(user.id, user)
      return user
    },
    changeEmail: (userId, newEmail) => {
      const user = byId.get(userId)
      if (user === undefined) throw new Error('changeEmail: no such user')
      // The plugin checked at the request that no account has the new address; one created
      // since (a sign-up while the mail was on its way) keeps it, as a unique index would.
      const holder = byEmail.get(newEmail)
      if (holder !== undefined && holder.id !== userId) throw new Error('changeEmail: the address has an account')
      const moved: User = { ...user, email: newEmail }
      byEmail.delete(user.email)
      byEmail.set(newEmail, moved)
      byId.set(userId, moved)
    },
    claims: (user) => ({ email: byId.get(user.id)?.email ?? '' }),
  }
}

/**
 * Redirects page loads on another host (`127.0.0.1:3000`) to the configured origin, whose cookies
 * and Origin check the plugin uses.
 */
export function canonicalHost (app: FastifyInstance, origin: URL): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.host !== origin.host && (request.method === 'GET' || request.method === 'HEAD')) {
      return reply.redirect(origin.origin + request.url, 307)
    }
  })
}
