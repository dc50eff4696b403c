/**
 * Every sentence of the own-page example, in English and German. The server renders the pages
 * from it (picked by `Accept-Language`) and the browser scripts, which bundle this file, fill in
 * the sentences that depend on the link's state.
 *
 * Placeholders are `{name}`. In the pages, a placeholder is either filled on the server
 * (`{app}`) or becomes an empty element the script fills (`{email}`, `{code}`), so each
 * language keeps its own word order. A value with plural forms is keyed by `Intl.PluralRules`
 * categories (`other` is required).
 */

/** The app's name: a name, not a sentence, so it is not translated. */
export const APP_NAME = 'Kestrel'

export interface PluralForms {
  zero?: string
  one?: string
  two?: string
  few?: string
  many?: string
  other: string
}

export type Message = string | PluralForms

export const en = {
  // Shared.
  'brand.tagline': 'Notes for teams',
  'page.noscript': 'This page needs JavaScript to read your sign-in link. Turn it on, then open the link again.',
  'page.startAgain': 'Ask for a new link',
  'page.retry': 'Try again',
  'device.browserOnSystem': '{browser} on {system}',
  'device.unknown': 'Unknown browser',
  'time.justNow': 'just now',

  // The sign-in page (`/`).
  'ask.docTitle': 'Sign in',
  'ask.title': 'Sign in to {app}',
  'ask.lead': 'No password needed: we email you a link.',
  'ask.label': 'Email address',
  'ask.button': 'Email me a link',
  'ask.invalid': 'Type your email address.',
  'wait.title': 'Check your email',
  'wait.text': 'We sent a link to {email}. Open it on this device, or on your phone.',
  'wait.codeLabel': 'If you open it on another device, type this code there:',
  'wait.status': 'Waiting for the link to be opened…',
  'wait.done': 'Signed in. One moment…',
  'wait.over': 'This sign-in has ended. Ask for a new link.',
  'wait.restart': 'Use another address',
  'dev.note': 'Development mode: no mail leaves this machine. Read it in the {outbox}.',
  'dev.outbox': 'outbox',

  // The app's own verify page (`/login/verify#token=…`).
  'verify.docTitle': 'Your sign-in link',
  'loading.text': 'Checking your link…',
  'fact.account': 'Account',
  'fact.requested': 'Asked',
  'fact.device': 'From',
  'fact.usedAt': 'Used',
  'fact.usedDevice': 'By',

  'signin.title': 'Welcome back',
  'signin.text': 'You asked for this link in this browser. Sign in to continue to {app}.',
  'signin.button': 'Sign in',
  'signin.busy': 'Signing you in…',

  'code.title': 'Approve a sign-in on another device?',
  'code.text': 'This link was opened somewhere other than where the sign-in was asked for. If that was you, type the code shown on that screen.',
  'code.label': 'Code from the other screen',
  'code.button': 'Approve',
  'code.busy': 'Checking…',
  'code.ignore': 'Didn’t ask for this? Just close this page. Nobody gets in without that code.',
  'code.malformed': 'The code has six letters and looks like ABC-DEF.',
  'code.wrong': { one: 'That code isn’t right. {count} try left.', other: 'That code isn’t right. {count} tries left.' },

  'approved.title': 'Approved',
  'approved.text': 'Go back to your other device: it is signing in now.',
  'approved.note': 'You are not signed in on this device.',

  'invite.title': 'You’re invited to {app}',
  'invite.text': 'Type the email address this invitation was sent to.',
  'invite.label': 'Email address',
  'invite.button': 'Continue',
  'invite.mismatch': 'That is not the address this invitation was sent to.',

  'elsewhere.title': 'Open this link where you asked for it',
  'elsewhere.text': 'For your safety, this link only works in the browser where you asked to sign in.',

  'expired.title': 'This link has expired',
  'expired.text': 'Sign-in links work for a few minutes only. We can send a fresh one to the same address.',
  'superseded.title': 'A newer link was sent',
  'superseded.text': 'Only the newest link works. Use the latest email, or get a fresh link here.',
  'resend.button': 'Send a new link',
  'resend.busy': 'Sending…',

  'resent.title': 'Check your email',
  'resent.text': 'A new link is on its way to {email}. Open it on this device, or on your phone.',
  'resent.codeLabel': 'If you open it on another device, type this code there:',

  'used.title': 'This link was already used',
  'used.text': 'Each link works once.',
  'used.notYou': 'Wasn’t you? Sign in and choose “Sign out everywhere” on your account page.',

  'denied.title': 'This sign-in was stopped',
  'denied.text': 'Too many wrong codes were typed. Nobody was signed in with this link.',

  'unknown.title': 'This link doesn’t work',
  'unknown.text': 'It may be cut off, or it is not one of ours. Ask for a new link and open it from the email.',

  'error.title': 'Something went wrong',
  'error.network': 'We couldn’t reach the server. Check your connection and try again.',
  'error.generic': 'Please try again in a moment.',
  'error.rateLimited': { one: 'Too many tries. Try again in {count} minute.', other: 'Too many tries. Try again in {count} minutes.' },

  // The signed-in page (`/account`).
  'account.docTitle': 'Your account',
  'account.title': 'You’re signed in',
  'account.text': 'Signed in as {email}.',
  'account.logout': 'Sign out',
  'account.logoutAll': 'Sign out everywhere',

  // The development outbox (`/outbox`).
  'outbox.docTitle': 'Outbox',
  'outbox.title': 'Outbox',
  'outbox.text': 'Mails the app would have sent, newest first. Open a link in this browser to sign in here, or in a private window to try another device.',
  'outbox.empty': 'No mail yet.',
  'outbox.to': 'To {email}',
  'outbox.back': 'Sign-in page',
} satisfies Record<string, Message>

export type MessageKey = keyof typeof en
export type Catalog = Record<MessageKey, Message>

/** German. Formal "Sie". */
export const de: Catalog = {
  'brand.tagline': 'Notizen für Teams',
  'page.noscript': 'Diese Seite braucht JavaScript, um Ihren Anmeldelink zu lesen. Schalten Sie es ein und öffnen Sie den Link erneut.',
  'page.startAgain': 'Neuen Link anfordern',
  'page.retry': 'Erneut versuchen',
  'device.browserOnSystem': '{browser} unter {system}',
  'device.unknown': 'Unbekannter Browser',
  'time.justNow': 'gerade eben',

  'ask.docTitle': 'Anmelden',
  'ask.title': 'Bei {app} anmelden',
  'ask.lead': 'Kein Passwort nötig: Wir schicken Ihnen einen Link.',
  'ask.label': 'E-Mail-Adresse',
  'ask.button': 'Link per E-Mail senden',
  'ask.invalid': 'Geben Sie Ihre E-Mail-Adresse ein.',
  'wait.title': 'Sehen Sie in Ihr Postfach',
  'wait.text': 'Wir haben einen Link an {email} geschickt. Öffnen Sie ihn auf diesem Gerät oder auf Ihrem Telefon.',
  'wait.codeLabel': 'Öffnen Sie ihn auf einem anderen Gerät, geben Sie dort diesen Code ein:',
  'wait.status': 'Warten, bis der Link geöffnet wird …',
  'wait.done': 'Angemeldet. Einen Moment …',
  'wait.over': 'Diese Anmeldung ist beendet. Fordern Sie einen neuen Link an.',
  'wait.restart': 'Andere Adresse verwenden',
  'dev.note': 'Entwicklungsmodus: Keine E-Mail verlässt diesen Rechner. Lesen Sie sie im {outbox}.',
  'dev.outbox': 'Postausgang',

  'verify.docTitle': 'Ihr Anmeldelink',
  'loading.text': 'Ihr Link wird geprüft …',
  'fact.account': 'Konto',
  'fact.requested': 'Angefordert',
  'fact.device': 'Von',
  'fact.usedAt': 'Verwendet',
  'fact.usedDevice': 'Mit',

  'signin.title': 'Willkommen zurück',
  'signin.text': 'Sie haben diesen Link in diesem Browser angefordert. Melden Sie sich an, um zu {app} zu gelangen.',
  'signin.button': 'Anmelden',
  'signin.busy': 'Anmeldung läuft …',

  'code.title': 'Anmeldung auf einem anderen Gerät bestätigen?',
  'code.text': 'Dieser Link wurde nicht dort geöffnet, wo die Anmeldung angefordert wurde. Wenn Sie das waren, geben Sie den Code ein, der auf jenem Bildschirm steht.',
  'code.label': 'Code vom anderen Bildschirm',
  'code.button': 'Bestätigen',
  'code.busy': 'Wird geprüft …',
  'code.ignore': 'Nicht angefordert? Schließen Sie einfach diese Seite. Ohne den Code kommt niemand hinein.',
  'code.malformed': 'Der Code hat sechs Buchstaben und sieht so aus: ABC-DEF.',
  'code.wrong': { one: 'Dieser Code stimmt nicht. Noch {count} Versuch.', other: 'Dieser Code stimmt nicht. Noch {count} Versuche.' },

  'approved.title': 'Bestätigt',
  'approved.text': 'Kehren Sie zu Ihrem anderen Gerät zurück: Dort werden Sie jetzt angemeldet.',
  'approved.note': 'Auf diesem Gerät sind Sie nicht angemeldet.',

  'invite.title': 'Sie sind zu {app} eingeladen',
  'invite.text': 'Geben Sie die E-Mail-Adresse ein, an die diese Einladung ging.',
  'invite.label': 'E-Mail-Adresse',
  'invite.button': 'Weiter',
  'invite.mismatch': 'An diese Adresse ging die Einladung nicht.',

  'elsewhere.title': 'Öffnen Sie den Link dort, wo Sie ihn angefordert haben',
  'elsewhere.text': 'Zu Ihrer Sicherheit funktioniert dieser Link nur in dem Browser, in dem Sie die Anmeldung angefordert haben.',

  'expired.title': 'Dieser Link ist abgelaufen',
  'expired.text': 'Anmeldelinks gelten nur wenige Minuten. Wir können einen neuen an dieselbe Adresse schicken.',
  'superseded.title': 'Es gibt einen neueren Link',
  'superseded.text': 'Nur der neueste Link funktioniert. Nutzen Sie die letzte E-Mail oder fordern Sie hier einen neuen Link an.',
  'resend.button': 'Neuen Link senden',
  'resend.busy': 'Wird gesendet …',

  'resent.title': 'Sehen Sie in Ihr Postfach',
  'resent.text': 'Ein neuer Link ist unterwegs an {email}. Öffnen Sie ihn auf diesem Gerät oder auf Ihrem Telefon.',
  'resent.codeLabel': 'Öffnen Sie ihn auf einem anderen Gerät, geben Sie dort diesen Code ein:',

  'used.title': 'Dieser Link wurde schon verwendet',
  'used.text': 'Jeder Link funktioniert nur einmal.',
  'used.notYou': 'Das waren nicht Sie? Melden Sie sich an und wählen Sie auf Ihrer Kontoseite „Überall abmelden“.',

  'denied.title': 'Diese Anmeldung wurde gestoppt',
  'denied.text': 'Es wurden zu oft falsche Codes eingegeben. Mit diesem Link wurde niemand angemeldet.',

  'unknown.title': 'Dieser Link funktioniert nicht',
  'unknown.text': 'Vielleicht ist er abgeschnitten oder stammt nicht von uns. Fordern Sie einen neuen Link an und öffnen Sie ihn aus der E-Mail.',

  'error.title': 'Etwas ist schiefgegangen',
  'error.network': 'Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  'error.generic': 'Bitte versuchen Sie es gleich noch einmal.',
  'error.rateLimited': { one: 'Zu viele Versuche. Versuchen Sie es in {count} Minute erneut.', other: 'Zu viele Versuche. Versuchen Sie es in {count} Minuten erneut.' },

  'account.docTitle': 'Ihr Konto',
  'account.title': 'Sie sind angemeldet',
  'account.text': 'Angemeldet als {email}.',
  'account.logout': 'Abmelden',
  'account.logoutAll': 'Überall abmelden',

  'outbox.docTitle': 'Postausgang',
  'outbox.title': 'Postausgang',
  'outbox.text': 'E-Mails, die die App verschickt hätte, die neueste zuerst. Öffnen Sie einen Link in diesem Browser, um sich hier anzumelden, oder in einem privaten Fenster, um ein anderes Gerät auszuprobieren.',
  'outbox.empty': 'Noch keine E-Mail.',
  'outbox.to': 'An {email}',
  'outbox.back': 'Anmeldeseite',
}

export const catalogs = { en, de } as const satisfies Record<string, Catalog>
export type Locale = keyof typeof catalogs
export const LOCALES = Object.keys(catalogs) as Locale[]
export const DEFAULT_LOCALE: Locale = 'en'
