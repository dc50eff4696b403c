import type { FastifyReply } from 'fastify'

// The plugin reads and writes its own cookies itself instead of through @fastify/cookie's
// `request.cookies` / `reply.setCookie`: those follow the app's settings. An app-wide
// `parseOptions: { domain }` would put a Domain on a `__Host-` cookie (browsers then drop it),
// `{ signed: true }` would sign the binding cookie with the app's secret, and `hook: false`
// leaves `request.cookies` unset and never writes `reply.setCookie`'s cookies at all. Every
// value the plugin sets is base64url or a JWT, so no encoding is involved.

const SPACE = 32
const TAB = 9
const SEMICOLON = 59
const EQUALS = 61
const QUOTE = 34

/**
 * The value of cookie `name` in a `Cookie` header, or undefined. The first pair with that exact
 * name wins, as in @fastify/cookie; surrounding double quotes are removed (RFC 6265 §4.1.1).
 */
export function readCookie (header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  let from = 0
  for (;;) {
    const at = header.indexOf(name, from)
    if (at === -1) return undefined
    from = at + name.length
    // The name must start a pair: at the start of the header or after `;` and optional spaces.
    let before = at - 1
    while (before >= 0 && (header.charCodeAt(before) === SPACE || header.charCodeAt(before) === TAB)) before--
    if (before >= 0 && header.charCodeAt(before) !== SEMICOLON) continue
    let eq = from
    while (eq < header.length && (header.charCodeAt(eq) === SPACE || header.charCodeAt(eq) === TAB)) eq++
    if (header.charCodeAt(eq) !== EQUALS) continue
    let end = header.indexOf(';', eq + 1)
    if (end === -1) end = header.length
    const value = header.slice(eq + 1, end).trim()
    return value.length >= 2 && value.charCodeAt(0) === QUOTE && value.charCodeAt(value.length - 1) === QUOTE
      ? value.slice(1, -1)
      : value
  }
}

/** One of the plugin's cookies: its name and its attributes, fixed at boot. */
export interface CookieSpec {
  readonly name: string
  /** Everything after `Path=/; `, e.g. `HttpOnly; Secure; SameSite=Lax`. */
  readonly attributes: string
}

/** `SameSite` of the plugin's cookies. */
export type SameSite = 'strict' | 'lax' | 'none'

/**
 * The attributes of a cookie of the plugin: `HttpOnly` always; `Secure` on an https origin and
 * whenever `SameSite=None` (browsers drop a `None` cookie without it), which also gets
 * `Partitioned` (CHIPS: a third-party cookie kept per top-level site); `Domain` only when given
 * (never on a `__Host-` cookie).
 */
export function cookieSpec (name: string, o: { secure: boolean, sameSite: SameSite, domain: string | null }): CookieSpec {
  const none = o.sameSite === 'none'
  return {
    name,
    attributes: `${o.domain === null ? '' : `Domain=${o.domain}; `}HttpOnly; ${o.secure || none ? 'Secure; ' : ''}` +
      `SameSite=${o.sameSite === 'strict' ? 'Strict' : none ? 'None; Partitioned' : 'Lax'}`,
  }
}

/**
 * Sets (or, with `maxAgeSeconds` 0, clears) one of the plugin's cookies with every attribute
 * spelled out (`Path=/` and its spec's attributes), whatever the app's @fastify/cookie settings.
 * A cookie of the same name set earlier in this response is replaced, so the browser never sees
 * two answers for one name.
 */
export function setCookie (reply: FastifyReply, spec: CookieSpec, value: string, maxAgeSeconds: number): void {
  const name = spec.name
  const cookie = `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; ` +
    `${maxAgeSeconds === 0 ? 'Expires=Thu, 01 Jan 1970 00:00:00 GMT; ' : ''}${spec.attributes}`
  const previous = reply.getHeader('set-cookie')
  if (previous !== undefined) {
    const mine = `${name}=`
    const kept = [previous].flat().map(String).filter((c) => !c.startsWith(mine))
    reply.removeHeader('set-cookie')
    if (kept.length > 0) reply.header('set-cookie', kept)
  }
  reply.header('set-cookie', cookie)
}
