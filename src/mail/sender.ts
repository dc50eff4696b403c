import type { FastifyBaseLogger } from 'fastify'
import type { Translator } from '../i18n/locale.js'
import type { MailMessage, ResolvedOptions } from '../options.js'
import {
  renderChangedNotice, renderChangeMail, renderDefaultMail, renderSignInNotice, renderTakenMail,
  type ChangedNoticeContext, type ChangeMailContext, type MailContext, type NoticeContext, type RenderedMail,
} from './template.js'
import type { MailKind } from '../options.js'
import type { EventBus } from '../events.js'

/** The public ids a mail's events carry. */
export interface MailIds { flowId?: string, userId?: string, sessionId?: string }

/**
 * Sends mail off the request path: `POST /request` never waits on SMTP (SECURITY.md T12: a slow or
 * failing send must not change the response or its timing). Failures go to the log, without
 * the link, and to `hooks.onMailError`.
 */
export class MailSender {
  readonly #o: ResolvedOptions
  readonly #log: FastifyBaseLogger
  readonly #pending = new Set<Promise<void>>()
  readonly #translator: (locale: string) => Translator
  readonly #events: EventBus

  /** `translator` gives the messages and grammar of a mail's locale (one the app supports). */
  constructor (options: ResolvedOptions, log: FastifyBaseLogger, translator: (locale: string) => Translator, events: EventBus) {
    this.#o = options
    this.#log = log
    this.#translator = translator
    this.#events = events
  }

  async #render (ctx: MailContext): Promise<RenderedMail> {
    return this.#o.mail?.render === undefined ? renderDefaultMail(ctx, this.#translator(ctx.locale)) : await this.#o.mail.render(ctx)
  }

  /** Queues the login mail. */
  login (ctx: MailContext, ids: MailIds): void {
    this.#queue('login', ctx.email, async () => {
      await this.#deliver(ctx.email, await this.#render(ctx), ctx)
    }, ids)
  }

  /**
   * Renders a mail that is not sent (unknown or rate-limited address): the work after the 202
   * is the same either way, so the timing of the next request does not tell them apart (T12).
   */
  decoy (ctx: MailContext): void {
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => { await this.#render(ctx) })
      .catch(() => {})
      .finally(() => { this.#pending.delete(p) })
    this.#pending.add(p)
  }

  /** Queues the "new sign-in" notice (cross-device login). */
  notice (ctx: NoticeContext, ids: MailIds): void {
    this.#queue('notice', ctx.email, async () => {
      await this.#deliver(ctx.email, renderSignInNotice(ctx, this.#translator(ctx.locale)), null)
    }, ids)
  }

  /**
   * Queues an address-change mail to the new address: the confirmation (`link` set), or, when
   * the address already has an account, the mail saying so.
   */
  change (ctx: ChangeMailContext, ids: MailIds): void {
    this.#queue('change', ctx.email, async () => {
      const t = this.#translator(ctx.locale)
      await this.#deliver(ctx.email, ctx.link === null ? renderTakenMail(ctx, t) : renderChangeMail({ ...ctx, link: ctx.link }, t), null)
    }, ids)
  }

  /** Queues the notice to the old address after a change. */
  changed (ctx: ChangedNoticeContext, ids: MailIds): void {
    this.#queue('changed', ctx.email, async () => {
      await this.#deliver(ctx.email, renderChangedNotice(ctx, this.#translator(ctx.locale)), null)
    }, ids)
  }

  async #deliver (email: string, rendered: RenderedMail, ctx: MailContext | null): Promise<void> {
    const from = this.#o.mail?.from ?? 'fastify-magic-link <dev@localhost>'
    const message: MailMessage = {
      from,
      to: email,
      envelope: { from: envelopeAddress(from), to: [email] },
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
    }
    if (this.#o.sendMail !== null) {
      await (this.#o.sendMail as NonNullable<ResolvedOptions['sendMail']>)(message, ctx)
    } else if (this.#o.mail !== null) {
      await this.#o.mail.transport.sendMail(message)
    } else {
      // Dev outbox (no mail configured outside production): the link goes to the log.
      this.#log.info({ magicLink: { to: email, subject: message.subject, link: ctx?.link, code: ctx?.otp } }, 'fastify-magic-link dev outbox: mail not sent, no transport configured')
    }
  }

  #queue (kind: MailKind, email: string, send: () => Promise<void>, ids: MailIds): void {
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(send)
      .then(() => { this.#events.emit('mail.sent', { ...ids, reason: kind }) })
      .catch(async (error: unknown) => {
        this.#events.emit('mail.failed', { ...ids, reason: kind })
        this.#log.error({ err: redact(error), kind }, 'fastify-magic-link: mail could not be sent')
        if (this.#o.hooks.onMailError !== undefined) {
          try {
            await this.#o.hooks.onMailError(error, { email, kind })
          } catch (hookError) {
            this.#log.error({ err: redact(hookError) }, 'fastify-magic-link: onMailError hook failed')
          }
        }
      })
      .finally(() => { this.#pending.delete(p) })
    this.#pending.add(p)
  }

  /** Waits for queued mails (on close). */
  async drain (): Promise<void> {
    await Promise.all([...this.#pending])
  }
}

/** The bare address of a `Name <addr>` sender. */
function envelopeAddress (from: string): string {
  const m = /<([^<>]+)>\s*$/.exec(from)
  return m === null ? from.trim() : (m[1] as string)
}

/** Logged errors keep their type, code and message, minus anything that looks like a link token. */
function redact (error: unknown): { type: string, code?: string, message: string } {
  const e = error instanceof Error ? error : new Error(String(error))
  const code = (e as { code?: unknown }).code
  return {
    type: e.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: e.message.replace(/[A-Za-z0-9_-]{30,}\.[A-Za-z0-9_-]{30,}/g, '[redacted]').replace(/token=[^\s&"']+/g, 'token=[redacted]'),
  }
}
