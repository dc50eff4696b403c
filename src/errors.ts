import createError, { type FastifyErrorConstructor } from '@fastify/error'

type Cause = { cause?: unknown }
type Coded<C extends string, S extends number, A extends unknown[]> = FastifyErrorConstructor<{ code: C, statusCode: S }, A>

/** The error constructors of the plugin, each with a stable code and status. */
export interface MagicLinkErrors {
  /** A plugin option is missing or invalid; fails `app.ready()`. The message names the option. */
  OPTIONS: Coded<'FST_MAGIC_LINK_OPTIONS', 500, [detail: string]>
  /**
   * Boot: another plugin already decorates `request.session` in this scope (@fastify/session,
   * @fastify/secure-session). The message names the way out.
   */
  CONFLICT: Coded<'FST_MAGIC_LINK_CONFLICT', 500, [detail: string]>
  /** The request body, query or cookie does not match what the route takes. */
  BAD_REQUEST: Coded<'FST_MAGIC_LINK_BAD_REQUEST', 400, [detail: string]>
  /** No valid session cookie. */
  UNAUTHORIZED: Coded<'FST_MAGIC_LINK_UNAUTHORIZED', 401, []>
  /** `requireRecentLogin(maxAge)`: the session's last proof of the mailbox is older than `maxAge`; `POST /reauth` renews it. */
  REAUTH_REQUIRED: Coded<'FST_MAGIC_LINK_REAUTH_REQUIRED', 401, [maxAgeSeconds: number]>
  /** A state-changing request came from another origin (`Origin` or `Sec-Fetch-Site: cross-site`). */
  FORBIDDEN_ORIGIN: Coded<'FST_MAGIC_LINK_FORBIDDEN_ORIGIN', 403, []>
  /** The link token is malformed, unknown, expired, superseded or already used. */
  INVALID_TOKEN: Coded<'FST_MAGIC_LINK_INVALID_TOKEN', 400, []>
  /** A wrong, malformed or exhausted code (match code or email code). */
  INVALID_CODE: Coded<'FST_MAGIC_LINK_INVALID_CODE', 400, []>
  /** Too many requests from this client; see `Retry-After`. */
  RATE_LIMITED: Coded<'FST_MAGIC_LINK_RATE_LIMITED', 429, [retryAfterSeconds: number]>
  /** The token store failed or did not answer within `storeTimeout`. */
  STORE_UNAVAILABLE: Coded<'FST_MAGIC_LINK_STORE_UNAVAILABLE', 503, [options?: Cause]>
}

/** Every error the plugin raises. Compare with `err.code`, or `instanceof errors.X`. */
export const errors: MagicLinkErrors = {
  OPTIONS: createError('FST_MAGIC_LINK_OPTIONS', 'Invalid fastify-magic-link option %s', 500),
  CONFLICT: createError('FST_MAGIC_LINK_CONFLICT', 'fastify-magic-link cannot be registered here: %s', 500),
  BAD_REQUEST: createError('FST_MAGIC_LINK_BAD_REQUEST', '%s', 400),
  UNAUTHORIZED: createError('FST_MAGIC_LINK_UNAUTHORIZED', 'Authentication required', 401),
  REAUTH_REQUIRED: createError('FST_MAGIC_LINK_REAUTH_REQUIRED', 'A sign-in within the last %s seconds is required: confirm with POST /reauth', 401),
  FORBIDDEN_ORIGIN: createError('FST_MAGIC_LINK_FORBIDDEN_ORIGIN', 'Cross-origin request refused', 403),
  INVALID_TOKEN: createError('FST_MAGIC_LINK_INVALID_TOKEN', 'This link is invalid, expired or already used', 400),
  INVALID_CODE: createError('FST_MAGIC_LINK_INVALID_CODE', 'Invalid code', 400),
  RATE_LIMITED: createError('FST_MAGIC_LINK_RATE_LIMITED', 'Too many requests, retry in %s seconds', 429),
  STORE_UNAVAILABLE: createError('FST_MAGIC_LINK_STORE_UNAVAILABLE', 'Login service temporarily unavailable', 503),
}

export type MagicLinkErrorCode = ReturnType<MagicLinkErrors[keyof MagicLinkErrors]>['code']

/** Why a link cannot be used, stable whatever the language. */
export type LinkReason = 'unknown' | 'expired' | 'superseded' | 'used' | 'denied'

/** `FST_MAGIC_LINK_INVALID_TOKEN` with its `reason` (sent beside `code` in the JSON body). */
export function invalidToken (reason: LinkReason): InstanceType<MagicLinkErrors['INVALID_TOKEN']> & { reason: LinkReason } {
  return Object.assign(new errors.INVALID_TOKEN(), { reason })
}

/** `FST_MAGIC_LINK_INVALID_CODE`, with the attempts left when a wrong guess was counted. */
export function wrongCode (attemptsLeft?: number): InstanceType<MagicLinkErrors['INVALID_CODE']> {
  return attemptsLeft === undefined ? new errors.INVALID_CODE() : Object.assign(new errors.INVALID_CODE(), { attemptsLeft })
}
