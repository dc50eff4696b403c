/**
 * `npm run example:redis`: the production-shaped setup. Links and sessions in Redis (shared by
 * every instance, surviving restarts), mail through SMTP.
 *
 * Environment:
 *   ORIGIN             required  public origin, e.g. https://app.example.com (TLS at your proxy)
 *   MAGIC_LINK_SECRET  required  at least 32 characters: openssl rand -base64 32
 *   SMTP_URL           required  e.g. smtps://user:pass@smtp.example.com:465
 *   MAIL_FROM                    default "Acme Notes <login@HOST-OF-ORIGIN>" (the example's brand name)
 *   REDIS_URL                    default redis://127.0.0.1:6379
 *   PORT, HOST                   default 3000, 0.0.0.0
 *   TRUST_PROXY=1                behind a reverse proxy: take the client IP (rate limits) from X-Forwarded-For
 */
import { Redis } from 'ioredis'
import nodemailer from 'nodemailer'
import { RedisStore } from '../src/index.js'
import { createSite } from './lib/site.js'
import { BRAND } from './lib/html.js'

const REQUIRED = {
  ORIGIN: 'the public origin of the app, e.g. https://app.example.com',
  MAGIC_LINK_SECRET: 'at least 32 random characters, e.g. the output of `openssl rand -base64 32`',
  SMTP_URL: 'an SMTP URL, e.g. smtps://user:password@smtp.example.com:465',
} as const

const missing = Object.entries(REQUIRED).filter(([name]) => (process.env[name] ?? '') === '')
if (missing.length > 0) {
  process.stderr.write(`redis-smtp example: missing environment variables:\n${missing.map(([name, what]) => `  ${name}: ${what}\n`).join('')}` +
    'For a local try without Redis or SMTP, run `npm run example`.\n')
  process.exit(1)
}

const origin = process.env.ORIGIN as string
const smtpUrl = process.env.SMTP_URL as string
let host: string
try {
  host = new URL(origin).hostname
} catch {
  process.stderr.write(`redis-smtp example: ORIGIN is not a URL: ${JSON.stringify(origin)}\n`)
  process.exit(1)
}

// The app owns the Redis client: the plugin never creates or closes one.
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const transport = nodemailer.createTransport(smtpUrl)

async function shutdown (code: number): Promise<never> {
  transport.close()
  await redis.quit().catch(() => {})
  process.exit(code)
}

try {
  const app = await createSite({
    magicLink: {
      origin,
      secret: process.env.MAGIC_LINK_SECRET as string,
      store: new RedisStore({ client: redis }),
      mail: { transport, from: process.env.MAIL_FROM ?? `${BRAND.name} <login@${host}>` },
    },
    trustProxy: process.env.TRUST_PROXY === '1',
  })
  // ioredis reconnects by itself; meanwhile the plugin answers 503 within `storeTimeout`.
  redis.on('error', (error: Error) => app.log.warn({ err: error }, 'redis connection error'))
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // Close the app first: it drains queued mails and unsubscribes from Redis.
    process.once(signal, () => { void app.close().then(() => shutdown(0)) })
  }
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '0.0.0.0' })
  app.log.info(`fastify-magic-link example on ${origin}`)
} catch (error) {
  // A coded option error (FST_MAGIC_LINK_OPTIONS names the option), or the port is taken.
  process.stderr.write(`redis-smtp example: ${error instanceof Error ? error.message : String(error)}\n`)
  await shutdown(1)
}
