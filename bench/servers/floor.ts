/**
 * The floor for each login step (steps part): a bare Fastify 5 app whose routes do only what a
 * step cannot avoid — draw the random bytes, hash the secrets, and make the step's ONE Redis
 * call: the plugin's own `RedisStore` method for that transition (from the built library, on
 * this process's ioredis client), which is one EVALSHA of the plugin's Lua script. Calling the
 * store method (rather than the script with hand-built arguments) keeps the floor identical to
 * whatever the library's scripts take today. No plugin, no validation schema, no cookie
 * plugin, no guard, no session, no JWT, no mail.
 *
 *   POST /request {email}          address tag (HMAC) + randomBytes(16) id + 2 × randomBytes(32)
 *                                  secrets + 4 × SHA-256, RedisStore.createFlow            → 202
 *   POST /verify {token[, code]}   SHA-256 of the link secret, of the binding cookie's poll secret
 *                                  (Cookie `mlflow=`) or of the code, randomBytes(32) session id +
 *                                  SHA-256, RedisStore.verifyFlow                           → 200
 *   POST /poll                     SHA-256 of the binding cookie's poll secret, randomBytes(32)
 *                                  session id + SHA-256, RedisStore.claimFlow               → 200
 * Answers 200/202 only when the store says the step succeeded (else 400), so a wrong input
 * shows up as errors in the table.
 *
 * And, for the optional `floor+session` measurements (BENCH_STEPS_SESSION_FLOOR=1), the same
 * work a signing-in step of the plugin does, written minimally:
 *   POST /verify-session, POST /poll-session   the step above, then RedisStore.createSession (the
 *                                  2nd round trip), an HS256 JWT signed with node:crypto
 *                                  createHmac (header and claims of the plugin's token), and the
 *                                  session Set-Cookie header                                 → 200
 *
 * Plus `GET /__redis-sent` (commands sent to Redis, client side), like servers/magic-link.ts.
 * env: REDIS_URL (required), MAGIC_LINK_DIST, PORT.
 */
import Fastify from 'fastify'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { BENCH_SECRET, countSentCommands, listenAndAnnounce, skip } from '../lib/server-util.js'

if (process.env.REDIS_URL === undefined) {
  process.stderr.write('REDIS_URL is required\n')
  process.exit(1)
}
const distUrl = process.env.MAGIC_LINK_DIST !== undefined
  ? new URL(process.env.MAGIC_LINK_DIST, `file://${process.cwd()}/`)
  : new URL('../../dist/index.js', import.meta.url)
if (!existsSync(fileURLToPath(distUrl))) skip(`${fileURLToPath(distUrl)} does not exist: build the library first`)
type Result = Record<string, any> & { result: string }
interface Store {
  createFlow: (flow: Record<string, unknown>, o: Record<string, unknown>) => Promise<{ sent: boolean }>
  verifyFlow: (flowId: string, o: Record<string, unknown>) => Promise<Result>
  claimFlow: (flowId: string, o: Record<string, unknown>) => Promise<Result>
  createSession: (s: Record<string, unknown>) => Promise<void>
}
const { RedisStore } = await import(distUrl.href) as { RedisStore: new (o: { client: Redis }) => Store }

const redis = new Redis(process.env.REDIS_URL)
const sent = countSentCommands(redis)
const store = new RedisStore({ client: redis })

const GROUP = 11
const LINK_TTL = 600_000
const DEVICE = 'Unknown browser'
const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url')

/** `<flowId 33>.<secret 43>` → parts, or null. */
function split (value: string | undefined): { flowId: string, secret: string } | null {
  if (typeof value !== 'string' || value.length !== 77 || value[33] !== '.') return null
  return { flowId: value.slice(0, 33), secret: value.slice(34) }
}

function bindingCookie (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const i = header.indexOf('mlflow=')
  return i < 0 ? undefined : header.slice(i + 7, i + 7 + 77)
}

const ORIGIN = 'http://localhost'
const KID = sha256(BENCH_SECRET).slice(0, 8)
const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'ml-session+jwt', kid: KID })).toString('base64url')

/** createSession (2nd round trip) + HS256 JWT (node:crypto) + the session cookie: what a signing-in step adds. */
async function startSession (reply: { header: (k: string, v: string) => unknown }, email: string): Promise<void> {
  const now = Date.now()
  const userId = `u:${email}`
  const sid = randomBytes(32).toString('base64url')
  const idle = 7 * 86_400_000
  await store.createSession({
    id: sha256(`user:${userId}`).slice(0, GROUP) + sha256(sid), userId, email, createdAt: now, lastSeenAt: now,
    expiresAt: now + 30 * 86_400_000, idleExpiresAt: now + idle, data: {}, device: DEVICE,
  })
  const payload = Buffer.from(JSON.stringify({
    sid, dat: {}, cat: now, sxp: now + 30 * 86_400_000, iss: ORIGIN, aud: 'fastify-magic-link:session', sub: userId, exp: Math.floor((now + 300_000) / 1000),
  })).toString('base64url')
  const input = `${JWT_HEADER}.${payload}`
  const token = `${input}.${createHmac('sha256', BENCH_SECRET).update(input).digest('base64url')}`
  reply.header('set-cookie', `sid=${token}; Max-Age=${idle / 1000}; Path=/; HttpOnly; SameSite=Lax`)
}

const app = Fastify({ logger: false })

app.post('/request', async (request, reply) => {
  const email = String((request.body as { email?: string }).email).toLowerCase()
  const now = Date.now()
  const id = createHmac('sha256', BENCH_SECRET).update(`email:${email}`).digest('base64url').slice(0, GROUP) + randomBytes(16).toString('base64url')
  const link = randomBytes(32).toString('base64url')
  const poll = randomBytes(32).toString('base64url')
  await store.createFlow({
    id, email, linkHash: sha256(link), pollHash: sha256(poll), matchHash: sha256('BCDFGH'), otpHash: sha256('123456'),
    redirectTo: '/', device: DEVICE, createdAt: now, expiresAt: now + LINK_TTL, interval: 5, invite: false,
  }, { now, ttlMs: LINK_TTL * 2, send: true, minGapMs: 0, perHour: Number.MAX_SAFE_INTEGER })
  return await reply.code(202).send({ status: 'pending' })
})

async function verify (body: { token?: string, code?: string }, cookie: string | undefined): Promise<Result | null> {
  const t = split(body.token)
  if (t === null) return null
  const b = split(bindingCookie(cookie))
  return await store.verifyFlow(t.flowId, {
    now: Date.now(),
    linkHash: sha256(t.secret),
    pollHash: b !== null && b.flowId === t.flowId ? sha256(b.secret) : null,
    matchHash: typeof body.code === 'string' ? sha256(body.code.replace('-', '')) : null,
    device: DEVICE,
    maxAttempts: 5,
    sessionId: sha256(randomBytes(32).toString('base64url')),
  })
}

async function claim (cookie: string | undefined): Promise<Result | null> {
  const b = split(bindingCookie(cookie))
  if (b === null) return null
  return await store.claimFlow(b.flowId, {
    now: Date.now(), pollHash: sha256(b.secret), force: false, claimWindowMs: 120_000, backoff: 5, sessionId: sha256(randomBytes(32).toString('base64url')),
  })
}

app.post('/verify', async (request, reply) => {
  const r = await verify(request.body as { token?: string, code?: string }, request.headers.cookie)
  if (r?.result !== 'signed_in' && r?.result !== 'approved') return await reply.code(400).send({ error: r?.result ?? 'bad token' })
  return { status: 'approved' }
})

app.post('/poll', async (request, reply) => {
  const r = await claim(request.headers.cookie)
  if (r?.result !== 'claimed') return await reply.code(400).send({ error: r?.result ?? 'no binding cookie' })
  return { status: 'approved' }
})

app.post('/verify-session', async (request, reply) => {
  const r = await verify(request.body as { token?: string }, request.headers.cookie)
  if (r?.result !== 'signed_in') return await reply.code(400).send({ error: r?.result ?? 'bad token' })
  await startSession(reply, r.email as string)
  return { status: 'approved', redirectTo: r.redirectTo }
})

app.post('/poll-session', async (request, reply) => {
  const r = await claim(request.headers.cookie)
  if (r?.result !== 'claimed') return await reply.code(400).send({ error: r?.result ?? 'no binding cookie' })
  await startSession(reply, r.email as string)
  return { status: 'approved', redirectTo: r.redirectTo }
})

app.get('/__redis-sent', async () => sent)

await listenAndAnnounce(app, async () => { redis.disconnect() })
