// T4: link prefetch by mail scanners (Safe Links, Mimecast, Proofpoint), link previews and
// browser prerendering: HEAD and GET of a link, from datacenter addresses, without cookies, and
// following every link on the page, change nothing; the real user then completes.
import t from 'tap'
import { Jar, send } from '../helpers/app.js'
import { buildApp, liveCookie, SCANNER_UA, tokenFor, urlsOf } from './lib.js'

const PREFETCH_HEADERS: Array<Record<string, string>> = [
  { 'user-agent': SCANNER_UA },
  { 'user-agent': SCANNER_UA, purpose: 'prefetch' },
  { 'user-agent': SCANNER_UA, 'sec-purpose': 'prefetch' },
  { 'user-agent': SCANNER_UA, 'sec-purpose': 'prefetch;prerender' },
  { 'user-agent': 'Mozilla/5.0 (compatible; Microsoft Office Protocol Discovery)', 'x-moz': 'prefetch' },
  { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
  { 'user-agent': 'WhatsApp/2.23.20.0' },
  {},
]

const SCANNER_IPS = ['52.100.2.3', '2a01:111:f400::1']

t.test('HEAD then GET ×10 by scanners change nothing; the same user then signs in', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = await tokenFor(a, 'known@example.com')
  const url = `/auth/verify?token=${token}`
  const problems: string[] = []
  let cookies = 0
  let requests = 0
  for (const [i, headers] of PREFETCH_HEADERS.entries()) {
    for (const remoteAddress of SCANNER_IPS) {
      for (const method of ['HEAD', ...Array<'GET'>(10).fill('GET')] as const) {
        const res = await a.app.inject({ method, url, headers, remoteAddress })
        requests++
        if (res.statusCode !== 200) problems.push(`${method} #${i} from ${remoteAddress}: ${res.statusCode}`)
        if (/<script\b/i.test(res.body)) problems.push('a script on the page')
        cookies += res.headers['set-cookie'] === undefined ? 0 : 1
        // A scanner follows every link of the page.
        for (const href of urlsOf(res.body).filter((u) => u.startsWith('/'))) {
          const followed = await a.app.inject({ method: 'GET', url: href, headers, remoteAddress })
          requests++
          cookies += followed.headers['set-cookie'] === undefined ? 0 : 1
        }
      }
    }
  }
  t.same(problems, [], `${requests} scanner requests: every HEAD and GET answers the 200 interstitial, without script`)
  t.equal(cookies, 0, 'no response to a scanner set any cookie')

  // The browser's own prefetch of the link (it holds the binding cookie) changes nothing either.
  for (const purpose of ['prefetch', 'prefetch;prerender']) {
    const prefetch = await send(a.app, laptop, { method: 'GET', url, headers: { 'sec-purpose': purpose } })
    t.equal(prefetch.statusCode, 200)
    t.equal(prefetch.headers['set-cookie'], undefined, `${purpose} in the asking browser sets no cookie`)
    t.match(prefetch.body, /Sign in/)
  }

  const poll = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(poll.statusCode, 202, 'the flow is still pending')
  t.same(poll.json(), { status: 'pending', interval: 5 }, 'and was never polled or slowed down by anyone')

  const done = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(done.statusCode, 200, 'the real user then completes')
  t.ok(liveCookie(done, '__Host-sid'), 'with a session')
})

t.test('scanners re-opening a used link change nothing: the session stays, the page stays 409', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = await tokenFor(a, 'known@example.com')
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })).statusCode, 200)
  for (const method of ['HEAD', 'GET'] as const) {
    for (let n = 0; n < 10; n++) {
      const res = await a.app.inject({ method, url: `/auth/verify?token=${token}`, headers: { 'user-agent': SCANNER_UA }, remoteAddress: '52.100.2.3' })
      if (res.statusCode !== 409 || res.headers['set-cookie'] !== undefined) t.fail(`${method} ${n}: ${res.statusCode}`)
    }
  }
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 200, 'the session is untouched')
})

t.test('a cross-device link prefetched by scanners is neither approved nor denied', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).json() as { matchCode: string }
  const token = await tokenFor(a, 'known@example.com')
  for (let n = 0; n < 20; n++) {
    await a.app.inject({ method: n % 2 === 0 ? 'HEAD' : 'GET', url: `/auth/verify?token=${token}`, headers: { 'user-agent': SCANNER_UA, 'sec-purpose': 'prefetch' } })
  }
  const phone = new Jar()
  const approve = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.same(approve.json(), { status: 'approved' }, 'the phone approves afterwards')
  const poll = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(poll.statusCode, 200)
  t.ok(liveCookie(poll, '__Host-sid'))
})
