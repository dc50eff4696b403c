import type { MagicLinkMessages } from './types.js'

/** Brazilian Portuguese (português do Brasil). */
export const ptBR = {
  // A device, from a fixed vocabulary of browser and system names.
  'device.browserOnSystem': '{browser} no {system}',
  'device.unknownBrowser': 'um navegador desconhecido',

  // Times: relative when recent, otherwise the date in words (`{date}` is localized by Intl).
  'time.justNow': 'agora mesmo',
  'time.at': 'em {date}',

  // Shared by every page.
  'page.startAgain': 'Começar de novo',
  'page.backTo': 'Voltar para {app}',
  'page.support': 'Precisa de ajuda? Fale com o suporte',
  'page.emailLabel': 'Seu e-mail',
  'page.emailMalformed': 'Isso não parece um endereço de e-mail. Confira e tente de novo.',

  // The link opened in the browser that asked for it.
  'sameBrowser.title': 'Entrar em {app}',
  'sameBrowser.text': 'Você está entrando em {app} como {email}.',
  'sameBrowser.hint': 'Só continue se você acabou de pedir para entrar.',
  'sameBrowser.button': 'Entrar',

  // The link opened in another browser: approval needs the code shown where the sign-in began.
  'otherBrowser.title': 'Entrar no seu outro dispositivo?',
  'otherBrowser.text': 'Alguém pediu para entrar em {app} {when} usando {device}.',
  'otherBrowser.safe': 'Não foi você? Não faça nada. Ninguém entra sem o código que aparece na tela onde o acesso foi pedido.',
  'otherBrowser.instruction': 'Se foi você, digite o código que aparece na tela onde você pediu para entrar.',
  'otherBrowser.label': 'Código da outra tela',
  'otherBrowser.button': 'Aprovar acesso',
  'code.required': 'Digite o código que aparece na tela onde você pediu para entrar.',
  'code.malformed': 'Esse não é um código da tela de login. Ele tem este formato: ABC-DEF.',
  'code.wrong': 'Código incorreto.',
  'code.attemptsLeft': {
    one: 'Você ainda tem {count} tentativa.',
    many: 'Você ainda tem {count} tentativas.',
    other: 'Você ainda tem {count} tentativas.',
  },

  // Only the asking browser may use the link (`crossDevice: 'off'`).
  'sameBrowserOnly.title': 'Abra este link no navegador em que você o pediu',
  'sameBrowserOnly.text': 'Por segurança, este link só funciona no navegador em que você pediu para entrar.',

  // An invitation: the person proves the address by typing it.
  'invite.title': 'Entrar em {app}',
  'invite.text': 'Digite o endereço de e-mail que recebeu este convite para entrar.',
  'invite.button': 'Entrar',
  'invite.mismatch': 'Esse e-mail não corresponde a este convite.',

  // Links that no longer work.
  'expired.title': 'Este link expirou',
  'expired.text': 'Os links de acesso só funcionam por alguns minutos. Peça um novo e use-o logo em seguida.',
  'superseded.title': 'Este link foi substituído',
  'superseded.text': 'Um link de acesso mais recente foi enviado depois deste, então este não funciona mais. Use o link do e-mail mais recente ou peça um novo.',
  'unknown.title': 'Este link não é válido',
  'unknown.text': 'Talvez parte dele tenha sido cortada na hora de copiar. Comece de novo para receber um novo link.',
  'denied.title': 'Este acesso foi interrompido',
  'denied.text': 'Foram digitados códigos errados demais para este link. Comece de novo para receber um novo link.',
  'resend.button': 'Enviar um novo link',
  'resend.title': 'Confira seu e-mail',
  'resend.text': 'Um novo link de acesso está a caminho de {email}. Abra-o neste dispositivo para entrar.',
  'resend.hint': 'Ele pode levar um minuto para chegar. Se não chegar, confira a pasta de spam.',

  // A link that was already used.
  'used.title': 'Este link já foi usado',
  'used.text': 'Foi aberto {when} usando {device}.',
  'used.live': 'A sessão iniciada por esse link continua ativa em {device}.',
  'used.ended': 'A sessão iniciada por esse link já foi encerrada.',
  'used.ifYou': 'Se foi você, não é preciso fazer nada.',
  'used.notYou': 'Não foi você? Encerre essa sessão.',
  'used.why': 'Digite o e-mail para o qual este link foi enviado. Pedimos isso para que os scanners automáticos de links, que clicam em botões, não desconectem ninguém.',
  'used.button': 'Encerrar essa sessão',
  'used.mismatch': 'Esse e-mail não corresponde a este link.',

  // After a cross-device approval: this browser gets no session.
  'approved.title': 'Aprovado. Volte para o seu outro dispositivo',
  'approved.text': 'O acesso pedido usando {device} foi aprovado. Volte para esse dispositivo para continuar.',
  'approved.hint': 'Você não está conectado neste dispositivo. Pode fechar esta página.',

  // After "Sign that session out".
  'revoked.title': 'Essa sessão foi encerrada',
  'revoked.text': 'A sessão iniciada por este link foi encerrada.',
  'revoked.advice': 'Se você não pediu este link, outra pessoa pode estar conseguindo ler seus e-mails. Troque a senha do seu e-mail.',
  'revoked.button': 'Entrar',

  // Page versions of the errors.
  'error.badRequest.title': 'Algo deu errado',
  'error.badRequest.text': 'Os dados desta página chegaram incompletos ou foram alterados no caminho. Comece de novo pela página de login.',
  'error.forbidden.title': 'Esta solicitação foi bloqueada',
  'error.forbidden.text': 'Ela veio de outro site. Se você estava entrando, comece de novo pela página de login.',
  'error.rateLimited.title': 'Muitas tentativas',
  'error.rateLimited.text': 'Por segurança, o login foi pausado nesta rede. Tente novamente {retry}.',
  'error.unavailable.title': 'Login indisponível',
  'error.unavailable.text': 'Não conseguimos acessar o serviço de login. Aguarde um momento e tente novamente.',
  'error.internal.title': 'Algo deu errado do nosso lado',
  'error.internal.text': 'Seu link ainda pode funcionar. Aguarde um momento e abra-o de novo.',

  // The sign-in mail.
  'mail.login.subject': 'Entrar em {app}',
  'mail.login.intro': 'Alguém pediu para entrar em {app} como {email}.',
  'mail.login.requested': 'Pedido feito {when} usando {device}.',
  'mail.login.open': 'Abra este link para entrar:',
  'mail.login.button': 'Entrar',
  'mail.login.orLink': 'Ou abra este link:',
  'mail.login.code': 'Ou digite este código na tela onde você pediu para entrar:',
  'mail.login.lifetime': 'O link e o código só podem ser usados uma vez e expiram em {duration}.',
  'mail.login.lifetimeNoCode': 'O link só pode ser usado uma vez e expira em {duration}.',
  'mail.login.onlyYou': 'Só continue se foi você mesmo quem acabou de pedir para entrar. Nunca compartilhe este link nem o código com ninguém.',
  'mail.login.ignore': 'Se não foi você, ignore este e-mail: ninguém consegue entrar sem acesso à sua caixa de entrada.',

  // The notice after a cross-device sign-in.
  'mail.notice.subject': 'Novo login em {app}',
  'mail.notice.text': 'Foi feito login em {app} com {email} {when} usando {device}, depois que um link de acesso foi aprovado em outro dispositivo.',
  'mail.notice.ok': 'Se foi você, não é preciso fazer nada.',
  'mail.notice.notYou': 'Se não foi você, encerre essa sessão agora e nunca compartilhe códigos de acesso com ninguém.',
  'mail.notice.button': 'Revisar suas sessões',

  // An address change: the confirmation sent to the new address.
  'mail.change.subject': 'Confirme seu novo e-mail em {app}',
  'mail.change.intro': 'Alguém conectado em {app} pediu para usar {email} como o e-mail da conta.',
  'mail.change.open': 'Para confirmar, abra este link no navegador em que você pediu a alteração:',
  'mail.change.button': 'Confirmar este e-mail',
  'mail.change.code': 'Ou digite este código na tela onde você pediu a alteração:',
  'mail.change.ignore': 'Se você não pediu essa alteração, ignore este e-mail: nada muda sem a sua confirmação.',

  // An address change to an address that already has an account.
  'mail.taken.subject': 'Sobre seu e-mail em {app}',
  'mail.taken.text': 'Alguém conectado em {app} pediu para usar {email} na própria conta, mas já existe uma conta com este e-mail. Nada foi alterado.',
  'mail.taken.ignore': 'Se foi você, entre diretamente com este e-mail. Se não foi, ignore esta mensagem.',

  // The notice to the old address after a change.
  'mail.changed.subject': 'Seu e-mail em {app} foi alterado',
  'mail.changed.text': 'O e-mail da sua conta em {app} foi alterado para {email} {when}. Todas as outras sessões da conta foram encerradas.',
  'mail.changed.notYou': 'Se não foi você quem fez essa alteração, fale com o suporte imediatamente. Ninguém consegue desfazê-la por meio deste e-mail.',
  'mail.changed.button': 'Revisar sua conta',

  'mail.support': 'Precisa de ajuda? Fale com o suporte:',
} satisfies MagicLinkMessages
