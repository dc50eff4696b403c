import createError from '@fastify/error'

/**
 * Every error the plugin raises, each with a stable code and HTTP status (DESIGN §8).
 * Compare with `err.code`, or `instanceof errors.X`.
 */
export const errors = {
  /** A plugin option is missing or invalid; fails `app.ready()`. The message names the option. */
  OPTIONS: createError('FST_MAGIC_LINK_OPTIONS', 'Invalid fastify-magic-link option %s', 500),
  /** The request body, query or headers do not match the route's schema. */
  BAD_REQUEST: createError('FST_MAGIC_LINK_BAD_REQUEST', '%s', 400),
  /** No valid session cookie. */
  UNAUTHORIZED: createError('FST_MAGIC_LINK_UNAUTHORIZED', 'Authentication required', 401),
  /** A state-changing request came from another origin (`Origin` or `Sec-Fetch-Site: cross-site`). */
  FORBIDDEN_ORIGIN: createError('FST_MAGIC_LINK_FORBIDDEN_ORIGIN', 'Cross-origin request refused', 403),
  /** The link token is malformed, unknown, expired, superseded or already used. */
  INVALID_TOKEN: createError('FST_MAGIC_LINK_INVALID_TOKEN', 'This link is invalid, expired or already used', 400),
  /** A wrong, missing or exhausted code (match code or email OTP). */
  INVALID_CODE: createError('FST_MAGIC_LINK_INVALID_CODE', 'Invalid code', 400),
  /** Too many requests from this client; see `Retry-After`. */
  RATE_LIMITED: createError('FST_MAGIC_LINK_RATE_LIMITED', 'Too many requests, retry in %s seconds', 429),
  /** The token store failed or did not answer within `storeTimeout`. */
  STORE_UNAVAILABLE: createError('FST_MAGIC_LINK_STORE_UNAVAILABLE', 'Login service temporarily unavailable', 503),
} as const

export type MagicLinkErrorCode = ReturnType<(typeof errors)[keyof typeof errors]>['code']
