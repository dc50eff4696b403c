import { escapeHtml } from '../html.js'
import type { Translator } from '../i18n/locale.js'
import type { MagicLinkMessages, MessageKey, MessageValues } from '../i18n/types.js'
import type { Brand } from '../pages/model.js'
import { maskEmail as maskedAddress } from './address.js'

/** What the default login mail (or a custom `mail.render`) is given. */
export interface MailContext {
  /** The normalized recipient (see `normalizeEmail`). */
  email: string
  /** The verify link, built from the configured origin only (SECURITY.md T8). */
  link: string
  /** The 6-digit code for the asking device, or `null` when the `otp` option is off. */
  otp: string | null
  /** When the login was requested. */
  requestedAt: Date
  /** The requester's browser and system from `describeUserAgent` ("Firefox on Linux"), never the raw header. */
  device: string
  /** The brand's name (`brand.name`, default: the host of the configured origin). */
  appName: string
  /** Link and code lifetime. */
  expiresInMinutes: number
  /** The mail's language: the user's `locale`, else the asking request's, else `locale.default`. */
  locale: string
  /** The app's brand. */
  brand: Brand
  /** The catalog of `locale`, with the app's overrides. */
  messages: MagicLinkMessages
  /** An invitation (`app.magicLink.createLink`): nobody asked from a browser. */
  invite: boolean
}

/** A mail ready for the transport; `subject` holds no user input. */
export interface RenderedMail {
  subject: string
  text: string
  html: string
}

/** What the "new sign-in" notice sent after a cross-device login is given (SECURITY.md T6). */
export interface NoticeContext {
  /** The account's normalized address. */
  email: string
  /** The device that received the session, from `describeUserAgent`. */
  device: string
  /** When the session was issued. */
  at: Date
  /** The brand's name. */
  appName: string
  /** Where the user can see and sign out sessions. */
  sessionsUrl: string
  locale: string
  brand: Brand
  messages: MagicLinkMessages
}

export { escapeHtml }

const STYLE = {
  body: 'margin:0;padding:24px;background:#f4f4f5;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Roboto,Helvetica,Arial,sans-serif;color:#18181b',
  card: 'max-width:480px;margin:0 auto;padding:32px;background:#ffffff;border-radius:8px',
  logo: 'display:block;max-height:40px;max-width:200px;margin:0 0 20px',
  h1: 'margin:0 0 16px;font-size:20px',
  p: 'margin:0 0 16px;font-size:15px;line-height:1.5',
  code: 'margin:0 0 16px;font-family:Menlo,Consolas,monospace;font-size:28px;letter-spacing:6px;font-weight:700',
  small: 'margin:0 0 16px;font-size:13px;line-height:1.5;color:#52525b',
  rawLink: 'margin:0 0 16px;font-size:13px;line-height:1.5;color:#52525b;word-break:break-all',
} as const

/** The mail's button: the brand's colour, with text chosen for contrast. */
const buttonStyle = (brand: Brand): string =>
  `display:inline-block;padding:12px 24px;background:${brand.color ?? '#18181b'};color:${brand.onColor ?? '#ffffff'};text-decoration:none;border-radius:6px;font-weight:600`

/** One escaped `<p>`; `style` is a constant from `STYLE` (no `"` in it), never data. */
const para = (text: string, style: string = STYLE.p): string =>
  `<p style="${style}">${escapeHtml(text)}</p>`

const anchor = (href: string, text: string, style = ''): string =>
  `<a href="${escapeHtml(href)}"${style === '' ? '' : ` style="${style}"`}>${escapeHtml(text)}</a>`

/** A mail's texts in its language. */
function writer (t: Translator, brand: Brand): (key: MessageKey, values?: MessageValues) => string {
  return (key, values) => t.text(key, { app: brand.name, ...values })
}

/** The shared page around both mails, in the mail's language and direction. `inner` is escaped HTML built here. */
function page (t: Translator, brand: Brand, title: string, inner: string): string {
  const support = brand.supportUrl === null
    ? []
    : [`<p style="${STYLE.small}">${escapeHtml(t.text('mail.support'))} ${anchor(brand.supportUrl, brand.supportUrl)}</p>`]
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(t.locale)}" dir="${t.dir}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body style="${STYLE.body}"><div style="${STYLE.card}">`,
    ...(brand.logoUrl === null ? [] : [`<img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.name)}" style="${STYLE.logo}">`]),
    `<h1 style="${STYLE.h1}">${escapeHtml(title)}</h1>`,
    inner,
    ...support,
    '</div></body></html>',
  ].join('\n')
}

/** "The link and the code work once and expire in 10 minutes." (without the code when there is none). */
function lifetimeLine (w: ReturnType<typeof writer>, t: Translator, ctx: { expiresInMinutes: number, otp: string | null }): string {
  const duration = t.duration(ctx.expiresInMinutes * 60_000)
  return ctx.otp === null ? w('mail.login.lifetimeNoCode', { duration }) : w('mail.login.lifetime', { duration })
}

/** The support line of a text mail, or nothing. */
const supportText = (t: Translator, brand: Brand): string[] =>
  brand.supportUrl === null ? [] : [`${t.text('mail.support')} ${brand.supportUrl}`, '']

/**
 * The default login mail, in `ctx.locale`: a button and the raw link, the 6-digit code when
 * enabled, who asked (browser and system, time in UTC with the zone named), how long the link
 * lives, and what to do if it wasn't you. The subject is a fixed message plus the brand name
 * (configuration), never the address or the device: header fields carry no user input
 * (SECURITY.md T11), and it is also what lock screens show.
 */
export function renderDefaultMail (ctx: MailContext, t: Translator): RenderedMail {
  const w = writer(t, ctx.brand)
  const subject = w('mail.login.subject')
  const requested = ctx.invite ? [] : [w('mail.login.requested', { device: t.device(ctx.device), when: t.at(ctx.requestedAt) })]
  const lifetime = lifetimeLine(w, t, ctx)
  const intro = w('mail.login.intro', { email: ctx.email })
  const onlyYou = w('mail.login.onlyYou')
  const codeLine = w('mail.login.code')
  const ignore = w('mail.login.ignore')

  const text = [
    subject,
    '',
    intro,
    ...requested,
    '',
    w('mail.login.open'),
    ctx.link,
    '',
    ...(ctx.otp === null ? [] : [codeLine, ctx.otp, '']),
    lifetime,
    onlyYou,
    '',
    ignore,
    '',
    ...supportText(t, ctx.brand),
  ].join('\n')

  const html = page(t, ctx.brand, subject, [
    para(intro),
    ...requested.map((line) => para(line)),
    `<p style="${STYLE.p}">${anchor(ctx.link, w('mail.login.button'), buttonStyle(ctx.brand))}</p>`,
    `<p style="${STYLE.rawLink}">${escapeHtml(w('mail.login.orLink'))} ${anchor(ctx.link, ctx.link)}</p>`,
    ...(ctx.otp === null ? [] : [para(codeLine), `<p style="${STYLE.code}" dir="ltr">${escapeHtml(ctx.otp)}</p>`]),
    para(lifetime),
    para(onlyYou),
    para(ignore, STYLE.small),
  ].join('\n'))

  return { subject, text, html }
}

/**
 * The "new sign-in" notice sent to the account after a cross-device approval handed a session
 * to another device: the one signal a victim of remote phishing gets (SECURITY.md T6, RFC 8628
 * §5.4). Fixed subject, same escaping as the login mail.
 */
export function renderSignInNotice (ctx: NoticeContext, t: Translator): RenderedMail {
  const w = writer(t, ctx.brand)
  const subject = w('mail.notice.subject')
  const what = w('mail.notice.text', { email: ctx.email, device: t.device(ctx.device), when: t.at(ctx.at) })
  const ok = w('mail.notice.ok')
  const notYou = w('mail.notice.notYou')

  const text = [subject, '', what, '', ok, notYou, ctx.sessionsUrl, '', ...supportText(t, ctx.brand)].join('\n')

  const html = page(t, ctx.brand, subject, [
    para(what),
    para(ok),
    para(notYou),
    `<p style="${STYLE.p}">${anchor(ctx.sessionsUrl, w('mail.notice.button'), buttonStyle(ctx.brand))}</p>`,
    `<p style="${STYLE.rawLink}">${anchor(ctx.sessionsUrl, ctx.sessionsUrl)}</p>`,
  ].join('\n'))

  return { subject, text, html }
}

/** What the address-change mails are given. */
export interface ChangeMailContext {
  /** The new address: the confirmation and the "already has an account" mail go to it. */
  email: string
  /** The confirmation link (null for the "already has an account" mail, which carries none). */
  link: string | null
  /** The 6-digit code, or null. */
  otp: string | null
  expiresInMinutes: number
  locale: string
  brand: Brand
}

/**
 * The confirmation sent to the new address of an address change: a link and a code for the
 * session that asked. Nothing changes until it is used there (SECURITY.md T29).
 */
export function renderChangeMail (ctx: ChangeMailContext & { link: string }, t: Translator): RenderedMail {
  const w = writer(t, ctx.brand)
  const subject = w('mail.change.subject')
  const intro = w('mail.change.intro', { email: ctx.email })
  const open = w('mail.change.open')
  const codeLine = w('mail.change.code')
  const lifetime = lifetimeLine(w, t, ctx)
  const ignore = w('mail.change.ignore')
  const text = [subject, '', intro, '', open, ctx.link, '', ...(ctx.otp === null ? [] : [codeLine, ctx.otp, '']), lifetime, '', ignore, '', ...supportText(t, ctx.brand)].join('\n')
  const html = page(t, ctx.brand, subject, [
    para(intro),
    para(open),
    `<p style="${STYLE.p}">${anchor(ctx.link, w('mail.change.button'), buttonStyle(ctx.brand))}</p>`,
    `<p style="${STYLE.rawLink}">${anchor(ctx.link, ctx.link)}</p>`,
    ...(ctx.otp === null ? [] : [para(codeLine), `<p style="${STYLE.code}" dir="ltr">${escapeHtml(ctx.otp)}</p>`]),
    para(lifetime),
    para(ignore, STYLE.small),
  ].join('\n'))
  return { subject, text, html }
}

/** To a new address that already has an account: nothing changed, and no link. */
export function renderTakenMail (ctx: ChangeMailContext, t: Translator): RenderedMail {
  const w = writer(t, ctx.brand)
  const subject = w('mail.taken.subject')
  const what = w('mail.taken.text', { email: ctx.email })
  const ignore = w('mail.taken.ignore')
  return {
    subject,
    text: [subject, '', what, '', ignore, '', ...supportText(t, ctx.brand)].join('\n'),
    html: page(t, ctx.brand, subject, [para(what), para(ignore, STYLE.small)].join('\n')),
  }
}

/** What the notice to the old address after a change is given. */
export interface ChangedNoticeContext {
  /** The old address, which gets the notice. */
  email: string
  /** The new address, shown masked. */
  newEmail: string
  at: Date
  /** Where the user sees and ends sessions (`accountUrl`). */
  accountUrl: string
  locale: string
  brand: Brand
}

/**
 * The notice to the old address after a change. It carries no one-click action (an "undo" link
 * in a mailbox the attacker may read would be theirs to use): only where to look and whom to ask.
 */
export function renderChangedNotice (ctx: ChangedNoticeContext, t: Translator): RenderedMail {
  const w = writer(t, ctx.brand)
  const subject = w('mail.changed.subject')
  const what = w('mail.changed.text', { email: maskedAddress(ctx.newEmail), when: t.at(ctx.at) })
  const notYou = w('mail.changed.notYou')
  return {
    subject,
    text: [subject, '', what, '', notYou, ctx.accountUrl, '', ...supportText(t, ctx.brand)].join('\n'),
    html: page(t, ctx.brand, subject, [
      para(what),
      para(notYou),
      `<p style="${STYLE.p}">${anchor(ctx.accountUrl, w('mail.changed.button'), buttonStyle(ctx.brand))}</p>`,
    ].join('\n')),
  }
}
