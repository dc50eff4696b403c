// T18: brute force on the match code (C) and the 6-digit email code (OTP). 5 wrong codes per
// flow, counted atomically and shared by both kinds, then the flow is dead and the right code
// fails; 50 concurrent wrong codes are at most 5 evaluations (Kratos pattern); and a failure
// budget per account across flows (NIST SP 800-63B §5.2.2: at most 100 consecutive failures).
import t from 'tap'
import { RedisStore } from '../../src/index.js'
import { Jar, send } from '../helpers/app.js'
import { startRedis, type RedisServer } from '../helpers/redis.js'
import { buildApp, FORM_POST, liveCookie, loginMail, tokenFor, type SecApp } from './lib.js'

let redis: RedisServer
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

const MATCH_GUESSES = ['BBB-BBB', 'CCC-CCC', 'DDD-DDD', 'FFF-FFF', 'GGG-GGG', 'HHH-HHH', 'JJJ-JJJ']
const OTP_GUESSES = ['000000', '111111', '222222', '333333', '444444', '555555', '666666']

async function flow (a: SecApp, nth = 1, remoteAddress = '127.0.0.1'): Promise<{ laptop: Jar, token: string, matchCode: string, otp: string }> {
  const laptop = new Jar()
  const res = laptop.take(await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, remoteAddress }))
  const mail = await loginMail(a, 'known@example.com', nth)
  return { laptop, token: await tokenFor(a, 'known@example.com', nth), matchCode: (res.json() as { matchCode: string }).matchCode, otp: mail?.ctx?.otp ?? '' }
}

t.test('6 wrong match codes: the 6th is refused, the flow is dead, the right code then fails', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const { laptop, token, matchCode } = await flow(a)
  const wrong = MATCH_GUESSES.filter((c) => c !== matchCode).slice(0, 6)
  const pages: string[] = []
  for (const code of wrong) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${code}`, headers: FORM_POST })
    pages.push(`${res.statusCode} ${/(\d) tr(?:y|ies) left/.exec(res.body)?.[0] ?? (/stopped/.test(res.body) ? 'stopped' : '?')}`)
  }
  t.same(pages, ['400 4 tries left', '400 3 tries left', '400 2 tries left', '400 1 try left', '400 stopped', '410 stopped'])
  const right = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.equal(right.statusCode, 400, 'the right code now fails')
  t.equal(liveCookie(right, '__Host-sid'), undefined)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 403, 'the poller gets access_denied')
  const same = await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(same.statusCode, 400, 'even the asking browser cannot use the dead link')
})

t.test('6 wrong email codes: the flow is dead and the right code fails; both kinds share one budget', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const one = await flow(a)
  for (const code of OTP_GUESSES.filter((c) => c !== one.otp).slice(0, 6)) {
    t.equal((await send(a.app, one.laptop, { method: 'POST', url: '/auth/code', payload: { code } })).statusCode, 400)
  }
  const right = await send(a.app, one.laptop, { method: 'POST', url: '/auth/code', payload: { code: one.otp } })
  t.equal(right.statusCode, 400, 'the right email code fails after 5 wrong ones')
  t.equal(one.laptop.get('__Host-sid'), undefined)

  a.clock.advance(61_000)
  const two = await flow(a, 2)
  for (const code of MATCH_GUESSES.filter((c) => c !== two.matchCode).slice(0, 3)) await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: two.token, code } })
  for (const code of OTP_GUESSES.filter((c) => c !== two.otp).slice(0, 2)) await send(a.app, two.laptop, { method: 'POST', url: '/auth/code', payload: { code } })
  const after = await send(a.app, two.laptop, { method: 'POST', url: '/auth/code', payload: { code: two.otp } })
  t.equal(after.statusCode, 400, '3 wrong match codes + 2 wrong email codes exhaust the shared budget')
  const approve = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: two.token, code: two.matchCode } })
  t.equal(approve.statusCode, 400, 'and the right match code fails too')
})

t.test('malformed codes cost nothing; full-width and Arabic-Indic digits are refused, not folded', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const { laptop, otp } = await flow(a)
  for (const code of ['12345', '1234567', '１２３４５６', '١٢٣٤٥٦', 'abcdef', '12 34 5', '']) {
    t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code } })).statusCode, 400, JSON.stringify(code))
  }
  const folded = otp.replace(/[0-9]/g, (d) => String.fromCharCode(0xFF10 + Number(d)))
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code: folded } })).statusCode, 400, 'the right code in full-width digits is refused')
  const ok = await send(a.app, laptop, { method: 'POST', url: '/auth/code', payload: { code: `${otp.slice(0, 3)}-${otp.slice(3)}` } })
  t.equal(ok.statusCode, 200, 'none of that spent an attempt: the right code (with a dash) still signs in')
})

t.test('50 concurrent wrong codes on two instances (Redis): at most 5 evaluated', async (t) => {
  const store = (): RedisStore => new RedisStore({ client: redis.client(), prefix: 't18:' })
  const a = await buildApp({ store: store(), rateLimit: false })
  const b = await buildApp({ store: store(), rateLimit: false })
  t.teardown(() => a.app.close())
  t.teardown(() => b.app.close())
  const { laptop, token, matchCode } = await flow(a)
  // 50 distinct wrong match codes, as form posts so the page tells what happened to each.
  const letters = 'BCDFGHJKLMNPQRSTVWXZ'
  const wrong: string[] = []
  for (let i = 0; wrong.length < 50; i++) {
    const code = `${letters[i % 20]}${letters[Math.floor(i / 20) % 20]}B-BBB`
    if (code !== matchCode) wrong.push(code)
  }
  const answers = await Promise.all(wrong.map((code, i) => (i % 2 === 0 ? a : b).app.inject({ method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${code}`, headers: FORM_POST })))
  const evaluated = answers.filter((r) => r.statusCode === 400)
  const left = evaluated.map((r) => /(\d) tr(?:y|ies) left/.exec(r.body)?.[1]).filter((x) => x !== undefined).sort()
  t.ok(evaluated.length <= 5, `${evaluated.length} of 50 evaluated (400), the rest refused unseen (410)`)
  t.same(left, ['1', '2', '3', '4'], 'each evaluation counted exactly once: 4, 3, 2, 1 attempts left, then stopped')
  t.equal(answers.filter((r) => r.statusCode === 410).length, 50 - evaluated.length)
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })).statusCode, 400, 'the right code fails after the burst')
  t.equal((await send(b.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 403)
})

t.test('a per-account failure budget across flows', async (t) => {
  // An attacker who asks for links for the victim's address holds each flow's binding cookie and
  // may guess the 6-digit email code, 5 times per flow, for a new flow every minute (5 mails an
  // hour): 600 guesses a day. NIST SP 800-63B §5.2.2 caps consecutive failures per account at 100
  // (20 per 24 h, as NIST SP 800-63B allows up to 100); after that the email code must stop working for a while.
  // The per-IP limits (10 requests / 15 min, 30 codes / min) are real-time windows and an attacker
  // has many addresses: each flow comes from another one.
  const a = await buildApp()
  t.teardown(() => a.app.close())
  let failures = 0
  for (let n = 1; n <= 21; n++) {
    a.clock.advance(13 * 60_000)
    const ip = `198.51.100.${n}`
    const f = await flow(a, n, ip)
    const code = async (value: string): Promise<number> => (await a.app.inject({ method: 'POST', url: '/auth/code', payload: { code: value }, headers: { cookie: f.laptop.header() }, remoteAddress: ip })).statusCode
    if (n === 21) {
      const res = { statusCode: await code(f.otp) }
      t.comment(`after ${failures} consecutive wrong email codes on 20 flows over ${(20 * 13 / 60).toFixed(1)} h, the right code answers ${res.statusCode}`)
      t.not(res.statusCode, 200, 'the account\'s failure budget is spent: the email code no longer signs in')
      break
    }
    for (const guess of OTP_GUESSES.filter((c) => c !== f.otp).slice(0, 5)) {
      const status = await code(guess)
      if (status === 400) failures++
      else t.fail(`flow ${n}: ${status}`)
    }
  }
  t.equal(failures, 100)
})
