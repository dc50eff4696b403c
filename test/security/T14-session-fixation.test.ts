// T14: session fixation. A login always mints a new session id and replaces whatever session
// cookie the browser held; a session id is never taken from a URL, a body or another header.
import t from 'tap'
import { Jar, send } from '../helpers/app.js'
import { signIn } from '../helpers/login.js'
import { buildApp, jwtPayload, liveCookie, tokenFor } from './lib.js'

t.test('a pre-set cookie never survives login: new S, the planted value stays unauthenticated', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  for (const planted of ['attacker', 'eyJhbGciOiJIUzI1NiJ9.e30.x', 'A'.repeat(43)]) {
    const jar = new Jar()
    jar.cookies.set('__Host-sid', planted)
    a.clock.advance(61_000)
    await signIn(a, 'known@example.com', jar)
    const fresh = jar.get('__Host-sid') ?? ''
    t.not(fresh, planted, `planted ${JSON.stringify(planted.slice(0, 12))}: replaced at login`)
    t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${planted}` } })).statusCode, 401, 'the planted value is not a session')
    t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200)
  }
})

t.test("an attacker's own valid session planted in the victim's browser is replaced, not upgraded", async (t) => {
  const a = await buildApp({ known: ['attacker@example.com', 'victim@example.com'] })
  t.teardown(() => a.app.close())
  const attacker = await signIn(a, 'attacker@example.com')
  const planted = attacker.get('__Host-sid') ?? ''
  const victim = new Jar()
  victim.cookies.set('__Host-sid', planted)
  t.match((await send(a.app, victim, { method: 'GET', url: '/auth/session' })).json(), { user: { id: 'u1' } }, 'before: the browser is the attacker\'s')
  await signIn(a, 'victim@example.com', victim)
  const mine = victim.get('__Host-sid') ?? ''
  t.not(mine, planted)
  t.not(jwtPayload(mine).sid, jwtPayload(planted).sid, 'a different session id')
  t.match((await send(a.app, victim, { method: 'GET', url: '/auth/session' })).json(), { user: { id: 'u2' } }, 'after: the victim\'s own session')
  t.match((await send(a.app, attacker, { method: 'GET', url: '/auth/session' })).json(), { user: { id: 'u1' } }, 'the attacker\'s session is still only the attacker\'s')
})

t.test('every login mints a new id, on every path (same browser, cross device, email code)', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const ids = new Set<string>()
  const record = async (): Promise<void> => {
    const id = ((await send(a.app, jar, { method: 'GET', url: '/auth/session' })).json() as { session: { id: string } }).session.id
    ids.add(id)
  }
  await signIn(a, 'known@example.com', jar)
  await record()
  const { matchCode } = (await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).json() as { matchCode: string }
  await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: await tokenFor(a, 'known@example.com', 2), code: matchCode } })
  t.ok(liveCookie(await send(a.app, jar, { method: 'POST', url: '/auth/poll' }), '__Host-sid'))
  await record()
  await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const otp = (await a.mails(4)).filter((m) => m.ctx !== null)[2]?.ctx?.otp ?? ''
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/code', payload: { code: otp } })).statusCode, 200)
  await record()
  t.equal(ids.size, 3, 'three logins in one browser, three session ids')
})

t.test('a session id in the URL, the body or another header is ignored', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const cookie = jar.get('__Host-sid') ?? ''
  const sid = String(jwtPayload(cookie).sid)
  for (const url of [`/me?sid=${cookie}`, `/me?__Host-sid=${cookie}`, `/me?session=${sid}`, `/auth/session?sid=${cookie}`, `/me;__Host-sid=${cookie}`]) {
    t.equal((await a.app.inject({ method: 'GET', url })).statusCode, url.includes(';') ? 404 : 401, url.slice(0, 30))
  }
  for (const headers of [{ authorization: `Bearer ${cookie}` }, { 'x-session-id': sid }, { cookie: `sid=${cookie}` }, { cookie: `__host-sid=${cookie}` }, { cookie: `__Secure-sid=${cookie}` }]) {
    t.equal((await a.app.inject({ method: 'GET', url: '/me', headers })).statusCode, 401, Object.entries(headers)[0]?.join(': ').slice(0, 30) ?? '')
  }
  const body = await a.app.inject({ method: 'POST', url: '/auth/logout', payload: { sid: cookie } })
  t.equal(body.statusCode, 400, 'a session in a body is refused, not used')
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200, 'and nothing was signed out by it')
})
