import type { preHandlerHookHandler } from 'fastify'
import type { MagicLinkApi } from './admin.js'
import type { MagicLinkSession } from './session/manager.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session, or null. Filled by fastify-magic-link in `onRequest`. */
    session: MagicLinkSession | null
  }
  interface FastifyInstance {
    /** A preHandler that answers 401 `FST_MAGIC_LINK_UNAUTHORIZED` without a session (503 when the store is down during a refresh). */
    requireSession: preHandlerHookHandler
    /** Session administration: revoke and list sessions. */
    magicLink: MagicLinkApi
  }
}
