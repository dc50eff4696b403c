// The plugin inside a prefixed scope (`app.register(…, { prefix: '/api' })`, as autoload folders
// do): its routes move under the scope's prefix, and the mailed link, the pages' forms and the
// used-link page must follow them there, or every link is a 404.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import magicLink from '../../src/index.js'
import { ORIGIN, send } from '../helpers/app.js'
import { browserLogin, formAction, options, outbox } from '../helpers/ecosystem.js'

async function scoped (scopePrefix: string, prefix: string | undefined): Promise<{ app: FastifyInstance, api: FastifyInstance, box: ReturnType<typeof outbox> }> {
  const box = outbox()
  const app = Fastify()
  let scope: FastifyInstance | null = null
  await app.register(async (api) => {
    scope = api
    await api.register(magicLink, options(box, prefix === undefined ? {} : { prefix }))
    api.get('/me', { preHandler: api.requireSession }, async (request) => ({ userId: request.session?.userId }))
  }, { prefix: scopePrefix })
  await app.ready()
  return { app, api: scope as unknown as FastifyInstance, box }
}

for (const [scopePrefix, prefix, routes] of [
  ['/api', undefined, '/api/auth'],
  ['/api', '/login', '/api/login'],
  ['/api', '', '/api'],
  ['/api/v1', '/auth', '/api/v1/auth'],
] as const) {
  t.test(`scope ${scopePrefix} + prefix ${JSON.stringify(prefix ?? '(default)')}: links, forms and routes at ${routes}`, async (t) => {
    const { app, box } = await scoped(scopePrefix, prefix)
    t.teardown(() => app.close())
    const login = await browserLogin(app, box, { prefix: routes, me: `${scopePrefix}/me` })
    t.equal(login.request.statusCode, 202, 'the request route is under the scope')
    t.equal(login.link.origin, ORIGIN)
    t.equal(login.link.pathname, `${routes}/verify`, 'the mailed link points at the real route')
    t.equal(login.page.statusCode, 200, 'the link opens the page')
    t.equal(login.action, `${routes}/verify`, "the page's form posts to the real route")
    t.equal(login.verify?.statusCode, 303, 'the form post signs in')
    t.equal(login.me.statusCode, 200)
    t.equal(login.me.json().userId, 'u1')

    // The used-link page (opened again) offers "sign that session out" at the real route too.
    const again = await send(app, login.jar, { method: 'GET', url: login.link.pathname + login.link.search })
    t.equal(again.statusCode, 409)
    t.equal(formAction(again.body), `${routes}/revoke`)
    const revoke = await send(app, login.jar, {
      method: 'POST',
      url: `${routes}/revoke`,
      payload: new URLSearchParams({ token: login.link.searchParams.get('token') as string, email: 'known@example.com' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    })
    t.equal(revoke.statusCode, 200, 'the revoke form works where it posts')
    t.equal((await send(app, login.jar, { method: 'GET', url: `${scopePrefix}/me` })).statusCode, 401, 'that session is gone')

    // A form post that fails is answered with a page whose links and forms stay under the scope.
    const bad = await send(app, login.jar, {
      method: 'POST',
      url: `${routes}/verify`,
      payload: 'token=' + 'x'.repeat(10),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    })
    t.equal(bad.statusCode, 410)
    t.match(bad.headers['content-type'], /text\/html/, 'an error page, not JSON')
    t.equal((await app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).statusCode, 404, 'nothing at the unprefixed path')
  })
}

t.test('admin links (createLink) follow the scope prefix too', async (t) => {
  const { app, api } = await scoped('/api', undefined)
  t.teardown(() => app.close())
  const { link } = await api.magicLink.createLink('known@example.com')
  t.equal(new URL(link).pathname, '/api/auth/verify')
  const page = await app.inject({ method: 'GET', url: new URL(link).pathname + new URL(link).search })
  t.equal(page.statusCode, 200)
  t.equal(formAction(page.body), '/api/auth/verify')
})
