// End-to-end: the app's OWN verify page (`linkUrl: '/login/verify'`, examples/own-page.ts) in
// Debian's Chromium driven by playwright-core. The mail links to /login/verify#token=…; the page
// reads the fragment, asks POST /auth/link and posts /auth/verify or /auth/resend on a click only.
//
// (a) same device, (b) cross device with the match code, (c) a scanner that runs the page's script
// and clicks nothing, (d) an expired link and "Send a new link"; and the other states (used,
// replaced, stopped, unknown, invitation) for the screenshots. Every request URL (and Referer)
// the app receives is recorded: no link token may be among them.
//
// Screenshots of each state, light and dark, desktop (1280x800) and phone (390x844):
// test/e2e/screenshots/own-page-<state>-<scheme>-<viewport>.png (gitignored), copied to /tmp/shots-b/.
import t, { type Test } from 'tap'
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import type { Browser, Page, Response } from 'playwright-core'
import { devices } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { desktopUserAgent, launchBrowser, mailTo, newDevice, SHOTS_DIR, whyNoBrowser, type Device } from './harness.js'
import { freePort } from '../helpers/ports.js'
import { createOwnPageApp, OWN_CSP, VERIFY_PATH } from '../../examples/own-page.js'
import { DevOutbox } from '../../examples/lib/outbox.js'

// Many real-browser flows in one file (76 s on a quiet machine): room for a loaded one beyond
// tap's default of 120 s per file.
t.setTimeout(300_000)

const COPY_DIR = '/tmp/shots-b/'
const SCANNER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36'
const PHONE_UA = devices['Pixel 7'].userAgent

/**
 * The error statuses Chromium may log: the ones these flows provoke on purpose (no session yet,
 * wrong codes and a used link, the asking pages' polls of a stopped (403) and of an expired or
 * replaced (410) sign-in, and a 503 the test fakes).
 */
const EXPECTED_HTTP_ERRORS = new Set(['401 /auth/session', '400 /auth/verify', '403 /auth/poll', '410 /auth/poll', '503 /auth/link'])

interface Running {
  app: FastifyInstance
  origin: string
  outbox: DevOutbox
  /** Every request the app received: URL (path and query; a fragment is never sent) and Referer. */
  seen: Array<{ method: string, url: string, referer: string }>
  /** Moves the plugin's clock. */
  advance (ms: number): void
}

async function start (): Promise<Running> {
  let skew = 0
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const origin = `http://localhost:${port}`
    const outbox = new DevOutbox()
    const seen: Running['seen'] = []
    const app = await createOwnPageApp({
      origin,
      secret: randomBytes(32).toString('base64url'),
      outbox,
      canonicalHost: true,
      logger: false,
      magicLink: {
        now: () => Date.now() + skew,
        // Every device of this test is 127.0.0.1: the per-IP limits would count them as one.
        rateLimit: { ipMax: 100, verifyPerMinute: 300 },
      },
    })
    app.addHook('onRequest', async (request) => {
      seen.push({ method: request.method, url: request.url, referer: request.headers.referer ?? '' })
    })
    try {
      await app.listen({ port, host: 'localhost' })
      return { app, origin, outbox, seen, advance: (ms) => { skew += ms } }
    } catch (error) {
      await app.close()
      if (attempt >= 5 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
}

const tokenOf = (link: string): string => new URL(link).hash.replace(/^#token=/, '')

/** The section the page shows (`body[data-view]`), once it shows `view`. */
async function shows (page: Page, view: string): Promise<void> {
  await page.locator(`section[data-state="${view}"]`).waitFor({ state: 'visible' })
}

async function heading (page: Page): Promise<string> {
  return (await page.locator('section:not([hidden]) h1').innerText()).trim()
}

/** `POST /auth/link` from the page itself (its cookies, its origin), as the page's script does. */
async function inspectFrom (page: Page, token: string): Promise<Record<string, unknown>> {
  return await page.evaluate(async (token) => {
    const res = await fetch('/auth/link', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })
    return await res.json() as Record<string, unknown>
  }, token)
}

async function sessionStatus (page: Page): Promise<number> {
  return await page.evaluate(async () => (await fetch('/auth/session')).status)
}

/** The screenshots of the own page: each state in light and dark, desktop and phone. */
class Shots {
  readonly files: string[] = []

  async reset (): Promise<void> {
    await mkdir(SHOTS_DIR, { recursive: true })
    await mkdir(COPY_DIR, { recursive: true })
    for (const dir of [SHOTS_DIR, COPY_DIR]) {
      for (const name of await readdir(dir)) if (name.startsWith('own-page-') && name.endsWith('.png')) await rm(dir + name)
    }
  }

  async take (page: Page, state: string): Promise<void> {
    const before = page.viewportSize()
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const [name, size] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]] as const) {
        await page.setViewportSize(size)
        const file = `own-page-${state}-${scheme}-${name}.png`
        await page.screenshot({ path: SHOTS_DIR + file, fullPage: true, animations: 'disabled', caret: 'hide' })
        await copyFile(SHOTS_DIR + file, COPY_DIR + file)
        this.files.push(file)
      }
    }
    await page.emulateMedia({ colorScheme: 'light' })
    if (before !== null) await page.setViewportSize(before)
  }
}

/** The sign-in page: ask for a link for `email`; the match code it shows. */
async function ask (t: Test, page: Page, email: string): Promise<string> {
  await page.goto('/')
  t.equal(await page.locator('#ask h1').innerText(), 'Sign in to Kestrel', 'the sign-in page')
  await page.fill('#email', email)
  await page.click('#ask-button')
  await page.locator('#wait').waitFor({ state: 'visible' })
  const matchCode = await page.locator('#match').innerText()
  t.match(matchCode, /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/, 'the match code shown on the asking page')
  return matchCode
}

/** A newer mail to `email` than the `count` there were, waiting up to 5 s. */
async function nextMail (outbox: DevOutbox, email: string, count: number): Promise<string> {
  const deadline = Date.now() + 5000
  for (;;) {
    const mails = outbox.mails.filter((m) => m.to === email && m.link !== null)
    if (mails.length > count) return mails[0]?.link as string
    if (Date.now() > deadline) throw new Error(`no new mail to ${email}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const linkOf = async (outbox: DevOutbox, email: string): Promise<string> => (await mailTo(outbox, email)).link as string

async function main (): Promise<void> {
  const skip = whyNoBrowser()
  if (skip !== null) {
    console.log(`# own-page e2e skipped: ${skip}`)
    t.skip(`own-page e2e: ${skip}`, () => {})
    return
  }
  const started = Date.now()
  const site = await start()
  const { origin, outbox } = site
  let browser: Browser | null = null
  const used: Device[] = []
  const shots = new Shots()
  await shots.reset()
  t.teardown(async () => {
    for (const d of used) await d.context.close().catch(() => {})
    await browser?.close()
    await site.app.close()
    t.comment(`own-page: ${shots.files.length} screenshots in ${SHOTS_DIR} and ${COPY_DIR}; ${Date.now() - started} ms in all`)
  })
  browser = await launchBrowser()
  const ua = desktopUserAgent(browser)
  const device = async (userAgent: string, locale = 'en-US'): Promise<Device> => {
    const d = await newDevice(browser as Browser, origin, { userAgent, locale, viewport: { width: 1280, height: 800 } })
    used.push(d)
    return d
  }

  await t.test('the page is the app\'s own, with its own CSP, in English or German', async (t) => {
    const en = await fetch(origin + VERIFY_PATH)
    t.equal(en.status, 200)
    t.equal(en.headers.get('content-security-policy'), OWN_CSP, 'the app\'s strict CSP')
    t.match(OWN_CSP, /script-src 'self';/)
    t.notMatch(OWN_CSP, /unsafe-inline|nonce-/, 'no inline script or style allowed')
    t.equal(en.headers.get('referrer-policy'), 'no-referrer')
    t.equal(en.headers.get('content-language'), 'en')
    const html = await en.text()
    t.notMatch(html, /<script(?![^>]*\bsrc=)/, 'no inline script')
    t.notMatch(html, /\sstyle=/, 'no inline style')
    t.match(html, '<script type="module" src="/own/js/verify.js">')
    const de = await fetch(origin + VERIFY_PATH, { headers: { 'accept-language': 'fr;q=0.9, de-CH, en;q=0.5' } })
    t.equal(de.headers.get('content-language'), 'de', 'Accept-Language picks German (de-CH → de)')
    t.match(await de.text(), /<html lang="de".*Willkommen zurück/s)
  })

  await t.test('(a) same device: the own page, nothing spent before the click, then signed in', async (t) => {
    const email = 'same.device@example.com'
    const laptop = await device(ua)
    const asking = await laptop.tab()
    await ask(t, asking, email)
    const link = await linkOf(outbox, email)
    t.match(link, new RegExp(`^${origin}${VERIFY_PATH}#token=[A-Za-z0-9_-]{33}\\.[A-Za-z0-9_-]{43}$`), 'the mail links to the own page, token in the fragment')
    const token = tokenOf(link)

    // Open it from the outbox page, as from a mail client: a new tab.
    const box = await laptop.tab()
    await box.goto('/outbox')
    // Listen on the context before the click: the new tab's first POST can leave before a
    // listener on the page object (known only after the 'page' event) would be attached.
    const seen: Array<{ page: unknown, path: string }> = []
    laptop.context.on('request', (r) => { if (r.method() === 'POST') seen.push({ page: r.frame().page(), path: new URL(r.url()).pathname }) })
    const [verify] = await Promise.all([
      laptop.context.waitForEvent('page'),
      box.locator('li.mail', { hasText: email }).first().locator('a.link').click(),
    ])
    const posts = (): string[] => seen.filter((s) => s.page === verify).map((s) => s.path)
    await shows(verify, 'signin')
    t.equal(verify.url(), origin + VERIFY_PATH, 'the fragment is gone from the address bar')
    t.equal(await verify.locator('link[href="/own/style.css"]').count(), 1, 'the app\'s own page, not the plugin\'s')
    t.equal(await heading(verify), 'Welcome back')
    t.equal(await verify.locator('[data-slot="email"]:visible').innerText(), 's•••@example.com', 'the masked address')
    t.equal(await verify.locator('section[data-state="signin"] time').innerText(), 'just now')
    await verify.waitForLoadState('networkidle')
    t.same(posts(), ['/auth/link'], 'on load the page asked POST /auth/link, nothing else')

    // Nothing was spent, nobody signed in.
    const info = await inspectFrom(verify, token)
    t.same([info.state, info.sameBrowser, info.needsCode], ['pending', true, false], 'POST /link again: still pending')
    t.equal(await sessionStatus(verify), 401, 'no session before the click')
    t.same(posts(), ['/auth/link', '/auth/link'], 'still no POST /auth/verify')
    // A reload keeps working: the token lives in the history entry's state, not in the URL.
    await verify.reload()
    await shows(verify, 'signin')
    t.equal(verify.url(), origin + VERIFY_PATH, 'reloaded: no fragment, same state')
    await shots.take(verify, 'signin')

    await Promise.all([verify.waitForURL(`${origin}/account`), verify.click('#signin-button')])
    t.ok(posts().includes('/auth/verify'), 'the click posted /auth/verify')
    t.equal(await verify.locator('h1').innerText(), 'You’re signed in')
    t.match(await verify.locator('#who').innerText(), email)
    t.equal(await sessionStatus(verify), 200, 'GET /auth/session: 200')
    await asking.waitForURL(`${origin}/account`, { timeout: 5000 })
    t.pass('the asking tab\'s poll completed: it went to /account')
    t.same((await inspectFrom(verify, token)).state, 'used', 'the link is used now')
  })

  await t.test('(b) cross device: the page asks for the code, Approve, the asking page signs in', async (t) => {
    const email = 'cross.device@example.com'
    const laptop = await device(ua)
    const asking = await laptop.tab()
    const matchCode = await ask(t, asking, email)
    const link = await linkOf(outbox, email)
    const phone = await device(PHONE_UA)
    const page = await phone.tab()
    const response = await page.goto(link) as Response
    t.equal(response.status(), 200)
    t.equal(response.headers()['content-security-policy'], OWN_CSP)
    await shows(page, 'code')
    t.equal(await heading(page), 'Approve a sign-in on another device?')
    t.equal(await page.locator('section[data-state="code"] [data-slot="device"]').innerText(), 'Chrome on Linux', 'the asking device')
    t.notMatch(await page.locator('main').innerText(), /@example\.com/, 'the other device is not told the address')
    await shots.take(page, 'code')

    await page.fill('#code', matchCode === 'BBB-BBB' ? 'CCC-CCC' : 'BBB-BBB')
    await page.click('#code-button')
    await page.locator('#code-error').waitFor({ state: 'visible' })
    t.equal(await page.locator('#code-error').innerText(), 'That code isn’t right. 4 tries left.')
    await shots.take(page, 'code-wrong')
    await page.fill('#code', 'xy')
    await page.click('#code-button')
    t.equal(await page.locator('#code-error').innerText(), 'The code has six letters and looks like ABC-DEF.', 'a malformed code is refused on the page')

    await page.fill('#code', matchCode.toLowerCase().replace('-', ''))
    const t0 = Date.now()
    await page.click('#code-button')
    await shows(page, 'approved')
    t.equal(await heading(page), 'Approved')
    await asking.waitForURL(`${origin}/account`, { timeout: 5000 })
    t.pass(`the asking page's poll completed ${Date.now() - t0} ms after the approval`)
    t.equal(await sessionStatus(asking), 200, 'the laptop is signed in')
    t.equal(await sessionStatus(page), 401, 'the phone is not')
    await shots.take(page, 'approved')
  })

  await t.test('(c) a scanner runs the page\'s script and clicks nothing: the link still works once', async (t) => {
    const email = 'scanned@example.com'
    const laptop = await device(ua)
    const asking = await laptop.tab()
    await ask(t, asking, email)
    const link = await linkOf(outbox, email)
    const token = tokenOf(link)

    // A German-speaking scanner, so the German page is seen too.
    const scanner = await device(SCANNER_UA, 'de-DE')
    const bot = await scanner.tab()
    const requests: string[] = []
    bot.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`))
    await bot.goto(link)
    await shows(bot, 'code')
    await bot.waitForLoadState('networkidle')
    await bot.waitForTimeout(500)
    t.equal(await heading(bot), 'Anmeldung auf einem anderen Gerät bestätigen?', 'in German (Accept-Language: de-DE)')
    t.equal(await bot.locator('[data-slot="device"]:visible').innerText(), 'Chrome unter Linux')
    t.same(requests.filter((r) => r.startsWith('POST')), ['POST /auth/link'], 'the scanner\'s page posted /auth/link only')
    await shots.take(bot, 'code-de')
    await scanner.context.close()
    t.equal(await sessionStatus(asking), 401, 'nobody signed in')

    const tab = await laptop.tab()
    await tab.goto(link)
    await shows(tab, 'signin')
    await Promise.all([tab.waitForURL(`${origin}/account`), tab.click('#signin-button')])
    t.equal(await sessionStatus(tab), 200, 'the link signed in after the scan')
    await asking.waitForURL(`${origin}/account`, { timeout: 5000 })

    const again = await laptop.tab()
    await again.goto(link)
    await shows(again, 'used')
    t.equal(await heading(again), 'This link was already used')
    t.equal(await again.locator('[data-slot="usedDevice"]').innerText(), 'Chrome on Linux', 'used from which device')
    t.equal(await again.locator('[data-slot="usedAt"]').innerText(), 'just now', 'and when')
    t.match(await again.locator('[data-slot="usedAt"]').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/)
    const second = await again.evaluate(async (token) => {
      const res = await fetch('/auth/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })
      return { status: res.status, reason: (await res.json() as { reason?: string }).reason }
    }, token)
    t.same([second.status, second.reason], [400, 'used'], 'once only')
    await shots.take(again, 'used')
  })

  await t.test('the other states: unknown, stopped after wrong codes, invitation, replaced', async (t) => {
    const visitor = await device(ua)
    const page = await visitor.tab()
    await page.goto(`${VERIFY_PATH}#token=not-a-link`)
    await shows(page, 'unknown')
    t.equal(page.url(), origin + VERIFY_PATH)
    t.equal(await heading(page), 'This link doesn’t work')
    await shots.take(page, 'unknown')
    await page.goto(VERIFY_PATH)
    await shows(page, 'unknown')
    t.pass('no fragment at all: the same page')

    // The server fails to answer POST /auth/link: the page says so and offers "Try again".
    const flaky = await visitor.tab()
    await flaky.route('**/auth/link', (route) => route.fulfill({
      status: 503, contentType: 'application/json', body: JSON.stringify({ statusCode: 503, code: 'FST_MAGIC_LINK_STORE_UNAVAILABLE', error: 'Service Unavailable', message: 'down' }),
    }))
    await flaky.goto(`${VERIFY_PATH}#token=not-a-link`)
    await shows(flaky, 'error')
    t.equal(await heading(flaky), 'Something went wrong')
    t.equal(await flaky.locator('[data-slot="problem"]').innerText(), 'Please try again in a moment.')
    await shots.take(flaky, 'error')
    await flaky.unroute('**/auth/link')
    await flaky.click('#retry-button')
    await shows(flaky, 'unknown')
    t.pass('"Try again" asks POST /auth/link again (the token kept in the page)')

    // Five wrong codes stop the sign-in.
    const email = 'stopped@example.com'
    const laptop = await device(ua)
    const asking = await laptop.tab()
    const matchCode = await ask(t, asking, email)
    const phone = await device(PHONE_UA)
    const approve = await phone.tab()
    await approve.goto(await linkOf(outbox, email))
    await shows(approve, 'code')
    const wrong = matchCode === 'BBB-BBB' ? 'CCC-CCC' : 'BBB-BBB'
    for (let i = 4; i >= 1; i--) {
      await approve.fill('#code', wrong)
      await approve.click('#code-button')
      await approve.locator('#code-error', { hasText: `${i} ${i === 1 ? 'try' : 'tries'} left` }).waitFor()
    }
    await approve.fill('#code', wrong)
    await approve.click('#code-button')
    await shows(approve, 'denied')
    t.equal(await heading(approve), 'This sign-in was stopped')
    await shots.take(approve, 'denied')
    await asking.locator('#status.err').waitFor()
    t.equal(await asking.locator('#status').innerText(), 'This sign-in has ended. Ask for a new link.', 'the asking page learns it')

    // An invitation asks for the address.
    const { link: invite } = await site.app.magicLink.createLink('invited@example.com')
    const guest = await device(PHONE_UA)
    const welcome = await guest.tab()
    await welcome.goto(invite)
    await shows(welcome, 'invite')
    t.equal(await heading(welcome), 'You’re invited to Kestrel')
    await shots.take(welcome, 'invite')
    await welcome.fill('#invite-email', 'someone.else@example.com')
    await welcome.click('#invite-button')
    await welcome.locator('#invite-error').waitFor({ state: 'visible' })
    t.equal(await welcome.locator('#invite-error').innerText(), 'That is not the address this invitation was sent to.')
    await welcome.fill('#invite-email', 'Invited@Example.com')
    await Promise.all([welcome.waitForURL(`${origin}/account`), welcome.click('#invite-button')])
    t.match(await welcome.locator('#who').innerText(), 'invited@example.com', 'the invitation signed in')

    // A replaced link: asked again after the mail interval.
    const replaced = 'replaced@example.com'
    const laptop2 = await device(ua)
    const tab = await laptop2.tab()
    await ask(t, tab, replaced)
    const first = await linkOf(outbox, replaced)
    site.advance(2 * 60_000)
    await ask(t, tab, replaced)
    const second = await nextMail(outbox, replaced, 1)
    t.not(second, first, 'a second mail, a new link')
    const old = await laptop2.tab()
    await old.goto(first)
    await shows(old, 'superseded')
    t.equal(await heading(old), 'A newer link was sent')
    await shots.take(old, 'superseded')
  })

  await t.test('(d) an expired link offers "Send a new link": a new mail, and it signs in', async (t) => {
    const email = 'late@example.com'
    const laptop = await device(ua)
    const asking = await laptop.tab()
    await ask(t, asking, email)
    const link = await linkOf(outbox, email)
    // The asking tab is closed long before the link is found expired. Left open, its poll of the
    // old flow races the resend: its 410 clears the binding cookie (`mlflow`, one per browser)
    // that POST /auth/resend has just set for the new flow, if it arrives after it; the new link
    // is then "another device" here and the resent page's poll gets 400. A plugin behaviour, see
    // the report; this test keeps to the path that works.
    await asking.close()
    site.advance(11 * 60_000)
    const tab = await laptop.tab()
    await tab.goto(link)
    await shows(tab, 'expired')
    t.equal(await heading(tab), 'This link has expired')
    t.equal(await tab.locator('section[data-state="expired"] [data-slot="email"]').innerText(), 'l•••@example.com')
    await shots.take(tab, 'expired')
    const before = outbox.mails.filter((m) => m.to === email).length
    t.equal(before, 1)

    const [resend] = await Promise.all([
      tab.waitForResponse((r) => r.url() === `${origin}/auth/resend`),
      tab.click('section[data-state="expired"] button.resend'),
    ])
    t.equal(resend.status(), 202, 'POST /auth/resend: 202')
    await shows(tab, 'resent')
    const matchCode = await tab.locator('[data-slot="matchCode"]').innerText()
    t.match(matchCode, /^[A-Z]{3}-[A-Z]{3}$/, 'the new match code on the page')
    t.match(await tab.locator('section[data-state="resent"]').innerText(), 'l•••@example.com')
    const fresh = await nextMail(outbox, email, before)
    t.not(fresh, link, 'a new mail arrived, with a new link')
    await shots.take(tab, 'resent')

    // This browser asked anew: the new link signs in here, and the waiting page follows.
    const open = await laptop.tab()
    await open.goto(fresh)
    await shows(open, 'signin')
    await Promise.all([open.waitForURL(`${origin}/account`), open.click('#signin-button')])
    await tab.waitForURL(`${origin}/account`, { timeout: 5000 })
    t.pass('the resent page\'s poll completed')
  })

  await t.test('no link token ever reached the server, and every page was clean', async (t) => {
    const tokens = outbox.mails.filter((m) => m.link !== null).map((m) => tokenOf(m.link as string))
    t.ok(tokens.length >= 8, `${tokens.length} links were mailed`)
    t.ok(site.seen.some((r) => r.url === VERIFY_PATH), 'the recorder saw the page requests')
    const leaks = site.seen.filter((r) => tokens.some((token) => {
      const secret = token.split('.')[1] as string
      return r.url.includes(secret) || r.referer.includes(secret) || r.url.includes('token=')
    }))
    t.same(leaks, [], `none of ${site.seen.length} request URLs or Referers holds a token`)
    t.same(site.seen.filter((r) => r.url.startsWith('/auth/verify') && r.method === 'GET'), [], 'the plugin\'s own page was never asked for')
    t.same(used.flatMap((d) => d.problems), [], 'no console error, exception or CSP violation')
    t.same([...new Set(used.flatMap((d) => d.httpErrors))].filter((e) => !EXPECTED_HTTP_ERRORS.has(e)), [], 'no failed load but the ones provoked')
    t.comment(`screenshots: ${shots.files.join(' ')}`)
  })
}

await main()
