/**
 * Why a client call failed:
 * - `access_denied`, `expired_token`: the login ended (RFC 8628 §3.5): too many wrong codes, no
 *   account, or the link expired or was replaced by a newer one. Start again with `login()`.
 * - `aborted`: the caller's `AbortSignal` fired.
 * - `network_error`: `fetch` itself failed (offline, DNS, CORS); `status` is 0.
 * - `bad_response`: a success status whose body is not what the plugin sends (a proxy in the way?).
 * - `http_error`: an error status without the plugin's JSON error body.
 * - otherwise the plugin's error code, e.g. `FST_MAGIC_LINK_INVALID_CODE`, `FST_MAGIC_LINK_RATE_LIMITED`.
 */
export type MagicLinkClientErrorCode =
  | 'access_denied'
  | 'expired_token'
  | 'aborted'
  | 'network_error'
  | 'bad_response'
  | 'http_error'
  | 'FST_MAGIC_LINK_BAD_REQUEST'
  | 'FST_MAGIC_LINK_UNAUTHORIZED'
  | 'FST_MAGIC_LINK_REAUTH_REQUIRED'
  | 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN'
  | 'FST_MAGIC_LINK_INVALID_TOKEN'
  | 'FST_MAGIC_LINK_INVALID_CODE'
  | 'FST_MAGIC_LINK_RATE_LIMITED'
  | 'FST_MAGIC_LINK_STORE_UNAVAILABLE'
  // Codes of a newer server, or of the app's own error handler, still come through.
  | (string & Record<never, never>)

/** Every rejection of the client is one of these; switch on `code`. */
export class MagicLinkClientError extends Error {
  /** What went wrong; see {@link MagicLinkClientErrorCode}. */
  readonly code: MagicLinkClientErrorCode
  /** HTTP status of the answer, or 0 when there was none (`aborted`, `network_error`). */
  readonly status: number
  /**
   * With `FST_MAGIC_LINK_INVALID_TOKEN`: why the link cannot be used (`'unknown'`, `'expired'`,
   * `'superseded'`, `'used'`, `'denied'`), the same in every language. Otherwise undefined.
   */
  readonly reason: string | undefined
  /** With a counted wrong code (`FST_MAGIC_LINK_INVALID_CODE`): the attempts left. Otherwise undefined. */
  readonly attemptsLeft: number | undefined
  /** With `FST_MAGIC_LINK_REAUTH_REQUIRED`: how recent (seconds) a sign-in the route needs. Otherwise undefined. */
  readonly maxAge: number | undefined

  /**
   * @param code what went wrong
   * @param message a human-readable explanation (the server's, when it sent one)
   * @param status HTTP status, 0 without an answer
   * @param cause the underlying error (a `fetch` rejection, the abort reason)
   * @param detail the server's stable `reason` and `attemptsLeft`, when it sent them
   */
  constructor (code: MagicLinkClientErrorCode, message: string, status = 0, cause?: unknown, detail: { reason?: string, attemptsLeft?: number, maxAge?: number } = {}) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'MagicLinkClientError'
    this.code = code
    this.status = status
    this.reason = detail.reason
    this.attemptsLeft = detail.attemptsLeft
    this.maxAge = detail.maxAge
  }
}

/** The rejection of an aborted call, carrying the signal's reason as `cause`. */
export function abortedError (signal: AbortSignal): MagicLinkClientError {
  return new MagicLinkClientError('aborted', 'The operation was aborted', 0, signal.reason)
}
