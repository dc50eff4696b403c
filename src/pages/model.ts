import type { MagicLinkMessages, MessageKey, MessageValues } from '../i18n/types.js'

/** The brand on every page and mail, resolved from the `brand` option. */
export interface Brand {
  /** Product name. Default: the host of `origin`. */
  readonly name: string
  /** Logo as an absolute URL (a same-origin path is made absolute with `origin`), or null. */
  readonly logoUrl: string | null
  /** Accent colour `#rrggbb`, or null for the plugin's own blue. */
  readonly color: string | null
  /** Text colour on the accent (`#ffffff` or `#111111`, whichever contrasts more), or null. */
  readonly onColor: string | null
  /** Where people get help (absolute URL), or null. */
  readonly supportUrl: string | null
}

/** Why a page's link no longer works. */
export type DeadLinkKind = 'expired' | 'superseded' | 'unknown' | 'denied'

/** What a page shows, besides its locale, brand and nonce. `kind` tells the pages apart. */
export type PageView =
  /** `GET /verify` in the browser that asked: a button posts the token. */
  | { kind: 'sameBrowser', status: 200, token: string, email: string }
  /** `GET /verify` elsewhere: approving needs the code from the asking screen. */
  | { kind: 'otherBrowser', status: 200 | 400, token: string, device: string, requestedAt: Date, error: PageError | null, attemptsLeft: number | null }
  /** `GET /verify` elsewhere when `crossDevice: 'off'`. */
  | { kind: 'sameBrowserOnly', status: 200 }
  /** `GET /verify` of an invitation: the person types the address it was sent to. */
  | { kind: 'invite', status: 200 | 400, token: string, error: PageError | null }
  /** A link that no longer works; `expired` and `superseded` offer `POST /resend` (`token` set). */
  | { kind: DeadLinkKind, status: 400 | 410, token: string | null }
  /** A link that was already used. `sessionDevice` is set while the session it started is live. */
  | { kind: 'used', status: 400 | 409, token: string, usedAt: Date, device: string, sessionDevice: string | null, error: PageError | null }
  /** After a cross-device approval: this browser gets no session. */
  | { kind: 'approved', status: 200, device: string }
  /** After `POST /revoke`. */
  | { kind: 'revoked', status: 200 }
  /** After `POST /resend`: a new link is on its way (`email` masked, e.g. `a•••@example.com`). */
  | { kind: 'resent', status: 202, email: string }
  /** Any other failure on a page route. */
  | { kind: 'error', status: number, code: string, retryAfter: number | null }

/** Which message a page shows as its error, by stable code. */
export type PageError = 'code.required' | 'code.malformed' | 'code.wrong' | 'page.emailMalformed' | 'invite.text' | 'invite.mismatch' | 'used.mismatch'

/** What every page is rendered with, besides its own data. */
export interface PageContext {
  /** The page's language (BCP 47), also sent as `Content-Language`. */
  readonly locale: string
  /** `'rtl'` for right-to-left languages. */
  readonly dir: 'ltr' | 'rtl'
  /** The messages of `locale` (with the app's overrides). */
  readonly messages: MagicLinkMessages
  /** A message of `locale` with its placeholders filled (plural by `values.count`). */
  readonly t: (key: MessageKey, values?: MessageValues) => string
  /** A device label of the view ("Firefox on Linux") in `locale`. */
  readonly describeDevice: (label: string) => string
  /** A time for people in `locale`: "5 minutes ago", or a date with the zone named. */
  readonly when: (date: Date) => string
  /** A wait from now in `locale`: "in 12 minutes". */
  readonly retryIn: (seconds: number) => string
  readonly brand: Brand
  /**
   * This response's CSP nonce: `<style nonce="…">` and `<script nonce="…">` run, nothing else
   * inline does. New for every response.
   */
  readonly nonce: string
  /** Same-origin paths the page's forms post to. */
  readonly actions: { readonly verify: string, readonly revoke: string, readonly resend: string }
  /** Where people start a new sign-in. */
  readonly loginUrl: string
}

/**
 * Everything `pages.render` is given: the page's data (`kind` tells the pages apart), and the
 * locale, brand and URLs to render it with. The HTML the plugin would send is in `html`: return
 * it, wrap it, or build your own.
 */
export type PageModel = PageView & PageContext & {
  /** The plugin's own HTML for this page. */
  readonly html: string
}
