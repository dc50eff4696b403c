// T15: cookie theft and scope. The session and binding cookies are `__Host-` prefixed, Secure,
// HttpOnly, Path=/, without Domain, SameSite=Lax; the session's Max-Age never outlives the
// absolute lifetime; logout clears the cookie and kills the server record (the old value gets 401).
// Attributes are read from the raw Set-Cookie headers.
import t, { type Test } from 'tap'
import { Jar, send } from '../helpers/app.js'
import { signIn } from '../helpers/login.js'
import { buildApp, liveCookie, setCookies, type SetCookie } from './lib.js'

const DAY = 86_400_000

function hostCookie (t: Test, c: SetCookie | undefined, name: string, maxAge: number): void {
  t.ok(c, `${name} is set`)
  if (c === undefined) return
  t.equal(c.name, name)
  t.ok(c.attrs.has('secure'), `${name}: Secure`)
  t.ok(c.attrs.has('httponly'), `${name}: HttpOnly`)
  t.equal(c.attrs.get('path'), '/', `${name}: Path=/`)
  t.notOk(c.attrs.has('domain'), `${name}: no Domain (host-only)`)
  t.equal(c.attrs.get('samesite')?.toLowerCase(), 'lax', `${name}: SameSite=Lax`)
  t.equal(Number(c.attrs.get('max-age')), maxAge, `${name}: Max-Age ${maxAge}`)
  t.match(c.value, /^[A-Za-z0-9._-]+$/, `${name}: a plain token value`)
}

t.test('binding and session cookies: __Host-, Secure, HttpOnly, Path=/, no Domain, SameSite=Lax, bounded Max-Age', async (t) => {
  const a = await buildApp({ linkTtl: '10m', session: { ttl: '30d', idleTtl: '7d' } })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const asked = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  hostCookie(t, liveCookie(asked, '__Host-mlflow'), '__Host-mlflow', 600)
  const token = new URL((await a.mails(1))[0]?.ctx?.link ?? 'x:').searchParams.get('token') ?? ''
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  hostCookie(t, liveCookie(res, '__Host-sid'), '__Host-sid', 7 * 86_400)
  t.same(setCookies(res).map((c) => c.name), ['__Host-sid'], 'no other cookie (the binding stays for the asking tab: README decisions)')
  // The asking tab's next poll hears `approved` once, without a second session, and clears the binding.
  const poll = await send(a.app, jar, { method: 'POST', url: '/auth/poll' })
  t.same([poll.statusCode, poll.json()], [200, { status: 'approved', redirectTo: '/' }])
  t.equal(liveCookie(poll, '__Host-sid'), undefined, 'no second session cookie')
  const cleared = setCookies(poll).find((c) => c.name === '__Host-mlflow')
  t.equal(cleared?.attrs.get('max-age'), '0', 'the binding cookie is cleared then')
  t.ok(cleared?.attrs.has('secure') && cleared.attrs.get('path') === '/' && !cleared.attrs.has('domain'), 'with the same __Host- attributes (else the browser ignores the clearing)')
})

t.test('Max-Age never outlives the absolute session lifetime, however active the session', async (t) => {
  const a = await buildApp({ session: { ttl: '3d', idleTtl: '2d', accessTtl: '5m' } })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  let last = 2 * 86_400
  for (let day = 1; day <= 3; day++) {
    a.clock.advance(DAY - 3_600_000)
    const res = await send(a.app, jar, { method: 'GET', url: '/me' })
    const c = liveCookie(res, '__Host-sid')
    const elapsed = day * (DAY - 3_600_000)
    t.equal(res.statusCode, 200, `day ${day}: still signed in`)
    const maxAge = Number(c?.attrs.get('max-age'))
    last = maxAge
    t.ok(maxAge <= Math.ceil((3 * DAY - elapsed) / 1000), `day ${day}: Max-Age ${maxAge} s ≤ ${(3 * DAY - elapsed) / 1000} s left of the absolute lifetime`)
  }
  t.ok(last <= 3 * 3600, `near the end the cookie lives at most the hours left (${last} s)`)
  a.clock.advance(4 * 3_600_000)
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 401, 'past the absolute lifetime: 401')
})

t.test('logout clears the cookie with its attributes and kills the server record: the old value gets 401', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const old = jar.get('__Host-sid') ?? ''
  const out = await send(a.app, jar, { method: 'POST', url: '/auth/logout', payload: {} })
  t.equal(out.statusCode, 204)
  const cleared = setCookies(out).find((c) => c.name === '__Host-sid')
  t.equal(cleared?.value, '')
  t.equal(cleared?.attrs.get('max-age'), '0')
  t.ok(cleared?.attrs.has('secure') && cleared.attrs.get('path') === '/' && !cleared.attrs.has('domain'), 'same scope, so the browser drops it')
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${old}` } })).statusCode, 401, 'a copy of the old cookie is refused (same instance, cached)')
  // Past accessTtl the cookie is re-checked against the store, where the record is gone.
  a.clock.advance(6 * 60_000)
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${old}` } })).statusCode, 401, 'and after accessTtl, at the refresh, too')
})

t.test('on an http dev origin the cookies lose the __Host- prefix but keep HttpOnly, Path=/ and SameSite', async (t) => {
  const a = await buildApp({ origin: 'http://localhost:3000' })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const c = liveCookie(res, 'mlflow')
  t.ok(c && c.attrs.has('httponly') && c.attrs.get('path') === '/' && !c.attrs.has('domain') && c.attrs.get('samesite')?.toLowerCase() === 'lax')
  t.equal(setCookies(res).filter((x) => x.name.startsWith('__Host-')).length, 0, 'no __Host- cookie without https (the browser would refuse it)')
})
