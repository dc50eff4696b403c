/**
 * `npm run example`: the whole login on http://localhost:3000 with nothing to install. The
 * in-memory store, and a dev outbox instead of SMTP: read the mail at /outbox.
 *
 * PORT overrides the port. Open the app on `localhost` (not 127.0.0.1): the plugin checks the
 * Origin of every login call against the configured origin.
 */
import { randomBytes } from 'node:crypto'
import { createSite } from './lib/site.js'
import { DevOutbox } from './lib/outbox.js'

const port = Number(process.env.PORT ?? 3000)
// http is allowed for localhost outside production; the cookies are then `sid` and `mlflow`
// (a `__Host-` cookie needs https).
const origin = `http://localhost:${port}`
const outbox = new DevOutbox()

const app = await createSite({
  magicLink: {
    origin,
    // A fresh secret at every start: the memory store forgets every session on restart anyway.
    secret: randomBytes(32).toString('base64url'),
    sendMail: outbox.sendMail,
  },
  outbox,
  canonicalHost: true,
  logger: { level: process.env.LOG_LEVEL ?? 'warn' },
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0))
  })
}

await app.listen({ port, host: 'localhost' })
process.stdout.write(`\n  fastify-magic-link example on ${origin}\n  No mail is sent: open ${origin}/outbox to read your mail.\n\n`)
