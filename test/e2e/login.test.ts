// End-to-end: the example app (login page `/`, dev outbox `/outbox`, signed-in page `/app`) and
// the plugin's own verify pages, in Debian's Chromium driven by playwright-core. Each browser
// context is one device with its own cookie jar. Every step is saved to
// test/e2e/screenshots/<flow>-<nn>-<step>.png (gitignored).
import t from 'tap'
import { devices, type Response } from 'playwright-core'
import {
  askForLink, checkVerifyHeaders, clickMailLink, e2eSuite, heading, mailLink, mailTo, sessionsListed, submit, watchArrival,
} from './harness.js'

await e2eSuite(t, {}, ({ flow, site }) => {
  const { origin } = site

  flow('same-device', 'same device: ask, open the link from the outbox in another tab, sign in; the asking tab follows', [], async ({ t, shots, laptop: newLaptop }) => {
    const email = 'same.device@example.com'
    const laptop = await newLaptop()
    const asking = await laptop.tab()
    const matchCode = await askForLink(t, asking, email, shots)

    const outbox = await laptop.tab()
    await outbox.goto('/outbox')
    t.equal(await heading(outbox), 'Outbox')
    await shots.take(outbox, 'outbox')
    const { page: verify, response } = await clickMailLink(laptop, outbox, email)
    t.equal(response.status(), 200, 'GET /auth/verify: 200')
    await checkVerifyHeaders(t, response)
    t.equal(await heading(verify), 'Sign in to Acme Notes', 'the browser that asked gets the one-button page, with the brand name')
    const text = await verify.locator('main').innerText()
    t.match(text, `You’re signing in to Acme Notes as ${email}.`)
    t.notMatch(text, matchCode, 'and is asked no code')
    t.equal(await verify.locator('input:not([type=hidden])').count(), 0, 'no field to fill')
    await shots.take(verify, 'verify-sign-in-button')

    const asker = watchArrival(asking, origin)
    await Promise.all([verify.waitForURL(`${origin}/app`), verify.click('button[type=submit]')])
    await sessionsListed(verify)
    t.match(await verify.locator('main').innerText(), new RegExp(`You’re signed in\\s+as ${email.replace(/\./g, '\\.')}`))
    t.match(await verify.locator('#sessions').innerText(), /Chrome on Linux\s*This device/, 'the sessions list names this device')
    await shots.take(verify, 'signed-in-app')

    // The asking tab's long-poll is answered "approved": it goes to /app by itself.
    const { first, path } = await asker.arrived()
    t.pass('the asking tab noticed the sign-in and went to /app by itself')
    if (first !== 200) t.comment(`the asking tab's GET /app answered ${first}: it had no session cookie yet (the plugin race)`)
    t.equal(path, '/app', 'and ended there signed in')
    if (path !== '/app') {
      await shots.take(asking, 'asking-tab-race-landed-on-login')
      await asking.reload()
      await sessionsListed(asking)
    }
    t.equal(asking.url(), `${origin}/app`)
    await shots.take(asking, 'asking-tab-signed-in')
    t.ok(await laptop.sessionCookie(), 'the laptop holds the session cookie')
    t.same((await laptop.context.cookies(origin)).filter((c) => c.name === 'mlflow'), [], 'the binding cookie is cleared')
  })

  flow('cross-device', 'cross device: the laptop asks, the phone approves with the screen code, the laptop signs in', ['400 /auth/verify'], async ({ t, shots, laptop: newLaptop, device }) => {
    const email = 'cross.device@example.com'
    const laptop = await newLaptop()
    const phone = await device({ ...devices['Pixel 7'] })
    const asking = await laptop.tab()
    const matchCode = await askForLink(t, asking, email, shots)

    // The laptop reads the link in the outbox; the phone opens it, as from its mail app.
    const outbox = await laptop.tab()
    await outbox.goto('/outbox')
    await shots.take(outbox, 'outbox')
    const link = await mailLink(outbox, email)
    t.equal(link, (await mailTo(site.outbox, email)).link, 'the outbox page shows the mailed link')
    await outbox.close()

    const approve = await phone.tab()
    const response = await approve.goto(link) as Response
    t.equal(response.status(), 200, 'GET /auth/verify on the phone: 200')
    await checkVerifyHeaders(t, response)
    t.equal(await heading(approve), 'Sign in on your other device?')
    const text = await approve.locator('main').innerText()
    t.match(text, 'Someone asked to sign in to Acme Notes just now from Chrome on Linux.', "the app, the requester's device and when")
    t.match(await approve.locator('main time').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'the time, machine-readable')
    t.match(text, 'Didn’t ask for this? Do nothing. No one gets in without the code shown on the screen that asked.')
    t.notMatch(text, email, 'the other device is not told the address')
    await shots.take(approve, 'phone-asks-for-code')

    // A wrong code first: refused, attempts counted, nothing approved.
    await approve.fill('#code', matchCode === 'BBB-BBB' ? 'CCC-CCC' : 'BBB-BBB')
    const refused = await submit(approve, origin, '/auth/verify')
    t.equal(refused.status(), 400, 'wrong code: 400')
    t.equal(await heading(approve), 'Sign in on your other device?', 'the same page again')
    t.equal(await approve.locator('.error').innerText(), 'That code isn’t right. You have 4 tries left.')
    await shots.take(approve, 'phone-wrong-code')
    t.match(await asking.locator('#status').innerText(), 'Waiting for the link to be opened', 'the laptop still waits')

    await approve.fill('#code', matchCode)
    await shots.take(approve, 'phone-code-typed')
    const asker = watchArrival(asking, origin)
    const t0 = Date.now()
    const ok = await submit(approve, origin, '/auth/verify')
    t.equal(ok.status(), 200, 'the code from the laptop: 200')
    t.equal(await heading(approve), 'Approved. Go back to your other device')
    t.match(await approve.locator('main').innerText(), 'The sign-in from Chrome on Linux is approved.')
    t.match(await approve.locator('main').innerText(), 'You’re not signed in on this device.')
    await shots.take(approve, 'phone-return-to-other-device')

    // The laptop's long-poll is woken by the approval: it signs in without a click.
    t.same(await asker.arrived(), { first: 200, path: '/app' }, 'the laptop went to /app signed in, by itself')
    const ms = Date.now() - t0
    // Under 4.5 s: still sooner than the 5 s poll interval would allow (3.3 s seen on a loaded machine).
    t.ok(ms < 4500, `within ${ms} ms of the approval (long-poll, not the 5 s poll interval)`)
    t.match(await asking.locator('main').innerText(), `as ${email}`)
    await shots.take(asking, 'laptop-signed-in')

    t.ok(await laptop.sessionCookie(), 'the laptop has the session cookie')
    const phoneCookies = await phone.context.cookies()
    t.same(phoneCookies.filter((c) => c.name === 'sid'), [], 'the phone has no session cookie')
    t.same(phoneCookies.map((c) => c.name), [], 'nor any other cookie of the app')
    t.equal((await phone.context.request.get('/auth/session')).status(), 401, 'GET /auth/session on the phone: 401')
    const notice = await mailTo(site.outbox, email, { notice: true })
    t.match(notice.text, 'Chrome on Linux', 'a "new sign-in" notice mail names the device that got the session')
  })

  flow('scanner', 'a scanner GETs and HEADs the link 10x before the click: nothing changes, the user signs in', [], async ({ t, shots, laptop: newLaptop }) => {
    const email = 'scanned@example.com'
    const laptop = await newLaptop()
    const asking = await laptop.tab()
    await askForLink(t, asking, email, shots)
    const { link } = await mailTo(site.outbox, email)
    if (link === null) throw new Error('no link in the mail')
    const mailsBefore = site.outbox.mails.length

    const scanner = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36'
    const seen: string[] = []
    for (let i = 1; i <= 10; i++) {
      for (const method of ['GET', 'HEAD'] as const) {
        const res = await fetch(link, { method, redirect: 'manual', headers: { 'user-agent': scanner } })
        const body = await res.text()
        seen.push(`${method} ${res.status} ${res.headers.get('set-cookie') ?? 'no-cookie'} ${method === 'GET' ? /<h1>([^<]*)<\/h1>/.exec(body)?.[1] ?? '?' : body.length}`)
      }
    }
    t.same(new Set(seen), new Set(['GET 200 no-cookie Sign in on your other device?', 'HEAD 200 no-cookie 0']),
      '10 GETs and 10 HEADs without cookies: 200, no cookie set, the code page (a cookie-less GET is "another device")')
    t.equal(site.outbox.mails.length, mailsBefore, 'the scans sent no mail')
    t.equal(await laptop.sessionCookie(), undefined, 'no session yet')
    t.match(await asking.locator('#status').innerText(), 'Waiting for the link to be opened', 'the asking page still waits')
    await shots.take(asking, 'still-waiting-after-scans')

    const outbox = await laptop.tab()
    await outbox.goto('/outbox')
    await shots.take(outbox, 'outbox')
    const { page: verify, response } = await clickMailLink(laptop, outbox, email)
    t.equal(response.status(), 200)
    t.equal(await heading(verify), 'Sign in to Acme Notes', 'the link still works after the scans')
    await shots.take(verify, 'verify-sign-in-button')
    const asker = watchArrival(asking, origin)
    await Promise.all([verify.waitForURL(`${origin}/app`), verify.click('button[type=submit]')])
    await sessionsListed(verify)
    t.match(await verify.locator('main').innerText(), `as ${email}`)
    await shots.take(verify, 'signed-in-app')
    const { first, path } = await asker.arrived()
    if (first !== 200) t.comment(`the asking tab's GET /app answered ${first}: it had no session cookie yet (the plugin race)`)
    t.equal(path, '/app', 'the asking tab followed, and ended signed in')
    if (path !== '/app') {
      await shots.take(asking, 'asking-tab-race-landed-on-login')
      await asking.reload()
      await sessionsListed(asking)
    }
    await shots.take(asking, 'asking-tab-signed-in')
  })

  flow('used-link', 'the used-link page: 409, "Sign that session out" needs the typed address', ['409 /auth/verify', '400 /auth/revoke'], async ({ t, shots, laptop: newLaptop }) => {
    const email = 'used.link@example.com'
    const laptop = await newLaptop()
    const asking = await laptop.tab()
    await askForLink(t, asking, email, shots)
    const { link } = await mailTo(site.outbox, email)
    if (link === null) throw new Error('no link in the mail')
    const signedIn = await laptop.tab()
    await signedIn.goto(link)
    await Promise.all([signedIn.waitForURL(`${origin}/app`), signedIn.click('button[type=submit]')])
    await sessionsListed(signedIn)
    await shots.take(signedIn, 'signed-in-app')
    await asking.close()

    // The same link, opened again elsewhere.
    const other = await newLaptop()
    const page = await other.tab()
    const revokes: string[] = []
    page.on('request', (r) => { if (r.url() === `${origin}/auth/revoke`) revokes.push(r.method()) })
    const response = await page.goto(link) as Response
    t.equal(response.status(), 409, 'a used link: 409')
    await checkVerifyHeaders(t, response)
    t.equal(await heading(page), 'This link was already used')
    const text = await page.locator('main').innerText()
    t.match(text, 'It was opened just now, in Chrome on Linux.', 'when, and from what')
    t.match(await page.locator('main time').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'the time, machine-readable')
    t.match(text, 'Not you? Sign that session out.')
    t.equal(await page.locator('#email').getAttribute('required'), '', 'the address field is required')
    await shots.take(page, 'used-page')

    // Empty: the browser's own `required` check stops the form; nothing is sent.
    await page.click('button[type=submit]')
    t.equal(await page.locator('#email').evaluate((el) => (el as HTMLInputElement).validity.valueMissing), true, 'the field reports valueMissing')
    t.not(await page.locator('#email').evaluate((el) => (el as HTMLInputElement).validationMessage), '', 'and the browser has a message for it')
    await page.waitForTimeout(500) // the browser's "fill out this field" bubble fades in
    t.equal(page.url(), link, 'still on the used page')
    t.same(revokes, [], 'no POST /auth/revoke was sent')
    await shots.take(page, 'empty-submit-blocked')

    // The check bypassed (form.submit() does not validate): 400, and nothing is revoked.
    const [empty] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${origin}/auth/revoke`),
      page.evaluate(() => { document.querySelector('form')?.submit() }),
    ])
    t.equal(empty.status(), 400, 'an empty address posted anyway: 400')
    await page.waitForLoadState('load')
    t.equal(await heading(page), 'This link was already used', 'the used page again')
    t.equal(await page.locator('.error').innerText(), 'That doesn’t look like an email address. Check it and try again.', 'the plugin names the empty address as malformed')
    await shots.take(page, 'empty-address-posted-400')
    t.equal((await laptop.context.request.get('/auth/session')).status(), 200, 'the session still works')
    await signedIn.goto('/app')
    t.equal(signedIn.url(), `${origin}/app`, '/app still opens on the laptop')

    await page.fill('#email', email)
    await shots.take(page, 'address-typed')
    const revoked = await submit(page, origin, '/auth/revoke')
    t.equal(revoked.status(), 200, 'the right address: 200')
    t.equal(await heading(page), 'That session is signed out')
    await shots.take(page, 'session-signed-out')
    t.same(revokes, ['POST', 'POST'], 'two posts in all: the forced empty one and the typed one')

    const back = await signedIn.goto('/app') as Response
    t.equal(signedIn.url(), `${origin}/`, "the laptop's /app now sends it to the sign-in page")
    t.equal(back.status(), 200)
    t.equal(await heading(signedIn), 'Sign in')
    t.equal((await laptop.context.request.get('/auth/session')).status(), 401, 'GET /auth/session: 401')
    await shots.take(signedIn, 'laptop-signed-out')
  })

  flow('code', 'the 6-digit code from the mail, typed on the asking page, signs in', ['400 /auth/code'], async ({ t, shots, laptop: newLaptop }) => {
    const email = 'code.path@example.com'
    const laptop = await newLaptop()
    const asking = await laptop.tab()

    // The address field first: the browser's own check, before anything is sent.
    await asking.goto('/')
    await asking.click('#ask-button')
    t.equal(await asking.locator('#ask-error').innerText(), 'Type your email address.', 'an empty field asks for the address')
    await asking.fill('#email', 'code.path@')
    await asking.click('#ask-button')
    t.equal(await asking.locator('#ask-error').innerText(), 'That doesn’t look like an email address. Check it and try again.', 'a malformed one says it is not an email address')
    await shots.take(asking, 'malformed-address')

    await askForLink(t, asking, email, shots)

    const outbox = await laptop.tab()
    await outbox.goto('/outbox')
    const code = (await outbox.locator('li.mail', { hasText: `To ${email}` }).first().locator('.code').innerText()).trim()
    t.match(code, /^\d{6}$/, 'the mail has a 6-digit code')
    t.equal(code, (await mailTo(site.outbox, email)).code)
    await shots.take(outbox, 'outbox-code')
    await outbox.close()

    await asking.fill('#code', code === '000000' ? '111111' : '000000')
    const [refused] = await Promise.all([asking.waitForResponse((r) => r.url() === `${origin}/auth/code`), asking.click('#code-button')])
    t.equal(refused.status(), 400, 'a wrong code: 400')
    await asking.locator('#code-error').waitFor()
    t.equal(await asking.locator('#code-error').innerText(), 'That code isn’t right. You have 4 tries left.', 'said as the other-device page says it, with the tries left')
    t.match(await asking.locator('#status').innerText(), 'Waiting for the link to be opened', 'still waiting')
    await shots.take(asking, 'wrong-code')

    await asking.fill('#code', code)
    await shots.take(asking, 'code-typed')
    const codeAnswers: number[] = []
    asking.on('response', (r) => { if (r.url() === `${origin}/auth/code`) codeAnswers.push(r.status()) })
    const arrival = watchArrival(asking, origin)
    await asking.click('#code-button')
    const { first, path } = await arrival.arrived()
    if (first !== 200) t.comment(`the asking page's GET /app answered ${first}: it had no session cookie yet (the plugin race)`)
    t.equal(path, '/app', 'the asking page went to /app signed in')
    t.same(codeAnswers, [200], 'POST /auth/code: 200, received')
    if (path === '/app') {
      t.match(await asking.locator('main').innerText(), `as ${email}`)
      await shots.take(asking, 'signed-in-app')
    } else {
      await shots.take(asking, 'race-landed-on-login')
    }
    t.ok(await laptop.sessionCookie(), 'the asking browser has the session cookie')
  })
})
