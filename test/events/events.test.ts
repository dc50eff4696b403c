import t, { type Test } from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { EVENT_CHANNEL, MemoryStore, type MagicLinkEvent } from '../../src/index.js'
import { ask, build, Jar, send, tokenOf, type BuildOptions, type Sent, type TestApp } from '../helpers/app.js'
import { signIn } from '../helpers/login.js'

const EMAIL = 'known@example.com'

/** An app whose events are collected twice: from the channel and from `hooks.onEvent`. */
async function recorded (opts: BuildOptions = {}): Promise<{ a: TestApp, events: MagicLinkEvent[], hooked: MagicLinkEvent[], close: () => Promise<void> }> {
  const events: MagicLinkEvent[] = []
  const hooked: MagicLinkEvent[] = []
  const listener = (message: unknown): void => { events.push(message as MagicLinkEvent) }
  subscribe(EVENT_CHANNEL, listener)
  const a = await build({ ...opts, hooks: { ...opts.hooks, onEvent: (e) => { hooked.push(e) } } })
  return {
    a,
    events,
    hooked,
    close: async () => {
      unsubscribe(EVENT_CHANNEL, listener)
      await a.app.close()
    },
  }
}

/** `type:reason` of each event, the shape the sequences below are written in. */
function seq (events: MagicLinkEvent[]): string[] {
  return events.map((e) => e.reason === undefined ? e.type : `${e.type}:${e.reason}`)
}

/** Lets the mail queue (setImmediate) and its `mail.sent` run. */
async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Every secret a payload must never hold: address, link token and its parts, codes, cookies. */
function secretsOf (a: TestApp, jars: Jar[]): string[] {
  const out = [EMAIL]
  for (const m of a.outbox) {
    const link = m.ctx?.link
    if (link !== undefined) {
      const token = tokenOf(link)
      out.push(token, token.split('.')[1] as string)
    }
    if (m.ctx?.otp != null) out.push(m.ctx.otp)
  }
  for (const jar of jars) {
    for (const value of jar.cookies.values()) {
      out.push(value)
      // A binding cookie is `<flow id>.<poll secret>`: the flow id is public, the secret is not.
      for (const part of value.split('.')) if (part.length >= 20 && part.length !== 33) out.push(part)
    }
  }
  return out
}

function scan (t: Test, events: MagicLinkEvent[], secrets: string[]): void {
  const text = JSON.stringify(events)
  for (const secret of secrets) t.notOk(text.includes(secret), `no event holds ${secret.slice(0, 12)}…`)
  for (const e of events) {
    t.same(Object.keys(e).filter((k) => !['type', 'at', 'flowId', 'sessionId', 'userId', 'reason'].includes(k)), [], `${e.type}: only the public fields`)
    t.ok(Object.isFrozen(e), 'frozen: one consumer cannot change it for the next')
  }
}

t.test('same device: the exact sequence, on the channel and in hooks.onEvent alike', async (t) => {
  const r = await recorded()
  t.teardown(r.close)
  const jar = new Jar()
  await ask(r.a, jar)
  const [mail] = await r.a.mails(1)
  const token = tokenOf(mail?.ctx?.link as string)
  await settle()
  await send(r.a.app, jar, { method: 'GET', url: `/auth/verify?token=${token}` })
  const post = await send(r.a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(post.statusCode, 200)
  await send(r.a.app, jar, { method: 'POST', url: '/auth/logout', payload: {} })
  t.same(seq(r.events), [
    'request.accepted:request', 'mail.sent:login', 'link.opened:same-browser', 'link.approved:same-browser',
    'session.created:link', 'session.revoked:logout',
  ])
  t.same(r.hooked, r.events, 'hooks.onEvent sees the same events')
  const flowId = token.split('.')[0]
  const sessionId = r.events.find((e) => e.type === 'session.created')?.sessionId
  t.match(sessionId, /^[A-Za-z0-9_-]{54}$/)
  for (const e of r.events) {
    t.type(e.at, 'number')
    if (e.type.startsWith('session.')) t.match(e, { sessionId, userId: 'u1' })
    else t.equal(e.flowId, flowId, `${e.type} names the flow`)
  }
  t.match(r.events[0], { userId: 'u1' })
  scan(t, r.events, secretsOf(r.a, [jar]))
})

/** A sign-in asked on the laptop, its mail sent; the phone holds the link. */
async function twoDevices (a: TestApp): Promise<{ laptop: Jar, phone: Jar, matchCode: string, token: string }> {
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop)
  const [mail] = await a.mails(1)
  await settle()
  return { laptop, phone: new Jar(), matchCode, token: tokenOf(mail?.ctx?.link as string) }
}

t.test('cross device: approval on the phone, the claim and the notice on the laptop', async (t) => {
  const r = await recorded()
  t.teardown(r.close)
  const { laptop, phone, matchCode, token } = await twoDevices(r.a)
  await send(r.a.app, phone, { method: 'GET', url: `/auth/verify?token=${token}` })
  const approve = await send(r.a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.equal(approve.statusCode, 200)
  const poll = await send(r.a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(poll.statusCode, 200)
  await r.a.mails(2)
  await settle()
  t.same(seq(r.events), [
    'request.accepted:request', 'mail.sent:login', 'link.opened:other-browser', 'link.approved:other-browser',
    'flow.claimed:cross-device', 'session.created:cross-device', 'mail.sent:notice',
  ])
  t.match(r.events.at(-1), { userId: 'u1', sessionId: r.events[5]?.sessionId })
  scan(t, r.events, [...secretsOf(r.a, [laptop, phone]), matchCode, matchCode.replace('-', '')])
})

t.test('a failed login: wrong codes until the flow is stopped, then the dead link', async (t) => {
  const r = await recorded()
  t.teardown(r.close)
  const { laptop, phone, matchCode, token } = await twoDevices(r.a)
  const wrong = matchCode === 'BBB-BBB' ? 'CCC-CCC' : 'BBB-BBB'
  await send(r.a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: 'x' } })
  for (let i = 0; i < 5; i++) await send(r.a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: wrong } })
  await send(r.a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  await send(r.a.app, phone, { method: 'GET', url: `/auth/verify?token=${token}` })
  await send(r.a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code: '12' } })
  await send(r.a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code: '123456' } })
  await send(r.a.app, phone, { method: 'GET', url: `/auth/verify?token=${'A'.repeat(33)}.${'B'.repeat(43)}` })
  t.same(seq(r.events), [
    'request.accepted:request', 'mail.sent:login',
    'code.failed:malformed', 'code.failed:wrong', 'code.failed:wrong', 'code.failed:wrong', 'code.failed:wrong', 'code.failed:wrong', 'flow.denied:attempts',
    'link.rejected:denied', 'link.rejected:denied',
    'code.failed:malformed', 'link.rejected:denied',
    'link.rejected:unknown',
  ])
  t.equal(r.events.at(-1)?.flowId, 'A'.repeat(33))
  scan(t, r.events, [...secretsOf(r.a, [laptop, phone]), matchCode, wrong])
})

t.test('limits: the address\'s mail budget and the per-IP limit', async (t) => {
  const r = await recorded({ rateLimit: { ipMax: 2 } })
  t.teardown(r.close)
  const jar = new Jar()
  await ask(r.a, jar)
  await ask(r.a, jar)
  const limited = await ask(r.a, jar)
  t.equal(limited.res.statusCode, 429)
  await r.a.mails(1)
  await settle()
  t.same(seq(r.events).filter((s) => !s.startsWith('mail.')), ['request.accepted:request', 'request.accepted:request', 'request.limited:address', 'request.limited:ip'])
  t.same(seq(r.events).filter((s) => s.startsWith('mail.')), ['mail.sent:login'], 'one mail: the second request was within the mail interval')
  const flows = r.events.filter((e) => e.type.startsWith('request.')).map((e) => e.flowId)
  t.equal(flows[2], flows[1], 'the limited request names its flow')
})

t.test('the mail code, a cookie refreshed from the store, an expired link', async (t) => {
  const r = await recorded({ known: [EMAIL, 'other@example.com'], otp: true, session: { accessTtl: '1m' } })
  t.teardown(r.close)
  const jar = new Jar()
  await ask(r.a, jar)
  const [mail] = await r.a.mails(1)
  const code = await send(r.a.app, jar, { method: 'POST', url: '/auth/code', payload: { code: mail?.ctx?.otp as string } })
  t.equal(code.statusCode, 200)
  // The access token runs out: the next request refreshes the cookie from the store.
  r.a.clock.advance(2 * 60_000)
  t.equal((await send(r.a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200)
  await ask(r.a, new Jar(), 'other@example.com')
  const other = (await r.a.mails(2))[1]
  r.a.clock.advance(20 * 60_000)
  await send(r.a.app, new Jar(), { method: 'GET', url: `/auth/verify?token=${tokenOf(other?.ctx?.link as string)}` })
  // The session's record has gone idle too: its cookie is refused.
  r.a.clock.advance(8 * 86_400_000)
  t.equal((await send(r.a.app, jar, { method: 'GET', url: '/me' })).statusCode, 401)
  await settle()
  t.same(seq(r.events).filter((s) => !s.startsWith('mail.') && !s.startsWith('request.')), [
    'flow.claimed:code', 'session.created:code', 'session.refreshed:cookie', 'link.rejected:expired', 'session.rejected:expired',
  ])
  scan(t, r.events, [...secretsOf(r.a, [jar]), 'other@example.com'])
})

t.test('token transport: refresh, reuse, malformed and refused bearers', async (t) => {
  const store = new MemoryStore()
  const r = await recorded({ otp: true, store, session: { transports: ['cookie', 'token'] } })
  t.teardown(r.close)
  // A second instance on the same store: it never saw the access token, and hears of the revocation.
  const other: MagicLinkEvent[] = []
  const b = await build({ store, session: { transports: ['cookie', 'token'] }, hooks: { onEvent: (e) => { other.push(e) } } })
  t.teardown(() => b.app.close())
  const app = new Jar()
  const started = await send(r.a.app, app, { method: 'POST', url: '/auth/request', payload: { email: EMAIL, transport: 'token' } })
  const { pollToken } = started.json() as { pollToken: string }
  const [mail] = await r.a.mails(1)
  const signed = await send(r.a.app, app, { method: 'POST', url: '/auth/code', payload: { code: mail?.ctx?.otp as string, pollToken } })
  const { refreshToken, accessToken } = signed.json() as { refreshToken: string, accessToken: string }
  const refreshed = await send(r.a.app, app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken } })
  t.equal(refreshed.statusCode, 200)
  const reused = await send(r.a.app, app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken } })
  t.equal(reused.statusCode, 401)
  await send(r.a.app, app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: 'nope' } })
  await send(r.a.app, app, { method: 'GET', url: '/me', headers: { authorization: 'Bearer' } })
  await send(r.a.app, app, { method: 'GET', url: '/me', headers: { authorization: `Bearer ${accessToken}` } })
  await send(r.a.app, app, { method: 'GET', url: '/me', headers: { authorization: 'Bearer abc.def.ghi' } })
  await send(r.a.app, new Jar(), { method: 'GET', url: '/me', headers: { cookie: '__Host-sid=abc.def.ghi' } })
  t.equal((await send(b.app, new Jar(), { method: 'GET', url: '/me', headers: { authorization: `Bearer ${accessToken}` } })).statusCode, 401)
  t.match(other, [{ type: 'session.rejected', reason: 'revoked' }], 'the other instance refuses the revoked token it never cached')
  await settle()
  t.same(seq(r.events).filter((s) => !s.startsWith('mail.') && !s.startsWith('request.')), [
    'flow.claimed:code', 'session.created:code', 'session.refreshed:token',
    'session.rejected:reused', 'session.revoked:reused', 'session.rejected:invalid',
    'session.rejected:invalid', 'session.rejected:revoked', 'session.rejected:invalid', 'session.rejected:invalid',
    // The channel is the process's: it hears the second instance too.
    'session.rejected:revoked',
  ])
  const sessionId = r.events.find((e) => e.type === 'session.created')?.sessionId
  t.same(r.events.filter((e) => e.reason === 'reused' || e.reason === 'revoked').map((e) => e.sessionId), [sessionId, sessionId, sessionId, sessionId])
  scan(t, r.events, [...secretsOf(r.a, [app]), pollToken, refreshToken, accessToken, (refreshed.json() as { refreshToken: string }).refreshToken])
})

t.test('revocation reasons: a replaced session, "sign that session out" and the admin API', async (t) => {
  const events: MagicLinkEvent[] = []
  const b = await build({ hooks: { onEvent: (e) => { events.push(e) } } })
  t.teardown(() => b.app.close())
  const jar = await signIn(b)
  b.clock.advance(10 * 60_000)
  // Signing in again in the same browser replaces its session.
  await signIn(b, EMAIL, jar)
  const sessions = events.filter((e) => e.type === 'session.created').map((e) => e.sessionId)
  t.equal(sessions.length, 2)
  t.match(events.find((e) => e.type === 'session.revoked'), { reason: 'replaced', sessionId: sessions[0], userId: 'u1' })
  // "Sign that session out" from the used link's page.
  const token = tokenOf(b.outbox[1]?.ctx?.link as string)
  await send(b.app, new Jar(), { method: 'POST', url: '/auth/revoke', payload: { token, email: EMAIL } })
  t.match(events.at(-1), { type: 'session.revoked', reason: 'link', sessionId: sessions[1] })
  b.clock.advance(10 * 60_000)
  const other = await signIn(b)
  const third = events.filter((e) => e.type === 'session.created').at(-1)?.sessionId as string
  await b.app.magicLink.revokeSession(third)
  t.match(events.at(-1), { type: 'session.revoked', reason: 'admin', sessionId: third })
  b.clock.advance(10 * 60_000)
  await signIn(b, EMAIL, other)
  const revokedAll = await b.app.magicLink.revokeUserSessions('u1')
  t.same(events.slice(-revokedAll.length).map((e) => `${e.type}:${e.reason}:${e.userId}`), revokedAll.map(() => 'session.revoked:admin:u1'))
})

t.test('reauth.required names the session; a failing onEvent changes no response', async (t) => {
  const events: MagicLinkEvent[] = []
  let calls = 0
  const b = await build({
    logLevel: 'error',
    hooks: {
      onEvent: (e) => {
        events.push(e)
        calls++
        if (calls % 2 === 0) throw new Error('sync failure in onEvent')
        return Promise.reject(new Error('async failure in onEvent'))
      },
    },
    users: { find: (email) => email === EMAIL ? { id: 'u1' } : null, changeEmail: async () => {} },
    emailChange: { maxAge: '1m' },
  })
  t.teardown(() => b.app.close())
  const jar = await signIn(b)
  b.clock.advance(2 * 60_000)
  const change = await send(b.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'new@example.com' } })
  t.equal(change.statusCode, 401)
  t.match(events.at(-1), { type: 'reauth.required', userId: 'u1', sessionId: /^[A-Za-z0-9_-]{54}$/ })
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.ok(b.logs.some((l) => l.includes('sync failure in onEvent')))
  t.ok(b.logs.some((l) => l.includes('async failure in onEvent')))
  t.ok(b.logs.every((l) => !l.includes('"event":"') || l.includes('hooks.onEvent failed')))
})

t.test('the address change: its events from the request to email.changed', async (t) => {
  const events: MagicLinkEvent[] = []
  const users = new Map([[EMAIL, { id: 'u1' }]])
  const b = await build({
    hooks: { onEvent: (e) => { events.push(e) } },
    users: {
      find: (email) => users.get(email) ?? null,
      changeEmail: async (_id, email) => { users.delete(EMAIL); users.set(email, { id: 'u1' }) },
    },
  })
  t.teardown(() => b.app.close())
  const jar = await signIn(b)
  events.length = 0
  const asked = await send(b.app, jar, { method: 'POST', url: '/auth/email', payload: { email: 'new@example.com' } })
  t.equal(asked.statusCode, 202)
  const mail = (await b.mails(2))[1]
  await send(b.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link ?? (mail?.message.text.match(/https:\S+/)?.[0] as string)) } })
  await b.mails(3)
  await settle()
  t.same(seq(events), [
    'request.accepted:email-change', 'mail.sent:change', 'link.approved:email-change', 'session.revoked:email-change',
    'email.changed', 'session.created:link', 'mail.sent:changed',
  ])
  scan(t, events, [...secretsOf(b, [jar]), 'new@example.com'])
})

t.test('1,000 logins: every event counted, on the channel and in the hook', async (t) => {
  const counts = new Map<string, number>()
  let hooked = 0
  const listener = (message: unknown): void => {
    const e = message as MagicLinkEvent
    counts.set(e.type, (counts.get(e.type) ?? 0) + 1)
  }
  subscribe(EVENT_CHANNEL, listener)
  t.teardown(() => { unsubscribe(EVENT_CHANNEL, listener) })
  const N = 1000
  const known = Array.from({ length: N }, (_, i) => `user${i}@example.com`)
  const a = await build({ known, rateLimit: false, store: new MemoryStore(), hooks: { onEvent: () => { hooked++ } } })
  t.teardown(() => a.app.close())
  for (let i = 0; i < N; i += 50) {
    await Promise.all(known.slice(i, i + 50).map(async (email) => {
      const jar = new Jar()
      await ask(a, jar, email)
      let mail: Sent | undefined
      while ((mail = a.outbox.find((m) => m.message.to === email)) === undefined) await new Promise((resolve) => setImmediate(resolve))
      const signed = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail.ctx?.link as string) } })
      if (signed.statusCode !== 200) throw new Error(`verify ${signed.statusCode}`)
      const out = await send(a.app, jar, { method: 'POST', url: '/auth/logout', payload: {} })
      if (out.statusCode !== 204) throw new Error(`logout ${out.statusCode}`)
    }))
  }
  await settle()
  t.same(Object.fromEntries([...counts].sort()), {
    'link.approved': N, 'mail.sent': N, 'request.accepted': N, 'session.created': N, 'session.revoked': N,
  })
  t.equal(hooked, 5 * N)
})
