import { SignJWT, compactVerify } from 'jose'
import { sha256 } from '../crypto.js'
import type { SignInMethod } from '../store/types.js'

const METHODS = new Set<SignInMethod>(['link', 'code', 'cross-device', 'invite'])

/** Header `typ` of session tokens; a token of another kind never passes as a session (RFC 8725 §3.11). */
export const SESSION_TYP = 'ml-session+jwt'
/**
 * Header `typ` of bearer access tokens (token transport). Their `sid` claim is the session's
 * public hash, not its secret, and an expired one is never refreshed: a new one comes only from
 * `POST /refresh`. The two kinds never pass for each other.
 */
export const ACCESS_TYP = 'ml-access+jwt'

/** Which kind of token: the session cookie or a bearer access token. */
export type TokenTyp = typeof SESSION_TYP | typeof ACCESS_TYP
export const SESSION_AUD = 'fastify-magic-link:session'

export interface SessionClaims {
  /** Session cookie: the secret session id (the store knows only its hash). Access token: that hash. */
  sid: string
  /** User id. */
  sub: string
  /** Claims data from `users.claims`. */
  dat: Record<string, unknown>
  /** Session created at, epoch ms. */
  cat: number
  /** Absolute session expiry, epoch ms. */
  sxp: number
  /** Epoch ms of the last proof of the mailbox (sign-in or re-authentication). */
  aut: number
  /** How that proof was made. */
  amr: SignInMethod
  /** Token expiry, seconds (JWT `exp`). */
  exp: number
}

interface Key { kid: string, key: CryptoKey }

/** The secret as an HMAC-SHA-256 `CryptoKey`, imported once (jose would import raw bytes again at every call). */
async function importHmacKey (secret: string): Promise<CryptoKey> {
  return await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
}

/**
 * HS256 only, keys from configuration only: the header may name a key id (`kid`) among ours and
 * nothing else (`jku`, `jwk`, `x5u` are never read). The first secret signs; all verify.
 */
export class SessionTokens {
  readonly #keys: Promise<Key[]>
  readonly #byKid: Promise<Map<string, CryptoKey>>
  readonly #issuer: string

  constructor (secrets: readonly string[], issuer: string) {
    this.#keys = Promise.all(secrets.map(async (s) => ({ kid: sha256(s).slice(0, 8), key: await importHmacKey(s) })))
    this.#byKid = this.#keys.then((keys) => new Map(keys.map((k) => [k.kid, k.key])))
    this.#issuer = issuer
  }

  async sign (claims: SessionClaims, typ: TokenTyp = SESSION_TYP): Promise<string> {
    const key = (await this.#keys)[0] as Key
    return await new SignJWT({ sid: claims.sid, dat: claims.dat, cat: claims.cat, sxp: claims.sxp, aut: claims.aut, amr: claims.amr })
      .setProtectedHeader({ alg: 'HS256', typ, kid: key.kid })
      .setIssuer(this.#issuer)
      .setAudience(SESSION_AUD)
      .setSubject(claims.sub)
      .setExpirationTime(claims.exp)
      .sign(key.key)
  }

  /**
   * Verifies signature and claims, except expiry: an expired but genuine token is what a refresh
   * starts from. Returns null for anything not ours. The plugin's own tokens carry neither `nbf`
   * nor `iat`; a token that does (minted with the app's key by something else) is refused while
   * `nbf` is ahead of `nowMs` (RFC 7519 §4.1.5, no leeway), when `iat` is more than a minute
   * ahead (clock skew between instances aside, it was not issued yet), and when either is not a
   * number.
   */
  async verify (token: string, nowMs: number, typ: TokenTyp = SESSION_TYP): Promise<SessionClaims | null> {
    if (token.length > 8192) return null
    const byKid = await this.#byKid
    try {
      const { payload, protectedHeader } = await compactVerify(token, (header) => {
        const key = typeof header.kid === 'string' ? byKid.get(header.kid) : undefined
        if (key === undefined) throw new Error('unknown kid')
        return key
      }, { algorithms: ['HS256'] })
      if (protectedHeader.typ !== typ) return null
      const c = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>
      if (c.iss !== this.#issuer || c.aud !== SESSION_AUD) return null
      const now = Math.floor(nowMs / 1000)
      if (c.nbf !== undefined && !(typeof c.nbf === 'number' && c.nbf <= now)) return null
      if (c.iat !== undefined && !(typeof c.iat === 'number' && c.iat <= now + 60)) return null
      if (typeof c.sid !== 'string' || typeof c.sub !== 'string' || typeof c.exp !== 'number' ||
        typeof c.cat !== 'number' || typeof c.sxp !== 'number' || c.dat === null || typeof c.dat !== 'object') return null
      // Tokens issued before sessions recorded `aut`/`amr` count from their creation, as a link.
      const aut = typeof c.aut === 'number' ? c.aut : c.cat
      const amr = METHODS.has(c.amr as SignInMethod) ? c.amr as SignInMethod : 'link'
      return { sid: c.sid, sub: c.sub, dat: c.dat as Record<string, unknown>, cat: c.cat, sxp: c.sxp, aut, amr, exp: c.exp }
    } catch {
      return null
    }
  }
}
