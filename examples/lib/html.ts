import type { FastifyReply } from 'fastify'

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes a value for HTML text and quoted attributes. Every value put in a page goes through it. */
export function escapeHtml (value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string)
}

/**
 * The pages load their stylesheet and script from this origin only: no inline script or style,
 * no external resource, so this CSP needs no 'unsafe-inline'.
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

/** A page of the example: shared head, one card, an optional script from `/js/<name>.js`. */
export function page (title: string, body: string, script?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)} · Magic link demo</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/style.css">
${script === undefined ? '' : `<script type="module" src="/js/${script}.js"></script>`}
</head>
<body>
${body}
</body>
</html>
`
}

/** Sends a page with the headers every page of the example gets. */
export function sendHtml (reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .send(html)
}

export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #eef1f6; --fg: #14171c; --muted: #5b6472; --card: #fff; --line: #d9dee7;
  --accent: #3b5bdb; --accent-fg: #fff; --soft: #edf2ff; --ok: #2b8a3e; --err: #c92a2a; --warn-bg: #fff9db;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1216; --fg: #e7eaee; --muted: #9aa4b2; --card: #181c22; --line: #2b313a;
    --accent: #7c93ff; --accent-fg: #0b1020; --soft: #1e2540; --ok: #69db7c; --err: #ff8787; --warn-bg: #2b2614;
  }
}
* { box-sizing: border-box; }
html { height: 100%; }
body {
  margin: 0; min-height: 100%; display: grid; place-items: center; padding: 32px 16px;
  background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { width: 100%; max-width: 27rem; }
main.wide { max-width: 44rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 28px; box-shadow: 0 8px 24px rgb(15 20 30 / .06); }
.brand { display: flex; align-items: center; gap: 8px; margin: 0 0 18px; color: var(--muted); font-size: 14px; font-weight: 600; }
.brand::before { content: ""; width: 10px; height: 10px; border-radius: 50%; background: var(--accent); }
.top { display: flex; align-items: center; justify-content: space-between; gap: 12px; }
.top .brand { margin: 0; }
h1 { margin: 0 0 8px; font-size: 24px; line-height: 1.25; }
h2 { margin: 28px 0 10px; font-size: 17px; }
p { margin: 0 0 12px; }
.muted { color: var(--muted); font-size: 14px; }
a { color: var(--accent); }
label { display: block; margin: 16px 0 6px; font-weight: 600; font-size: 14px; }
input {
  width: 100%; padding: 11px 12px; border: 1px solid var(--line); border-radius: 9px;
  background: transparent; color: inherit; font: inherit;
}
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button {
  display: inline-flex; align-items: center; justify-content: center; gap: 8px; width: 100%; margin-top: 12px;
  padding: 11px 16px; border: 0; border-radius: 9px; background: var(--accent); color: var(--accent-fg);
  font: inherit; font-weight: 600; cursor: pointer;
}
button:hover { filter: brightness(1.07); }
button:disabled { opacity: .6; cursor: progress; }
button.secondary { width: auto; margin: 0; padding: 7px 12px; background: transparent; color: var(--fg); border: 1px solid var(--line); font-size: 14px; }
button.danger { color: var(--err); }
[hidden] { display: none !important; }
.error { margin: 10px 0 0; color: var(--err); font-weight: 600; font-size: 14px; }
.matchbox { margin: 20px 0; padding: 16px; border-radius: 12px; background: var(--soft); text-align: center; }
.matchbox p { margin: 0; }
.match { margin: 6px 0 0 !important; font: 700 34px/1.2 ui-monospace, "SF Mono", Menlo, Consolas, monospace; letter-spacing: .12em; }
.status { display: flex; align-items: center; gap: 10px; margin: 0 0 4px; font-size: 14px; color: var(--muted); }
.status::before { content: ""; flex: none; width: 9px; height: 9px; border-radius: 50%; background: var(--accent); animation: pulse 1.4s ease-in-out infinite; }
.status.ok::before { background: var(--ok); animation: none; }
.status.err::before { background: var(--err); animation: none; }
.status.err { color: var(--err); font-weight: 600; }
@keyframes pulse { 50% { opacity: .25; transform: scale(.7); } }
@media (prefers-reduced-motion: reduce) { .status::before { animation: none; } }
.divider { display: flex; align-items: center; gap: 12px; margin: 22px 0 0; color: var(--muted); font-size: 13px; }
.divider::before, .divider::after { content: ""; flex: 1; height: 1px; background: var(--line); }
#code { font: 600 22px/1.2 ui-monospace, Menlo, Consolas, monospace; letter-spacing: .3em; text-align: center; }
.dev { margin: 16px 0 0; padding: 10px 14px; border: 1px dashed var(--line); border-radius: 10px; background: var(--warn-bg); font-size: 14px; }
.list { list-style: none; margin: 0; padding: 0; border: 1px solid var(--line); border-radius: 12px; }
.list li { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 14px 16px; }
.list li + li { border-top: 1px solid var(--line); }
.list .what { min-width: 0; }
.list .what p { margin: 0; }
.badge { display: inline-block; margin-left: 6px; padding: 1px 8px; border-radius: 99px; background: var(--soft); color: var(--accent); font-size: 12px; font-weight: 600; vertical-align: 1px; }
.actions { display: flex; gap: 10px; margin-top: 20px; flex-wrap: wrap; }
.mail { padding: 16px; }
.mail h3 { margin: 0 0 2px; font-size: 16px; }
.mail .code { font: 700 22px/1.2 ui-monospace, Menlo, Consolas, monospace; letter-spacing: .2em; }
.mail a.link { display: inline-block; margin: 8px 0; word-break: break-all; font-size: 14px; }
.mail pre { margin: 8px 0 0; padding: 12px; border-radius: 8px; background: var(--bg); white-space: pre-wrap; word-break: break-word; font-size: 13px; }
.mail details summary { cursor: pointer; color: var(--muted); font-size: 14px; }
.restart { margin: 18px 0 0; }
.empty { padding: 24px; text-align: center; color: var(--muted); }
`
