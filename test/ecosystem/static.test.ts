// @fastify/static serving a folder at `/`: with `wildcard: true` (its default) it owns GET and
// HEAD `/*`, with `wildcard: false` one route per file. The plugin's routes (GET and HEAD
// /auth/verify included) must win over the wildcard, files must still be served (one of them
// under /auth/), and the plugin's page headers must not leak onto the files.
import t from 'tap'
import Fastify from 'fastify'
import fastifyStatic from '@fastify/static'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import magicLink from '../../src/index.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'
import { crossSiteRefused, loginSucceeded, pageHeaders, watch5xx } from '../fixtures/ecosystem/checks.js'

const ROOT = fileURLToPath(new URL('../fixtures/ecosystem/static/', import.meta.url))
const INDEX = readFileSync(`${ROOT}index.html`, 'utf8')
const HELP = readFileSync(`${ROOT}auth/help.html`, 'utf8')

for (const wildcard of [true, false]) {
  for (const order of ['static first', 'plugin first'] as const) {
    t.test(`static at / (wildcard: ${String(wildcard)}), ${order}`, async (t) => {
      const box = outbox()
      const app = Fastify()
      t.teardown(() => app.close())
      const errors = watch5xx(app)
      if (order === 'static first') {
        await app.register(fastifyStatic, { root: ROOT, prefix: '/', wildcard })
        await app.register(magicLink, options(box))
      } else {
        await app.register(magicLink, options(box))
        await app.register(fastifyStatic, { root: ROOT, prefix: '/', wildcard })
      }
      app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
      await app.ready()

      const login = await browserLogin(app, box)
      loginSucceeded(t, login)
      pageHeaders(t, login.page, 'the sign-in page')
      t.match(login.page.body, /<form/, 'the page is the plugin\'s, not a static file or a 404')
      const location = login.verify?.headers.location
      t.equal(location, '/', 'the 303 goes to the app\'s /')
      const home = await app.inject({ method: 'GET', url: location as string, headers: { cookie: login.jar.header() } })
      t.equal(home.statusCode, 200, 'where the static index is served')
      t.equal(home.body, INDEX)

      const head = await app.inject({ method: 'HEAD', url: login.link.pathname + login.link.search })
      t.equal(head.statusCode, 409, 'HEAD of the used link reaches the plugin (409 used), not the static wildcard')
      pageHeaders(t, head, 'HEAD of the link')
      t.equal(head.body, '', 'without a body')
      const gone = await app.inject({ method: 'GET', url: '/auth/verify?token=nope' })
      t.equal(gone.statusCode, 410, 'an unknown link: the plugin\'s 410 page')
      pageHeaders(t, gone, 'the unknown-link page')
      const session = await app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: login.jar.header() } })
      t.equal(session.statusCode, 200, 'GET /auth/session is the plugin\'s')
      t.match(session.json(), { user: { id: 'u1' } })

      // Static files, one of them under the plugin's prefix.
      const js = await app.inject({ method: 'GET', url: '/app.js' })
      t.equal(js.statusCode, 200, '/app.js served')
      t.match(js.body, /static-app-js/)
      t.match(js.headers['content-type'], /javascript/)
      const help = await app.inject({ method: 'GET', url: '/auth/help.html' })
      t.equal(help.statusCode, 200, '/auth/help.html served next to the plugin\'s /auth routes')
      t.equal(help.body, HELP)
      t.not(help.headers['cache-control'], 'no-store', 'the plugin\'s no-store stays on its own routes')
      t.equal(help.headers['content-security-policy'], undefined, 'and so does its CSP')
      t.equal((await app.inject({ method: 'HEAD', url: '/app.js' })).statusCode, 200, 'HEAD of a static file')
      t.equal((await app.inject({ method: 'GET', url: '/nope.txt' })).statusCode, 404, 'a missing file is a 404')

      await crossSiteRefused(t, app)
      t.same(errors, [], 'no 5xx')
    })
  }
}
