import t from 'tap'
import { build, Jar, send, tokenOf } from '../helpers/app.js'

// A tab long-polls an old flow; the same browser asks again (or resends from an expired link's
// page) and gets a new binding cookie. The old poll, woken by the supersession, answers 410
// after that: it must not clear the cookie, which now belongs to the new flow.
t.test("a stale poll's final answer leaves the browser's newer binding cookie alone", async (t) => {
  const a = await build({ rateLimit: { emailInterval: 1000 } })
  t.teardown(() => a.app.close())
  const browser = new Jar()
  await send(a.app, browser, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const oldCookie = browser.get('__Host-mlflow') as string
  a.clock.advance(2000)
  await send(a.app, browser, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const [, second] = await a.mails(2)
  t.not(browser.get('__Host-mlflow'), oldCookie, 'a new flow, a new cookie')

  const stale = await a.app.inject({ method: 'POST', url: '/auth/poll', payload: {}, headers: { cookie: `__Host-mlflow=${oldCookie}` } })
  t.equal(stale.statusCode, 410, 'the old flow is over')
  t.equal(stale.headers['set-cookie'], undefined, 'and its answer clears no cookie')
  browser.take(stale)
  const verify = await send(a.app, browser, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(second?.ctx?.link as string) } })
  t.equal(verify.statusCode, 200, 'the new link still signs in here, as the same browser')
})
