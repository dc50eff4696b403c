/**
 * The own-page example's HTML: the sign-in page, the app's own verify page, the signed-in page
 * and the dev outbox. Every sentence comes from the catalog (`messages.ts`) in the request's
 * language; every value goes through `escapeHtml`. No inline script or style: the CSP allows
 * only this origin's `/own/style.css` and `/own/js/*.js`.
 */
import { escapeHtml } from '../lib/html.js'
import type { OutboxMail } from '../lib/outbox.js'
import { fill, type Translator } from './i18n.js'
import { APP_NAME, type MessageKey } from './messages.js'

/**
 * A sentence whose placeholders are elements: the text is escaped, each `{name}` in `slots`
 * becomes that (trusted) markup, and the other placeholders are filled with escaped `values`.
 */
export function rich (tr: Translator, key: MessageKey, slots: Record<string, string> = {}, values: Record<string, string> = {}): string {
  const template = tr.template(key)
  return template.split(/(\{\w+\})/).map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1]
    if (name !== undefined && name in slots) return slots[name] as string
    return escapeHtml(fill(part, { app: APP_NAME, ...values }))
  }).join('')
}

/** An element the page script fills (`data-slot="email"`). */
const slot = (name: string, tag = 'strong'): string => `<${tag} data-slot="${name}"></${tag}>`

/** Simple line icons (inline SVG is markup, not script or style: the CSP allows it). */
const ICONS: Record<string, string> = {
  key: '<circle cx="8" cy="15" r="4"/><path d="M11 12l9-9M17 6l3 3M14 9l2 2"/>',
  devices: '<rect x="2" y="4" width="14" height="10" rx="1.5"/><path d="M6 18h6M9 14v4"/><rect x="17" y="8" width="5" height="12" rx="1"/>',
  check: '<circle cx="12" cy="12" r="9"/><path d="M8 12.5l2.7 2.7L16 9.8"/>',
  clock: '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
  refresh: '<path d="M20 11a8 8 0 0 0-14.6-4.4L4 8M4 13a8 8 0 0 0 14.6 4.4L20 16"/><path d="M4 4v4h4M20 20v-4h-4"/>',
  mail: '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3.5 6.5L12 13l8.5-6.5"/>',
  lock: '<rect x="5" y="10" width="14" height="10" rx="2"/><path d="M8 10V7a4 4 0 0 1 8 0v3"/>',
  stop: '<circle cx="12" cy="12" r="9"/><path d="M6 6l12 12"/>',
  link: '<path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"/><path d="M4 4l16 16"/>',
  alert: '<path d="M12 3l10 18H2z"/><path d="M12 10v4M12 17.5v.5"/>',
  person: '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
}

function icon (name: string, tone: string): string {
  return `<div class="icon ${tone}" aria-hidden="true"><svg viewBox="0 0 24 24" width="30" height="30" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">${ICONS[name] ?? ''}</svg></div>`
}

/** The page frame: language, title, the brand bar, one card, the page's script. */
function frame (tr: Translator, title: MessageKey, body: string, script: string, cardClass = ''): string {
  return `<!doctype html>
<html lang="${tr.locale}" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>${escapeHtml(tr.t(title))} · ${escapeHtml(APP_NAME)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/own/style.css">
<script type="module" src="/own/js/${script}.js"></script>
</head>
<body>
<header class="bar"><a class="brand" href="/"><span class="mark" aria-hidden="true"></span>${escapeHtml(APP_NAME)}</a><span class="tagline">${escapeHtml(tr.t('brand.tagline'))}</span></header>
<main class="card${cardClass === '' ? '' : ` ${cardClass}`}">
${body}
</main>
</body>
</html>
`
}

/** `/`: ask for a link, then wait with the match code on screen. */
export function signInPage (tr: Translator, dev: boolean): string {
  return frame(tr, 'ask.docTitle', `<section id="ask">
  ${icon('person', 'accent')}
  <h1>${escapeHtml(tr.t('ask.title', { app: APP_NAME }))}</h1>
  <p class="lead">${escapeHtml(tr.t('ask.lead'))}</p>
  <form id="ask-form" novalidate>
    <label for="email">${escapeHtml(tr.t('ask.label'))}</label>
    <input id="email" name="email" type="email" autocomplete="email" required autofocus>
    <p class="error" id="ask-error" role="alert" hidden></p>
    <button id="ask-button" class="primary" type="submit">${escapeHtml(tr.t('ask.button'))}</button>
  </form>
</section>
<section id="wait" hidden>
  ${icon('mail', 'accent')}
  <h1>${escapeHtml(tr.t('wait.title'))}</h1>
  <p class="lead">${rich(tr, 'wait.text', { email: slot('email') })}</p>
  <div class="codebox">
    <p>${escapeHtml(tr.t('wait.codeLabel'))}</p>
    <p class="match" id="match"></p>
  </div>
  <p class="status" id="status" role="status">${escapeHtml(tr.t('wait.status'))}</p>
  <p class="small"><a href="/">${escapeHtml(tr.t('wait.restart'))}</a></p>
</section>
${dev ? `<p class="dev">${rich(tr, 'dev.note', { outbox: `<a href="/outbox" target="_blank" rel="noopener">${escapeHtml(tr.t('dev.outbox'))}</a>` })}</p>` : ''}`, 'signin')
}

/** The facts a state shows about the link, filled by the script (`data-slot`). */
function facts (tr: Translator, rows: Array<[MessageKey, string]>): string {
  return `<dl class="facts">${rows.map(([label, name]) => `<div data-row="${name}"><dt>${escapeHtml(tr.t(label))}</dt><dd>${name.endsWith('At') ? `<time data-slot="${name}"></time>` : slot(name, 'span')}</dd></div>`).join('')}</dl>`
}

const restart = (tr: Translator): string => `<a class="button primary" href="/">${escapeHtml(tr.t('page.startAgain'))}</a>`

/**
 * `GET /login/verify`: the app's own verify page. One section per state of the link, all
 * hidden but "checking"; `verify.js` reads the token from the fragment, asks `POST /auth/link`
 * and shows the matching section. It posts `/auth/verify` or `/auth/resend` on a click only.
 */
export function verifyPage (tr: Translator): string {
  // Like the plugin's own page, the other device is not told the address: only when and from what.
  const requested = facts(tr, [['fact.requested', 'requestedAt'], ['fact.device', 'device']])
  return frame(tr, 'verify.docTitle', `<noscript><p class="error">${escapeHtml(tr.t('page.noscript'))}</p></noscript>
<section data-state="loading">
  <p class="status" role="status">${escapeHtml(tr.t('loading.text'))}</p>
</section>
<section data-state="signin" hidden>
  ${icon('key', 'accent')}
  <h1 tabindex="-1">${escapeHtml(tr.t('signin.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('signin.text', { app: APP_NAME }))}</p>
  ${facts(tr, [['fact.account', 'email'], ['fact.requested', 'requestedAt']])}
  <p class="error" role="alert" hidden></p>
  <button class="primary" type="button" id="signin-button" data-busy="${escapeHtml(tr.t('signin.busy'))}">${escapeHtml(tr.t('signin.button'))}</button>
</section>
<section data-state="code" hidden>
  ${icon('devices', 'accent')}
  <h1 tabindex="-1">${escapeHtml(tr.t('code.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('code.text'))}</p>
  ${requested}
  <form id="code-form" novalidate>
    <label for="code">${escapeHtml(tr.t('code.label'))}</label>
    <input id="code" name="code" class="code" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="7" placeholder="XXX-XXX" aria-describedby="code-error">
    <p class="error" id="code-error" role="alert" hidden></p>
    <button class="primary" type="submit" id="code-button" data-busy="${escapeHtml(tr.t('code.busy'))}">${escapeHtml(tr.t('code.button'))}</button>
  </form>
  <p class="note">${escapeHtml(tr.t('code.ignore'))}</p>
</section>
<section data-state="invite" hidden>
  ${icon('person', 'accent')}
  <h1 tabindex="-1">${escapeHtml(tr.t('invite.title', { app: APP_NAME }))}</h1>
  <p class="lead">${escapeHtml(tr.t('invite.text'))}</p>
  <form id="invite-form" novalidate>
    <label for="invite-email">${escapeHtml(tr.t('invite.label'))}</label>
    <input id="invite-email" name="email" type="email" autocomplete="email" aria-describedby="invite-error">
    <p class="error" id="invite-error" role="alert" hidden></p>
    <button class="primary" type="submit" id="invite-button">${escapeHtml(tr.t('invite.button'))}</button>
  </form>
</section>
<section data-state="elsewhere" hidden>
  ${icon('devices', 'muted')}
  <h1 tabindex="-1">${escapeHtml(tr.t('elsewhere.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('elsewhere.text'))}</p>
  ${requested}
</section>
<section data-state="approved" hidden>
  ${icon('check', 'ok')}
  <h1 tabindex="-1">${escapeHtml(tr.t('approved.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('approved.text'))}</p>
  <p class="note">${escapeHtml(tr.t('approved.note'))}</p>
</section>
<section data-state="expired" hidden>
  ${icon('clock', 'warn')}
  <h1 tabindex="-1">${escapeHtml(tr.t('expired.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('expired.text'))}</p>
  ${facts(tr, [['fact.account', 'email'], ['fact.requested', 'requestedAt']])}
  <p class="error" role="alert" hidden></p>
  <button class="primary resend" type="button" data-busy="${escapeHtml(tr.t('resend.busy'))}">${escapeHtml(tr.t('resend.button'))}</button>
</section>
<section data-state="superseded" hidden>
  ${icon('refresh', 'warn')}
  <h1 tabindex="-1">${escapeHtml(tr.t('superseded.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('superseded.text'))}</p>
  ${facts(tr, [['fact.account', 'email'], ['fact.requested', 'requestedAt']])}
  <p class="error" role="alert" hidden></p>
  <button class="primary resend" type="button" data-busy="${escapeHtml(tr.t('resend.busy'))}">${escapeHtml(tr.t('resend.button'))}</button>
</section>
<section data-state="resent" hidden>
  ${icon('mail', 'accent')}
  <h1 tabindex="-1">${escapeHtml(tr.t('resent.title'))}</h1>
  <p class="lead">${rich(tr, 'resent.text', { email: slot('email') })}</p>
  <div class="codebox">
    <p>${escapeHtml(tr.t('resent.codeLabel'))}</p>
    <p class="match" data-slot="matchCode"></p>
  </div>
  <p class="status" role="status">${escapeHtml(tr.t('wait.status'))}</p>
</section>
<section data-state="used" hidden>
  ${icon('lock', 'muted')}
  <h1 tabindex="-1">${escapeHtml(tr.t('used.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('used.text'))}</p>
  ${facts(tr, [['fact.account', 'email'], ['fact.usedAt', 'usedAt'], ['fact.usedDevice', 'usedDevice']])}
  <p class="note">${escapeHtml(tr.t('used.notYou'))}</p>
  <a class="button secondary" href="/">${escapeHtml(tr.t('signin.button'))}</a>
</section>
<section data-state="denied" hidden>
  ${icon('stop', 'err')}
  <h1 tabindex="-1">${escapeHtml(tr.t('denied.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('denied.text'))}</p>
  ${restart(tr)}
</section>
<section data-state="unknown" hidden>
  ${icon('link', 'err')}
  <h1 tabindex="-1">${escapeHtml(tr.t('unknown.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('unknown.text'))}</p>
  ${restart(tr)}
</section>
<section data-state="error" hidden>
  ${icon('alert', 'err')}
  <h1 tabindex="-1">${escapeHtml(tr.t('error.title'))}</h1>
  <p class="lead" data-slot="problem"></p>
  <button class="primary" type="button" id="retry-button">${escapeHtml(tr.t('page.retry'))}</button>
</section>`, 'verify')
}

/** `/account`: who is signed in, and the way out. */
export function accountPage (tr: Translator, email: string): string {
  return frame(tr, 'account.docTitle', `<section>
  ${icon('check', 'ok')}
  <h1>${escapeHtml(tr.t('account.title'))}</h1>
  <p class="lead" id="who">${rich(tr, 'account.text', { email: `<strong>${escapeHtml(email)}</strong>` })}</p>
  <p class="error" id="account-error" role="alert" hidden></p>
  <div class="row">
    <button class="primary" type="button" id="logout">${escapeHtml(tr.t('account.logout'))}</button>
    <button class="secondary" type="button" id="logout-all">${escapeHtml(tr.t('account.logoutAll'))}</button>
  </div>
</section>`, 'account')
}

/** `/outbox` (development only): the mails, newest first, with their links. */
export function outboxPage (tr: Translator, mails: readonly OutboxMail[]): string {
  const items = mails.map((m) => `<li class="mail">
  <p class="subject">${escapeHtml(m.subject)}</p>
  <p class="small">${escapeHtml(tr.t('outbox.to', { email: m.to }))} · <time datetime="${m.sentAt.toISOString()}">${escapeHtml(m.sentAt.toLocaleTimeString(tr.locale))}</time></p>
  ${m.link === null ? '' : `<a class="link" href="${escapeHtml(m.link)}" target="_blank" rel="noopener">${escapeHtml(m.link)}</a>`}
</li>`)
  return frame(tr, 'outbox.docTitle', `<section id="outbox" data-count="${mails.length}">
  <h1>${escapeHtml(tr.t('outbox.title'))}</h1>
  <p class="lead">${escapeHtml(tr.t('outbox.text'))}</p>
  <ul class="mails">${items.length === 0 ? `<li class="empty">${escapeHtml(tr.t('outbox.empty'))}</li>` : items.join('\n')}</ul>
  <p class="small"><a href="/">${escapeHtml(tr.t('outbox.back'))}</a></p>
</section>`, 'outbox', 'wide')
}
