/**
 * fastify-magic-link (servers/magic-link.ts) as the drivers need it: one login through the
 * plugin's own routes, exactly as a browser does it.
 */
import { cookieHeader, expectStatus, http, updateJar } from './http.js'

/** Binding and session cookie names: `__Host-` prefixed on an https origin, plain on http. */
export const FLOW_COOKIES = ['__Host-mlflow', 'mlflow']
export const SESSION_COOKIES = ['__Host-sid', 'sid']

/**
 * POST /auth/request {email} → 202 + binding cookie → the mailed link (GET /__last-link, which
 * waits for the queued mail) → POST /auth/verify {token} with the binding cookie → 200 +
 * session cookie. Returns the `Cookie` header value carrying the session only.
 */
export async function magicLinkLogin (base: string, email: string): Promise<string> {
  const jar: Record<string, string> = {}
  const req = await http(`${base}/auth/request`, { method: 'POST', body: { email } })
  expectStatus(req, 202, 'POST /auth/request')
  updateJar(jar, req)
  if (!FLOW_COOKIES.some((n) => jar[n] !== undefined)) throw new Error(`magic-link: no binding cookie after POST /auth/request (cookies: ${Object.keys(jar).join(', ')})`)
  const link = await http(`${base}/__last-link?email=${encodeURIComponent(email)}&wait=1`)
  expectStatus(link, 200, 'magic-link: the link "mailed" by sendMail (GET /__last-link)')
  const url = (JSON.parse(link.body) as { url: string }).url
  const token = new URL(url).searchParams.get('token')
  if (token === null) throw new Error(`magic-link: no token in ${url}`)
  const verify = await http(`${base}/auth/verify`, { method: 'POST', body: { token }, headers: { cookie: cookieHeader(jar) } })
  expectStatus(verify, 200, 'POST /auth/verify')
  updateJar(jar, verify)
  const name = SESSION_COOKIES.find((n) => jar[n] !== undefined)
  if (name === undefined) throw new Error(`magic-link: no session cookie after verify (cookies: ${Object.keys(jar).join(', ')})`)
  return `${name}=${jar[name]}`
}

/**
 * The token transport's login: POST /auth/request {email, transport: 'token'} → pollToken, the
 * mailed link (from `sinkBase`'s GET /__last-link), POST /auth/verify {token, pollToken} → an
 * access token. Returns it.
 */
export async function magicLinkBearer (base: string, sinkBase: string, email: string): Promise<string> {
  const req = await http(`${base}/auth/request`, { method: 'POST', body: { email, transport: 'token' } })
  expectStatus(req, 202, 'POST /auth/request (token transport)')
  const { pollToken } = JSON.parse(req.body) as { pollToken: string }
  const link = await http(`${sinkBase}/__last-link?email=${encodeURIComponent(email)}&wait=1`)
  expectStatus(link, 200, 'magic-link: the link "mailed" by sendMail (GET /__last-link)')
  const token = new URL((JSON.parse(link.body) as { url: string }).url).searchParams.get('token')
  const verify = await http(`${base}/auth/verify`, { method: 'POST', body: { token, pollToken } })
  expectStatus(verify, 200, 'POST /auth/verify (token transport)')
  return (JSON.parse(verify.body) as { accessToken: string }).accessToken
}
