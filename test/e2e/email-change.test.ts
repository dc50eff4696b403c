// End-to-end: "Change your email address" on the example's signed-in page (`users.changeEmail`
// in examples/lib/users.ts, so the plugin registers `POST /auth/email`; the page calls the
// browser client's `changeEmail()`). The plugin runs on a clock the test moves (`now`), so no
// flow sleeps for the freshness window or the mail interval.
//
// - link: two sessions of one user (two browser contexts); the change is confirmed by the
//   link of the mail to the new address, opened from the dev outbox in the browser that asked
//   (the plugin's same-browser page, "Sign in"). Both tabs then show the new address, the
//   other session gets 401, and the old address gets a notice without a sign-in link.
// - code: the mail's 6-digit code typed on the page (after a wrong one).
// - taken: an address that already has an account. The page and the HTTP answer are the same;
//   that address gets the "already has an account" mail, and nothing changes.
// - stale: a sign-in older than `emailChange.maxAge` (10 minutes): "Confirm it's you" first
//   (the mail code of the reauth), then the change goes on by itself.
// - ar: the same page right to left, on a desktop and a phone.
//
// Screenshots (desktop and phone, light and dark; Arabic) of the form and of "Check your new
// mailbox" go to test/e2e/screenshots/email-change-*.png (gitignored).
import t from 'tap'
import type { Test } from 'tap'
import type { Page, Response } from 'playwright-core'
import { en } from '../../src/i18n/en.js'
import { ar as arPlugin } from '../../src/i18n/ar.js'
import { Translator } from '../../src/i18n/index.js'
import { BRAND } from '../../examples/lib/html.js'
import { catalogs, textsOf, type Locale } from '../../examples/lib/messages.js'
import {
  signInWithCode, clickMailLink, desktopUserAgent, e2eSuite, findMail, heading, nextMailTo, sessionsListed, settled, TestClock,
  type Device, type Shots, type Site,
} from './harness.js'

const MINUTE = 60_000
const clock = new TestClock()
const EN = new Translator('en', en)
const AR = new Translator('ar', arPlugin)
const APP = { app: BRAND.name }

/** `POST /auth/email` answers as `POST /auth/request` does, for a free address and a taken one alike. */
const ANSWER_KEYS = ['expiresIn', 'interval', 'matchCode', 'status']

/** `GET /auth/session` as one browser sees it; null on 401. */
interface SessionView { id: string, authTime: number, method: string, email: string }

async function sessionOf (d: Device): Promise<SessionView | null> {
  const res = await d.context.request.get('/auth/session')
  if (res.status() === 401) return null
  if (res.status() !== 200) throw new Error(`GET /auth/session: ${res.status()}`)
  const { session } = await res.json() as { session: { id: string, authTime: number, method: string, data: { email: string } } }
  return { id: session.id, authTime: session.authTime, method: session.method, email: session.data.email }
}

async function liveSession (d: Device): Promise<SessionView> {
  const s = await sessionOf(d)
  if (s === null) throw new Error('GET /auth/session: 401')
  return s
}


/** The address /app says the person is signed in as. */
async function shownAddress (page: Page): Promise<string> {
  return await page.locator('#current-email').innerText()
}

/** Waits until /app shows `address` as the signed-in one (after the page reloaded itself). */
async function showsAddress (page: Page, address: string): Promise<void> {
  const exact = new RegExp(`^${address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
  await page.locator('#current-email').filter({ hasText: exact }).waitFor()
  await sessionsListed(page)
}

/** "Check your new mailbox" for `address`, with `matchCode`, waiting, the code field focused. */
async function checkWaiting (t: Test, page: Page, address: string, matchCode: string, L: Locale = 'en'): Promise<void> {
  const ex = catalogs[L]
  await page.locator('#email-wait').waitFor()
  await page.locator('#email-match:not(:empty)').waitFor()
  t.equal(await page.locator('#email-wait h3').innerText(), ex['email.waitHeading'], `the page says "${ex['email.waitHeading']}"`)
  t.equal(await page.locator('#email-sent-to').innerText(), address, 'with the new address')
  t.equal(await page.locator('#email-match').innerText(), matchCode, 'the match code of the answer, for another device')
  t.match(matchCode, /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/)
  t.equal(await page.locator('#email-status').innerText(), ex['wait.waiting'], 'waiting for the link')
  t.equal(await page.locator('#email-code-button').innerText(), ex['email.codeButton'], 'the mail-code field, with its own button')
  t.equal(await page.evaluate(() => document.activeElement?.id), 'email-code', 'the code field has the focus')
  t.equal(await page.locator('#email-button').isDisabled(), true, 'the form waits')
}

/**
 * Types `address` in "Change your email address" and asks: `POST /auth/email` answers 202 with
 * the fields of `POST /auth/request`, and "Check your new mailbox" shows. Returns the match code.
 */
async function askChange (t: Test, site: Site, page: Page, address: string, L: Locale = 'en'): Promise<string> {
  await page.fill('#new-email', address)
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${site.origin}/auth/email` && r.request().method() === 'POST'),
    page.click('#email-button'),
  ])
  t.equal(res.status(), 202, 'POST /auth/email: 202')
  const body = await res.json() as { status: string, matchCode: string }
  t.same(Object.keys(body).sort(), ANSWER_KEYS, 'the fields of POST /auth/request\'s answer, nothing more')
  t.equal(body.status, 'pending')
  await checkWaiting(t, page, address, body.matchCode, L)
  return body.matchCode
}

/** The notice to the old address after a change: found by its recipient, no sign-in link in it. */
async function checkNotice (t: Test, site: Site, oldAddress: string, newAddress: string): Promise<void> {
  const notice = await findMail(site.outbox, `mail without a link to ${oldAddress}`, (m) => m.to === oldAddress && m.link === null)
  t.equal(notice.subject, EN.text('mail.changed.subject', APP), `the old address gets "${notice.subject}"`)
  t.notMatch(notice.text, /\/auth\/verify/, 'with no link to /auth/verify')
  t.notMatch(notice.text, /token=/, 'nor any token')
  t.equal(notice.code, null, 'nor a code')
  t.match(notice.text, `\n${site.origin}/\n`, 'it links to accountUrl (the example\'s default: loginUrl)')
  t.notMatch(notice.text, newAddress, 'the new address only masked')
}

await e2eSuite(t, {
  now: clock.now,
  // The flows of this file start 15 flows (sign-ins, changes, a reauth) from 127.0.0.1 within
  // seconds; the per-IP limit (10 per 15 minutes, counted in real time) is not what they test.
  // The per-address limits stay: the "already has an account" mail obeys them.
  rateLimit: { ipMax: 50 },
}, ({ flow, site, browser }) => {
  const { origin } = site

  flow('email-change-link', 'change the address, confirmed by the link in this browser: the other session ends, the old address is told', [], async ({ t, shots, laptop: newLaptop }) => {
    const oldAddress = 'change.link@example.com'
    const newAddress = 'moved.link@example.org'
    const laptop = await newLaptop()
    const other = await newLaptop()
    const app = await signInWithCode(t, site, laptop, oldAddress, shots)
    // A second mail to the same address waits for the mail interval (60 s) of the test clock.
    clock.advance(MINUTE + 1000)
    const otherApp = await signInWithCode(t, site, other, oldAddress, shots)
    const first = await liveSession(laptop)
    const second = await liveSession(other)
    t.not(second.id, first.id, 'two sessions of the same user, in two browser contexts')
    t.equal(first.email, oldAddress)
    await app.reload()
    await sessionsListed(app)
    t.equal(await app.locator('#sessions li').count(), 2, '/app lists both sessions')
    t.equal(await shownAddress(app), oldAddress, '/app shows the address signed in with')

    const ex = catalogs.en
    t.equal(await app.locator('#email-heading').innerText(), 'Change your email address')
    t.equal(await app.locator('#email > .muted').innerText(), textsOf('en')('email.intro', { duration: '10 minutes' }), 'the intro, with emailChange.maxAge')
    t.equal(await app.locator('label[for=new-email]').innerText(), ex['email.label'])
    t.equal(await app.locator('#email-button').innerText(), ex['email.button'])

    // The browser's checks before anything is sent.
    await app.click('#email-button')
    t.equal(await app.locator('#email-error').innerText(), ex['error.emailEmpty'], 'empty: asks for the address')
    await app.fill('#new-email', oldAddress.toUpperCase())
    await app.click('#email-button')
    t.equal(await app.locator('#email-error').innerText(), ex['email.same'], 'the address in use (any case): says so')
    await app.fill('#new-email', newAddress)
    t.equal(await app.locator('#email-error').isHidden(), true, 'typing again clears the message')
    await shots.variants(app, 'form')

    await askChange(t, site, app, newAddress)
    t.equal(await app.locator('#email-error').isHidden(), true, 'the earlier message is gone')
    t.equal(await app.locator('#reauth').isHidden(), true, 'a fresh session: no "Confirm it\'s you"')
    await shots.variants(app, 'check-new-mailbox')

    const mail = await nextMailTo(site.outbox, newAddress, undefined)
    t.equal(mail.subject, EN.text('mail.change.subject', APP), `the new address gets "${mail.subject}"`)
    t.ok(mail.link !== null && mail.code !== null, 'with a link and a code')
    t.equal(await shownAddress(app), oldAddress, 'nothing changed yet')
    t.not(await sessionOf(other), null, 'the other session still works')

    // The dev outbox shows the confirmation's link and code; its link, in this browser.
    const outbox = await laptop.tab()
    await outbox.goto('/outbox')
    const entry = outbox.locator(`li.mail[data-to="${newAddress}"]`).first()
    t.equal(await entry.locator('.code').innerText(), mail.code, 'the outbox shows the code')
    const { page: verify, response } = await clickMailLink(laptop, outbox, newAddress)
    t.equal(response.status(), 200, 'GET /auth/verify: 200')
    t.equal(await heading(verify), EN.text('sameBrowser.title', APP), 'the plugin\'s same-browser page')
    t.equal(await verify.locator('button[type=submit]').innerText(), EN.text('sameBrowser.button'), `with "${EN.text('sameBrowser.button')}"`)
    await shots.take(verify, 'same-browser-page')
    const [posted] = await Promise.all([
      verify.waitForResponse((r) => r.url() === `${origin}/auth/verify` && r.request().method() === 'POST'),
      verify.click('button[type=submit]'),
    ])
    t.equal(posted.status(), 303, 'POST /auth/verify: 303')
    await verify.waitForURL(`${origin}/app`)
    await showsAddress(verify, newAddress)
    t.pass('that tab lands on /app, which shows the new address')

    // The tab that asked hears it and reloads itself.
    await showsAddress(app, newAddress)
    t.pass('the asking tab reloaded itself and shows the new address')
    t.equal(await app.locator('#email-wait').isHidden(), true, '"Check your new mailbox" is gone')
    t.equal(await app.locator('#sessions li').count(), 1, 'one session left: this one')
    await shots.take(app, 'changed')

    const now = await liveSession(laptop)
    t.not(now.id, first.id, 'this browser: a new session id')
    t.equal(now.email, newAddress, 'whose claims carry the new address')
    t.equal(now.method, 'link', 'proved by the link')
    t.equal(now.authTime, clock.now(), 'now')
    t.equal(await sessionOf(other), null, 'the other context: GET /auth/session 401')
    const back = await otherApp.reload() as Response
    t.equal(new URL(back.url()).pathname, '/', 'and its /app sends it to the sign-in page')

    await checkNotice(t, site, oldAddress, newAddress)
    t.same(site.outbox.mails.filter((m) => m.to === newAddress).map((m) => m.subject), [mail.subject], 'the new address got the confirmation only')
  })

  flow('email-change-code', 'change the address, confirmed by the mail\'s code typed on the page', ['400 /auth/code'], async ({ t, shots, laptop: newLaptop }) => {
    const oldAddress = 'change.code@example.com'
    const newAddress = 'moved.code@example.org'
    const laptop = await newLaptop()
    const app = await signInWithCode(t, site, laptop, oldAddress, shots)
    const first = await liveSession(laptop)
    await askChange(t, site, app, newAddress)
    const { code } = await nextMailTo(site.outbox, newAddress, undefined)
    if (code === null) throw new Error('no code in the confirmation')

    await app.fill('#email-code', code === '000000' ? '111111' : '000000')
    const [refused] = await Promise.all([app.waitForResponse((r) => r.url() === `${origin}/auth/code`), app.click('#email-code-button')])
    t.equal(refused.status(), 400, 'a wrong code: 400')
    await app.locator('#email-code-error:visible').waitFor()
    t.equal(await app.locator('#email-code-error').innerText(), 'That code isn’t right. You have 4 tries left.', 'said as on the login page')
    t.equal(await shownAddress(app), oldAddress)
    await shots.take(app, 'wrong-code')

    await app.fill('#email-code', code)
    const [accepted] = await Promise.all([app.waitForResponse((r) => r.url() === `${origin}/auth/code`), app.click('#email-code-button')])
    t.equal(accepted.status(), 200, 'the code: 200')
    await showsAddress(app, newAddress)
    t.pass('the page reloaded itself and shows the new address')
    await shots.take(app, 'changed')
    const now = await liveSession(laptop)
    t.not(now.id, first.id, 'a new session id')
    t.same({ email: now.email, method: now.method, authTime: now.authTime }, { email: newAddress, method: 'code', authTime: clock.now() }, 'new address, proved by the code, now')
    await checkNotice(t, site, oldAddress, newAddress)
  })

  flow('email-change-taken', 'an address that already has an account: the same page and answer, an "already has an account" mail, nothing changes', [], async ({ t, shots, laptop: newLaptop }) => {
    const taken = 'already.there@example.com'
    const mine = 'change.taken@example.com'
    const owner = await newLaptop()
    await signInWithCode(t, site, owner, taken, shots)
    const theirs = await liveSession(owner)
    // Past the taken address's mail interval (60 s), so the refusal is mailed.
    clock.advance(2 * MINUTE)
    const laptop = await newLaptop()
    const app = await signInWithCode(t, site, laptop, mine, shots)
    const before = await liveSession(laptop)
    const mailsBefore = site.outbox.mails.length

    await askChange(t, site, app, taken)
    await shots.take(app, 'check-new-mailbox')
    const mail = await findMail(site.outbox, `mail without a link to ${taken}`, (m) => m.to === taken && m.link === null)
    t.equal(mail.subject, EN.text('mail.taken.subject', APP), `that address gets "${mail.subject}"`)
    t.match(mail.text, 'already has an account', 'saying it already has an account')
    t.notMatch(mail.text, /token=/, 'with no link')
    t.equal(mail.code, null, 'and no code')

    // A while later: still waiting (nothing can complete it), and nothing changed.
    await app.waitForTimeout(1500)
    t.equal(await app.locator('#email-status').innerText(), catalogs.en['wait.waiting'], 'after 1.5 s the page still waits')
    t.same(site.outbox.mails.slice(0, site.outbox.mails.length - mailsBefore).map((m) => m.to), [taken], 'the only mail: the one to that address')
    await app.reload()
    await sessionsListed(app)
    t.equal(await shownAddress(app), mine, 'reloaded: the page still shows my address')
    const mineNow = await liveSession(laptop)
    t.same({ id: mineNow.id, email: mineNow.email }, { id: before.id, email: mine }, 'my session and its address are as they were')
    const theirsNow = await liveSession(owner)
    t.same({ id: theirsNow.id, email: theirsNow.email }, { id: theirs.id, email: taken }, 'the other account\'s session too')
  })

  flow('email-change-stale', 'a sign-in 11 minutes old: "Confirm it\'s you" (the reauth mail\'s code), then the change goes on', ['401 /auth/email'], async ({ t, shots, laptop: newLaptop }) => {
    const oldAddress = 'change.stale@example.com'
    const newAddress = 'moved.stale@example.org'
    const laptop = await newLaptop()
    const app = await signInWithCode(t, site, laptop, oldAddress, shots)
    const first = await liveSession(laptop)
    clock.advance(11 * MINUTE)
    const previous = site.outbox.mails.find((m) => m.to === oldAddress && m.link !== null)

    await app.fill('#new-email', newAddress)
    const [refused] = await Promise.all([
      app.waitForResponse((r) => r.url() === `${origin}/auth/email`),
      app.click('#email-button'),
    ])
    t.equal(refused.status(), 401, 'POST /auth/email with an 11-minute-old sign-in: 401')
    t.match(await refused.json(), { code: 'FST_MAGIC_LINK_REAUTH_REQUIRED', maxAge: 600 }, 'FST_MAGIC_LINK_REAUTH_REQUIRED, maxAge 600 s')
    await app.locator('#reauth').waitFor()
    await app.locator('#match:not(:empty)').waitFor()
    t.equal(await app.locator('#email #reauth').count(), 1, '"Confirm it\'s you" shows in the address section')
    t.ok(await app.evaluate(() => {
      const form = document.getElementById('email-form')
      const panel = document.getElementById('reauth')
      return form !== null && panel !== null && form.compareDocumentPosition(panel) === Node.DOCUMENT_POSITION_FOLLOWING
    }), 'below its form')
    t.equal(await app.locator('#reauth h3').innerText(), 'Confirm it’s you')
    t.equal(await app.locator('#reauth-why').innerText(), 'For your security, changing your email address needs a sign-in within the last 10 minutes.', 'and says why')
    t.equal(await app.locator('#reauth #sent-to').innerText(), oldAddress, 'the reauth mail goes to the address in use')
    t.equal(await app.evaluate(() => document.activeElement?.id), 'code', 'the code field has the focus')
    t.equal(await app.locator('#email-button').isDisabled(), true, 'the form waits')
    t.equal(await app.locator('#email-wait').isHidden(), true, 'no "Check your new mailbox" yet')
    t.equal(site.outbox.mails.some((m) => m.to === newAddress), false, 'nothing mailed to the new address yet')
    await shots.variants(app, 'confirm')

    const { code } = await nextMailTo(site.outbox, oldAddress, previous)
    if (code === null) throw new Error('no code in the reauth mail')
    await app.fill('#code', code)
    const [asked] = await Promise.all([
      app.waitForResponse((r) => r.url() === `${origin}/auth/email` && r.status() !== 401),
      app.click('#code-button'),
    ])
    t.equal(asked.status(), 202, 'confirmed: the page asks again by itself, 202')
    const body = await asked.json() as { matchCode: string }
    await checkWaiting(t, app, newAddress, body.matchCode)
    t.equal(await app.locator('#reauth').isHidden(), true, '"Confirm it\'s you" is gone')
    const fresh = await liveSession(laptop)
    t.not(fresh.id, first.id, 'the reauth replaced the session')
    t.same({ method: fresh.method, authTime: fresh.authTime, email: fresh.email }, { method: 'code', authTime: clock.now(), email: oldAddress }, 'proved now, by the code, still the old address')
    t.ok((await laptop.context.cookies(origin)).some((c) => c.name === 'mlflow'), 'the change\'s binding cookie is there (the reauth\'s poll did not clear it)')
    await shots.take(app, 'check-new-mailbox')

    const mail = await nextMailTo(site.outbox, newAddress, undefined)
    if (mail.code === null) throw new Error('no code in the confirmation')
    await app.fill('#email-code', mail.code)
    await app.click('#email-code-button')
    await showsAddress(app, newAddress)
    t.pass('the change\'s code: the page shows the new address')
    const now = await liveSession(laptop)
    t.not(now.id, fresh.id, 'a new session again')
    t.equal(now.email, newAddress)
    await checkNotice(t, site, oldAddress, newAddress)
  })

  flow('email-change-ar', 'in Arabic: the form and "Check your new mailbox" right to left, on a desktop and a phone', [], async ({ t, shots, device }) => {
    const oldAddress = 'change.ar@example.com'
    const newAddress = 'moved.to.a.rather.long.address.ar@mail.example.org'
    const ex = catalogs.ar
    const laptop = await device({ userAgent: desktopUserAgent(browser), locale: 'ar' })
    const app = await signInWithCode(t, site, laptop, oldAddress, shots, 'ar')
    t.equal(await app.locator('#email-heading').innerText(), ex['email.heading'])
    t.equal(await app.locator('#email-button').innerText(), ex['email.button'])
    await app.fill('#new-email', newAddress)
    const order = async (): Promise<{ inputLeft: number, buttonRight: number, sameRow: boolean }> => {
      const input = await app.locator('#new-email').boundingBox()
      const button = await app.locator('#email-button').boundingBox()
      if (input === null || button === null) throw new Error('the form is not shown')
      return { inputLeft: input.x, buttonRight: button.x + button.width, sameRow: Math.abs(input.y - button.y) < 4 }
    }
    const desktop = await order()
    t.ok(desktop.sameRow && desktop.buttonRight <= desktop.inputLeft, 'desktop, rtl: the button on the left of the field, in the same row')
    t.equal(await app.locator('#new-email').evaluate((el) => getComputedStyle(el).textAlign), 'end', 'the address (ltr) is aligned to the end of the field')
    await shots.take(app, 'form-desktop')
    await app.setViewportSize({ width: 390, height: 844 })
    await settled(app)
    t.ok(await app.evaluate(() => document.documentElement.scrollWidth <= innerWidth), '390 px: nothing wider than the screen')
    await shots.take(app, 'form-phone')

    await askChange(t, site, app, newAddress, 'ar')
    t.ok(await app.evaluate(() => document.documentElement.scrollWidth <= innerWidth), '390 px, waiting: nothing wider than the screen')
    const side = await app.locator('#email-wait').evaluate((el) => {
      const s = getComputedStyle(el)
      return { direction: s.direction, left: s.borderLeftWidth, right: s.borderRightWidth }
    })
    t.same(side, { direction: 'rtl', left: '1px', right: '4px' }, 'the panel\'s stripe is on the start side: the right')
    await shots.take(app, 'check-new-mailbox-phone')
    await app.setViewportSize({ width: 1280, height: 800 })
    await settled(app)
    await shots.take(app, 'check-new-mailbox-desktop')

    const mail = await nextMailTo(site.outbox, newAddress, undefined)
    t.equal(mail.locale, 'ar', 'the confirmation is written in Arabic')
    t.equal(mail.subject, AR.text('mail.change.subject', APP))
    if (mail.code === null) throw new Error('no code in the confirmation')
    await app.fill('#email-code', mail.code)
    await app.click('#email-code-button')
    await showsAddress(app, newAddress)
    t.pass('the page shows the new address')
    const notice = await findMail(site.outbox, `mail without a link to ${oldAddress}`, (m) => m.to === oldAddress && m.link === null)
    t.equal(notice.subject, AR.text('mail.changed.subject', APP), 'the old address is told in Arabic too')
  })
})
