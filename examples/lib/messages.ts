/**
 * Every sentence of the example's own pages and page scripts, in the seven languages the plugin
 * ships (its own pages and mails come from src/i18n). Each is written for that language: formal
 * "Sie" in German, "vous" in French, "tú" in Spanish and "você" in Brazilian Portuguese (as the
 * plugin's catalogs do), polite です/ます in Japanese, Modern Standard Arabic.
 *
 * The wrong-code sentences are the plugin's own (`code.wrong`, `code.attemptsLeft`), so the
 * mail-code field and the plugin's other-device page say it the same way.
 */
import type { FastifyRequest } from 'fastify'
import { matchLocale, messages as pluginMessages, parseAcceptLanguage } from '../../src/i18n/index.js'
import { type Message, type PageTexts, type PluralForms, translator, type Translate } from './text.js'

/** The languages of the example, as the switcher lists them. */
export const LOCALES = ['en', 'de', 'fr', 'es', 'pt-BR', 'ja', 'ar'] as const
export type Locale = typeof LOCALES[number]

/** Each language by its own name. */
export const LANGUAGE_NAMES: Readonly<Record<Locale, string>> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  'pt-BR': 'Português (Brasil)',
  ja: '日本語',
  ar: 'العربية',
}

/** The cookie the language switcher sets; the plugin reads it through `locale.resolve`. */
export const LANG_COOKIE = 'lang'

/** English: the reference. Every other catalog has exactly its keys. */
const en = {
  // Shared by every page.
  'nav.languages': 'Language',
  'nav.help': 'Help',
  'nav.signIn': 'Sign-in page',
  'title.login': 'Sign in',
  'title.app': 'Your account',
  'title.outbox': 'Outbox',
  'title.help': 'Help',

  // The login page.
  'login.heading': 'Sign in',
  'login.intro': 'No password. We email you a link and a code; any address can sign up.',
  'login.emailLabel': 'Email address',
  'login.emailPlaceholder': 'you@example.com',
  'login.button': 'Email me a sign-in link',
  'wait.heading': 'Check your mail',
  'wait.sentTo': 'We sent a link to {email}. Open it on this device, or on your phone.',
  'wait.matchIntro': 'On another device, the link asks for this code:',
  'wait.matchLabel': 'Code to type on the other device',
  'wait.waiting': 'Waiting for the link to be opened…',
  'wait.expires': 'The link and the code work for {duration}.',
  'wait.or': 'or',
  'wait.codeLabel': 'Type the 6-digit code from the mail',
  'wait.codeButton': 'Sign in with the code',
  'wait.restart': 'Start again with another address',
  'wait.startAgain': 'Start again',
  'dev.note': 'Development mode: no mail leaves this machine. Read it in the {outbox}.',
  'dev.outbox': 'outbox',

  // What the page scripts say when something fails.
  'error.emailEmpty': 'Type your email address.',
  'error.emailMalformed': 'That doesn’t look like an email address. Check it and try again.',
  'error.codeFormat': 'The code from the mail has 6 digits.',
  'error.codeCheckMail': 'Use the code from the newest mail.',
  'error.denied': 'This sign-in was stopped after too many wrong codes. Start again.',
  'error.expired': 'This sign-in has expired, or a newer link was sent. Start again.',
  'error.over': 'This sign-in is over. Start again.',
  'error.rateLimited': 'Too many attempts. Wait a few minutes, then try again.',
  'error.unavailable': 'Sign-in is unavailable right now. Wait a moment, then try again.',
  'error.network': 'Can’t reach the server. Check your connection and try again.',
  'error.generic': 'Something went wrong. Please try again.',
  'status.approved': 'Approved. Signing you in…',
  'status.otherTab': 'Signed in from another tab. Taking you there…',
  'status.codeAccepted': 'Code accepted. Signing you in…',

  // The signed-in page.
  'app.heading': 'You’re signed in',
  'app.as': 'as {email}',
  'app.expires': 'This session ends at the latest on {date}, sooner after a week without a visit.',
  'app.where': 'Where you’re signed in',
  'app.loading': 'Loading…',
  'app.signOut': 'Sign out',
  'app.signOutEverywhere': 'Sign out everywhere',
  'app.thisDevice': 'This device',
  'app.sessionTimes': 'Signed in {created} · last active {seen}',
  'app.justNow': 'just now',
  // A device from the plugin's fixed vocabulary ("Chrome on Linux"); product names stay.
  'device.on': '{browser} on {system}',
  'device.unknown': 'Unknown browser',

  // The signed-in page's sensitive action, and the fresh confirmation it asks for.
  'data.heading': 'Your data',
  'data.intro': 'Download a copy of what we keep about you: your email address and where you’re signed in. If you signed in more than {duration} ago, we first ask you to confirm it’s you.',
  'data.button': 'Download my data',
  'data.done': 'Downloaded as {file}.',
  'reauth.heading': 'Confirm it’s you',
  'reauth.why': 'For your security, downloading your data needs a sign-in within the last {duration}.',
  'reauth.codeButton': 'Confirm with the code',
  'reauth.cancel': 'Cancel',
  'reauth.confirmed': 'Confirmed. Downloading your data…',

  // The dev outbox.
  'outbox.brand': 'dev outbox',
  'outbox.intro': 'Mails the app would have sent, newest first (this page refreshes by itself). Open a link in this browser to sign in here, or in a private window to try the cross-device flow: it asks for the code shown on the sign-in page.',
  'outbox.to': 'To {to}',
  'outbox.code': 'Code:',
  'outbox.fullText': 'Full text',
  'outbox.empty': 'No mail yet. Ask for a link on the {signin}.',
  'outbox.signinLink': 'sign-in page',

  // The help page (the plugin's "Need help? Contact support" links here).
  'help.heading': 'Help with signing in',
  'help.how.title': 'How does signing in work?',
  'help.how.text': 'Type your email address on the sign-in page. We email you a link and a 6-digit code. Open the link, or type the code on the sign-in page, and you’re in. There’s no password to remember.',
  'help.phone.title': 'Can I open the link on my phone?',
  'help.phone.text': 'Yes. Your phone then asks for the short code shown on the screen where you started, and that screen signs in. Your phone itself stays signed out.',
  'help.noMail.title': 'The email hasn’t arrived',
  'help.noMail.text': 'It can take a minute. Look in your spam folder, and check the address you typed.',
  'help.noMail.dev': 'This demo sends no real email: every message is in the {outbox}.',
  'help.notYou.title': 'I got an email I didn’t ask for',
  'help.notYou.text': 'Ignore it. No one can sign in without access to your mailbox, or without the code on the screen that asked.',
} satisfies Record<string, Message>

export type Key = keyof typeof en
export type Catalog = { readonly [K in Key]: (typeof en)[K] extends string ? string : PluralForms }

const de: Catalog = {
  'nav.languages': 'Sprache',
  'nav.help': 'Hilfe',
  'nav.signIn': 'Zur Anmeldeseite',
  'title.login': 'Anmelden',
  'title.app': 'Ihr Konto',
  'title.outbox': 'Postausgang',
  'title.help': 'Hilfe',

  'login.heading': 'Anmelden',
  'login.intro': 'Ganz ohne Passwort: Wir senden Ihnen einen Link und einen Code per E-Mail. Registrieren kann sich jede Adresse.',
  'login.emailLabel': 'E-Mail-Adresse',
  'login.emailPlaceholder': 'name@beispiel.de',
  'login.button': 'Anmeldelink zusenden',
  'wait.heading': 'Sehen Sie in Ihr Postfach',
  'wait.sentTo': 'Wir haben einen Link an {email} gesendet. Öffnen Sie ihn auf diesem Gerät oder auf Ihrem Smartphone.',
  'wait.matchIntro': 'Auf einem anderen Gerät fragt der Link nach diesem Code:',
  'wait.matchLabel': 'Code für das andere Gerät',
  'wait.waiting': 'Wir warten, bis Sie den Link öffnen …',
  'wait.expires': 'Link und Code sind {duration} lang gültig.',
  'wait.or': 'oder',
  'wait.codeLabel': '6-stelliger Code aus der E-Mail',
  'wait.codeButton': 'Mit dem Code anmelden',
  'wait.restart': 'Mit einer anderen Adresse neu beginnen',
  'wait.startAgain': 'Neu beginnen',
  'dev.note': 'Entwicklungsmodus: Keine E-Mail verlässt diesen Rechner. Sie finden alle im {outbox}.',
  'dev.outbox': 'Postausgang',

  'error.emailEmpty': 'Bitte geben Sie Ihre E-Mail-Adresse ein.',
  'error.emailMalformed': 'Das sieht nicht nach einer E-Mail-Adresse aus. Bitte prüfen Sie Ihre Eingabe.',
  'error.codeFormat': 'Der Code aus der E-Mail hat 6 Ziffern.',
  'error.codeCheckMail': 'Verwenden Sie den Code aus der neuesten E-Mail.',
  'error.denied': 'Diese Anmeldung wurde nach zu vielen falschen Codes abgebrochen. Bitte beginnen Sie neu.',
  'error.expired': 'Diese Anmeldung ist abgelaufen, oder inzwischen wurde ein neuerer Link gesendet. Bitte beginnen Sie neu.',
  'error.over': 'Diese Anmeldung ist beendet. Bitte beginnen Sie neu.',
  'error.rateLimited': 'Zu viele Versuche. Bitte warten Sie einige Minuten und versuchen Sie es dann erneut.',
  'error.unavailable': 'Die Anmeldung ist gerade nicht möglich. Bitte versuchen Sie es gleich noch einmal.',
  'error.network': 'Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  'error.generic': 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
  'status.approved': 'Bestätigt. Sie werden angemeldet …',
  'status.otherTab': 'Sie haben sich in einem anderen Tab angemeldet. Sie werden weitergeleitet …',
  'status.codeAccepted': 'Code akzeptiert. Sie werden angemeldet …',

  'app.heading': 'Sie sind angemeldet',
  'app.as': 'als {email}',
  'app.expires': 'Diese Sitzung endet spätestens am {date} – oder früher, wenn Sie die Seite eine Woche lang nicht besuchen.',
  'app.where': 'Hier sind Sie angemeldet',
  'app.loading': 'Wird geladen …',
  'app.signOut': 'Abmelden',
  'app.signOutEverywhere': 'Überall abmelden',
  'app.thisDevice': 'Dieses Gerät',
  'app.sessionTimes': 'Angemeldet {created} · zuletzt aktiv {seen}',
  'app.justNow': 'gerade eben',
  'device.on': '{browser} unter {system}',
  'device.unknown': 'Unbekannter Browser',

  'data.heading': 'Ihre Daten',
  'data.intro': 'Laden Sie eine Kopie der Daten herunter, die wir über Sie speichern: Ihre E-Mail-Adresse und wo Sie angemeldet sind. Liegt Ihre Anmeldung mehr als {duration} zurück, bitten wir Sie zuerst um eine Bestätigung.',
  'data.button': 'Meine Daten herunterladen',
  'data.done': 'Heruntergeladen als {file}.',
  'reauth.heading': 'Bestätigen Sie, dass Sie es sind',
  'reauth.why': 'Zu Ihrer Sicherheit ist zum Herunterladen Ihrer Daten eine Anmeldung innerhalb der letzten {duration} nötig.',
  'reauth.codeButton': 'Mit dem Code bestätigen',
  'reauth.cancel': 'Abbrechen',
  'reauth.confirmed': 'Bestätigt. Ihre Daten werden heruntergeladen …',

  'outbox.brand': 'Postausgang (Entwicklung)',
  'outbox.intro': 'E-Mails, die die App verschickt hätte, die neueste zuerst (die Seite aktualisiert sich von selbst). Öffnen Sie einen Link in diesem Browser, um sich hier anzumelden, oder in einem privaten Fenster, um die Anmeldung über ein anderes Gerät auszuprobieren: Dort werden Sie nach dem Code auf der Anmeldeseite gefragt.',
  'outbox.to': 'An {to}',
  'outbox.code': 'Code:',
  'outbox.fullText': 'Vollständiger Text',
  'outbox.empty': 'Noch keine E-Mails. Fordern Sie auf der {signin} einen Link an.',
  'outbox.signinLink': 'Anmeldeseite',

  'help.heading': 'Hilfe zur Anmeldung',
  'help.how.title': 'Wie funktioniert die Anmeldung?',
  'help.how.text': 'Geben Sie auf der Anmeldeseite Ihre E-Mail-Adresse ein. Wir senden Ihnen einen Link und einen 6-stelligen Code. Öffnen Sie den Link oder geben Sie den Code auf der Anmeldeseite ein – schon sind Sie angemeldet. Ein Passwort brauchen Sie nicht.',
  'help.phone.title': 'Kann ich den Link auf meinem Smartphone öffnen?',
  'help.phone.text': 'Ja. Das Smartphone fragt dann nach dem kurzen Code, der auf dem Bildschirm steht, auf dem Sie die Anmeldung begonnen haben – und dort werden Sie angemeldet. Auf dem Smartphone selbst bleiben Sie abgemeldet.',
  'help.noMail.title': 'Die E-Mail kommt nicht an',
  'help.noMail.text': 'Das kann eine Minute dauern. Sehen Sie in Ihrem Spam-Ordner nach und prüfen Sie die eingegebene Adresse.',
  'help.noMail.dev': 'Diese Demo verschickt keine echten E-Mails: Alle Nachrichten finden Sie im {outbox}.',
  'help.notYou.title': 'Ich habe eine E-Mail bekommen, die ich nicht angefordert habe',
  'help.notYou.text': 'Ignorieren Sie sie. Ohne Zugriff auf Ihr Postfach oder den Code auf dem anfragenden Bildschirm kann sich niemand anmelden.',
}

const fr: Catalog = {
  'nav.languages': 'Langue',
  'nav.help': 'Aide',
  'nav.signIn': 'Page de connexion',
  'title.login': 'Connexion',
  'title.app': 'Votre compte',
  'title.outbox': 'Boîte d’envoi',
  'title.help': 'Aide',

  'login.heading': 'Connexion',
  'login.intro': 'Pas de mot de passe\u00a0: nous vous envoyons un lien et un code par e-mail. Toute adresse peut créer un compte.',
  'login.emailLabel': 'Adresse e-mail',
  'login.emailPlaceholder': 'vous@exemple.fr',
  'login.button': 'Recevoir un lien de connexion',
  'wait.heading': 'Consultez votre messagerie',
  'wait.sentTo': 'Nous avons envoyé un lien à {email}. Ouvrez-le sur cet appareil ou sur votre téléphone.',
  'wait.matchIntro': 'Sur un autre appareil, le lien vous demandera ce code\u00a0:',
  'wait.matchLabel': 'Code à saisir sur l’autre appareil',
  'wait.waiting': 'En attente de l’ouverture du lien…',
  'wait.expires': 'Le lien et le code sont valables {duration}.',
  'wait.or': 'ou',
  'wait.codeLabel': 'Code à 6 chiffres reçu par e-mail',
  'wait.codeButton': 'Se connecter avec le code',
  'wait.restart': 'Recommencer avec une autre adresse',
  'wait.startAgain': 'Recommencer',
  'dev.note': 'Mode développement\u00a0: aucun e-mail ne quitte cette machine. Vous les trouverez dans la {outbox}.',
  'dev.outbox': 'boîte d’envoi',

  'error.emailEmpty': 'Saisissez votre adresse e-mail.',
  'error.emailMalformed': 'Cette adresse e-mail ne semble pas valide. Vérifiez-la et réessayez.',
  'error.codeFormat': 'Le code reçu par e-mail comporte 6 chiffres.',
  'error.codeCheckMail': 'Utilisez le code du dernier e-mail reçu.',
  'error.denied': 'Cette connexion a été bloquée après trop de codes erronés. Recommencez.',
  'error.expired': 'Cette demande de connexion a expiré, ou un lien plus récent a été envoyé. Recommencez.',
  'error.over': 'Cette demande de connexion n’est plus valable. Recommencez.',
  'error.rateLimited': 'Trop de tentatives. Patientez quelques minutes, puis réessayez.',
  'error.unavailable': 'La connexion est momentanément indisponible. Patientez un instant, puis réessayez.',
  'error.network': 'Impossible de joindre le serveur. Vérifiez votre connexion et réessayez.',
  'error.generic': 'Une erreur s’est produite. Veuillez réessayer.',
  'status.approved': 'Demande approuvée. Connexion en cours…',
  'status.otherTab': 'Connexion effectuée dans un autre onglet. Redirection en cours…',
  'status.codeAccepted': 'Code accepté. Connexion en cours…',

  'app.heading': 'Connexion réussie',
  'app.as': 'avec l’adresse {email}',
  'app.expires': 'Cette session prendra fin au plus tard le {date}, ou plus tôt si vous ne revenez pas pendant une semaine.',
  'app.where': 'Appareils connectés',
  'app.loading': 'Chargement…',
  'app.signOut': 'Se déconnecter',
  'app.signOutEverywhere': 'Se déconnecter partout',
  'app.thisDevice': 'Cet appareil',
  'app.sessionTimes': 'Connexion {created} · dernière activité {seen}',
  'app.justNow': 'à l’instant',
  'device.on': '{browser} sur {system}',
  'device.unknown': 'Navigateur inconnu',

  'data.heading': 'Vos données',
  'data.intro': 'Téléchargez une copie de ce que nous conservons à votre sujet\u00a0: votre adresse e-mail et les appareils connectés. Si votre connexion date de plus de {duration}, nous vous demandons d’abord de confirmer qu’il s’agit bien de vous.',
  'data.button': 'Télécharger mes données',
  'data.done': 'Fichier téléchargé\u00a0: {file}.',
  'reauth.heading': 'Confirmez qu’il s’agit bien de vous',
  'reauth.why': 'Pour votre sécurité, le téléchargement de vos données nécessite une connexion datant de moins de {duration}.',
  'reauth.codeButton': 'Confirmer avec le code',
  'reauth.cancel': 'Annuler',
  'reauth.confirmed': 'Identité confirmée. Téléchargement de vos données…',

  'outbox.brand': 'boîte d’envoi de développement',
  'outbox.intro': 'Les e-mails que l’application aurait envoyés, du plus récent au plus ancien (la page s’actualise d’elle-même). Ouvrez un lien dans ce navigateur pour vous connecter ici, ou dans une fenêtre de navigation privée pour essayer la connexion depuis un autre appareil\u00a0: il vous demandera le code affiché sur la page de connexion.',
  'outbox.to': 'À\u00a0: {to}',
  'outbox.code': 'Code\u00a0:',
  'outbox.fullText': 'Texte complet',
  'outbox.empty': 'Aucun e-mail pour l’instant. Demandez un lien sur la {signin}.',
  'outbox.signinLink': 'page de connexion',

  'help.heading': 'Aide à la connexion',
  'help.how.title': 'Comment fonctionne la connexion\u202f?',
  'help.how.text': 'Saisissez votre adresse e-mail sur la page de connexion. Nous vous envoyons un lien et un code à 6 chiffres. Ouvrez le lien, ou saisissez le code sur la page de connexion, et le tour est joué. Aucun mot de passe à retenir.',
  'help.phone.title': 'Puis-je ouvrir le lien sur mon téléphone\u202f?',
  'help.phone.text': 'Oui. Votre téléphone vous demande alors le code court affiché sur l’écran où vous avez commencé, et c’est cet écran qui est connecté. Votre téléphone, lui, reste déconnecté.',
  'help.noMail.title': 'Je n’ai pas reçu l’e-mail',
  'help.noMail.text': 'Il peut mettre une minute à arriver. Regardez dans vos courriers indésirables et vérifiez l’adresse saisie.',
  'help.noMail.dev': 'Cette démo n’envoie aucun véritable e-mail\u00a0: tous les messages se trouvent dans la {outbox}.',
  'help.notYou.title': 'J’ai reçu un e-mail que je n’ai pas demandé',
  'help.notYou.text': 'Ignorez-le. Personne ne peut se connecter sans accès à votre messagerie, ni sans le code affiché sur l’écran à l’origine de la demande.',
}

const es: Catalog = {
  'nav.languages': 'Idioma',
  'nav.help': 'Ayuda',
  'nav.signIn': 'Página de inicio de sesión',
  'title.login': 'Iniciar sesión',
  'title.app': 'Tu cuenta',
  'title.outbox': 'Bandeja de salida',
  'title.help': 'Ayuda',

  'login.heading': 'Inicia sesión',
  'login.intro': 'Sin contraseña: te enviamos por correo un enlace y un código. Puedes registrarte con cualquier dirección.',
  'login.emailLabel': 'Correo electrónico',
  'login.emailPlaceholder': 'tu@ejemplo.com',
  'login.button': 'Enviarme un enlace de acceso',
  'wait.heading': 'Revisa tu correo',
  'wait.sentTo': 'Enviamos un enlace a {email}. Ábrelo en este dispositivo o en tu teléfono.',
  'wait.matchIntro': 'En otro dispositivo, el enlace te pedirá este código:',
  'wait.matchLabel': 'Código para escribir en el otro dispositivo',
  'wait.waiting': 'Esperando a que abras el enlace…',
  'wait.expires': 'El enlace y el código son válidos durante {duration}.',
  'wait.or': 'o',
  'wait.codeLabel': 'Escribe el código de 6 dígitos del correo',
  'wait.codeButton': 'Iniciar sesión con el código',
  'wait.restart': 'Empezar de nuevo con otra dirección',
  'wait.startAgain': 'Volver a empezar',
  'dev.note': 'Modo de desarrollo: ningún correo sale de este equipo. Puedes leerlos en la {outbox}.',
  'dev.outbox': 'bandeja de salida',

  'error.emailEmpty': 'Escribe tu correo electrónico.',
  'error.emailMalformed': 'Eso no parece una dirección de correo electrónico. Revísala y vuelve a intentarlo.',
  'error.codeFormat': 'El código del correo tiene 6 dígitos.',
  'error.codeCheckMail': 'Usa el código del correo más reciente.',
  'error.denied': 'Este inicio de sesión se detuvo tras demasiados códigos incorrectos. Vuelve a empezar.',
  'error.expired': 'Este inicio de sesión caducó o se envió un enlace más reciente. Vuelve a empezar.',
  'error.over': 'Este inicio de sesión ya no es válido. Vuelve a empezar.',
  'error.rateLimited': 'Demasiados intentos. Espera unos minutos y vuelve a intentarlo.',
  'error.unavailable': 'El inicio de sesión no está disponible ahora mismo. Espera un momento y vuelve a intentarlo.',
  'error.network': 'No se puede conectar con el servidor. Revisa tu conexión y vuelve a intentarlo.',
  'error.generic': 'Algo salió mal. Vuelve a intentarlo.',
  'status.approved': 'Aprobado. Iniciando sesión…',
  'status.otherTab': 'Iniciaste sesión en otra pestaña. Te llevamos allí…',
  'status.codeAccepted': 'Código aceptado. Iniciando sesión…',

  'app.heading': 'Sesión iniciada',
  'app.as': 'como {email}',
  'app.expires': 'Esta sesión termina como muy tarde el {date}, o antes si pasas una semana sin entrar.',
  'app.where': 'Dispositivos con sesión iniciada',
  'app.loading': 'Cargando…',
  'app.signOut': 'Cerrar sesión',
  'app.signOutEverywhere': 'Cerrar todas las sesiones',
  'app.thisDevice': 'Este dispositivo',
  'app.sessionTimes': 'Inicio de sesión {created} · última actividad {seen}',
  'app.justNow': 'hace un momento',
  'device.on': '{browser} en {system}',
  'device.unknown': 'Navegador desconocido',

  'data.heading': 'Tus datos',
  'data.intro': 'Descarga una copia de lo que guardamos sobre ti: tu correo electrónico y dónde tienes la sesión iniciada. Si iniciaste sesión hace más de {duration}, primero te pedimos que confirmes que eres tú.',
  'data.button': 'Descargar mis datos',
  'data.done': 'Descargado como {file}.',
  'reauth.heading': 'Confirma que eres tú',
  'reauth.why': 'Por seguridad, para descargar tus datos necesitas haber iniciado sesión en los últimos {duration}.',
  'reauth.codeButton': 'Confirmar con el código',
  'reauth.cancel': 'Cancelar',
  'reauth.confirmed': 'Confirmado. Descargando tus datos…',

  'outbox.brand': 'bandeja de salida de desarrollo',
  'outbox.intro': 'Los correos que la aplicación habría enviado, del más reciente al más antiguo (esta página se actualiza sola). Abre un enlace en este navegador para iniciar sesión aquí, o en una ventana privada para probar el acceso desde otro dispositivo: te pedirá el código que aparece en la página de inicio de sesión.',
  'outbox.to': 'Para: {to}',
  'outbox.code': 'Código:',
  'outbox.fullText': 'Texto completo',
  'outbox.empty': 'Todavía no hay correos. Pide un enlace en la {signin}.',
  'outbox.signinLink': 'página de inicio de sesión',

  'help.heading': 'Ayuda para iniciar sesión',
  'help.how.title': '¿Cómo funciona el inicio de sesión?',
  'help.how.text': 'Escribe tu correo en la página de inicio de sesión. Te enviamos un enlace y un código de 6 dígitos. Abre el enlace o escribe el código en la página de inicio de sesión, y listo. No hay ninguna contraseña que recordar.',
  'help.phone.title': '¿Puedo abrir el enlace en mi teléfono?',
  'help.phone.text': 'Sí. El teléfono te pedirá el código corto que aparece en la pantalla donde empezaste, y es esa pantalla la que inicia sesión. En el teléfono no se inicia ninguna sesión.',
  'help.noMail.title': 'No me llega el correo',
  'help.noMail.text': 'Puede tardar un minuto. Mira en la carpeta de spam y revisa la dirección que escribiste.',
  'help.noMail.dev': 'Esta demo no envía correos de verdad: todos los mensajes están en la {outbox}.',
  'help.notYou.title': 'Recibí un correo que no pedí',
  'help.notYou.text': 'Ignóralo. Nadie puede iniciar sesión sin acceso a tu buzón o sin el código de la pantalla desde la que se hizo la solicitud.',
}

const ptBR: Catalog = {
  'nav.languages': 'Idioma',
  'nav.help': 'Ajuda',
  'nav.signIn': 'Página de login',
  'title.login': 'Entrar',
  'title.app': 'Sua conta',
  'title.outbox': 'Caixa de saída',
  'title.help': 'Ajuda',

  'login.heading': 'Entrar',
  'login.intro': 'Sem senha: enviamos um link e um código para o seu e-mail. Qualquer endereço pode criar uma conta.',
  'login.emailLabel': 'E-mail',
  'login.emailPlaceholder': 'voce@exemplo.com.br',
  'login.button': 'Receber link de acesso',
  'wait.heading': 'Confira seu e-mail',
  'wait.sentTo': 'Enviamos um link para {email}. Abra-o neste dispositivo ou no seu celular.',
  'wait.matchIntro': 'Em outro dispositivo, o link vai pedir este código:',
  'wait.matchLabel': 'Código para digitar no outro dispositivo',
  'wait.waiting': 'Aguardando você abrir o link…',
  'wait.expires': 'O link e o código valem por {duration}.',
  'wait.or': 'ou',
  'wait.codeLabel': 'Digite o código de 6 dígitos do e-mail',
  'wait.codeButton': 'Entrar com o código',
  'wait.restart': 'Recomeçar com outro endereço',
  'wait.startAgain': 'Começar de novo',
  'dev.note': 'Modo de desenvolvimento: nenhum e-mail sai desta máquina. Leia todos na {outbox}.',
  'dev.outbox': 'caixa de saída',

  'error.emailEmpty': 'Digite seu e-mail.',
  'error.emailMalformed': 'Isso não parece um endereço de e-mail. Confira e tente de novo.',
  'error.codeFormat': 'O código do e-mail tem 6 dígitos.',
  'error.codeCheckMail': 'Use o código do e-mail mais recente.',
  'error.denied': 'Este acesso foi bloqueado depois de muitos códigos errados. Comece de novo.',
  'error.expired': 'Este acesso expirou ou um link mais recente foi enviado. Comece de novo.',
  'error.over': 'Este acesso não vale mais. Comece de novo.',
  'error.rateLimited': 'Muitas tentativas. Aguarde alguns minutos e tente de novo.',
  'error.unavailable': 'O login está indisponível no momento. Aguarde um pouco e tente de novo.',
  'error.network': 'Não foi possível conectar ao servidor. Verifique sua conexão e tente de novo.',
  'error.generic': 'Algo deu errado. Tente de novo.',
  'status.approved': 'Aprovado. Entrando…',
  'status.otherTab': 'Você entrou em outra aba. Levando você para lá…',
  'status.codeAccepted': 'Código aceito. Entrando…',

  'app.heading': 'Você entrou',
  'app.as': 'como {email}',
  'app.expires': 'Esta sessão termina no máximo em {date}, ou antes, se você passar uma semana sem acessar.',
  'app.where': 'Onde você está conectado',
  'app.loading': 'Carregando…',
  'app.signOut': 'Sair',
  'app.signOutEverywhere': 'Sair de todos os dispositivos',
  'app.thisDevice': 'Este dispositivo',
  'app.sessionTimes': 'Entrou {created} · última atividade {seen}',
  'app.justNow': 'agora mesmo',
  'device.on': '{browser} no {system}',
  'device.unknown': 'Navegador desconhecido',

  'data.heading': 'Seus dados',
  'data.intro': 'Baixe uma cópia do que guardamos sobre você: seu e-mail e onde você está conectado. Se você entrou há mais de {duration}, primeiro pedimos que confirme que é você.',
  'data.button': 'Baixar meus dados',
  'data.done': 'Arquivo baixado: {file}.',
  'reauth.heading': 'Confirme que é você',
  'reauth.why': 'Por segurança, para baixar seus dados é preciso ter entrado nos últimos {duration}.',
  'reauth.codeButton': 'Confirmar com o código',
  'reauth.cancel': 'Cancelar',
  'reauth.confirmed': 'Confirmado. Baixando seus dados…',

  'outbox.brand': 'caixa de saída de desenvolvimento',
  'outbox.intro': 'E-mails que o app teria enviado, do mais recente para o mais antigo (esta página se atualiza sozinha). Abra um link neste navegador para entrar aqui, ou numa janela anônima para testar o acesso por outro dispositivo: ele vai pedir o código mostrado na página de login.',
  'outbox.to': 'Para: {to}',
  'outbox.code': 'Código:',
  'outbox.fullText': 'Texto completo',
  'outbox.empty': 'Nenhum e-mail ainda. Peça um link na {signin}.',
  'outbox.signinLink': 'página de login',

  'help.heading': 'Ajuda para entrar',
  'help.how.title': 'Como funciona o login?',
  'help.how.text': 'Digite seu e-mail na página de login. Enviamos um link e um código de 6 dígitos. Abra o link, ou digite o código na página de login, e pronto. Não há senha para lembrar.',
  'help.phone.title': 'Posso abrir o link no celular?',
  'help.phone.text': 'Pode. O celular vai pedir o código curto que aparece na tela onde você começou, e é essa tela que entra na conta. O celular continua sem acesso.',
  'help.noMail.title': 'O e-mail não chegou',
  'help.noMail.text': 'Pode levar um minuto. Olhe a pasta de spam e confira o endereço que você digitou.',
  'help.noMail.dev': 'Esta demonstração não envia e-mails de verdade: todas as mensagens estão na {outbox}.',
  'help.notYou.title': 'Recebi um e-mail que não pedi',
  'help.notYou.text': 'Pode ignorar. Ninguém consegue entrar sem acesso à sua caixa de entrada ou sem o código da tela que fez o pedido.',
}

const ja: Catalog = {
  'nav.languages': '言語',
  'nav.help': 'ヘルプ',
  'nav.signIn': 'ログインページ',
  'title.login': 'ログイン',
  'title.app': 'アカウント',
  'title.outbox': '送信トレイ',
  'title.help': 'ヘルプ',

  'login.heading': 'ログイン',
  'login.intro': 'パスワードは不要です。ログイン用のリンクとコードをメールでお送りします。どのメールアドレスでも登録できます。',
  'login.emailLabel': 'メールアドレス',
  'login.emailPlaceholder': 'you@example.com',
  'login.button': 'ログインリンクを送信',
  'wait.heading': 'メールをご確認ください',
  'wait.sentTo': '{email} にリンクを送信しました。この端末か、お使いのスマートフォンで開いてください。',
  'wait.matchIntro': '別の端末でリンクを開くと、次のコードの入力を求められます。',
  'wait.matchLabel': '別の端末で入力するコード',
  'wait.waiting': 'リンクが開かれるのを待っています…',
  'wait.expires': 'リンクとコードの有効期間は{duration}です。',
  'wait.or': 'または',
  'wait.codeLabel': 'メールに記載された6桁のコードを入力してください',
  'wait.codeButton': 'コードでログイン',
  'wait.restart': '別のメールアドレスでやり直す',
  'wait.startAgain': 'やり直す',
  'dev.note': '開発モードです。メールはこのマシンの外には送信されません。{outbox}でご確認ください。',
  'dev.outbox': '送信トレイ',

  'error.emailEmpty': 'メールアドレスを入力してください。',
  'error.emailMalformed': 'メールアドレスの形式が正しくないようです。ご確認のうえ、もう一度お試しください。',
  'error.codeFormat': 'メールに記載されたコードは6桁の数字です。',
  'error.codeCheckMail': '最新のメールに記載されたコードをお使いください。',
  'error.denied': '誤ったコードが何度も入力されたため、このログインは中止されました。最初からやり直してください。',
  'error.expired': 'このログインは有効期限が切れたか、新しいリンクが送信されました。最初からやり直してください。',
  'error.over': 'このログインは終了しました。最初からやり直してください。',
  'error.rateLimited': '試行回数が多すぎます。数分待ってから、もう一度お試しください。',
  'error.unavailable': '現在ログインできません。しばらくしてから、もう一度お試しください。',
  'error.network': 'サーバーに接続できません。接続状況を確認して、もう一度お試しください。',
  'error.generic': '問題が発生しました。もう一度お試しください。',
  'status.approved': '承認されました。ログインしています…',
  'status.otherTab': '別のタブでログインしました。移動しています…',
  'status.codeAccepted': 'コードを確認しました。ログインしています…',

  'app.heading': 'ログインしました',
  'app.as': 'アカウント：{email}',
  'app.expires': 'このセッションは遅くとも{date}に終了します。1週間アクセスがない場合は、それより早く終了します。',
  'app.where': 'ログイン中の端末',
  'app.loading': '読み込んでいます…',
  'app.signOut': 'ログアウト',
  'app.signOutEverywhere': 'すべての端末からログアウト',
  'app.thisDevice': 'この端末',
  'app.sessionTimes': 'ログイン：{created}・最終利用：{seen}',
  'app.justNow': 'たった今',
  'device.on': '{system} の {browser}',
  'device.unknown': '不明なブラウザー',

  'data.heading': 'お客様のデータ',
  'data.intro': '保存しているお客様のデータ（メールアドレスとログイン中の端末）のコピーをダウンロードできます。ログインから{duration}以上たっている場合は、先にご本人確認をお願いしています。',
  'data.button': 'データをダウンロード',
  'data.done': '{file} としてダウンロードしました。',
  'reauth.heading': 'ご本人確認',
  'reauth.why': '安全のため、データをダウンロードするには{duration}以内のログインが必要です。',
  'reauth.codeButton': 'コードで確認',
  'reauth.cancel': 'キャンセル',
  'reauth.confirmed': '確認できました。データをダウンロードしています…',

  'outbox.brand': '開発用の送信トレイ',
  'outbox.intro': 'アプリが送信するはずだったメールを新しい順に表示しています（このページは自動で更新されます）。このブラウザーでリンクを開くと、ここでログインできます。プライベートウィンドウで開くと、別の端末からのログインを試せます。その場合は、ログインページに表示されたコードの入力を求められます。',
  'outbox.to': '宛先：{to}',
  'outbox.code': 'コード：',
  'outbox.fullText': '全文',
  'outbox.empty': 'メールはまだありません。{signin}でリンクをリクエストしてください。',
  'outbox.signinLink': 'ログインページ',

  'help.heading': 'ログインのヘルプ',
  'help.how.title': 'ログインの仕組みを教えてください',
  'help.how.text': 'ログインページでメールアドレスを入力すると、リンクと6桁のコードをメールでお送りします。リンクを開くか、ログインページでコードを入力すれば、ログインできます。覚えておくパスワードはありません。',
  'help.phone.title': 'スマートフォンでリンクを開けますか？',
  'help.phone.text': 'はい。スマートフォンで、ログインを始めた画面に表示されている短いコードを入力すると、その画面でログインが完了します。スマートフォン自体はログインしないままです。',
  'help.noMail.title': 'メールが届きません',
  'help.noMail.text': '届くまで1分ほどかかることがあります。迷惑メールフォルダーをご確認のうえ、入力したメールアドレスに誤りがないかもお確かめください。',
  'help.noMail.dev': 'このデモでは実際のメールは送信されません。すべてのメッセージは{outbox}でご確認いただけます。',
  'help.notYou.title': '心当たりのないメールが届きました',
  'help.notYou.text': 'そのメールは無視してください。メールボックスにアクセスできるか、ログインを要求した画面のコードを知っていなければ、誰もログインできません。',
}

const ar: Catalog = {
  'nav.languages': 'اللغة',
  'nav.help': 'المساعدة',
  'nav.signIn': 'صفحة تسجيل الدخول',
  'title.login': 'تسجيل الدخول',
  'title.app': 'حسابك',
  'title.outbox': 'صندوق الصادر',
  'title.help': 'المساعدة',

  'login.heading': 'تسجيل الدخول',
  'login.intro': 'لا حاجة إلى كلمة مرور. سنرسل إليك رابطًا ورمزًا عبر البريد الإلكتروني، ويمكن إنشاء حساب بأي عنوان.',
  'login.emailLabel': 'البريد الإلكتروني',
  'login.emailPlaceholder': 'you@example.com',
  'login.button': 'أرسل لي رابط تسجيل الدخول',
  'wait.heading': 'تحقّق من بريدك الإلكتروني',
  'wait.sentTo': 'أرسلنا رابطًا إلى {email}. افتحه على هذا الجهاز أو على هاتفك.',
  'wait.matchIntro': 'إذا فتحت الرابط على جهاز آخر، فسيطلب منك هذا الرمز:',
  'wait.matchLabel': 'الرمز الذي تُدخله على الجهاز الآخر',
  'wait.waiting': 'في انتظار فتح الرابط…',
  'wait.expires': 'يظل الرابط والرمز صالحين لمدة {duration}.',
  'wait.or': 'أو',
  'wait.codeLabel': 'الرمز المكوّن من 6 أرقام في الرسالة',
  'wait.codeButton': 'تسجيل الدخول بالرمز',
  'wait.restart': 'البدء من جديد بعنوان آخر',
  'wait.startAgain': 'البدء من جديد',
  'dev.note': 'وضع التطوير: لا تغادر أي رسالة هذا الجهاز. يمكنك قراءة الرسائل في {outbox}.',
  'dev.outbox': 'صندوق الصادر',

  'error.emailEmpty': 'أدخل عنوان بريدك الإلكتروني.',
  'error.emailMalformed': 'لا يبدو هذا عنوان بريد إلكتروني صحيحًا. تحقّق منه وحاول مرة أخرى.',
  'error.codeFormat': 'يتكوّن الرمز الوارد في الرسالة من 6 أرقام.',
  'error.codeCheckMail': 'استخدم الرمز الوارد في أحدث رسالة.',
  'error.denied': 'أُوقفت عملية تسجيل الدخول هذه بعد إدخال رموز خاطئة كثيرة. ابدأ من جديد.',
  'error.expired': 'انتهت صلاحية عملية تسجيل الدخول هذه، أو أُرسل رابط أحدث. ابدأ من جديد.',
  'error.over': 'انتهت عملية تسجيل الدخول هذه. ابدأ من جديد.',
  'error.rateLimited': 'محاولات كثيرة جدًا. انتظر بضع دقائق، ثم حاول مرة أخرى.',
  'error.unavailable': 'تسجيل الدخول غير متاح حاليًا. انتظر قليلًا، ثم حاول مرة أخرى.',
  'error.network': 'تعذّر الوصول إلى الخادم. تحقّق من اتصالك وحاول مرة أخرى.',
  'error.generic': 'حدث خطأ ما. يُرجى المحاولة مرة أخرى.',
  'status.approved': 'تمت الموافقة. جارٍ تسجيل دخولك…',
  'status.otherTab': 'سجّلت الدخول من علامة تبويب أخرى. جارٍ نقلك إليها…',
  'status.codeAccepted': 'تم قبول الرمز. جارٍ تسجيل دخولك…',

  'app.heading': 'تم تسجيل دخولك',
  'app.as': 'بالحساب {email}',
  'app.expires': 'تنتهي هذه الجلسة في موعد أقصاه {date}، أو قبل ذلك إذا لم تزر الموقع لمدة أسبوع.',
  'app.where': 'الأجهزة التي سجّلت الدخول منها',
  'app.loading': 'جارٍ التحميل…',
  'app.signOut': 'تسجيل الخروج',
  'app.signOutEverywhere': 'تسجيل الخروج من جميع الأجهزة',
  'app.thisDevice': 'هذا الجهاز',
  'app.sessionTimes': 'سُجّل الدخول {created} · آخر نشاط {seen}',
  'app.justNow': 'الآن',
  'device.on': '{browser} على {system}',
  'device.unknown': 'متصفح غير معروف',

  'data.heading': 'بياناتك',
  'data.intro': 'نزّل نسخة مما نحتفظ به عنك: عنوان بريدك الإلكتروني والأجهزة التي سجّلت الدخول منها. إذا مرّ على تسجيل دخولك أكثر من {duration}، فسنطلب منك أولًا تأكيد هويتك.',
  'data.button': 'تنزيل بياناتي',
  'data.done': 'تم التنزيل باسم {file}.',
  'reauth.heading': 'أكّد هويتك',
  'reauth.why': 'حفاظًا على أمانك، يتطلّب تنزيل بياناتك تسجيل دخول خلال آخر {duration}.',
  'reauth.codeButton': 'التأكيد بالرمز',
  'reauth.cancel': 'إلغاء',
  'reauth.confirmed': 'تم التأكيد. جارٍ تنزيل بياناتك…',

  'outbox.brand': 'صندوق الصادر للتطوير',
  'outbox.intro': 'الرسائل التي كان التطبيق سيرسلها، الأحدث أولًا (تتحدّث هذه الصفحة تلقائيًا). افتح رابطًا في هذا المتصفح لتسجيل الدخول هنا، أو في نافذة خاصة لتجربة تسجيل الدخول من جهاز آخر: سيطلب منك الرمز الظاهر في صفحة تسجيل الدخول.',
  'outbox.to': 'إلى: {to}',
  'outbox.code': 'الرمز:',
  'outbox.fullText': 'النص الكامل',
  'outbox.empty': 'لا توجد رسائل بعد. اطلب رابطًا من {signin}.',
  'outbox.signinLink': 'صفحة تسجيل الدخول',

  'help.heading': 'المساعدة في تسجيل الدخول',
  'help.how.title': 'كيف يعمل تسجيل الدخول؟',
  'help.how.text': 'أدخل عنوان بريدك الإلكتروني في صفحة تسجيل الدخول، فنرسل إليك رابطًا ورمزًا من 6 أرقام. افتح الرابط، أو أدخل الرمز في صفحة تسجيل الدخول، وبذلك تكون قد سجّلت الدخول. لا توجد كلمة مرور عليك تذكّرها.',
  'help.phone.title': 'هل يمكنني فتح الرابط على هاتفي؟',
  'help.phone.text': 'نعم. سيطلب منك هاتفك حينها الرمز القصير الظاهر على الشاشة التي بدأت منها، ويُسجَّل الدخول على تلك الشاشة. أما هاتفك نفسه فيبقى دون تسجيل دخول.',
  'help.noMail.title': 'لم تصلني الرسالة',
  'help.noMail.text': 'قد يستغرق وصولها دقيقة. تحقّق من مجلد الرسائل غير المرغوب فيها، وتأكّد من العنوان الذي أدخلته.',
  'help.noMail.dev': 'لا يرسل هذا العرض التجريبي رسائل حقيقية: تجد جميع الرسائل في {outbox}.',
  'help.notYou.title': 'وصلتني رسالة لم أطلبها',
  'help.notYou.text': 'تجاهلها. لا يمكن لأحد تسجيل الدخول دون الوصول إلى صندوق بريدك، أو دون الرمز الظاهر على الشاشة التي طلبت ذلك.',
}

/** The example's catalogs, by locale. */
export const catalogs: Readonly<Record<Locale, Catalog>> = { en, de, fr, es, 'pt-BR': ptBR, ja, ar }

/** The keys the page scripts use; the server renders only these into the page. */
const BROWSER_KEYS = [
  'error.emailEmpty', 'error.emailMalformed', 'error.codeFormat', 'error.codeCheckMail', 'error.denied', 'error.expired',
  'error.over', 'error.rateLimited', 'error.unavailable', 'error.network', 'error.generic',
  'status.approved', 'status.otherTab', 'status.codeAccepted', 'wait.waiting', 'wait.expires', 'wait.startAgain',
  'app.signOut', 'app.thisDevice', 'app.sessionTimes', 'app.justNow', 'device.on', 'device.unknown',
  'data.done', 'reauth.why', 'reauth.confirmed',
] as const satisfies readonly Key[]

/** The plugin's own sentences the page scripts use, so a wrong code reads the same everywhere. */
const PLUGIN_KEYS = ['code.wrong', 'code.attemptsLeft'] as const

/** The texts of the page scripts in `locale`. */
export function pageTexts (locale: Locale): PageTexts {
  const own = catalogs[locale]
  const plugin = pluginMessages[locale] as (typeof pluginMessages)[string]
  return {
    locale,
    messages: Object.fromEntries([
      ...BROWSER_KEYS.map((key) => [key, own[key]]),
      ...PLUGIN_KEYS.map((key) => [key, plugin[key]]),
    ]),
  }
}

/** Languages written right to left. */
export function dirOf (locale: Locale): 'ltr' | 'rtl' {
  return locale === 'ar' ? 'rtl' : 'ltr'
}

/** `locale` if it is one of the example's, else undefined. */
export function asLocale (value: unknown): Locale | undefined {
  return (LOCALES as readonly unknown[]).includes(value) ? value as Locale : undefined
}

/**
 * A request's language, as the plugin picks it with `locale.resolve: (r) => r.cookies.lang`: the
 * switcher's cookie, then `Accept-Language` (q-values, `de-AT` → `de`, `pt` → `pt-BR`), then English.
 */
export function requestLocale (request: FastifyRequest): Locale {
  const cookie = request.cookies[LANG_COOKIE]
  const wanted = [...(cookie === undefined ? [] : [cookie]), ...parseAcceptLanguage(request.headers['accept-language'])]
  return asLocale(matchLocale(wanted, LOCALES)) ?? 'en'
}

/** `t(key, values)` of the example's texts in `locale`. */
export function textsOf (locale: Locale): Translate {
  return translator(locale, catalogs[locale])
}
