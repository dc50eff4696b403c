/**
 * `npx tsx examples/own-page.ts`: the app's OWN verify page (`linkUrl`) on http://localhost:3000,
 * with nothing to install: the in-memory store and a dev outbox at /outbox instead of SMTP.
 *
 * The mail links to `/login/verify#token=…`. The token rides in the fragment, which browsers never
 * send: it reaches no server log and no `Referer`. The page (`own-page/browser/verify.ts`) reads
 * it, asks `POST /auth/link` (which changes nothing) and shows the link's state in the app's own
 * design and words (`own-page/messages.ts`, English and German by `Accept-Language`); it posts
 * `/auth/verify` or `/auth/resend` only on a click.
 *
 * PORT overrides the port. Open the app on `localhost` (not 127.0.0.1): the plugin checks the
 * Origin of every login call against the configured origin.
 */
import { canonicalHost, memoryUsers } from './lib/users.js'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
// In your app: `import magicLink from 'fastify-magic-link'`. The examples run from the source.
import magicLink, { type MagicLinkOptions } from '../src/index.js'
import { DevOutbox } from './lib/outbox.js'
import { bundleOwnPageScripts } from './own-page/bundle.js'
import { negotiate, translator, type Translator } from './own-page/i18n.js'
import { APP_NAME, LOCALES } from './own-page/messages.js'
import { accountPage, outboxPage, signInPage, verifyPage } from './own-page/pages.js'

/** Where the mail links: the app's own page. */
export const VERIFY_PATH = '/login/verify'

/**
 * The pages' CSP: script and style from this origin only (no inline script, no nonce needed),
 * fetch to this origin only, no frames, and Trusted Types enforced (the scripts write text,
 * never HTML).
 */
export const OWN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
].join('; ')

const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="2" y="2" width="12" height="12" rx="4" fill="#0f766e"/></svg>'

export interface OwnPageOptions {
  /** The public origin, e.g. `http://localhost:3000`. */
  origin: string
  /** Signs the session cookies. Default: a fresh random one (the memory store forgets sessions on restart anyway). */
  secret?: string
  /** The development mailbox, shown at `/outbox`. Without one the plugin writes mails to the log. */
  outbox?: DevOutbox
  /** Redirects GET requests for another host (`127.0.0.1:3000`) to the configured origin. */
  canonicalHost?: boolean
  logger?: FastifyServerOptions['logger']
  /** More plugin options (a clock, limits), for tests. */
  magicLink?: Partial<Omit<MagicLinkOptions, 'users' | 'origin' | 'secret'>>
}


/** The example app: the plugin with `linkUrl`, a sign-in page, the own verify page, an account page, (dev) the outbox. */
export async function createOwnPageApp (o: OwnPageOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: o.logger ?? true })
  const origin = new URL(o.origin)


  await app.register(magicLink, {
    origin: o.origin,
    secret: o.secret ?? randomBytes(32).toString('base64url'),
    ...(o.outbox === undefined ? {} : { sendMail: o.outbox.sendMail }),
    linkUrl: VERIFY_PATH,
    loginUrl: '/',
    redirect: { allow: ['/account'] },
    brand: { name: APP_NAME, color: '#0f766e' },
    // The mails speak the languages the pages speak.
    locale: { default: 'en', supported: [...LOCALES] },
    // The sign-in page has no field for the mail's 6-digit code: the mail need not carry one.
    otp: false,
    ...o.magicLink,
    users: memoryUsers(),
  })

  if (o.canonicalHost === true) canonicalHost(app, origin)

  const [scripts, style] = await Promise.all([
    bundleOwnPageScripts(),
    readFile(new URL('./own-page/style.css', import.meta.url), 'utf8'),
  ])
  app.get('/favicon.svg', async (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'max-age=86400').send(FAVICON))
  app.get('/own/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(style))
  app.get('/own/js/:name', async (request, reply) => {
    const js = scripts.get((request.params as { name: string }).name)
    if (js === undefined) return reply.callNotFound()
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(js)
  })

  app.get('/', async (request, reply) => {
    if (request.session !== null) return reply.redirect('/account', 303)
    return sendPage(request, reply, (tr) => signInPage(tr, o.outbox !== undefined))
  })

  // The page the mail links to. It never sees the token: that stays in the browser.
  app.get(VERIFY_PATH, async (request, reply) => sendPage(request, reply, verifyPage))

  app.get('/account', async (request, reply) => {
    if (request.session === null) return reply.redirect('/', 303)
    const { email } = request.session.data as { email?: string }
    return sendPage(request, reply, (tr) => accountPage(tr, email ?? ''))
  })

  const outbox = o.outbox
  if (outbox !== undefined) {
    app.get('/outbox', async (request, reply) => sendPage(request, reply, (tr) => outboxPage(tr, outbox.mails)))
    app.get('/outbox.json', async (_request, reply) => reply.header('cache-control', 'no-store').send({ count: outbox.mails.length }))
  }
  return app
}

/** A page in the request's language, with the headers every page of the example gets. */
function sendPage (request: FastifyRequest, reply: FastifyReply, render: (tr: Translator) => string): FastifyReply {
  const tr = translator(negotiate(request.headers['accept-language']))
  return reply
    .code(200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-language', tr.locale)
    .header('vary', 'Accept-Language')
    .header('content-security-policy', OWN_CSP)
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .send(render(tr))
}

/** Run directly (`npx tsx examples/own-page.ts`), not when a test imports it. */
function isMain (): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href
  } catch {
    return false
  }
}

if (isMain()) {
  const port = Number(process.env.PORT ?? 3000)
  // http is allowed for localhost outside production; the cookies are then `sid` and `mlflow`.
  const origin = `http://localhost:${port}`
  const outbox = new DevOutbox()
  const app = await createOwnPageApp({ origin, outbox, canonicalHost: true, logger: { level: process.env.LOG_LEVEL ?? 'warn' } })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().then(() => process.exit(0))
    })
  }
  await app.listen({ port, host: 'localhost' })
  process.stdout.write(`\n  fastify-magic-link, your own verify page (linkUrl: '${VERIFY_PATH}') on ${origin}\n  No mail is sent: open ${origin}/outbox to read your mail.\n\n`)
}
