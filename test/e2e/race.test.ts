// Regression, end-to-end, with a store whose session writes take 300 ms (a slow or distant
// Redis): same-browser completions must not race the session cookie. The asking page's
// long-poll used to be woken at the store transition, so it answered `approved` while
// POST /auth/verify or /auth/code was still writing the session; the page then went to /app
// before the browser had the cookie (link in another tab: bounced to the login page; code on the
// asking page: its own POST was aborted by the navigation and no session was kept). The plugin
// now wakes the poll only once the response carrying the cookie is out (publishFlow).
// A cross-device approval is the control: the poll that claims it sets the cookie itself.
import t from 'tap'
import { devices } from 'playwright-core'
import { MemoryStore, type SessionRecord } from '../../src/index.js'
import { askForLink, clickMailLink, e2eSuite, mailTo, sessionsListed, submit, watchArrival } from './harness.js'

const SESSION_WRITE_MS = 300

class SlowSessionStore extends MemoryStore {
  override async createSession (session: SessionRecord): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, SESSION_WRITE_MS))
    await super.createSession(session)
  }
}

await e2eSuite(t, { store: new SlowSessionStore() }, ({ flow, site }) => {
  const { origin } = site

  flow('race-other-tab', `slow session write (${SESSION_WRITE_MS} ms): the link signed in in another tab, the asking tab follows`, [], async ({ t, shots, laptop: newLaptop }) => {
    const email = 'race.tab@example.com'
    const laptop = await newLaptop()
    const asking = await laptop.tab()
    await askForLink(t, asking, email, shots)
    const outbox = await laptop.tab()
    await outbox.goto('/outbox')
    const { page: verify } = await clickMailLink(laptop, outbox, email)
    const asker = watchArrival(asking, origin)
    await Promise.all([verify.waitForURL(`${origin}/app`), verify.click('button[type=submit]')])
    await sessionsListed(verify)
    await shots.take(verify, 'signed-in-app')

    const { first, path } = await asker.arrived()
    await shots.take(asking, path === '/app' ? 'asking-tab-signed-in' : 'asking-tab-landed-on-login')
    t.equal(first, 200, 'the asking tab had the session cookie when it went to /app')
    t.equal(path, '/app', 'it ended on /app signed in')
    t.ok(await laptop.sessionCookie(), 'the browser has the session (from the other tab)')
    await asking.reload()
    t.equal(asking.url(), `${origin}/app`, 'a reload shows /app: the cookie came after the navigation')
  })

  flow('race-code', `slow session write (${SESSION_WRITE_MS} ms): the code typed on the asking page`, [], async ({ t, shots, laptop: newLaptop }) => {
    const email = 'race.code@example.com'
    const laptop = await newLaptop()
    const asking = await laptop.tab()
    await askForLink(t, asking, email, shots)
    const { code } = await mailTo(site.outbox, email)
    if (code === null) throw new Error('no code in the mail')
    await asking.fill('#code', code)
    await shots.take(asking, 'code-typed')
    const codeRequests: string[] = []
    asking.on('requestfinished', (r) => { if (r.url() === `${origin}/auth/code`) codeRequests.push('answered') })
    asking.on('requestfailed', (r) => { if (r.url() === `${origin}/auth/code`) codeRequests.push(`failed: ${r.failure()?.errorText ?? ''}`) })
    const arrival = watchArrival(asking, origin)
    await asking.click('#code-button')
    const { first, path } = await arrival.arrived()
    await new Promise((resolve) => setTimeout(resolve, SESSION_WRITE_MS + 200))
    await shots.take(asking, path === '/app' ? 'signed-in-app' : 'landed-on-login')
    t.equal(first, 200, 'the asking page had the session cookie when it went to /app')
    t.equal(path, '/app', 'it ended on /app signed in')
    t.same(codeRequests, ['answered'], 'POST /auth/code was answered, not aborted by the navigation')
    t.ok(await laptop.sessionCookie(), 'the browser has the session cookie')
    await asking.reload()
    t.equal(asking.url(), `${origin}/app`, 'a reload shows /app')
    await shots.take(asking, 'after-reload')
  })

  flow('race-control-cross-device', `slow session write (${SESSION_WRITE_MS} ms): cross-device approval (control, no race)`, [], async ({ t, shots, laptop: newLaptop, device }) => {
    const email = 'race.cross@example.com'
    const laptop = await newLaptop()
    const phone = await device({ ...devices['Pixel 7'] })
    const asking = await laptop.tab()
    const matchCode = await askForLink(t, asking, email, shots)
    const { link } = await mailTo(site.outbox, email)
    if (link === null) throw new Error('no link in the mail')
    const approve = await phone.tab()
    await approve.goto(link)
    await approve.fill('#code', matchCode)
    const asker = watchArrival(asking, origin)
    t.equal((await submit(approve, origin, '/auth/verify')).status(), 200, 'approved on the phone')
    await shots.take(approve, 'phone-approved')
    t.same(await asker.arrived(), { first: 200, path: '/app' }, 'the laptop got to /app signed in: its own poll set the cookie')
    await shots.take(asking, 'laptop-signed-in')
    t.equal(await phone.sessionCookie(), undefined, 'the phone has no session')
  })
})
