import type { MailContext, MailMessage } from '../../src/index.js'

/** One captured mail. */
export interface OutboxMail {
  to: string
  subject: string
  text: string
  /** The link that signs in (or confirms a new address); null for the notices and the "already has an account" mail. */
  link: string | null
  /** The 6-digit code of a sign-in (or address confirmation) mail. */
  code: string | null
  /** The mail's language (BCP 47), as the plugin wrote it in `<html lang>`. */
  locale: string | null
  sentAt: Date
}

/**
 * A development outbox: the plugin's `sendMail` option pointed at memory instead of SMTP.
 * Never use it in production: anyone who can open `/outbox` can sign in as anyone.
 */
export class DevOutbox {
  readonly mails: OutboxMail[] = []
  readonly #max: number

  constructor (max = 50) {
    this.#max = max
  }

  /**
   * Pass as the plugin's `sendMail`. Only the sign-in mail comes with a context; the others
   * (the notices, and the address change's mails to the new address) come with null, so the
   * confirmation's link and code are read from its text.
   */
  readonly sendMail = async (message: MailMessage, ctx: MailContext | null): Promise<void> => {
    const link = ctx?.link ?? linkIn(message.text)
    this.mails.unshift({
      to: message.to,
      subject: message.subject,
      text: message.text,
      link,
      code: ctx === null ? (link === null ? null : codeIn(message.text)) : ctx.otp,
      locale: ctx?.locale ?? /<html lang="([^"]+)"/.exec(message.html)?.[1] ?? null,
      sentAt: new Date(),
    })
    this.mails.length = Math.min(this.mails.length, this.#max)
  }
}

/** The link with a token in a mail's text (`…/auth/verify?token=…`, or `linkUrl`'s `#token=…`), or null: a notice links only to the account page. */
function linkIn (text: string): string | null {
  return /https?:\/\/\S+[?#]token=\S+/.exec(text)?.[0] ?? null
}

/** The 6-digit code on a line of its own in a mail's text, or null. */
function codeIn (text: string): string | null {
  return /^\d{6}$/m.exec(text)?.[0] ?? null
}
