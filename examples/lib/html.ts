import type { FastifyReply } from 'fastify'
import { LANGUAGE_NAMES, LOCALES, dirOf, pageTexts, textsOf, type Key, type Locale } from './messages.js'
import type { Values } from './text.js'

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes a value for HTML text and quoted attributes. Every value put in a page goes through it. */
export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string)
}

/** The example's brand: on its own pages, and given to the plugin for its pages and mails. */
export const BRAND = {
  name: 'Acme Notes',
  /** Served by the example at /logo.svg (also its favicon). */
  logoUrl: '/logo.svg',
  /** Buttons and focus rings, here and on the plugin's pages (the plugin picks white text on it for contrast). */
  color: '#0f766e',
  /** The example's help page: the plugin's pages and mails link to it ("Need help? Contact support"). */
  supportUrl: '/help',
} as const

export const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">' +
  '<rect width="32" height="32" rx="8" fill="#0f766e"/>' +
  '<path d="M10 7h8.5l5.5 5.5V23a2 2 0 0 1-2 2H10a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2z" fill="#fff"/>' +
  '<path d="M18.5 7v5.5H24z" fill="#99f6e4"/>' +
  '<path d="M11.5 16.5h9M11.5 20h6" stroke="#0f766e" stroke-width="1.8" stroke-linecap="round"/></svg>'

/**
 * The pages load their stylesheet, logo and script from this origin only: no inline script or
 * style, no external resource, so this CSP needs no 'unsafe-inline'. The page scripts' texts
 * travel in a `<script type="application/json">` data block, which is never run, so
 * `script-src` does not apply to it.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/** What a page of the example is written in, and where it is (the language switcher comes back to it). */
export interface PageContext {
  locale: Locale
  /** The page's own path, e.g. `/app`: the switcher's `back`. */
  path: string
}

/** The example's text `key` in the page's language, escaped for HTML; `html` values are inserted as they are. */
export function text (ctx: PageContext, key: Key, values: Values = {}, html: Readonly<Record<string, string>> = {}): string {
  const marks: Record<string, string> = {}
  for (const name of Object.keys(html)) marks[name] = `\u0000${name}\u0000`
  return escapeHtml(textsOf(ctx.locale)(key, { ...values, ...marks }))
    .replace(/\u0000([A-Za-z]+)\u0000/g, (_m, name: string) => html[name] as string)
}

/** `<time>` with the instant in `datetime` and `label` for people. */
export function timeHtml (when: Date, label: string): string {
  return `<time datetime="${when.toISOString()}">${escapeHtml(label)}</time>`
}

/** The language switcher: each language by its own name; a plain link that sets the `lang` cookie and comes back. */
function languages (ctx: PageContext): string {
  const back = encodeURIComponent(ctx.path)
  const items = LOCALES.map((l) => l === ctx.locale
    ? `<li><span lang="${l}" dir="${dirOf(l)}" aria-current="true">${escapeHtml(LANGUAGE_NAMES[l])}</span></li>`
    : `<li><a href="/lang?to=${encodeURIComponent(l)}&amp;back=${back}" hreflang="${l}" lang="${l}" dir="${dirOf(l)}">${escapeHtml(LANGUAGE_NAMES[l])}</a></li>`)
  return `<nav class="langs" aria-label="${text(ctx, 'nav.languages')}"><ul>${items.join('')}</ul></nav>`
}

/** The brand line at the top of a card: the logo and the product name. */
export function brandHtml (suffix?: string): string {
  return `<p class="brand"><img src="${BRAND.logoUrl}" alt="" width="24" height="24"><span>${escapeHtml(BRAND.name)}${suffix === undefined ? '' : ` · ${escapeHtml(suffix)}`}</span></p>`
}

export interface PageParts {
  title: string
  /** The card's content (already-escaped HTML). */
  body: string
  /** A script from `/js/<name>.js`; it gets its texts in `#texts`. */
  script?: string
  /** A wider card (signed-in page, outbox). */
  wide?: boolean
  /** Extra attributes of `<main>` (already-escaped). */
  mainAttrs?: string
}

/**
 * A page of the example: `<html lang dir>`, one card, the language switcher and the help link
 * below it, an optional script from `/js/<name>.js` with its texts as JSON in `#texts`.
 */
export function page (ctx: PageContext, p: PageParts): string {
  const json = p.script === undefined
    ? ''
    : `\n<script type="application/json" id="texts">${JSON.stringify(pageTexts(ctx.locale)).replace(/</g, '\\u003c')}</script>`
  return `<!doctype html>
<html lang="${ctx.locale}" dir="${dirOf(ctx.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(p.title)} · ${escapeHtml(BRAND.name)}</title>
<link rel="icon" href="${BRAND.logoUrl}" type="image/svg+xml">
<link rel="stylesheet" href="/style.css">
${p.script === undefined ? '' : `<script type="module" src="/js/${p.script}.js"></script>`}
</head>
<body>
<div class="shell${p.wide === true ? ' wide' : ''}">
<main class="card"${p.mainAttrs ?? ''}>
${p.body}
</main>
<footer class="foot">
${languages(ctx)}
<a class="help" href="${BRAND.supportUrl}">${text(ctx, 'nav.help')}</a>
</footer>
</div>${json}
</body>
</html>
`
}

/** Sends a page with the headers every page of the example gets. */
export function sendHtml (reply: FastifyReply, html: string, locale: Locale, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-language', locale)
    .header('vary', 'Accept-Language, Cookie')
    .header('content-security-policy', CSP)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .send(html)
}

// Logical properties only (`inline-start`, `padding-inline`): the Arabic pages mirror with the
// same sheet. The brand colour is the plugin's `brand.color`, so both sets of pages match.
export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #eef2f1; --fg: #13191a; --muted: #56625f; --card: #fff; --line: #d5dedb;
  --accent: ${BRAND.color}; --accent-fg: #fff; --ring: ${BRAND.color}; --link: #0f766e; --soft: #e3f3ef; --ok: #2b8a3e; --err: #b42318; --warn-bg: #fff7e0;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1413; --fg: #e5ecea; --muted: #9aa9a5; --card: #172120; --line: #2a3836;
    --ring: #2dd4bf; --link: #5eead4; --soft: #143330; --ok: #69db7c; --err: #ff8b80; --warn-bg: #2a2413;
  }
}
* { box-sizing: border-box; }
html { height: 100%; }
body {
  margin: 0; min-height: 100%; display: grid; place-items: center; padding: 32px 16px;
  background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Noto Sans Arabic", "Noto Sans JP", sans-serif;
}
.shell { width: 100%; max-width: 27rem; }
.shell.wide { max-width: 44rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 28px; box-shadow: 0 8px 24px rgb(15 20 30 / .06); }
.brand { display: flex; align-items: center; gap: 10px; margin: 0 0 18px; color: var(--fg); font-size: 15px; font-weight: 700; min-width: 0; }
.brand img { flex: none; display: block; }
.top { display: flex; align-items: center; justify-content: space-between; gap: 12px; margin: 0 0 18px; }
.top .brand { margin: 0; }
h1 { margin: 0 0 8px; font-size: 24px; line-height: 1.25; }
h2 { margin: 28px 0 10px; font-size: 17px; }
p { margin: 0 0 12px; }
.muted { color: var(--muted); font-size: 14px; }
a { color: var(--link); }
label { display: block; margin: 16px 0 6px; font-weight: 600; font-size: 14px; }
input {
  width: 100%; padding: 11px 12px; border: 1px solid var(--line); border-radius: 9px;
  background: transparent; color: inherit; font: inherit;
}
[dir="rtl"] input[dir="ltr"] { text-align: end; }
/* An address in a sentence ("as you@example.com") breaks anywhere rather than widen a phone's page. */
strong[dir="ltr"] { overflow-wrap: anywhere; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--ring); outline-offset: 2px; }
button {
  display: inline-flex; align-items: center; justify-content: center; gap: 8px; width: 100%; margin-top: 12px;
  padding: 11px 16px; border: 0; border-radius: 9px; background: var(--accent); color: var(--accent-fg);
  font: inherit; font-weight: 600; cursor: pointer;
}
button:hover { filter: brightness(1.08); }
button:disabled { opacity: .6; cursor: progress; }
button.secondary {
  flex: none; width: auto; margin: 0; padding: 7px 12px; white-space: nowrap;
  background: transparent; color: var(--fg); border: 1px solid var(--line); font-size: 14px;
}
button.danger { color: var(--err); }
[hidden] { display: none !important; }
.error { margin: 10px 0 0; color: var(--err); font-weight: 600; font-size: 14px; }
.matchbox { margin: 20px 0; padding: 16px; border-radius: 12px; background: var(--soft); text-align: center; }
.matchbox p { margin: 0; }
.match { margin: 6px 0 0 !important; font: 700 34px/1.2 ui-monospace, "SF Mono", Menlo, Consolas, monospace; letter-spacing: .12em; direction: ltr; unicode-bidi: isolate; }
.status { display: flex; align-items: center; gap: 10px; margin: 0 0 4px; font-size: 14px; color: var(--muted); }
.status::before { content: ""; flex: none; width: 9px; height: 9px; border-radius: 50%; background: var(--accent); animation: pulse 1.4s ease-in-out infinite; }
.status.ok::before { background: var(--ok); animation: none; }
.status.err::before { background: var(--err); animation: none; }
.status.err { color: var(--err); font-weight: 600; }
@keyframes pulse { 50% { opacity: .25; transform: scale(.7); } }
@media (prefers-reduced-motion: reduce) { .status::before { animation: none; } }
.divider { display: flex; align-items: center; gap: 12px; margin: 22px 0 0; color: var(--muted); font-size: 13px; }
.divider::before, .divider::after { content: ""; flex: 1; height: 1px; background: var(--line); }
#code, #email-code { font: 600 22px/1.2 ui-monospace, Menlo, Consolas, monospace; letter-spacing: .3em; text-align: center; }
.dev { margin: 16px 0 0; padding: 10px 14px; border: 1px dashed var(--line); border-radius: 10px; background: var(--warn-bg); font-size: 14px; }
.list { list-style: none; margin: 0; padding: 0; border: 1px solid var(--line); border-radius: 12px; }
/* On a phone the row's button goes under its text rather than squeezing it. */
.list li { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 10px 12px; padding: 14px 16px; }
.list li + li { border-block-start: 1px solid var(--line); }
.list .what { flex: 1 1 15rem; min-width: 0; overflow-wrap: anywhere; }
.list .what p { margin: 0; }
.badge { display: inline-block; margin-inline-start: 8px; padding: 1px 8px; border-radius: 99px; background: var(--soft); color: var(--link); font-size: 12px; font-weight: 600; vertical-align: 1px; white-space: nowrap; }
.actions { display: flex; gap: 10px; margin-top: 20px; flex-wrap: wrap; }
.mail { padding: 16px; }
.mail h3 { margin: 0 0 2px; font-size: 16px; }
.mail .code { font: 700 22px/1.2 ui-monospace, Menlo, Consolas, monospace; letter-spacing: .2em; direction: ltr; unicode-bidi: isolate; }
.mail a.link { display: inline-block; margin: 8px 0; word-break: break-all; font-size: 14px; direction: ltr; }
.mail pre { margin: 8px 0 0; padding: 12px; border-radius: 8px; background: var(--bg); white-space: pre-wrap; word-break: break-word; font-size: 13px; }
.mail details summary { cursor: pointer; color: var(--muted); font-size: 14px; }
.restart { margin: 18px 0 0; }
/* The signed-in page's sensitive actions (the address, the data) and their panels. */
.email h2, .data h2 { margin-top: 32px; }
/* The new address and its button side by side; on a phone the button goes under the field. */
.field-row { display: flex; flex-wrap: wrap; gap: 10px; }
.field-row input { flex: 1 1 16rem; width: auto; min-width: 0; }
.field-row button { flex: none; }
.data > .status { margin-top: 12px; }
.confirm { margin: 18px 0 0; padding: 20px; border: 1px solid var(--line); border-inline-start: 4px solid var(--accent); border-radius: 12px; }
.confirm h3 { margin: 0 0 8px; font-size: 18px; line-height: 1.3; }
.confirm .dev, .confirm .restart { margin: 16px 0 0; }
.empty { padding: 24px; text-align: center; color: var(--muted); }
.faq h2:first-of-type { margin-top: 18px; }
time { white-space: nowrap; }
.foot { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: 8px 16px; margin: 14px 4px 0; font-size: 13px; color: var(--muted); }
.langs ul { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 0; padding: 0; list-style: none; }
.langs a { color: var(--muted); text-decoration: none; }
.langs a:hover { color: var(--link); text-decoration: underline; }
.langs [aria-current] { color: var(--fg); font-weight: 600; }
.foot .help { color: var(--muted); }
@media (max-width: 480px) {
  body { padding: 16px 10px; }
  .card { padding: 22px 18px; }
  .confirm { padding: 16px 14px; }
}
`
