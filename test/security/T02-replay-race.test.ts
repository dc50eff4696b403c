// T2: replay and double use through a race. Every transition is one atomic store call: of N
// concurrent uses exactly one wins, the others all fail the same way; L burns on approval, P on
// claim. Real Redis (RedisStore), requests over real HTTP on loopback.
import t, { type Test } from 'tap'
import { RedisStore } from '../../src/index.js'
import { Jar, send, tokenOf } from '../helpers/app.js'
import { startRedis, type RedisServer } from '../helpers/redis.js'
import { buildApp, jwtPayload, listen, liveCookie, type SecApp } from './lib.js'

let redis: RedisServer
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

let apps = 0
/** An app on its own key prefix; the per-IP limiter is off because every request comes from 127.0.0.1. */
async function app (t: Test, extra: Parameters<typeof buildApp>[0] = {}): Promise<SecApp> {
  const a = await buildApp({ store: new RedisStore({ client: redis.client(), prefix: `t2-${++apps}:` }), rateLimit: false, ...extra })
  t.teardown(() => a.app.close())
  return a
}

interface Answer { status: number, body: string, sid: string | null }

async function post (port: number, path: string, body: unknown, cookie?: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
    body: JSON.stringify(body),
  })
  const sid = res.headers.getSetCookie().map((c) => /^__Host-sid=([^;]+)/.exec(c)?.[1] ?? null).find((v) => v !== null) ?? null
  return { status: res.status, body: await res.text(), sid }
}

function tally (answers: Answer[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const a of answers) out.set(`${a.status} ${a.body}`, (out.get(`${a.status} ${a.body}`) ?? 0) + 1)
  return out
}

t.test('200 concurrent cross-device approvals of one link: 1 wins, 199 identical refusals; then 50 polls: 1 session', async (t) => {
  const a = await app(t)
  const port = await listen(a.app)
  const laptop = new Jar()
  const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).json() as { matchCode: string }
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link ?? '')

  const answers = await Promise.all(Array.from({ length: 200 }, () => post(port, '/auth/verify', { token, code: matchCode })))
  const groups = tally(answers)
  t.equal(answers.filter((r) => r.status === 200).length, 1, 'exactly one approval')
  t.equal(groups.get('200 {"status":"approved"}'), 1)
  t.equal(groups.size, 2, 'the 199 others are byte-identical')
  t.match([...groups.keys()].find((k) => !k.startsWith('200')), /^400 .*FST_MAGIC_LINK_INVALID_TOKEN/)
  t.equal(answers.filter((r) => r.sid !== null).length, 0, 'approving gives no session to the approving clients')

  const polls = await Promise.all(Array.from({ length: 50 }, () => post(port, '/auth/poll', {}, laptop.header())))
  const sessions = polls.filter((p) => p.sid !== null)
  t.equal(sessions.length, 1, 'exactly one Set-Cookie: __Host-sid')
  t.same(new Set(polls.filter((p) => p.sid === null).map((p) => `${p.status} ${p.body}`)), new Set(['410 {"error":"expired_token","error_description":"This sign-in has expired or was replaced by a newer one"}']))

  const sid = String(jwtPayload(sessions[0]?.sid ?? '').sid)
  const linkSecret = token.split('.')[1]
  const pollSecret = (laptop.get('__Host-mlflow') ?? '').split('.')[1]
  t.ok(sid.length === 43 && ![linkSecret, pollSecret].includes(sid) && linkSecret !== pollSecret, 'S, L and P are three different secrets')

  t.equal((await post(port, '/auth/verify', { token, code: matchCode })).status, 400, 're-verifying L fails')
  const again = await post(port, '/auth/poll', {}, laptop.header())
  t.equal(again.status, 410, 'the claimed P fails')
  t.equal(again.sid, null)
})

t.test('200 concurrent same-browser sign-ins with the binding cookie: exactly one session', async (t) => {
  const a = await app(t)
  const port = await listen(a.app)
  const browser = new Jar()
  await send(a.app, browser, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link ?? '')
  const answers = await Promise.all(Array.from({ length: 200 }, () => post(port, '/auth/verify', { token }, browser.header())))
  t.equal(answers.filter((r) => r.sid !== null).length, 1, 'one session cookie')
  t.equal(answers.filter((r) => r.status === 200).length, 1)
  t.equal(tally(answers).size, 2, 'the 199 others are byte-identical')
  const replay = await post(port, '/auth/verify', { token }, browser.header())
  t.equal(replay.status, 400, 'the link is burned')
  // The binding cookie outlives a same-browser sign-in (the asking tab's poll hears `approved`
  // through it once): 30 concurrent polls with it mint no second session.
  const polls = await Promise.all(Array.from({ length: 30 }, () => post(port, '/auth/poll', {}, browser.header())))
  t.equal(polls.filter((p) => p.sid !== null).length, 0, 'no poll sets a session cookie')
  t.ok(polls.filter((p) => p.status === 200).length <= 1, `at most one poll hears approved (${polls.filter((p) => p.status === 200).length})`)
})

t.test('50 concurrent uses of the correct email code: exactly one session', async (t) => {
  const a = await app(t)
  const port = await listen(a.app)
  const browser = new Jar()
  await send(a.app, browser, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const otp = (await a.mails(1))[0]?.ctx?.otp ?? ''
  const answers = await Promise.all(Array.from({ length: 50 }, () => post(port, '/auth/code', { code: otp }, browser.header())))
  t.equal(answers.filter((r) => r.sid !== null).length, 1, 'one session cookie')
  t.equal(tally(answers).size, 2, 'the 49 others are byte-identical')
})

t.test('every way in at once (same-browser link, cross-device approval, email code, polls) on two instances: one session in all', async (t) => {
  const a = await app(t)
  const b = await buildApp({ store: new RedisStore({ client: redis.client(), prefix: `t2-${apps}:` }), rateLimit: false })
  t.teardown(() => b.app.close())
  const browser = new Jar()
  const { matchCode } = (await send(a.app, browser, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).json() as { matchCode: string }
  const mail = (await a.mails(1))[0]
  const token = tokenOf(mail?.ctx?.link ?? '')
  const cookie = browser.header()
  const on = (i: number): SecApp => (i % 2 === 0 ? a : b)
  const all = await Promise.all([
    ...Array.from({ length: 60 }, (_, i) => on(i).app.inject({ method: 'POST', url: '/auth/verify', payload: { token }, headers: { cookie } })),
    ...Array.from({ length: 60 }, (_, i) => on(i).app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })),
    ...Array.from({ length: 40 }, (_, i) => on(i).app.inject({ method: 'POST', url: '/auth/code', payload: { code: mail?.ctx?.otp ?? '' }, headers: { cookie } })),
  ])
  const polls = await Promise.all(Array.from({ length: 40 }, (_, i) => on(i).app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie } })))
  const sessions = [...all, ...polls].filter((r) => liveCookie(r, '__Host-sid') !== undefined)
  t.equal(sessions.length, 1, 'one session issued across 200 concurrent uses of one flow')
  t.equal(all.filter((r) => r.statusCode === 200).length, 1, 'one winning transition')
  t.equal(all.filter((r) => r.statusCode >= 500).length + polls.filter((r) => r.statusCode >= 500).length, 0, 'no 5xx under contention')
})
