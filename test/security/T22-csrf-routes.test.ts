// T22: CSRF on approve, code, revoke, poll and logout. Every state-changing route refuses a
// foreign Origin and Sec-Fetch-Site: cross-site with 403 before doing anything; JSON-only routes
// refuse form bodies; GET never signs out. Checked by the state afterwards, not only the status.
import t from 'tap'
import { Jar, send } from '../helpers/app.js'
import { signIn } from '../helpers/login.js'
import { buildApp, FORM_POST, tokenFor } from './lib.js'

const CROSS: Array<Record<string, string>> = [
  { origin: 'https://evil.example' },
  { origin: 'null' },
  { origin: 'null', 'sec-fetch-site': 'cross-site' },
  { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  { 'sec-fetch-site': 'cross-site' },
  { origin: 'https://sub.app.example.com', 'sec-fetch-site': 'same-site' },
]

t.test('cross-site POST /verify, /code, /poll, /revoke, /logout, /logout-all and DELETE /sessions/:id: 403, nothing changes', async (t) => {
  const a = await buildApp({ rateLimit: false, known: ['known@example.com', 'other@example.com'] })
  t.teardown(() => a.app.close())
  const victim = await signIn(a)
  const sessionId = ((await send(a.app, victim, { method: 'GET', url: '/auth/session' })).json() as { session: { id: string } }).session.id
  const laptop = new Jar()
  const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'other@example.com' } })).json() as { matchCode: string }
  const token = await tokenFor(a, 'other@example.com')
  const oldToken = await tokenFor(a, 'known@example.com')
  const otp = a.outbox.filter((m) => m.message.to === 'other@example.com')[0]?.ctx?.otp ?? ''

  const attempts: Array<{ name: string, method: 'POST' | 'DELETE', url: string, payload?: string, type?: string, jar: Jar }> = [
    { name: 'approve (JSON)', method: 'POST', url: '/auth/verify', payload: JSON.stringify({ token, code: matchCode }), jar: new Jar() },
    { name: 'approve (form)', method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode}`, type: FORM_POST['content-type'], jar: new Jar() },
    { name: 'same-browser sign-in (form)', method: 'POST', url: '/auth/verify', payload: `token=${token}`, type: FORM_POST['content-type'], jar: laptop },
    { name: 'email code', method: 'POST', url: '/auth/code', payload: JSON.stringify({ code: otp }), jar: laptop },
    { name: 'poll', method: 'POST', url: '/auth/poll', jar: laptop },
    { name: 'revoke (form)', method: 'POST', url: '/auth/revoke', payload: `token=${oldToken}&email=known%40example.com`, type: FORM_POST['content-type'], jar: new Jar() },
    { name: 'logout', method: 'POST', url: '/auth/logout', payload: '{}', jar: victim },
    { name: 'logout-all', method: 'POST', url: '/auth/logout-all', payload: '{}', jar: victim },
    { name: 'delete session', method: 'DELETE', url: `/auth/sessions/${sessionId}`, jar: victim },
  ]
  const problems: string[] = []
  for (const x of attempts) {
    for (const headers of CROSS) {
      const res = await a.app.inject({
        method: x.method,
        url: x.url,
        headers: { ...headers, ...(x.jar.cookies.size > 0 ? { cookie: x.jar.header() } : {}), ...(x.payload === undefined ? {} : { 'content-type': x.type ?? 'application/json' }) },
        ...(x.payload === undefined ? {} : { payload: x.payload }),
      })
      if (res.statusCode !== 403) problems.push(`${x.name} with ${JSON.stringify(headers)}: ${res.statusCode}`)
      if (res.headers['set-cookie'] !== undefined) problems.push(`${x.name} with ${JSON.stringify(headers)}: set a cookie`)
    }
  }
  t.same(problems, [], `${attempts.length} routes × ${CROSS.length} cross-site variants: all 403, no cookie`)

  // Nothing changed: the victim is signed in, the other flow is pending and was never polled.
  t.equal((await send(a.app, victim, { method: 'GET', url: '/me' })).statusCode, 200, 'still signed in')
  t.same((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).json(), { status: 'pending', interval: 5 }, 'flow pending, never polled')
  const typo = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode === 'BBB-BBB' ? 'CCC-CCC' : 'BBB-BBB'}`, headers: FORM_POST })
  t.match(typo.body, /You have 4 tries left/, 'no code attempt was spent by a refused request')
})

t.test('JSON-only routes refuse form and text bodies; GET /logout and friends do not exist', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const victim = await signIn(a)
  for (const url of ['/auth/code', '/auth/logout', '/auth/logout-all', '/auth/poll']) {
    const res = await a.app.inject({ method: 'POST', url, payload: 'code=123456', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: victim.header() } })
    t.equal(res.statusCode, 415, `${url}: form body 415`)
  }
  // text/plain is a simple request too: Fastify parses it, the schema refuses a string (see T7).
  for (const url of ['/auth/logout', '/auth/logout-all']) {
    const res = await a.app.inject({ method: 'POST', url, payload: '{}', headers: { 'content-type': 'text/plain', cookie: victim.header() } })
    t.ok(res.statusCode === 400 || res.statusCode === 415, `${url}: text/plain refused (${res.statusCode})`)
  }
  for (const url of ['/auth/logout', '/auth/logout-all', '/auth/revoke', '/auth/code', '/auth/sessions/x']) {
    const res = await a.app.inject({ method: 'GET', url, headers: { cookie: victim.header() } })
    t.equal(res.statusCode, 404, `GET ${url}: 404`)
  }
  t.equal((await send(a.app, victim, { method: 'GET', url: '/me' })).statusCode, 200, 'still signed in after all of it')
})
