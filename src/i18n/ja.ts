import type { MagicLinkMessages } from './types.js'

/** Japanese (日本語). */
export const ja = {
  // A device, from a fixed vocabulary of browser and system names.
  'device.browserOnSystem': '{system}の{browser}',
  'device.unknownBrowser': '不明なブラウザ',

  // Times: relative when recent, otherwise the date in words (`{date}` is localized by Intl).
  'time.justNow': 'たった今',
  'time.at': '{date}に',

  // Shared by every page.
  'page.startAgain': '最初からやり直す',
  'page.backTo': '{app}に戻る',
  'page.support': 'お困りの場合はサポートへお問い合わせください',
  'page.emailLabel': 'メールアドレス',
  'page.emailMalformed': 'メールアドレスの形式が正しくないようです。確認して、もう一度お試しください。',

  // The link opened in the browser that asked for it.
  'sameBrowser.title': '{app}にログイン',
  'sameBrowser.text': '{email}として{app}にログインします。',
  'sameBrowser.hint': 'ご自身でたった今ログインをリクエストした場合のみ、続行してください。',
  'sameBrowser.button': 'ログイン',

  // The link opened in another browser: approval needs the code shown where the sign-in began.
  'otherBrowser.title': '別のデバイスでログインしますか？',
  'otherBrowser.text': '{when}、{device}から{app}へのログインがリクエストされました。',
  'otherBrowser.safe': '心当たりがない場合は、何もしないでください。リクエスト元の画面に表示されているコードがなければ、誰もログインできません。',
  'otherBrowser.instruction': 'ご自身によるリクエストの場合は、ログインをリクエストした画面に表示されているコードを入力してください。',
  'otherBrowser.label': 'もう一方の画面に表示されているコード',
  'otherBrowser.button': 'ログインを承認',
  'code.required': 'ログインをリクエストした画面に表示されているコードを入力してください。',
  'code.malformed': 'ログイン画面に表示されたコードではありません。コードは「ABC-DEF」のような形式です。',
  'code.wrong': 'コードが正しくありません。',
  'code.attemptsLeft': { other: 'あと{count}回入力できます。' },

  // Only the asking browser may use the link (`crossDevice: 'off'`).
  'sameBrowserOnly.title': 'リクエストしたブラウザでこのリンクを開いてください',
  'sameBrowserOnly.text': '安全のため、このリンクはログインをリクエストしたブラウザでのみ使用できます。',

  // An invitation: the person proves the address by typing it.
  'invite.title': '{app}にログイン',
  'invite.text': 'この招待が送信されたメールアドレスを入力して、ログインしてください。',
  'invite.button': 'ログイン',
  'invite.mismatch': 'このメールアドレスは、招待の送信先と一致しません。',

  // Links that no longer work.
  'expired.title': 'このリンクは有効期限切れです',
  'expired.text': 'ログインリンクの有効期限は数分間です。新しいリンクをリクエストして、すぐにご利用ください。',
  'superseded.title': 'このリンクは新しいリンクに置き換えられました',
  'superseded.text': 'このリンクの後に新しいログインリンクが送信されたため、このリンクは使用できなくなりました。最新のメールに記載されたリンクを使用するか、新しいリンクをリクエストしてください。',
  'unknown.title': 'このリンクは無効です',
  'unknown.text': 'コピーした際にリンクの一部が欠けた可能性があります。最初からやり直して、新しいリンクを取得してください。',
  'denied.title': 'このログインは中止されました',
  'denied.text': 'このリンクに対して誤ったコードが何度も入力されました。最初からやり直して、新しいリンクを取得してください。',
  'resend.button': '新しいリンクを送信',
  'resend.title': 'メールをご確認ください',
  'resend.text': '新しいログインリンクを{email}宛てに送信しています。このデバイスでリンクを開いて、ログインしてください。',
  'resend.hint': '届くまでに1分ほどかかることがあります。届かない場合は、迷惑メールフォルダをご確認ください。',

  // A link that was already used.
  'used.title': 'このリンクは使用済みです',
  'used.text': 'このリンクは{when}、{device}で開かれました。',
  'used.live': 'このリンクで開始されたセッションは、{device}で現在もログイン中です。',
  'used.ended': 'このリンクで開始されたセッションは終了しています。',
  'used.ifYou': 'ご自身の操作であれば、何もする必要はありません。',
  'used.notYou': '心当たりがない場合は、そのセッションをログアウトさせてください。',
  'used.why': 'このリンクが送信されたメールアドレスを入力してください。メールアドレスの入力をお願いしているのは、ボタンを自動でクリックするリンクスキャナーによって、誰かがログアウトさせられるのを防ぐためです。',
  'used.button': 'そのセッションをログアウト',
  'used.mismatch': 'このメールアドレスは、このリンクの送信先と一致しません。',

  // After a cross-device approval: this browser gets no session.
  'approved.title': '承認しました。もう一方のデバイスに戻ってください',
  'approved.text': '{device}からのログインを承認しました。そのデバイスに戻って続行してください。',
  'approved.hint': 'このデバイスではログインしていません。このページは閉じてかまいません。',

  // After "Sign that session out".
  'revoked.title': 'そのセッションはログアウトされました',
  'revoked.text': 'このリンクで開始されたセッションは終了しました。',
  'revoked.advice': 'このリンクをリクエストした覚えがない場合、第三者があなたのメールを読める状態にある可能性があります。メールアカウントのパスワードを変更してください。',
  'revoked.button': 'ログイン',

  // Page versions of the errors.
  'error.badRequest.title': '問題が発生しました',
  'error.badRequest.text': 'このページから送信された内容が不完全か、途中で変更されています。ログインページから最初からやり直してください。',
  'error.forbidden.title': 'このリクエストはブロックされました',
  'error.forbidden.text': '別のサイトから送信されたリクエストです。ログインの途中だった場合は、ログインページから最初からやり直してください。',
  'error.rateLimited.title': '試行回数が上限に達しました',
  'error.rateLimited.text': '安全のため、このネットワークからのログインを一時的に停止しています。{retry}から再度お試しいただけます。',
  'error.unavailable.title': '現在ログインできません',
  'error.unavailable.text': 'ログインサービスに接続できませんでした。しばらく待ってから、もう一度お試しください。',
  'error.internal.title': 'サーバー側で問題が発生しました',
  'error.internal.text': 'リンクはまだ有効な可能性があります。しばらく待ってから、もう一度開いてください。',

  // The sign-in mail.
  'mail.login.subject': '{app}のログインリンク',
  'mail.login.intro': '{email}として{app}へのログインがリクエストされました。',
  'mail.login.requested': '{when}、{device}からリクエストされました。',
  'mail.login.open': '次のリンクを開いてログインしてください。',
  'mail.login.button': 'ログイン',
  'mail.login.orLink': 'または、次のリンクを開いてください。',
  'mail.login.code': 'または、ログインをリクエストした画面で次のコードを入力してください。',
  'mail.login.lifetime': 'リンクとコードは1回のみ使用でき、有効期限は{duration}です。',
  'mail.login.lifetimeNoCode': 'リンクは1回のみ使用でき、有効期限は{duration}です。',
  'mail.login.onlyYou': 'ご自身でたった今ログインをリクエストした場合のみ、続行してください。このリンクやコードは、決して誰にも教えないでください。',
  'mail.login.ignore': '心当たりがない場合は、このメールを無視してください。あなたのメールボックスにアクセスできない限り、誰もログインできません。',

  // The notice after a cross-device sign-in.
  'mail.notice.subject': '{app}に新しいログインがありました',
  'mail.notice.text': '{when}、{device}から{app}のアカウント（{email}）へのログインがありました。別のデバイスでログインリンクが承認されたことによるものです。',
  'mail.notice.ok': 'ご自身の操作であれば、何もする必要はありません。',
  'mail.notice.notYou': '心当たりがない場合は、今すぐそのセッションをログアウトさせてください。また、ログインコードは決して誰にも教えないでください。',
  'mail.notice.button': 'セッションを確認',

  // An address change: the confirmation sent to the new address.
  'mail.change.subject': '{app}の新しいメールアドレスを確認してください',
  'mail.change.intro': '{app}にログイン中のユーザーから、アカウントのメールアドレスを{email}に変更するリクエストがありました。',
  'mail.change.open': '変更を確定するには、変更をリクエストしたブラウザで次のリンクを開いてください。',
  'mail.change.button': 'このメールアドレスを確認',
  'mail.change.code': 'または、変更をリクエストした画面で次のコードを入力してください。',
  'mail.change.ignore': '心当たりがない場合は、このメールを無視してください。確認が行われない限り、何も変更されません。',

  // An address change to an address that already has an account.
  'mail.taken.subject': '{app}のメールアドレスについて',
  'mail.taken.text': '{app}にログイン中のユーザーから、{email}をアカウントのメールアドレスとして使用するリクエストがありましたが、このメールアドレスのアカウントがすでに存在するため、変更は行われませんでした。',
  'mail.taken.ignore': 'ご自身によるリクエストの場合は、代わりにこのメールアドレスでログインしてください。心当たりがない場合は、このメールを無視してください。',

  // The notice to the old address after a change.
  'mail.changed.subject': '{app}のメールアドレスが変更されました',
  'mail.changed.text': '{when}、{app}のアカウントのメールアドレスが{email}に変更されました。このアカウントのその他のセッションは、すべてログアウトされました。',
  'mail.changed.notYou': 'この変更に心当たりがない場合は、すぐにサポートへお問い合わせください。このメールから変更を取り消すことは、誰にもできません。',
  'mail.changed.button': 'アカウントを確認',

  'mail.support': 'お困りの場合は、サポートまでお問い合わせください：',
} satisfies MagicLinkMessages
