/**
 * The apps of `servers/side-by-side.ts`, as the drivers (`same-process.ts`, `instructions.ts`)
 * address them: one list, so both parts measure and describe the same things.
 */
import { http } from './http.js'

export interface SideBySideApp {
  name: string
  url: string
  /** What the request carries: nothing, the session cookie, or a bearer access token. */
  auth: 'none' | 'cookie' | 'bearer'
  /** Base URL of the plugin app to sign in on (the bearer app has its own). */
  loginBase?: string
  note: string
}

/** Every app of the server whose announced (magic-link) base URL is `base`. */
export async function sideBySideApps (base: string): Promise<SideBySideApp[]> {
  const ports = JSON.parse((await http(`${base}/__ports`)).body) as Record<string, number>
  const at = (name: string): string => `http://127.0.0.1:${ports[name]}/me`
  return [
    { name: 'bare', url: at('bare'), auth: 'none', note: 'GET /me, no plugin, no cookie sent' },
    { name: 'bare-cookie-header', url: at('bare'), auth: 'cookie', note: 'the same bare app, sent the session cookie (nothing parses it: what carrying a ~380-byte Cookie header costs)' },
    { name: 'cookie-parse', url: at('cookie-parse'), auth: 'cookie', note: '@fastify/cookie registered, the same route, sent the session cookie (parsed, not checked)' },
    { name: 'session-floor', url: at('session-floor'), auth: 'cookie', note: '@fastify/cookie + a request decoration + an onRequest hook setting it + a preHandler checking it, no verification (the least a session plugin of this shape costs)' },
    { name: 'magic-link', url: `${base}/me`, auth: 'cookie', note: 'fastify-magic-link: `preHandler: app.requireSession`, the session cookie' },
    { name: 'magic-link-onrequest', url: `${base}/me-onrequest`, auth: 'cookie', note: 'the same app and check attached as `onRequest: app.requireSession` (no preHandler hook run)' },
    { name: 'magic-link-bearer', url: at('magic-link-bearer'), auth: 'bearer', loginBase: at('magic-link-bearer').replace(/\/me$/, ''), note: 'fastify-magic-link with the token transport: `preHandler: app.requireSession`, `Authorization: Bearer <access token>`' },
  ]
}

/** The request headers of an app's requests: its cookie or its bearer token. */
export function authHeaders (app: SideBySideApp, creds: { cookie: string, bearer: string }): Record<string, string> | undefined {
  if (app.auth === 'cookie') return { cookie: creds.cookie }
  if (app.auth === 'bearer') return { authorization: `Bearer ${creds.bearer}` }
  return undefined
}
