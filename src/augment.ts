import type {
  ContextConfigDefault, FastifyBaseLogger, FastifySchema, FastifyTypeProvider, RouteGenericInterface, FastifyTypeProviderDefault, preHandlerHookHandler,
  RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerBase, RawServerDefault,
} from 'fastify'
import type { MagicLinkApi } from './admin.js'
import type { Duration } from './duration.js'
import type { MagicLinkSession } from './session/manager.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session, or null. Filled by fastify-magic-link in `onRequest`. */
    session: MagicLinkSession | null
  }
  // The instance's own type parameters, so `requireSession` fits every server kind (HTTP/2 too).
  interface FastifyInstance<
    RawServer extends RawServerBase = RawServerDefault,
    RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
    RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
    Logger extends FastifyBaseLogger = FastifyBaseLogger,
    TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
  > {
    /**
     * A preHandler (also usable as `onRequest`) that answers 401 `FST_MAGIC_LINK_UNAUTHORIZED`
     * without a session (503 when the store is down during a refresh). Use it only after
     * `await app.register(magicLink, …)`: before that it is undefined, and a route declared with
     * `preHandler: undefined` is public.
     */
    requireSession: preHandlerHookHandler<RawServer, RawRequest, RawReply, RouteGenericInterface, ContextConfigDefault, FastifySchema, TypeProvider, Logger>
    /**
     * A preHandler (also usable as `onRequest`) for sensitive actions: 401
     * `FST_MAGIC_LINK_UNAUTHORIZED` without a session, 401 `FST_MAGIC_LINK_REAUTH_REQUIRED` (with
     * `maxAge` in seconds in the body) when the session's last proof of the mailbox
     * (`request.session.authTime`) is older than `maxAge`. `POST /reauth` renews it.
     * @param maxAge a duration: ms or a string like `'10m'`
     */
    requireRecentLogin: (maxAge: Duration) => preHandlerHookHandler<RawServer, RawRequest, RawReply, RouteGenericInterface, ContextConfigDefault, FastifySchema, TypeProvider, Logger>
    /** Session administration: revoke and list sessions. */
    magicLink: MagicLinkApi
  }
}
