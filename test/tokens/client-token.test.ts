import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { createClient, memoryStorage, MagicLinkClientError, type TokenStorage } from '../../src/client/index.js'
import { build, tokenOf, type BuildOptions, type TestApp } from '../helpers/app.js'

interface Served extends TestApp { baseUrl: string }

async function serve (t: Test, opts: BuildOptions = { session: { transports: ['cookie', 'token'] } }): Promise<Served> {
  const a = await build(opts)
  t.teardown(() => a.app.close())
  await a.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...a, baseUrl: `http://127.0.0.1:${(a.app.server.address() as AddressInfo).port}` }
}

/** Node's fetch (it keeps no cookies, as a native app's HTTP client), recording what it sends. */
function recorder (): { fetch: typeof fetch, calls: Array<{ url: string, init: RequestInit | undefined }> } {
  const calls: Array<{ url: string, init: RequestInit | undefined }> = []
  return { calls, fetch: async (input, init) => { calls.push({ url: String(input), init }); return await globalThis.fetch(input, init) } }
}

const phoneApproves = async (a: Served, matchCode: string, n = 1): Promise<void> => {
  const link = (await a.mails(n))[n - 1]?.ctx?.link as string
  const res = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: tokenOf(link), code: matchCode } })
  if (res.statusCode !== 200) throw new Error(`approve: ${res.statusCode}`)
}

t.test("transport: 'token': login, another device approves, the client holds tokens and no cookie", async (t) => {
  const a = await serve(t)
  const { fetch, calls } = recorder()
  const storage = memoryStorage()
  const client = createClient({ baseUrl: a.baseUrl, fetch, transport: 'token', storage })
  const { matchCode } = await client.login('known@example.com')
  t.type(await storage.get('fastify-magic-link.pollToken'), 'string', 'the poll token is kept')
  await phoneApproves(a, matchCode)
  t.same(await client.waitForSession({ longPoll: 0 }), { status: 'approved', redirectTo: '/' })
  t.equal(await storage.get('fastify-magic-link.pollToken'), undefined, 'the poll token is dropped')
  t.type(await storage.get('fastify-magic-link.accessToken'), 'string')
  t.type(await storage.get('fastify-magic-link.refreshToken'), 'string')
  t.ok(calls.every((c) => c.init?.credentials === 'omit'), 'no cookie is ever sent')
  t.match(await client.session(), { user: { id: 'u1' } })
  const me = await client.fetch(`${a.baseUrl}/me`)
  t.equal(me.status, 200, 'auth.fetch adds the bearer')
  t.match(calls.at(-1)?.init?.headers, {}, 'headers sent')
  t.match(new Headers(calls.at(-1)?.init?.headers).get('authorization'), /^Bearer /)
})

t.test('auth.fetch refreshes once on expiry, one refresh for many concurrent calls', async (t) => {
  const a = await serve(t)
  const { fetch, calls } = recorder()
  const client = createClient({ baseUrl: a.baseUrl, fetch, transport: 'token' })
  const { matchCode } = await client.login('known@example.com')
  await phoneApproves(a, matchCode)
  await client.waitForSession({ longPoll: 0 })
  a.clock.advance(6 * 60_000)
  t.match(await client.session(), { user: { id: 'u1' } }, 'a plugin call after expiry refreshes and retries too')
  a.clock.advance(6 * 60_000)
  const before = calls.length
  const answers = await Promise.all(Array.from({ length: 5 }, () => client.fetch(`${a.baseUrl}/me`)))
  t.same(answers.map((r) => r.status), [200, 200, 200, 200, 200], 'all five succeed after the refresh')
  t.equal(calls.slice(before).filter((c) => c.url.endsWith('/auth/refresh')).length, 1, 'one refresh, shared')
  t.same((await client.sessions()).map((s) => s.current), [true])
  await client.logout()
  t.equal((await client.fetch(`${a.baseUrl}/me`)).status, 401, 'signed out: the tokens are gone')
  t.equal(await client.refresh(), false)
})

t.test('verifyCode and verifyLink with the token transport', async (t) => {
  const a = await serve(t)
  const one = createClient({ baseUrl: a.baseUrl, transport: 'token' })
  await one.login('known@example.com')
  const otp = (await a.mails(1))[0]?.ctx?.otp as string
  t.same(await one.verifyCode(otp), { status: 'approved', redirectTo: '/' })
  t.match(await one.session(), { user: { id: 'u1' } })

  a.clock.advance(61_000)
  const two = createClient({ baseUrl: a.baseUrl, transport: 'token' })
  await two.login('known@example.com')
  const link = (await a.mails(2))[1]?.ctx?.link as string
  t.same(await two.verifyLink(tokenOf(link)), { status: 'approved', redirectTo: '/' }, 'the app opened its own link')
  t.match(await two.session(), { user: { id: 'u1' } })
  await two.logoutAll()
  t.equal(await one.session(), null, 'logout-all ended the other one too')
})

t.test('errors: the token transport not enabled, no login in progress, a refresh token that stopped working', async (t) => {
  const a = await serve(t, {})
  const client = createClient({ baseUrl: a.baseUrl, transport: 'token' })
  await t.rejects(client.login('known@example.com'), { code: 'FST_MAGIC_LINK_BAD_REQUEST', message: /session\.transports/ })
  await t.rejects(client.waitForSession(), new MagicLinkClientError('FST_MAGIC_LINK_BAD_REQUEST', 'No login in progress: call login() first'))
  const b = await serve(t)
  const broken: TokenStorage = memoryStorage()
  await broken.set('fastify-magic-link.refreshToken', `${'a'.repeat(54)}.${'b'.repeat(43)}`)
  await broken.set('fastify-magic-link.accessToken', 'nope')
  const c = createClient({ baseUrl: b.baseUrl, transport: 'token', storage: broken })
  t.equal(await c.session(), null, 'a 401 and a failed refresh: signed out')
  t.equal(await broken.get('fastify-magic-link.refreshToken'), undefined, 'the dead tokens are cleared')
})

t.test('the cookie transport on another origin sends credentials', async (t) => {
  const { fetch, calls } = recorder()
  const a = await serve(t, {})
  const client = createClient({ baseUrl: a.baseUrl, fetch })
  await client.session()
  t.equal(calls[0]?.init?.credentials, 'include')
  const same = createClient({ fetch: async (input, init) => { calls.push({ url: String(input), init }); return new Response('{}', { status: 401 }) } })
  await same.session()
  t.equal(calls[1]?.init?.credentials, 'same-origin', 'same origin: same-origin')
  t.equal(await same.refresh(), false, 'no refresh with cookies')
  t.equal((await same.fetch('/me')).status, 401, 'fetch with cookies: no bearer, no refresh on a 401')
  t.equal(calls[2]?.init?.credentials, 'same-origin')
})

t.test('waitForSession resolves only once a verifyLink that completed the login has stored its tokens', async (t) => {
  const a = await serve(t)
  // The app's HTTP stack holds /verify's answer back a while: the long-poll, woken when the server
  // sent that answer, comes back first and must wait for it.
  const slowVerify: typeof fetch = async (input, init) => {
    const res = await globalThis.fetch(input, init)
    if (String(input).endsWith('/auth/verify')) await new Promise((resolve) => setTimeout(resolve, 300))
    return res
  }
  const storage = memoryStorage()
  const client = createClient({ baseUrl: a.baseUrl, fetch: slowVerify, transport: 'token', storage })
  await client.login('known@example.com')
  const link = (await a.mails(1))[0]?.ctx?.link as string
  const waiting = client.waitForSession({ longPoll: 10 })
  await new Promise((resolve) => setTimeout(resolve, 100))
  const [waited, verified] = await Promise.all([waiting.then(async (r) => ({ r, access: await storage.get('fastify-magic-link.accessToken') })), client.verifyLink(tokenOf(link))])
  t.same(verified, { status: 'approved', redirectTo: '/' })
  t.same(waited.r, { status: 'approved', redirectTo: '/' })
  t.type(waited.access, 'string', 'the tokens were stored when waitForSession resolved')
})

t.test('reauthenticate(): a fresh proof in token mode', async (t) => {
  const a = await serve(t)
  const client = createClient({ baseUrl: a.baseUrl, transport: 'token' })
  await client.login('known@example.com')
  await client.verifyCode((await a.mails(1))[0]?.ctx?.otp as string)
  const first = await client.session()
  a.clock.advance(61_000)
  const started = await client.reauthenticate()
  t.match(started, { matchCode: /^[A-Z]{3}-[A-Z]{3}$/ })
  await client.verifyCode((await a.mails(2))[1]?.ctx?.otp as string)
  const second = await client.session()
  t.not(second?.session.id, first?.session.id, 'a new session')
  t.equal(second?.session.authTime, a.clock.now, 'proved now')
})
