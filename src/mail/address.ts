import { domainToASCII } from 'node:url'

/**
 * The outcome of {@link normalizeEmail}: the one address the mail will be sent to, or why the
 * input was refused. `reason` is for logs and the 400 message; it never depends on whether an
 * account exists.
 */
export type AddressResult = { ok: true, email: string } | { ok: false, reason: string }

/** RFC 5321 §4.5.3.1.3: a 256-octet path minus its angle brackets. */
const MAX_ADDRESS_OCTETS = 254
/** RFC 5321 §4.5.3.1.1. */
const MAX_LOCAL_OCTETS = 64

/**
 * No input longer than this can pass (unless padded with thousands of spaces, which is refused
 * too): a canonical composition folds at most 4 code points into one (U+1F82 is the longest), a
 * code point is at most 2 UTF-16 units, and the result is at most 254 octets, so 8 × 254 = 2032
 * units. Refusing longer input first only bounds the work NFKC and IDNA do on a 10 KB body.
 */
const MAX_INPUT_UNITS = 2048

/**
 * Every code point other than '@' whose NFKC form contains '@' (U+FE6B SMALL COMMERCIAL AT,
 * U+FF20 FULLWIDTH COMMERCIAL AT; `test/address.test.ts` enumerates all of Unicode to keep
 * this list complete). Checked on the raw input: normalizing first would turn
 * `attacker@evil.com＠victim.com` into an address with two at-signs that other parsers split
 * differently (Auth.js GHSA-7rqj-j65f-68wh), or silently accept `victim＠example.com` as an
 * address the user never typed.
 */
const AT_LOOKALIKE = /[\uFE6B\uFF20]/u

/**
 * Controls (CR, LF, NUL: header and SMTP command injection, CVE-2021-23400), format and bidi
 * characters (U+202E reorders what the user sees), lone surrogates, private-use and unassigned
 * code points, and default-ignorables (U+200B, U+FEFF, U+3164, variation selectors): all of them
 * either smuggle structure past a parser or make two different addresses look the same.
 * `domainToASCII` would silently drop some of them (U+200B), so they are refused first.
 */
const INVISIBLE = /[\p{C}\p{Default_Ignorable_Code_Point}]/u

/** Any space separates addresses or SMTP parameters for some parser ("a@b.io e@evil.io"). */
const WHITESPACE = /[\p{White_Space}\p{Z}]/u

/**
 * RFC 5322 specials outside a dot-atom, plus two routing characters:
 * - `"` quoted local parts misroute mail in nodemailer < 7.0.7 (GHSA-mm7p-fcc7-pg87) and carry
 *   SMTP parameters (`"f@psres.net> ORCPT=…"@test.com`);
 * - `,` `;` `<` `>` `:` turn one address into a list, a group or a display name;
 * - `(` `)` comments, `[` `]` address literals, `\` quoted pairs;
 * - `%` (the percent hack, `user%host@relay`) and `!` (UUCP bang paths) make some MTAs relay to
 *   a host that is not the domain; `%` also means a URL-encoded payload (`%0d%0a`, `%00`) that
 *   no layer decoded, which is safer to refuse than to mail literally.
 */
const SPECIAL = /["(),:;<>[\]\\%!]/u

/**
 * The local part keeps printable ASCII (the specials above are already gone, so this is RFC 5322
 * atext plus '.') and, for RFC 6531 addresses, letters, marks and digits of any script. Other
 * non-ASCII symbols and punctuation (U+2215 '∕', U+2039 '‹') have no business in a mailbox name
 * and only serve to imitate structure.
 */
const LOCAL_DISALLOWED = /[^\x21-\x7E\p{L}\p{M}\p{N}]/u

/**
 * A combining mark with nothing before it attaches to whatever a display puts in front of the
 * address (`<` + U+0338 shows as `≮`), so the local part must start with a base character.
 */
const LEADING_MARK = /^\p{M}/u

/**
 * RFC 2047 encoded-word opener. Some mail libraries decode `=?charset?q?…?=` inside addresses,
 * so `=?x?q?victim=40example.com?=@attacker.test` can be routed to one domain and stored as
 * another (PortSwigger, "Splitting the email atom", 2024).
 */
const ENCODED_WORD = '=?'

/** An LDH label (RFC 1123 §2.1): 1–63 letters, digits, hyphens; no hyphen at either end. */
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

/**
 * `domainToASCII` follows the WHATWG host parser: a host whose last label looks like a number
 * becomes a dotted IPv4 address (`0x7f.1` → `127.0.0.1`, `1.2.3` → `1.2.0.3`) or fails. So an
 * all-digit last label here means an IP address, which skips the domain's MX; no real TLD is
 * numeric (RFC 3696 §2).
 */
const NUMERIC_TLD = /^\d+$/

const octets = (s: string): number => Buffer.byteLength(s, 'utf8')

const reject = (reason: string): AddressResult => ({ ok: false, reason })

/** Strips U+0020 only, by index: a `/ +$/` regex is quadratic on a run of inner spaces. */
function trimSpaces (s: string): string {
  let start = 0
  let end = s.length
  while (start < end && s.charCodeAt(start) === 0x20) start++
  while (end > start && s.charCodeAt(end - 1) === 0x20) end--
  return s.slice(start, end)
}

/**
 * Turns untrusted input into the single envelope recipient of a login mail, or refuses it.
 *
 * The rules follow SECURITY.md T11: the address that is validated, rate-limited,
 * looked up and mailed must be one and the same string, and no mail library, MTA or mailbox
 * provider may read it as more than one recipient or as a different one.
 *
 * - Only strings: `["a@b.io","c@d.io"]` or `{"$ne":null}` are refused, not coerced (T23).
 * - Spaces (U+0020 only) at either end are trimmed, because clients and autocompletion add them
 *   and the intent is unambiguous. Nothing else is trimmed: a tab, CR, LF or any other space at
 *   the ends or inside is refused, since those are injection attempts, not typos.
 * - Look-alike at-signs are refused before normalization, then the input is NFKC-normalized so
 *   that full-width and other compatibility forms (`＂`, `＜`, `，`) are checked as the ASCII they
 *   will become further down the line.
 * - Exactly one `@`; a non-empty dot-atom local part of at most 64 octets that starts with neither
 *   a combining mark nor `-` (read as a command-line flag by the sendmail transport,
 *   CVE-2020-7769) and holds no RFC 2047 encoded-word. Its case is kept: local parts may be case-sensitive (RFC 5321 §2.4).
 * - The domain goes through IDNA (`domainToASCII`, UTS #46 as browsers apply it) and must come out
 *   as at least two LDH labels, no trailing dot, not an IP address. The ASCII (punycode) form is
 *   returned, lower-cased, so a Cyrillic look-alike of a domain becomes a visibly different
 *   `xn--` domain rather than a confusable one.
 * - At most 254 octets in the result (UTF-8, as sent with SMTPUTF8).
 *
 * Callers that key rate limits or account look-ups on the result may want to lower-case the
 * local part for that key; this function does not, because it returns the delivery address.
 */
export function normalizeEmail (input: unknown): AddressResult {
  if (typeof input !== 'string') return reject('email must be a string')
  if (input.length > MAX_INPUT_UNITS) return reject('email is too long')
  if (AT_LOOKALIKE.test(input)) return reject('email contains a look-alike at-sign')

  const email = trimSpaces(input).normalize('NFKC')
  if (email === '') return reject('email is empty')
  if (INVISIBLE.test(email)) return reject('email contains a control or invisible character')
  if (WHITESPACE.test(email)) return reject('email contains whitespace')
  if (SPECIAL.test(email)) return reject('email contains a character that is not allowed')

  const at = email.indexOf('@')
  if (at === -1 || at !== email.lastIndexOf('@')) return reject('email must contain exactly one @')
  const local = email.slice(0, at)
  const domain = email.slice(at + 1)
  if (local === '' || domain === '') return reject('email needs a local part and a domain')

  if (LOCAL_DISALLOWED.test(local)) return reject('local part contains a character that is not allowed')
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return reject('local part has a leading, trailing or repeated dot')
  }
  if (local.startsWith('-')) return reject('local part starts with a hyphen')
  if (LEADING_MARK.test(local)) return reject('local part starts with a combining mark')
  if (local.includes(ENCODED_WORD)) return reject('local part contains an encoded word')
  if (octets(local) > MAX_LOCAL_OCTETS) return reject('local part is longer than 64 octets')

  const ascii = domainToASCII(domain)
  if (ascii === '') return reject('domain is not a valid host name')
  const labels = ascii.split('.')
  if (labels.length < 2) return reject('domain must contain a dot')
  if (!labels.every((label) => LDH_LABEL.test(label))) {
    return reject('domain has an empty, over-long or malformed label')
  }
  if (NUMERIC_TLD.test(ascii.slice(ascii.lastIndexOf('.') + 1))) return reject('domain is an IP address')

  const normalized = `${local}@${ascii}`
  if (octets(normalized) > MAX_ADDRESS_OCTETS) return reject('email is longer than 254 octets')
  return { ok: true, email: normalized }
}

/**
 * An address with its local part hidden but for its first character (`a•••@example.com`): enough
 * for the person it belongs to, nothing to a stranger who holds only the link.
 */
export function maskEmail (email: string): string {
  const at = email.lastIndexOf('@')
  return `${String.fromCodePoint(email.codePointAt(0) as number)}•••${email.slice(at)}`
}
