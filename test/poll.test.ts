import t from 'tap'
import { ask, build, Jar, send, tokenOf } from './helpers/app.js'

t.test('RFC 8628 polling: pending, slow_down (+5 s each time), counted from the previous poll', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  await ask(a, laptop)
  const poll = async (): Promise<{ statusCode: number, json: () => Record<string, unknown> }> => send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.same((await poll()).json(), { status: 'pending', interval: 5 }, 'the first poll may come at once')
  const fast = await poll()
  t.equal(fast.statusCode, 400)
  t.same(fast.json(), { error: 'slow_down', error_description: 'Polling too fast', interval: 10 })
  a.clock.advance(9_000)
  t.same((await poll()).json(), { error: 'slow_down', error_description: 'Polling too fast', interval: 15 })
  a.clock.advance(15_000)
  t.same((await poll()).json(), { status: 'pending', interval: 15 })
})

t.test('poll without or with a bad cookie, or with a secret in the query string: 400', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const none = await a.app.inject({ method: 'POST', url: '/auth/poll' })
  t.match(none.json(), { statusCode: 400, code: 'FST_MAGIC_LINK_BAD_REQUEST' })
  const bad = await a.app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie: '__Host-mlflow=abc' } })
  t.equal(bad.statusCode, 400)
  const laptop = new Jar()
  await ask(a, laptop)
  const query = await send(a.app, laptop, { method: 'POST', url: `/auth/poll?secret=${laptop.get('__Host-mlflow') ?? ''}` })
  t.equal(query.statusCode, 400)
  const wait = await send(a.app, laptop, { method: 'POST', url: '/auth/poll?wait=abc' })
  t.equal(wait.statusCode, 400)
  const body = await send(a.app, laptop, { method: 'POST', url: '/auth/poll', payload: { secret: 'x' } })
  t.equal(body.statusCode, 400)
})

t.test('long-poll returns as soon as the flow is approved, and times out as pending', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop)
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link as string)
  const started = Date.now()
  const waiting = send(a.app, laptop, { method: 'POST', url: '/auth/poll?wait=20' })
  await new Promise((resolve) => setTimeout(resolve, 50))
  await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  const res = await waiting
  t.equal(res.statusCode, 200)
  t.ok(Date.now() - started < 2000, `woke in ${Date.now() - started} ms`)
  t.ok(laptop.get('__Host-sid'))

  const other = new Jar()
  a.clock.advance(61_000)
  await ask(a, other)
  const t0 = Date.now()
  const timeout = await send(a.app, other, { method: 'POST', url: '/auth/poll?wait=1' })
  t.equal(timeout.statusCode, 202)
  t.ok(Date.now() - t0 >= 900)
})

t.test('app.close() ends long-polls at once', async (t) => {
  const a = await build()
  const laptop = new Jar()
  await ask(a, laptop)
  const waiting = send(a.app, laptop, { method: 'POST', url: '/auth/poll?wait=30' })
  await new Promise((resolve) => setTimeout(resolve, 50))
  const t0 = Date.now()
  await a.app.close()
  const res = await waiting
  t.equal(res.statusCode, 202)
  t.ok(Date.now() - t0 < 1000)
})

t.test('an approved flow must be claimed within 120 s', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop)
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link as string)
  await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  a.clock.advance(121_000)
  const res = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(res.statusCode, 410)
  t.equal(laptop.get('__Host-sid'), undefined)
})

t.test('the email code signs in the asking browser; 5 wrong codes kill the flow', async (t) => {
  const a = await build({ rateLimit: false })
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  await ask(a, laptop)
  const otp = (await a.mails(1))[0]?.ctx?.otp as string
  t.match(otp, /^[0-9]{6}$/)
  for (const code of ['12345', '1234567', '１２３４５６', '١٢٣٤٥٦', 'abcdef']) {
    const res = await send(a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code } })
    t.match(res.json(), { statusCode: 400, code: 'FST_MAGIC_LINK_INVALID_CODE' }, code)
  }
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code: 123456 } })).statusCode, 400)
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/code', payload: { code: otp } })).statusCode, 400, 'no cookie')
  const ok = await send(a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code: `${otp.slice(0, 3)} ${otp.slice(3)}` } })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { status: 'approved', redirectTo: '/' })
  t.ok(laptop.get('__Host-sid'))

  const second = new Jar()
  a.clock.advance(61_000)
  await ask(a, second)
  const otp2 = (await a.mails(2))[1]?.ctx?.otp as string
  const wrong = otp2 === '000000' ? '111111' : '000000'
  const binding = second.get('__Host-mlflow') as string
  for (let i = 0; i < 5; i++) await send(a.app, second, { method: 'POST', url: '/auth/code', payload: { code: wrong } })
  const late = await a.app.inject({ method: 'POST', url: '/auth/code', payload: { code: otp2 }, headers: { cookie: `__Host-mlflow=${binding}` } })
  t.equal(late.json().code, 'FST_MAGIC_LINK_INVALID_TOKEN')
  const poll = await a.app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie: `__Host-mlflow=${binding}` } })
  t.equal(poll.statusCode, 403)
})

t.test('otp: false refuses codes', async (t) => {
  const a = await build({ otp: false })
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  await ask(a, laptop)
  t.equal((await a.mails(1))[0]?.ctx?.otp, null)
  const res = await send(a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code: '123456' } })
  t.equal(res.json().code, 'FST_MAGIC_LINK_INVALID_CODE')
})

t.test('a user deleted before the claim gets access_denied, not a session', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop)
  const mail = (await a.mails(1))[0]
  const token = tokenOf(mail?.ctx?.link as string)
  await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  a.users.clear()
  const res = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(res.statusCode, 403)
  t.equal(laptop.get('__Host-sid'), undefined)
})

t.test('a long-poll whose client went away does not claim the login', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const address = await a.app.listen({ port: 0, host: '127.0.0.1' })
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop)
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link as string)
  const abandoned = new AbortController()
  const first = fetch(`${address}/auth/poll?wait=20`, { method: 'POST', headers: { cookie: laptop.header() }, signal: abandoned.signal }).catch((e: Error) => e)
  await new Promise((resolve) => setTimeout(resolve, 100))
  abandoned.abort()
  t.type(await first, Error)
  await new Promise((resolve) => setTimeout(resolve, 100))
  a.clock.advance(5000)
  const second = fetch(`${address}/auth/poll?wait=20`, { method: 'POST', headers: { cookie: laptop.header() } })
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })).statusCode, 200)
  const res = await second
  t.equal(res.status, 200, 'the live poller gets the session')
  t.match(res.headers.get('set-cookie'), /__Host-sid=/)
})

t.test('a link used in another tab of the asking browser: the asking tab is told approved, once, without a new session', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const browser = new Jar()
  await ask(a, browser, 'known@example.com', { redirectTo: '/app' })
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link as string)
  const binding = browser.get('__Host-mlflow') as string
  await send(a.app, browser, { method: 'POST', url: '/auth/verify', payload: { token } })
  const cookie = `__Host-mlflow=${binding}`
  const res = await a.app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'approved', redirectTo: '/app' })
  t.notOk(res.cookies.some((c) => c.name === '__Host-sid'), 'no second session')
  a.clock.advance(10_000)
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie } })).statusCode, 410)
})
