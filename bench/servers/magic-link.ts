/**
 * Our plugin, fastify-magic-link, as a benchmark target (sessions, flows, steps and scale parts).
 *
 *   - the plugin's routes under `/auth`, registered on `RedisStore` (the harness's private
 *     redis-server, `REDIS_URL`), `rateLimit: false` (drivers hammer from one IP; the
 *     per-address limits would silence repeated mails), `sendMail` capturing `ctx.link` into an
 *     in-process sink (no SMTP), `users.find` answering `{ id }` for every address (the bench
 *     user for `bench@example.com`, `u:<address>` otherwise; no `users.create`);
 *   - `GET /me` behind `app.requireSession` → `{ user: { id } }` (200) or 401;
 *   - test-only: `GET /__last-link?email=[&wait=1]` (the sink, see ../lib/link-sink.ts) and
 *     `GET /__redis-sent` (commands this process SENT to Redis, by name: the client-side count
 *     of round trips, next to the server-side INFO commandstats the drivers read);
 *   - stdout `{"event":"listening","port":N}`, or exit 78 with a reason (skip()) when the
 *     library is not built or lacks what the benchmark needs.
 *
 * Login, as a browser does it (http origin, so the cookies are `mlflow` and `sid`; on an https
 * origin they would be `__Host-mlflow` and `__Host-sid`):
 *   POST /auth/request {email} → 202 + `mlflow` → the mailed link → POST /auth/verify {token}
 *   with `mlflow` → 200 + `sid`.
 *
 * env: ME_VARIANTS=1 (also `GET /me-open`: the same handler without `requireSession`, and
 * `GET /me-const`: a constant-id handler; see ../me-ab.ts), REDIS_URL (else MemoryStore), REDIS_AUTOPIPELINING=1 (ioredis `enableAutoPipelining` on
 * the app's client), MAGIC_LINK_DIST (module to import instead of ../../dist/index.js, relative
 * to bench/), PORT.
 */
import Fastify from 'fastify'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { LinkSink } from '../lib/link-sink.js'
import { BENCH_SECRET, BENCH_USER, countSentCommands, listenAndAnnounce, skip } from '../lib/server-util.js'

// MAGIC_LINK_DIST overrides the module path (e.g. to try the harness against a mock).
const distUrl = process.env.MAGIC_LINK_DIST !== undefined
  ? new URL(process.env.MAGIC_LINK_DIST, `file://${process.cwd()}/`)
  : new URL('../../dist/index.js', import.meta.url)
if (!existsSync(fileURLToPath(distUrl))) {
  skip(`${fileURLToPath(distUrl)} does not exist: build the library first (npm run build at the repo root)`)
}

let mod: Record<string, any>
try {
  mod = await import(distUrl.href)
} catch (err) {
  skip(`cannot import ${fileURLToPath(distUrl)}: ${(err as Error).message}`)
}
const plugin = mod.default
if (typeof plugin !== 'function') skip('../dist/index.js has no default export (the plugin)')
const { RedisStore, MemoryStore } = mod
if (process.env.REDIS_URL !== undefined && typeof RedisStore !== 'function') skip('../dist/index.js has no RedisStore export')

// REDIS_AUTOPIPELINING=1: the app's client coalesces the commands of one event-loop tick into one
// write (an ioredis option the app owns; off by default, as in the plugin's README).
const redis = process.env.REDIS_URL !== undefined
  ? new Redis(process.env.REDIS_URL, { enableAutoPipelining: process.env.REDIS_AUTOPIPELINING === '1' })
  : undefined

/** Commands sent to Redis by this process, by name (EVALSHA = one script call = one round trip). */
const sent = redis !== undefined ? countSentCommands(redis) : {}

const store = redis !== undefined ? new RedisStore({ client: redis }) : new MemoryStore()
const sink = new LinkSink()

const app = Fastify({ logger: false })
try {
  await app.register(plugin, {
    origin: 'http://localhost',
    secret: BENCH_SECRET,
    store,
    rateLimit: false,
    sendMail: async (_message: unknown, ctx: { email: string, link: string } | null) => {
      // ctx is null for the "new sign-in" notice of a cross-device login: nothing to capture.
      if (ctx !== null) sink.put(ctx.email, ctx.link)
    },
    users: {
      find: async (email: string) => ({ id: email === BENCH_USER.email ? BENCH_USER.id : `u:${email}` }),
    },
  })
  await app.after()
} catch (err) {
  skip(`registering the plugin failed: ${(err as Error).message}`)
}

const anyApp = app as any
if (typeof anyApp.requireSession !== 'function') skip('the plugin does not decorate app.requireSession')

sink.route(app)
// ME_VARIANTS=1 (me-ab.ts): GET /me variants in the same process, to split the cost of GET /me.
if (process.env.ME_VARIANTS === '1') {
  app.get('/me-open', async (request) => ({ user: { id: (request as any).session?.userId ?? 'none' } }))
  app.get('/me-const', async () => ({ user: { id: BENCH_USER.id } }))
}
app.get('/__redis-sent', async () => sent)

app.get('/me', { preHandler: anyApp.requireSession }, async (request) => {
  const session = (request as any).session as { userId: string }
  return { user: { id: session.userId } }
})

await listenAndAnnounce(app, async () => { redis?.disconnect() })
