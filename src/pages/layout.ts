import { escapeHtml } from '../html.js'
import type { MessageKey } from '../i18n/types.js'
import type { PageContext, PageView } from './model.js'

export { escapeHtml }

/** A page's data with what it is rendered with. */
export type PageInput = PageView & PageContext

/** `action` for a route of the plugin: `'/auth/'` and `'/auth'` both give `/auth/verify`. */
export function routeUrl (prefix: string, route: string): string {
  return `${prefix.replace(/\/+$/, '')}/${route}`
}

// Defense in depth behind option validation: a link out of the pages only ever goes to a
// same-origin path or an http(s) URL (the brand's, made absolute from `origin`), never
// `javascript:`, `//host` or `/\host` (SECURITY.md T9, T21).
function safeHref (url: string): string {
  return /^(?:\/(?![/\\])|https?:\/\/)/.test(url) ? url : '/'
}

/** `<strong>` around an escaped value, for a message placeholder. */
export const strong = (value: string): string => `<strong>${escapeHtml(value)}</strong>`

/** A `<time>` with the instant in `datetime` (ISO 8601, UTC) and the time for people as text. */
export function timeHtml (m: PageInput, then: Date): string {
  const iso = then.toISOString().replace(/\.\d{3}Z$/, 'Z')
  return `<time datetime="${iso}">${escapeHtml(m.when(then))}</time>`
}

/** One paragraph of a message; `cls` is a constant class name, never data. */
export function p (m: PageInput, key: MessageKey, values?: Readonly<Record<string, string>>, cls?: string): string {
  return `<p${cls === undefined ? '' : ` class="${cls}"`}>${html(m, key, values)}</p>`
}

/** A message as HTML: the text is escaped; placeholder values are HTML the caller made safe. */
export function html (m: PageInput, key: MessageKey, values: Readonly<Record<string, string>> = {}): string {
  // Placeholders are filled after escaping the message, so values pass through as given.
  const marks = new Map<string, string>()
  const masked: Record<string, string> = {}
  for (const [name, value] of Object.entries(values)) {
    const mark = `\u0000${marks.size}\u0000`
    marks.set(mark, value)
    masked[name] = mark
  }
  return escapeHtml(m.t(key, masked)).replace(/\u0000\d+\u0000/g, (mark) => marks.get(mark) as string)
}

/** `<p class="error">` with the page's error, or nothing. */
export function errorHtml (m: PageInput, text: string | null): string {
  return text === null ? '' : `<p class="error" role="alert">${escapeHtml(text)}</p>`
}

/** A link styled as a button. */
export function buttonLink (href: string, label: string): string {
  return `<p><a class="button" href="${escapeHtml(safeHref(href))}">${escapeHtml(label)}</a></p>`
}

/** A link styled as a button back to `loginUrl`. */
export function startAgainHtml (m: PageInput, key: MessageKey = 'page.startAgain'): string {
  return buttonLink(m.loginUrl, m.t(key, { app: m.brand.name }))
}

/** A plain link back to `loginUrl`. */
export function backLink (m: PageInput): string {
  return `<p><a class="link" href="${escapeHtml(safeHref(m.loginUrl))}">${html(m, 'page.backTo', { app: escapeHtml(m.brand.name) })}</a></p>`
}

/** A hidden `token` field: the token travels in the POST body, never in a URL (SECURITY.md T10). */
export function tokenInput (token: string): string {
  return `<input type="hidden" name="token" value="${escapeHtml(token)}">`
}

/** A form posting to `action` with the token and `inner` (already-escaped HTML). */
export function form (action: string, token: string, inner: string): string {
  return `<form method="post" action="${escapeHtml(action)}">\n${tokenInput(token)}\n${inner}</form>`
}

/** The address field of the invitation and "sign that session out" forms. */
export function emailField (m: PageInput): string {
  return `<label for="email">${escapeHtml(m.t('page.emailLabel'))}</label>\n` +
    '<input id="email" name="email" type="email" autocomplete="email" dir="ltr" required>'
}

/** `<button>` with a message as its label. */
export function button (m: PageInput, key: MessageKey): string {
  return `<button type="submit">${escapeHtml(m.t(key, { app: m.brand.name }))}</button>`
}

/**
 * A whole HTML document around `body` (already-escaped HTML), in the page's language and
 * direction, with the brand's name and logo on top and its support link below.
 */
export function layout (m: PageInput, style: string, title: string, body: string): string {
  const app = escapeHtml(m.brand.name)
  const logo = m.brand.logoUrl === null ? '' : `<img src="${escapeHtml(m.brand.logoUrl)}" alt="">`
  const support = m.brand.supportUrl === null
    ? ''
    : `\n<footer><a class="link" href="${escapeHtml(safeHref(m.brand.supportUrl))}">${escapeHtml(m.t('page.support'))}</a></footer>`
  return `<!doctype html>\n<html lang="${escapeHtml(m.locale)}" dir="${m.dir}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">' +
    `<title>${escapeHtml(title)} · ${app}</title><style>${style}</style></head>\n` +
    `<body><main><p class="app">${logo}<span>${app}</span></p><h1>${escapeHtml(title)}</h1>\n${body}${support}\n</main></body></html>\n`
}
