import {
  type PageCommon,
  deviceHtml,
  errorHtml,
  escapeHtml,
  layout,
  routeUrl,
  timeHtml,
  tokenInput,
} from './layout.js'

/** Input of {@link sameBrowserPage}. */
export interface SameBrowserPageInput extends PageCommon {
  /** The link token, posted back in the body. */
  token: string
  /** The address the link was sent to. */
  email: string
}

/** Input of {@link otherBrowserPage}. */
export interface OtherBrowserPageInput extends PageCommon {
  /** The link token, posted back in the body. */
  token: string
  /** The requester's browser and OS as parsed from its User-Agent, e.g. "Firefox on Linux". */
  device: string
  /** When the sign-in was requested. */
  requestedAt: Date
  /** Why the last attempt failed, e.g. "That code is not right." */
  error?: string
  /** Code attempts left on this flow, shown next to `error`. */
  attemptsLeft?: number
  /** Clock for "N minutes ago"; defaults to the current time. */
  now?: Date
}

/**
 * `GET /verify` in the browser that asked (it holds the flow's binding cookie). Opening the link
 * changes nothing; only the button posts (SECURITY.md T4).
 */
export function sameBrowserPage (c: SameBrowserPageInput): string {
  return layout(c, 'Sign in', [
    `<p>Sign in to ${escapeHtml(c.appName)} as <strong>${escapeHtml(c.email)}</strong>.</p>`,
    '<p class="muted">Only continue if you just started a sign-in.</p>',
    `<form method="post" action="${escapeHtml(routeUrl(c.prefix, 'verify'))}">`,
    tokenInput(c.token),
    '<button type="submit">Sign in</button></form>',
  ].join('\n'))
}

// "That code is not right. 3 attempts left." on one line.
function codeError (error: string | undefined, attemptsLeft: number | undefined): string {
  const left = attemptsLeft === undefined ? '' : `${attemptsLeft} ${attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`
  return [error ?? '', left].filter((s) => s !== '').join(' ')
}

/**
 * `GET /verify` in another browser: approval needs the code shown on the asking screen, so a
 * scanner or a victim clicking an attacker's link cannot approve (SECURITY.md T5, T6). There is
 * deliberately no "deny" button: scanners click buttons, and one would kill real logins (T4).
 */
export function otherBrowserPage (c: OtherBrowserPageInput): string {
  return layout(c, 'Approve sign-in on another device?', [
    `<p>A sign-in to ${escapeHtml(c.appName)} was requested from ${deviceHtml(c.device)} ` +
      `at ${timeHtml(c.requestedAt, c.now)}.</p>`,
    `<p class="note">Didn't ask for this? Do nothing: no one gets in without the code on the screen that asked.</p>`,
    '<p>If it was you, type the code shown on the screen where you asked to sign in.</p>',
    errorHtml(codeError(c.error, c.attemptsLeft)),
    `<form method="post" action="${escapeHtml(routeUrl(c.prefix, 'verify'))}">`,
    tokenInput(c.token),
    '<label for="code">Code from the other screen</label>',
    '<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" ' +
      'autocapitalize="characters" spellcheck="false" maxlength="7" required>',
    '<button type="submit">Approve</button></form>',
  ].join('\n'))
}

/** Input of {@link invitePage}. */
export interface InvitePageInput extends PageCommon {
  /** The link token, posted back in the body. */
  token: string
  /** Why the last attempt failed. */
  error?: string
}

/**
 * `GET /verify` of an invitation (`app.magicLink.createLink`): there is no asking browser, so the
 * person proves the address the link was sent to by typing it, which a scanner that clicks
 * buttons cannot do (SECURITY.md T4, T5).
 */
export function invitePage (c: InvitePageInput): string {
  return layout(c, `Sign in to ${c.appName}`, [
    '<p>Type the email address this invitation was sent to, then sign in.</p>',
    errorHtml(c.error),
    `<form method="post" action="${escapeHtml(routeUrl(c.prefix, 'verify'))}">`,
    tokenInput(c.token),
    '<label for="email">Your email address</label>',
    '<input id="email" name="email" type="email" autocomplete="email" required>',
    '<button type="submit">Sign in</button></form>',
  ].join('\n'))
}
