/**
 * The apps of `servers/side-by-side.ts`, as the drivers (`same-process.ts`, `instructions.ts`)
 * address them: one list, so both parts measure and describe the same things.
 */
import { http } from './http.js'

export interface SideBySideApp {
  name: string
  url: string
  /** Whether the request carries the session cookie. */
  cookie: boolean
  note: string
}

/** Every app of the server whose announced (magic-link) base URL is `base`. */
export async function sideBySideApps (base: string): Promise<SideBySideApp[]> {
  const ports = JSON.parse((await http(`${base}/__ports`)).body) as Record<string, number>
  const at = (name: string): string => `http://127.0.0.1:${ports[name]}/me`
  return [
    { name: 'bare', url: at('bare'), cookie: false, note: 'GET /me, no plugin, no cookie sent' },
    { name: 'bare-cookie-header', url: at('bare'), cookie: true, note: 'the same bare app, sent the session cookie (nothing parses it: what carrying a ~380-byte Cookie header costs)' },
    { name: 'cookie-parse', url: at('cookie-parse'), cookie: true, note: '@fastify/cookie registered, the same route, sent the session cookie (parsed, not checked)' },
    { name: 'session-floor', url: at('session-floor'), cookie: true, note: '@fastify/cookie + a request decoration + an onRequest hook setting it + a preHandler checking it, no verification (the least a session plugin of this shape costs)' },
    { name: 'magic-link', url: `${base}/me`, cookie: true, note: 'fastify-magic-link: `preHandler: app.requireSession`, the session cookie' },
    { name: 'magic-link-onrequest', url: `${base}/me-onrequest`, cookie: true, note: 'the same app and check attached as `onRequest: app.requireSession` (no preHandler hook run)' },
  ]
}
