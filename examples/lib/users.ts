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
 * without a lookup. A real app keeps users in its database.
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
