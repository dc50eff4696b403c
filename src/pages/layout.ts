import { escapeHtml } from '../html.js'
import { createHash } from 'node:crypto'

/** Values every page needs: where the plugin's routes live, where to start again, whose login it is. */
export interface PageCommon {
  /** Route prefix the plugin is registered under, e.g. `'/auth'` (`''` at the root). */
  prefix: string
  /** Same-origin path where people start a new sign-in. */
  loginUrl: string
  /** Name of the application, shown in the title and heading. */
  appName: string
}

// One stylesheet for every page, allowed by hash: the CSP needs no 'unsafe-inline' and the
// pages load nothing from anywhere (SECURITY.md T10, T21).
const STYLE = [
  ':root{color-scheme:light dark;--bg:#f3f4f6;--fg:#16191d;--muted:#59616c;--card:#fff;--line:#d8dce2;--accent:#2352cc;--on-accent:#fff;--note:#fff7e0;--note-line:#e0b43c;--err:#b42318}',
  '@media (prefers-color-scheme:dark){:root{--bg:#101317;--fg:#e6e9ed;--muted:#9aa3ae;--card:#1a1f26;--line:#2f3640;--accent:#7098ff;--on-accent:#0b1020;--note:#2a2413;--note-line:#8c6c1d;--err:#ff8b80}}',
  '*{box-sizing:border-box}',
  'body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px 16px;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}',
  'main{width:100%;max-width:28rem;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:28px;box-shadow:0 1px 3px rgb(0 0 0/.08)}',
  '.app{margin:0 0 4px;color:var(--muted);font-size:14px}',
  'h1{margin:0 0 12px;font-size:22px;line-height:1.3}',
  'p{margin:0 0 12px}',
  '.muted{color:var(--muted);font-size:14px}',
  '.note{margin:16px 0;padding:12px 14px;border-left:4px solid var(--note-line);border-radius:6px;background:var(--note);font-weight:600}',
  '.error{color:var(--err);font-weight:600}',
  'form{margin:16px 0 0}',
  'label{display:block;margin:0 0 6px;font-weight:600}',
  'input{width:100%;margin:0 0 14px;padding:10px 12px;border:1px solid var(--line);border-radius:8px;background:transparent;color:inherit;font:inherit}',
  'input:focus,button:focus,.button:focus{outline:3px solid var(--accent);outline-offset:2px}',
  '#code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:22px;letter-spacing:.2em;text-transform:uppercase}',
  'button,.button{display:inline-block;width:100%;padding:11px 16px;border:0;border-radius:8px;background:var(--accent);color:var(--on-accent);font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}',
  'button:hover,.button:hover{filter:brightness(1.08)}',
  'time{white-space:nowrap}',
].join('')

/** `Content-Security-Policy` for every page: nothing external, no script, only the stylesheet above. */
export const PAGE_CSP =
  "default-src 'none'; " +
  `style-src 'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'; ` +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

export { escapeHtml }

/** `action` for a route of the plugin: `'/auth/'` and `'/auth'` both give `/auth/verify`. */
export function routeUrl (prefix: string, route: string): string {
  return `${prefix.replace(/\/+$/, '')}/${route}`
}

// Defense in depth behind option validation: a link out of the pages only ever goes to a
// same-origin path, never `javascript:`, `//host` or `/\host` (SECURITY.md T9, T21).
function safePath (url: string): string {
  return /^\/(?![/\\])/.test(url) ? url : '/'
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

function ago (n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`
}

/** "5 minutes ago" for `then` seen from `now`; a time ahead of `now` (clock skew) is "just now". */
export function relativeTime (then: Date, now: Date): string {
  const ms = now.getTime() - then.getTime()
  if (ms < MINUTE) return 'just now'
  if (ms < HOUR) return ago(Math.floor(ms / MINUTE), 'minute')
  if (ms < 2 * DAY) return ago(Math.floor(ms / HOUR), 'hour')
  return ago(Math.floor(ms / DAY), 'day')
}

/** `<time>` with the ISO-8601 UTC instant and how long ago it was. */
export function timeHtml (then: Date, now: Date = new Date()): string {
  if (Number.isNaN(then.getTime()) || Number.isNaN(now.getTime())) return 'an unknown time'
  const iso = then.toISOString().replace(/\.\d{3}Z$/, 'Z')
  return `<time datetime="${iso}">${iso}</time> (${relativeTime(then, now)})`
}

/** The requester's device as text, e.g. "Firefox on Linux"; it comes from a User-Agent, so it is escaped. */
export function deviceHtml (device: string): string {
  return device.trim() === '' ? 'an unknown device' : `<strong>${escapeHtml(device)}</strong>`
}

/** `<p class="error">` when there is an error to show, else nothing. */
export function errorHtml (message: string | undefined): string {
  return message === undefined || message === '' ? '' : `<p class="error" role="alert">${escapeHtml(message)}</p>`
}

/** A link styled as a button back to `loginUrl`. */
export function startAgainHtml (c: PageCommon, label = 'Start again'): string {
  return `<p><a class="button" href="${escapeHtml(safePath(c.loginUrl))}">${escapeHtml(label)}</a></p>`
}

/** A hidden `token` field: the token travels in the POST body, never in a URL (SECURITY.md T10). */
export function tokenInput (token: string): string {
  return `<input type="hidden" name="token" value="${escapeHtml(token)}">`
}

/**
 * A whole HTML document around `body` (already-escaped HTML). `title` and `c.appName` are
 * escaped here.
 */
export function layout (c: PageCommon, title: string, body: string): string {
  const app = escapeHtml(c.appName)
  return '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">' +
    `<title>${escapeHtml(title)} · ${app}</title><style>${STYLE}</style></head>\n` +
    `<body><main><p class="app">${app}</p><h1>${escapeHtml(title)}</h1>\n${body}\n</main></body></html>\n`
}
