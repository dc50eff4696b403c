import {
  type PageCommon,
  deviceHtml,
  errorHtml,
  escapeHtml,
  layout,
  routeUrl,
  startAgainHtml,
  timeHtml,
  tokenInput,
} from './layout.js'

/** Why a link no longer works. */
export type GoneReason = 'expired' | 'superseded' | 'unknown'

/** Input of {@link gonePage}. */
export interface GonePageInput extends PageCommon {
  reason: GoneReason
}

/** Input of {@link usedPage}. */
export interface UsedPageInput extends PageCommon {
  /** The link token, posted back to `/revoke` in the body. */
  token: string
  /** When the link was used. */
  usedAt: Date
  /** The device it was used from, e.g. "Firefox on Linux". */
  device: string
  /** Why the last revoke attempt failed, e.g. "That is not the address this link was sent to." */
  error?: string
  /** Clock for "N minutes ago"; defaults to the current time. */
  now?: Date
}

/** Input of {@link approvedPage}. */
export interface ApprovedPageInput extends PageCommon {
  /** The device that asked and now gets the session. */
  device: string
}

/** Input of {@link errorPage}. */
export interface ErrorPageInput extends PageCommon {
  title: string
  message: string
}

const GONE: Readonly<Record<GoneReason, readonly [title: string, text: string]>> = {
  expired: [
    'This link has expired',
    'Sign-in links work for a few minutes only. Start again to get a new one.',
  ],
  superseded: [
    'This link was replaced',
    'A newer sign-in link was sent after this one, so this one no longer works. ' +
      'Use the link in the newest email, or start again.',
  ],
  unknown: [
    'This link is not valid',
    'It may have been cut off when it was copied. Start again to get a new one.',
  ],
}

/** `410` for a link that is unknown, expired or replaced by a newer one. */
export function gonePage (c: GonePageInput): string {
  const [title, text] = GONE[c.reason] ?? GONE.unknown
  return layout(c, title, `<p>${escapeHtml(text)}</p>\n${startAgainHtml(c)}`)
}

/**
 * `409` for a link that was already used. Signing that session out needs the address typed in:
 * a scanner that clicks buttons does not type it, so it cannot sign anyone out (SECURITY.md T4, T5).
 */
export function usedPage (c: UsedPageInput): string {
  return layout(c, 'This link was already used', [
    `<p>It was used at ${timeHtml(c.usedAt, c.now)} from ${deviceHtml(c.device)}.</p>`,
    `<p>If that was you, there is nothing to do: go back to ${escapeHtml(c.appName)}.</p>`,
    '<p class="note">Not you? Sign that session out.</p>',
    '<p>Type the email address this link was sent to. Asking for it keeps automatic link ' +
      'scanners, which click buttons, from signing anyone out.</p>',
    errorHtml(c.error),
    `<form method="post" action="${escapeHtml(routeUrl(c.prefix, 'revoke'))}">`,
    tokenInput(c.token),
    '<label for="email">Your email address</label>',
    '<input id="email" name="email" type="email" autocomplete="email" required>',
    '<button type="submit">Sign that session out</button></form>',
  ].join('\n'))
}

/** `200` after a cross-device approval. This browser gets no session (SECURITY.md T5). */
export function approvedPage (c: ApprovedPageInput): string {
  return layout(c, 'Approved. Return to your other device', [
    `<p>The sign-in from ${deviceHtml(c.device)} is approved. Go back to that device: it continues there.</p>`,
    '<p class="muted">You are not signed in on this device. You can close this page.</p>',
  ].join('\n'))
}

/** `200` after `/revoke` signed the session of a used link out. */
export function revokedPage (c: PageCommon): string {
  return layout(c, 'That session has been signed out', [
    '<p>The session this link created has ended.</p>',
    '<p>If you did not ask for the link, someone may be able to read your email: ' +
      'change your email password.</p>',
    startAgainHtml(c, 'Sign in'),
  ].join('\n'))
}

/** Any other failure (`400`, `403`, …): what went wrong and a way to start again. */
export function errorPage (c: ErrorPageInput): string {
  return layout(c, c.title, `<p>${escapeHtml(c.message)}</p>\n${startAgainHtml(c)}`)
}
