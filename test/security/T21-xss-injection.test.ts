// T21: XSS and HTML injection through values the attacker controls: the requester's User-Agent
// (shown on the verify page and in the mail), the address, the token and redirectTo. Only a
// fixed-vocabulary device name or escaped text reaches any page or mail; pages carry a CSP that
// runs no script, and nosniff.
import t from 'tap'
import { Jar, send } from '../helpers/app.js'
import { buildApp, FORM_POST, loginMail, tokenFor } from './lib.js'

const UAS = [
  '<script>alert(1)</script>',
  'Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0 <img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "Mozilla/5.0 (Windows NT 10.0) Chrome/124 '><iframe src=javascript:alert(1)>",
  '{{constructor.constructor("alert(1)")()}}',
  'Mozilla/5.0 ' + 'A'.repeat(16_000) + '<script>',
]

/** Any sign of markup or script that came from the input rather than the template. */
const INJECTED = /<script|<img|<svg|<iframe|onerror\s*=|onload\s*=|javascript:|\{\{constructor/i

t.test('hostile User-Agents: the pages and mails show a fixed device name only', async (t) => {
  const a = await buildApp({ rateLimit: false, known: UAS.map((_, i) => `u${i}@example.com`) })
  t.teardown(() => a.app.close())
  for (const [i, ua] of UAS.entries()) {
    const laptop = new Jar()
    const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: `u${i}@example.com` }, headers: { 'user-agent': ua } })).json() as { matchCode: string }
    const mail = await loginMail(a, `u${i}@example.com`)
    const token = await tokenFor(a, `u${i}@example.com`)
    const page = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}`, headers: { 'user-agent': ua } })
    t.notMatch(page.body, INJECTED, `UA ${i}: other-browser page`)
    t.notMatch(mail?.message.html ?? '', INJECTED, `UA ${i}: mail HTML`)
    t.notMatch(mail?.message.text ?? '', INJECTED, `UA ${i}: mail text`)
    t.notMatch(mail?.message.subject ?? '', /[<>"]/, `UA ${i}: subject`)
    t.ok(page.body.length < 20_000, `UA ${i}: the header is not echoed (${page.body.length} bytes)`)
    const approved = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode}`, headers: { ...FORM_POST, 'user-agent': ua } })
    t.notMatch(approved.body, INJECTED, `UA ${i}: approved page`)
    const used = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
    t.notMatch(used.body, INJECTED, `UA ${i}: used-link page (names the approving device)`)
    const claimed = await send(a.app, laptop, { method: 'POST', url: '/auth/poll', headers: { 'user-agent': ua } })
    t.equal(claimed.statusCode, 200)
    const notice = a.outbox.filter((m) => m.ctx === null && m.message.to === `u${i}@example.com`).at(-1)
    t.notMatch(`${notice?.message.html ?? ''}${notice?.message.text ?? ''}`, INJECTED, `UA ${i}: sign-in notice`)
  }
})

t.test('addresses with HTML-significant characters are refused or escaped everywhere', async (t) => {
  const a = await buildApp({ rateLimit: false, users: { find: (email) => ({ id: email }) } })
  t.teardown(() => a.app.close())
  const refused = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: '"<img src=x onerror=alert(1)>"@x.test' } })
  t.equal(refused.statusCode, 400, 'the injection payload is not an address')
  t.notMatch(refused.body, /<img/i, 'and the 400 does not echo it')
  // Legal atext characters that matter in HTML: & ' { } | ~ /
  const email = "o'brien&co{x}/y@example.com"
  const jar = new Jar()
  const ok = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })
  t.equal(ok.statusCode, 202)
  const mail = await loginMail(a, email)
  const token = await tokenFor(a, email)
  const page = await send(a.app, jar, { method: 'GET', url: `/auth/verify?token=${token}` })
  t.match(page.body, /o&#39;brien&amp;co\{x\}\/y@example\.com/, 'the same-browser page escapes the address')
  t.notMatch(page.body, /o'brien&co/, 'no raw copy of it')
  t.notMatch(mail?.message.html ?? '', /o'brien&co/, 'nor in the mail HTML')
})

t.test('reflected token and redirectTo never reach a page unescaped; CSP and nosniff on every page', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const payloads = ['"><script>alert(1)</script>', "'><svg onload=alert(1)>", 'javascript:alert(1)', '%3Cscript%3Ealert(1)%3C/script%3E']
  for (const p of payloads) {
    for (const res of [
      await a.app.inject({ method: 'GET', url: `/auth/verify?token=${encodeURIComponent(p)}` }),
      await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${encodeURIComponent(p)}&code=${encodeURIComponent(p)}`, headers: FORM_POST }),
      await a.app.inject({ method: 'POST', url: '/auth/revoke', payload: `token=${encodeURIComponent(p)}&email=${encodeURIComponent(p)}`, headers: FORM_POST }),
    ]) {
      t.notMatch(res.body, /<script|<svg|javascript:/i, `${res.statusCode} page for ${p.slice(0, 20)}`)
      t.match(String(res.headers['content-security-policy']), /default-src 'none'/)
      t.notMatch(String(res.headers['content-security-policy']), /script-src|unsafe-inline/, 'no script source at all')
      t.equal(res.headers['x-content-type-options'], 'nosniff')
      t.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/)
    }
  }
  const laptop = new Jar()
  const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com', redirectTo: '/"><script>alert(1)</script>' } })).json() as { matchCode: string }
  const token = await tokenFor(a, 'known@example.com')
  const wrong = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${token}&code=<b>${matchCode}</b>`, headers: FORM_POST })
  t.notMatch(wrong.body, /<b>/, 'a typed code is never echoed as markup')
  const done = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: FORM_POST })
  // `"<>` are legal in a same-origin path; what matters is that the plugin never renders it as HTML:
  // it only travels in the Location header (or the JSON poll answer) of a body-less 303.
  t.equal(done.statusCode, 303)
  t.equal(done.body, '', 'the 303 has no body to inject into')
  t.match(String(done.headers.location), /^\/(?![/\\])/, 'Location stays a same-origin path')
  t.notMatch(String(done.headers['content-type'] ?? ''), /html/)
})
