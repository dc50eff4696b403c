import { canonicalHost, memoryUsers } from './users.js'
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import fastifyCookie from '@fastify/cookie'
// In your app: `import magicLink from 'fastify-magic-link'`. The examples run from the source.
import magicLink, { type MagicLinkOptions } from '../../src/index.js'
import { bundleScripts } from './bundle.js'
import { BRAND, brandHtml, escapeHtml, LOGO, page, sendHtml, STYLE, text, timeHtml, type PageContext } from './html.js'
import { asLocale, dirOf, LANG_COOKIE, requestLocale, textsOf, type Locale } from './messages.js'
import type { DevOutbox } from './outbox.js'


/** What the examples' app is made of. */
export interface SiteOptions {
  /** Plugin options, but `users` (the example keeps users in memory and lets anyone sign up). */
  magicLink: Omit<MagicLinkOptions, 'users'>
  /** Adds `/outbox`, the development mailbox. */
  outbox?: DevOutbox
  /** Redirects requests for another host (`127.0.0.1:3000`) to the configured origin, whose cookies and Origin check the plugin uses. */
  canonicalHost?: boolean
  logger?: FastifyServerOptions['logger']
  trustProxy?: boolean
}

/** How long the language switcher's choice is kept. */
const LANG_COOKIE_MAX_AGE = 365 * 86_400

/**
 * `value` as a path of this site to go back to after the language switch (`/app`, `/outbox?x=1`),
 * or null: never another origin (`//evil.example`, `/\evil.example`, `https://…`), never a
 * header-splitting or control character.
 */
export function sameOriginPath (value: unknown, origin: string): string | null {
  if (typeof value !== 'string' || value.length > 512 || !/^\/(?![/\\])[^\\\u0000-\u0020\u007f]*$/.test(value)) return null
  try {
    const url = new URL(value, origin)
    return url.origin === origin ? url.pathname + url.search : null
  } catch {
    return null
  }
}

/**
 * How recent a sign-in must be for the signed-in page's sensitive action (downloading the
 * account's data): older, `app.requireRecentLogin` answers `FST_MAGIC_LINK_REAUTH_REQUIRED` and
 * the page asks the person to confirm with a fresh link or code (`client.reauthenticate()`).
 */
const RECENT_LOGIN_MINUTES = 5
const RECENT_LOGIN = `${RECENT_LOGIN_MINUTES}m`

/**
 * How recent a sign-in must be to move the account to another address (the plugin's
 * `emailChange.maxAge`, its default): older, `POST /auth/email` answers
 * `FST_MAGIC_LINK_REAUTH_REQUIRED` and the page asks "Confirm it's you" first.
 */
const EMAIL_CHANGE_MINUTES = 10

/** A length of time in minutes for people, in the page's language ("5 minutes", "5 Minuten", "5 分"). */
function minutes (locale: Locale, n: number): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(n)
}

/** Date and time for people, in the page's language, in UTC with the zone named ("December 13, 2026 at 10:15 AM UTC"). */
function dateTime (locale: Locale, when: Date): string {
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short',
  }).format(when)
}

/** A time of today for people, with the zone named ("10:15:03 AM UTC"). */
function clock (locale: Locale, when: Date): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit', second: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(when)
}

/** The example app: the plugin, a login page, a signed-in page, a help page, and (dev) the outbox. */
export async function createSite (o: SiteOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: o.logger ?? true, trustProxy: o.trustProxy ?? false })
  const origin = new URL(o.magicLink.origin)

  // The app reads a cookie of its own (the language), so it registers @fastify/cookie itself;
  // the plugin then reads its cookies from the header (README: Fits any Fastify app).
  await app.register(fastifyCookie)


  await app.register(magicLink, {
    redirect: { allow: ['/app'] },
    brand: { name: BRAND.name, logoUrl: BRAND.logoUrl, color: BRAND.color, supportUrl: BRAND.supportUrl },
    // The plugin's pages and mails follow the language switcher; without its cookie,
    // Accept-Language decides, as on the example's own pages (requestLocale).
    locale: { resolve: (request) => request.cookies[LANG_COOKIE] },
    // Browsers use the cookie; `npm run example:cli` signs in from a terminal with tokens.
    session: { transports: ['cookie', 'token'] },
    // With `users.changeEmail` (memoryUsers), the signed-in page can change the address.
    emailChange: { maxAge: `${EMAIL_CHANGE_MINUTES}m` },
    ...o.magicLink,
    users: memoryUsers(),
  })

  if (o.canonicalHost === true) canonicalHost(app, origin)

  const ctx = (request: FastifyRequest, path: string): PageContext => ({ locale: requestLocale(request), path })

  const scripts = await bundleScripts()
  app.get('/logo.svg', async (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'max-age=86400').send(LOGO))
  app.get('/favicon.ico', async (_request, reply) => reply.redirect('/logo.svg', 301))
  app.get('/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(STYLE))
  app.get('/js/:name', async (request, reply) => {
    const js = scripts.get((request.params as { name: string }).name)
    if (js === undefined) return reply.callNotFound()
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(js)
  })

  // The language switcher: a plain link (no script, so nothing for the CSP to allow) that keeps
  // the choice in a cookie and goes back to the page it came from.
  app.get('/lang', async (request, reply) => {
    const { to, back } = request.query as { to?: unknown, back?: unknown }
    const locale = asLocale(to)
    if (locale !== undefined) {
      reply.setCookie(LANG_COOKIE, locale, {
        path: '/', sameSite: 'lax', maxAge: LANG_COOKIE_MAX_AGE, httpOnly: true, secure: origin.protocol === 'https:',
      })
    }
    return reply.header('cache-control', 'no-store').redirect(sameOriginPath(back, origin.origin) ?? '/', 303)
  })

  app.get('/', async (request, reply) => {
    if (request.session !== null) return reply.redirect('/app', 303)
    const c = ctx(request, '/')
    return sendHtml(reply, loginPage(c, o.outbox !== undefined), c.locale)
  })

  // The app's own API, for the terminal client (examples/cli.ts): who is signed in.
  app.get('/me', { preHandler: app.requireSession }, async (request) => {
    const s = request.session as NonNullable<typeof request.session>
    return { user: { id: s.userId }, email: (s.data as { email?: string }).email ?? null, expiresAt: s.expiresAt }
  })

  // A sensitive action: everything the app keeps about the user, as a file. A stolen but
  // not fresh session cookie is not enough for it (README: Sensitive actions).
  const now = o.magicLink.now ?? Date.now
  app.get('/account/data', { preHandler: app.requireRecentLogin(RECENT_LOGIN) }, async (request, reply) => {
    const s = request.session as NonNullable<typeof request.session>
    const sessions = await app.magicLink.listSessions(s.userId)
    return reply.header('cache-control', 'no-store').send({
      exportedAt: new Date(now()).toISOString(),
      account: { id: s.userId, email: (s.data as { email?: string }).email ?? null },
      sessions: sessions.map((x) => ({ device: x.device, signedInAt: new Date(x.createdAt).toISOString(), lastSeenAt: new Date(x.lastSeenAt).toISOString() })),
    })
  })

  app.get('/app', async (request, reply) => {
    if (request.session === null) return reply.redirect('/', 303)
    const { email } = request.session.data as { email?: string }
    const c = ctx(request, '/app')
    return sendHtml(reply, appPage(c, email ?? '', new Date(request.session.expiresAt), o.outbox !== undefined), c.locale)
  })

  app.get('/help', async (request, reply) => {
    const c = ctx(request, '/help')
    return sendHtml(reply, helpPage(c, o.outbox !== undefined), c.locale)
  })

  const outbox = o.outbox
  if (outbox !== undefined) {
    app.get('/outbox', async (request, reply) => {
      const c = ctx(request, '/outbox')
      return sendHtml(reply, outboxPage(c, outbox), c.locale)
    })
    app.get('/outbox.json', async (_request, reply) => reply.header('cache-control', 'no-store').send({ count: outbox.mails.length }))
  }
  return app
}

function loginPage (c: PageContext, dev: boolean): string {
  const outboxLink = `<a href="/outbox" target="_blank" rel="noopener">${text(c, 'dev.outbox')}</a>`
  return page(c, {
    title: text(c, 'title.login'),
    script: 'login',
    body: `${brandHtml()}
<section id="ask">
  <h1>${text(c, 'login.heading')}</h1>
  <p class="muted">${text(c, 'login.intro')}</p>
  <form id="ask-form" novalidate>
    <label for="email">${text(c, 'login.emailLabel')}</label>
    <input id="email" name="email" type="email" dir="ltr" autocomplete="email" placeholder="${text(c, 'login.emailPlaceholder')}" required autofocus>
    <button id="ask-button" type="submit">${text(c, 'login.button')}</button>
    <p class="error" id="ask-error" role="alert" hidden></p>
  </form>
</section>
<section id="wait" hidden>
  <h1>${text(c, 'wait.heading')}</h1>
  <p>${text(c, 'wait.sentTo', {}, { email: '<strong id="sent-to" dir="ltr"></strong>' })}</p>
${waitingHtml(c, 'wait.codeButton')}
  <p class="muted restart"><a href="/" id="restart">${text(c, 'wait.restart')}</a></p>
</section>
${dev ? `<p class="dev">${text(c, 'dev.note', {}, { outbox: outboxLink })}</p>` : ''}`,
  })
}

/**
 * "Check your mail", shared by the login page, the signed-in page's "Confirm it's you" and its
 * "Check your new mailbox": the match code for another device, the waiting status, and the
 * mail's 6-digit code (examples/browser/waiting.ts drives it). `id` prefixes the ids, for a
 * second one on the same page (`email-` → `#email-match`, `#email-code`, …).
 */
function waitingHtml (c: PageContext, codeButton: 'wait.codeButton' | 'reauth.codeButton' | 'email.codeButton', id = ''): string {
  return `  <div class="matchbox" id="${id}matchbox">
    <p class="muted">${text(c, 'wait.matchIntro')}</p>
    <p class="match" id="${id}match" dir="ltr" aria-label="${text(c, 'wait.matchLabel')}"></p>
  </div>
  <p class="status" id="${id}status" role="status">${text(c, 'wait.waiting')}</p>
  <p class="muted" id="${id}expires"></p>
  <div id="${id}code-area">
  <p class="divider">${text(c, 'wait.or')}</p>
  <form id="${id}code-form" novalidate>
    <label for="${id}code">${text(c, 'wait.codeLabel')}</label>
    <input id="${id}code" name="code" dir="ltr" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}" placeholder="000000" required>
    <button id="${id}code-button" type="submit">${text(c, codeButton)}</button>
    <p class="error" id="${id}code-error" role="alert" hidden></p>
  </form>
  </div>`
}

function appPage (c: PageContext, email: string, expiresAt: Date, dev: boolean): string {
  const outboxLink = `<a href="/outbox" target="_blank" rel="noopener">${text(c, 'dev.outbox')}</a>`
  return page(c, {
    title: text(c, 'title.app'),
    script: 'app',
    wide: true,
    body: `<div class="top">
  ${brandHtml()}
  <button id="logout" class="secondary" type="button">${text(c, 'app.signOut')}</button>
</div>
<h1>${text(c, 'app.heading')}</h1>
<p>${text(c, 'app.as', {}, { email: `<strong id="current-email" dir="ltr">${escapeHtml(email)}</strong>` })}</p>
<p class="muted" id="expires-at">${text(c, 'app.expires', {}, { date: timeHtml(expiresAt, dateTime(c.locale, expiresAt)) })}</p>
<h2>${text(c, 'app.where')}</h2>
<ul class="list" id="sessions"><li class="empty">${text(c, 'app.loading')}</li></ul>
<p class="error" id="error" role="alert" hidden></p>
<div class="actions">
  <button id="logout-all" class="secondary danger" type="button">${text(c, 'app.signOutEverywhere')}</button>
</div>
<section class="email" id="email" aria-labelledby="email-heading" data-max-age="${EMAIL_CHANGE_MINUTES * 60}">
  <h2 id="email-heading">${text(c, 'email.heading')}</h2>
  <p class="muted">${text(c, 'email.intro', { duration: minutes(c.locale, EMAIL_CHANGE_MINUTES) })}</p>
  <form id="email-form" novalidate>
    <label for="new-email">${text(c, 'email.label')}</label>
    <div class="field-row">
      <input id="new-email" name="email" type="email" dir="ltr" autocomplete="email" placeholder="${text(c, 'login.emailPlaceholder')}" required>
      <button id="email-button" class="secondary" type="submit">${text(c, 'email.button')}</button>
    </div>
    <p class="error" id="email-error" role="alert" hidden></p>
  </form>
  <section class="confirm" id="email-wait" aria-labelledby="email-wait-heading" hidden>
    <h3 id="email-wait-heading">${text(c, 'email.waitHeading')}</h3>
    <p>${text(c, 'email.sentTo', {}, { email: '<strong id="email-sent-to" dir="ltr"></strong>' })}</p>
${waitingHtml(c, 'email.codeButton', 'email-')}
    ${dev ? `<p class="dev">${text(c, 'dev.note', {}, { outbox: outboxLink })}</p>` : ''}
    <p class="restart"><button id="email-cancel" class="secondary" type="button">${text(c, 'reauth.cancel')}</button></p>
  </section>
</section>
<section class="data" aria-labelledby="data-heading">
  <h2 id="data-heading">${text(c, 'data.heading')}</h2>
  <p class="muted">${text(c, 'data.intro', { duration: minutes(c.locale, RECENT_LOGIN_MINUTES) })}</p>
  <button id="data-button" class="secondary" type="button">${text(c, 'data.button')}</button>
  <p class="status ok" id="data-done" role="status" hidden></p>
  <p class="error" id="data-error" role="alert" hidden></p>
  <section class="confirm" id="reauth" aria-labelledby="reauth-heading" hidden>
    <h3 id="reauth-heading">${text(c, 'reauth.heading')}</h3>
    <p id="reauth-why"></p>
    <p>${text(c, 'wait.sentTo', {}, { email: `<strong id="sent-to" dir="ltr">${escapeHtml(email)}</strong>` })}</p>
${waitingHtml(c, 'reauth.codeButton')}
    ${dev ? `<p class="dev">${text(c, 'dev.note', {}, { outbox: outboxLink })}</p>` : ''}
    <p class="restart"><button id="reauth-cancel" class="secondary" type="button">${text(c, 'reauth.cancel')}</button></p>
  </section>
</section>`,
  })
}

function helpPage (c: PageContext, dev: boolean): string {
  const q = (title: 'help.how.title' | 'help.phone.title' | 'help.noMail.title' | 'help.notYou.title', body: string): string =>
    `<h2>${text(c, title)}</h2>\n<p>${body}</p>`
  const outboxLink = `<a href="/outbox">${text(c, 'dev.outbox')}</a>`
  return page(c, {
    title: text(c, 'title.help'),
    body: `${brandHtml()}
<h1>${text(c, 'help.heading')}</h1>
<div class="faq">
${q('help.how.title', text(c, 'help.how.text'))}
${q('help.phone.title', text(c, 'help.phone.text'))}
${q('help.noMail.title', text(c, 'help.noMail.text') + (dev ? ` ${text(c, 'help.noMail.dev', {}, { outbox: outboxLink })}` : ''))}
${q('help.notYou.title', text(c, 'help.notYou.text'))}
</div>
<p class="restart"><a href="/">${text(c, 'nav.signIn')}</a></p>`,
  })
}

function outboxPage (c: PageContext, outbox: DevOutbox): string {
  const items = outbox.mails.map((m) => `<li class="mail" data-to="${escapeHtml(m.to)}"${m.locale === null ? '' : ` data-locale="${escapeHtml(m.locale)}"`}><div class="what">
  <h3${mailLang(m.locale)}>${escapeHtml(m.subject)}</h3>
  <p class="muted">${text(c, 'outbox.to', {}, { to: `<span dir="ltr">${escapeHtml(m.to)}</span>` })} · ${timeHtml(m.sentAt, clock(c.locale, m.sentAt))}</p>
  ${m.link === null ? '' : `<a class="link" dir="ltr" href="${escapeHtml(m.link)}" target="_blank" rel="noopener">${escapeHtml(m.link)}</a>`}
  ${m.code === null ? '' : `<p>${text(c, 'outbox.code')} <span class="code" dir="ltr">${escapeHtml(m.code)}</span></p>`}
  <details><summary>${text(c, 'outbox.fullText')}</summary><pre${mailLang(m.locale)}>${escapeHtml(m.text)}</pre></details>
</div></li>`)
  const signin = `<a href="/">${text(c, 'outbox.signinLink')}</a>`
  return page(c, {
    title: text(c, 'title.outbox'),
    script: 'outbox',
    wide: true,
    mainAttrs: ` id="outbox" data-count="${outbox.mails.length}"`,
    body: `<div class="top">${brandHtml(textsOf(c.locale)('outbox.brand'))}<a href="/">${text(c, 'nav.signIn')}</a></div>
<h1>${text(c, 'title.outbox')}</h1>
<p class="muted">${text(c, 'outbox.intro')}</p>
<ul class="list">${items.length === 0 ? `<li class="empty">${text(c, 'outbox.empty', {}, { signin })}</li>` : items.join('\n')}</ul>`,
  })
}

/** `lang` and `dir` of a mail's own text, which may be in another language than the outbox page. */
function mailLang (locale: string | null): string {
  const l = asLocale(locale)
  return l === undefined ? '' : ` lang="${l}" dir="${dirOf(l)}"`
}
