import t from 'tap'
import { ask, build, Jar, send, tokenOf } from './helpers/app.js'

t.test('same browser: request, open the link, sign in, use the session', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const browser = new Jar()
  const { res } = await ask(a, browser, 'known@example.com', { redirectTo: '/app/home' })
  t.equal(res.statusCode, 202)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['expiresIn', 'interval', 'matchCode', 'status'])
  t.match(body, { status: 'pending', interval: 5, expiresIn: 600, matchCode: /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/ })
  t.equal(res.headers['cache-control'], 'no-store')
  const binding = res.cookies.find((c) => c.name === '__Host-mlflow')
  t.match(binding, { httpOnly: true, secure: true, path: '/', sameSite: 'Lax', maxAge: 600 })

  const [mail] = await a.mails(1)
  t.equal(mail?.message.to, 'known@example.com')
  t.same(mail?.message.envelope.to, ['known@example.com'])
  const link = mail?.ctx?.link as string
  t.match(link, /^https:\/\/app\.example\.com\/auth\/verify\?token=[A-Za-z0-9_-]{33}\.[A-Za-z0-9_-]{43}$/)
  t.notOk(link.includes('known'), 'the link carries the token only')

  const token = tokenOf(link)
  const page = await send(a.app, browser, { method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-security-policy'], /default-src 'none'/)
  t.equal(page.headers['referrer-policy'], 'no-referrer')
  t.match(page.body, /Sign in/)

  // The page's form posts urlencoded; the answer is a 303 to the token-free redirect target.
  const post = await send(a.app, browser, {
    method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://app.example.com' },
  })
  t.equal(post.statusCode, 303)
  t.equal(post.headers.location, '/app/home')
  const sid = post.cookies.find((c) => c.name === '__Host-sid')
  t.match(sid, { httpOnly: true, secure: true, path: '/', sameSite: 'Lax', maxAge: 7 * 86400 })
  t.equal(sid?.domain, undefined)
  t.ok(browser.get('__Host-mlflow'), 'the binding stays for the asking tab to hear the sign-in')

  const me = await send(a.app, browser, { method: 'GET', url: '/me' })
  t.equal(me.statusCode, 200)
  t.match(me.json(), { session: { userId: 'u1', data: {} } })
  // The asking tab's next poll, even one that was not in flight at the sign-in, is told once.
  const told = await send(a.app, browser, { method: 'POST', url: '/auth/poll' })
  t.same(told.json(), { status: 'approved', redirectTo: '/app/home' })
  t.equal(browser.get('__Host-mlflow'), undefined, 'then the binding is cleared')
  const s = await send(a.app, browser, { method: 'GET', url: '/auth/session' })
  t.match(s.json(), { user: { id: 'u1' }, session: { id: /^[A-Za-z0-9_-]{54}$/, data: {} } })

  // The link is burned: the same browser now sees the used page, and a second POST fails.
  const again = await send(a.app, browser, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(again.statusCode, 400)
  t.equal(again.json().code, 'FST_MAGIC_LINK_INVALID_TOKEN')
  const used = await send(a.app, new Jar(), { method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(used.statusCode, 409)
  t.match(used.body, /Sign that session out/)
})

t.test('cross device: ask on the laptop, approve on the phone with the screen code, the laptop signs in', async (t) => {
  const logins: boolean[] = []
  const a = await build({ hooks: { onLogin: (e) => { logins.push(e.crossDevice) } } })
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const phone = new Jar()
  const { matchCode } = await ask(a, laptop)
  const [mail] = await a.mails(1)
  const token = tokenOf(mail?.ctx?.link as string)
  t.notOk(mail?.message.text.includes(matchCode) || mail?.message.html.includes(matchCode), 'the screen code is not in the mail')

  const page = await send(a.app, phone, { method: 'GET', url: `/auth/verify?token=${token}`, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' } })
  t.equal(page.statusCode, 200)
  t.match(page.body, /Approve/)
  t.match(page.body, /Do nothing/)

  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 202)
  const approve = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode.toLowerCase().replace('-', ' ') } })
  t.equal(approve.statusCode, 200)
  t.same(approve.json(), { status: 'approved' })
  t.equal(phone.get('__Host-sid'), undefined, 'the approving device gets no session')

  a.clock.advance(5000)
  const binding = laptop.get('__Host-mlflow') as string
  const poll = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(poll.statusCode, 200)
  t.same(poll.json(), { status: 'approved', redirectTo: '/' })
  t.ok(laptop.get('__Host-sid'))
  t.equal(laptop.get('__Host-mlflow'), undefined)
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 200)

  // Exactly once: the binding cookie is spent.
  const replay = await a.app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie: `__Host-mlflow=${binding}` } })
  t.equal(replay.statusCode, 410)
  const notices = await a.mails(2)
  t.match(notices[1]?.message.subject, /sign-in/i, 'a new sign-in notice after a cross-device login')
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(logins, [true])
})

t.test('form approval from the other device renders pages', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const phone = new Jar()
  const { matchCode } = await ask(a, laptop)
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link as string)
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const empty = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=`, headers: form })
  t.equal(empty.statusCode, 400)
  t.match(empty.body, /Type the code/)
  const junk = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=hello`, headers: form })
  t.equal(junk.statusCode, 400)
  t.match(junk.body, /isn’t a code from the sign-in screen/)
  const wrong = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=BBB-BBB`, headers: form })
  t.equal(wrong.statusCode, 400)
  t.match(wrong.body, /You have 4 tries left/)
  const ok = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode}`, headers: form })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, /other device/i)
  const again = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode}`, headers: form })
  t.equal(again.statusCode, 409)
  const bad = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: 'token=nope', headers: form })
  t.equal(bad.statusCode, 410)
  const dup = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: `token=${token}&token=${token}`, headers: form })
  t.equal(dup.statusCode, 400, 'a repeated field is an array, refused')
  t.match(dup.headers['content-type'], /text\/html/)
})

t.test('unknown addresses: same status, body shape and cookies; no mail; the decoy polls pending until it expires', async (t) => {
  const a = await build({ linkTtl: '1m' })
  t.teardown(() => a.app.close())
  const known = await ask(a, new Jar(), 'known@example.com')
  const unknownJar = new Jar()
  const unknown = await ask(a, unknownJar, 'nobody@example.com')
  t.equal(unknown.res.statusCode, known.res.statusCode)
  t.same(Object.keys(unknown.res.json()), Object.keys(known.res.json()))
  t.same({ ...unknown.res.json(), matchCode: 'x' }, { ...known.res.json(), matchCode: 'x' })
  const headerNames = (h: Record<string, unknown>): string[] => Object.keys(h).filter((k) => k !== 'date').sort()
  t.same(headerNames(unknown.res.headers), headerNames(known.res.headers))
  t.same(unknown.res.cookies.map((c) => ({ ...c, value: '' })), known.res.cookies.map((c) => ({ ...c, value: '' })))
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(a.outbox.length, 1, 'only the known address got mail')
  t.equal((await send(a.app, unknownJar, { method: 'POST', url: '/auth/poll' })).statusCode, 202)
  a.clock.advance(61_000)
  const expired = await send(a.app, unknownJar, { method: 'POST', url: '/auth/poll' })
  t.equal(expired.statusCode, 410)
  t.same(expired.json(), { error: 'expired_token', error_description: 'This sign-in has expired or was replaced by a newer one' })
})

t.test('users.create: unknown addresses get mail and an account at their first completed sign-in', async (t) => {
  const created: string[] = []
  const a = await build({ known: [] })
  await a.app.close()
  const b = await build({
    known: [],
    users: {
      find: () => null,
      create: (email) => { created.push(email); return { id: `new-${email}` } },
      claims: (user) => ({ role: user.id.startsWith('new-') ? 'member' : 'other' }),
    },
  })
  t.teardown(() => b.app.close())
  const jar = new Jar()
  await ask(b, jar, 'New.Person@Example.COM')
  const [mail] = await b.mails(1)
  t.equal(mail?.message.to, 'New.Person@example.com', 'domain lower-cased, local part kept')
  t.same(created, [], 'no account before the login completes')
  const token = tokenOf(mail?.ctx?.link as string)
  const res = await send(b.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(res.statusCode, 200)
  t.same(created, ['New.Person@example.com'])
  t.match((await send(b.app, jar, { method: 'GET', url: '/me' })).json(), { session: { userId: 'new-New.Person@example.com', data: { role: 'member' } } })
})

t.test('a new mail supersedes the older link; the per-address budget is silent', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const first = new Jar()
  await ask(a, first)
  const token1 = tokenOf((await a.mails(1))[0]?.ctx?.link as string)
  // Within 60 s: same 202, no second mail, the first link still works.
  const second = await ask(a, new Jar())
  t.equal(second.res.statusCode, 202)
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(a.outbox.length, 1)
  a.clock.advance(61_000)
  await ask(a, new Jar())
  const mails = await a.mails(2)
  t.equal(mails.length, 2)
  const old = await send(a.app, first, { method: 'GET', url: `/auth/verify?token=${token1}` })
  t.equal(old.statusCode, 410)
  t.match(old.body, /newer/i)
  const poll = await send(a.app, first, { method: 'POST', url: '/auth/poll' })
  t.equal(poll.statusCode, 410)
  // Five mails an hour at most.
  for (let i = 0; i < 5; i++) {
    a.clock.advance(61_000)
    await ask(a, new Jar())
  }
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(a.outbox.length, 5)
})

t.test('redirectTo is kept only when it is a same-origin path under redirect.allow', async (t) => {
  const a = await build({ redirect: { allow: ['/app', '/welcome'] }, rateLimit: false })
  t.teardown(() => a.app.close())
  const cases: Array<[string, string]> = [
    ['/app', '/app'], ['/app/x?y=1#z', '/app/x?y=1#z'], ['/welcome', '/welcome'], ['/application', '/app'],
    ['//evil.example', '/app'], ['/\\evil.example', '/app'], ['https://evil.example', '/app'], ['/%2F%2Fevil.example', '/app'],
    ['/app/../admin', '/app'], ['javascript:alert(1)', '/app'], ['／／evil.example', '/app'], ['/app?x', '/app?x'],
    ['/app/%2e%2e/%2e%2e//evil.example', '/app'], ['/app/\\evil.example', '/app'], ['/app/./x', '/app'], ['/app/..?x', '/app'],
  ]
  let n = 0
  for (const [input, expected] of cases) {
    const jar = new Jar()
    await ask(a, jar, 'known@example.com', { redirectTo: input })
    const mail = (await a.mails(++n))[n - 1]
    const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link as string) } })
    t.equal(res.json().redirectTo, expected, input)
  }
})

t.test('bad input: 400 with a code, never 500', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const post = (payload: string, type = 'application/json'): Promise<{ statusCode: number, json: () => { code: string } }> =>
    a.app.inject({ method: 'POST', url: '/auth/request', payload, headers: { 'content-type': type } })
  t.match((await post('{"email":"a@b.io\\r\\nBcc: e@evil.io"}')).json(), { statusCode: 400, code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  t.match((await post('{"email":["a@b.io"]}')).json(), { code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  t.match((await post('{"email":"a@b.io","admin":true}')).json(), { code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  t.match((await post('{}')).json(), { code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  t.match((await post('[]')).json(), { code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  t.match((await post('"x"')).json(), { code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  t.equal((await post('email=a@b.io', 'application/x-www-form-urlencoded')).statusCode, 415)
  t.equal((await post('{"email":"' + 'a'.repeat(5000) + '@b.io"}')).statusCode, 413)
  t.equal((await post('{"email":')).statusCode, 400)
  const cross = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { origin: 'https://evil.example' } })
  t.match(cross.json(), { statusCode: 403, code: 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN' })
  const site = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { 'sec-fetch-site': 'cross-site' } })
  t.equal(site.statusCode, 403)
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(a.outbox.length, 0)
})

t.test('beforeRequest refuses with its own 4xx; hooks run and their errors never leak', async (t) => {
  const events: string[] = []
  let allow = false
  const a = await build({
    beforeRequest: () => { if (!allow) throw Object.assign(new Error('captcha required'), { statusCode: 400, code: 'APP_CAPTCHA' }) },
    hooks: { onLoginRequested: (e) => { events.push(`${e.email}:${e.known}`); throw new Error('hook boom') } },
  })
  t.teardown(() => a.app.close())
  const refused = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.match(refused.json(), { statusCode: 400, code: 'APP_CAPTCHA' })
  allow = true
  const ok = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.equal(ok.statusCode, 202)
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(events, ['known@example.com:true'])
})

t.test('per-IP limit: 429 with Retry-After and a code', async (t) => {
  const a = await build({ rateLimit: { ipMax: 2 } })
  t.teardown(() => a.app.close())
  for (let i = 0; i < 2; i++) t.equal((await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: `x${i}@example.com` } })).statusCode, 202)
  const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'x9@example.com' } })
  t.equal(res.statusCode, 429)
  t.equal(res.json().code, 'FST_MAGIC_LINK_RATE_LIMITED')
  t.ok(Number(res.headers['retry-after']) > 0)
})

t.test('text/plain bodies are refused with 415 (a simple cross-site request)', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: '{"email":"known@example.com"}', headers: { 'content-type': 'text/plain' } })
  t.equal(res.statusCode, 415)
  const verify = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: 'token=x', headers: { 'content-type': 'text/plain' } })
  t.equal(verify.statusCode, 415)
})
