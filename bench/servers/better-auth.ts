/**
 * Peer: better-auth mounted in Fastify 5 the way its Fastify guide shows (a catch-all
 * `/api/auth/*` route that turns the Fastify request into a web `Request` and copies the
 * web `Response` back), with:
 *   - the magic-link plugin, `sendMagicLink` capturing the URL in-process (no SMTP);
 *   - PostgreSQL as the primary database (pg Pool; schema created with better-auth's own
 *     `getMigrations(options).runMigrations()`, the code behind `auth migrate`);
 *   - Redis as `secondaryStorage` via @better-auth/redis-storage (sessions and verification
 *     values live there, as better-auth does by default once secondaryStorage is set);
 *   - the rate limiter off.
 * Extra routes for the benchmark: GET /bare (constant JSON, the baseline on the same server)
 * and GET /__last-link?email=[&wait=1] (test-only: the last link "mailed" to that address).
 *
 * env: DATABASE_URL, REDIS_URL (both required), PORT (0 = free port).
 */
import Fastify from 'fastify'
import { betterAuth, type BetterAuthOptions } from 'better-auth'
import { magicLink } from 'better-auth/plugins'
import { fromNodeHeaders } from 'better-auth/node'
import { getMigrations } from 'better-auth/db/migration'
import { redisStorage } from '@better-auth/redis-storage'
import { Redis } from 'ioredis'
import pg from 'pg'
import { LinkSink } from '../lib/link-sink.js'
import { freePort } from '../lib/redis.js'
import { BENCH_SECRET, listenAndAnnounce } from '../lib/server-util.js'

const databaseUrl = process.env.DATABASE_URL
const redisUrl = process.env.REDIS_URL
if (databaseUrl === undefined || redisUrl === undefined) {
  process.stderr.write('DATABASE_URL and REDIS_URL are required\n')
  process.exit(1)
}

// better-auth needs its baseURL up front: pick the port before building it.
const port = Number(process.env.PORT) > 0 ? Number(process.env.PORT) : await freePort()
process.env.PORT = String(port)
const baseURL = `http://127.0.0.1:${port}`

const pool = new pg.Pool({ connectionString: databaseUrl })
const redis = new Redis(redisUrl)

/** email -> last magic-link URL "mailed" (GET /__last-link, see ../lib/link-sink.ts) */
const sink = new LinkSink()

const options = {
  baseURL,
  secret: BENCH_SECRET,
  database: pool,
  secondaryStorage: redisStorage({ client: redis }),
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [
    magicLink({
      sendMagicLink: async ({ email, url }) => {
        sink.put(email, url)
      },
    }),
  ],
} satisfies BetterAuthOptions

// Create / update the schema (user, session, account, verification) in the bench database.
const migrations = await getMigrations(options)
if (migrations.toBeCreated.length > 0 || migrations.toBeAdded.length > 0) {
  await migrations.runMigrations()
  process.stderr.write(`better-auth migrations: created ${migrations.toBeCreated.map((t) => t.table).join(', ') || '-'}\n`)
}

const auth = betterAuth(options)

const app = Fastify({ logger: false })

// --- As in better-auth's Fastify integration guide ------------------------------------
app.route({
  method: ['GET', 'POST'],
  url: '/api/auth/*',
  async handler (request, reply) {
    try {
      const url = new URL(request.url, `http://${request.headers.host}`)
      const headers = fromNodeHeaders(request.headers)
      const req = new Request(url.toString(), {
        method: request.method,
        headers,
        ...(request.body !== undefined && request.body !== null ? { body: JSON.stringify(request.body) } : {}),
      })
      const response = await auth.handler(req)
      reply.status(response.status)
      response.headers.forEach((value, key) => reply.header(key, value))
      return reply.send(response.body !== null ? await response.text() : null)
    } catch (error) {
      request.log.error(error)
      return reply.status(500).send({ error: 'Internal authentication error', code: 'AUTH_FAILURE' })
    }
  },
})
// ----------------------------------------------------------------------------------------

const bareBody = { user: { id: 'u_bench_1' } }
app.get('/bare', async () => bareBody)

sink.route(app)

await listenAndAnnounce(app, async () => {
  redis.disconnect()
  await pool.end()
})
