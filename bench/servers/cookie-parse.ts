/**
 * Control: @fastify/cookie registered (parses the Cookie header of every request), same
 * constant route as `bare`. Separates "parsing a cookie" from "checking a session".
 * COOKIE_BYTES (default 58) sets the cookie value's length: `cookie-parse-long` uses the length of
 * fastify-magic-link's session cookie (a JWT of ~380 characters), to separate the cost of a
 * longer Cookie header from the plugin's own.
 */
import Fastify from 'fastify'
import cookie from '@fastify/cookie'
import { BENCH_USER, listenAndAnnounce } from '../lib/server-util.js'

const app = Fastify({ logger: false })
await app.register(cookie)
const bytes = Number(process.env.COOKIE_BYTES ?? 58)
const value = 'not-a-session-just-bytes-of-similar-length-0123456789abcdef'.padEnd(bytes, 'x0123456789').slice(0, bytes)
app.post('/login', async (_request, reply) => {
  reply.setCookie('sid', value, { path: '/', httpOnly: true, sameSite: 'lax' })
  return { ok: true }
})
// The same response as the authenticated route builds, built per request as it does.
app.get('/me', async () => ({ user: { id: BENCH_USER.id } }))
await listenAndAnnounce(app)
