import type { PluralForms } from './types.js'

/**
 * English: the reference catalog. It defines every key; each other locale `satisfies
 * MagicLinkMessages`, so a missing key fails the build. Placeholders are `{name}`; a value with
 * plural forms is an object keyed by `Intl.PluralRules` categories (`other` is required).
 *
 * Placeholders the plugin fills: `{app}` the brand name, `{email}` the address, `{device}` a
 * device description (see the `device.*` keys), `{when}` a time phrase (`time.*`), `{duration}`
 * a length of time ("10 minutes"), `{retry}` a wait ("in 12 minutes"), `{count}` a number.
 */
export const en = {
  // A device, from a fixed vocabulary of browser and system names.
  'device.browserOnSystem': '{browser} on {system}',
  'device.unknownBrowser': 'an unknown browser',

  // Times: relative when recent, otherwise the date in words (`{date}` is localized by Intl).
  'time.justNow': 'just now',
  'time.at': 'on {date}',

  // Shared by every page.
  'page.startAgain': 'Start again',
  'page.backTo': 'Back to {app}',
  'page.support': 'Need help? Contact support',
  'page.emailLabel': 'Your email address',
  'page.emailMalformed': 'That doesn’t look like an email address. Check it and try again.',

  // The link opened in the browser that asked for it.
  'sameBrowser.title': 'Sign in to {app}',
  'sameBrowser.text': 'You’re signing in to {app} as {email}.',
  'sameBrowser.hint': 'Only continue if you just asked to sign in.',
  'sameBrowser.button': 'Sign in',

  // The link opened in another browser: approval needs the code shown where the sign-in began.
  'otherBrowser.title': 'Sign in on your other device?',
  'otherBrowser.text': 'Someone asked to sign in to {app} {when} from {device}.',
  'otherBrowser.safe': 'Didn’t ask for this? Do nothing. No one gets in without the code shown on the screen that asked.',
  'otherBrowser.instruction': 'If it was you, type the code shown on the screen where you asked to sign in.',
  'otherBrowser.label': 'Code from the other screen',
  'otherBrowser.button': 'Approve sign-in',
  'code.required': 'Type the code shown on the screen where you asked to sign in.',
  'code.malformed': 'That isn’t a code from the sign-in screen. It looks like ABC-DEF.',
  'code.wrong': 'That code isn’t right.',
  'code.attemptsLeft': { one: 'You have {count} try left.', other: 'You have {count} tries left.' },

  // Only the asking browser may use the link (`crossDevice: 'off'`).
  'sameBrowserOnly.title': 'Open this link where you asked for it',
  'sameBrowserOnly.text': 'For your safety, this link only works in the browser where you asked to sign in.',

  // An invitation: the person proves the address by typing it.
  'invite.title': 'Sign in to {app}',
  'invite.text': 'Type the email address this invitation was sent to, then sign in.',
  'invite.button': 'Sign in',
  'invite.mismatch': 'That address doesn’t match this invitation.',

  // Links that no longer work.
  'expired.title': 'This link has expired',
  'expired.text': 'Sign-in links only work for a few minutes. Ask for a new one and use it right away.',
  'superseded.title': 'This link was replaced',
  'superseded.text': 'A newer sign-in link was sent after this one, so this one no longer works. Use the link in the newest email, or ask for a new one.',
  'unknown.title': 'This link isn’t valid',
  'unknown.text': 'Part of it may have been cut off when it was copied. Start again to get a new one.',
  'denied.title': 'This sign-in was stopped',
  'denied.text': 'Too many wrong codes were typed for this link. Start again to get a new one.',
  'resend.button': 'Send a new link',
  'resend.title': 'Check your email',
  'resend.text': 'A new sign-in link is on its way to {email}. Open it on this device to sign in.',
  'resend.hint': 'It can take a minute to arrive. If it doesn’t, look in your spam folder.',

  // A link that was already used.
  'used.title': 'This link was already used',
  'used.text': 'It was opened {when}, in {device}.',
  'used.live': 'The session it started is still signed in on {device}.',
  'used.ended': 'The session it started has ended.',
  'used.ifYou': 'If that was you, there’s nothing to do.',
  'used.notYou': 'Not you? Sign that session out.',
  'used.why': 'Type the email address this link was sent to. Asking for it stops automatic link scanners, which click buttons, from signing anyone out.',
  'used.button': 'Sign that session out',
  'used.mismatch': 'That address doesn’t match this link.',

  // After a cross-device approval: this browser gets no session.
  'approved.title': 'Approved. Go back to your other device',
  'approved.text': 'The sign-in from {device} is approved. Go back to that device to continue.',
  'approved.hint': 'You’re not signed in on this device. You can close this page.',

  // After "Sign that session out".
  'revoked.title': 'That session is signed out',
  'revoked.text': 'The session this link started has ended.',
  'revoked.advice': 'If you didn’t ask for this link, someone else may be able to read your email. Change your email password.',
  'revoked.button': 'Sign in',

  // Page versions of the errors.
  'error.badRequest.title': 'Something went wrong',
  'error.badRequest.text': 'This page was sent incomplete or changed on the way. Start again from the sign-in page.',
  'error.forbidden.title': 'This request was blocked',
  'error.forbidden.text': 'It came from another site. If you were signing in, start again from the sign-in page.',
  'error.rateLimited.title': 'Too many attempts',
  'error.rateLimited.text': 'For your safety, sign-in is paused for this network. Try again {retry}.',
  'error.unavailable.title': 'Sign-in is unavailable',
  'error.unavailable.text': 'We couldn’t reach the sign-in service. Wait a moment, then try again.',
  'error.internal.title': 'Something went wrong on our side',
  'error.internal.text': 'Your link may still work. Wait a moment, then open it again.',

  // The sign-in mail.
  'mail.login.subject': 'Sign in to {app}',
  'mail.login.intro': 'Someone asked to sign in to {app} as {email}.',
  'mail.login.requested': 'Requested {when} from {device}.',
  'mail.login.open': 'Open this link to sign in:',
  'mail.login.button': 'Sign in',
  'mail.login.orLink': 'Or open this link:',
  'mail.login.code': 'Or type this code on the screen where you asked to sign in:',
  'mail.login.lifetime': 'The link and the code work once and expire in {duration}.',
  'mail.login.lifetimeNoCode': 'The link works once and expires in {duration}.',
  'mail.login.onlyYou': 'Only continue if you just asked to sign in yourself. Never share this link or code with anyone.',
  'mail.login.ignore': 'If this wasn’t you, ignore this email: no one can sign in without access to your mailbox.',

  // The notice after a cross-device sign-in.
  'mail.notice.subject': 'New sign-in to {app}',
  'mail.notice.text': '{email} was signed in to {app} {when} on {device}, after a sign-in link was approved from another device.',
  'mail.notice.ok': 'If this was you, there’s nothing to do.',
  'mail.notice.notYou': 'If it wasn’t you, sign that session out now, and never share sign-in codes with anyone.',
  'mail.notice.button': 'Review your sessions',

  // An address change: the confirmation sent to the new address.
  'mail.change.subject': 'Confirm your new address for {app}',
  'mail.change.intro': 'Someone signed in to {app} asked to use {email} as the account’s address.',
  'mail.change.open': 'To confirm, open this link in the browser where you asked for the change:',
  'mail.change.button': 'Confirm this address',
  'mail.change.code': 'Or type this code on the screen where you asked for the change:',
  'mail.change.ignore': 'If you didn’t ask for this, ignore this email: nothing changes without it.',

  // An address change to an address that already has an account.
  'mail.taken.subject': 'About your address at {app}',
  'mail.taken.text': 'Someone signed in to {app} asked to use {email} for their account, but this address already has an account of its own. Nothing was changed.',
  'mail.taken.ignore': 'If that was you, sign in with this address instead. If not, ignore this email.',

  // The notice to the old address after a change.
  'mail.changed.subject': 'Your address at {app} was changed',
  'mail.changed.text': 'The address of your {app} account was changed to {email} {when}. Every other session of the account was signed out.',
  'mail.changed.notYou': 'If you didn’t make this change, contact support right away. No one can undo it from this email.',
  'mail.changed.button': 'Review your account',

  'mail.support': 'Need help? Contact support:',
} satisfies Record<string, string | PluralForms>
