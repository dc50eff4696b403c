import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
// In your app: `import magicLink from 'fastify-magic-link'`. The examples run from the source.
import magicLink, { type MagicLinkOptions, type MagicLinkUser } from '../../src/index.js'
import { bundleScripts } from './bundle.js'
import { escapeHtml, page, sendHtml, STYLE } from './html.js'
import type { DevOutbox } from './outbox.js'

const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#3b5bdb"/></svg>'

/** The example's user record: what your `users` table would hold. */
interface User extends MagicLinkUser {
  email: string
}

/** What the examples' app is made of. */
export interface SiteOptions {
  /** Plugin options, but `users` (the example keeps users in memory and lets anyone sign up). */
  magicLink: Omit<MagicLinkOptions, 'users'>
  /** Adds `/outbox`, the development mailbox. */
  outbox?: DevOutbox
  /** Redirects requests for another host (`127.0.0.1:3000`) to the configured origin, whose cookies and Origin check the plugin uses. */
  canonicalHost?: boolean
  logger?: FastifyServerOptions['logger']
  trustProxy?: boolean
}

/** The example app: the plugin, a login page, a signed-in page, and (dev) the outbox. */
export async function createSite (o: SiteOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: o.logger ?? true, trustProxy: o.trustProxy ?? false })
  const origin = new URL(o.magicLink.origin)

  // Anyone can sign up: the first completed sign-in creates the user. A real app keeps this in its database.
  const byEmail = new Map<string, User>()
  const byId = new Map<string, User>()

  await app.register(magicLink, {
    redirect: { allow: ['/app'] },
    ...o.magicLink,
    users: {
      find: (email) => byEmail.get(email) ?? null,
      create: (email) => {
        const user: User = { id: randomUUID(), email }
        byEmail.set(email, user)
        byId.set(user.id, user)
        return user
      },
      // Kept in the session, so the pages know who is signed in without a lookup.
      claims: (user) => ({ email: byId.get(user.id)?.email ?? '' }),
    },
  })

  if (o.canonicalHost === true) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers.host !== origin.host && (request.method === 'GET' || request.method === 'HEAD')) {
        return reply.redirect(origin.origin + request.url, 307)
      }
    })
  }

  const scripts = await bundleScripts()
  app.get('/favicon.svg', async (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'max-age=86400').send(FAVICON))
  app.get('/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(STYLE))
  app.get('/js/:name', async (request, reply) => {
    const js = scripts.get((request.params as { name: string }).name)
    if (js === undefined) return reply.callNotFound()
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(js)
  })

  app.get('/', async (request, reply) => {
    if (request.session !== null) return reply.redirect('/app', 303)
    return sendHtml(reply, loginPage(o.outbox !== undefined))
  })

  app.get('/app', async (request, reply) => {
    if (request.session === null) return reply.redirect('/', 303)
    const { email } = request.session.data as { email?: string }
    return sendHtml(reply, appPage(email ?? 'you', new Date(request.session.expiresAt)))
  })

  const outbox = o.outbox
  if (outbox !== undefined) {
    app.get('/outbox', async (_request, reply) => sendHtml(reply, outboxPage(outbox)))
    app.get('/outbox.json', async (_request, reply) => reply.header('cache-control', 'no-store').send({ count: outbox.mails.length }))
  }
  return app
}

function loginPage (dev: boolean): string {
  return page('Sign in', `<main class="card">
<p class="brand">Magic link demo</p>
<section id="ask">
  <h1>Sign in</h1>
  <p class="muted">No password. We email you a link and a code; any address can sign up.</p>
  <form id="ask-form" novalidate>
    <label for="email">Email address</label>
    <input id="email" name="email" type="email" autocomplete="email" placeholder="you@example.com" required autofocus>
    <button id="ask-button" type="submit">Email me a sign-in link</button>
    <p class="error" id="ask-error" role="alert" hidden></p>
  </form>
</section>
<section id="wait" hidden>
  <h1>Check your mail</h1>
  <p>We sent a link to <strong id="sent-to"></strong>. Open it on this device, or on your phone.</p>
  <div class="matchbox" id="matchbox">
    <p class="muted">On another device, the link asks for this code:</p>
    <p class="match" id="match" aria-label="Code to type on the other device"></p>
  </div>
  <p class="status" id="status" role="status">Waiting for the link to be opened…</p>
  <p class="muted" id="expires"></p>
  <div id="code-area">
  <p class="divider">or</p>
  <form id="code-form" novalidate>
    <label for="code">Type the 6-digit code from the mail</label>
    <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}" placeholder="000000" required>
    <button id="code-button" type="submit">Sign in with the code</button>
    <p class="error" id="code-error" role="alert" hidden></p>
  </form>
  </div>
  <p class="muted restart"><a href="/" id="restart">Start again with another address</a></p>
</section>
${dev ? '<p class="dev">Development mode: no mail leaves this machine. Read it in the <a href="/outbox" target="_blank" rel="noopener">outbox</a>.</p>' : ''}
</main>`, 'login')
}

function appPage (email: string, expiresAt: Date): string {
  return page('Your account', `<main class="card wide">
<div class="top">
  <p class="brand">Magic link demo</p>
  <button id="logout" class="secondary" type="button">Sign out</button>
</div>
<h1>You're signed in</h1>
<p>as <strong>${escapeHtml(email)}</strong></p>
<p class="muted">This session ends at the latest on <time datetime="${expiresAt.toISOString()}">${escapeHtml(expiresAt.toUTCString())}</time>, sooner after a week without a visit.</p>
<h2>Where you're signed in</h2>
<ul class="list" id="sessions"><li class="empty">Loading…</li></ul>
<p class="error" id="error" role="alert" hidden></p>
<div class="actions">
  <button id="logout-all" class="secondary danger" type="button">Sign out everywhere</button>
</div>
</main>`, 'app')
}

function outboxPage (outbox: DevOutbox): string {
  const items = outbox.mails.map((m) => `<li class="mail"><div class="what">
  <h3>${escapeHtml(m.subject)}</h3>
  <p class="muted">To ${escapeHtml(m.to)} · <time datetime="${m.sentAt.toISOString()}">${escapeHtml(m.sentAt.toLocaleTimeString('en-GB'))}</time></p>
  ${m.link === null ? '' : `<a class="link" href="${escapeHtml(m.link)}" target="_blank" rel="noopener">${escapeHtml(m.link)}</a>`}
  ${m.code === null ? '' : `<p>Code: <span class="code">${escapeHtml(m.code)}</span></p>`}
  <details><summary>Full text</summary><pre>${escapeHtml(m.text)}</pre></details>
</div></li>`)
  return page('Outbox', `<main class="card wide" id="outbox" data-count="${outbox.mails.length}">
<div class="top"><p class="brand">Magic link demo · dev outbox</p><a href="/">Sign-in page</a></div>
<h1>Outbox</h1>
<p class="muted">Mails the app would have sent, newest first (this page refreshes by itself). Open a link in this browser to sign in here, or in a private window to try the cross-device flow: it asks for the code shown on the sign-in page.</p>
<ul class="list">${items.length === 0 ? '<li class="empty">No mail yet. Ask for a link on the <a href="/">sign-in page</a>.</li>' : items.join('\n')}</ul>
</main>`, 'outbox')
}
