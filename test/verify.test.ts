import t from 'tap'
import { ask, build, Jar, send, tokenOf, type TestApp } from './helpers/app.js'

async function flow (a: TestApp, n = 1): Promise<{ laptop: Jar, token: string, matchCode: string }> {
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop)
  const token = tokenOf((await a.mails(n))[n - 1]?.ctx?.link as string)
  return { laptop, token, matchCode }
}

t.test('GET and HEAD of a link, 10 times each, by a scanner, change nothing', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const { laptop, token } = await flow(a)
  const scanner = { 'user-agent': 'Mozilla/5.0 HeadlessChrome/120.0', 'sec-purpose': 'prefetch' }
  for (let i = 0; i < 10; i++) {
    const head = await a.app.inject({ method: 'HEAD', url: `/auth/verify?token=${token}`, headers: scanner })
    t.equal(head.statusCode, 200)
    t.equal(head.headers['set-cookie'], undefined)
    const get = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}`, headers: scanner })
    t.equal(get.statusCode, 200)
    t.equal(get.headers['set-cookie'], undefined)
  }
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 202, 'still pending')
  const done = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(done.statusCode, 200, 'the real user then completes')
})

t.test('a bot that submits the interstitial without the code neither approves nor denies', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const { laptop, token } = await flow(a)
  const bot = new Jar()
  for (let i = 0; i < 10; i++) {
    const res = await send(a.app, bot, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    t.equal(res.statusCode, 400)
    t.equal(bot.get('__Host-sid'), undefined)
  }
  a.clock.advance(5000)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 202)
})

t.test('5 wrong codes kill the flow: the poller gets access_denied, the right code then fails', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const { laptop, token, matchCode } = await flow(a)
  const phone = new Jar()
  for (let i = 0; i < 4; i++) {
    const res = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: 'BBB-BBB' } })
    t.match(res.json(), { statusCode: 400, code: 'FST_MAGIC_LINK_INVALID_CODE' })
  }
  const fifth = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: 'BBB-BBB' } })
  t.equal(fifth.json().code, 'FST_MAGIC_LINK_INVALID_CODE')
  const right = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.equal(right.json().code, 'FST_MAGIC_LINK_INVALID_TOKEN')
  const poll = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(poll.statusCode, 403)
  t.match(poll.json(), { error: 'access_denied' })
  const page = await send(a.app, phone, { method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(page.statusCode, 410)
  t.match(page.body, /stopped/)
  const form = await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(form.statusCode, 410)
})

t.test('the fifth wrong code in a form shows the stopped page', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const { token } = await flow(a)
  let res
  for (let i = 0; i < 5; i++) res = await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=BBBBBB`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(res?.statusCode, 400)
  t.match(res?.body, /stopped/)
})

t.test('expired, unknown and malformed links get pages that say which, with a way back', async (t) => {
  const a = await build({ loginUrl: '/login' })
  t.teardown(() => a.app.close())
  const { laptop, token } = await flow(a)
  a.clock.advance(10 * 60_000)
  const expired = await send(a.app, laptop, { method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(expired.statusCode, 410)
  t.match(expired.body, /expired/i)
  t.match(expired.body, /href="\/login"/)
  const post = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(post.json().code, 'FST_MAGIC_LINK_INVALID_TOKEN')
  const unknown = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token.slice(0, -3)}abc` })
  t.equal(unknown.statusCode, 410)
  for (const q of ['', '?token=', '?token=abc', `?token=${token}%0a`, `?token[]=${token}`, `?token=${token}&token=${token}`, `?token=${'a'.repeat(300)}`]) {
    const res = await a.app.inject({ method: 'GET', url: `/auth/verify${q}` })
    t.ok(res.statusCode === 410 || res.statusCode === 400, `${q.slice(0, 30)} → ${res.statusCode}`)
    t.match(res.headers['content-type'], /text\/html/)
  }
  const extra = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}&utm_source=mail` })
  t.equal(extra.statusCode, 410, 'tracking parameters added by mail clients are ignored')
})

t.test('used link: 409 page with when and from what; revoke needs the typed address', async (t) => {
  const logouts: string[][] = []
  const a = await build({ hooks: { onLogout: (e) => { logouts.push(e.sessionIds) } } })
  t.teardown(() => a.app.close())
  const { laptop, token } = await flow(a)
  await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token }, headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15' } })
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 200)
  const victim = new Jar()
  const page = await send(a.app, victim, { method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(page.statusCode, 409)
  t.match(page.body, /Safari on macOS/)
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  // A scanner clicking the button with the field empty or prefilled junk revokes nothing.
  const empty = await send(a.app, victim, { method: 'POST', url: '/auth/revoke', payload: `token=${token}&email=`, headers: form })
  t.equal(empty.statusCode, 400)
  t.match(empty.body, /doesn’t look like an email address/, 'an empty field is not an address')
  const wrong = await send(a.app, victim, { method: 'POST', url: '/auth/revoke', payload: { token, email: 'other@example.com' } })
  t.match(wrong.json(), { statusCode: 400, code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 200, 'still signed in')
  const bad = await send(a.app, victim, { method: 'POST', url: '/auth/revoke', payload: { token: 'x', email: 'known@example.com' } })
  t.equal(bad.json().code, 'FST_MAGIC_LINK_INVALID_TOKEN')
  const ok = await send(a.app, victim, { method: 'POST', url: '/auth/revoke', payload: `token=${token}&email=KNOWN@example.com`, headers: form })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, /signed out/i)
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 401, 'that session is gone')
  const json = await send(a.app, victim, { method: 'POST', url: '/auth/revoke', payload: { token, email: 'known@example.com' } })
  t.same(json.json(), { status: 'revoked' })
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(logouts.length, 1)
})

t.test('a pending link cannot be used to revoke anything', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const { token } = await flow(a)
  const res = await a.app.inject({ method: 'POST', url: '/auth/revoke', payload: { token, email: 'known@example.com' } })
  t.equal(res.statusCode, 400)
})

t.test("crossDevice: 'off': only the asking browser can use the link", async (t) => {
  const a = await build({ crossDevice: 'off' })
  t.teardown(() => a.app.close())
  const { laptop, token, matchCode } = await flow(a)
  const page = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(page.statusCode, 200)
  t.match(page.body, /only works in the browser where you asked/)
  const other = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.equal(other.json().code, 'FST_MAGIC_LINK_INVALID_TOKEN')
  const form = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(form.statusCode, 410)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })).statusCode, 200)
})

t.test('a binding cookie of another flow does not complete this one silently', async (t) => {
  const a = await build({ rateLimit: false, known: ['known@example.com', 'other@example.com'] })
  t.teardown(() => a.app.close())
  const { token } = await flow(a)
  const other = new Jar()
  await ask(a, other, 'other@example.com')
  await a.mails(2)
  const res = await send(a.app, other, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(res.json().code, 'FST_MAGIC_LINK_INVALID_CODE')
  t.equal(other.get('__Host-sid'), undefined)
})

t.test('request logs never contain the link token', async (t) => {
  const lines: string[] = []
  const a = await build({ logger: true, loggerStream: { write: (l: string) => { lines.push(l) } } })
  t.teardown(() => a.app.close())
  const { laptop, token } = await flow(a)
  await send(a.app, laptop, { method: 'GET', url: `/auth/verify?token=${token}` })
  await send(a.app, laptop, { method: 'HEAD', url: `/auth/verify?x=1&token=${token}` })
  await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })
  const log = lines.join('\n')
  t.match(log, /\/auth\/verify\?token=\[redacted\]/)
  t.notOk(log.includes(token.slice(34)), 'no link secret in the log')
  t.notOk(log.includes(laptop.get('__Host-sid') ?? 'no-session'), 'no session token in the log')
})

t.test('invitations: createLink gives a link that signs in whoever types the address', async (t) => {
  const a = await build({ users: { find: (email) => a.users.get(email) ?? null, create: (email) => { const u = { id: `inv-${email}` }; a.users.set(email, u); return u } }, known: [] })
  t.teardown(() => a.app.close())
  await t.rejects(a.app.magicLink.createLink('not an address'), { code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  const { link, expiresAt } = await a.app.magicLink.createLink('Invitee@Example.com', { redirectTo: '/welcome' })
  t.equal(expiresAt, a.clock.now + 600_000)
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(a.outbox.length, 0, 'no mail unless asked')
  const token = tokenOf(link)
  const browser = new Jar()
  const page = await send(a.app, browser, { method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Type the email address this invitation was sent to/)
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const clicked = await send(a.app, browser, { method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: form })
  t.equal(clicked.statusCode, 400, 'a scanner clicking the button gets nothing')
  t.match(clicked.body, /Type the email address/)
  const wrong = await send(a.app, browser, { method: 'POST', url: '/auth/verify', payload: `token=${token}&email=someone@example.com`, headers: form })
  t.equal(wrong.statusCode, 400)
  t.match(wrong.body, /doesn’t match this invitation/)
  const wrongJson = await send(a.app, browser, { method: 'POST', url: '/auth/verify', payload: { token, email: 'someone@example.com' } })
  t.equal(wrongJson.json().code, 'FST_MAGIC_LINK_BAD_REQUEST')
  const ok = await send(a.app, browser, { method: 'POST', url: '/auth/verify', payload: `token=${token}&email=invitee@example.com`, headers: form })
  t.equal(ok.statusCode, 303)
  t.equal(ok.headers.location, '/welcome')
  t.match((await send(a.app, browser, { method: 'GET', url: '/me' })).json(), { session: { userId: 'inv-Invitee@example.com' } })
  const sent = await a.app.magicLink.createLink('other@example.com', { send: true })
  t.equal((await a.mails(1))[0]?.ctx?.link, sent.link)
  const regular = new Jar()
  a.users.set('known@example.com', { id: 'k' })
  await ask(a, regular)
  const regularToken = tokenOf((await a.mails(2))[1]?.ctx?.link as string)
  const misuse = await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: { token: regularToken, email: 'known@example.com' } })
  t.equal(misuse.json().code, 'FST_MAGIC_LINK_INVALID_TOKEN', 'typing the address does not open a regular link')
})
