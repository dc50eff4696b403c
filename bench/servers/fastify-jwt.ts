/**
 * @fastify/jwt (fast-jwt, HS256) reading the token from a cookie: every request verifies the
 * signature (defaults: no verification cache). Stateless, not revocable.
 */
import Fastify from 'fastify'
import cookie from '@fastify/cookie'
import jwt from '@fastify/jwt'
import { BENCH_SECRET, BENCH_USER, listenAndAnnounce } from '../lib/server-util.js'

declare module '@fastify/jwt' {
  interface FastifyJWT { payload: { sub: string }, user: { sub: string } }
}

const app = Fastify({ logger: false })
await app.register(cookie)
await app.register(jwt, {
  secret: BENCH_SECRET,
  cookie: { cookieName: 'token', signed: false },
  sign: { expiresIn: '1h' },
})
app.post('/login', async (_request, reply) => {
  const token = await reply.jwtSign({ sub: BENCH_USER.id })
  reply.setCookie('token', token, { path: '/', httpOnly: true, sameSite: 'lax' })
  return { ok: true }
})
app.get('/me', {
  preHandler: async (request, reply) => {
    try {
      await request.jwtVerify()
    } catch {
      return reply.code(401).send({ error: 'unauthorized' })
    }
  },
}, async (request) => ({ user: { id: request.user.sub } }))
await listenAndAnnounce(app)
