import t, { type Test } from 'tap'
import nodemailer from 'nodemailer'
import { RedisStore, type MagicLinkUser } from '../src/index.js'
import { build, Jar, send, type BuildOptions, type TestApp } from './helpers/app.js'
import { startRedis, type RedisServer } from './helpers/redis.js'
import { startSmtpSink, type SmtpMessage, type SmtpSink } from './helpers/smtp.js'

let sink: SmtpSink
let redis: RedisServer
t.before(async () => { sink = await startSmtpSink(); redis = await startRedis() })
t.teardown(async () => { await sink.stop(); await redis.stop() })

interface World { users: Map<string, MagicLinkUser & { email: string }>, changes: Array<[string, string]> }

/** Two instances on one Redis, mail through the SMTP sink, users that can change address. */
async function world (t: Test, extra: BuildOptions = {}): Promise<{ a: TestApp, b: TestApp, w: World }> {
  const w: World = { users: new Map(), changes: [] }
  for (const [id, email] of [['u1', 'ada@example.com'], ['u2', 'taken@example.com']] as const) w.users.set(email, { id, email })
  const options = (): BuildOptions => ({
    store: new RedisStore({ client: redis.client(), prefix: `${t.name.slice(0, 16)}:` }),
    mail: { transport: nodemailer.createTransport(sink.transportOptions), from: 'Acme <login@app.example.com>' },
    sendMail: undefined,
    accountUrl: '/account/security',
    users: {
      find: (email) => w.users.get(email) ?? null,
      changeEmail: (userId, newEmail) => {
        w.changes.push([userId, newEmail])
        const user = [...w.users.values()].find((u) => u.id === userId) as MagicLinkUser & { email: string }
        w.users.delete(user.email)
        user.email = newEmail
        w.users.set(newEmail, user)
      },
    },
    ...extra,
  })
  const a = await build(options())
  const b = await build(options())
  b.clock.now = a.clock.now
  t.teardown(async () => { await a.app.close(); await b.app.close() })
  return { a, b, w }
}

/** Signs `email` in on `app` (mail through the sink), in `jar`'s browser. */
async function signIn (app: TestApp, email: string, jar = new Jar()): Promise<Jar> {
  const before = sink.messages.length
  const asked = await send(app.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })
  if (asked.statusCode !== 202) throw new Error(`request: ${asked.statusCode}`)
  const mail = (await sink.waitFor(before + 1)).slice(before).find((m) => m.envelope.to[0] === email)
  const res = await send(app.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: linkIn(mail) } })
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
  return jar
}

const linkIn = (m: SmtpMessage | undefined): string => /https:\/\/app\.example\.com\/auth\/verify\?token=([A-Za-z0-9_.-]+)/.exec(m?.parsed.text ?? '')?.[1] ?? ''
const codeIn = (m: SmtpMessage | undefined): string => /^(\d{6})$/m.exec(m?.parsed.text ?? '')?.[1] ?? ''

t.test('the whole change: a mail to the new address, the change once, other sessions ended on a second instance, a notice to the old address', async (t) => {
  const { a, b, w } = await world(t)
  const before = sink.messages.length
  const here = await signIn(a, 'ada@example.com')
  a.clock.advance(61_000); b.clock.advance(61_000)
  const elsewhere = await signIn(b, 'ada@example.com')
  t.equal((await send(b.app, elsewhere, { method: 'GET', url: '/me' })).statusCode, 200, 'another session, on instance B')
  await sink.waitFor(before + 2)

  const asked = await send(a.app, here, { method: 'POST', url: '/auth/email', payload: { email: 'ada.new@example.com' } })
  t.equal(asked.statusCode, 202)
  t.same(Object.keys(asked.json()).sort(), ['expiresIn', 'interval', 'matchCode', 'status'])
  const [mail] = (await sink.waitFor(before + 3)).slice(before + 2)
  t.same(mail?.envelope.to, ['ada.new@example.com'], 'to the new address')
  t.match(mail?.parsed.subject, 'Confirm your new address')
  t.equal(w.changes.length, 0, 'nothing changed yet')

  const confirm = await send(a.app, here, { method: 'POST', url: '/auth/verify', payload: { token: linkIn(mail) } })
  t.equal(confirm.statusCode, 200, 'confirmed in the session that asked')
  t.same(w.changes, [['u1', 'ada.new@example.com']], 'users.changeEmail called once')
  t.equal((await send(a.app, here, { method: 'GET', url: '/me' })).statusCode, 200, 'this client has a renewed session')
  const s = (await send(a.app, here, { method: 'GET', url: '/auth/session' })).json() as { session: { authTime: number } }
  t.equal(s.session.authTime, a.clock.now)
  const [notice] = (await sink.waitFor(before + 4)).slice(before + 3)
  t.same(notice?.envelope.to, ['ada@example.com'], 'a notice to the old address')
  t.match(notice?.parsed.text, /changed to a•••@example\.com/)
  t.match(notice?.parsed.text, 'https://app.example.com/account/security', 'pointing to accountUrl')
  t.notMatch(notice?.parsed.text, /verify\?token=/, 'with no one-click action')
  let status = 200
  for (let i = 0; i < 100 && status === 200; i++) {
    status = (await send(b.app, elsewhere, { method: 'GET', url: '/me' })).statusCode
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 10))
  }
  t.equal(status, 401, 'the other session ends on instance B')
  t.equal((await send(a.app, here, { method: 'POST', url: '/auth/verify', payload: { token: linkIn(mail) } })).statusCode, 400, 'the link works once')
  t.same(w.changes.length, 1)
})

t.test('an address that already has an account: the same answers, a mail saying so, nothing changed', async (t) => {
  const { a, w } = await world(t)
  const before = sink.messages.length
  const jar = await signIn(a, 'ada@example.com')
  await sink.waitFor(before + 1)
  const free = await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'free@example.com' } })
  a.clock.advance(61_000)
  const taken = await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'taken@example.com' } })
  t.same([taken.statusCode, Object.keys(taken.json()).sort(), taken.json().expiresIn], [free.statusCode, Object.keys(free.json()).sort(), free.json().expiresIn], 'same status and body shape')
  t.same([...(taken.cookies as Array<{ name: string }>)].map((c) => c.name), [...(free.cookies as Array<{ name: string }>)].map((c) => c.name), 'same cookies')
  const mails = (await sink.waitFor(before + 3)).slice(before + 1)
  const takenMail = mails.find((m) => m.envelope.to[0] === 'taken@example.com')
  t.match(takenMail?.parsed.text, /already has an account/)
  t.equal(linkIn(takenMail), '', 'and no link')
  t.equal(w.changes.length, 0, 'nothing changed')
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/poll', payload: {} })).json().status, 'pending', 'the flow just waits')
})

t.test('a session that is not fresh cannot change the address; a stolen link gives nothing to another session', async (t) => {
  const { a, w } = await world(t, { emailChange: { maxAge: '5m' } })
  const before = sink.messages.length
  const jar = await signIn(a, 'ada@example.com')
  a.clock.advance(6 * 60_000)
  const stale = await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'thief@example.com' } })
  t.same([stale.statusCode, stale.json().code, stale.json().maxAge], [401, 'FST_MAGIC_LINK_REAUTH_REQUIRED', 300])
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/email', payload: { email: 'x@example.com' } })).statusCode, 401, 'no session: 401')
  const fresh = await signIn(a, 'ada@example.com', new Jar())
  await send(a.app, fresh, { method: 'POST', url: '/auth/email', payload: { email: 'ada2@example.com' } })
  const mail = (await sink.waitFor(before + 3)).find((m) => m.envelope.to[0] === 'ada2@example.com')
  const other = await signIn(a, 'taken@example.com', new Jar())
  const res = await send(a.app, other, { method: 'POST', url: '/auth/verify', payload: { token: linkIn(mail) } })
  t.same([res.statusCode, res.json().code], [400, 'FST_MAGIC_LINK_INVALID_CODE'], 'another session holding the link needs the code shown to the session that asked')
  t.equal(w.changes.length, 0, 'nothing changed')
  t.equal((await send(a.app, fresh, { method: 'POST', url: '/auth/verify', payload: { token: linkIn(mail) } })).statusCode, 200, 'the session that asked completes it')
  t.same(w.changes, [['u1', 'ada2@example.com']])
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 401, 'the stale session was ended too')
})

t.test('two confirmations of one change race: one change', async (t) => {
  const { a, w } = await world(t)
  const before = sink.messages.length
  const jar = await signIn(a, 'ada@example.com')
  await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'race@example.com' } })
  const mail = (await sink.waitFor(before + 2)).find((m) => m.envelope.to[0] === 'race@example.com')
  const results = await Promise.all([
    ...Array.from({ length: 5 }, () => send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: linkIn(mail) } })),
    ...Array.from({ length: 5 }, () => send(a.app, jar, { method: 'POST', url: '/auth/code', payload: { code: codeIn(mail) } })),
  ])
  t.equal(results.filter((r) => r.statusCode === 200).length, 1, 'one confirmation wins')
  t.same(w.changes, [['u1', 'race@example.com']], 'users.changeEmail called once')
  t.equal(results.filter((r) => r.statusCode >= 500).length, 0)
})

t.test('POST /email exists only with users.changeEmail; the per-address limits of the new address apply', async (t) => {
  const plain = await build()
  t.teardown(() => plain.app.close())
  t.equal((await plain.app.inject({ method: 'POST', url: '/auth/email', payload: { email: 'a@example.com' } })).statusCode, 404)
  const { a } = await world(t, { rateLimit: { emailPerHour: 1, emailInterval: 1000 } })
  const before = sink.messages.length
  const jar = await signIn(a, 'ada@example.com')
  await sink.waitFor(before + 1)
  for (let i = 0; i < 3; i++) {
    a.clock.advance(2000)
    t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'limited@example.com' } })).statusCode, 202)
  }
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(sink.messages.slice(before).filter((m) => m.envelope.to[0] === 'limited@example.com').length, 1, 'one mail an hour to the new address')
  const bad = await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'not an address' } })
  t.equal(bad.statusCode, 400)
})

t.test('confirmed by the mail code, or by another device and this session\'s poll; never after this session ended', async (t) => {
  const { a, w } = await world(t)
  const before = sink.messages.length
  const jar = await signIn(a, 'ada@example.com')
  await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'by.code@example.com' } })
  const byCode = (await sink.waitFor(before + 2)).find((m) => m.envelope.to[0] === 'by.code@example.com')
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/code', payload: { code: codeIn(byCode) } })).statusCode, 200, 'the mail code')
  t.same(w.changes, [['u1', 'by.code@example.com']])

  a.clock.advance(61_000)
  const { matchCode } = (await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'by.phone@example.com' } })).json() as { matchCode: string }
  const byPhone = (await sink.waitFor(before + 4)).find((m) => m.envelope.to[0] === 'by.phone@example.com')
  const phone = new Jar()
  t.same((await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token: linkIn(byPhone), code: matchCode } })).json(), { status: 'approved' })
  t.equal(phone.get('__Host-sid'), undefined, 'the phone gets no session')
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/poll', payload: {} })).statusCode, 200, 'this session\'s poll completes it')
  t.same(w.changes.at(-1), ['u1', 'by.phone@example.com'])

  a.clock.advance(61_000)
  await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'too.late@example.com' } })
  const tooLate = (await sink.waitFor(before + 6)).find((m) => m.envelope.to[0] === 'too.late@example.com')
  t.equal((await a.app.inject({ method: 'GET', url: `/auth/verify?token=${linkIn(tooLate)}` })).statusCode, 200, 'its page opens anywhere (it changes nothing)')
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/logout', payload: {} })).statusCode, 204)
  const after = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: linkIn(tooLate) } })
  t.same([after.statusCode, after.json().code], [400, 'FST_MAGIC_LINK_INVALID_TOKEN'], 'signed out: the link changes nothing')
  t.equal(w.changes.length, 2)

  a.clock.advance(61_000)
  const again = await signIn(a, 'by.phone@example.com')
  const { matchCode: code2 } = (await send(a.app, again, { method: 'POST', url: '/auth/email', payload: { email: 'ended@example.com' } })).json() as { matchCode: string }
  const ended = (await sink.waitFor(before + 8)).find((m) => m.envelope.to[0] === 'ended@example.com')
  await send(a.app, again, { method: 'POST', url: '/auth/logout', payload: {} })
  t.equal((await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: { token: linkIn(ended), code: code2 } })).statusCode, 200, 'a phone approves')
  t.equal((await send(a.app, again, { method: 'POST', url: '/auth/poll', payload: {} })).statusCode, 403, 'but the asking browser signed out: its poll gets nothing')
  t.equal(w.changes.length, 2, 'and nothing changed')
})

t.test('the client: changeEmail(), then the mail code, with the token transport', async (t) => {
  const { createClient } = await import('../src/client/index.js')
  const { a, w } = await world(t, { session: { transports: ['cookie', 'token'] } })
  await a.app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(a.app.server.address() as { port: number }).port}`
  const client = createClient({ baseUrl, transport: 'token' })
  const before = sink.messages.length
  await client.login('ada@example.com')
  const signInMail = (await sink.waitFor(before + 1))[before]
  await client.verifyCode(codeIn(signInMail))
  const started = await client.changeEmail('ada.client@example.com')
  t.match(started, { matchCode: /^[A-Z]{3}-[A-Z]{3}$/ })
  const mail = (await sink.waitFor(before + 2))[before + 1]
  t.same(mail?.envelope.to, ['ada.client@example.com'])
  await client.verifyCode(codeIn(mail))
  t.same(w.changes, [['u1', 'ada.client@example.com']])
  t.match(await client.session(), { user: { id: 'u1' } }, 'the client holds the renewed session')
})

t.test('an app whose find() does not see the new address yet: the change completes, the session is renewed', async (t) => {
  const seen: Array<[string, string]> = []
  const { MemoryStore } = await import('../src/index.js')
  const { a } = await world(t, { store: new MemoryStore(), otp: false, users: { find: (email) => (email === 'ada@example.com' ? { id: 'u1' } : null), changeEmail: (userId, email) => { seen.push([userId, email]) } } })
  const before = sink.messages.length
  const jar = await signIn(a, 'ada@example.com')
  await send(a.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'later@example.com' } })
  const mail = (await sink.waitFor(before + 2)).find((m) => m.envelope.to[0] === 'later@example.com')
  t.equal(codeIn(mail), '', 'no code in the mail with otp off')
  const form = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: `token=${linkIn(mail)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.same([form.statusCode, form.headers.location], [303, '/'], 'the page form lands on redirectTo')
  t.same(seen, [['u1', 'later@example.com']])
  t.match((await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json(), { user: { id: 'u1' } })
})
