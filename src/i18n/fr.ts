import type { MagicLinkMessages } from './types.js'

/**
 * French (français). Formal "vous"; French typography: a narrow no-break space (U+202F) before
 * question marks, exclamation marks, colons and semicolons, and the typographic apostrophe.
 */
export const fr = {
  // A device, from a fixed vocabulary of browser and system names.
  'device.browserOnSystem': '{browser} sous {system}',
  'device.unknownBrowser': 'un navigateur inconnu',

  // Times: relative when recent, otherwise the date in words (`{date}` is localized by Intl).
  'time.justNow': 'à l’instant',
  'time.at': 'le {date}',

  // Shared by every page.
  'page.startAgain': 'Recommencer',
  'page.backTo': 'Retour à {app}',
  'page.support': 'Besoin d’aide ? Contactez l’assistance',
  'page.emailLabel': 'Votre adresse e-mail',
  'page.emailMalformed': 'Cette adresse e-mail ne semble pas valide. Vérifiez-la et réessayez.',

  // The link opened in the browser that asked for it.
  'sameBrowser.title': 'Connexion à {app}',
  'sameBrowser.text': 'Vous vous connectez à {app} avec l’adresse {email}.',
  'sameBrowser.hint': 'Ne continuez que si vous venez de demander à vous connecter.',
  'sameBrowser.button': 'Se connecter',

  // The link opened in another browser: approval needs the code shown where the sign-in began.
  'otherBrowser.title': 'Vous connecter sur votre autre appareil ?',
  'otherBrowser.text': 'Quelqu’un a demandé à se connecter à {app} {when} depuis {device}.',
  'otherBrowser.safe': 'Vous n’avez rien demandé ? Ne faites rien. Personne ne peut se connecter sans le code affiché sur l’écran d’où vient la demande.',
  'otherBrowser.instruction': 'Si c’était vous, saisissez le code affiché sur l’écran où vous avez demandé à vous connecter.',
  'otherBrowser.label': 'Code affiché sur l’autre écran',
  'otherBrowser.button': 'Autoriser la connexion',
  'code.required': 'Saisissez le code affiché sur l’écran où vous avez demandé à vous connecter.',
  'code.malformed': 'Ce n’est pas un code de l’écran de connexion. Il se présente ainsi : ABC-DEF.',
  'code.wrong': 'Ce code est incorrect.',
  'code.attemptsLeft': { one: 'Il vous reste {count} essai.', many: 'Il vous reste {count} essais.', other: 'Il vous reste {count} essais.' },

  // Only the asking browser may use the link (`crossDevice: 'off'`).
  'sameBrowserOnly.title': 'Ouvrez ce lien là où vous l’avez demandé',
  'sameBrowserOnly.text': 'Pour votre sécurité, ce lien ne fonctionne que dans le navigateur depuis lequel vous avez demandé à vous connecter.',

  // An invitation: the person proves the address by typing it.
  'invite.title': 'Connexion à {app}',
  'invite.text': 'Saisissez l’adresse e-mail à laquelle cette invitation a été envoyée, puis connectez-vous.',
  'invite.button': 'Se connecter',
  'invite.mismatch': 'Cette adresse ne correspond pas à cette invitation.',

  // Links that no longer work.
  'expired.title': 'Ce lien a expiré',
  'expired.text': 'Les liens de connexion ne sont valables que quelques minutes. Demandez-en un nouveau et utilisez-le aussitôt.',
  'superseded.title': 'Ce lien a été remplacé',
  'superseded.text': 'Un lien de connexion plus récent a été envoyé depuis, celui-ci ne fonctionne donc plus. Utilisez le lien du dernier e-mail reçu, ou demandez-en un nouveau.',
  'unknown.title': 'Ce lien n’est pas valide',
  'unknown.text': 'Une partie du lien a peut-être été coupée lors de la copie. Recommencez pour en obtenir un nouveau.',
  'denied.title': 'Cette connexion a été interrompue',
  'denied.text': 'Trop de codes erronés ont été saisis pour ce lien. Recommencez pour en obtenir un nouveau.',
  'resend.button': 'Envoyer un nouveau lien',
  'resend.title': 'Consultez votre boîte de réception',
  'resend.text': 'Un nouveau lien de connexion vient d’être envoyé à {email}. Ouvrez-le sur cet appareil pour vous connecter.',
  'resend.hint': 'Il peut mettre une minute à arriver. S’il n’arrive pas, vérifiez vos courriers indésirables.',

  // A link that was already used.
  'used.title': 'Ce lien a déjà été utilisé',
  'used.text': 'Il a été ouvert {when} dans {device}.',
  'used.live': 'La session ouverte avec ce lien est toujours active dans {device}.',
  'used.ended': 'La session ouverte avec ce lien a pris fin.',
  'used.ifYou': 'Si c’était vous, vous n’avez rien à faire.',
  'used.notYou': 'Ce n’était pas vous ? Déconnectez cette session.',
  'used.why': 'Saisissez l’adresse e-mail à laquelle ce lien a été envoyé. Cette vérification empêche les outils d’analyse automatique des liens, qui cliquent sur les boutons, de déconnecter qui que ce soit.',
  'used.button': 'Déconnecter cette session',
  'used.mismatch': 'Cette adresse ne correspond pas à ce lien.',

  // After a cross-device approval: this browser gets no session.
  'approved.title': 'Connexion autorisée. Retournez sur votre autre appareil',
  'approved.text': 'La connexion depuis {device} est autorisée. Poursuivez sur cet autre appareil.',
  'approved.hint': 'Aucune session n’est ouverte sur cet appareil. Vous pouvez fermer cette page.',

  // After "Sign that session out".
  'revoked.title': 'Cette session a été déconnectée',
  'revoked.text': 'La session ouverte avec ce lien a pris fin.',
  'revoked.advice': 'Si vous n’avez pas demandé ce lien, quelqu’un d’autre pourrait avoir accès à vos e-mails. Changez le mot de passe de votre messagerie.',
  'revoked.button': 'Se connecter',

  // Page versions of the errors.
  'error.badRequest.title': 'Une erreur s’est produite',
  'error.badRequest.text': 'Cette page a été envoyée incomplète ou a été modifiée en cours de route. Recommencez depuis la page de connexion.',
  'error.forbidden.title': 'Cette demande a été bloquée',
  'error.forbidden.text': 'Elle provenait d’un autre site. Si vous étiez en train de vous connecter, recommencez depuis la page de connexion.',
  'error.rateLimited.title': 'Trop de tentatives',
  'error.rateLimited.text': 'Pour votre sécurité, la connexion est temporairement suspendue pour ce réseau. Réessayez {retry}.',
  'error.unavailable.title': 'Connexion indisponible',
  'error.unavailable.text': 'Nous n’avons pas pu joindre le service de connexion. Patientez un instant, puis réessayez.',
  'error.internal.title': 'Une erreur s’est produite de notre côté',
  'error.internal.text': 'Votre lien fonctionne peut-être encore. Patientez un instant, puis rouvrez-le.',

  // The sign-in mail.
  'mail.login.subject': 'Connexion à {app}',
  'mail.login.intro': 'Quelqu’un a demandé à se connecter à {app} avec l’adresse {email}.',
  'mail.login.requested': 'Demande effectuée {when} depuis {device}.',
  'mail.login.open': 'Ouvrez ce lien pour vous connecter :',
  'mail.login.button': 'Se connecter',
  'mail.login.orLink': 'Ou ouvrez ce lien :',
  'mail.login.code': 'Ou saisissez ce code sur l’écran où vous avez demandé à vous connecter :',
  'mail.login.lifetime': 'Le lien et le code ne fonctionnent qu’une seule fois et expirent dans {duration}.',
  'mail.login.lifetimeNoCode': 'Le lien ne fonctionne qu’une seule fois et expire dans {duration}.',
  'mail.login.onlyYou': 'Ne continuez que si vous venez vous-même de demander à vous connecter. Ne communiquez jamais ce lien ni ce code à personne.',
  'mail.login.ignore': 'Si ce n’était pas vous, ignorez cet e-mail : personne ne peut se connecter sans accès à votre messagerie.',

  // The notice after a cross-device sign-in.
  'mail.notice.subject': 'Nouvelle connexion à {app}',
  'mail.notice.text': 'Une connexion à {app} avec l’adresse {email} a eu lieu {when} dans {device}, après qu’un lien de connexion a été autorisé depuis un autre appareil.',
  'mail.notice.ok': 'Si c’était vous, vous n’avez rien à faire.',
  'mail.notice.notYou': 'Si ce n’était pas vous, déconnectez cette session dès maintenant et ne communiquez jamais vos codes de connexion à personne.',
  'mail.notice.button': 'Vérifier vos sessions',

  // An address change: the confirmation sent to the new address.
  'mail.change.subject': 'Confirmez votre nouvelle adresse e-mail pour {app}',
  'mail.change.intro': 'Quelqu’un connecté à {app} a demandé à utiliser {email} comme adresse e-mail de son compte.',
  'mail.change.open': 'Pour confirmer, ouvrez ce lien dans le navigateur depuis lequel vous avez demandé la modification :',
  'mail.change.button': 'Confirmer cette adresse',
  'mail.change.code': 'Ou saisissez ce code sur l’écran où vous avez demandé la modification :',
  'mail.change.ignore': 'Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail : rien ne sera modifié sans votre confirmation.',

  // An address change to an address that already has an account.
  'mail.taken.subject': 'À propos de votre adresse e-mail sur {app}',
  'mail.taken.text': 'Quelqu’un connecté à {app} a demandé à utiliser {email} pour son compte, mais un compte existe déjà avec cette adresse. Aucune modification n’a été effectuée.',
  'mail.taken.ignore': 'Si c’était vous, connectez-vous plutôt avec cette adresse. Sinon, ignorez cet e-mail.',

  // The notice to the old address after a change.
  'mail.changed.subject': 'L’adresse e-mail de votre compte {app} a été modifiée',
  'mail.changed.text': 'L’adresse e-mail de votre compte {app} a été remplacée {when} par {email}. Toutes les autres sessions ouvertes sur ce compte ont été déconnectées.',
  'mail.changed.notYou': 'Si ce n’était pas vous, contactez immédiatement l’assistance. Personne ne peut annuler ce changement depuis cet e-mail.',
  'mail.changed.button': 'Vérifier votre compte',

  'mail.support': 'Besoin d’aide ? Contactez l’assistance :',
} satisfies MagicLinkMessages
