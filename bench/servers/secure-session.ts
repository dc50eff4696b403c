/**
 * @fastify/secure-session: the whole session lives in the cookie, encrypted and
 * authenticated with libsodium (secretbox); every request decrypts it. Stateless.
 */
import Fastify from 'fastify'
import secureSession from '@fastify/secure-session'
import { createHash } from 'node:crypto'
import { BENCH_SECRET, BENCH_USER, listenAndAnnounce } from '../lib/server-util.js'

declare module '@fastify/secure-session' {
  interface SessionData { userId: string }
}

const app = Fastify({ logger: false })
await app.register(secureSession, {
  // 32-byte key derived once here (the `secret`+`salt` option would run a slow KDF at boot).
  key: createHash('sha256').update(BENCH_SECRET).digest(),
  cookieName: 'session',
  cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: false },
})
app.post('/login', async (request) => {
  request.session.set('userId', BENCH_USER.id)
  return { ok: true }
})
app.get('/me', async (request, reply) => {
  const userId = request.session.get('userId')
  if (userId === undefined) return reply.code(401).send({ error: 'unauthorized' })
  return { user: { id: userId } }
})
await listenAndAnnounce(app)
