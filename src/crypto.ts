import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'

/** 32 random bytes, base64url (43 chars): link token secret, poll secret, session id (SECURITY.md T1). */
export function randomSecret (): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The random parts of a new flow from one draw (one call into the CSPRNG instead of three):
 * `id` 16 bytes (22 chars, not secret), `link` and `poll` secrets 32 bytes each (43 chars).
 */
export function flowSecrets (): { id: string, link: string, poll: string } {
  const b = randomBytes(80)
  return { id: b.toString('base64url', 0, 16), link: b.toString('base64url', 16, 48), poll: b.toString('base64url', 48, 80) }
}

/** What the store keeps instead of a secret (SECURITY.md T3). */
export function sha256 (value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** Keyed SHA-256, base64url. */
export function hmac (key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url')
}

/** RFC 8628 §6.1 alphabet: no vowels (no words), no look-alikes. */
const MATCH_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

/**
 * The match code of a flow, `XXX-XXX` from a 20-letter alphabet (~25.9 bits), derived from its
 * 256-bit poll secret: the asking browser, which holds that secret in its binding cookie, can be
 * shown the same code again when it asks again, and no one else can compute it. Each letter takes
 * 32 bits of the digest modulo 20 (a bias below 1e-8).
 */
export function matchCodeFor (pollSecret: string): string {
  const digest = createHash('sha256').update(`match-code:${pollSecret}`).digest()
  let s = ''
  for (let i = 0; i < 6; i++) s += MATCH_ALPHABET[digest.readUInt32BE(i * 4) % MATCH_ALPHABET.length]
  return `${s.slice(0, 3)}-${s.slice(3)}`
}

/** Compared case- and hyphen-insensitively; null when it cannot be a match code. */
export function normalizeMatchCode (input: string): string | null {
  const s = input.replace(/[\s-]/g, '').toUpperCase()
  return /^[BCDFGHJKLMNPQRSTVWXZ]{6}$/.test(s) ? s : null
}

/** The 6-digit email code. */
export function otpCode (): string {
  return String(randomInt(1_000_000)).padStart(6, '0')
}

/** Only ASCII digits: full-width or Arabic-Indic digits are refused, not folded. */
export function normalizeOtp (input: string): string | null {
  const s = input.replace(/[\s-]/g, '')
  return /^[0-9]{6}$/.test(s) ? s : null
}

/** Constant-time comparison of two strings of any length (SECURITY.md T13). */
export function safeEqual (a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}
