import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'

/** 32 random bytes, base64url (43 chars): link token secret, poll secret, session id (THREATS T1). */
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

/** What the store keeps instead of a secret (THREATS T3). */
export function sha256 (value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** Keyed SHA-256, base64url. */
export function hmac (key: string, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url')
}

/** RFC 8628 §6.1 alphabet: no vowels (no words), no look-alikes. */
const MATCH_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

/** `XXX-XXX` from a 20-letter alphabet (~25.9 bits); typed on the approving device. */
export function matchCode (): string {
  let s = ''
  for (let i = 0; i < 6; i++) s += MATCH_ALPHABET[randomInt(MATCH_ALPHABET.length)]
  return `${s.slice(0, 3)}-${s.slice(3)}`
}

/** Compared case- and hyphen-insensitively (DESIGN §4); null when it cannot be a match code. */
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

/** Constant-time comparison of two strings of any length (THREATS T13). */
export function safeEqual (a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}
