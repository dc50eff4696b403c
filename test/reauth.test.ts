import Fastify from 'fastify'
import t from 'tap'
import magicLink from '../src/index.js'
import { Jar, ORIGIN, SECRET, send, tokenOf, type BuildOptions, type TestApp } from './helpers/app.js'
import { signIn } from './helpers/login.js'

/** An app with sensitive routes behind requireRecentLogin ('10m' as a preHandler, 60 s as onRequest). */
async function withSensitive (opts: BuildOptions = {}): Promise<TestApp> {
  const users = new Map([['known@example.com', { id: 'u1' }], ['other@example.com', { id: 'u2' }]])
  const clock = { now: Date.now() }
  const outbox: TestApp['outbox'] = []
  const f = Fastify()
  await f.register(magicLink, {
    origin: ORIGIN, secret: SECRET, users: { find: (e) => users.get(e) ?? null }, now: () => clock.now,
    sendMail: async (message, ctx) => { outbox.push({ message, ctx }) }, ...opts,
  })
  f.get('/me', { preHandler: f.requireSession }, async (request) => ({ session: request.session }))
  f.post('/sensitive', { preHandler: f.requireRecentLogin('10m') }, async () => ({ done: true }))
  f.post('/sensitive-early', { onRequest: f.requireRecentLogin(60_000) }, async () => ({ done: true }))
  await f.ready()
  return {
    app: f, logs: [], outbox, users, clock: { get now () { return clock.now }, set now (v) { clock.now = v }, advance (ms: number) { clock.now += ms } } as TestApp['clock'],
    mails: async (n) => {
      for (let i = 0; i < 200 && outbox.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 5))
      return outbox.slice(0, n)
    },
  }
}

t.test('requireRecentLogin: maxAge - 1 s passes, maxAge + 1 s answers 401 REAUTH_REQUIRED with maxAge', async (t) => {
  const a = await withSensitive()
  t.teardown(() => a.app.close())
  const none = await a.app.inject({ method: 'POST', url: '/sensitive', payload: {} })
  t.same([none.statusCode, none.json().code], [401, 'FST_MAGIC_LINK_UNAUTHORIZED'], 'no session')
  const jar = await signIn(a)
  a.clock.advance(10 * 60_000 - 1000)
  t.equal((await send(a.app, jar, { method: 'POST', url: '/sensitive', payload: {} })).statusCode, 200, 'at maxAge - 1 s')
  a.clock.advance(2000)
  const late = await send(a.app, jar, { method: 'POST', url: '/sensitive', payload: {} })
  t.same(late.json(), { statusCode: 401, code: 'FST_MAGIC_LINK_REAUTH_REQUIRED', error: 'Unauthorized', message: late.json().message, maxAge: 600 }, 'at maxAge + 1 s')
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'the session itself is fine')
  const early = await send(a.app, jar, { method: 'POST', url: '/sensitive-early', payload: {} })
  t.same([early.statusCode, early.json().maxAge], [401, 60], 'also as an onRequest hook')
  t.throws(() => a.app.requireRecentLogin('soon' as never), { code: 'FST_MAGIC_LINK_OPTIONS' })
})

t.test('POST /reauth renews authTime in a new session; the old cookie stops working', async (t) => {
  const a = await withSensitive()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const before = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json() as { session: { id: string, authTime: number, method: string } }
  t.equal(before.session.method, 'link')
  const oldCookie = jar.get('__Host-sid') as string
  a.clock.advance(30 * 60_000)
  t.equal((await send(a.app, jar, { method: 'POST', url: '/sensitive', payload: {} })).statusCode, 401)

  const asked = await send(a.app, jar, { method: 'POST', url: '/auth/reauth', payload: {} })
  t.equal(asked.statusCode, 202)
  t.match(asked.json(), { status: 'pending', matchCode: /^[A-Z]{3}-[A-Z]{3}$/ })
  const [, mail] = await a.mails(2)
  t.equal(mail?.message.to, 'known@example.com', 'to the session\'s own address')
  const verify = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link as string) } })
  t.equal(verify.statusCode, 200)
  const after = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json() as { session: { id: string, authTime: number, method: string } }
  t.not(after.session.id, before.session.id, 'a new session id')
  t.equal(after.session.authTime, a.clock.now, 'authTime is now')
  t.equal((await send(a.app, jar, { method: 'POST', url: '/sensitive', payload: {} })).statusCode, 200, 'the sensitive action passes')
  const old = await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${oldCookie}` } })
  t.equal(old.statusCode, 401, 'the old cookie stops working')
  const list = (await send(a.app, jar, { method: 'GET', url: '/auth/sessions' })).json() as { sessions: Array<{ id: string, authTime: number, method: string }> }
  t.same(list.sessions.map((s) => [s.id, s.authTime, s.method]), [[after.session.id, a.clock.now, 'link']], 'one session, with its authTime and method')

  a.clock.advance(6 * 60_000)
  const refreshed = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json() as { session: { authTime: number, method: string } }
  t.same([refreshed.session.authTime, refreshed.session.method], [after.session.authTime, 'link'], 'authTime and method survive a refresh')
})

t.test('reauth only ever proves the session\'s own address; another browser that completes it gets nothing', async (t) => {
  const a = await withSensitive()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const injected = await send(a.app, jar, { method: 'POST', url: '/auth/reauth', payload: { email: 'other@example.com' } })
  t.equal(injected.statusCode, 400, 'no address can be given')
  a.clock.advance(61_000)
  const { matchCode } = (await send(a.app, jar, { method: 'POST', url: '/auth/reauth', payload: {} })).json() as { matchCode: string }
  const mails = await a.mails(2)
  t.equal(mails[1]?.message.to, 'known@example.com')
  const phone = new Jar()
  const approve = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mails[1]?.ctx?.link as string), code: matchCode } })
  t.same([approve.statusCode, approve.json()], [200, { status: 'approved' }])
  t.equal(phone.get('__Host-sid'), undefined, 'the approving browser gets no session')
  const poll = await send(a.app, jar, { method: 'POST', url: '/auth/poll', payload: {} })
  t.equal(poll.statusCode, 200)
  const s = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json() as { user: { id: string }, session: { method: string } }
  t.same([s.user.id, s.session.method], ['u1', 'cross-device'], 'still user A, renewed by another device\'s approval')
  t.equal((await send(a.app, jar, { method: 'POST', url: '/sensitive', payload: {} })).statusCode, 200)
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/reauth', payload: {} })).statusCode, 401, 'no session: 401')
})

t.test('a sign-in of another user in a browser holding a session leaves that session alone; methods are recorded', async (t) => {
  const a = await withSensitive()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const first = (await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json() as { session: { id: string } }
  const other = new Jar()
  await send(a.app, other, { method: 'POST', url: '/auth/request', payload: { email: 'other@example.com' } })
  const otp = (await a.mails(2))[1]?.ctx?.otp as string
  t.equal((await send(a.app, other, { method: 'POST', url: '/auth/code', payload: { code: otp } })).statusCode, 200)
  t.match((await send(a.app, other, { method: 'GET', url: '/auth/session' })).json(), { user: { id: 'u2' }, session: { method: 'code' } })
  t.equal((await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json().session.id, first.session.id, 'user A\'s session is untouched')
  const invite = await a.app.magicLink.createLink('other@example.com')
  const inv = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: tokenOf(invite.link), email: 'other@example.com' } })
  const cookie = (inv.cookies as Array<{ name: string, value: string }>).find((c) => c.name === '__Host-sid')?.value as string
  t.match((await a.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: `__Host-sid=${cookie}` } })).json(), { session: { method: 'invite' } })
})

t.test('reauth with the token transport: a poll token, then new tokens; the old access token stops', async (t) => {
  const a = await withSensitive({ session: { transports: ['cookie', 'token'], accessTtl: '1h' } })
  t.teardown(() => a.app.close())
  const asked = (await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com', transport: 'token' } })).json() as { pollToken: string }
  const mails = await a.mails(1)
  const first = (await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mails.at(-1)?.ctx?.link as string), pollToken: asked.pollToken } })).json() as { accessToken: string }
  const auth = { authorization: `Bearer ${first.accessToken}` }
  a.clock.advance(20 * 60_000)
  t.equal((await a.app.inject({ method: 'POST', url: '/sensitive', payload: {}, headers: auth })).statusCode, 401)
  const re = (await a.app.inject({ method: 'POST', url: '/auth/reauth', payload: {}, headers: auth })).json() as { pollToken: string }
  t.type(re.pollToken, 'string', 'a bearer client reauthenticates with a poll token')
  const otp = (await a.mails(2))[1]?.ctx?.otp as string
  const renewed = (await a.app.inject({ method: 'POST', url: '/auth/code', payload: { code: otp, pollToken: re.pollToken }, headers: auth })).json() as { accessToken: string }
  t.equal((await a.app.inject({ method: 'POST', url: '/sensitive', payload: {}, headers: { authorization: `Bearer ${renewed.accessToken}` } })).statusCode, 200)
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: auth })).statusCode, 401, 'the old access token stops at once')
})
