import { channel, tracingChannel } from 'node:diagnostics_channel'
import type { FastifyBaseLogger } from 'fastify'
import type { MailKind } from './options.js'
import type { InvalidReason, SignInMethod } from './store/types.js'

/** The `diagnostics_channel` name of the plugin's events. */
export const EVENT_CHANNEL = 'fastify-magic-link:event'
/** The `diagnostics_channel.tracingChannel` name that wraps every store call. */
export const STORE_CHANNEL = 'fastify-magic-link:store'

/**
 * Every event type, and what its `reason` can be (`never`: the event has none).
 */
export interface MagicLinkEventReasons {
  /** A sign-in was started: `POST /request`, `/resend`, `/reauth`, `/email`, or `createLink()`. */
  'request.accepted': 'request' | 'resend' | 'reauth' | 'email-change' | 'invite'
  /**
   * A limit held a request back: `'ip'` a per-IP limit of any route answered 429; `'address'` the
   * address's mail budget was spent, so no mail went out (the answer is the usual 202).
   */
  'request.limited': 'ip' | 'address'
  /** A mail was handed to the transport: which one. */
  'mail.sent': MailKind
  /** A mail could not be sent: which one. */
  'mail.failed': MailKind
  /** `GET /verify` showed the page of a live link (nothing changes on a GET). */
  'link.opened': 'same-browser' | 'other-browser' | 'invite'
  /**
   * `POST /verify` accepted a link: signed in this browser, approved the sign-in of the asking
   * device, an invitation, or an address change confirmed.
   */
  'link.approved': 'same-browser' | 'other-browser' | 'invite' | 'email-change'
  /** A link that cannot be used, opened or posted. */
  'link.rejected': InvalidReason
  /** A wrong or malformed code: the match code on the link's page, or the mail's code. */
  'code.failed': 'wrong' | 'malformed'
  /** A flow was stopped: too many wrong codes for it, or for its address. */
  'flow.denied': 'attempts'
  /** The asking device took the login its link or code completed (its poll, or the mail code). */
  'flow.claimed': 'cross-device' | 'code'
  /** A session began: how the mailbox was proved. */
  'session.created': SignInMethod
  /** A session got a new access token from the store: its cookie (`'cookie'`) or `POST /refresh` (`'token'`). */
  'session.refreshed': 'cookie' | 'token'
  /**
   * A session was ended: `POST /logout`, `/logout-all`, `DELETE /sessions/:id`, "sign that
   * session out" on a used link's page (`'link'`), a spent refresh token used again (`'reused'`),
   * a new sign-in of the same user in the same client (`'replaced'`), an address change
   * (`'email-change'`), new claims (`'claims'`), a user no longer found (`'user-gone'`), or the
   * app's `app.magicLink.revokeSessions()` (`'admin'`).
   */
  'session.revoked': 'logout' | 'logout-all' | 'sessions' | 'link' | 'reused' | 'replaced' | 'email-change' | 'claims' | 'user-gone' | 'admin'
  /**
   * A presented session credential was refused: not ours or malformed (`'invalid'`), expired or
   * gone from the store (`'expired'`), revoked (`'revoked'`), a refresh token spent before
   * (`'reused'`).
   */
  'session.rejected': 'invalid' | 'expired' | 'revoked' | 'reused'
  /** `requireRecentLogin(maxAge)` refused a session whose last proof of the mailbox was too old. */
  'reauth.required': never
  /** `users.changeEmail` changed the user's address. */
  'email.changed': never
}

export type MagicLinkEventType = keyof MagicLinkEventReasons

/**
 * What the plugin publishes on `diagnostics_channel` `fastify-magic-link:event` and passes to
 * `hooks.onEvent`. Public ids only: never an address, a link or poll token, a code or a cookie.
 */
export type MagicLinkEvent = {
  [T in MagicLinkEventType]: {
    readonly type: T
    /** Epoch ms. */
    readonly at: number
    /** The sign-in flow (the part of a link before the dot: not a secret). */
    readonly flowId?: string
    /** A public session id, as listed by `GET /sessions`. */
    readonly sessionId?: string
    /** The app's user id. */
    readonly userId?: string
    readonly reason?: MagicLinkEventReasons[T]
  }
}[MagicLinkEventType]

/** The fields of an event besides its type and time. */
export interface EventFields<T extends MagicLinkEventType> {
  flowId?: string | undefined
  sessionId?: string | undefined
  userId?: string | undefined
  reason?: MagicLinkEventReasons[T]
}

/** What the store tracing channel's context holds: the store method called. */
export interface StoreTraceContext {
  method: string
}

const events = channel(EVENT_CHANNEL)
const storeTrace = tracingChannel<unknown, StoreTraceContext>(STORE_CHANNEL)

/**
 * Whether anyone listens to the store tracing channel. Read from its five channels, not from
 * `TracingChannel#hasSubscribers`, which Node 20 has only from 20.13.
 */
export function storeTraced (): boolean {
  return storeTrace.start.hasSubscribers || storeTrace.end.hasSubscribers || storeTrace.asyncStart.hasSubscribers ||
    storeTrace.asyncEnd.hasSubscribers || storeTrace.error.hasSubscribers
}

/** Runs a store call inside the tracing channel (only called while someone listens). */
export function traceStore<R> (method: string, call: () => Promise<R>): Promise<R> {
  return storeTrace.tracePromise(call, { method })
}

/**
 * Publishes the plugin's events. With no subscriber on the channel and no `hooks.onEvent`, `emit`
 * returns before building anything.
 */
export class EventBus {
  readonly #onEvent: ((event: MagicLinkEvent) => void | Promise<void>) | undefined
  readonly #now: () => number
  readonly #log: FastifyBaseLogger

  constructor (onEvent: ((event: MagicLinkEvent) => void | Promise<void>) | undefined, now: () => number, log: FastifyBaseLogger) {
    this.#onEvent = onEvent
    this.#now = now
    this.#log = log
  }

  /** True while an event would reach someone. */
  get active (): boolean {
    return this.#onEvent !== undefined || events.hasSubscribers
  }

  emit<T extends MagicLinkEventType> (type: T, fields: EventFields<T> = {}): void {
    if (!this.active) return
    const event = { type, at: this.#now() } as { -readonly [K in keyof MagicLinkEvent]?: unknown }
    if (fields.flowId !== undefined) event.flowId = fields.flowId
    if (fields.sessionId !== undefined) event.sessionId = fields.sessionId
    if (fields.userId !== undefined) event.userId = fields.userId
    if (fields.reason !== undefined) event.reason = fields.reason
    const frozen = Object.freeze(event) as MagicLinkEvent
    if (events.hasSubscribers) events.publish(frozen)
    const hook = this.#onEvent
    if (hook === undefined) return
    // The app's handler never changes a response: errors (thrown or rejected) are logged.
    try {
      const pending = hook(frozen)
      // An async handler: its rejection is logged too.
      if (pending !== undefined) Promise.resolve(pending).then(undefined, (error: unknown) => { this.#failed(error, type) })
    } catch (error) {
      this.#failed(error, type)
    }
  }

  #failed (error: unknown, type: string): void {
    this.#log.error({ err: error, event: type }, 'fastify-magic-link: hooks.onEvent failed')
  }
}
