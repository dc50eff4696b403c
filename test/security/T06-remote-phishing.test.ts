// T6: cross-device remote phishing ("login CSRF by email", RFC 8628 §5.4). The attacker asks for
// a link for the victim's address from the attacker's own device; the victim (or the victim's
// scanner) opens it. Without the code shown on the attacker's screen nothing happens; the page
// shows who asked, from what, and when; 5 wrong codes deny the attacker; a completed cross-device
// login sends the owner a "new sign-in" notice. Real SMTP sink.
import t, { type Test } from 'tap'
import nodemailer from 'nodemailer'
import { Jar, send } from '../helpers/app.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js'
import { buildApp, FIREFOX_LINUX, FORM_POST, liveCookie, parseForms, SAFARI_IOS, type SecApp } from './lib.js'

let sink: SmtpSink
t.before(async () => { sink = await startSmtpSink() })
t.teardown(async () => { await sink.stop() })

async function appWithSmtp (t: Test, extra: Parameters<typeof buildApp>[0] = {}): Promise<SecApp> {
  const a = await buildApp({
    known: ['victim@example.com'],
    mail: { transport: nodemailer.createTransport(sink.transportOptions), from: 'Login <login@app.example.com>' },
    // buildApp captures mail through sendMail, which would replace the transport: unset it.
    sendMail: undefined,
    ...extra,
  })
  t.teardown(() => a.app.close())
  return a
}

function linkIn (text: string): string {
  return /https:\/\/app\.example\.com\/auth\/verify\?token=([A-Za-z0-9_.-]+)/.exec(text)?.[1] ?? ''
}

async function attackerAsks (t: Test, a: SecApp, before: number): Promise<{ attacker: Jar, matchCode: string, token: string, mailText: string }> {
  const attacker = new Jar()
  const res = await send(a.app, attacker, { method: 'POST', url: '/auth/request', payload: { email: 'victim@example.com' }, headers: { 'user-agent': FIREFOX_LINUX } })
  const messages = await sink.waitFor(before + 1)
  const mail = messages[before]
  t.same(mail?.envelope.to, ['victim@example.com'])
  const mailText = mail?.parsed.text ?? ''
  return { attacker, matchCode: (res.json() as { matchCode: string }).matchCode, token: linkIn(mailText), mailText }
}

t.test('without the code nothing happens; the page shows who asked; 5 wrong codes deny the attacker', async (t) => {
  const a = await appWithSmtp(t)
  const before = sink.messages.length
  const { attacker, matchCode, token, mailText } = await attackerAsks(t, a, before)
  t.ok(token.length > 0, 'the victim got a link')
  t.notOk(mailText.includes(matchCode) || mailText.includes(matchCode.replace('-', '')), 'the screen code is not in the victim\'s mail')
  t.match(mailText, /only continue if you just asked to sign in/i, 'the mail warns to continue only after starting a sign-in')

  const victim = new Jar()
  a.clock.advance(2 * 60_000)
  const page = await send(a.app, victim, { method: 'GET', url: `/auth/verify?token=${token}`, headers: { 'user-agent': SAFARI_IOS } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Firefox on Linux/, 'the page names the requesting browser and system')
  t.match(page.body, /2 minutes ago/, 'and when it asked')
  t.match(page.body, /Didn.t ask for this\? Do nothing/, 'and says what to do if it was not you')
  const forms = parseForms(page.body)
  t.ok(forms.some((f) => f.fields.some((x) => x.name === 'code' && x.type === 'text')), 'it demands the code')
  t.notOk(/<button[^>]*>\s*(deny|decline|cancel|no|reject)/i.test(page.body), 'there is no one-click decline')

  for (const payload of [`token=${token}`, `token=${token}&code=`]) {
    const res = await send(a.app, victim, { method: 'POST', url: '/auth/verify', payload, headers: FORM_POST })
    t.equal(res.statusCode, 400, 'posting without the code is refused')
  }
  t.equal(victim.get('__Host-sid'), undefined)
  const pending = await send(a.app, attacker, { method: 'POST', url: '/auth/poll' })
  t.same(pending.json(), { status: 'pending', interval: 5 }, 'the attacker is still waiting')

  const wrong = ['BBB-BBB', 'CCC-CCC', 'DDD-DDD', 'FFF-FFF', 'GGG-GGG', 'HHH-HHH'].filter((c) => c !== matchCode).slice(0, 5)
  for (const code of wrong) await send(a.app, victim, { method: 'POST', url: '/auth/verify', payload: { token, code } })
  a.clock.advance(10_000)
  const denied = await send(a.app, attacker, { method: 'POST', url: '/auth/poll' })
  t.equal(denied.statusCode, 403)
  t.match(denied.json(), { error: 'access_denied' }, 'after 5 wrong codes the attacker gets access_denied')
  t.equal(liveCookie(denied, '__Host-sid'), undefined)
  const late = await send(a.app, victim, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.equal(late.statusCode, 400, 'the right code no longer works either')
})

t.test('the right code relayed: the attacker gets the session, and the owner a "new sign-in" notice', async (t) => {
  const a = await appWithSmtp(t)
  const before = sink.messages.length
  const { attacker, matchCode, token } = await attackerAsks(t, a, before)
  const victim = new Jar()
  const approve = await send(a.app, victim, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode }, headers: { 'user-agent': SAFARI_IOS } })
  t.same(approve.json(), { status: 'approved' })
  t.equal(victim.get('__Host-sid'), undefined, 'the approving device gets no session')
  const poll = await send(a.app, attacker, { method: 'POST', url: '/auth/poll', headers: { 'user-agent': FIREFOX_LINUX } })
  t.equal(poll.statusCode, 200)
  t.ok(attacker.get('__Host-sid'), 'the residual risk: a relayed code signs the asking device in')
  const messages = await sink.waitFor(before + 2)
  const notice = messages[before + 1]
  t.same(notice?.envelope.to, ['victim@example.com'], 'the notice goes to the account owner')
  t.match(notice?.parsed.subject, /new sign-in/i)
  t.match(notice?.parsed.text, /Firefox on Linux/, 'naming the device that got the session')
})

t.test("crossDevice: 'off': the right code from another browser does not approve", async (t) => {
  const a = await appWithSmtp(t, { crossDevice: 'off' })
  const before = sink.messages.length
  const { attacker, matchCode, token } = await attackerAsks(t, a, before)
  const victim = new Jar()
  const page = await send(a.app, victim, { method: 'GET', url: `/auth/verify?token=${token}` })
  t.notOk(parseForms(page.body).some((f) => f.fields.some((x) => x.name === 'code')), 'no code field is offered')
  const res = await send(a.app, victim, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.equal(res.statusCode, 400)
  const poll = await send(a.app, attacker, { method: 'POST', url: '/auth/poll' })
  t.equal(poll.statusCode, 202, 'the attacker is still waiting')
})

t.test('per-address limits cap how often an attacker can mail a victim', async (t) => {
  const a = await appWithSmtp(t)
  const before = sink.messages.length
  for (let i = 0; i < 5; i++) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'victim@example.com' }, remoteAddress: `203.0.113.${i + 1}` })
    t.equal(res.statusCode, 202)
  }
  await sink.waitFor(before + 1)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(sink.messages.length - before, 1, '5 requests within a minute from 5 addresses: 1 mail')
})
