/**
 * Shared tools of the end-to-end suite: the example app (`examples/lib/site.ts`) started
 * in-process on a free loopback port, Debian's Chromium driven by playwright-core, one browser
 * context per simulated device (its own cookie jar), numbered screenshots, a watch on every page
 * for console errors, uncaught exceptions and CSP violations, and the steps the flows share.
 *
 * Run directly (tap runs every file under test/), it checks its own console-line classifier.
 */
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Test } from 'tap'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Response } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import type { MagicLinkOptions } from '../../src/index.js'
import { createSite } from '../../examples/lib/site.js'
import { DevOutbox, type OutboxMail } from '../../examples/lib/outbox.js'
import { catalogs, type Locale } from '../../examples/lib/messages.js'
import { freePort } from '../helpers/ports.js'

export const CHROMIUM = '/usr/bin/chromium'
export const SHOTS_DIR = fileURLToPath(new URL('./screenshots/', import.meta.url))

/** Why the suite cannot run here, or null when it can. */
export function whyNoBrowser (): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (install Debian's chromium package to run the end-to-end tests)`
}

// ---------------------------------------------------------------------------------------------
// The app and the browser

/** The example app, as `npm run example` runs it, on `http://localhost:<free port>`. */
export interface Site {
  app: FastifyInstance
  origin: string
  outbox: DevOutbox
}

/** Starts the example; `magicLink` adds or overrides plugin options (e.g. a store with latency). */
export async function startSite (magicLink: Partial<Omit<MagicLinkOptions, 'users'>> = {}): Promise<Site> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const origin = `http://localhost:${port}`
    const outbox = new DevOutbox()
    const app = await createSite({
      magicLink: { origin, secret: randomBytes(32).toString('base64url'), sendMail: outbox.sendMail, ...magicLink },
      outbox,
      canonicalHost: true,
      logger: false,
    })
    try {
      // As examples/basic.ts does: `localhost` binds every loopback address the browser may pick.
      await app.listen({ port, host: 'localhost' })
      return { app, origin, outbox }
    } catch (error) {
      await app.close()
      // Another process took the port between freePort() and listen(): try another one.
      if (attempt >= 5 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
}

/** The newest mail to `to` (a sign-in mail, or with `notice` the "new sign-in" notice), waiting up to `ms`. */
export async function mailTo (outbox: DevOutbox, to: string, opts: { notice?: boolean, ms?: number } = {}): Promise<OutboxMail> {
  const deadline = Date.now() + (opts.ms ?? 5000)
  for (;;) {
    const mail = outbox.mails.find((m) => m.to === to && (m.link === null) === (opts.notice === true))
    if (mail !== undefined) return mail
    if (Date.now() > deadline) throw new Error(`no ${opts.notice === true ? 'notice ' : ''}mail to ${to} in the outbox`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * The next sign-in mail to `to` after `previous` (the newest one before the step that sends it,
 * or undefined), waiting up to `ms`: `mailTo` would return the earlier mail while the new one is
 * still on its way.
 */
export async function nextMailTo (outbox: DevOutbox, to: string, previous: OutboxMail | undefined, ms = 5000): Promise<OutboxMail> {
  const deadline = Date.now() + ms
  for (;;) {
    const mail = outbox.mails.find((m) => m.to === to && m.link !== null)
    if (mail !== undefined && mail !== previous) return mail
    if (Date.now() > deadline) throw new Error(`no new mail to ${to} in the outbox`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * The newest mail that `match` accepts, waiting up to `ms`: for mails `mailTo` cannot tell
 * apart by their link alone (the address change's "already has an account" mail and the notice
 * to the old address have none, as the "new sign-in" notice). `what` names it in the error.
 */
export async function findMail (outbox: DevOutbox, what: string, match: (mail: OutboxMail) => boolean, ms = 5000): Promise<OutboxMail> {
  const deadline = Date.now() + ms
  for (;;) {
    const mail = outbox.mails.find(match)
    if (mail !== undefined) return mail
    if (Date.now() > deadline) throw new Error(`no ${what} in the outbox`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** A clock for the plugin's `now` option: it stands still, and moves only when a test moves it. */
export class TestClock {
  #ms: number

  constructor (start = Date.now()) {
    this.#ms = start
  }

  /** Pass as the plugin's `now`. */
  readonly now = (): number => this.#ms

  advance (ms: number): number {
    this.#ms += ms
    return this.#ms
  }
}

export async function launchBrowser (): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    timeout: 20_000,
  })
}

/** A real desktop Chrome's User-Agent: this browser without "Headless" in its name ("Chrome on Linux"). */
export function desktopUserAgent (browser: Browser): string {
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`
}

// ---------------------------------------------------------------------------------------------
// Devices and what their pages report

/** Something a page reported that a clean page does not: a console error, an exception, a CSP violation. */
export interface Problem {
  url: string
  kind: 'console' | 'pageerror' | 'csp'
  text: string
}

/**
 * Chromium's own console line for every response with an error status ("Failed to load
 * resource: the server responded with a status of 409 (Conflict)"): expected where a test
 * provokes a 4xx, so kept apart from the problems, as `<status> <path>`.
 */
const HTTP_STATUS_LINE = /^Failed to load resource: the server responded with a status of (\d+)/

/** `'409'` for Chromium's console line about a 409 answer; null for any other console text. */
export function httpStatusOf (text: string): string | null {
  return HTTP_STATUS_LINE.exec(text)?.[1] ?? null
}

/**
 * One simulated device: a browser context (its own cookie jar) whose every page is watched.
 * `problems` collects what the pages reported; `httpErrors` the error statuses Chromium logged
 * (`'409 /auth/verify'`); `warnings` the console warnings (reported, not failed).
 */
export interface Device {
  context: BrowserContext
  problems: Problem[]
  httpErrors: string[]
  warnings: Problem[]
  /** A new tab of this device. */
  tab (): Promise<Page>
  /** The session cookie (`sid` on an http origin), if this device has one. */
  sessionCookie (): Promise<string | undefined>
}

// Runs in every document before its own scripts (injected over CDP, so a page's CSP does not
// block it): CSP violations also reach the console as errors, but this names the directive.
const CSP_WATCH = `addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber)
})`

function watch (page: Page, device: Device): void {
  page.on('console', (msg) => {
    const entry = { url: page.url(), text: msg.text() }
    const status = httpStatusOf(entry.text)
    if (msg.type() === 'error' && status !== null) device.httpErrors.push(`${status} ${new URL(msg.location().url || entry.url).pathname}`)
    else if (msg.type() === 'error') device.problems.push({ ...entry, kind: entry.text.startsWith('CSP violation') ? 'csp' : 'console' })
    else if (msg.type() === 'warning') device.warnings.push({ ...entry, kind: 'console' })
  })
  page.on('pageerror', (error) => {
    device.problems.push({ url: page.url(), kind: 'pageerror', text: `${error.name}: ${error.message}` })
  })
}

export async function newDevice (browser: Browser, origin: string, options: BrowserContextOptions = {}): Promise<Device> {
  const context = await browser.newContext({ baseURL: origin, ...options })
  context.setDefaultTimeout(10_000)
  context.setDefaultNavigationTimeout(10_000)
  await context.addInitScript(CSP_WATCH)
  const device: Device = {
    context,
    problems: [],
    httpErrors: [],
    warnings: [],
    tab: async () => await context.newPage(),
    sessionCookie: async () => (await context.cookies(origin)).find((c) => c.name === 'sid')?.value,
  }
  context.on('page', (page) => watch(page, device))
  return device
}

// ---------------------------------------------------------------------------------------------
// Screenshots

/**
 * Waits for the page to paint twice. The first full-page screenshot after a viewport change
 * can otherwise show stale paint below the old viewport of a scrolled page (seen on /app's
 * "Confirm it's you": the code button, the dev note's text and the focus ring missing).
 */
export async function settled (page: Page): Promise<void> {
  await page.evaluate(async () => await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))))
}

/** Numbered screenshots of one flow: `screenshots/<flow>-<nn>-<step>.png`. */
export class Shots {
  readonly files: string[] = []
  #n = 0

  constructor (readonly flow: string) {}

  /** Deletes this flow's screenshots of an earlier run, so the folder shows the last run only. */
  async reset (): Promise<void> {
    await mkdir(SHOTS_DIR, { recursive: true })
    for (const name of await readdir(SHOTS_DIR)) {
      if (name.startsWith(`${this.flow}-`) && /^\d{2}-/.test(name.slice(this.flow.length + 1))) await rm(SHOTS_DIR + name)
    }
  }

  async take (page: Page, step: string): Promise<string> {
    this.#n++
    const file = `${this.flow}-${String(this.#n).padStart(2, '0')}-${step}.png`
    await page.screenshot({ path: SHOTS_DIR + file, fullPage: true, animations: 'disabled' })
    this.files.push(file)
    return file
  }

  /**
   * One page in four looks: desktop (1280x800) and phone (390x844), each light and dark
   * (`prefers-color-scheme` emulated), as `<step>-<desktop|phone>-<light|dark>`. The page's
   * viewport and colour scheme are restored afterwards.
   */
  async variants (page: Page, step: string): Promise<string[]> {
    const before = page.viewportSize()
    const files: string[] = []
    for (const [size, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]] as const) {
      await page.setViewportSize(viewport)
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        await settled(page)
        files.push(await this.take(page, `${step}-${size}-${scheme}`))
      }
    }
    await page.emulateMedia({ colorScheme: null })
    if (before !== null) await page.setViewportSize(before)
    return files
  }
}

// ---------------------------------------------------------------------------------------------
// The suite: one site and one browser per test file, one subtest per flow

/** What a flow gets: its test, its screenshots, and devices that are closed and checked after it. */
export interface FlowKit {
  t: Test
  shots: Shots
  site: Site
  browser: Browser
  /** A new device (browser context) on the site; watched, and closed after the flow. */
  device (options?: BrowserContextOptions): Promise<Device>
  /** A desktop device with a real Chrome User-Agent ("Chrome on Linux"). */
  laptop (): Promise<Device>
}

export interface Suite {
  site: Site
  browser: Browser
  /**
   * One flow as a subtest, timed; afterwards, no page of its devices may have reported a
   * problem, and the error statuses Chromium logged must be exactly `expectedHttpErrors`.
   */
  flow (name: string, title: string, expectedHttpErrors: readonly string[], body: (k: FlowKit) => Promise<void>): void
}

/**
 * Starts the site and the browser for the flows `define` declares, or skips the file with a
 * printed reason when there is no Chromium. Both are stopped in teardown.
 */
export async function e2eSuite (t: Test, siteOptions: Parameters<typeof startSite>[0], define: (s: Suite) => void): Promise<void> {
  const skip = whyNoBrowser()
  if (skip !== null) {
    console.log(`# e2e skipped: ${skip}`)
    t.skip(`e2e: ${skip}`, () => {})
    return
  }
  const started = Date.now()
  const site = await startSite(siteOptions)
  const browser = await launchBrowser()
  const bootMs = Date.now() - started
  const timings: string[] = []
  t.teardown(async () => {
    // The browser first: its open long-polls end with it, so the server closes at once.
    await browser.close()
    await site.app.close()
    t.comment(`timings: site + browser up in ${bootMs} ms; ${timings.join(', ')}; total ${Date.now() - started} ms`)
  })
  const ua = desktopUserAgent(browser)

  define({
    site,
    browser,
    flow (name, title, expectedHttpErrors, body) {
      t.test(title, async (t) => {
        const shots = new Shots(name)
        await shots.reset()
        const used: Device[] = []
        const device = async (options: BrowserContextOptions = {}): Promise<Device> => {
          const d = await newDevice(browser, site.origin, options)
          used.push(d)
          return d
        }
        const t0 = Date.now()
        try {
          await body({ t, shots, site, browser, device, laptop: async () => await device({ userAgent: ua }) })
        } finally {
          timings.push(`${name} ${Date.now() - t0} ms`)
          for (const d of used) await d.context.close()
          t.comment(`${name}: ${shots.files.length} screenshots: ${shots.files.join(' ')}`)
        }
        t.same(used.flatMap((d) => d.problems), [], 'no console error, uncaught exception or CSP violation on any page of the flow')
        // As a set: Chromium sometimes logs one failed load twice (a known flake, an extra `400 /auth/code`).
        t.same([...new Set(used.flatMap((d) => d.httpErrors))].sort(), [...new Set(expectedHttpErrors)].sort(), 'the only failed loads Chromium logged are the 4xx this flow provoked')
        const warnings = used.flatMap((d) => d.warnings)
        if (warnings.length > 0) t.comment(`console warnings: ${JSON.stringify(warnings)}`)
      })
    },
  })
}

// ---------------------------------------------------------------------------------------------
// Steps the flows share

/** What the login page says, in the language a flow expects. */
export interface LoginTexts {
  /** `#ask h1` */
  heading: string
  /** `#wait h1` */
  waitHeading: string
  /** The start of `#status` while waiting. */
  waiting: string
}

/** The example's login page in English, as a new user reads it. */
export const ENGLISH_LOGIN: LoginTexts = { heading: 'Sign in', waitHeading: 'Check your mail', waiting: 'Waiting for the link to be opened' }

/**
 * The login page: type the address, ask, and see "check your mail" with the match code. With
 * `opts.goto: false` the page is already on the login page (e.g. after the language switch);
 * with `opts.shots: false` only the flow's own screenshots are taken.
 */
export async function askForLink (t: Test, page: Page, email: string, shots: Shots, texts: LoginTexts = ENGLISH_LOGIN, opts: { goto?: boolean, shots?: boolean } = {}): Promise<string> {
  const shoot = opts.shots ?? true
  if (opts.goto ?? true) {
    const res = await page.goto('/') as Response
    t.equal(res.status(), 200, 'GET /: 200')
  }
  t.equal(await page.locator('#ask h1').innerText(), texts.heading)
  if (shoot) await shots.take(page, 'login-page')
  await page.fill('#email', email)
  if (shoot) await shots.take(page, 'email-typed')
  await page.click('#ask-button')
  await page.locator('#wait').waitFor()
  t.equal(await page.locator('#wait h1').innerText(), texts.waitHeading)
  t.equal(await page.locator('#sent-to').innerText(), email)
  const matchCode = await page.locator('#match').innerText()
  t.match(matchCode, /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/, 'match code shown as XXX-XXX')
  t.match(await page.locator('#status').innerText(), texts.waiting)
  if (shoot) await shots.take(page, 'check-your-mail')
  return matchCode
}

/** The outbox page's entry of the newest mail to `email`. */
function mailEntry (outbox: Page, email: string): ReturnType<Page['locator']> {
  return outbox.locator(`li.mail[data-to="${email}"]`).first()
}

/** The link of the newest mail to `email` on the outbox page. */
export async function mailLink (outbox: Page, email: string): Promise<string> {
  const href = await mailEntry(outbox, email).locator('a.link').getAttribute('href')
  if (href === null) throw new Error(`no link for ${email} in the outbox`)
  return href
}

/** Clicks the link of the mail to `email` on the outbox page: it opens in a new tab (target=_blank). */
export async function clickMailLink (d: Device, outbox: Page, email: string): Promise<{ page: Page, response: Response }> {
  const link = mailEntry(outbox, email).locator('a.link')
  const [page, response] = await Promise.all([
    d.context.waitForEvent('page'),
    d.context.waitForEvent('response', (r) => r.url().includes('/auth/verify?token=')),
    link.click(),
  ])
  await page.waitForLoadState('load')
  return { page, response }
}

/**
 * The headers every verify page must carry. The CSP allows the example's logo by its exact
 * absolute URL (`brand.logoUrl: '/logo.svg'`), and nothing else beyond the plugin's own.
 */
export async function checkVerifyHeaders (t: Test, response: Response): Promise<void> {
  const h = await response.allHeaders()
  const logo = new URL('/logo.svg', response.url()).href.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  t.match(h['content-security-policy'], new RegExp(`^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src ${logo}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$`), 'verify page CSP: the logo, nothing else')
  t.equal(h['referrer-policy'], 'no-referrer')
  t.equal(h['x-content-type-options'], 'nosniff')
  t.equal(h['cache-control'], 'no-store')
}

export async function heading (page: Page): Promise<string> {
  return (await page.locator('h1:visible').first().innerText()).trim()
}

/** /app has rendered the user's sessions (its script ran and called GET /auth/sessions). */
export async function sessionsListed (page: Page): Promise<void> {
  await page.locator('#sessions li:not(.empty)').first().waitFor()
}

/** The response to the POST a click on a form's submit button sends to `path`. */
export async function submit (page: Page, origin: string, path: string, selector = 'button[type=submit]'): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === origin + path && r.request().method() === 'POST'),
    page.click(selector),
  ])
  await page.waitForLoadState('load')
  return response
}

/** Where a page went after it was told "approved". */
export interface Arrival {
  /** Status of its first request for /app: 200 with the session cookie, 303 (to the login page) without. */
  first: number
  /** Path it settled on: `/app` (signed in) or `/` (the login form). */
  path: string
}

/**
 * Watches `page` for its next navigation to `/app` (the login page's `location.assign` after
 * approval). `arrived()` waits for it and for the page it settles on: /app answers 303 to `/`
 * without a session cookie, and `/` answers 303 to /app when the cookie came in the meantime.
 */
export function watchArrival (page: Page, origin: string): { arrived (timeout?: number): Promise<Arrival> } {
  const statuses: number[] = []
  const onResponse = (r: Response): void => {
    if (r.url() === `${origin}/app` && r.request().isNavigationRequest() && r.frame() === page.mainFrame()) statuses.push(r.status())
  }
  page.on('response', onResponse)
  return {
    async arrived (timeout = 5000): Promise<Arrival> {
      const deadline = Date.now() + timeout
      while (statuses.length === 0) {
        if (Date.now() > deadline) {
          page.off('response', onResponse)
          throw new Error(`the page did not go to /app within ${timeout} ms (it is on ${page.url()})`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      page.off('response', onResponse)
      // The signed-in page with its sessions, or the login form of a fresh `/` (the waiting
      // page before it has the form hidden).
      await page.locator('#sessions li:not(.empty)').or(page.locator('#ask h1:visible')).first().waitFor()
      return { first: statuses[0] as number, path: new URL(page.url()).pathname }
    },
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { default: t } = await import('tap')
  t.test('the console-line classifier', async (t) => {
    t.equal(httpStatusOf('Failed to load resource: the server responded with a status of 409 (Conflict)'), '409')
    t.equal(httpStatusOf('Failed to load resource: the server responded with a status of 400 (Bad Request)'), '400')
    t.equal(httpStatusOf("Refused to apply inline style because it violates the following Content Security Policy directive: \"style-src 'self'\""), null, 'a CSP violation stays a problem')
    t.equal(httpStatusOf('Uncaught TypeError: x is not a function'), null)
  })
  t.test('the watch sees a CSP violation, an exception and an error status (so "none seen" means something)', { skip: whyNoBrowser() ?? false }, async (t) => {
    const browser = await launchBrowser()
    t.teardown(() => browser.close())
    const origin = 'http://e2e.test'
    const d = await newDevice(browser, origin)
    await d.context.route(`${origin}/**`, async (route) => {
      const missing = route.request().url().endsWith('/missing')
      await route.fulfill({
        status: missing ? 409 : 200,
        headers: { 'content-type': 'text/html', 'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; connect-src 'self'" },
        body: missing ? 'gone' : '<style>body{color:red}</style><script>fetch("/missing"); throw new TypeError("boom")</script>',
      })
    })
    const page = await d.tab()
    await page.goto('/')
    await page.waitForTimeout(300)
    t.ok(d.problems.some((p) => p.kind === 'pageerror' && p.text === 'TypeError: boom'), 'the exception')
    t.ok(d.problems.some((p) => p.kind === 'csp' && p.text.includes('style-src')), 'the CSP violation, named by the init script')
    t.same(d.httpErrors, ['409 /missing'], 'the 409, apart from the problems')

    // A page as strict as the plugin's (no script allowed at all): the init script still reports.
    const strict = await newDevice(browser, origin)
    await strict.context.route(`${origin}/**`, async (route) => {
      await route.fulfill({ status: 200, headers: { 'content-type': 'text/html', 'content-security-policy': "default-src 'none'" }, body: '<style>body{color:red}</style><p>hi</p>' })
    })
    const strictPage = await strict.tab()
    await strictPage.goto('/')
    await strictPage.waitForTimeout(300)
    t.ok(strict.problems.some((p) => p.kind === 'csp' && p.text.startsWith('CSP violation: style-src')), 'the init script runs under default-src \'none\' too')
  })
  t.test('screenshots go to the gitignored folder', async (t) => {
    t.match(SHOTS_DIR, /\/test\/e2e\/screenshots\/$/)
    t.equal(typeof whyNoBrowser(), existsSync(CHROMIUM) ? 'object' : 'string')
  })
}

/** The example's login-page texts in `L`, from its catalog. */
export function loginTextsIn (L: Locale): LoginTexts {
  if (L === 'en') return ENGLISH_LOGIN
  return { heading: catalogs[L]['login.heading'], waitHeading: catalogs[L]['wait.heading'], waiting: catalogs[L]['wait.waiting'] }
}

/** Signs in on a new tab of `d` with the mail's code typed on the login page; the tab ends on /app. */
export async function signInWithCode (t: Test, site: Site, d: Device, email: string, shots: Shots, L: Locale = 'en'): Promise<Page> {
  const page = await d.tab()
  const before = site.outbox.mails.find((m) => m.to === email && m.link !== null)
  await askForLink(t, page, email, shots, loginTextsIn(L), { shots: false })
  const { code } = await nextMailTo(site.outbox, email, before)
  if (code === null) throw new Error('no code in the mail')
  await page.fill('#code', code)
  await Promise.all([page.waitForURL(`${site.origin}/app`), page.click('#code-button')])
  await sessionsListed(page)
  return page
}
