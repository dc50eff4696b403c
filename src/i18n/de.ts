import type { MagicLinkMessages } from './types.js'

/**
 * German (Deutsch). Formal "Sie" throughout. `{device}` always follows a dative preposition
 * ("mit", "in", "von"), so `device.unknownBrowser` is in the dative ("einem unbekannten Browser").
 */
export const de = {
  // A device, from a fixed vocabulary of browser and system names.
  'device.browserOnSystem': '{browser} unter {system}',
  'device.unknownBrowser': 'einem unbekannten Browser',

  // Times: relative when recent, otherwise the date in words (`{date}` is localized by Intl).
  'time.justNow': 'gerade eben',
  'time.at': 'am {date}',

  // Shared by every page.
  'page.startAgain': 'Erneut anmelden',
  'page.backTo': 'Zurück zu {app}',
  'page.support': 'Benötigen Sie Hilfe? Wenden Sie sich an den Support',
  'page.emailLabel': 'Ihre E-Mail-Adresse',
  'page.emailMalformed': 'Das sieht nicht nach einer E-Mail-Adresse aus. Bitte prüfen Sie Ihre Eingabe und versuchen Sie es erneut.',

  // The link opened in the browser that asked for it.
  'sameBrowser.title': 'Bei {app} anmelden',
  'sameBrowser.text': 'Sie melden sich als {email} bei {app} an.',
  'sameBrowser.hint': 'Fahren Sie nur fort, wenn Sie die Anmeldung gerade selbst angefordert haben.',
  'sameBrowser.button': 'Anmelden',

  // The link opened in another browser: approval needs the code shown where the sign-in began.
  'otherBrowser.title': 'Auf Ihrem anderen Gerät anmelden?',
  'otherBrowser.text': 'Jemand hat {when} mit {device} eine Anmeldung bei {app} angefordert.',
  'otherBrowser.safe': 'Sie haben das nicht angefordert? Dann tun Sie einfach nichts. Ohne den Code, der dort angezeigt wird, wo die Anmeldung angefordert wurde, kann sich niemand anmelden.',
  'otherBrowser.instruction': 'Wenn Sie das waren, geben Sie den Code ein, der dort angezeigt wird, wo Sie die Anmeldung angefordert haben.',
  'otherBrowser.label': 'Code vom anderen Bildschirm',
  'otherBrowser.button': 'Anmeldung bestätigen',
  'code.required': 'Bitte geben Sie den Code ein, der dort angezeigt wird, wo Sie die Anmeldung angefordert haben.',
  'code.malformed': 'Das ist kein Code vom Anmeldebildschirm. Er sieht so aus: ABC-DEF.',
  'code.wrong': 'Der Code stimmt nicht.',
  'code.attemptsLeft': { one: 'Sie haben noch {count} Versuch.', other: 'Sie haben noch {count} Versuche.' },

  // Only the asking browser may use the link (`crossDevice: 'off'`).
  'sameBrowserOnly.title': 'Öffnen Sie diesen Link dort, wo Sie ihn angefordert haben',
  'sameBrowserOnly.text': 'Zu Ihrer Sicherheit funktioniert dieser Link nur in dem Browser, in dem Sie die Anmeldung angefordert haben.',

  // An invitation: the person proves the address by typing it.
  'invite.title': 'Bei {app} anmelden',
  'invite.text': 'Geben Sie die E-Mail-Adresse ein, an die diese Einladung gesendet wurde, und melden Sie sich dann an.',
  'invite.button': 'Anmelden',
  'invite.mismatch': 'Diese Adresse gehört nicht zu dieser Einladung.',

  // Links that no longer work.
  'expired.title': 'Dieser Link ist abgelaufen',
  'expired.text': 'Anmeldelinks sind nur wenige Minuten gültig. Fordern Sie einen neuen an und verwenden Sie ihn sofort.',
  'superseded.title': 'Dieser Link wurde ersetzt',
  'superseded.text': 'Nach diesem Link wurde ein neuerer Anmeldelink verschickt, deshalb funktioniert dieser nicht mehr. Verwenden Sie den Link aus der neuesten E-Mail oder fordern Sie einen neuen an.',
  'unknown.title': 'Dieser Link ist ungültig',
  'unknown.text': 'Möglicherweise wurde beim Kopieren ein Teil davon abgeschnitten. Melden Sie sich erneut an, um einen neuen Link zu erhalten.',
  'denied.title': 'Diese Anmeldung wurde abgebrochen',
  'denied.text': 'Für diesen Link wurden zu oft falsche Codes eingegeben. Melden Sie sich erneut an, um einen neuen Link zu erhalten.',
  'resend.button': 'Neuen Link senden',
  'resend.title': 'Prüfen Sie Ihre E-Mails',
  'resend.text': 'Wir haben einen neuen Anmeldelink an {email} gesendet. Öffnen Sie ihn auf diesem Gerät, um sich anzumelden.',
  'resend.hint': 'Das kann etwa eine Minute dauern. Falls keine E-Mail ankommt, sehen Sie bitte in Ihrem Spam-Ordner nach.',

  // A link that was already used.
  'used.title': 'Dieser Link wurde bereits verwendet',
  'used.text': 'Er wurde {when} in {device} geöffnet.',
  'used.live': 'Die damit gestartete Sitzung ist in {device} noch aktiv.',
  'used.ended': 'Die damit gestartete Sitzung ist beendet.',
  'used.ifYou': 'Wenn Sie das waren, müssen Sie nichts weiter tun.',
  'used.notYou': 'Sie waren das nicht? Dann melden Sie diese Sitzung ab.',
  'used.why': 'Geben Sie die E-Mail-Adresse ein, an die dieser Link gesendet wurde. Diese Abfrage verhindert, dass automatische Link-Scanner, die Schaltflächen anklicken, jemanden abmelden.',
  'used.button': 'Diese Sitzung abmelden',
  'used.mismatch': 'Diese Adresse gehört nicht zu diesem Link.',

  // After a cross-device approval: this browser gets no session.
  'approved.title': 'Bestätigt. Kehren Sie zu Ihrem anderen Gerät zurück',
  'approved.text': 'Die Anmeldung mit {device} ist bestätigt. Fahren Sie auf dem anderen Gerät fort.',
  'approved.hint': 'Auf diesem Gerät sind Sie nicht angemeldet. Sie können diese Seite schließen.',

  // After "Sign that session out".
  'revoked.title': 'Die Sitzung wurde abgemeldet',
  'revoked.text': 'Die mit diesem Link gestartete Sitzung ist beendet.',
  'revoked.advice': 'Wenn Sie diesen Link nicht angefordert haben, kann möglicherweise jemand anderes Ihre E-Mails lesen. Ändern Sie das Passwort Ihres E-Mail-Kontos.',
  'revoked.button': 'Anmelden',

  // Page versions of the errors.
  'error.badRequest.title': 'Etwas ist schiefgelaufen',
  'error.badRequest.text': 'Diese Seite wurde unvollständig oder unterwegs verändert übermittelt. Beginnen Sie bitte noch einmal auf der Anmeldeseite.',
  'error.forbidden.title': 'Diese Anfrage wurde blockiert',
  'error.forbidden.text': 'Sie kam von einer anderen Website. Wenn Sie sich gerade anmelden wollten, beginnen Sie bitte noch einmal auf der Anmeldeseite.',
  'error.rateLimited.title': 'Zu viele Versuche',
  'error.rateLimited.text': 'Zu Ihrer Sicherheit ist die Anmeldung aus diesem Netzwerk vorübergehend ausgesetzt. Versuchen Sie es {retry} erneut.',
  'error.unavailable.title': 'Anmeldung derzeit nicht möglich',
  'error.unavailable.text': 'Wir konnten den Anmeldedienst nicht erreichen. Warten Sie einen Moment und versuchen Sie es dann erneut.',
  'error.internal.title': 'Bei uns ist etwas schiefgelaufen',
  'error.internal.text': 'Ihr Link funktioniert möglicherweise noch. Warten Sie einen Moment und öffnen Sie ihn dann erneut.',

  // The sign-in mail.
  'mail.login.subject': 'Ihr Anmeldelink für {app}',
  'mail.login.intro': 'Jemand hat eine Anmeldung bei {app} als {email} angefordert.',
  'mail.login.requested': 'Die Anfrage kam {when} von {device}.',
  'mail.login.open': 'Öffnen Sie diesen Link, um sich anzumelden:',
  'mail.login.button': 'Anmelden',
  'mail.login.orLink': 'Oder öffnen Sie diesen Link:',
  'mail.login.code': 'Oder geben Sie diesen Code dort ein, wo Sie die Anmeldung angefordert haben:',
  'mail.login.lifetime': 'Link und Code sind nur einmal verwendbar und laufen in {duration} ab.',
  'mail.login.lifetimeNoCode': 'Der Link ist nur einmal verwendbar und läuft in {duration} ab.',
  'mail.login.onlyYou': 'Fahren Sie nur fort, wenn Sie die Anmeldung gerade selbst angefordert haben. Geben Sie diesen Link und diesen Code niemals an andere weiter.',
  'mail.login.ignore': 'Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Ohne Zugriff auf Ihr Postfach kann sich niemand anmelden.',

  // The notice after a cross-device sign-in.
  'mail.notice.subject': 'Neue Anmeldung bei {app}',
  'mail.notice.text': 'Das Konto {email} wurde {when} mit {device} bei {app} angemeldet, nachdem ein Anmeldelink auf einem anderen Gerät bestätigt wurde.',
  'mail.notice.ok': 'Wenn Sie das waren, müssen Sie nichts weiter tun.',
  'mail.notice.notYou': 'Wenn Sie das nicht waren, melden Sie diese Sitzung sofort ab und geben Sie Anmeldecodes niemals an andere weiter.',
  'mail.notice.button': 'Ihre Sitzungen prüfen',

  // An address change: the confirmation sent to the new address.
  'mail.change.subject': 'Bestätigen Sie Ihre neue E-Mail-Adresse für {app}',
  'mail.change.intro': 'Jemand, der bei {app} angemeldet ist, hat angefordert, {email} als E-Mail-Adresse für sein Konto zu verwenden.',
  'mail.change.open': 'Öffnen Sie zur Bestätigung diesen Link in dem Browser, in dem Sie die Änderung angefordert haben:',
  'mail.change.button': 'Diese Adresse bestätigen',
  'mail.change.code': 'Oder geben Sie diesen Code dort ein, wo Sie die Änderung angefordert haben:',
  'mail.change.ignore': 'Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne Ihre Bestätigung ändert sich nichts.',

  // An address change to an address that already has an account.
  'mail.taken.subject': 'Hinweis zu Ihrer E-Mail-Adresse bei {app}',
  'mail.taken.text': 'Jemand, der bei {app} angemeldet ist, hat angefordert, {email} als E-Mail-Adresse für sein Konto zu verwenden. Zu dieser Adresse gibt es jedoch bereits ein eigenes Konto, daher wurde nichts geändert.',
  'mail.taken.ignore': 'Wenn Sie das waren, melden Sie sich stattdessen mit dieser Adresse an. Falls nicht, ignorieren Sie diese E-Mail.',

  // The notice to the old address after a change.
  'mail.changed.subject': 'Ihre E-Mail-Adresse bei {app} wurde geändert',
  'mail.changed.text': 'Die E-Mail-Adresse Ihres Kontos bei {app} wurde {when} in {email} geändert. Alle anderen Sitzungen dieses Kontos wurden abgemeldet.',
  'mail.changed.notYou': 'Wenn Sie diese Änderung nicht selbst vorgenommen haben, wenden Sie sich sofort an den Support. Über diese E-Mail kann niemand die Änderung rückgängig machen.',
  'mail.changed.button': 'Ihr Konto prüfen',

  'mail.support': 'Benötigen Sie Hilfe? Wenden Sie sich an den Support:',
} satisfies MagicLinkMessages
