import type { MailContext, MailMessage } from '../../src/index.js'

/** One captured mail. */
export interface OutboxMail {
  to: string
  subject: string
  text: string
  /** The sign-in link; null for the "new sign-in" notice. */
  link: string | null
  /** The 6-digit code of a sign-in mail. */
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

  /** Pass as the plugin's `sendMail`. The notice mail after a cross-device sign-in comes without a context. */
  readonly sendMail = async (message: MailMessage, ctx: MailContext | null): Promise<void> => {
    this.mails.unshift({
      to: message.to,
      subject: message.subject,
      text: message.text,
      link: ctx?.link ?? null,
      code: ctx?.otp ?? null,
      locale: ctx?.locale ?? /<html lang="([^"]+)"/.exec(message.html)?.[1] ?? null,
      sentAt: new Date(),
    })
    this.mails.length = Math.min(this.mails.length, this.#max)
  }
}
