// T7: classic login CSRF (the victim's browser ends up signed in to the attacker's account) and
// cross-origin requests that trigger mail. POST /request and POST /verify refuse a foreign
// Origin and Sec-Fetch-Site: cross-site; /request takes JSON only; a link completes silently only
// in the browser that holds its own flow's binding cookie.
import t from 'tap'
import { Jar, send } from '../helpers/app.js'
import { buildApp, FORM_POST, liveCookie, ORIGIN, parseForms, sleep, tokenFor } from './lib.js'

const FOREIGN_ORIGINS = [
  'https://evil.example',
  'null',
  'http://app.example.com',
  'https://app.example.com:8443',
  'https://evil.app.example.com',
  'https://app.example.com.evil.example',
  'https://APP.EXAMPLE.COM.evil.example',
]

t.test('POST /request from another origin: 403 and no mail', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  for (const origin of FOREIGN_ORIGINS) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { origin } })
    t.match([res.statusCode, res.json()], [403, { code: 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN' }], `Origin: ${origin}`)
    t.equal(res.headers['set-cookie'], undefined)
  }
  const site = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { 'sec-fetch-site': 'cross-site' } })
  t.match([site.statusCode, site.json()], [403, { code: 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN' }], 'Sec-Fetch-Site: cross-site, without Origin')
  await sleep(50)
  t.equal(a.outbox.length, 0, 'no mail went out')
})

t.test('POST /request with a simple-request content type: 415 and no mail', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const json = JSON.stringify({ email: 'known@example.com' })
  const cases: Array<[string, string]> = [
    ['text/plain', json],
    ['text/plain;charset=UTF-8', json],
    ['application/x-www-form-urlencoded', 'email=known%40example.com'],
    ['application/x-www-form-urlencoded', `${json}=`],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nknown@example.com\r\n--x--\r\n'],
  ]
  for (const [type, payload] of cases) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload, headers: { 'content-type': type } })
    t.ok(res.statusCode === 400 || res.statusCode === 415, `${type}: refused (${res.statusCode})`)
    // Fastify parses text/plain by default; the route's schema then refuses the string (400).
    // Refused either way, but the contract (README "Errors", SECURITY.md T7) says 415.
    t.equal(res.statusCode, 415, `${type}: 415`)
  }
  await sleep(50)
  t.equal(a.outbox.length, 0, 'no mail went out')
})

t.test('POST /verify from another origin is refused, even with the right token and code', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).json() as { matchCode: string }
  const token = await tokenFor(a, 'known@example.com')
  // What a browser sends for a cross-site form post: a foreign (or, under no-referrer, `null`)
  // Origin, with Sec-Fetch-Site: cross-site, or without Fetch Metadata in older browsers.
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  for (const origin of FOREIGN_ORIGINS) {
    for (const site of [{ 'sec-fetch-site': 'cross-site' }, {}] as Array<Record<string, string>>) {
      const res = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: { ...form, origin, ...site } })
      t.equal(res.statusCode, 403, `same-browser form post from ${origin} ${JSON.stringify(site)}`)
    }
    const json = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode }, headers: { origin } })
    t.equal(json.statusCode, 403, `cross-device approval from ${origin}`)
  }
  const site = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: { ...FORM_POST, 'sec-fetch-site': 'cross-site' } })
  t.equal(site.statusCode, 403)
  t.equal(laptop.get('__Host-sid'), undefined)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 202, 'the flow is untouched')
  // The plugin's own pages are no-referrer, so their form posts carry `Origin: null` with
  // Sec-Fetch-Site: same-origin, which no other site can make a browser send.
  const own = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: { ...FORM_POST, origin: 'null' } })
  t.equal(own.statusCode, 303, 'the same post from our own no-referrer page (Origin: null, same-origin) signs in')
})

t.test('the attacker\'s link opened in the victim\'s browser never signs the victim\'s browser in', async (t) => {
  const a = await buildApp({ known: ['attacker@example.com', 'victim@example.com'] })
  t.teardown(() => a.app.close())
  const attacker = new Jar()
  const { matchCode } = (await send(a.app, attacker, { method: 'POST', url: '/auth/request', payload: { email: 'attacker@example.com' } })).json() as { matchCode: string }
  const token = await tokenFor(a, 'attacker@example.com')
  // The victim's browser is mid-login itself: it holds the binding cookie of its own flow Y.
  const victim = new Jar()
  await send(a.app, victim, { method: 'POST', url: '/auth/request', payload: { email: 'victim@example.com' } })

  // A top-level navigation to the attacker's link X (allowed cross-site) shows the code page.
  const page = await send(a.app, victim, { method: 'GET', url: `/auth/verify?token=${token}&code=${matchCode}` })
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, /Sign in to .* as/, 'not the one-button same-browser page')
  t.ok(parseForms(page.body).some((f) => f.fields.some((x) => x.name === 'code' && x.value === '')), 'the code field is not prefilled from the URL')
  const silent = await send(a.app, victim, { method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: FORM_POST })
  t.equal(silent.statusCode, 400, 'posting X from the browser of flow Y needs the code')
  t.equal(victim.get('__Host-sid'), undefined)

  // Even with the attacker's code (a victim talked into typing it), the victim's browser gets no
  // session: cross-device approval hands the session to the attacker's poller, never here.
  const typed = await send(a.app, victim, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode}`, headers: FORM_POST })
  t.equal(typed.statusCode, 200)
  t.equal(liveCookie(typed, '__Host-sid'), undefined)
  t.equal((await send(a.app, victim, { method: 'GET', url: '/me' })).statusCode, 401, 'the victim\'s browser is not signed in to the attacker\'s account')
  t.equal((await send(a.app, victim, { method: 'POST', url: '/auth/poll' })).statusCode, 202, 'the victim\'s own flow Y is untouched')
})

t.test('the Origin allow-list is the configured origin exactly', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { origin: ORIGIN, 'sec-fetch-site': 'same-origin' } })
  t.equal(res.statusCode, 202)
  const trailing = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { origin: `${ORIGIN}/` } })
  t.equal(trailing.statusCode, 403, 'an Origin with a path is not ours')
})
