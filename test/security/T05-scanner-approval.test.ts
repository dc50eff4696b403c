// T5: a scanner or bot that clicks buttons must not approve a cross-device login (which would
// hand a session to whoever polls), must not deny it (which would kill a real login), and must
// not sign anyone out from the used-link page. Approval needs the code from the asking screen.
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { Jar, send } from '../helpers/app.js'
import { botBodies, buildApp, FORM_POST, liveCookie, parseForms, SCANNER_UA, tokenFor, type SecApp } from './lib.js'

/** A headless browser posting the page's own forms: no-referrer pages post with `Origin: null`. */
const BOT = { ...FORM_POST, origin: 'null', 'user-agent': SCANNER_UA }
/**
 * Scanners run in datacenters, from many addresses: each post comes from another one, so the
 * per-IP limiter (30 a minute) never answers in the handler's place and every post is evaluated.
 */
let posts = 0
const botIp = (): string => `52.100.${Math.floor(posts / 250) % 250}.${posts++ % 250}`
/** What bots type into text fields when they fill forms at all; none is a well-formed code. */
const JUNK = ['', 'test', '1', 'a@b.c', 'submit', 'null', '1234567', '000000']

interface BotRun { posts: number, sessions: number, statuses: Map<number, number> }

/**
 * A form-submitting bot: GET the page, then submit every form with every submit button, hidden
 * fields prefilled and visible fields set to each `fills` value, then do the same on every page it
 * got back, `depth` levels deep. Always a fresh browser (no cookies).
 */
async function bot (a: SecApp, url: string, fills: readonly string[], depth = 3): Promise<BotRun> {
  const run: BotRun = { posts: 0, sessions: 0, statuses: new Map() }
  const page = await a.app.inject({ method: 'GET', url, headers: { 'user-agent': SCANNER_UA }, remoteAddress: botIp() })
  let frontier: LightMyRequestResponse[] = [page]
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: LightMyRequestResponse[] = []
    for (const res of frontier) {
      for (const form of parseForms(res.body)) {
        for (const fill of fills) {
          for (const body of botBodies(form, fill)) {
            const answer = await a.app.inject({ method: 'POST', url: form.action, payload: body, headers: BOT, remoteAddress: botIp() })
            run.posts++
            run.statuses.set(answer.statusCode, (run.statuses.get(answer.statusCode) ?? 0) + 1)
            if (liveCookie(answer, '__Host-sid') !== undefined) run.sessions++
            // Only pages that differ are worth another round.
            if (level === 0 || fill === '') next.push(answer)
          }
        }
      }
    }
    frontier = next.slice(0, 4)
  }
  return run
}

async function started (a: SecApp): Promise<{ laptop: Jar, token: string, matchCode: string }> {
  const laptop = new Jar()
  const res = await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  return { laptop, token: await tokenFor(a, 'known@example.com'), matchCode: (res.json() as { matchCode: string }).matchCode }
}

t.test('a bot submitting every form of the other-browser page neither approves nor denies; the user still completes', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const { laptop, token, matchCode } = await started(a)

  const page = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}`, headers: { 'user-agent': SCANNER_UA } })
  const forms = parseForms(page.body)
  t.ok(forms.length >= 1 && forms.every((f) => f.method === 'post'), `${forms.length} form(s), all POST`)
  t.ok(forms.every((f) => f.submits.length >= 1), 'each has a submit button')
  t.same(forms.flatMap((f) => f.fields.filter((x) => x.type === 'hidden').map((x) => x.name)).sort(), ['token'], 'the only prefilled value is the token')
  t.notOk(forms.some((f) => f.fields.some((x) => x.value === matchCode || x.value.replace('-', '') === matchCode.replace('-', ''))), 'the code is not prefilled anywhere')
  t.notOk(page.body.includes(matchCode) || page.body.includes(matchCode.replace('-', '')), 'nor anywhere on the page')

  const run = await bot(a, `/auth/verify?token=${token}`, JUNK)
  t.ok(run.posts >= JUNK.length, `the bot posted ${run.posts} forms`)
  t.comment(`bot answers by status: ${JSON.stringify(Object.fromEntries(run.statuses))}`)
  t.same([...run.statuses.keys()], [400], 'every post reached the handler and was refused (400: the code is missing or malformed)')
  t.equal(run.sessions, 0, 'no post gave the bot a session')

  a.clock.advance(5000)
  const poll = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.same([poll.statusCode, poll.json()], [202, { status: 'pending', interval: 5 }], 'not approved, not denied')

  // Not one attempt was spent: the user's first wrong code leaves 4.
  const phone = new Jar()
  const typo = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode === 'BBB-BBB' ? 'CCC-CCC' : 'BBB-BBB'}`, headers: FORM_POST })
  t.match(typo.body, /You have 4 tries left/, 'the bot spent none of the 5 attempts')
  const approve = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode}`, headers: FORM_POST })
  t.equal(approve.statusCode, 200)
  t.match(approve.body, /other device/i)
  t.equal(phone.get('__Host-sid'), undefined, 'the approving browser gets no session (form)')
  a.clock.advance(5000)
  const claimed = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(claimed.statusCode, 200, 'the real user completes on the asking device')
  t.ok(laptop.get('__Host-sid'))
})

t.test('the same bot on the used-link page signs no session out', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const { laptop, token } = await started(a)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/verify', payload: { token } })).statusCode, 200)
  const page = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(page.statusCode, 409)
  const forms = parseForms(page.body)
  t.ok(forms.some((f) => f.action.endsWith('/revoke')), 'the page has the sign-out form')
  const run = await bot(a, `/auth/verify?token=${token}`, [...JUNK, 'someone@example.com', 'known@example.org'])
  t.ok(run.posts > 0, `the bot posted ${run.posts} forms`)
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 200, 'the session the link created is still signed in')
})

t.test('a bot on an invitation page signs no one in', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const { link } = await a.app.magicLink.createLink('known@example.com')
  const url = new URL(link)
  const run = await bot(a, `${url.pathname}${url.search}`, JUNK)
  t.ok(run.posts > 0)
  t.equal(run.sessions, 0, 'no session for the bot')
  const person = new Jar()
  const res = await send(a.app, person, { method: 'POST', url: '/auth/verify', payload: `token=${url.searchParams.get('token') ?? ''}&email=known%40example.com`, headers: FORM_POST })
  t.equal(res.statusCode, 303, 'the invited person, typing the address, still signs in')
})

t.test('5 wrong codes deny the flow: the poller sees access_denied', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const { laptop, token, matchCode } = await started(a)
  const wrong = ['BBB-BBB', 'CCC-CCC', 'DDD-DDD', 'FFF-FFF', 'GGG-GGG', 'HHH-HHH'].filter((c) => c !== matchCode).slice(0, 5)
  for (const code of wrong) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code } })
    t.equal(res.statusCode, 400)
  }
  const poll = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(poll.statusCode, 403)
  t.match(poll.json(), { error: 'access_denied' })
  t.equal(liveCookie(poll, '__Host-sid'), undefined)
})

t.test('cross-device approval never sets a session on the verifying client (JSON)', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const { laptop, token, matchCode } = await started(a)
  const phone = new Jar()
  const res = await send(a.app, phone, { method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
  t.same(res.json(), { status: 'approved' })
  t.equal(res.headers['set-cookie'], undefined, 'no Set-Cookie at all')
  t.equal((await send(a.app, phone, { method: 'GET', url: '/me' })).statusCode, 401)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 200)
})
