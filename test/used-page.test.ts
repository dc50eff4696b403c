import t from 'tap'
import { build, Jar, send, tokenOf } from './helpers/app.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36'
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0'

t.test('the used-link page offers "Sign that session out" only while that session is live, and says which device holds it', async (t) => {
  const a = await build({ loginUrl: '/login' })
  t.teardown(() => a.app.close())
  const asking = new Jar()
  const { matchCode } = (await send(a.app, asking, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { 'user-agent': FIREFOX_LINUX } })).json() as { matchCode: string }
  const [mail] = await a.mails(1)
  const token = tokenOf(mail?.ctx?.link as string)
  await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: `token=${token}&code=${matchCode}`, headers: { ...FORM, 'user-agent': CHROME_ANDROID } })

  const approvedOnly = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(approvedOnly.statusCode, 409, 'approved, not yet claimed: used')
  t.match(approvedOnly.body, 'It was opened <time')
  t.match(approvedOnly.body, 'in <strong>Chrome on Android</strong>', 'the device that opened the link')
  t.notMatch(approvedOnly.body, /<form/, 'no session yet: nothing to sign out')

  t.equal((await send(a.app, asking, { method: 'POST', url: '/auth/poll', payload: {}, headers: { 'user-agent': FIREFOX_LINUX } })).statusCode, 200)
  const live = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  t.match(live.body, 'The session it started is still signed in on <strong>Firefox on Linux</strong>.', 'the device that holds the session')
  t.match(live.body, '<a class="link" href="/login">Back to app.example.com</a>')
  t.match(live.body, 'action="/auth/revoke"')

  const out = await send(a.app, asking, { method: 'POST', url: '/auth/logout', payload: {} })
  t.equal(out.statusCode, 204)
  const ended = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(ended.statusCode, 409)
  t.match(ended.body, 'The session it started has ended.')
  t.match(ended.body, '<a class="link" href="/login">Back to app.example.com</a>', 'a link back')
  t.notMatch(ended.body, /<form|Sign that session out/, 'nothing to sign out')
})

t.test('a session past its idle time, or a deleted user: the page says it ended', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const jar = new Jar()
  await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = tokenOf((await a.mails(1))[0]?.ctx?.link as string)
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })).statusCode, 200)
  t.match((await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })).body, 'still signed in')
  a.clock.advance(8 * 86_400_000)
  t.match((await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })).body, /has ended|isn’t valid/, 'idle-expired')

  const jar2 = new Jar()
  await send(a.app, jar2, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token2 = tokenOf((await a.mails(2))[1]?.ctx?.link as string)
  t.equal((await send(a.app, jar2, { method: 'POST', url: '/auth/verify', payload: { token: token2 } })).statusCode, 200)
  a.users.delete('known@example.com')
  t.match((await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token2}` })).body, 'has ended', 'the user is gone')
})
