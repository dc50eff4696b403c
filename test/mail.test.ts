import t, { type Test } from 'tap'
import Fastify from 'fastify'
import nodemailer from 'nodemailer'
import magicLink, { type MagicLinkOptions } from '../src/index.js'
import { ORIGIN, SECRET } from './helpers/app.js'
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js'

interface Captured { lines: string[], errors: Array<{ error: unknown, email: string }> }

async function app (t: Test, options: Partial<MagicLinkOptions>): Promise<{ app: ReturnType<typeof Fastify>, captured: Captured }> {
  const captured: Captured = { lines: [], errors: [] }
  const instance = Fastify({ logger: { level: 'info', stream: { write: (l: string) => { captured.lines.push(l) } } } })
  await instance.register(magicLink, {
    origin: ORIGIN,
    secret: SECRET,
    users: { find: (email) => email.endsWith('@example.com') ? { id: email } : null },
    hooks: { onMailError: (error, e) => { captured.errors.push({ error, email: e.email }) } },
    ...options,
  })
  await instance.ready()
  t.teardown(() => instance.close())
  return { app: instance, captured }
}

function sinkTeardown (t: Test, sink: SmtpSink): void {
  t.teardown(() => sink.stop())
}

t.test('a real SMTP sink receives one message with exactly one recipient, the link and the code', async (t) => {
  const sink = await startSmtpSink()
  sinkTeardown(t, sink)
  const { app: a } = await app(t, { mail: { transport: nodemailer.createTransport(sink.transportOptions), from: 'Example <login@app.example.com>' } })
  const res = await a.inject({ method: 'POST', url: '/auth/request', payload: { email: 'alice@example.com' }, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' } })
  t.equal(res.statusCode, 202)
  const [msg] = await sink.waitFor(1)
  t.same(msg?.envelope.to, ['alice@example.com'])
  t.equal(msg?.envelope.from, 'login@app.example.com')
  t.notMatch(msg?.raw, /^(bcc|cc):/im)
  t.equal((msg?.parsed.to as { value: Array<{ address: string }> }).value.length, 1)
  const text = msg?.parsed.text ?? ''
  t.match(text, /https:\/\/app\.example\.com\/auth\/verify\?token=[A-Za-z0-9_-]{33}\.[A-Za-z0-9_-]{43}/)
  t.match(text, /\b[0-9]{6}\b/)
  t.match(text, /Firefox on Linux/)
  t.notOk((msg?.parsed.subject ?? '').includes('alice'), 'no user input in the subject')
  t.notOk(text.includes(res.json().matchCode), 'the screen code is not in the mail')
  // One address per message, whatever is typed.
  const inj = await a.inject({ method: 'POST', url: '/auth/request', payload: { email: 'a@example.com,e@evil.io' } })
  t.equal(inj.statusCode, 400)
})

t.test('SMTP refusing: 202 at once, onMailError fires, the log has no token', async (t) => {
  const sink = await startSmtpSink({ refuse: true })
  sinkTeardown(t, sink)
  const { app: a, captured } = await app(t, { mail: { transport: nodemailer.createTransport(sink.transportOptions), from: 'login@app.example.com' } })
  const started = Date.now()
  const res = await a.inject({ method: 'POST', url: '/auth/request', payload: { email: 'bob@example.com' } })
  t.equal(res.statusCode, 202)
  t.ok(Date.now() - started < 200, `answered in ${Date.now() - started} ms`)
  for (let i = 0; i < 100 && captured.errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(captured.errors.length, 1)
  t.equal(captured.errors[0]?.email, 'bob@example.com')
  const log = captured.lines.join('\n')
  t.match(log, /mail could not be sent/)
  t.notMatch(log, /token=[A-Za-z0-9_-]{10}/)
  t.notMatch(log, /[A-Za-z0-9_-]{33}\.[A-Za-z0-9_-]{43}/)
})

t.test('SMTP stalled: the response does not wait', async (t) => {
  const sink = await startSmtpSink({ stallMs: 3000 })
  sinkTeardown(t, sink)
  const { app: a } = await app(t, { mail: { transport: nodemailer.createTransport(sink.transportOptions), from: 'login@app.example.com' } })
  const started = Date.now()
  t.equal((await a.inject({ method: 'POST', url: '/auth/request', payload: { email: 'carol@example.com' } })).statusCode, 202)
  t.ok(Date.now() - started < 200)
})

t.test('requireTLS against a server without STARTTLS: the send fails and is logged, nothing sent in plaintext', async (t) => {
  const sink = await startSmtpSink()
  sinkTeardown(t, sink)
  const { app: a, captured } = await app(t, { mail: { transport: nodemailer.createTransport({ ...sink.transportOptions, requireTLS: true }), from: 'login@app.example.com' } })
  await a.inject({ method: 'POST', url: '/auth/request', payload: { email: 'dave@example.com' } })
  for (let i = 0; i < 100 && captured.errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(captured.errors.length, 1)
  t.equal(sink.messages.length, 0)
})

t.test('no mail option outside production: the dev outbox writes the link to the log', async (t) => {
  const { app: a, captured } = await app(t, {})
  await a.inject({ method: 'POST', url: '/auth/request', payload: { email: 'erin@example.com' } })
  for (let i = 0; i < 50 && !captured.lines.some((l) => l.includes('dev outbox')); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  const line = captured.lines.find((l) => l.includes('dev outbox')) ?? ''
  t.match(line, /https:\/\/app\.example\.com\/auth\/verify\?token=/)
})

t.test('custom render and a failing onMailError hook', async (t) => {
  const sent: string[] = []
  const captured: string[] = []
  const a = Fastify({ logger: { level: 'error', stream: { write: (l: string) => { captured.push(l) } } } })
  await a.register(magicLink, {
    origin: ORIGIN,
    secret: SECRET,
    users: { find: () => ({ id: '1' }) },
    mail: {
      transport: { sendMail: async (m) => { sent.push(m.subject); if (m.subject === 'fail') throw new Error('boom') } },
      from: 'login@app.example.com',
      render: (ctx) => ({ subject: ctx.email.startsWith('f') ? 'fail' : 'Custom', text: ctx.link, html: `<a href="${ctx.link}">x</a>` }),
    },
    hooks: { onMailError: () => { throw new Error('hook failed too') } },
  })
  t.teardown(() => a.close())
  await a.inject({ method: 'POST', url: '/auth/request', payload: { email: 'ok@example.com' } })
  await a.inject({ method: 'POST', url: '/auth/request', payload: { email: 'f@example.com' } })
  for (let i = 0; i < 50 && !captured.some((l) => l.includes('onMailError hook failed')); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(sent.sort(), ['Custom', 'fail'])
  t.ok(captured.some((l) => l.includes('onMailError hook failed')))
})
