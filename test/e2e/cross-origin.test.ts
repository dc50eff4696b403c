// End-to-end: a front-end on another origin (same site) signs in against the API through the
// real client, in Debian's Chromium, with both transports (README "Front-ends on other origins
// and native apps"):
//   API        http://localhost:<a>  @fastify/cors (front-end only, credentials) + the plugin
//                                    (trustedOrigins: [front-end]) + GET /me
//   front-end  http://localhost:<b>  test/fixtures/cross-origin/page.html + page.ts (bundled)
//   third      http://localhost:<c>  the same page, on an origin nobody trusts
// Each browser context is one device with its own cookie jar. Screenshots go to
// test/e2e/screenshots/cross-origin-<transport>-<nn>-<step>.png (gitignored).
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import { build } from 'esbuild'
import { readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { Browser, Page, Response } from 'playwright-core'
import magicLink, { MemoryStore, messages, type MagicLinkUser } from '../../src/index.js'
import { freePort } from '../helpers/ports.js'
import { heading, launchBrowser, newDevice, Shots, whyNoBrowser, type Device } from './harness.js'

type Transport = 'cookie' | 'token'

const en = messages.en as Record<'sameBrowser.title' | 'otherBrowser.title' | 'approved.title', string>

const FIXTURES = fileURLToPath(new URL('../fixtures/cross-origin/', import.meta.url))

interface Mail { to: string, link: string | null }

interface Servers {
  api: FastifyInstance
  front: FastifyInstance
  third: FastifyInstance
  apiOrigin: string
  frontOrigin: string
  thirdOrigin: string
  mails: Mail[]
  users: Map<string, MagicLinkUser>
  /** `<METHOD> <path> <Origin>` of every request the API received. */
  seen: string[]
}

/** The page script with the real client from src/client, in memory, the API's origin built in. */
async function bundlePage (apiOrigin: string): Promise<string> {
  const result = await build({
    entryPoints: [`${FIXTURES}page.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    define: { API_ORIGIN: JSON.stringify(apiOrigin) },
    legalComments: 'none',
    logLevel: 'silent',
  })
  return (result.outputFiles[0] as { text: string }).text
}

/** A plain static server of the page: its script from self, fetches to the API only. */
function staticFront (html: string, js: string, apiOrigin: string): FastifyInstance {
  const app = Fastify({ logger: false })
  const csp = `default-src 'none'; script-src 'self'; connect-src ${apiOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', csp).send(html))
  app.get('/page.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(js))
  return app
}

async function startOnce (): Promise<Servers> {
  const [apiPort, frontPort, thirdPort] = [await freePort(), await freePort(), await freePort()]
  const apiOrigin = `http://localhost:${apiPort}`
  const frontOrigin = `http://localhost:${frontPort}`
  const thirdOrigin = `http://localhost:${thirdPort}`
  const mails: Mail[] = []
  const users = new Map<string, MagicLinkUser>()
  const seen: string[] = []

  const api = Fastify({ logger: false })
  api.addHook('onRequest', async (request) => { seen.push(`${request.method} ${request.url.split('?')[0]} ${request.headers.origin ?? '-'}`) })
  await api.register(cors, { origin: [frontOrigin], credentials: true })
  await api.register(magicLink, {
    origin: apiOrigin,
    secret: randomBytes(32).toString('base64url'),
    trustedOrigins: [frontOrigin],
    store: new MemoryStore(),
    sendMail: async (message, ctx) => { mails.push({ to: message.to, link: ctx?.link ?? null }) },
    users: {
      find: (email) => users.get(email) ?? null,
      create: (email) => {
        const user = { id: `user-${users.size + 1}` }
        users.set(email, user)
        return user
      },
    },
    session: { transports: ['cookie', 'token'] },
  })
  api.get('/me', { preHandler: api.requireSession }, async (request) => request.session)
  // Where the plugin's same-browser page lands after "Sign in": a path on the API's origin.
  api.get('/', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('API: signed in. Go back to the app.'))

  const html = await readFile(`${FIXTURES}page.html`, 'utf8')
  const js = await bundlePage(apiOrigin)
  const front = staticFront(html, js, apiOrigin)
  const third = staticFront(html, js, apiOrigin)
  const started: FastifyInstance[] = []
  try {
    for (const [app, port] of [[api, apiPort], [front, frontPort], [third, thirdPort]] as const) {
      await app.listen({ port, host: 'localhost' })
      started.push(app)
    }
  } catch (error) {
    for (const app of [api, front, third]) await app.close()
    throw error
  }
  return { api, front, third, apiOrigin, frontOrigin, thirdOrigin, mails, users, seen }
}

/** The three servers; when another process took a port between freePort() and listen(), new ports. */
async function start (): Promise<Servers> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startOnce()
    } catch (error) {
      if (attempt >= 5 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
}

/** The link of the newest sign-in mail to `to`, waiting up to 5 s (mails are sent after the answer). */
async function linkTo (s: Servers, to: string): Promise<string> {
  const deadline = Date.now() + 5000
  for (;;) {
    const mail = s.mails.findLast((m) => m.to === to && m.link !== null)
    if (mail?.link != null) return mail.link
    if (Date.now() > deadline) throw new Error(`no sign-in mail to ${to}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function openFront (page: Page, origin: string, transport: Transport): Promise<void> {
  const res = await page.goto(`${origin}/?transport=${transport}`) as Response
  if (res.status() !== 200) throw new Error(`GET ${origin}/: ${res.status()}`)
  await page.locator('body[data-state=ready]').waitFor()
}

/** Types the address and asks; returns the match code the page shows. */
async function ask (t: Test, page: Page, email: string, shots: Shots, step: string): Promise<string> {
  await page.fill('#email', email)
  await page.click('#ask')
  await page.locator('body[data-state=waiting]').waitFor()
  const code = await page.locator('#match').innerText()
  t.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/, 'the front-end shows the match code')
  await shots.take(page, step)
  return code
}

/** The front-end reached "signed in": GET /me through client.fetch answered the user's id. */
async function signedIn (t: Test, s: Servers, page: Page, email: string): Promise<string> {
  await page.locator('body[data-state=signed-in], body[data-state=error]').waitFor()
  if (await page.locator('body[data-state=error]').count() > 0) {
    t.fail(`the front-end shows an error: ${await page.locator('#error').innerText()}`)
    return ''
  }
  const id = s.users.get(email)?.id
  t.ok(id, 'the user was created at sign-in')
  t.equal(await page.locator('#user').innerText(), id, 'the front-end shows the user id from GET /me (client.fetch to the API origin)')
  return await page.locator('#via').innerText()
}

/**
 * Cookie transport: the API's session cookie is `SameSite=Lax`, HttpOnly and host-only (no
 * `Domain`), and the binding cookie is gone. Token transport: no cookie of the plugin at all.
 */
async function checkCookies (t: Test, s: Servers, d: Device, transport: Transport, setCookie: string | null): Promise<void> {
  const cookies = await d.context.cookies(s.apiOrigin)
  if (transport === 'token') {
    t.same(cookies.filter((c) => c.name === 'sid' || c.name === 'mlflow'), [], 'token transport: no cookie of the plugin in the browser for the API origin')
    t.same(cookies, [], 'nor any other cookie')
    return
  }
  const sid = cookies.find((c) => c.name === 'sid')
  t.ok(sid, 'cookie transport: the browser holds the API session cookie `sid`')
  t.equal(sid?.sameSite, 'Lax', 'SameSite=Lax')
  t.equal(sid?.httpOnly, true, 'HttpOnly')
  t.equal(sid?.domain, 'localhost', "host-only for the API's host (no leading dot: no Domain attribute)")
  t.equal(sid?.path, '/')
  t.same(cookies.filter((c) => c.name === 'mlflow'), [], 'the binding cookie is cleared')
  t.ok(setCookie !== null && setCookie.includes('sid='), 'the sign-in answer set the session cookie')
  const line = (setCookie ?? '').split('\n').find((l) => l.startsWith('sid=')) ?? ''
  t.match(line, /; SameSite=Lax/, `Set-Cookie: ${line.replace(/^sid=[^;]*/, 'sid=…')}`)
  t.notMatch(line, /;\s*Domain=/i, 'no Domain attribute')
}

async function main (): Promise<void> {
  const t0 = Date.now()
  const s = await start()
  let browser: Browser | null = null
  t.teardown(async () => {
    // The browser first: its open long-polls end with it, so the servers close at once.
    await browser?.close()
    for (const app of [s.api, s.front, s.third]) await app.close()
    t.comment(`total ${Date.now() - t0} ms`)
  })
  browser = await launchBrowser()
  const b = browser
  t.comment(`API ${s.apiOrigin}, front-end ${s.frontOrigin}, third origin ${s.thirdOrigin}; up in ${Date.now() - t0} ms`)

  /** One flow: its devices are closed after it, and none of their pages may report a problem but `allowed`. */
  const flow = (name: string, transport: Transport, body: (k: { t: Test, shots: Shots, device: (origin: string, phone?: boolean) => Promise<Device> }) => Promise<void>, allowed: RegExp | null = null): void => {
    t.test(`${transport}: ${name}`, async (t) => {
      const shots = new Shots(`cross-origin-${transport}-${name.split(' ')[0] as string}`)
      await shots.reset()
      const used: Device[] = []
      const device = async (origin: string, phone = false): Promise<Device> => {
        const d = await newDevice(b, origin, phone ? { viewport: { width: 412, height: 839 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {})
        used.push(d)
        return d
      }
      const started = Date.now()
      try {
        await body({ t, shots, device })
      } finally {
        for (const d of used) await d.context.close()
        t.comment(`${Date.now() - started} ms; screenshots: ${shots.files.join(' ')}`)
      }
      const problems = used.flatMap((d) => d.problems)
      if (allowed === null) t.same(problems, [], 'no console error, uncaught exception or CSP violation')
      else t.same(problems.filter((p) => !allowed.test(p.text)), [], `no console error but the expected ${String(allowed)}`)
      // Chromium asks every origin for /favicon.ico; none of these servers has one.
      t.same(used.flatMap((d) => d.httpErrors).filter((e) => e !== '404 /favicon.ico'), [], 'no error status logged by Chromium (but favicon 404s)')
    })
  }

  for (const transport of ['cookie', 'token'] as const) {
    flow('same-device', transport, async ({ t, shots, device }) => {
      const email = `same.${transport}@example.com`
      const laptop = await device(s.frontOrigin)
      const page = await laptop.tab()
      await openFront(page, s.frontOrigin, transport)
      await shots.take(page, 'front-end')
      await ask(t, page, email, shots, 'asked')
      const link = await linkTo(s, email)
      t.ok(link.startsWith(`${s.apiOrigin}/auth/verify?token=`), 'the mailed link points at the API origin (`origin`), not the front-end')

      // The link, opened in the same browser: the plugin's page on the API origin.
      const verify = await laptop.tab()
      const res = await verify.goto(link) as Response
      t.equal(res.status(), 200, 'GET /auth/verify: 200')
      let setCookie: string | null = null
      if (transport === 'cookie') {
        t.equal(await heading(verify), en['sameBrowser.title'].replace('{app}', new URL(s.apiOrigin).host), 'the binding cookie set by the cross-origin POST /auth/request came along: the one-button page')
        await shots.take(verify, 'verify-same-browser')
        const [post] = await Promise.all([
          verify.waitForResponse((r) => r.url() === `${s.apiOrigin}/auth/verify` && r.request().method() === 'POST'),
          verify.click('button[type=submit]'),
        ])
        t.equal(post.status(), 303, 'POST /auth/verify: 303')
        setCookie = await post.headerValue('set-cookie')
        await verify.waitForURL(`${s.apiOrigin}/`)
        t.pass(`the verify tab lands on ${verify.url()}: redirectTo is a path of the API origin`)
        const via = await signedIn(t, s, page, email)
        t.equal(via, 'poll', "the front-end tab's waitForSession() resolved by itself")
      } else {
        // No binding cookie in token mode: the plugin's page takes this very browser for another device.
        t.equal(await heading(verify), en['otherBrowser.title'], 'token transport: the plugin page cannot tell this is the asking browser')
        await shots.take(verify, 'verify-token-mode-asks-code')
        await verify.close()
        await page.fill('#link', link)
        const [post] = await Promise.all([
          page.waitForResponse((r) => r.url() === `${s.apiOrigin}/auth/verify` && r.request().method() === 'POST'),
          page.click('#link-button'),
        ])
        t.equal(post.status(), 200, 'client.verifyLink(token): POST /auth/verify { token, pollToken } 200')
        t.notOk(await post.headerValue('set-cookie'), 'with no Set-Cookie')
        const via = await signedIn(t, s, page, email)
        t.comment(`completed by ${via} (the long-poll also hears "completed" once verifyLink signed in)`)
      }
      await shots.take(page, 'front-end-signed-in')
      await checkCookies(t, s, laptop, transport, setCookie)

      // client.refresh() across origins: the token transport gets a new pair, cookies have none.
      const refreshes: number[] = []
      page.on('response', (r) => { if (r.url() === `${s.apiOrigin}/auth/refresh`) refreshes.push(r.status()) })
      await page.click('#refresh')
      await page.locator('body[data-state=refreshed], body[data-state=not-refreshed], body[data-state=error]').waitFor()
      const id = s.users.get(email)?.id ?? '?'
      if (transport === 'token') {
        t.equal(await page.locator('#refreshed').innerText(), `refresh() → true; GET /me → ${id}`, 'refresh() spent the refresh token for a new pair; GET /me works with the new access token')
        t.same(refreshes, [200], 'one POST /auth/refresh from the front-end origin: 200')
      } else {
        t.equal(await page.locator('#refreshed').innerText(), `refresh() → false; GET /me → ${id}`, 'cookie transport: refresh() has nothing to do; the cookie still works')
        t.same(refreshes, [], 'and sends nothing')
      }
      await shots.take(page, 'front-end-refreshed')
    })

    flow('cross-device', transport, async ({ t, shots, device }) => {
      const email = `cross.${transport}@example.com`
      const laptop = await device(s.frontOrigin)
      const phone = await device(s.apiOrigin, true)
      const page = await laptop.tab()
      await openFront(page, s.frontOrigin, transport)
      const matchCode = await ask(t, page, email, shots, 'asked')
      const link = await linkTo(s, email)

      const approve = await phone.tab()
      const res = await approve.goto(link) as Response
      t.equal(res.status(), 200, 'GET /auth/verify on the phone: 200')
      t.equal(await heading(approve), en['otherBrowser.title'], 'the other-device page asks for the code')
      await approve.fill('#code', matchCode)
      await shots.take(approve, 'phone-code-typed')
      const claimed = page.waitForResponse((r) => r.url().startsWith(`${s.apiOrigin}/auth/poll`) && r.status() === 200, { timeout: 10_000 })
      const [post] = await Promise.all([
        approve.waitForResponse((r) => r.url() === `${s.apiOrigin}/auth/verify` && r.request().method() === 'POST'),
        approve.click('button[type=submit]'),
      ])
      await approve.waitForLoadState('load')
      t.equal(post.status(), 200, 'the code from the front-end: 200')
      t.equal(await heading(approve), en['approved.title'], 'the approved page')
      await shots.take(approve, 'phone-approved')

      const poll = await claimed
      const body = await poll.json() as Record<string, unknown>
      t.equal(body.status, 'approved', "the front-end's long-poll is answered approved")
      if (transport === 'token') t.ok(typeof body.accessToken === 'string' && typeof body.refreshToken === 'string', 'with the tokens')
      else t.equal(body.accessToken, undefined, 'with no token (the cookie carries the session)')
      const via = await signedIn(t, s, page, email)
      t.equal(via, 'poll', 'waitForSession() completed the login')
      await shots.take(page, 'front-end-signed-in')
      await checkCookies(t, s, laptop, transport, await poll.headerValue('set-cookie'))
      t.same(await phone.context.cookies(), [], 'the phone holds no cookie')
    })

    flow('third-origin', transport, async ({ t, shots, device }) => {
      const email = `third.${transport}@example.com`
      const other = await device(s.thirdOrigin)
      const page = await other.tab()
      await openFront(page, s.thirdOrigin, transport)
      const mailsBefore = s.mails.length
      const seenBefore = s.seen.length
      await page.fill('#email', email)
      await page.click('#ask')
      await page.locator('body[data-state=error]').waitFor()
      t.match(await page.locator('#error').innerText(), /^network_error: /, 'the page shows the error: the browser refused the answer (CORS)')
      t.equal(await page.locator('#wait').isHidden(), true, 'no match code shown')
      await shots.take(page, 'refused')
      const reached = s.seen.slice(seenBefore)
      t.same(reached.filter((r) => r.startsWith('POST ')), [], `the POST never reached the API (only the preflight: ${reached.join(', ')})`)
      t.ok(other.problems.some((p) => /blocked by CORS policy/.test(p.text)), 'Chromium reports the CORS refusal')

      // What the API itself answers that origin, had the browser sent the POST.
      const refused = await fetch(`${s.apiOrigin}/auth/request`, {
        method: 'POST',
        headers: { origin: s.thirdOrigin, 'sec-fetch-site': 'same-site', 'content-type': 'application/json' },
        body: JSON.stringify({ email, ...(transport === 'token' ? { transport: 'token' } : {}) }),
      })
      const answer = await refused.json() as { code?: string }
      t.equal(refused.status, 403, 'the server answers 403')
      t.equal(answer.code, 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN')
      t.equal(refused.headers.get('access-control-allow-origin'), null, 'with no CORS grant')
      t.equal(refused.headers.get('set-cookie'), null, 'and no cookie')
      await new Promise((resolve) => setTimeout(resolve, 200))
      t.equal(s.mails.length, mailsBefore, 'no mail was sent')
      t.same(await other.context.cookies(), [], 'the third origin browser holds no cookie')
    }, /blocked by CORS policy|net::ERR_FAILED/)
  }
}

const skip = whyNoBrowser()
if (skip !== null) {
  t.comment(`e2e skipped: ${skip}`)
  t.skip(`cross-origin e2e: ${skip}`, () => {})
} else {
  t.setTimeout(90_000)
  await main()
}
