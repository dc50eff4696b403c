import type { MagicLinkMessages } from './types.js'

/**
 * Spanish (español), neutral for Spain and Latin America. Informal "tú" throughout; "escribe"
 * rather than "introduce"/"ingresa", "correo" for email.
 */
export const es = {
  // A device, from a fixed vocabulary of browser and system names.
  'device.browserOnSystem': '{browser} en {system}',
  'device.unknownBrowser': 'un navegador desconocido',

  // Times: relative when recent, otherwise the date in words (`{date}` is localized by Intl).
  'time.justNow': 'hace un momento',
  'time.at': 'el {date}',

  // Shared by every page.
  'page.startAgain': 'Volver a empezar',
  'page.backTo': 'Volver a {app}',
  'page.support': '¿Necesitas ayuda? Ponte en contacto con el equipo de soporte',
  'page.emailLabel': 'Tu correo electrónico',
  'page.emailMalformed': 'Eso no parece una dirección de correo electrónico. Revísala y vuelve a intentarlo.',

  // The link opened in the browser that asked for it.
  'sameBrowser.title': 'Inicia sesión en {app}',
  'sameBrowser.text': 'Vas a iniciar sesión en {app} como {email}.',
  'sameBrowser.hint': 'Continúa solo si acabas de pedir iniciar sesión.',
  'sameBrowser.button': 'Iniciar sesión',

  // The link opened in another browser: approval needs the code shown where the sign-in began.
  'otherBrowser.title': '¿Iniciar sesión en tu otro dispositivo?',
  'otherBrowser.text': 'Alguien pidió iniciar sesión en {app} {when} desde {device}.',
  'otherBrowser.safe': '¿No lo pediste tú? No hagas nada. Nadie puede entrar sin el código que aparece en la pantalla desde la que se hizo la solicitud.',
  'otherBrowser.instruction': 'Si fuiste tú, escribe el código que aparece en la pantalla donde pediste iniciar sesión.',
  'otherBrowser.label': 'Código de la otra pantalla',
  'otherBrowser.button': 'Aprobar inicio de sesión',
  'code.required': 'Escribe el código que aparece en la pantalla donde pediste iniciar sesión.',
  'code.malformed': 'Eso no es un código de la pantalla de inicio de sesión. Tiene este formato: ABC-DEF.',
  'code.wrong': 'Ese código no es correcto.',
  'code.attemptsLeft': { one: 'Te queda {count} intento.', many: 'Te quedan {count} intentos.', other: 'Te quedan {count} intentos.' },

  // Only the asking browser may use the link (`crossDevice: 'off'`).
  'sameBrowserOnly.title': 'Abre este enlace donde lo pediste',
  'sameBrowserOnly.text': 'Por tu seguridad, este enlace solo funciona en el navegador desde el que pediste iniciar sesión.',

  // An invitation: the person proves the address by typing it.
  'invite.title': 'Inicia sesión en {app}',
  'invite.text': 'Escribe la dirección de correo electrónico a la que se envió esta invitación y luego inicia sesión.',
  'invite.button': 'Iniciar sesión',
  'invite.mismatch': 'Esa dirección no coincide con esta invitación.',

  // Links that no longer work.
  'expired.title': 'Este enlace ha expirado',
  'expired.text': 'Los enlaces de inicio de sesión solo funcionan durante unos minutos. Pide uno nuevo y úsalo enseguida.',
  'superseded.title': 'Este enlace fue reemplazado',
  'superseded.text': 'Después de este se envió un enlace de inicio de sesión más reciente, así que este ya no funciona. Usa el enlace del correo más reciente o pide uno nuevo.',
  'unknown.title': 'Este enlace no es válido',
  'unknown.text': 'Puede que se haya cortado una parte al copiarlo. Vuelve a empezar para obtener uno nuevo.',
  'denied.title': 'Se detuvo este inicio de sesión',
  'denied.text': 'Se escribieron demasiados códigos incorrectos para este enlace. Vuelve a empezar para obtener uno nuevo.',
  'resend.button': 'Enviar un enlace nuevo',
  'resend.title': 'Revisa tu correo',
  'resend.text': 'Hay un nuevo enlace de inicio de sesión en camino a {email}. Ábrelo en este dispositivo para iniciar sesión.',
  'resend.hint': 'Puede tardar un minuto en llegar. Si no llega, revisa tu carpeta de spam.',

  // A link that was already used.
  'used.title': 'Este enlace ya se usó',
  'used.text': 'Se abrió {when} desde {device}.',
  'used.live': 'La sesión que se inició con él sigue abierta en {device}.',
  'used.ended': 'La sesión que se inició con él ya terminó.',
  'used.ifYou': 'Si fuiste tú, no tienes que hacer nada.',
  'used.notYou': '¿No fuiste tú? Cierra esa sesión.',
  'used.why': 'Escribe la dirección de correo electrónico a la que se envió este enlace. Pedirla impide que los escáneres automáticos de enlaces, que hacen clic en los botones, cierren la sesión de nadie.',
  'used.button': 'Cerrar esa sesión',
  'used.mismatch': 'Esa dirección no coincide con este enlace.',

  // After a cross-device approval: this browser gets no session.
  'approved.title': 'Aprobado. Vuelve a tu otro dispositivo',
  'approved.text': 'Se aprobó el inicio de sesión desde {device}. Vuelve a ese dispositivo para continuar.',
  'approved.hint': 'En este dispositivo no se ha iniciado sesión. Puedes cerrar esta página.',

  // After "Sign that session out".
  'revoked.title': 'Esa sesión se cerró',
  'revoked.text': 'La sesión que se inició con este enlace ya terminó.',
  'revoked.advice': 'Si no pediste este enlace, es posible que otra persona pueda leer tu correo. Cambia la contraseña de tu correo electrónico.',
  'revoked.button': 'Iniciar sesión',

  // Page versions of the errors.
  'error.badRequest.title': 'Algo salió mal',
  'error.badRequest.text': 'Esta página llegó incompleta o se modificó por el camino. Vuelve a empezar desde la página de inicio de sesión.',
  'error.forbidden.title': 'Se bloqueó esta solicitud',
  'error.forbidden.text': 'Venía de otro sitio web. Si estabas iniciando sesión, vuelve a empezar desde la página de inicio de sesión.',
  'error.rateLimited.title': 'Demasiados intentos',
  'error.rateLimited.text': 'Por tu seguridad, el inicio de sesión está en pausa para esta red. Vuelve a intentarlo {retry}.',
  'error.unavailable.title': 'El inicio de sesión no está disponible',
  'error.unavailable.text': 'No pudimos conectar con el servicio de inicio de sesión. Espera un momento y vuelve a intentarlo.',
  'error.internal.title': 'Algo salió mal por nuestra parte',
  'error.internal.text': 'Puede que tu enlace siga funcionando. Espera un momento y vuelve a abrirlo.',

  // The sign-in mail.
  'mail.login.subject': 'Inicia sesión en {app}',
  'mail.login.intro': 'Alguien pidió iniciar sesión en {app} como {email}.',
  'mail.login.requested': 'Solicitado {when} desde {device}.',
  'mail.login.open': 'Abre este enlace para iniciar sesión:',
  'mail.login.button': 'Iniciar sesión',
  'mail.login.orLink': 'O abre este enlace:',
  'mail.login.code': 'O escribe este código en la pantalla donde pediste iniciar sesión:',
  'mail.login.lifetime': 'El enlace y el código solo funcionan una vez y expiran en {duration}.',
  'mail.login.lifetimeNoCode': 'El enlace solo funciona una vez y expira en {duration}.',
  'mail.login.onlyYou': 'Continúa solo si eres tú quien acaba de pedir iniciar sesión. Nunca compartas este enlace ni este código con nadie.',
  'mail.login.ignore': 'Si no fuiste tú, ignora este correo: nadie puede iniciar sesión sin acceso a tu buzón.',

  // The notice after a cross-device sign-in.
  'mail.notice.subject': 'Nuevo inicio de sesión en {app}',
  'mail.notice.text': 'Se inició sesión en {app} con la cuenta {email} {when} desde {device}, después de que se aprobara un enlace de inicio de sesión en otro dispositivo.',
  'mail.notice.ok': 'Si fuiste tú, no tienes que hacer nada.',
  'mail.notice.notYou': 'Si no fuiste tú, cierra esa sesión ahora y nunca compartas códigos de inicio de sesión con nadie.',
  'mail.notice.button': 'Revisar tus sesiones',

  // An address change: the confirmation sent to the new address.
  'mail.change.subject': 'Confirma tu nueva dirección de correo en {app}',
  'mail.change.intro': 'Alguien con sesión iniciada en {app} pidió usar {email} como dirección de correo de su cuenta.',
  'mail.change.open': 'Para confirmarlo, abre este enlace en el navegador desde el que pediste el cambio:',
  'mail.change.button': 'Confirmar esta dirección',
  'mail.change.code': 'O escribe este código en la pantalla donde pediste el cambio:',
  'mail.change.ignore': 'Si no lo pediste tú, ignora este correo: sin tu confirmación, no cambia nada.',

  // An address change to an address that already has an account.
  'mail.taken.subject': 'Sobre tu dirección de correo en {app}',
  'mail.taken.text': 'Alguien con sesión iniciada en {app} pidió usar {email} para su cuenta, pero esta dirección ya tiene su propia cuenta. No se cambió nada.',
  'mail.taken.ignore': 'Si fuiste tú, inicia sesión directamente con esta dirección. Si no, ignora este correo.',

  // The notice to the old address after a change.
  'mail.changed.subject': 'Se cambió tu dirección de correo en {app}',
  'mail.changed.text': 'La dirección de correo de tu cuenta de {app} se cambió a {email} {when}. Se cerraron todas las demás sesiones de la cuenta.',
  'mail.changed.notYou': 'Si no hiciste este cambio, ponte en contacto con el equipo de soporte de inmediato. Nadie puede deshacerlo desde este correo.',
  'mail.changed.button': 'Revisar tu cuenta',

  'mail.support': '¿Necesitas ayuda? Ponte en contacto con el equipo de soporte:',
} satisfies MagicLinkMessages
