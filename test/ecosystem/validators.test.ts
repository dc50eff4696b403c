// The app's own validation: zod (fastify-type-provider-zod), TypeBox, or Fastify's Ajv with
// coercion and stripping turned on. The plugin's routes validate with their own compiler, so
// whatever the app chose, an array where a string is expected and an unknown property are still
// 400 FST_MAGIC_LINK_BAD_REQUEST there (not coerced, not stripped), while the app's routes keep
// validating with the app's compiler.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { z } from 'zod'
import { Type, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import magicLink from '../../src/index.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'
import { Jar, ORIGIN, send } from '../helpers/app.js'
import { crossSiteRefused, loginSucceeded, pageHeaders, watch5xx, zodApp } from '../fixtures/ecosystem/checks.js'

// Two flows for the one known address within a minute: the second mail must not be held back.
const NO_MAIL_THROTTLE = { rateLimit: false } as const

/**
 * On a live flow, the bodies a coercing or stripping validator would accept (and that would then
 * sign in, approve or poll) are 400 FST_MAGIC_LINK_BAD_REQUEST; the flow is untouched by them.
 */
async function pluginStillStrict (t: Test, app: FastifyInstance, box: ReturnType<typeof outbox>): Promise<void> {
  const jar = new Jar()
  const before = box.sent.length
  t.equal((await send(app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).statusCode, 202, 'a live flow')
  const ctx = (await box.nth(before)).ctx
  const token = new URL(ctx?.link as string).searchParams.get('token') as string
  const otp = ctx?.otp as string
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['/auth/request', 'an array for the address', { email: ['known@example.com'] }],
    ['/auth/request', 'an unknown property', { email: 'known@example.com', admin: true }],
    ['/auth/request', 'a number for redirectTo', { email: 'known@example.com', redirectTo: 5 }],
    ['/auth/verify', 'the right token in an array', { token: [token] }],
    ['/auth/code', 'the right code as a number', { code: Number(otp) }],
    ['/auth/code', 'the right code in an array', { code: [otp] }],
    ['/auth/poll', 'an unknown property', { wait: 1 }],
  ]
  for (const [url, what, payload] of cases) {
    const res = await send(app, jar, { method: 'POST', url, payload })
    t.equal(res.statusCode, 400, `POST ${url}, ${what}: 400`)
    t.equal((res.json() as { code?: string }).code, 'FST_MAGIC_LINK_BAD_REQUEST', `POST ${url}, ${what}: the plugin's code`)
  }
  const form = await send(app, jar, { method: 'POST', url: '/auth/verify', payload: `token=${token}&token=${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN } })
  t.equal(form.statusCode, 400, 'a form post with the token twice: 400')
  t.equal(jar.get('__Host-sid'), undefined, 'none of them signed in')
  const code = await send(app, jar, { method: 'POST', url: '/auth/code', payload: { code: otp } })
  t.equal(code.statusCode, 200, 'the same code as a string signs in: the refusals were about shape only')
}

t.test('zod: validatorCompiler and serializerCompiler set before the plugin', async (t) => {
  const { app, box, errors } = zodApp(t)
  await app.register(magicLink, options(box, NO_MAIL_THROTTLE))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.post('/orders', {
    preHandler: app.requireSession,
    schema: {
      body: z.object({ qty: z.number().int().positive(), sku: z.string().min(3) }),
      response: { 200: z.object({ qty: z.number(), by: z.string() }) },
    },
  }, async (request) => ({ qty: request.body.qty, by: request.session?.userId ?? '', internal: 'dropped by the serializer' }))
  await app.ready()

  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  pageHeaders(t, login.page, 'the sign-in page')
  await pluginStillStrict(t, app, box)

  const jar: Jar = login.jar
  const ok = await send(app, jar, { method: 'POST', url: '/orders', payload: { qty: 2, sku: 'abc' } })
  t.equal(ok.statusCode, 200, 'the app\'s zod route takes a valid body')
  t.same(ok.json(), { qty: 2, by: 'u1' }, 'and its zod response schema drops what it does not declare')
  const bad = await send(app, jar, { method: 'POST', url: '/orders', payload: { qty: '2', sku: 'abc' } })
  t.equal(bad.statusCode, 400, 'zod refuses a string for a number (no coercion)')
  t.equal((bad.json() as { code: string }).code, 'FST_ERR_VALIDATION', 'with Fastify\'s validation error, from zod')
  t.match((bad.json() as { message: string }).message, /expected number/i, 'zod\'s message')
  await crossSiteRefused(t, app)
  t.same(errors, [], 'no 5xx')
})

t.test('typebox: TypeBoxValidatorCompiler and the TypeBox type provider', async (t) => {
  const box = outbox()
  const app = Fastify().setValidatorCompiler(TypeBoxValidatorCompiler).withTypeProvider<TypeBoxTypeProvider>()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  await app.register(magicLink, options(box, NO_MAIL_THROTTLE))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.post('/notes', {
    preHandler: app.requireSession,
    schema: { body: Type.Object({ title: Type.String({ minLength: 1 }), pinned: Type.Boolean() }, { additionalProperties: false }) },
  }, async (request) => ({ title: request.body.title, pinned: request.body.pinned, by: request.session?.userId }))
  await app.ready()

  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  pageHeaders(t, login.page, 'the sign-in page')
  await pluginStillStrict(t, app, box)

  const ok = await send(app, login.jar, { method: 'POST', url: '/notes', payload: { title: 'hi', pinned: true } })
  t.equal(ok.statusCode, 200, 'the app\'s TypeBox route takes a valid body')
  t.same(ok.json(), { title: 'hi', pinned: true, by: 'u1' })
  const extra = await send(app, login.jar, { method: 'POST', url: '/notes', payload: { title: 'hi', pinned: true, x: 1 } })
  t.equal(extra.statusCode, 400, 'TypeBox refuses an unknown property')
  const wrong = await send(app, login.jar, { method: 'POST', url: '/notes', payload: { title: 'hi', pinned: 'yes' } })
  t.equal(wrong.statusCode, 400, 'and a string for a boolean')
  t.equal((wrong.json() as { code: string }).code, 'FST_ERR_VALIDATION')
  await crossSiteRefused(t, app)
  t.same(errors, [], 'no 5xx')
})

t.test('Ajv with coerceTypes: \'array\' and removeAdditional: \'all\'', async (t) => {
  const box = outbox()
  const app = Fastify({ ajv: { customOptions: { coerceTypes: 'array', removeAdditional: 'all' } } })
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  await app.register(magicLink, options(box, NO_MAIL_THROTTLE))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.post('/tags', {
    schema: {
      body: {
        type: 'object',
        required: ['tags', 'limit'],
        properties: { tags: { type: 'array', items: { type: 'string' } }, limit: { type: 'integer' } },
      },
    },
  }, async (request) => request.body)
  await app.ready()

  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  pageHeaders(t, login.page, 'the sign-in page')
  await pluginStillStrict(t, app, box)

  const coerced = await app.inject({ method: 'POST', url: '/tags', payload: { tags: 'one', limit: '5', extra: 'x' } })
  t.equal(coerced.statusCode, 200, 'the app\'s route still coerces with the app\'s Ajv')
  t.same(coerced.json(), { tags: ['one'], limit: 5 }, 'a string into an array and a number, the unknown property removed')
  const bad = await app.inject({ method: 'POST', url: '/tags', payload: { tags: ['one'], limit: 'many' } })
  t.equal(bad.statusCode, 400, 'and still refuses what cannot be coerced')
  await crossSiteRefused(t, app)
  t.same(errors, [], 'no 5xx')
})
