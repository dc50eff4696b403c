import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { build, Jar, send, tokenOf, type BuildOptions, type TestApp } from './helpers/app.js'
import {
  createClient, login, logout, MagicLinkClientError, session, verifyCode, waitForSession,
  type ClientOptions, type MagicLinkClient,
} from '../src/client/index.js'

/** Node's own fetch, kept before a test puts a stand-in on globalThis. */
const nodeFetch = globalThis.fetch

interface Served extends TestApp { baseUrl: string }

/** The test app, listening on a real loopback port: the client talks HTTP to it, not inject. */
async function serve (t: Test, opts: BuildOptions = {}): Promise<Served> {
  const a = await build(opts)
  t.teardown(() => a.app.close())
  await a.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...a, baseUrl: `http://127.0.0.1:${(a.app.server.address() as AddressInfo).port}` }
}

interface Browser {
  client: MagicLinkClient
  /** This browser's cookies (Node's fetch keeps none). */
  cookies: Map<string, string>
  /** Every URL fetched, in order. */
  urls: string[]
  fetch: typeof fetch
}

/** A fetch with a cookie jar, as a browser would have: one per simulated browser. */
function cookieFetch (cookies: Map<string, string>, urls: string[], base = ''): typeof fetch {
  return async (input, init) => {
    const url = String(input)
    urls.push(url)
    const headers = new Headers(init?.headers)
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await nodeFetch(url.startsWith('/') ? base + url : url, { ...init, headers })
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';')
      const name = pair.slice(0, pair.indexOf('='))
      const value = pair.slice(pair.indexOf('=') + 1)
      if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) cookies.delete(name)
      else cookies.set(name, value)
    }
    return res
  }
}

function browser (a: Served, extra: ClientOptions = {}): Browser {
  const cookies = new Map<string, string>()
  const urls: string[] = []
  const f = cookieFetch(cookies, urls)
  return { client: createClient({ baseUrl: a.baseUrl, fetch: f, ...extra }), cookies, urls, fetch: f }
}

/** A fetch that answers from a list, for what a real server never sends. */
function scripted (answers: Array<() => Response | Promise<Response>>, urls: string[] = []): typeof fetch {
  return async (input) => {
    urls.push(String(input))
    const next = answers.shift()
    if (next === undefined) throw new Error('no more scripted answers')
    return await next()
  }
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** The phone: opens the latest link mailed to `email` in another browser and types the screen code. */
async function approveOnPhone (a: TestApp, email: string, matchCode: string): Promise<void> {
  let link: string | undefined
  for (let i = 0; i < 200 && link === undefined; i++) {
    link = a.outbox.findLast((m) => m.message.to === email && m.ctx !== null)?.ctx?.link
    if (link === undefined) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const res = await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(link as string), code: matchCode } })
  if (res.statusCode !== 200) throw new Error(`approval failed: ${res.statusCode} ${res.body}`)
}

async function rejection (p: Promise<unknown>): Promise<MagicLinkClientError> {
  try {
    await p
  } catch (error) {
    if (error instanceof MagicLinkClientError) return error
    throw error
  }
  throw new Error('expected a rejection')
}

t.test('login, then the 6-digit code from the mail: signed in on this browser', async (t) => {
  const a = await serve(t)
  const b = browser(a)
  const started = await b.client.login('known@example.com', { redirectTo: '/dash' })
  t.same(Object.keys(started).sort(), ['expiresIn', 'interval', 'matchCode'], 'only the documented fields')
  t.match(started, { interval: 5, expiresIn: 600, matchCode: /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/ })
  t.ok(b.cookies.has('__Host-mlflow'), 'binding cookie kept')
  t.equal(b.urls[0], `${a.baseUrl}/auth/request`)

  const [mail] = await a.mails(1)
  const otp = mail?.ctx?.otp as string
  t.match(otp, /^\d{6}$/)
  t.same(await b.client.verifyCode(otp), { status: 'approved', redirectTo: '/dash' })
  t.ok(b.cookies.has('__Host-sid'), 'session cookie set')
  t.ok(b.cookies.has('__Host-mlflow'), 'binding kept for the asking tab to hear the sign-in once')

  const s = await b.client.session()
  t.match(s, { user: { id: 'u1' }, session: { id: /^[A-Za-z0-9_-]{54}$/, data: {} } })
  t.ok((s?.session.expiresAt ?? 0) > (s?.session.createdAt ?? Infinity))

  const list = await b.client.sessions()
  t.equal(list.length, 1)
  t.match(list[0], { id: s?.session.id, current: true, device: /\S/ })

  await b.client.logout()
  t.notOk(b.cookies.has('__Host-sid'), 'session cookie cleared')
  t.equal(await b.client.session(), null, 'signed out')
  t.match(await rejection(b.client.sessions()), { code: 'FST_MAGIC_LINK_UNAUTHORIZED', status: 401 })
  t.match(await rejection(b.client.logout()), { code: 'FST_MAGIC_LINK_UNAUTHORIZED', status: 401, name: 'MagicLinkClientError' })
})

t.test('cross device: the phone approves with the screen code; the waiting long-poll signs this browser in', async (t) => {
  const a = await serve(t)
  let pollSent: () => void = () => {}
  const sent = new Promise<void>((resolve) => { pollSent = resolve })
  const b = browser(a)
  const watched: typeof fetch = async (input, init) => {
    if (String(input).includes('/poll')) pollSent()
    return await b.fetch(input, init)
  }
  const client = createClient({ baseUrl: a.baseUrl, fetch: watched })
  const { matchCode } = await client.login('known@example.com')

  const pending: unknown[] = []
  const t0 = Date.now()
  const waiting = client.waitForSession({ onPending: (info) => pending.push(info) })
  await sent
  await new Promise((resolve) => setTimeout(resolve, 150))
  await approveOnPhone(a, 'known@example.com', matchCode)

  t.same(await waiting, { status: 'approved', redirectTo: '/' })
  t.ok(Date.now() - t0 >= 150, 'the answer came after the approval')
  t.same(b.urls.filter((u) => u.includes('/poll')), [`${a.baseUrl}/auth/poll?wait=25`], 'one long-poll, no pending round trip')
  t.same(pending, [])
  t.match(await client.session(), { user: { id: 'u1' } })
})

t.test('plain polling waits the interval, and backs off on slow_down with the new interval', async (t) => {
  const a = await serve(t, { pollInterval: 2 })
  const sleeps: number[] = []
  const b = browser(a, {
    // The fake clock moves by what the client sleeps; the first timer "fires early" (half the
    // interval), as a throttled background tab or a skewed timer would.
    sleep: async (ms) => {
      sleeps.push(ms)
      a.clock.advance(sleeps.length === 1 ? ms / 2 : ms)
    },
  })
  const { matchCode } = await b.client.login('known@example.com')
  const seen: Array<{ interval: number, polls: number, slowDown: boolean }> = []
  let approval: Promise<void> = Promise.resolve()
  const result = await b.client.waitForSession({
    longPoll: 0,
    onPending: (info) => {
      seen.push(info)
      if (info.polls === 3) approval = approveOnPhone(a, 'known@example.com', matchCode)
    },
  })
  await approval
  t.same(result, { status: 'approved', redirectTo: '/' })
  t.same(seen, [
    { interval: 2, polls: 1, slowDown: false },
    { interval: 7, polls: 2, slowDown: true },
    { interval: 7, polls: 3, slowDown: false },
  ], 'RFC 8628: +5 s per slow_down, and the new interval sticks')
  t.same(sleeps, [2000, 7000, 7000], 'the client waits the interval the server last gave')
  t.same(b.urls.filter((u) => u.includes('/poll')).length, 4)
})

t.test('real timers: plain polling sleeps, and long-polls that time out follow each other without slow_down', async (t) => {
  // The server's clock is the real one here: the long-poll's server-side wait is real time.
  const a = await serve(t, { pollInterval: 1, now: () => Date.now() })
  const b = browser(a)
  const first = await b.client.login('known@example.com')
  const seen: boolean[] = []
  let approval: Promise<void> = Promise.resolve()
  const plain = await b.client.waitForSession({
    longPoll: 0,
    onPending: (info) => {
      seen.push(info.slowDown)
      approval = approveOnPhone(a, 'known@example.com', first.matchCode)
    },
  })
  await approval
  t.same(plain, { status: 'approved', redirectTo: '/' })
  t.same(seen, [false])

  a.users.set('second@example.com', { id: 'u2' })
  const d = browser(a)
  const { matchCode } = await d.client.login('second@example.com')
  const slow: boolean[] = []
  const started = Date.now()
  const long = await d.client.waitForSession({
    longPoll: 1,
    onPending: (info) => {
      slow.push(info.slowDown)
      if (info.polls === 2) approval = approveOnPhone(a, 'second@example.com', matchCode)
    },
  })
  await approval
  t.same(long, { status: 'approved', redirectTo: '/' })
  t.same(slow, [false, false], 'two timed-out long-polls, neither answered slow_down')
  t.ok(Date.now() - started >= 2000)
  t.same(d.urls.filter((u) => u.includes('/poll')).every((u) => u.endsWith('/auth/poll?wait=1')), true)
})

t.test('a long-poll that comes back early waits the whole interval', async (t) => {
  const sleeps: number[] = []
  const client = createClient({
    fetch: scripted([
      () => json(202, { status: 'pending', interval: 3 }),
      () => json(200, { status: 'approved', redirectTo: '/x' }),
    ]),
    sleep: async (ms) => { sleeps.push(ms) },
  })
  t.same(await client.waitForSession({ longPoll: 10 }), { status: 'approved', redirectTo: '/x' })
  t.same(sleeps, [3000])
})

t.test('longPoll is sent as whole seconds in 0..30', async (t) => {
  const cases: Array<[number | undefined, string]> = [
    [undefined, '/auth/poll?wait=25'],
    [0, '/auth/poll'],
    [-3, '/auth/poll'],
    [2.7, '/auth/poll?wait=2'],
    [99, '/auth/poll?wait=30'],
    [Number.NaN, '/auth/poll?wait=25'],
    [Infinity, '/auth/poll?wait=25'],
  ]
  for (const [longPoll, url] of cases) {
    const urls: string[] = []
    const client = createClient({ fetch: scripted([() => json(200, { status: 'approved', redirectTo: '/' })], urls) })
    await client.waitForSession(longPoll === undefined ? {} : { longPoll })
    t.same(urls, [url], `longPoll ${String(longPoll)}`)
  }
  const urls: string[] = []
  const prefixed = createClient({ baseUrl: 'https://app.example.com/', prefix: '/login/', fetch: scripted([() => new Response(null, { status: 204 })], urls) })
  await prefixed.revokeSession('a/b c')
  t.same(urls, ['https://app.example.com/login/sessions/a%2Fb%20c'], 'trailing slashes dropped, id encoded')
})

t.test('abort: before the call, during a long-poll, during the wait between polls', async (t) => {
  const a = await serve(t, { pollInterval: 5 })

  const gone = new AbortController()
  gone.abort(new Error('user left'))
  const early = browser(a)
  const e1 = await rejection(early.client.login('known@example.com', { signal: gone.signal }))
  t.match(e1, { code: 'aborted', status: 0 })
  t.equal((e1.cause as Error).message, 'user left', 'the reason is the cause')
  t.match(await rejection(early.client.waitForSession({ signal: gone.signal })), { code: 'aborted' })
  t.match(await rejection(early.client.verifyCode('123456', { signal: gone.signal })), { code: 'aborted' })
  t.same(early.urls, [], 'nothing was sent')

  const b = browser(a)
  await b.client.login('known@example.com')
  const during = new AbortController()
  const t0 = Date.now()
  const p = b.client.waitForSession({ signal: during.signal, longPoll: 20 })
  setTimeout(() => during.abort(), 100)
  t.match(await rejection(p), { code: 'aborted', status: 0 })
  t.ok(Date.now() - t0 < 2000, 'the long-poll is dropped at once')

  const c = browser(a)
  a.clock.advance(61_000)
  await c.client.login('known@example.com')
  const between = new AbortController()
  const t1 = Date.now()
  const q = c.client.waitForSession({
    signal: between.signal,
    longPoll: 0,
    onPending: () => { setTimeout(() => between.abort(), 50) },
  })
  t.match(await rejection(q), { code: 'aborted' })
  t.ok(Date.now() - t1 < 2000, 'the 5 s timer is cut short')

  const d = browser(a)
  a.clock.advance(61_000)
  await d.client.login('known@example.com')
  const inCallback = new AbortController()
  const r = d.client.waitForSession({ signal: inCallback.signal, longPoll: 0, onPending: () => inCallback.abort() })
  t.match(await rejection(r), { code: 'aborted' }, 'abort from onPending rejects before sleeping')
})

t.test('the login ends: expired_token, access_denied', async (t) => {
  const a = await serve(t)

  const b = browser(a)
  await b.client.login('known@example.com')
  a.clock.advance(600_001)
  const expired = await rejection(b.client.waitForSession())
  t.match(expired, { code: 'expired_token', status: 410, message: /expired/ })
  t.ok(b.cookies.has('__Host-mlflow'), 'the binding cookie is left to expire (a newer flow of this browser may own the name by now)')

  const c = browser(a)
  await c.client.login('known@example.com')
  for (let i = 0; i < 5; i++) {
    t.match(await rejection(c.client.verifyCode('000000')), { code: 'FST_MAGIC_LINK_INVALID_CODE', status: 400, attemptsLeft: 4 - i, reason: undefined }, `wrong code ${i + 1}`)
  }
  t.match(await rejection(c.client.verifyCode('000000')), { code: 'FST_MAGIC_LINK_INVALID_TOKEN', reason: 'denied', attemptsLeft: undefined }, 'then the login is over, and says why')
  t.match(await rejection(c.client.waitForSession()), { code: 'access_denied', status: 403, message: /wrong codes/ })

  t.match(await rejection(browser(a).client.waitForSession()), { code: 'FST_MAGIC_LINK_BAD_REQUEST', status: 400 }, 'no login in this browser')
})

t.test('the signed-in user lists and revokes sessions', async (t) => {
  const a = await serve(t)
  const laptop = browser(a)
  const phone = browser(a)
  await laptop.client.login('known@example.com')
  await laptop.client.verifyCode((await a.mails(1))[0]?.ctx?.otp as string)
  a.clock.advance(61_000) // the per-address mail gap
  await phone.client.login('known@example.com')
  await phone.client.verifyCode((await a.mails(2))[1]?.ctx?.otp as string)

  const list = await laptop.client.sessions()
  t.equal(list.length, 2)
  const other = list.find((s) => !s.current)
  t.ok(other)
  await laptop.client.revokeSession(other?.id as string)
  t.equal(await phone.client.session(), null, 'the other device is signed out at once')
  t.same((await laptop.client.sessions()).map((s) => s.current), [true])
  t.match(await rejection(laptop.client.revokeSession('x')), { code: 'FST_MAGIC_LINK_BAD_REQUEST', status: 400 })

  await laptop.client.logoutAll()
  t.equal(await laptop.client.session(), null)
})

t.test('server refusals and broken answers become typed errors', async (t) => {
  const a = await serve(t, { rateLimit: { ipMax: 2 } })
  const b = browser(a)
  t.match(await rejection(b.client.login('not an address')), { code: 'FST_MAGIC_LINK_BAD_REQUEST', status: 400 })
  await b.client.login('known@example.com')
  t.match(await rejection(b.client.login('known@example.com')), { code: 'FST_MAGIC_LINK_RATE_LIMITED', status: 429, message: /retry in \d+ seconds/ })
  t.match(await rejection(browser(a, { prefix: '/nope' }).client.login('known@example.com')),
    { code: 'http_error', status: 404, message: 'Route POST:/nope/request not found' }, "Fastify's own 404 has no code")

  const offline = createClient({ fetch: scripted([() => { throw new TypeError('fetch failed') }]) })
  const net = await rejection(offline.logout())
  t.match(net, { code: 'network_error', status: 0, message: /fetch failed/ })
  t.type(net.cause, TypeError)
  t.match(await rejection(createClient({ fetch: scripted([() => Promise.reject('down')]) }).logout()), { code: 'network_error', message: /down/ })

  const answers: Array<[string, (c: MagicLinkClient) => Promise<unknown>, Response, Record<string, unknown>]> = [
    ['HTML from a proxy', (c) => c.session(), new Response('<h1>Bad gateway</h1>', { status: 502 }), { code: 'http_error', status: 502, message: 'HTTP 502' }],
    ['empty error', (c) => c.logout(), new Response('', { status: 500 }), { code: 'http_error', status: 500 }],
    ['not JSON', (c) => c.login('a@b.co'), new Response('ok', { status: 202 }), { code: 'bad_response', status: 202 }],
    ['wrong type', (c) => c.login('a@b.co'), json(202, { matchCode: 1, interval: 5, expiresIn: 600 }), { code: 'bad_response', message: /'matchCode' is not a string/ }],
    ['approved without redirectTo', (c) => c.verifyCode('123456'), json(200, { status: 'approved' }), { code: 'bad_response' }],
    ['pending without interval', (c) => c.waitForSession(), json(202, { status: 'pending' }), { code: 'bad_response', message: /'interval'/ }],
    ['poll error without body', (c) => c.waitForSession(), new Response('', { status: 403 }), { code: 'http_error', status: 403 }],
    ['poll error, RFC shape without description', (c) => c.waitForSession(), json(403, { error: 'access_denied' }), { code: 'access_denied', message: 'HTTP 403' }],
    ['session without data', (c) => c.session(), json(200, { user: { id: 'u' }, session: { id: 's', createdAt: 1, expiresAt: 2, authTime: 1, method: 'link' } }), { code: 'bad_response', message: /'session.data'/ }],
    ['session without user', (c) => c.session(), json(200, { session: {} }), { code: 'bad_response', message: /'user'/ }],
    ['sessions not a list', (c) => c.sessions(), json(200, { sessions: {} }), { code: 'bad_response', message: /not an array/ }],
    ['a session not an object', (c) => c.sessions(), json(200, { sessions: [null] }), { code: 'bad_response' }],
    ['a session flag of the wrong type', (c) => c.sessions(), json(200, { sessions: [{ id: 's', device: 'd', createdAt: 1, lastSeenAt: 1, expiresAt: 2, current: 'yes' }] }), { code: 'bad_response', message: /'current' is not a boolean/ }],
    ['a list body', (c) => c.sessions(), json(200, []), { code: 'bad_response', message: /the body is not an object/ }],
  ]
  for (const [name, run, response, expected] of answers) {
    t.match(await rejection(run(createClient({ fetch: scripted([() => response]) }))), expected, name)
  }
})

t.test('top-level functions use a default same-origin client on the global fetch', async (t) => {
  const a = await serve(t, { notifyNewSignIn: false })
  const cookies = new Map<string, string>()
  const urls: string[] = []
  // Relative URLs, as in a page: this stand-in resolves them against the server.
  globalThis.fetch = cookieFetch(cookies, urls, a.baseUrl)
  t.teardown(() => { globalThis.fetch = nodeFetch })

  const { matchCode } = await login('known@example.com')
  t.equal(urls[0], '/auth/request', 'same-origin relative URL under /auth')
  await approveOnPhone(a, 'known@example.com', matchCode)
  t.same(await waitForSession({ longPoll: 0 }), { status: 'approved', redirectTo: '/' })
  t.match(await session(), { user: { id: 'u1' } })
  await logout()
  t.equal(await session(), null)

  a.clock.advance(61_000)
  await login('known@example.com')
  const otp = (await a.mails(2))[1]?.ctx?.otp as string
  t.same(await verifyCode(otp), { status: 'approved', redirectTo: '/' })
})

t.test('a REAUTH_REQUIRED answer carries maxAge to the caller', async (t) => {
  const client = createClient({ fetch: scripted([() => json(401, { statusCode: 401, code: 'FST_MAGIC_LINK_REAUTH_REQUIRED', error: 'Unauthorized', message: 'fresh sign-in needed', maxAge: 600 })]) })
  const error = await client.reauthenticate().catch((e: unknown) => e)
  t.match(error, { code: 'FST_MAGIC_LINK_REAUTH_REQUIRED', status: 401, maxAge: 600, attemptsLeft: undefined })
})
