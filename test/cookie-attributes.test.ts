import t from 'tap'
import { build, Jar, send } from './helpers/app.js'
import { signIn } from './helpers/login.js'

const setCookies = (res: { headers: Record<string, unknown> }): string[] => [res.headers['set-cookie'] ?? []].flat().map(String)

t.test('session.cookie.domain: the session cookie is __Secure-sid with that Domain; the login cookie stays __Host-', async (t) => {
  const a = await build({ session: { cookie: { domain: '.example.com' } } })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const asked = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.match(setCookies(asked)[0], /^__Host-mlflow=[^;]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/, 'the binding cookie never carries a Domain')
  await a.mails(1)
  a.clock.advance(61_000)
  const signed = await signIn(a)
  t.ok(signed.get('__Secure-sid'), 'signed in with __Secure-sid')
  const again = await a.app.inject({ method: 'POST', url: '/auth/logout', payload: {}, headers: { cookie: `__Secure-sid=${signed.get('__Secure-sid') as string}` } })
  t.equal(again.statusCode, 204)
  t.match(setCookies(again)[0], /^__Secure-sid=; Max-Age=0; Path=\/; Expires=[^;]+; Domain=example\.com; HttpOnly; Secure; SameSite=Lax$/, 'cleared with the same Domain')
})

t.test('the session cookie set at sign-in carries Domain', async (t) => {
  const a = await build({ session: { cookie: { domain: 'example.com', sameSite: 'strict' } } })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = new URL((await a.mails(1))[0]?.ctx?.link as string).searchParams.get('token') as string
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.match(setCookies(res).find((c) => c.startsWith('__Secure-sid=')), /^__Secure-sid=[\w.-]+; Max-Age=604800; Path=\/; Domain=example\.com; HttpOnly; Secure; SameSite=Strict$/)
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200)
})

t.test("sameSite: 'none' adds Secure and Partitioned to both cookies", async (t) => {
  const a = await build({ session: { cookie: { sameSite: 'none' } } })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const asked = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.match(setCookies(asked)[0], /; HttpOnly; Secure; SameSite=None; Partitioned$/)
  const token = new URL((await a.mails(1))[0]?.ctx?.link as string).searchParams.get('token') as string
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.match(setCookies(res).find((c) => c.startsWith('__Host-sid=')), /; Path=\/; HttpOnly; Secure; SameSite=None; Partitioned$/)
})

t.test("sameSite: 'none' on an http dev origin still marks the cookies Secure (browsers drop None without it)", async (t) => {
  const a = await build({ origin: 'http://localhost:3000', session: { cookie: { sameSite: 'none' } } })
  t.teardown(() => a.app.close())
  const asked = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  t.match(setCookies(asked)[0], /^mlflow=[^;]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=None; Partitioned$/)
})

t.test('cookie options are checked at boot', async (t) => {
  const bad: Array<[RegExp, Record<string, unknown>, string?]> = [
    [/`session\.cookie\.domain`/, { cookie: { domain: 'other.org' } }],
    [/`session\.cookie\.domain`/, { cookie: { domain: 'com' } }],
    [/`session\.cookie\.domain`/, { cookie: { domain: 'exa mple.com' } }],
    [/`session\.cookie\.domain`/, { cookie: { domain: 42 } }],
    [/`session\.cookie\.domain`/, { cookie: { domain: 'localhost' } }, 'http://localhost:3000'],
    [/`session\.cookie\.sameSite`/, { cookie: { sameSite: 'None' } }],
    [/`session\.cookie`/, { cookie: 'lax' }],
    [/`session\.cookieName`/, { cookie: { domain: 'example.com' }, cookieName: '__Host-sid' }],
    [/`session\.transports`/, { transports: [] }],
    [/`session\.transports`/, { transports: ['bearer'] }],
  ]
  for (const [message, session, origin] of bad) {
    await t.rejects(build({ session: session as never, ...(origin === undefined ? {} : { origin }) }), { code: 'FST_MAGIC_LINK_OPTIONS', message }, JSON.stringify(session))
  }
})
