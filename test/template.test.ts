import t from 'tap'
import {
  escapeHtml,
  renderDefaultMail,
  renderSignInNotice,
  type MailContext,
  type NoticeContext,
} from '../src/mail/template.js'
import { describeUserAgent } from '../src/mail/user-agent.js'
import { messages, Translator } from '../src/i18n/index.js'
import type { MagicLinkMessages } from '../src/i18n/types.js'
import type { Brand } from '../src/pages/index.js'

const EN = new Translator('en', messages.en as MagicLinkMessages)
const BRAND: Brand = { name: 'app.example.com', logoUrl: null, color: null, onColor: null, supportUrl: null }

const XSS = '<script>alert(1)</script>'
const XSS_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;'

const mailContext = (over: Partial<MailContext> = {}): MailContext => ({
  email: 'ada@example.com',
  link: 'https://app.example.com/auth/verify?token=TOKEN_abc-123&x=1',
  otp: '042917',
  requestedAt: new Date('2025-03-04T05:06:07.890Z'),
  device: 'Firefox on Linux',
  appName: 'app.example.com',
  expiresInMinutes: 10,
  locale: 'en',
  brand: BRAND,
  messages: EN.messages,
  invite: false,
  ...over,
})

const noticeContext = (over: Partial<NoticeContext> = {}): NoticeContext => ({
  email: 'ada@example.com',
  device: 'Safari on iOS',
  at: new Date('2025-03-04T05:16:00.000Z'),
  appName: 'app.example.com',
  sessionsUrl: 'https://app.example.com/account/sessions',
  locale: 'en',
  brand: BRAND,
  messages: EN.messages,
  ...over,
})

t.test('escapeHtml escapes the five HTML-significant characters', async (t) => {
  t.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`),
    '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;')
  t.equal(escapeHtml('plain text'), 'plain text')
})

t.test('login mail: link and code in both parts', async (t) => {
  const ctx = mailContext()
  const mail = renderDefaultMail(ctx, EN)
  t.ok(mail.text.includes(ctx.link), 'raw link in text')
  t.ok(mail.text.includes('042917'), 'code in text')
  t.ok(mail.html.includes(`href="${escapeHtml(ctx.link)}"`), 'link as href in html')
  t.ok(mail.html.includes('&amp;x=1'), 'the link\'s & is escaped in html')
  t.ok(mail.html.includes('>042917</p>'), 'code in html')
  t.match(mail.html, /<a href="[^"]+" style="[^"]+">Sign in<\/a>/, 'a button')
  for (const part of [mail.text, mail.html]) {
    t.ok(part.includes('Firefox on Linux'), 'requester device')
    t.ok(part.includes('Requested on March 4, 2025 at 5:06 AM UTC from Firefox on Linux.'), 'request time in words, UTC named')
    t.ok(part.includes('expire in 10 minutes'), 'lifetime')
    t.ok(part.includes('If this wasn’t you, ignore this email: no one can sign in without access to your mailbox.'))
  }
})

t.test('every attribute value is closed where it should be', async (t) => {
  for (const mail of [renderDefaultMail(mailContext(), EN), renderSignInNotice(noticeContext(), EN)]) {
    // after a closing quote comes a space, '>' or '/>', never more attribute text
    t.notMatch(mail.html, /="[^"]*"[^\s>/]/)
  }
})

t.test('T6: the match code never appears in the mail', async (t) => {
  const mail = renderDefaultMail(mailContext(), EN)
  for (const part of [mail.subject, mail.text, mail.html]) {
    t.notOk(part.includes('BCD-FGH') || part.includes('BCDFGH'), 'a mail reader must not learn the screen code')
  }
})

t.test('login mail without OTP has no code section', async (t) => {
  const mail = renderDefaultMail(mailContext({ otp: null }), EN)
  t.notOk(mail.text.includes('type this code'))
  t.notOk(mail.html.includes('type this code'))
  t.ok(mail.text.includes('The link works once and expires in 10 minutes.'))
  t.notMatch(mail.text, /\d{6}/)
  t.ok(mail.text.includes(mailContext().link))
})

t.test('lifetime is written for people', async (t) => {
  t.ok(renderDefaultMail(mailContext({ expiresInMinutes: 1 }), EN).text.includes('expire in 1 minute.'))
  t.ok(renderDefaultMail(mailContext({ expiresInMinutes: 60 }), EN).text.includes('expire in 1 hour.'))
  t.ok(renderDefaultMail(mailContext({ expiresInMinutes: 10 }), new Translator('de', messages.de as MagicLinkMessages)).text.includes('10 Minuten'))
})

t.test('an invitation names no requesting browser', async (t) => {
  const mail = renderDefaultMail(mailContext({ invite: true, device: 'an invitation' }), EN)
  t.notMatch(mail.text, /Requested|invitation/)
})

t.test('T11: the subject is fixed text plus appName, whatever the address or device', async (t) => {
  const a = renderDefaultMail(mailContext(), EN)
  const b = renderDefaultMail(mailContext({ email: 'x\r\nBcc: evil@evil.io', device: XSS, otp: '999999', link: 'https://other' }), EN)
  t.equal(a.subject, 'Sign in to app.example.com')
  t.equal(b.subject, a.subject)
  t.notOk(a.subject.includes('ada'))
  t.notOk(a.subject.includes('042917'), 'lock screens show subjects: no code in it')
  const n = renderSignInNotice(noticeContext({ email: 'someone-else@example.org', device: XSS }), EN)
  t.equal(n.subject, 'New sign-in to app.example.com')
  t.equal(renderSignInNotice(noticeContext(), EN).subject, n.subject)
})

t.test('T21: every field of the login mail is escaped in html', async (t) => {
  for (const field of ['email', 'link', 'otp', 'device', 'brand'] as const) {
    const mail = renderDefaultMail(mailContext(field === 'brand' ? { brand: { ...BRAND, name: XSS } } : { [field]: XSS }), EN)
    t.notOk(mail.html.includes('<script'), `${field}: no live script tag`)
    t.ok(mail.html.includes(XSS_ESCAPED), `${field}: rendered as text`)
  }
  const attr = renderDefaultMail(mailContext({ link: 'https://a.example/"><img src=x onerror=alert(1)>' }), EN)
  t.notOk(attr.html.includes('<img'), 'no breaking out of href')
  t.ok(attr.html.includes('href="https://a.example/&quot;&gt;&lt;img'))
})

t.test('T21: every field of the sign-in notice is escaped in html', async (t) => {
  for (const field of ['email', 'device', 'brand', 'sessionsUrl'] as const) {
    const mail = renderSignInNotice(noticeContext(field === 'brand' ? { brand: { ...BRAND, name: XSS } } : { [field]: XSS }), EN)
    t.notOk(mail.html.includes('<script'), `${field}: no live script tag`)
    t.ok(mail.html.includes(XSS_ESCAPED), `${field}: rendered as text`)
  }
})

t.test('sign-in notice content', async (t) => {
  const ctx = noticeContext()
  const mail = renderSignInNotice(ctx, EN)
  for (const part of [mail.text, mail.html]) {
    t.ok(part.includes('ada@example.com'))
    t.ok(part.includes('Safari on iOS'))
    t.ok(part.includes('on March 4, 2025 at 5:16 AM UTC'))
    t.ok(part.includes(ctx.sessionsUrl))
  }
  t.ok(mail.html.includes(`href="${ctx.sessionsUrl}"`))
})

t.test('T21: User-Agent summaries come from a fixed vocabulary', async (t) => {
  const cases: Array<[string | undefined, string]> = [
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on macOS'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox on Linux'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51', 'Edge on Windows'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1', 'Chrome on iOS'],
    ['Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15', 'Firefox on iOS'],
    ['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36', 'Samsung Internet on Android'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0', 'Opera on Windows'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome on ChromeOS'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36', 'Headless Chrome on Linux'],
    ['curl/8.5.0', 'curl'],
    ['Wget/1.21.4', 'Wget'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Unknown browser on Windows'],
    ['python-requests/2.31.0', 'Unknown browser'],
    ['', 'Unknown browser'],
    [undefined, 'Unknown browser'],
    [XSS, 'Unknown browser'],
    [`${XSS} Firefox/125.0 (X11; Linux x86_64)`, 'Firefox on Linux'],
    ['Mozilla/5.0 (X11; Linux x86_64) ' + 'x'.repeat(16_000) + ' Firefox/125.0', 'Unknown browser on Linux'],
  ]
  const vocabulary = /^(?:curl|Wget|(?:Headless Chrome|Edge|Opera|Samsung Internet|Firefox|Chrome|Safari|Unknown browser)(?: on (?:iOS|Android|ChromeOS|Windows|macOS|Linux))?)$/
  for (const [ua, expected] of cases) {
    const summary = describeUserAgent(ua)
    t.equal(summary, expected, String(ua).slice(0, 60))
    t.match(summary, vocabulary)
  }
})
