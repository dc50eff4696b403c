// T24: email eavesdropping or mailbox compromise. Partly inherent and answered in the README's
// "Security" section ("What remains the app's job": email is not a NIST SP 800-63B authenticator,
// use step-up or passkeys for sensitive actions; SMTP with `requireTLS: true`). Tested here is
// what the plugin controls: with `requireTLS` against a server that offers no STARTTLS the send
// fails, is logged and reported, and nothing is delivered in plaintext; with STARTTLS it is
// delivered over TLS; the link is short-lived and single-use; a cross-device login is notified.
import t from 'tap'
import nodemailer from 'nodemailer'
import { Jar, send } from '../helpers/app.js'
import { startSmtpSink } from '../helpers/smtp.js'
import { buildApp, sleep, until } from './lib.js'

t.test('requireTLS against an SMTP server without STARTTLS: the send fails, is logged, nothing is delivered', async (t) => {
  const sink = await startSmtpSink()
  t.teardown(() => sink.stop())
  const errors: Array<{ error: unknown, email: string, kind: string }> = []
  const a = await buildApp({
    logLevel: 'info',
    sendMail: undefined,
    mail: { transport: nodemailer.createTransport({ host: sink.transportOptions.host, port: sink.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } }), from: 'login@app.example.com' },
    hooks: { onMailError: (error, e) => { errors.push({ error, ...e }) } },
  })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.equal(res.statusCode, 202, 'the response does not change (and does not wait for SMTP)')
  t.ok(await until(() => errors.length > 0, 5000), 'onMailError was called')
  t.equal(errors[0]?.email, 'known@example.com')
  t.equal(errors[0]?.kind, 'login')
  t.match(String((errors[0]?.error as Error | undefined)?.message), /STARTTLS|TLS/i, 'because TLS was required and not offered')
  t.ok(a.logs.some((l) => l.includes('mail could not be sent')), 'the failure is logged')
  await sleep(200)
  t.equal(sink.messages.length, 0, 'nothing was delivered in plaintext')
})

t.test('with STARTTLS offered, requireTLS delivers over TLS', async (t) => {
  const sink = await startSmtpSink({ tls: true })
  t.teardown(() => sink.stop())
  const a = await buildApp({
    sendMail: undefined,
    mail: { transport: nodemailer.createTransport({ host: sink.transportOptions.host, port: sink.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false } }), from: 'login@app.example.com' },
  })
  t.teardown(() => a.app.close())
  await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const [msg] = await sink.waitFor(1)
  t.equal(msg?.secure, true, 'the session was upgraded with STARTTLS before DATA')
  t.same(msg?.envelope.to, ['known@example.com'])
})

t.test('what limits a read mailbox: 10-minute default lifetime, single use, code on the asking screen only', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const asked = await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const { expiresIn, matchCode } = asked.json() as { expiresIn: number, matchCode: string }
  t.equal(expiresIn, 600, 'links live 10 minutes by default')
  const mail = (await a.mails(1))[0]
  t.notOk(`${mail?.message.text ?? ''}${mail?.message.html ?? ''}`.includes(matchCode), 'the mail alone cannot approve another device: the match code is not in it')
  const token = new URL(mail?.ctx?.link ?? 'x:').searchParams.get('token') ?? ''
  const thief = new Jar()
  const stolen = await send(a.app, thief, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(stolen.statusCode, 400, 'a reader of the mailbox, in another browser, gets no session from the link alone')
  t.equal(thief.get('__Host-sid'), undefined)
  a.clock.advance(10 * 60_000)
  const late = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(late.statusCode, 400, 'after 10 minutes the link is dead, even in the asking browser')
})
