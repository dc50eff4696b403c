// End-to-end, in German and in Arabic (right to left): the whole same-device sign-in and the
// whole cross-device sign-in (a second browser context is the phone that opens the link and
// types the match code), with the language chosen once by the browser (its `locale`, sent as
// Accept-Language) and once by the example's language switcher (the `lang` cookie the plugin
// reads through `locale.resolve`). The plugin's texts are read from its catalogs
// (src/i18n/de.ts, ar.ts) and the example's from examples/lib/messages.ts: nothing here
// hard-codes a sentence of either.
//
// Screenshots (desktop and phone, light and dark) of the login page, the waiting page with the
// match code, the plugin's other-device and same-browser pages and the signed-in page go to
// test/e2e/screenshots/locale-<lang>-*.png (gitignored).
import t from 'tap'
import { devices, type Page, type Response } from 'playwright-core'
import { ar } from '../../src/i18n/ar.js'
import { de } from '../../src/i18n/de.js'
import { Translator, type MagicLinkMessages } from '../../src/i18n/index.js'
import { BRAND } from '../../examples/lib/html.js'
import { catalogs, LANGUAGE_NAMES, LOCALES, textsOf, type Locale } from '../../examples/lib/messages.js'
import { sentences } from '../../examples/lib/text.js'
import {
  askForLink, checkVerifyHeaders, desktopUserAgent, e2eSuite, heading, mailTo, sessionsListed, submit, watchArrival,
  type Device, type FlowKit,
} from './harness.js'

// Many real-browser flows in one file: on a loaded 2-core machine it has run for 133 s, past
// tap's default of 120 s per file.
t.setTimeout(300_000)

/** The plugin's catalogs of the languages under test, as shipped. */
const PLUGIN: Readonly<Record<'de' | 'ar', MagicLinkMessages>> = { de, ar }

/** How the language is chosen: by the browser's Accept-Language, or by the switcher's cookie. */
type Way = 'accept' | 'cookie'

/** The laptop's and the phone's browser, as the plugin names them. */
const LAPTOP = 'Chrome on Linux'

/** What a page's root element says about its language. */
async function langOf (page: Page): Promise<{ lang: string | null, dir: string | null }> {
  return await page.evaluate(() => ({ lang: document.documentElement.getAttribute('lang'), dir: document.documentElement.getAttribute('dir') }))
}

/** The computed `direction` of the first element matching `selector`. */
async function directionOf (page: Page, selector: string): Promise<string> {
  return await page.locator(selector).first().evaluate((el) => getComputedStyle(el).direction)
}

/** The x of the left edge of the first element matching `selector`. */
async function leftOf (page: Page, selector: string): Promise<number> {
  return await page.locator(selector).first().evaluate((el) => el.getBoundingClientRect().left)
}

/** The image loaded (the CSP let it through and it decoded). */
async function imageLoaded (page: Page, selector: string): Promise<boolean> {
  return await page.locator(selector).first().evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0)
}

/** The text of the element matching `selector` sits on one line, inside its box and inside the card. */
async function oneLine (page: Page, selector: string): Promise<{ lines: number, overflows: boolean, outsideCard: boolean }> {
  return await page.locator(selector).first().evaluate((el) => {
    const range = document.createRange()
    range.selectNodeContents(el)
    const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top))).size
    const box = el.getBoundingClientRect()
    const card = (el.closest('.card') as HTMLElement).getBoundingClientRect()
    return { lines, overflows: el.scrollWidth > el.clientWidth + 1, outsideCard: box.left < card.left - 0.5 || box.right > card.right + 0.5 }
  })
}

/**
 * The example's language, for a page of the example: `<html lang dir>`, `Content-Language`, and
 * the switcher with the seven languages by their own names, this one marked current.
 */
async function checkExamplePage (t: Test, page: Page, response: Response | null, L: Locale): Promise<void> {
  t.same(await langOf(page), { lang: L, dir: L === 'ar' ? 'rtl' : 'ltr' }, `${new URL(page.url()).pathname}: <html lang="${L}" dir="${L === 'ar' ? 'rtl' : 'ltr'}">`)
  if (response !== null) t.equal(response.headers()['content-language'], L, 'Content-Language')
  t.same(await page.locator('nav.langs li').allInnerTexts(), LOCALES.map((l) => LANGUAGE_NAMES[l]), 'the switcher lists the seven languages by their own names')
  t.equal(await page.locator('nav.langs [aria-current]').innerText(), LANGUAGE_NAMES[L], 'and marks this one')
  t.equal(await page.locator('nav.langs').getAttribute('aria-label'), catalogs[L]['nav.languages'])
  t.equal(await page.locator('footer a.help').innerText(), catalogs[L]['nav.help'])
  t.ok(await imageLoaded(page, '.brand img'), 'the logo is shown')
  t.equal(await directionOf(page, 'h1'), L === 'ar' ? 'rtl' : 'ltr', 'the heading is laid out in the page direction')
  if (L === 'ar') {
    // Mirrored: the logo, first in the brand line, is on its right.
    t.ok(await leftOf(page, '.brand img') > await leftOf(page, '.brand span'), 'rtl: the logo is to the right of the name')
  } else {
    t.ok(await leftOf(page, '.brand img') < await leftOf(page, '.brand span'), 'ltr: the logo is to the left of the name')
  }
}

/** One of the plugin's pages in `L`: `<html lang dir>`, `Content-Language`, the brand's logo and name, the support link. */
async function checkPluginPage (t: Test, page: Page, response: Response, L: 'de' | 'ar', tr: Translator): Promise<void> {
  t.same(await langOf(page), { lang: L, dir: L === 'ar' ? 'rtl' : 'ltr' }, `the plugin's page: <html lang="${L}" dir="${tr.dir}">`)
  const h = await response.allHeaders()
  t.equal(h['content-language'], L, 'Content-Language')
  t.match(h.vary, /accept-language/i, 'Vary: Accept-Language')
  t.equal(await page.locator('.app span').innerText(), BRAND.name, 'the brand name')
  t.ok(await imageLoaded(page, '.app img'), 'the logo is shown (its URL is in the CSP)')
  t.equal(await page.locator('footer a').innerText(), tr.text('page.support'), 'the support link, in the language')
  t.equal(await page.locator('footer a').getAttribute('href'), new URL(BRAND.supportUrl, page.url()).href, "it goes to the example's help page")
  t.equal(await directionOf(page, 'h1'), tr.dir, `the heading's computed direction is ${tr.dir}`)
}

/**
 * The `.note` of the other-device page has its stripe on the start side, right in Arabic and
 * left in German, and its first line starts right after it (stripe + padding from that edge).
 */
async function checkNoteSide (t: Test, page: Page, L: 'de' | 'ar'): Promise<void> {
  const note = await page.locator('.note').evaluate((el) => {
    const s = getComputedStyle(el)
    const range = document.createRange()
    range.selectNodeContents(el)
    const first = range.getClientRects()[0] as DOMRect
    const box = el.getBoundingClientRect()
    return {
      direction: s.direction,
      border: { left: parseFloat(s.borderLeftWidth), right: parseFloat(s.borderRightWidth) },
      padding: { left: parseFloat(s.paddingLeft), right: parseFloat(s.paddingRight) },
      // From each edge of the box to the first line of text.
      gap: { left: first.left - box.left, right: box.right - first.right },
    }
  })
  t.equal(note.direction, L === 'ar' ? 'rtl' : 'ltr', `.note: computed direction ${note.direction}`)
  const [start, end] = L === 'ar' ? ['right', 'left'] as const : ['left', 'right'] as const
  t.ok(note.border[start] > 0 && note.border[end] === 0, `the note's stripe is on the ${start} (border-${start} ${note.border[start]}px, border-${end} ${note.border[end]}px)`)
  t.ok(Math.abs(note.gap[start] - note.border[start] - note.padding[start]) < 1.5,
    `its first line starts on the ${start}, right after the stripe (${note.gap[start].toFixed(1)}px from the ${start} edge = stripe ${note.border[start]} + padding ${note.padding[start]})`)
}

type Test = FlowKit['t']

/** The example's pages in `L` on this device: by its Accept-Language, or by a click on the switcher (cookie). */
async function openLogin (t: Test, d: Device, way: Way, L: Locale, origin: string): Promise<{ page: Page, response: Response }> {
  const page = await d.tab()
  let response = await page.goto('/') as Response
  t.equal(response.status(), 200, 'GET /: 200')
  if (way === 'cookie') {
    t.equal((await langOf(page)).lang, 'en', 'the browser asks for English: the page starts in English')
    const [back] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${origin}/` && r.request().isNavigationRequest()),
      page.click(`nav.langs a[hreflang="${L}"]`),
    ])
    await page.waitForLoadState('load')
    response = back
    const cookie = (await d.context.cookies(origin)).find((c) => c.name === 'lang')
    t.match(cookie, { value: L, path: '/', sameSite: 'Lax', httpOnly: true }, `the switcher set lang=${L}; Path=/; SameSite=Lax`)
    t.equal(page.url(), `${origin}/`, 'and came back to the login page')
  }
  return { page, response }
}

/** The login page's texts in `L`, from the example's catalog. */
function loginTexts (L: Locale): { heading: string, waitHeading: string, waiting: string } {
  const ex = catalogs[L]
  return { heading: ex['login.heading'], waitHeading: ex['wait.heading'], waiting: ex['wait.waiting'] }
}

await e2eSuite(t, {}, ({ flow, site, browser }) => {
  const { origin } = site
  const ua = desktopUserAgent(browser)

  t.test('GET /lang sets the cookie and goes back to a path of this site only', async (t) => {
    const host = new URL(origin).host
    const lang = async (query: string): Promise<{ status: number, location: unknown, cookie: unknown }> => {
      const res = await site.app.inject({ url: `/lang?${query}`, headers: { host } })
      return { status: res.statusCode, location: res.headers.location, cookie: res.headers['set-cookie'] }
    }
    const ok = await lang('to=de&back=%2Fapp')
    t.equal(ok.status, 303)
    t.equal(ok.location, '/app')
    t.match(ok.cookie, /^lang=de; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax$/, 'lang=de for a year, Path=/, SameSite=Lax')
    t.equal((await lang('to=ar&back=%2Foutbox%3Fx%3D1')).location, '/outbox?x=1', 'a query is kept')
    for (const back of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/app\r\nSet-Cookie: x=1', 'app', '']) {
      t.equal((await lang(`to=fr&back=${encodeURIComponent(back)}`)).location, '/', `back=${JSON.stringify(back)}: to / instead`)
    }
    const unknown = await lang('to=xx&back=%2Fapp')
    t.equal(unknown.location, '/app', 'an unknown language goes back too')
    t.equal(unknown.cookie, undefined, 'without a cookie')
    t.equal((await lang('to=pt-BR')).location, '/', 'no back: to /')
  })

  for (const L of ['de', 'ar'] as const) {
    const tr = new Translator(L, PLUGIN[L])
    const ex = catalogs[L]
    const tx = textsOf(L)

    for (const way of ['accept', 'cookie'] as const) {
      const screenshots = way === 'accept'
      const how = way === 'accept' ? `Accept-Language: ${L}` : `the switcher (lang=${L} cookie, Accept-Language: en-US)`

      flow(`locale-${L}-${way}-same`, `${L}, chosen by ${how}: same-device sign-in`, ['400 /auth/code'], async ({ t, shots, device }) => {
        const email = `same.${L}.${way}@example.com`
        const laptop = await device({ userAgent: ua, locale: way === 'accept' ? L : 'en-US' })
        const { page: asking, response } = await openLogin(t, laptop, way, L, origin)
        await checkExamplePage(t, asking, response, L)
        t.equal(await asking.locator('#ask .muted').innerText(), ex['login.intro'])
        t.equal(await asking.locator('#ask-button').innerText(), ex['login.button'])
        if (screenshots) await shots.variants(asking, 'login')

        // The browser's own address check: an empty field asks for the address, a malformed one says so.
        await asking.click('#ask-button')
        t.equal(await asking.locator('#ask-error').innerText(), ex['error.emailEmpty'], 'empty: asks for the address')
        await asking.fill('#email', 'not-an-address')
        await asking.click('#ask-button')
        t.equal(await asking.locator('#ask-error').innerText(), ex['error.emailMalformed'], 'malformed: says it is not an email address')
        if (screenshots) await shots.take(asking, 'login-malformed-address')

        await askForLink(t, asking, email, shots, loginTexts(L), { goto: false, shots: false })
        t.equal(await asking.locator('#expires').innerText(), tx('wait.expires', { duration: new Intl.NumberFormat(L, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(10) }), 'the lifetime, with Intl')
        if (screenshots) await shots.variants(asking, 'waiting')

        // The mail is in the language of the asking browser.
        const mail = await mailTo(site.outbox, email)
        t.equal(mail.locale, L, `the mail is written in ${L}`)
        t.equal(mail.subject, tr.text('mail.login.subject', { app: BRAND.name }), 'its subject, from the catalog')
        t.match(mail.text, tr.text('mail.login.code'), 'its text, from the catalog')
        t.match(mail.text, tr.text('mail.login.intro', { app: BRAND.name, email }))
        if (mail.link === null || mail.code === null) throw new Error('no link or code in the mail')

        // A wrong mail code: said as the plugin's other-device page says it, with the tries left (plural by Intl.PluralRules).
        await asking.fill('#code', mail.code === '000000' ? '111111' : '000000')
        await asking.click('#code-button')
        await asking.locator('#code-error').waitFor()
        t.equal(await asking.locator('#code-error').innerText(), sentences(L, tr.text('code.wrong'), tr.text('code.attemptsLeft', { count: 4 })), 'a wrong mail code: "not right", 4 tries left')
        if (screenshots) await shots.take(asking, 'waiting-wrong-mail-code')

        // The outbox, in the page's language, shows the mail in its own.
        const outbox = await laptop.tab()
        const outboxRes = await outbox.goto('/outbox') as Response
        await checkExamplePage(t, outbox, outboxRes, L)
        t.equal(await heading(outbox), ex['title.outbox'])
        t.equal(await outbox.locator(`li.mail[data-to="${email}"] h3`).first().getAttribute('lang'), L, 'the mail is marked with its language')
        if (screenshots) await shots.take(outbox, 'outbox')
        await outbox.close()

        // The link, in another tab of this browser: the plugin's same-browser page.
        const verify = await laptop.tab()
        const verifyRes = await verify.goto(mail.link) as Response
        t.equal(verifyRes.status(), 200, 'GET /auth/verify: 200')
        await checkVerifyHeaders(t, verifyRes)
        await checkPluginPage(t, verify, verifyRes, L, tr)
        t.equal(await heading(verify), tr.text('sameBrowser.title', { app: BRAND.name }))
        t.equal(await verify.locator('main p').nth(1).innerText(), tr.text('sameBrowser.text', { app: BRAND.name, email }))
        t.equal(await verify.locator('button[type=submit]').innerText(), tr.text('sameBrowser.button'))
        if (screenshots) await shots.variants(verify, 'same-browser')

        const asker = watchArrival(asking, origin)
        const [appRes] = await Promise.all([
          verify.waitForResponse((r) => r.url() === `${origin}/app` && r.request().isNavigationRequest()),
          verify.click('button[type=submit]'),
        ])
        await verify.waitForURL(`${origin}/app`)
        await sessionsListed(verify)
        await checkExamplePage(t, verify, appRes, L)
        t.equal(await heading(verify), ex['app.heading'])
        t.equal(await verify.locator('main p').nth(1).innerText(), tx('app.as', { email }))
        // The session's end, for people: a date in words in the page's language, in UTC with the zone named.
        const iso = await verify.locator('#expires-at time').getAttribute('datetime') ?? ''
        const date = new Intl.DateTimeFormat(L, { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(new Date(iso))
        t.equal(await verify.locator('#expires-at').innerText(), tx('app.expires', { date }), `the session's end: ${date}`)
        t.match(date, /UTC/, 'the zone is named')
        const row = verify.locator('#sessions li').first()
        t.equal(await row.locator('strong').innerText(), tx('device.on', { browser: 'Chrome', system: 'Linux' }), 'the device, in the language')
        t.equal(await row.locator('.badge').innerText(), ex['app.thisDevice'])
        t.equal(await row.locator('.muted').innerText(), tx('app.sessionTimes', { created: ex['app.justNow'], seen: ex['app.justNow'] }))
        t.equal(await verify.locator('#logout').innerText(), ex['app.signOut'])
        if (L === 'ar') t.ok(await leftOf(verify, '#logout') < await leftOf(verify, '.top .brand'), 'rtl: "sign out" is on the left, the brand on the right')
        if (screenshots) await shots.variants(verify, 'signed-in')

        const { first, path } = await asker.arrived()
        if (first !== 200) t.comment(`the asking tab's GET /app answered ${first}: it had no session cookie yet`)
        t.equal(path, '/app', 'the asking tab followed to /app by itself')
        t.equal((await langOf(asking)).lang, L, `and is in ${L} too`)

        if (way === 'cookie') {
          // Phone width, every language: "Sign out" stays on one line, inside the card.
          await verify.setViewportSize({ width: 390, height: 844 })
          for (const other of LOCALES) {
            await Promise.all([
              verify.waitForResponse((r) => r.url() === `${origin}/app` && r.request().isNavigationRequest()),
              verify.goto(`/lang?to=${encodeURIComponent(other)}&back=%2Fapp`),
            ])
            await sessionsListed(verify)
            t.equal((await langOf(verify)).lang, other)
            for (const selector of ['#logout', '#sessions li button']) {
              t.same(await oneLine(verify, selector), { lines: 1, overflows: false, outsideCard: false }, `390 px, ${other}: ${selector} "${catalogs[other]['app.signOut']}" on one line, inside the card`)
            }
            const brand = await verify.locator('.top .brand').boundingBox()
            const button = await verify.locator('#logout').boundingBox()
            t.ok(brand !== null && button !== null && (brand.x + brand.width <= button.x || button.x + button.width <= brand.x), `390 px, ${other}: the brand and "sign out" do not overlap`)
          }
          // Back to this flow's language.
          await verify.goto(`/lang?to=${L}&back=%2Fapp`)
          t.equal((await langOf(verify)).lang, L)
          await verify.setViewportSize({ width: 1280, height: 800 })
        }

        // The help page the plugin's "Need help?" link is meant for.
        const helpRes = await verify.goto('/help') as Response
        await checkExamplePage(t, verify, helpRes, L)
        t.equal(await heading(verify), ex['help.heading'], 'the help page, in the language')
        t.same(await verify.locator('.faq h2').allInnerTexts(), [ex['help.how.title'], ex['help.phone.title'], ex['help.noMail.title'], ex['help.notYou.title']])
        if (screenshots) await shots.take(verify, 'help')
      })

      flow(`locale-${L}-${way}-cross`, `${L}, chosen by ${how}: cross-device sign-in, the phone types the match code`, ['400 /auth/verify'], async ({ t, shots, device }) => {
        const email = `cross.${L}.${way}@example.com`
        const browserLocale = way === 'accept' ? L : 'en-US'
        const laptop = await device({ userAgent: ua, locale: browserLocale })
        const phone = await device({ ...devices['Pixel 7'], viewport: { width: 390, height: 844 }, locale: browserLocale })
        const { page: asking, response } = await openLogin(t, laptop, way, L, origin)
        await checkExamplePage(t, asking, response, L)
        const matchCode = await askForLink(t, asking, email, shots, loginTexts(L), { goto: false, shots: false })
        t.equal(await asking.locator('#matchbox .muted').innerText(), ex['wait.matchIntro'])
        const mail = await mailTo(site.outbox, email)
        t.equal(mail.locale, L, `the mail is written in ${L}`)
        t.equal(mail.subject, tr.text('mail.login.subject', { app: BRAND.name }))
        if (mail.link === null) throw new Error('no link in the mail')

        // The phone: with the switcher, it picks the language on the example first (its browser asks for English).
        if (way === 'cookie') await openLogin(t, phone, way, L, origin)
        const approve = await phone.tab()
        const res = await approve.goto(mail.link) as Response
        t.equal(res.status(), 200, 'GET /auth/verify on the phone: 200')
        await checkVerifyHeaders(t, res)
        await checkPluginPage(t, approve, res, L, tr)
        t.equal(await heading(approve), tr.text('otherBrowser.title'))
        t.equal(await approve.locator('main p').nth(1).innerText(), tr.text('otherBrowser.text', { app: BRAND.name, when: tr.text('time.justNow'), device: tr.device(LAPTOP) }), "the app, when, and the asking device, in the language")
        t.equal(await approve.locator('.note').innerText(), tr.text('otherBrowser.safe'))
        t.equal(await approve.locator('label[for=code]').innerText(), tr.text('otherBrowser.label'))
        t.equal(await approve.locator('button[type=submit]').innerText(), tr.text('otherBrowser.button'))
        t.notMatch(await approve.locator('main').innerText(), email, 'the other device is not told the address')
        await checkNoteSide(t, approve, L)
        if (screenshots) await shots.variants(approve, 'other-device')

        await approve.fill('#code', matchCode === 'BBB-BBB' ? 'CCC-CCC' : 'BBB-BBB')
        t.equal((await submit(approve, origin, '/auth/verify')).status(), 400, 'a wrong code: 400')
        t.equal(await approve.locator('.error').innerText(), `${tr.text('code.wrong')} ${tr.text('code.attemptsLeft', { count: 4 })}`, 'wrong code, 4 tries left, in the language')
        t.equal((await langOf(approve)).lang, L, 'still in the language')
        if (screenshots) await shots.take(approve, 'other-device-wrong-code')

        await approve.fill('#code', matchCode)
        const asker = watchArrival(asking, origin)
        const ok = await submit(approve, origin, '/auth/verify')
        t.equal(ok.status(), 200, 'the right code: 200')
        await checkPluginPage(t, approve, ok, L, tr)
        t.equal(await heading(approve), tr.text('approved.title'))
        t.match(await approve.locator('main').innerText(), tr.text('approved.text', { device: tr.device(LAPTOP) }))
        if (screenshots) await shots.take(approve, 'approved')

        t.same(await asker.arrived(), { first: 200, path: '/app' }, 'the laptop went to /app signed in, by itself')
        await checkExamplePage(t, asking, null, L)
        t.equal(await heading(asking), ex['app.heading'])
        if (screenshots) await shots.take(asking, 'laptop-signed-in')

        const notice = await mailTo(site.outbox, email, { notice: true })
        t.equal(notice.locale, L, `the "new sign-in" notice is written in ${L}`)
        t.equal(notice.subject, tr.text('mail.notice.subject', { app: BRAND.name }))
        t.match(notice.text, tr.device(LAPTOP), 'it names the device that got the session, in the language')
        t.equal(await phone.sessionCookie(), undefined, 'the phone has no session')
      })
    }
  }
})
