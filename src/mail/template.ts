import { escapeHtml } from '../html.js'

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
  /** The requester's browser and system from `describeUserAgent`, never the raw header. */
  device: string
  /** The host of the configured origin. */
  appName: string
  /** Link and code lifetime. */
  expiresInMinutes: number
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
  /** The host of the configured origin. */
  appName: string
  /** Where the user can see and sign out sessions. */
  sessionsUrl: string
}

export { escapeHtml }

/** UTC and fixed format: the server's locale and time zone must not change what the mail says. */
function formatTime (d: Date): string {
  const iso = d.toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}

const minutes = (n: number): string => (n === 1 ? '1 minute' : `${n} minutes`)

const IGNORE_LINE =
  'If this wasn\'t you, ignore this email — nobody can sign in without access to this mailbox.'

const STYLE = {
  body: 'margin:0;padding:24px;background:#f4f4f5;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Roboto,Helvetica,Arial,sans-serif;color:#18181b',
  card: 'max-width:480px;margin:0 auto;padding:32px;background:#ffffff;border-radius:8px',
  h1: 'margin:0 0 16px;font-size:20px',
  p: 'margin:0 0 16px;font-size:15px;line-height:1.5',
  button: 'display:inline-block;padding:12px 24px;background:#18181b;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600',
  code: 'margin:0 0 16px;font-family:Menlo,Consolas,monospace;font-size:28px;letter-spacing:6px;font-weight:700',
  small: 'margin:0 0 16px;font-size:13px;line-height:1.5;color:#52525b',
  rawLink: 'margin:0 0 16px;font-size:13px;line-height:1.5;color:#52525b;word-break:break-all',
} as const

/** One escaped `<p>`; `style` is a constant from `STYLE` (no `"` in it), never data. */
const para = (text: string, style: string = STYLE.p): string =>
  `<p style="${style}">${escapeHtml(text)}</p>`

const anchor = (href: string, text: string, style = ''): string =>
  `<a href="${escapeHtml(href)}"${style === '' ? '' : ` style="${style}"`}>${escapeHtml(text)}</a>`

/** The shared page around both mails. `inner` is already-escaped HTML built in this module. */
function page (title: string, inner: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body style="${STYLE.body}"><div style="${STYLE.card}">`,
    `<h1 style="${STYLE.h1}">${escapeHtml(title)}</h1>`,
    inner,
    '</div></body></html>',
  ].join('\n')
}

/**
 * The default login mail: a button and the raw link, the 6-digit code when enabled, who asked
 * (browser and system, time), how long the link lives, and what to do if it wasn't you.
 * The subject is fixed text plus `appName` (configuration), never the address or the device:
 * header fields carry no user input (SECURITY.md T11), and it is also what lock screens show.
 */
export function renderDefaultMail (ctx: MailContext): RenderedMail {
  const subject = `Sign in to ${ctx.appName}`
  const requested = `Requested from ${ctx.device} at ${formatTime(ctx.requestedAt)}.`
  const lifetime = `The link and code work once and expire in ${minutes(ctx.expiresInMinutes)}.`
  const intro = `Someone asked to sign in to ${ctx.appName} as ${ctx.email}.`
  const onlyYou = 'Only continue if you just started this sign-in yourself. Never share this link or code.'
  const codeLine = 'Or enter this code on the screen where you asked to sign in:'

  const text = [
    subject,
    '',
    intro,
    requested,
    '',
    'Open this link to sign in:',
    ctx.link,
    '',
    ...(ctx.otp === null ? [] : [codeLine, ctx.otp, '']),
    lifetime,
    onlyYou,
    '',
    IGNORE_LINE,
    '',
  ].join('\n')

  const html = page(subject, [
    para(intro),
    para(requested),
    `<p style="${STYLE.p}">${anchor(ctx.link, 'Sign in', STYLE.button)}</p>`,
    `<p style="${STYLE.rawLink}">Or open this link: ${anchor(ctx.link, ctx.link)}</p>`,
    ...(ctx.otp === null ? [] : [para(codeLine), para(ctx.otp, STYLE.code)]),
    para(lifetime),
    para(onlyYou),
    para(IGNORE_LINE, STYLE.small),
  ].join('\n'))

  return { subject, text, html }
}

/**
 * The "new sign-in" notice sent to the account after a cross-device approval handed a session
 * to another device: the one signal a victim of remote phishing gets (SECURITY.md T6, RFC 8628
 * §5.4). Fixed subject, same escaping as the login mail.
 */
export function renderSignInNotice (ctx: NoticeContext): RenderedMail {
  const subject = `New sign-in to ${ctx.appName}`
  const what = `${ctx.email} was signed in to ${ctx.appName} on ${ctx.device} at ${formatTime(ctx.at)}, after a sign-in link was approved from another device.`
  const ok = 'If this was you, there is nothing to do.'
  const notYou = 'If it wasn\'t you, sign that session out now and do not share sign-in codes with anyone:'

  const text = [subject, '', what, '', ok, notYou, ctx.sessionsUrl, ''].join('\n')

  const html = page(subject, [
    para(what),
    para(ok),
    para(notYou),
    `<p style="${STYLE.p}">${anchor(ctx.sessionsUrl, 'Review your sessions', STYLE.button)}</p>`,
    `<p style="${STYLE.rawLink}">${anchor(ctx.sessionsUrl, ctx.sessionsUrl)}</p>`,
  ].join('\n'))

  return { subject, text, html }
}
