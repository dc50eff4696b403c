// T12: user enumeration. Known and unknown addresses get the same status, body shape, headers and
// cookie attributes (only the match code and cookie value differ), whether or not the address is
// within its mail budget; both flows poll `authorization_pending` until `expired_token`, and the
// email-code path answers alike. The latency side is measured in enumeration-timing.test.ts.
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { Jar, send } from '../helpers/app.js'
import { buildApp, setCookies } from './lib.js'

const KNOWN = Array.from({ length: 200 }, (_, i) => `member${i}@example.com`)
const UNKNOWN = Array.from({ length: 200 }, (_, i) => `stranger${i}@example.com`)
/** Headers whose value may legitimately differ between two responses. */
const VARYING = new Set(['date', 'set-cookie', 'x-ratelimit-remaining', 'x-ratelimit-reset'])

interface Shape { status: number, body: string, headers: string, cookies: string }

/** Everything an observer can compare, with the per-request randomness masked out. */
function shape (res: LightMyRequestResponse): Shape {
  const body = res.json() as Record<string, unknown>
  const masked = { ...body, matchCode: /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/.test(String(body.matchCode)) ? 'XXX-XXX' : body.matchCode }
  const headers = Object.keys(res.headers).sort().map((k) => `${k}: ${VARYING.has(k) ? '*' : String(res.headers[k])}`).join('\n')
  const cookies = setCookies(res).map((c) => `${c.name}=<${c.value.length} chars ${/^[A-Za-z0-9_.-]+$/.test(c.value) ? 'token' : 'other'}>; ${[...c.attrs].map(([k, v]) => `${k}=${v}`).join('; ')}`).join('\n')
  return { status: res.statusCode, body: JSON.stringify(masked), headers, cookies }
}

t.test('200 known and 200 unknown addresses, interleaved: identical status, body shape, headers and cookies', async (t) => {
  const a = await buildApp({ known: KNOWN, rateLimit: { ipMax: 10_000 } })
  t.teardown(() => a.app.close())
  const shapes = { known: new Set<string>(), unknown: new Set<string>() }
  const sample: Record<'known' | 'unknown', Shape | null> = { known: null, unknown: null }
  const keys = new Set<string>()
  for (let i = 0; i < 200; i++) {
    for (const [kind, email] of [['known', KNOWN[i]], ['unknown', UNKNOWN[i]]] as const) {
      const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email } })
      const s = shape(res)
      shapes[kind].add(JSON.stringify(s))
      sample[kind] ??= s
      keys.add(Object.keys(res.json() as object).sort().join(','))
    }
  }
  t.equal(shapes.known.size, 1, 'every known-address response has one shape')
  t.equal(shapes.unknown.size, 1, 'every unknown-address response has one shape')
  t.same(sample.unknown, sample.known, 'and it is the same shape: status, masked body, headers, cookie attributes')
  t.same([...keys], ['expiresIn,interval,matchCode,status'])
  t.equal(sample.known?.status, 202)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(a.outbox.length, 200, 'only the known addresses were mailed')
})

t.test('rate-limited (silent) requests look like any other, for known and unknown addresses', async (t) => {
  const a = await buildApp({ known: ['known@example.com'], rateLimit: { ipMax: 1000 } })
  t.teardown(() => a.app.close())
  const seen = new Set<string>()
  for (let i = 0; i < 8; i++) {
    for (const email of ['known@example.com', 'nobody@example.com']) {
      seen.add(JSON.stringify(shape(await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email } }))))
    }
  }
  t.equal(seen.size, 1, 'first request, within-a-minute repeats and over-budget requests: one shape')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(a.outbox.length, 1, 'one mail: the rest were silently limited')
})

t.test('known and unknown flows both poll authorization_pending until expired_token, byte for byte', async (t) => {
  const a = await buildApp({ known: KNOWN.slice(0, 20), linkTtl: '1m', rateLimit: false })
  t.teardown(() => a.app.close())
  const jars = { known: KNOWN.slice(0, 20).map(() => new Jar()), unknown: UNKNOWN.slice(0, 20).map(() => new Jar()) }
  for (let i = 0; i < 20; i++) {
    await send(a.app, jars.known[i] as Jar, { method: 'POST', url: '/auth/request', payload: { email: KNOWN[i] } })
    await send(a.app, jars.unknown[i] as Jar, { method: 'POST', url: '/auth/request', payload: { email: UNKNOWN[i] } })
  }
  const answers = async (): Promise<Record<'known' | 'unknown', Set<string>>> => {
    const out = { known: new Set<string>(), unknown: new Set<string>() }
    for (const kind of ['known', 'unknown'] as const) {
      for (const jar of jars[kind]) {
        const res = await send(a.app, jar, { method: 'POST', url: '/auth/poll' })
        out[kind].add(`${res.statusCode} ${res.body} ${setCookies(res).map((c) => `${c.name} ${[...c.attrs.keys()].join(',')}`).join('|')}`)
      }
    }
    return out
  }
  let rounds = 0
  for (let elapsed = 0; elapsed < 60_000; elapsed += 6_000) {
    const r = await answers()
    rounds++
    t.same([...r.known], [...r.unknown], `after ${elapsed / 1000} s: same answers`)
    t.same([...r.known], ['202 {"status":"pending","interval":5} '], `after ${elapsed / 1000} s: authorization_pending`)
    a.clock.advance(6_000)
  }
  const end = await answers()
  t.same([...end.known], [...end.unknown], 'after expiry: same answers')
  t.match([...end.known][0], /^410 \{"error":"expired_token"/, 'expired_token for both')
  t.ok(rounds >= 10)
})

t.test('the email-code path answers alike for known and unknown flows, up to access_denied', async (t) => {
  const a = await buildApp({ known: ['known@example.com'], rateLimit: false })
  t.teardown(() => a.app.close())
  const jars = { known: new Jar(), unknown: new Jar() }
  await send(a.app, jars.known, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  await send(a.app, jars.unknown, { method: 'POST', url: '/auth/request', payload: { email: 'nobody@example.com' } })
  const otp = (await a.mails(1))[0]?.ctx?.otp ?? ''
  const guesses = ['000000', '111111', '222222', '333333', '444444', '555555'].filter((g) => g !== otp).slice(0, 5)
  for (const code of guesses) {
    const k = await send(a.app, jars.known, { method: 'POST', url: '/auth/code', payload: { code } })
    const u = await send(a.app, jars.unknown, { method: 'POST', url: '/auth/code', payload: { code } })
    t.same([u.statusCode, u.body], [k.statusCode, k.body], `wrong code ${code}: same answer`)
  }
  const k = await send(a.app, jars.known, { method: 'POST', url: '/auth/poll' })
  const u = await send(a.app, jars.unknown, { method: 'POST', url: '/auth/poll' })
  t.same([u.statusCode, u.body], [k.statusCode, k.body], 'both polls: the same access_denied')
  t.equal(k.statusCode, 403)
})

t.test('a second request a minute later supersedes the first flow alike for known and unknown addresses', async (t) => {
  // One live link per address: a newer mailed flow supersedes the older one, whose
  // poller then gets expired_token. A decoy flow must behave the same, or polling the first flow
  // after asking again tells whether the address has an account.
  const a = await buildApp({ known: ['known@example.com'], rateLimit: { ipMax: 1000 } })
  t.teardown(() => a.app.close())
  const first = { known: new Jar(), unknown: new Jar() }
  await send(a.app, first.known, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  await send(a.app, first.unknown, { method: 'POST', url: '/auth/request', payload: { email: 'nobody@example.com' } })
  a.clock.advance(61_000)
  await send(a.app, new Jar(), { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  await send(a.app, new Jar(), { method: 'POST', url: '/auth/request', payload: { email: 'nobody@example.com' } })
  const k = await send(a.app, first.known, { method: 'POST', url: '/auth/poll' })
  const u = await send(a.app, first.unknown, { method: 'POST', url: '/auth/poll' })
  t.comment(`first flow polled after a second request: known → ${k.statusCode} ${k.body}; unknown → ${u.statusCode} ${u.body}`)
  t.same([u.statusCode, u.body], [k.statusCode, k.body], 'the older flow answers the same for both')
})
