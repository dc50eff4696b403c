/**
 * Fastify apps in ONE process, each on its own port, for `../same-process.ts` and
 * `../instructions.ts`:
 *
 *   - `bare`: GET /me builds and returns `{ user: { id } }`, no plugin;
 *   - `cookie-parse`: @fastify/cookie registered, the same route (the cost of parsing cookies);
 *   - `session-floor`: @fastify/cookie, a `session` request decoration set by an app-level
 *     onRequest hook from the cookie jar, a preHandler checking it (no verification at all: the
 *     least a session plugin of this shape costs);
 *   - `magic-link-bearer` (port `magic-link-bearer`): the same plugin with the token transport
 *     enabled, GET /me behind requireSession, sent `Authorization: Bearer` (access token lifetime
 *     1 h, so no round of a run sees one expire);
 *   - `magic-link`: fastify-magic-link on RedisStore (`REDIS_URL`), GET /me behind
 *     `preHandler: app.requireSession` (GET /me-onrequest: `onRequest: app.requireSession`), the plugin's routes under /auth for the login, `sendMail` into the
 *     link sink (`GET /__last-link`), `GET /__redis-sent` (commands sent to Redis, by name) and
 *     `GET /__ports` answering every app's port.
 *
 * One process means one heap, one JIT and one CPU for all of them, so the comparison carries no
 * process-to-process luck (two processes of the same server differ by up to 30 % here). The port
 * announced to the harness is the magic-link app's.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { LinkSink } from '../lib/link-sink.js'
import { BENCH_SECRET, BENCH_USER, countSentCommands, listenAndAnnounce, listenOn, skip } from '../lib/server-util.js'

const dist = new URL('../../dist/index.js', import.meta.url)
if (!existsSync(fileURLToPath(dist))) skip(`${fileURLToPath(dist)} does not exist: build the library first (npm run build at the repo root)`)
if (process.env.REDIS_URL === undefined) skip('REDIS_URL is not set')
const { default: magicLink, RedisStore } = await import(dist.href) as typeof import('../../dist/index.js')

const listen = async (app: FastifyInstance): Promise<number> => await listenOn(app, 0)

const bare = Fastify({ logger: false })
bare.get('/me', async () => ({ user: { id: BENCH_USER.id } }))

const cookieParse = Fastify({ logger: false })
await cookieParse.register(cookie)
cookieParse.get('/me', async () => ({ user: { id: BENCH_USER.id } }))

// The least a cookie-session plugin of our shape does: a request decoration, an app-level
// onRequest hook setting it from the cookie jar, a route preHandler checking it.
const floor = Fastify({ logger: false })
await floor.register(cookie)
floor.decorateRequest('session', null)
floor.addHook('onRequest', (request, _reply, done) => {
  if (request.cookies.sid !== undefined) request.session = { userId: BENCH_USER.id } as never
  done()
})
floor.get('/me', {
  preHandler: (request, _reply, done) => { done(request.session !== null ? undefined : new Error('no session')) },
}, async (request) => ({ user: { id: request.session!.userId } }))

const redis = new Redis(process.env.REDIS_URL)
const sent = countSentCommands(redis)
const sink = new LinkSink()
const ml = Fastify({ logger: false })
await ml.register(magicLink, {
  origin: 'http://localhost',
  secret: BENCH_SECRET,
  // bench/ has its own ioredis (types differ from the root's, which dist's types name).
  store: new RedisStore({ client: redis as never }),
  rateLimit: false,
  // Longer than a whole run: a load generator ignores Set-Cookie and would keep sending an
  // expired session token, which every request would then refresh from Redis (a browser
  // takes the refreshed cookie; autocannon does not).
  session: { accessTtl: '1h' },
  sendMail: async (_message, ctx) => { if (ctx !== null) sink.put(ctx.email, ctx.link) },
  users: { find: async (email: string) => ({ id: email === BENCH_USER.email ? BENCH_USER.id : `u:${email}` }) },
})
sink.route(ml)
ml.get('/me', { preHandler: ml.requireSession }, async (request) => ({ user: { id: request.session!.userId } }))
// The same check attached as a route onRequest hook (README: refuses before the body is read).
ml.get('/me-onrequest', { onRequest: ml.requireSession }, async (request) => ({ user: { id: request.session!.userId } }))

// The token transport: an access token in `Authorization: Bearer` instead of the cookie.
const mlBearer = Fastify({ logger: false })
await mlBearer.register(magicLink, {
  origin: 'http://localhost',
  secret: BENCH_SECRET,
  store: new RedisStore({ client: redis as never, prefix: 'bearer:' }),
  rateLimit: false,
  session: { transports: ['cookie', 'token'], accessTtl: '1h' },
  sendMail: async (_message, ctx) => { if (ctx !== null) sink.put(ctx.email, ctx.link) },
  users: { find: async (email: string) => ({ id: email === BENCH_USER.email ? BENCH_USER.id : `u:${email}` }) },
})
mlBearer.get('/me', { preHandler: mlBearer.requireSession }, async (request) => ({ user: { id: request.session!.userId } }))

const ports = {
  bare: await listen(bare), 'cookie-parse': await listen(cookieParse), 'session-floor': await listen(floor), 'magic-link-bearer': await listen(mlBearer),
}
ml.get('/__ports', async () => ports)
ml.get('/__redis-sent', async () => sent)
await listenAndAnnounce(ml, async () => {
  await bare.close()
  await cookieParse.close()
  await mlBearer.close()
  redis.disconnect()
})
