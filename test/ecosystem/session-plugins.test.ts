// @fastify/session and @fastify/secure-session also decorate `request.session`. Registered before
// fastify-magic-link in one scope, boot fails with a coded error that names both and the way out;
// in sibling scopes both work. (Registered after the plugin, they throw Fastify's
// FST_ERR_DEC_ALREADY_PRESENT from their own code, synchronously, which escapes as an uncaught
// exception whoever decorated first: the README says so.) And `app.requireSession` exists only
// once registration is awaited.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import fastifySecureSession from '@fastify/secure-session'
import magicLink from '../../src/index.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'

const SESSION_SECRET = 'a-secret-for-fastify-session-0123456789'

const others: Array<[string, (app: FastifyInstance) => Promise<void>]> = [
  ['@fastify/session', async (app) => {
    if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie)
    await app.register(fastifySession, { secret: SESSION_SECRET })
  }],
  ['@fastify/secure-session', async (app) => {
    await app.register(fastifySecureSession, { key: Buffer.alloc(32, 7) })
  }],
]

for (const [name, registerOther] of others) {
  t.test(`${name} registered first in the same scope: a coded boot error naming both and the way out`, async (t) => {
    const app = Fastify()
    await registerOther(app)
    const error = await app.register(magicLink, options(outbox())).then(() => null, (e: Error & { code?: string }) => e)
    t.equal(error?.code, 'FST_MAGIC_LINK_CONFLICT')
    t.match(error?.message, /fastify-magic-link/)
    t.match(error?.message, /@fastify\/session/)
    t.match(error?.message, /@fastify\/secure-session/)
    t.match(error?.message, /sibling scope/, 'the way out')
    await app.close()
  })

  t.test(`${name} and fastify-magic-link in sibling scopes: both work`, async (t) => {
    const box = outbox()
    const app = Fastify()
    await app.register(async (auth) => {
      await auth.register(magicLink, options(box))
      auth.get('/me', { preHandler: auth.requireSession }, async (request) => ({ userId: request.session?.userId }))
    })
    await app.register(async (legacy) => {
      await registerOther(legacy)
      legacy.get('/legacy', async (request) => ({ hasSession: typeof request.session === 'object' && request.session !== null }))
    })
    await app.ready()
    t.teardown(() => app.close())
    const login = await browserLogin(app, box)
    t.equal(login.verify?.statusCode, 303)
    t.equal(login.me.statusCode, 200)
    t.equal(login.me.json().userId, 'u1')
    const legacy = await app.inject({ method: 'GET', url: '/legacy' })
    t.equal(legacy.statusCode, 200)
    t.equal(legacy.json().hasSession, true, `${name} fills its own request.session in its scope`)
  })
}

t.test('app.requireSession exists only after `await app.register(magicLink)`: a route declared before is public', async (t) => {
  const box = outbox()
  const app = Fastify()
  const pending = app.register(magicLink, options(box))
  // What the README warns about: not awaited, the decorator is not there yet.
  t.equal((app as unknown as { requireSession?: unknown }).requireSession, undefined)
  app.get('/too-early', { preHandler: (app as unknown as { requireSession?: never }).requireSession }, async () => ({ secret: true }))
  await pending
  app.get('/protected', { preHandler: app.requireSession }, async () => ({ secret: true }))
  await app.ready()
  t.teardown(() => app.close())
  t.equal((await app.inject({ method: 'GET', url: '/too-early' })).statusCode, 200, 'public: the preHandler was undefined')
  t.equal((await app.inject({ method: 'GET', url: '/protected' })).statusCode, 401)
})
