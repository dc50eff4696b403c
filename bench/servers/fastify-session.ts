/**
 * @fastify/session with its default (in-process memory) store: the cookie holds a signed
 * session id, every request unsigns it and looks the session up in the store.
 */
import Fastify from 'fastify'
import cookie from '@fastify/cookie'
import session from '@fastify/session'
import { BENCH_SECRET, BENCH_USER, listenAndAnnounce } from '../lib/server-util.js'

declare module 'fastify' {
  interface Session { userId?: string }
}

const app = Fastify({ logger: false })
await app.register(cookie)
await app.register(session, {
  secret: BENCH_SECRET,
  cookieName: 'sessionId',
  cookie: { secure: false, httpOnly: true, sameSite: 'lax', path: '/' },
  saveUninitialized: false,
})
app.post('/login', async (request) => {
  await request.session.regenerate()
  request.session.set('userId', BENCH_USER.id)
  return { ok: true }
})
app.get('/me', async (request, reply) => {
  const userId = request.session.get('userId')
  if (userId === undefined) return reply.code(401).send({ error: 'unauthorized' })
  return { user: { id: userId } }
})
await listenAndAnnounce(app)
