// An app-wide @fastify/rate-limit registered before the plugin: the plugin's own limits must
// still answer 429 FST_MAGIC_LINK_RATE_LIMITED with Retry-After (the package's client keys on that
// code), count each request once, and an app limit that trips on the plugin's routes is answered
// in the plugin's shape too, whatever the app's errorResponseBuilder returns.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyRateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'
import magicLink from '../../src/index.js'
import { options, outbox } from '../helpers/ecosystem.js'

async function appWith (limit: RateLimitPluginOptions, ipMax: number): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyRateLimit, limit)
  await app.register(magicLink, options(outbox(), { rateLimit: { ipMax } }))
  app.get('/hello', async () => ({ hello: 'world' }))
  await app.ready()
  return app
}

const ask = (app: FastifyInstance) => app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'someone@example.com' } })

t.test('the plugin\'s own per-IP limit keeps its code under an app-wide limiter with its own builder', async (t) => {
  const app = await appWith({ global: true, max: 100, timeWindow: 60_000, errorResponseBuilder: () => ({ statusCode: 429, message: 'app says slow down', custom: true }) }, 3)
  t.teardown(() => app.close())
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await ask(app)).statusCode)
  t.same(statuses, [202, 202, 202, 429], 'the 4th is over the plugin\'s ipMax of 3: each request counted once')
  const res = await ask(app)
  t.equal(res.statusCode, 429)
  t.equal(res.json().code, 'FST_MAGIC_LINK_RATE_LIMITED')
  t.notOk('custom' in res.json(), 'not the app\'s body')
  t.match(res.headers['retry-after'], /^\d+$/)
  t.ok(Number(res.headers['retry-after']) > 0 && Number(res.headers['retry-after']) <= 900, 'Retry-After within the window')
})

t.test('an app-wide limit that trips on the plugin\'s routes: the plugin\'s shape, the app\'s Retry-After', async (t) => {
  for (const [name, errorResponseBuilder] of [
    ['default builder', undefined],
    ['builder returning an Error', (_r: unknown, c: { after: string }) => Object.assign(new Error(`app limit, retry in ${c.after}`), { statusCode: 429, code: 'APP_SLOW_DOWN' })],
    ['builder returning a plain object without statusCode', () => ({ error: 'slow down' })],
  ] as const) {
    const app = await appWith({ global: true, max: 2, timeWindow: 60_000, ...(errorResponseBuilder === undefined ? {} : { errorResponseBuilder }) } as RateLimitPluginOptions, 100)
    const statuses = [(await ask(app)).statusCode, (await ask(app)).statusCode]
    const res = await ask(app)
    t.same(statuses, [202, 202], `${name}: under the app's limit`)
    t.equal(res.statusCode, 429, `${name}: over the app's limit`)
    t.equal(res.json().code, 'FST_MAGIC_LINK_RATE_LIMITED', `${name}: the plugin's code`)
    t.match(res.headers['retry-after'], /^\d+$/, `${name}: Retry-After kept`)
    await app.close()
  }
})

t.test('the app\'s own routes keep the app\'s limiter and shape', async (t) => {
  const app = await appWith({ global: true, max: 1, timeWindow: 60_000, errorResponseBuilder: () => ({ statusCode: 429, appShape: true }) }, 100)
  t.teardown(() => app.close())
  t.equal((await app.inject({ method: 'GET', url: '/hello' })).statusCode, 200)
  const res = await app.inject({ method: 'GET', url: '/hello' })
  t.equal(res.statusCode, 429)
  t.equal(res.json().appShape, true)
})

t.test('a 429 raised on a plugin route without Retry-After (a beforeRequest CAPTCHA check): the plugin\'s shape, Retry-After 60', async (t) => {
  const app = Fastify()
  await app.register(magicLink, options(outbox(), {
    beforeRequest: () => { throw Object.assign(new Error('the CAPTCHA service says slow down'), { statusCode: 429 }) },
  }))
  await app.ready()
  t.teardown(() => app.close())
  const res = await ask(app)
  t.equal(res.statusCode, 429)
  t.equal(res.json().code, 'FST_MAGIC_LINK_RATE_LIMITED')
  t.equal(res.headers['retry-after'], '60', 'a Retry-After is always sent')
})

t.test('an app limiter whose Retry-After is not a number of seconds: the header is kept, the message says 60', async (t) => {
  const app = Fastify()
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('retry-after', 'Wed, 21 Oct 2026 07:28:00 GMT')
    throw Object.assign(new Error('maintenance'), { statusCode: 429 })
  })
  await app.register(magicLink, options(outbox()))
  await app.ready()
  t.teardown(() => app.close())
  const res = await ask(app)
  t.equal(res.statusCode, 429)
  t.equal(res.json().code, 'FST_MAGIC_LINK_RATE_LIMITED')
  t.equal(res.headers['retry-after'], 'Wed, 21 Oct 2026 07:28:00 GMT')
})
