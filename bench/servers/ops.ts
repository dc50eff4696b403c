/**
 * The ops part's target (`../ops.ts`): three fastify-magic-link apps in ONE process, each on its
 * own port, its own ioredis client and its own key prefix on the same Redis (`REDIS_URL`, the
 * primary of a primary + replica pair):
 *
 *   - `plain`: RedisStore, no `hooks.onEvent`;
 *   - `observed`: the same, with a `hooks.onEvent` that counts (fixed at registration), and the
 *     control route `POST /__subscribe {on: true|false}` that subscribes this process to the
 *     event channel `fastify-magic-link:event` AND to the five sub-channels of
 *     `tracingChannel('fastify-magic-link:store')` (counting handlers), or unsubscribes it.
 *     Channel subscriptions are process-wide: the driver turns them on before each measurement of
 *     `observed` and off before every other one;
 *   - `durable`: RedisStore with `durability: { replicas: 1, timeout: 1000 }` (`WAIT` after
 *     every burn and revocation), no `hooks.onEvent`.
 *
 * Every app: the plugin's routes under `/auth` (`rateLimit: false`, `storeTimeout: 2000` so that
 * the store's `WAIT` timeout stays below it as RedisStore's documentation asks; the same on all
 * three), `session.accessTtl: '1h'` (a load generator ignores Set-Cookie: see side-by-side.ts),
 * `GET /me` behind `preHandler: app.requireSession`, `GET /__last-link` (one shared link sink),
 * `GET /__redis-sent` (commands THIS app's client sent, by name), `GET /__ops-counts` (events
 * seen by the channel subscriber and by `hooks.onEvent`, by type, and tracing-channel calls, by
 * sub-channel and method: the same process-wide counters on every app) and `GET /__ports`.
 * The port announced to the harness is the `plain` app's.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import diagnostics from 'node:diagnostics_channel'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { LinkSink } from '../lib/link-sink.js'
import { BENCH_SECRET, BENCH_USER, countSentCommands, listenAndAnnounce, listenOn, skip } from '../lib/server-util.js'

const dist = new URL('../../dist/index.js', import.meta.url)
if (!existsSync(fileURLToPath(dist))) skip(`${fileURLToPath(dist)} does not exist: build the library first (npm run build at the repo root)`)
if (process.env.REDIS_URL === undefined) skip('REDIS_URL is not set')
const mod = await import(dist.href) as typeof import('../../dist/index.js')
const { default: magicLink, RedisStore, EVENT_CHANNEL, STORE_CHANNEL } = mod
if (typeof EVENT_CHANNEL !== 'string' || typeof STORE_CHANNEL !== 'string') skip('dist/index.js exports no EVENT_CHANNEL / STORE_CHANNEL (events not in this build)')

// ---------------------------------------------------------------------------------------
// Counters (process-wide, read by the driver around each measurement)

const counts = {
  /** messages seen on the event channel, by event type */
  channel: {} as Record<string, number>,
  /** calls of the observed app's hooks.onEvent, by event type */
  onEvent: {} as Record<string, number>,
  /** tracing-channel messages, by sub-channel (start, end, asyncStart, asyncEnd, error) */
  trace: {} as Record<string, number>,
  /** store calls traced (start messages), by method */
  traced: {} as Record<string, number>,
}
const bump = (m: Record<string, number>, k: string): void => { m[k] = (m[k] ?? 0) + 1 }

const onChannel = (message: unknown): void => { bump(counts.channel, String((message as { type?: string }).type)) }
const storeTrace = diagnostics.tracingChannel<unknown, { method: string }>(STORE_CHANNEL)
const traceHandlers = {
  start: (ctx: { method: string }) => { bump(counts.trace, 'start'); bump(counts.traced, ctx.method) },
  end: () => { bump(counts.trace, 'end') },
  asyncStart: () => { bump(counts.trace, 'asyncStart') },
  asyncEnd: () => { bump(counts.trace, 'asyncEnd') },
  error: () => { bump(counts.trace, 'error') },
}
let subscribed = false
function setSubscribed (on: boolean): void {
  if (on === subscribed) return
  if (on) {
    diagnostics.subscribe(EVENT_CHANNEL, onChannel)
    storeTrace.subscribe(traceHandlers)
  } else {
    diagnostics.unsubscribe(EVENT_CHANNEL, onChannel)
    storeTrace.unsubscribe(traceHandlers)
  }
  subscribed = on
}

// ---------------------------------------------------------------------------------------
// The apps

const sink = new LinkSink()
const clients: Redis[] = []

async function app (name: 'plain' | 'observed' | 'durable'): Promise<FastifyInstance> {
  const redis = new Redis(process.env.REDIS_URL as string)
  clients.push(redis)
  const sent = countSentCommands(redis)
  const a = Fastify({ logger: false })
  await a.register(magicLink, {
    origin: 'http://localhost',
    secret: BENCH_SECRET,
    // bench/ has its own ioredis (types differ from the root's, which dist's types name).
    store: new RedisStore({
      client: redis as never,
      prefix: `${name}:`,
      ...(name === 'durable' ? { durability: { replicas: 1, timeout: 1000 } } : {}),
    }),
    rateLimit: false,
    storeTimeout: 2000,
    session: { accessTtl: '1h' },
    sendMail: async (_message, ctx) => { if (ctx !== null) sink.put(ctx.email, ctx.link) },
    users: { find: async (email: string) => ({ id: email === BENCH_USER.email ? BENCH_USER.id : `u:${email}` }) },
    ...(name === 'observed' ? { hooks: { onEvent: (event: { type: string }) => { bump(counts.onEvent, event.type) } } } : {}),
  })
  sink.route(a)
  a.get('/me', { preHandler: a.requireSession }, async (request) => ({ user: { id: request.session!.userId } }))
  a.get('/__redis-sent', async () => sent)
  a.get('/__ops-counts', async () => ({ subscribed, ...counts }))
  return a
}

const plain = await app('plain')
const observed = await app('observed')
const durable = await app('durable')
observed.post('/__subscribe', async (request) => {
  const on = (request.body as { on?: unknown } | undefined)?.on
  if (typeof on !== 'boolean') throw Object.assign(new Error('body must be {"on": true|false}'), { statusCode: 400 })
  setSubscribed(on)
  return { subscribed }
})

const ports = { observed: await listenOn(observed, 0), durable: await listenOn(durable, 0) }
plain.get('/__ports', async () => ports)
await listenAndAnnounce(plain, async () => {
  setSubscribed(false)
  await observed.close()
  await durable.close()
  for (const c of clients) c.disconnect()
})
