import type { MagicLinkMessages } from './types.js'

/** Arabic (العربية). */
export const ar = {
  // A device, from a fixed vocabulary of browser and system names.
  'device.browserOnSystem': '{browser} على {system}',
  'device.unknownBrowser': 'متصفح غير معروف',

  // Times: relative when recent, otherwise the date in words (`{date}` is localized by Intl).
  'time.justNow': 'قبل لحظات',
  'time.at': 'في {date}',

  // Shared by every page.
  'page.startAgain': 'البدء من جديد',
  'page.backTo': 'العودة إلى {app}',
  'page.support': 'هل تحتاج إلى مساعدة؟ تواصل مع الدعم',
  'page.emailLabel': 'بريدك الإلكتروني',
  'page.emailMalformed': 'لا يبدو هذا عنوان بريد إلكتروني صحيحًا. تحقّق منه وحاول مرة أخرى.',

  // The link opened in the browser that asked for it.
  'sameBrowser.title': 'تسجيل الدخول إلى {app}',
  'sameBrowser.text': 'ستسجّل الدخول إلى {app} بالحساب {email}.',
  'sameBrowser.hint': 'لا تتابع إلا إذا كنت قد طلبت تسجيل الدخول للتو.',
  'sameBrowser.button': 'تسجيل الدخول',

  // The link opened in another browser: approval needs the code shown where the sign-in began.
  'otherBrowser.title': 'هل تريد تسجيل الدخول على جهازك الآخر؟',
  'otherBrowser.text': 'طلب أحدهم تسجيل الدخول إلى {app} من {device} {when}.',
  'otherBrowser.safe': 'لم تطلب ذلك؟ لا تفعل شيئًا. لا يمكن لأحد تسجيل الدخول دون الرمز الظاهر على الشاشة التي صدر منها الطلب.',
  'otherBrowser.instruction': 'إذا كنت أنت من طلب ذلك، فأدخل الرمز الظاهر على الشاشة التي طلبت منها تسجيل الدخول.',
  'otherBrowser.label': 'الرمز الظاهر على الشاشة الأخرى',
  'otherBrowser.button': 'الموافقة على تسجيل الدخول',
  'code.required': 'أدخل الرمز الظاهر على الشاشة التي طلبت منها تسجيل الدخول.',
  'code.malformed': 'هذا ليس رمزًا من شاشة تسجيل الدخول. يكون الرمز بهذا الشكل: ABC-DEF.',
  'code.wrong': 'الرمز غير صحيح.',
  'code.attemptsLeft': {
    zero: 'عدد المحاولات المتبقية لديك: {count}.',
    one: 'لديك محاولة واحدة متبقية.',
    two: 'لديك محاولتان متبقيتان.',
    few: 'لديك {count} محاولات متبقية.',
    many: 'لديك {count} محاولة متبقية.',
    other: 'لديك {count} محاولة متبقية.',
  },

  // Only the asking browser may use the link (`crossDevice: 'off'`).
  'sameBrowserOnly.title': 'افتح هذا الرابط في المتصفح الذي طلبته منه',
  'sameBrowserOnly.text': 'حفاظًا على أمانك، لا يعمل هذا الرابط إلا في المتصفح الذي طلبت منه تسجيل الدخول.',

  // An invitation: the person proves the address by typing it.
  'invite.title': 'تسجيل الدخول إلى {app}',
  'invite.text': 'أدخل عنوان البريد الإلكتروني الذي أُرسلت إليه هذه الدعوة، ثم سجّل الدخول.',
  'invite.button': 'تسجيل الدخول',
  'invite.mismatch': 'هذا العنوان لا يطابق العنوان الذي أُرسلت إليه الدعوة.',

  // Links that no longer work.
  'expired.title': 'انتهت صلاحية هذا الرابط',
  'expired.text': 'لا تعمل روابط تسجيل الدخول إلا لبضع دقائق. اطلب رابطًا جديدًا واستخدمه فورًا.',
  'superseded.title': 'استُبدل هذا الرابط برابط أحدث',
  'superseded.text': 'أُرسل رابط تسجيل دخول أحدث بعد هذا الرابط، لذا لم يعد هذا الرابط يعمل. استخدم الرابط الموجود في أحدث رسالة بريد إلكتروني، أو اطلب رابطًا جديدًا.',
  'unknown.title': 'هذا الرابط غير صالح',
  'unknown.text': 'ربما اقتُطع جزء منه عند نسخه. ابدأ من جديد للحصول على رابط جديد.',
  'denied.title': 'أُوقفت عملية تسجيل الدخول هذه',
  'denied.text': 'أُدخل عدد كبير جدًا من الرموز الخاطئة لهذا الرابط. ابدأ من جديد للحصول على رابط جديد.',
  'resend.button': 'إرسال رابط جديد',
  'resend.title': 'تحقّق من بريدك الإلكتروني',
  'resend.text': 'رابط تسجيل دخول جديد في طريقه إلى {email}. افتحه على هذا الجهاز لتسجيل الدخول.',
  'resend.hint': 'قد يستغرق وصوله دقيقة. إن لم يصل، فتحقّق من مجلد الرسائل غير المرغوب فيها.',

  // A link that was already used.
  'used.title': 'سبق استخدام هذا الرابط',
  'used.text': 'فُتح هذا الرابط في {device} {when}.',
  'used.live': 'لا تزال الجلسة التي بدأها هذا الرابط نشطة في {device}.',
  'used.ended': 'انتهت الجلسة التي بدأها هذا الرابط.',
  'used.ifYou': 'إذا كنت أنت من فعل ذلك، فلا داعي لأي إجراء.',
  'used.notYou': 'لم تكن أنت؟ سجّل الخروج من تلك الجلسة.',
  'used.why': 'أدخل عنوان البريد الإلكتروني الذي أُرسل إليه هذا الرابط. نطلب ذلك لمنع أدوات فحص الروابط الآلية، التي تنقر على الأزرار، من تسجيل خروج أي شخص.',
  'used.button': 'تسجيل الخروج من تلك الجلسة',
  'used.mismatch': 'هذا العنوان لا يطابق العنوان الذي أُرسل إليه هذا الرابط.',

  // After a cross-device approval: this browser gets no session.
  'approved.title': 'تمت الموافقة. عُد إلى جهازك الآخر',
  'approved.text': 'تمت الموافقة على تسجيل الدخول من {device}. عُد إلى ذلك الجهاز للمتابعة.',
  'approved.hint': 'لم يتم تسجيل دخولك على هذا الجهاز. يمكنك إغلاق هذه الصفحة.',

  // After "Sign that session out".
  'revoked.title': 'تم تسجيل الخروج من تلك الجلسة',
  'revoked.text': 'انتهت الجلسة التي بدأها هذا الرابط.',
  'revoked.advice': 'إذا لم تطلب هذا الرابط، فربما يستطيع شخص آخر قراءة بريدك الإلكتروني. غيّر كلمة مرور بريدك الإلكتروني.',
  'revoked.button': 'تسجيل الدخول',

  // Page versions of the errors.
  'error.badRequest.title': 'حدث خطأ ما',
  'error.badRequest.text': 'وصلت بيانات هذه الصفحة ناقصة أو تغيّرت أثناء الإرسال. ابدأ من جديد من صفحة تسجيل الدخول.',
  'error.forbidden.title': 'تم حظر هذا الطلب',
  'error.forbidden.text': 'جاء هذا الطلب من موقع آخر. إذا كنت تسجّل الدخول، فابدأ من جديد من صفحة تسجيل الدخول.',
  'error.rateLimited.title': 'محاولات كثيرة جدًا',
  'error.rateLimited.text': 'حفاظًا على أمانك، أُوقف تسجيل الدخول مؤقتًا من هذه الشبكة. ستتمكن من المحاولة مرة أخرى {retry}.',
  'error.unavailable.title': 'تسجيل الدخول غير متاح',
  'error.unavailable.text': 'تعذّر الوصول إلى خدمة تسجيل الدخول. انتظر قليلًا، ثم حاول مرة أخرى.',
  'error.internal.title': 'حدث خطأ من جهتنا',
  'error.internal.text': 'قد يظل رابطك صالحًا. انتظر قليلًا، ثم افتحه مرة أخرى.',

  // The sign-in mail.
  'mail.login.subject': 'تسجيل الدخول إلى {app}',
  'mail.login.intro': 'طلب أحدهم تسجيل الدخول إلى {app} بالحساب {email}.',
  'mail.login.requested': 'أُرسل الطلب من {device} {when}.',
  'mail.login.open': 'افتح هذا الرابط لتسجيل الدخول:',
  'mail.login.button': 'تسجيل الدخول',
  'mail.login.orLink': 'أو افتح هذا الرابط:',
  'mail.login.code': 'أو أدخل هذا الرمز على الشاشة التي طلبت منها تسجيل الدخول:',
  'mail.login.lifetime': 'يمكن استخدام الرابط والرمز مرة واحدة فقط، ومدة صلاحيتهما {duration}.',
  'mail.login.lifetimeNoCode': 'يمكن استخدام الرابط مرة واحدة فقط، ومدة صلاحيته {duration}.',
  'mail.login.onlyYou': 'لا تتابع إلا إذا كنت أنت من طلب تسجيل الدخول للتو. لا تشارك هذا الرابط أو الرمز مع أي شخص أبدًا.',
  'mail.login.ignore': 'إذا لم تكن أنت من طلب ذلك، فتجاهل هذه الرسالة؛ إذ لا يمكن لأحد تسجيل الدخول دون الوصول إلى صندوق بريدك.',

  // The notice after a cross-device sign-in.
  'mail.notice.subject': 'تسجيل دخول جديد إلى {app}',
  'mail.notice.text': 'تم تسجيل الدخول إلى {app} بالحساب {email} في {device} {when}، بعد الموافقة على رابط تسجيل الدخول من جهاز آخر.',
  'mail.notice.ok': 'إذا كنت أنت من فعل ذلك، فلا داعي لأي إجراء.',
  'mail.notice.notYou': 'إذا لم تكن أنت، فسجّل الخروج من تلك الجلسة الآن، ولا تشارك رموز تسجيل الدخول مع أي شخص أبدًا.',
  'mail.notice.button': 'مراجعة جلساتك',

  // An address change: the confirmation sent to the new address.
  'mail.change.subject': 'أكّد عنوان بريدك الإلكتروني الجديد في {app}',
  'mail.change.intro': 'طلب شخص مسجّل الدخول إلى {app} استخدام {email} عنوانًا للبريد الإلكتروني الخاص بحسابه.',
  'mail.change.open': 'للتأكيد، افتح هذا الرابط في المتصفح الذي طلبت منه التغيير:',
  'mail.change.button': 'تأكيد هذا العنوان',
  'mail.change.code': 'أو أدخل هذا الرمز على الشاشة التي طلبت منها التغيير:',
  'mail.change.ignore': 'إذا لم تطلب ذلك، فتجاهل هذه الرسالة؛ إذ لن يتغيّر شيء دون تأكيدك.',

  // An address change to an address that already has an account.
  'mail.taken.subject': 'بخصوص عنوان بريدك الإلكتروني في {app}',
  'mail.taken.text': 'طلب شخص مسجّل الدخول إلى {app} استخدام {email} لحسابه، لكن يوجد بالفعل حساب مستقل بهذا العنوان. لم يتم تغيير أي شيء.',
  'mail.taken.ignore': 'إذا كنت أنت من طلب ذلك، فسجّل الدخول مباشرةً بهذا العنوان. وإلا فتجاهل هذه الرسالة.',

  // The notice to the old address after a change.
  'mail.changed.subject': 'تم تغيير عنوان بريدك الإلكتروني في {app}',
  'mail.changed.text': 'تم تغيير عنوان البريد الإلكتروني لحسابك في {app} إلى {email} {when}، وتم تسجيل الخروج من جميع الجلسات الأخرى لهذا الحساب.',
  'mail.changed.notYou': 'إذا لم تُجرِ هذا التغيير بنفسك، فتواصل مع الدعم فورًا. لا يمكن لأحد التراجع عن هذا التغيير من خلال هذه الرسالة.',
  'mail.changed.button': 'مراجعة حسابك',

  'mail.support': 'هل تحتاج إلى مساعدة؟ تواصل مع الدعم:',
} satisfies MagicLinkMessages
