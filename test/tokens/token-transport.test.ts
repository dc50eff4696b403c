import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { RedisStore } from '../../src/index.js'
import { build, tokenOf, type BuildOptions, type TestApp } from '../helpers/app.js'
import { signIn } from '../helpers/login.js'
import { startRedis, type RedisServer } from '../helpers/redis.js'

const TOKENS: BuildOptions = { session: { transports: ['cookie', 'token'] } }

interface Json { [key: string]: unknown }
type Answer = { status: number, body: Json, setCookie: unknown }

async function call (a: TestApp, method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await a.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) })
  return { status: res.statusCode, body: res.body === '' ? {} : res.json() as Json, setCookie: res.headers['set-cookie'] }
}

const bearer = (token: unknown): Record<string, string> => ({ authorization: `Bearer ${String(token)}` })

/** An app asks for a link with the token transport: the 202 carries the pollToken, and no cookie is set. */
async function asked (a: TestApp, email = 'known@example.com'): Promise<{ pollToken: string, matchCode: string, link: string, otp: string }> {
  const before = a.outbox.length
  const r = await call(a, 'POST', '/auth/request', { email, transport: 'token' })
  if (r.status !== 202) throw new Error(`request: ${r.status} ${JSON.stringify(r.body)}`)
  const mail = (await a.mails(before + 1))[before]
  return { pollToken: r.body.pollToken as string, matchCode: r.body.matchCode as string, link: mail?.ctx?.link as string, otp: mail?.ctx?.otp as string }
}

function assertTokens (t: Test, r: Answer, what: string): void {
  t.equal(r.status, 200, what)
  t.match(r.body, { status: 'approved', accessToken: /^[\w-]+\.[\w-]+\.[\w-]+$/, refreshToken: /^[\w-]{54}\.[\w-]{43}$/, expiresIn: 300, redirectTo: '/' }, `${what}: tokens`)
  t.equal(r.setCookie, undefined, `${what}: no cookie`)
}

t.test('the token transport is refused unless enabled', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const r = await call(a, 'POST', '/auth/request', { email: 'known@example.com', transport: 'token' })
  t.same([r.status, r.body.code], [400, 'FST_MAGIC_LINK_BAD_REQUEST'])
  t.match(r.body.message, /session\.transports/)
  t.equal((await call(a, 'POST', '/auth/poll', { pollToken: `${'a'.repeat(33)}.${'b'.repeat(43)}` })).status, 400)
  t.equal((await call(a, 'POST', '/auth/code', { code: '123456', pollToken: 'x' })).status, 400)
  t.equal((await call(a, 'POST', '/auth/refresh', { refreshToken: 'x' })).status, 404, 'no refresh route')
  t.equal((await call(a, 'POST', '/auth/request', { email: 'known@example.com', transport: 'carrier-pigeon' })).status, 400)
  t.equal(a.outbox.length, 0)
})

t.test('token only: POST /request defaults to it and refuses the cookie transport', async (t) => {
  const a = await build({ session: { transports: ['token'] } })
  t.teardown(() => a.app.close())
  const r = await call(a, 'POST', '/auth/request', { email: 'known@example.com' })
  t.equal(r.status, 202)
  t.type(r.body.pollToken, 'string')
  t.equal(r.setCookie, undefined)
  t.equal((await call(a, 'POST', '/auth/request', { email: 'known@example.com', transport: 'cookie' })).status, 400)
})

t.test('an app that receives the link itself: POST /verify { token, pollToken } gives it tokens', async (t) => {
  const a = await build(TOKENS)
  t.teardown(() => a.app.close())
  const { pollToken, link } = await asked(a)
  const r = await call(a, 'POST', '/auth/verify', { token: tokenOf(link), pollToken })
  assertTokens(t, r, 'verify')
  const me = await call(a, 'GET', '/me', undefined, bearer(r.body.accessToken))
  t.equal(me.status, 200, 'the bearer is a session behind requireSession')
  t.match(me.body, { session: { userId: 'u1' } })
  const session = await call(a, 'GET', '/auth/session', undefined, bearer(r.body.accessToken))
  t.match(session.body, { user: { id: 'u1' } })
  const poll = await call(a, 'POST', '/auth/poll', { pollToken })
  t.same([poll.status, poll.body.status], [200, 'approved'], 'the poll hears that it is done')
  t.notOk('accessToken' in poll.body, 'and issues nothing twice')
  const again = await call(a, 'POST', '/auth/verify', { token: tokenOf(link), pollToken })
  t.same([again.status, again.body.reason], [400, 'used'])
})

t.test('cross-device: another device approves with the match code, the app polls with its pollToken', async (t) => {
  const a = await build(TOKENS)
  t.teardown(() => a.app.close())
  const { pollToken, matchCode, link } = await asked(a)
  t.same((await call(a, 'POST', '/auth/poll', { pollToken })).body, { status: 'pending', interval: 5 })
  a.clock.advance(5000)
  const approve = await call(a, 'POST', '/auth/verify', { token: tokenOf(link), code: matchCode })
  t.same(approve.body, { status: 'approved' }, 'no session on the approving device')
  assertTokens(t, await call(a, 'POST', '/auth/poll', { pollToken }), 'poll')
  t.same((await call(a, 'POST', '/auth/poll', { pollToken })).body.error, 'expired_token', 'claimed once')
  const notice = await a.mails(2)
  t.equal(notice[1]?.ctx, null, 'the new-sign-in notice went out')
})

t.test('mail code with the pollToken', async (t) => {
  const a = await build(TOKENS)
  t.teardown(() => a.app.close())
  const { pollToken, otp } = await asked(a)
  const wrong = await call(a, 'POST', '/auth/code', { code: otp === '000000' ? '111111' : '000000', pollToken })
  t.same([wrong.status, wrong.body.attemptsLeft], [400, 4])
  assertTokens(t, await call(a, 'POST', '/auth/code', { code: otp, pollToken }), 'code')
  const stolen = await call(a, 'POST', '/auth/code', { code: otp, pollToken: `${pollToken.slice(0, 34)}${'A'.repeat(43)}` })
  t.equal(stolen.status, 400, 'a forged poll secret gets nothing')
})

t.test('refresh rotates; a spent refresh token revokes the session', async (t) => {
  const a = await build(TOKENS)
  t.teardown(() => a.app.close())
  const { pollToken, link } = await asked(a)
  const first = (await call(a, 'POST', '/auth/verify', { token: tokenOf(link), pollToken })).body
  a.clock.advance(60_000)
  const second = await call(a, 'POST', '/auth/refresh', { refreshToken: first.refreshToken })
  t.equal(second.status, 200)
  t.same(Object.keys(second.body).sort(), ['accessToken', 'expiresIn', 'refreshToken'])
  t.not(second.body.refreshToken, first.refreshToken, 'a new refresh token')
  t.equal((second.body.refreshToken as string).slice(0, 54), (first.refreshToken as string).slice(0, 54), 'for the same session')
  t.equal((await call(a, 'GET', '/me', undefined, bearer(second.body.accessToken))).status, 200)
  const third = await call(a, 'POST', '/auth/refresh', { refreshToken: second.body.refreshToken })
  t.equal(third.status, 200, 'and again')

  const replay = await call(a, 'POST', '/auth/refresh', { refreshToken: first.refreshToken })
  t.same([replay.status, replay.body.code], [401, 'FST_MAGIC_LINK_UNAUTHORIZED'])
  t.match(replay.body.message, /reused/)
  t.equal((await call(a, 'GET', '/me', undefined, bearer(third.body.accessToken))).status, 401, 'the session is gone: its access token stops at once')
  t.equal((await call(a, 'POST', '/auth/refresh', { refreshToken: third.body.refreshToken })).status, 401, 'and its current refresh token')
  for (const junk of ['', 'x', `${'a'.repeat(54)}.${'b'.repeat(43)}`, `${(first.refreshToken as string).slice(0, 55)}${'c'.repeat(43)}`]) {
    t.equal((await call(a, 'POST', '/auth/refresh', { refreshToken: junk })).status, 401, `junk refresh token ${junk.slice(0, 10)}`)
  }
})

t.test('access tokens expire and are never refreshed by themselves; idle and absolute expiry hold', async (t) => {
  const a = await build({ session: { transports: ['token'], accessTtl: '5m', idleTtl: '1h', ttl: '3h' } })
  t.teardown(() => a.app.close())
  const { pollToken, link } = await asked(a)
  const tokens = (await call(a, 'POST', '/auth/verify', { token: tokenOf(link), pollToken })).body
  a.clock.advance(5 * 60_000)
  t.equal((await call(a, 'GET', '/me', undefined, bearer(tokens.accessToken))).status, 401, 'expired: 401, the client refreshes')
  let refresh = tokens.refreshToken
  for (let i = 0; i < 3; i++) {
    a.clock.advance(50 * 60_000)
    const r = await call(a, 'POST', '/auth/refresh', { refreshToken: refresh })
    t.equal(r.status, 200, `refresh ${i + 1} within the idle time`)
    refresh = r.body.refreshToken
  }
  a.clock.advance(50 * 60_000)
  t.equal((await call(a, 'POST', '/auth/refresh', { refreshToken: refresh })).status, 401, 'past the absolute lifetime')

  const b = await asked(a)
  const fresh = (await call(a, 'POST', '/auth/verify', { token: tokenOf(b.link), pollToken: b.pollToken })).body
  a.clock.advance(61 * 60_000)
  t.equal((await call(a, 'POST', '/auth/refresh', { refreshToken: fresh.refreshToken })).status, 401, 'past the idle time')
})

t.test('logout, logout-all and the session list with a bearer', async (t) => {
  const a = await build(TOKENS)
  t.teardown(() => a.app.close())
  const one = await asked(a)
  const s1 = (await call(a, 'POST', '/auth/verify', { token: tokenOf(one.link), pollToken: one.pollToken })).body
  a.clock.advance(61_000)
  const two = await asked(a)
  const s2 = (await call(a, 'POST', '/auth/verify', { token: tokenOf(two.link), pollToken: two.pollToken })).body
  const list = await call(a, 'GET', '/auth/sessions', undefined, bearer(s1.accessToken))
  t.equal((list.body.sessions as unknown[]).length, 2)
  t.equal((await call(a, 'POST', '/auth/logout', {}, bearer(s1.accessToken))).status, 204)
  t.equal((await call(a, 'GET', '/me', undefined, bearer(s1.accessToken))).status, 401, 'logged out')
  t.equal((await call(a, 'POST', '/auth/refresh', { refreshToken: s1.refreshToken })).status, 401, 'its refresh token too')
  t.equal((await call(a, 'GET', '/me', undefined, bearer(s2.accessToken))).status, 200, 'the other session lives')
  t.equal((await call(a, 'POST', '/auth/logout-all', {}, bearer(s2.accessToken))).status, 204)
  t.equal((await call(a, 'GET', '/me', undefined, bearer(s2.accessToken))).status, 401)
})

t.test('a cookie token is no bearer, an access token is no cookie, and a deleted user gets no refresh', async (t) => {
  const users = new Map([['known@example.com', { id: 'u1' }]])
  const b = await build({ ...TOKENS, users: { find: (e) => users.get(e) ?? null, claims: () => ({ role: 'user' }) } })
  t.teardown(() => b.app.close())
  const { pollToken, link } = await asked(b)
  const tokens = (await call(b, 'POST', '/auth/verify', { token: tokenOf(link), pollToken })).body
  t.equal((await call(b, 'GET', '/me', undefined, { cookie: `__Host-sid=${String(tokens.accessToken)}` })).status, 401, 'access token as a cookie')
  b.clock.advance(61_000)
  const jar = await signIn(b)
  const cookie = jar.get('__Host-sid') as string
  t.equal((await call(b, 'GET', '/me', undefined, { cookie: `__Host-sid=${cookie}` })).status, 200, 'the cookie works as a cookie')
  t.equal((await call(b, 'GET', '/me', undefined, bearer(cookie))).status, 401, 'a session cookie is no bearer token')
  t.match((await call(b, 'GET', '/me', undefined, bearer(tokens.accessToken))).body, { session: { data: { role: 'user' } } }, 'claims are in the access token')
  const renewed = await call(b, 'POST', '/auth/refresh', { refreshToken: tokens.refreshToken })
  t.equal(renewed.status, 200, 'claims are reloaded at each refresh')
  users.delete('known@example.com')
  t.equal((await call(b, 'POST', '/auth/refresh', { refreshToken: renewed.body.refreshToken })).status, 401, 'a user that is gone gets no new token')
  t.equal((await call(b, 'GET', '/me', undefined, bearer(tokens.accessToken))).status, 401, 'and the session ended')
})

t.test('fuzzed Authorization headers never 500 and never pass', async (t) => {
  const a = await build(TOKENS)
  t.teardown(() => a.app.close())
  const { pollToken, link } = await asked(a)
  const good = (await call(a, 'POST', '/auth/verify', { token: tokenOf(link), pollToken })).body.accessToken as string
  const [h, p, s] = good.split('.') as [string, string, string]
  const flip = (x: string): string => (x[0] === 'A' ? 'B' : 'A') + x.slice(1)
  const headers = [
    '', 'Bearer', 'Bearer ', 'bearer', 'Basic dXNlcjpwdw==', `Bearer  ${flip(good)}`, `Bearer ${h}.${p}.${flip(s)}`, `Bearer ${h}.${flip(p)}.${s}`,
    `Bearer ${h}.${p}.`, `Bearer ${h}..${s}`, `Bearer ${good}x`, `Bearer ${good} ${good}`, `Bearer ${'A'.repeat(9000)}`, 'Bearer \u0000', 'Bearer ..',
    `Bearer ${Buffer.from('{"alg":"none","typ":"ml-access+jwt"}').toString('base64url')}.${p}.`,
    `Token ${good}`, `${good}`,
  ]
  for (let i = 0; i < 200; i++) {
    const bytes = Buffer.from(good)
    bytes[Math.floor(Math.random() * bytes.length)] = 33 + Math.floor(Math.random() * 90)
    headers.push(`Bearer ${bytes.toString('latin1')}`)
  }
  let fiveHundreds = 0
  let passed = 0
  for (const authorization of headers) {
    const res = await a.app.inject({ method: 'GET', url: '/me', headers: { authorization } })
    if (res.statusCode >= 500) fiveHundreds++
    if (res.statusCode === 200 && authorization !== `Bearer ${good}`) passed++
  }
  t.equal(fiveHundreds, 0, `${headers.length} headers: no 500`)
  t.equal(passed, 0, 'none passes but the genuine token')
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { authorization: `bearer ${good}` } })).statusCode, 200, 'the scheme is case-insensitive')
})

t.test('a store without refreshSession cannot back the token transport', async (t) => {
  const { MemoryStore } = await import('../../src/index.js')
  const store = new MemoryStore()
  Object.defineProperty(store, 'refreshSession', { value: undefined })
  await t.rejects(build({ ...TOKENS, store }), { code: 'FST_MAGIC_LINK_OPTIONS', message: /refreshSession/ })
})

t.test('a spent refresh token revokes the session on a second instance within a second (Redis)', async (t) => {
  const redis: RedisServer = await startRedis()
  t.teardown(() => redis.stop())
  const store = (): RedisStore => new RedisStore({ client: redis.client(), prefix: 'reuse:' })
  const a = await build({ ...TOKENS, store: store() })
  const b = await build({ ...TOKENS, store: store() })
  t.teardown(async () => { await a.app.close(); await b.app.close() })
  const { pollToken, link } = await asked(a)
  const first = (await call(a, 'POST', '/auth/verify', { token: tokenOf(link), pollToken })).body
  const second = (await call(a, 'POST', '/auth/refresh', { refreshToken: first.refreshToken })).body
  t.equal((await call(b, 'GET', '/me', undefined, bearer(second.accessToken))).status, 200, 'instance B knows the session (cached now)')
  const stolen = await call(b, 'POST', '/auth/refresh', { refreshToken: first.refreshToken })
  t.equal(stolen.status, 401, 'the thief replays the spent token on B')
  const start = Date.now()
  let status = 200
  while (status === 200 && Date.now() - start < 1000) {
    status = (await call(a, 'GET', '/me', undefined, bearer(second.accessToken))).status
    if (status === 200) await sleep(10)
  }
  t.equal(status, 401, `instance A refuses the session's access token after ${Date.now() - start} ms`)
  t.ok(Date.now() - start < 1000, 'within a second')
})

t.test('an access token minted with the app key but claiming a longer life is not trusted', async (t) => {
  const { SessionTokens, ACCESS_TYP } = await import('../../src/session/jwt.js')
  const { ORIGIN, SECRET } = await import('../helpers/app.js')
  const a = await build(TOKENS)
  t.teardown(() => a.app.close())
  const { pollToken, link } = await asked(a)
  const genuine = (await call(a, 'POST', '/auth/verify', { token: tokenOf(link), pollToken })).body.accessToken as string
  const claims = JSON.parse(Buffer.from(genuine.split('.')[1] as string, 'base64url').toString()) as Parameters<InstanceType<typeof SessionTokens>['sign']>[0]
  const minted = await new SessionTokens([SECRET], ORIGIN).sign({ ...claims, exp: Math.floor(a.clock.now / 1000) + 86_400 }, ACCESS_TYP)
  t.equal((await call(a, 'GET', '/me', undefined, bearer(minted))).status, 401, 'a day-long access token is refused')
  t.equal((await call(a, 'GET', '/me', undefined, bearer(genuine))).status, 200, 'the genuine one works')
})

t.test('bearerToken reads RFC 6750 headers only', async (t) => {
  const { bearerToken } = await import('../../src/plugin.js')
  t.equal(bearerToken('Bearer abc'), 'abc')
  t.equal(bearerToken('bEaReR abc'), 'abc', 'the scheme in any case')
  t.equal(bearerToken('Bearer   abc'), 'abc', 'several spaces')
  t.equal(bearerToken('Bearer        '), null, 'spaces only')
  t.equal(bearerToken('Bearer'), null)
  t.equal(bearerToken('Bearerx abc'), null)
  t.equal(bearerToken('Basic abcdefg'), null)
  t.equal(bearerToken('Bearex abc'), null, 'a six-letter scheme that is not Bearer')
  t.equal(bearerToken(`Bearer ${'a'.repeat(9000)}`), null, 'too long')
})
