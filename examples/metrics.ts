/**
 * `npm run example:metrics`: the example app of `npm run example`, with Prometheus metrics at
 * http://localhost:3000/metrics (prom-client): sign in at /, read the mail at /outbox, then see
 * `magic_link_events_total` and `magic_link_store_duration_seconds` (examples/lib/metrics.ts).
 *
 * PORT overrides the port. REDIS_URL (e.g. redis://127.0.0.1:6379) keeps links and sessions in
 * Redis instead of memory; MAGIC_LINK_SECRET then keeps sessions valid across restarts.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { RedisStore } from '../src/index.js'
import { metricsPlugin } from './lib/metrics.js'
import { DevOutbox } from './lib/outbox.js'
import { createSite } from './lib/site.js'

const port = Number(process.env.PORT ?? 3000)
const origin = `http://localhost:${port}`
const outbox = new DevOutbox()
// The app owns the Redis client: the plugin never creates or closes one.
const redis = process.env.REDIS_URL === undefined ? undefined : new Redis(process.env.REDIS_URL)

// A registry of this app's own, not prom-client's global one, plus the Node.js process metrics.
const registry = new Registry()
collectDefaultMetrics({ register: registry })

const app = await createSite({
  magicLink: {
    origin,
    secret: process.env.MAGIC_LINK_SECRET ?? randomBytes(32).toString('base64url'),
    sendMail: outbox.sendMail,
    ...(redis === undefined ? {} : { store: new RedisStore({ client: redis }) }),
  },
  outbox,
  canonicalHost: true,
  logger: { level: process.env.LOG_LEVEL ?? 'warn' },
})
// GET /metrics; subscribes when the app starts, and `app.close()` unsubscribes.
await app.register(metricsPlugin, { registry })
// ioredis reconnects by itself; meanwhile the plugin answers 503 within `storeTimeout`.
redis?.on('error', (error: Error) => app.log.warn({ err: error }, 'redis connection error'))

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => redis?.quit()).then(() => process.exit(0))
  })
}

await app.listen({ port, host: 'localhost' })
process.stdout.write(`\n  fastify-magic-link example on ${origin}, metrics at ${origin}/metrics\n  No mail is sent: open ${origin}/outbox to read your mail.\n\n`)
