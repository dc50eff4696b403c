const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/**
 * Escapes `& < > " '`: safe for element text and for quoted attribute values. Every value put
 * into a page or a mail goes through it, including ones that look trusted: the requester controls
 * the User-Agent and, within `normalizeEmail`'s rules, the address (SECURITY.md T21).
 */
export function escapeHtml (s: string): string {
  return String(s).replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string)
}
