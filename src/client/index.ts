/**
 * `fastify-magic-link/client`: a dependency-free browser helper for the plugin's JSON routes
 *: `login(email)` then `waitForSession()`, with the RFC 8628 polling rules (interval,
 * `slow_down`), long-poll and abort handled. Runs wherever `fetch` and `AbortSignal` exist.
 *
 * ```ts
 * import { login, waitForSession } from 'fastify-magic-link/client'
 * const { matchCode } = await login(email, { redirectTo: '/app' })
 * showCode(matchCode)
 * const { redirectTo } = await waitForSession()
 * location.assign(redirectTo)
 * ```
 */
export { MagicLinkClientError } from './error.js'
export type { MagicLinkClientErrorCode } from './error.js'
export { createClient, memoryStorage } from './client.js'
export type {
  ClientOptions, MagicLinkClient, LoginOptions, LoginResult, WaitOptions, PendingInfo, Approved, SessionInfo, DeviceSession, TokenStorage,
} from './client.js'

import { createClient, type Approved, type LoginOptions, type LoginResult, type MagicLinkClient, type SessionInfo, type WaitOptions } from './client.js'

let fallback: MagicLinkClient | undefined

/** The client behind the top-level functions: same origin, prefix `/auth`, created at first use. */
function defaultClient (): MagicLinkClient {
  fallback ??= createClient()
  return fallback
}

/** `POST /auth/request` on the default client: see {@link MagicLinkClient.login}. */
export function login (email: string, opts?: LoginOptions): Promise<LoginResult> {
  return defaultClient().login(email, opts)
}

/** Polls `POST /auth/poll` on the default client until the login completes: see {@link MagicLinkClient.waitForSession}. */
export function waitForSession (opts?: WaitOptions): Promise<Approved> {
  return defaultClient().waitForSession(opts)
}

/** `POST /auth/code` on the default client: see {@link MagicLinkClient.verifyCode}. */
export function verifyCode (code: string, opts?: { signal?: AbortSignal }): Promise<Approved> {
  return defaultClient().verifyCode(code, opts)
}

/** `GET /auth/session` on the default client: see {@link MagicLinkClient.session}. */
export function session (): Promise<SessionInfo | null> {
  return defaultClient().session()
}

/** `POST /auth/logout` on the default client: see {@link MagicLinkClient.logout}. */
export function logout (): Promise<void> {
  return defaultClient().logout()
}
