// T10: token leaks through Referer, history, logs or caches. The link carries the token only; the
// verify pages send no-referrer, no-store and a CSP without external sources and load nothing;
// the form post ends in a 303 to a token-free URL; P and S never travel in a URL; the request
// logs (at trace level) never hold L, P, S or the email code.
import t, { type Test } from 'tap'
import { Jar, send } from '../helpers/app.js'
import { buildApp, FORM_POST, jwtPayload, loginMail, parseForms, until, urlsOf, type SecApp } from './lib.js'

function pageChecks (t: Test, name: string, res: { statusCode: number, headers: Record<string, unknown>, body: string }): void {
  t.equal(res.headers['referrer-policy'], 'no-referrer', `${name}: Referrer-Policy`)
  t.equal(res.headers['cache-control'], 'no-store', `${name}: Cache-Control`)
  t.equal(res.headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
  const csp = String(res.headers['content-security-policy'] ?? '')
  t.match(csp, /default-src 'none'/, `${name}: CSP default-src 'none'`)
  t.notMatch(csp, /https?:|\/\/|\*|data:|blob:|'unsafe-/, `${name}: the CSP allows no host, scheme or unsafe source`)
  const external = urlsOf(res.body).filter((u) => !u.startsWith('/') || u.startsWith('//'))
  t.same(external, [], `${name}: the page references nothing outside the origin`)
  t.notMatch(res.body, /<(script|img|iframe|link|object|embed)\b/i, `${name}: no element that loads a resource`)
}

/** Every secret of one run: L (link secret), P (poll secret), S (cookie and session id), email codes. */
interface Secrets { values: Map<string, string> }
function remember (s: Secrets, what: string, value: string | undefined | null): void {
  if (value !== undefined && value !== null && value !== '') s.values.set(value, what)
}

t.test('the link carries the token only; every verify page sends no-referrer, no-store and an inert CSP', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com', redirectTo: '/app?x=1' } })
  const mail = await loginMail(a, 'known@example.com')
  const link = new URL(mail?.ctx?.link ?? 'x:')
  t.same([...link.searchParams.keys()], ['token'], 'one query parameter')
  t.notMatch(link.href, /known|example\.com\/.*example|u1|app\?x/i, 'no address, user id or redirect target in the link')
  t.equal(link.hash, '')

  const url = `${link.pathname}${link.search}`
  pageChecks(t, 'same-browser page', await send(a.app, laptop, { method: 'GET', url }))
  pageChecks(t, 'other-browser page', await a.app.inject({ method: 'GET', url }))
  pageChecks(t, 'unknown link page', await a.app.inject({ method: 'GET', url: '/auth/verify?token=nope' }))
  const head = await a.app.inject({ method: 'HEAD', url })
  t.equal(head.headers['referrer-policy'], 'no-referrer', 'HEAD: Referrer-Policy')
  t.equal(head.headers['cache-control'], 'no-store', 'HEAD: Cache-Control')

  // The same-browser page posts the token in the body (not the URL) and lands on a token-free URL.
  const form = parseForms((await send(a.app, laptop, { method: 'GET', url })).body)[0]
  t.equal(form?.method, 'post')
  t.notMatch(form?.action ?? '', /token/, 'the form action carries no token')
  const post = await send(a.app, laptop, { method: 'POST', url: form?.action ?? '', payload: `token=${link.searchParams.get('token') ?? ''}`, headers: FORM_POST })
  t.equal(post.statusCode, 303)
  t.equal(post.headers.location, '/app?x=1', 'a 303 to the token-free redirect target')
  t.equal(post.headers['cache-control'], 'no-store')
  pageChecks(t, 'used-link page', await a.app.inject({ method: 'GET', url }))
})

t.test('P and S never travel in a URL or a response body; a poll secret in the query is refused', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const asked = await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const binding = laptop.get('__Host-mlflow') ?? ''
  const poll = binding.split('.')[1] ?? ''
  t.notOk(asked.body.includes(poll), 'the 202 body has no poll secret (it is in the HttpOnly cookie only)')
  const query = await a.app.inject({ method: 'POST', url: `/auth/poll?mlflow=${binding}` })
  t.equal(query.statusCode, 400, 'P in a query string is refused')
  const token = new URL((await loginMail(a, 'known@example.com'))?.ctx?.link ?? 'x:').searchParams.get('token') ?? ''
  const done = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })
  const sid = laptop.get('__Host-sid') ?? ''
  t.ok(sid !== '')
  t.notOk(done.body.includes(sid) || done.body.includes(String(jwtPayload(sid).sid)), 'the session is in the cookie only')
  const me = await a.app.inject({ method: 'GET', url: `/me?sid=${sid}` })
  t.equal(me.statusCode, 401, 'a session in the URL is ignored')
})

t.test('logs at trace level never contain L, P, S or an email code, whatever the route', async (t) => {
  const a = await buildApp({ logLevel: 'trace', known: ['known@example.com', 'other@example.com'] })
  t.teardown(() => a.app.close())
  const secrets: Secrets = { values: new Map() }
  const keep = (jar: Jar): void => {
    remember(secrets, 'P', (jar.get('__Host-mlflow') ?? '').split('.')[1])
    const sid = jar.get('__Host-sid')
    remember(secrets, 'S cookie', sid)
    if (sid !== undefined) remember(secrets, 'S', String(jwtPayload(sid).sid))
  }
  const keepMail = async (email: string, nth = 1): Promise<string> => {
    const mail = await loginMail(a, email, nth)
    const token = new URL(mail?.ctx?.link ?? 'x:').searchParams.get('token') ?? ''
    remember(secrets, 'L', token.split('.')[1])
    remember(secrets, 'email code', mail?.ctx?.otp)
    return token
  }
  const walk = async (a: SecApp): Promise<void> => {
    // Same browser, with the token in GET, HEAD, a form post and a JSON post; the used page; revoke.
    const one = new Jar()
    await send(a.app, one, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
    keep(one)
    const token = await keepMail('known@example.com')
    await send(a.app, one, { method: 'GET', url: `/auth/verify?token=${token}` })
    await a.app.inject({ method: 'HEAD', url: `/auth/verify?token=${token}&utm_source=mail` })
    await a.app.inject({ method: 'GET', url: `/auth/verify?utm=1&token=${token}` })
    await a.app.inject({ method: 'POST', url: `/auth/verify?token=${token}`, payload: { token: 'x' } })
    await send(a.app, one, { method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: FORM_POST })
    keep(one)
    await send(a.app, one, { method: 'GET', url: '/me' })
    await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
    await a.app.inject({ method: 'POST', url: '/auth/revoke', payload: { token, email: 'wrong@example.com' } })
    // Cross device, with a wrong code first; the email code on a third flow.
    const laptop = new Jar()
    const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'other@example.com' } })).json() as { matchCode: string }
    keep(laptop)
    remember(secrets, 'C', matchCode)
    const other = await keepMail('other@example.com')
    await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: other, code: 'BBB-BBB' } })
    await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${other}&code=${matchCode}`, headers: FORM_POST })
    await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
    keep(laptop)
    a.clock.advance(61_000)
    const coded = new Jar()
    await send(a.app, coded, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
    keep(coded)
    await keepMail('known@example.com', 2)
    const otp = [...secrets.values].filter(([, w]) => w === 'email code').map(([v]) => v).at(-1) ?? ''
    await send(a.app, coded, { method: 'POST', url: '/auth/code', payload: { code: '000000' === otp ? '111111' : '000000' } })
    await send(a.app, coded, { method: 'POST', url: '/auth/code', payload: { code: otp } })
    keep(coded)
    // A refresh after accessTtl, a logout, and junk cookies next to real ones.
    a.clock.advance(6 * 60_000)
    await send(a.app, coded, { method: 'GET', url: '/auth/session' })
    keep(coded)
    await send(a.app, coded, { method: 'POST', url: '/auth/logout', payload: {} })
    await a.app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie: `__Host-mlflow=${laptop.get('__Host-mlflow') ?? 'x'}; __Host-sid=${one.get('__Host-sid') ?? ''}x` } })
  }
  await walk(a)
  t.ok(secrets.values.size >= 10, `${secrets.values.size} secrets collected`)
  t.ok(a.logs.length > 20, `${a.logs.length} log lines at trace level`)
  t.ok(a.logs.some((l) => l.includes('[redacted]')), 'the token was seen and redacted')
  const leaks = [...secrets.values].filter(([value, what]) => a.logs.some((l) => (what === 'email code' || what === 'C') ? new RegExp(`(?<![0-9A-Z])${value}(?![0-9A-Z])`).test(l) : l.includes(value)))
  t.same(leaks.map(([, what]) => what), [], 'no secret in any log line')
})

t.test('a failing mail send logs the error without the link, even when the error message quotes it', async (t) => {
  const a = await buildApp({ logLevel: 'info', sendMail: async (message) => { throw new Error(`SMTP 550 rejected message: ${message.text.slice(0, 400)}`) } })
  t.teardown(() => a.app.close())
  await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.ok(await until(() => a.logs.some((l) => l.includes('mail could not be sent'))), 'the failure is logged')
  t.notMatch(a.logs.join('\n'), /[A-Za-z0-9_-]{33}\.[A-Za-z0-9_-]{43}/, 'no link token in the log')
})
