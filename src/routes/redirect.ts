import { isLocalPath } from '../options.js'

/**
 * `redirectTo` (SECURITY.md T9): a same-origin path under an allowed prefix, or the default (the
 * first allowed prefix). Anything with a scheme, `//`, a backslash, dot segments, percent-encoded
 * dots, slashes or backslashes (which browsers may decode into `..` or `//`), or characters
 * outside printable ASCII falls back to the default.
 */
export function safeRedirect (value: string | undefined, allow: readonly string[]): string {
  const fallback = allow[0] as string
  if (value === undefined || !isLocalPath(value) || /\\|%(2e|2f|5c)/i.test(value) || /\/\.\.?(\/|$|[?#])/.test(value)) return fallback
  for (const prefix of allow) {
    if (prefix === '/' || value === prefix || value.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) ||
      value.startsWith(`${prefix}?`) || value.startsWith(`${prefix}#`)) return value
  }
  return fallback
}
