// Faults: Redis killed and restarted under an ioredis client on its default settings (retries,
// offline queue on), and SMTP refusing or stalling.
import t, { type Test } from 'tap'
import v8 from 'node:v8'
import vm from 'node:vm'
import { setTimeout as sleep } from 'node:timers/promises'
import nodemailer from 'nodemailer'
import type { LightMyRequestResponse } from 'fastify'
import type { Redis } from 'ioredis'
import { RedisStore, type MailMessage, type MailTransport } from '../src/index.js'
import { ask, build, Jar, send, tokenOf, type TestApp } from './helpers/app.js'
import { signIn } from './helpers/login.js'
import { scanKeys, startRedis } from './helpers/redis.js'
import { startSmtpSink } from './helpers/smtp.js'

type Tap = Test

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

function heapMb (): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 1048576
}

/** The ioredis offline queue (commands issued while disconnected, sent again on reconnect). */
function offlineQueueLength (client: Redis): number {
  return (client as unknown as { offlineQueue: { length: number } }).offlineQueue.length
}

const STORE_TIMEOUT = 1000
/** storeTimeout plus scheduling slack. */
const ANSWER_BUDGET_MS = 1100
const UNKNOWN_TOKEN = `${'A'.repeat(33)}.${'B'.repeat(43)}`
const FLOW_FIELDS = ['st', 'ca', 'lp', 'id', 'em', 'lh', 'ph', 'mh', 'oh', 'rt', 'dv', 'c', 'x', 'iv', 'in']
const SESSION_FIELDS = ['uid', 'em', 'c', 'ls', 'ax', 'ie', 'd', 'dv']

interface Timed { res: LightMyRequestResponse, ms: number }

async function timed (p: () => Promise<LightMyRequestResponse>): Promise<Timed> {
  const t0 = process.hrtime.bigint()
  const res = await p()
  return { res, ms: Number(process.hrtime.bigint() - t0) / 1e6 }
}

/** Every key of the server, with its PTTL and, for hashes, its fields. */
async function scanAll (client: Redis): Promise<Array<{ key: string, pttl: number, type: string, fields: string[] }>> {
  const out: Array<{ key: string, pttl: number, type: string, fields: string[] }> = []
  for (const key of await scanKeys(client)) {
    const type = await client.type(key)
    out.push({ key, pttl: await client.pttl(key), type, fields: type === 'hash' ? await client.hkeys(key) : [] })
  }
  return out
}

t.test('Redis killed and restarted under an ioredis client on default settings', async (t) => {
  // AOF with fsync on every write: what was written before the crash is there after the restart,
  // as with a persistent Redis or a promoted replica.
  const server = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] })
  t.teardown(() => server.stop())
  const client = server.client()
  const lines: string[] = []
  let capture = true
  const a = await build({
    store: new RedisStore({ client }),
    known: ['stale@example.com', 'fresh@example.com', 'bye@example.com', 'pending@example.com', 'known@example.com'],
    logger: true,
    loggerStream: { write: (line) => { if (capture) lines.push(line) } },
  })
  t.teardown(() => a.app.close())

  // Sessions: `stale` will need a refresh from the store (its JWT is past accessTtl = 5 min),
  // `fresh` and `bye` are within accessTtl and cached in this process.
  const stale = await signIn(a, 'stale@example.com')
  const staleToken = tokenOf(a.outbox[0]?.ctx?.link as string)
  a.clock.advance(4 * 60_000)
  const fresh = await signIn(a, 'fresh@example.com')
  const bye = await signIn(a, 'bye@example.com')
  const laptop = new Jar()
  const { matchCode } = await ask(a, laptop, 'pending@example.com')
  const token = tokenOf((await a.mails(4))[3]?.ctx?.link as string)
  a.clock.advance(2 * 60_000)
  t.equal((await send(a.app, fresh, { method: 'GET', url: '/me' })).statusCode, 200, 'fresh session works before the outage')
  const keysBefore = await client.dbsize()

  await server.kill()
  const killedAt = Date.now()

  const json = { 'content-type': 'application/json' }
  const inject = (method: 'GET' | 'POST', url: string, jar: Jar | null, payload?: unknown): () => Promise<LightMyRequestResponse> => () =>
    a.app.inject({ method, url, headers: { ...(payload === undefined ? {} : json), ...(jar === null ? {} : { cookie: jar.header() }) }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) })

  const routes: Array<[string, () => Promise<LightMyRequestResponse>]> = [
    ['POST /auth/request', inject('POST', '/auth/request', null, { email: 'known@example.com' })],
    ['GET /auth/verify', inject('GET', `/auth/verify?token=${token}`, null)],
    ['POST /auth/verify', inject('POST', '/auth/verify', null, { token, code: matchCode })],
    ['POST /auth/poll', inject('POST', '/auth/poll', laptop, {})],
    ['POST /auth/code', inject('POST', '/auth/code', laptop, { code: '000000' })],
    ['POST /auth/revoke', inject('POST', '/auth/revoke', null, { token: staleToken, email: 'stale@example.com' })],
    ['GET /auth/session (stale cookie, needs a refresh)', inject('GET', '/auth/session', stale)],
    ['POST /auth/logout', inject('POST', '/auth/logout', bye, {})],
    ['GET /auth/sessions', inject('GET', '/auth/sessions', fresh)],
  ]
  const cached = timed(inject('GET', '/me', fresh))
  const staleMe = timed(inject('GET', '/me', stale))
  const staleLogout = timed(inject('POST', '/auth/logout', stale, {}))
  const answers = await Promise.all(routes.map(([, run]) => timed(run)))
  const figures: string[] = []
  for (const [i, [name]] of routes.entries()) {
    const { res, ms } = answers[i] as Timed
    figures.push(`${name} ${res.statusCode} in ${ms.toFixed(0)} ms`)
    const stalled = name.includes('stale cookie')
    t.equal(res.statusCode, 503, `${name}: 503 (${ms.toFixed(0)} ms)`)
    if (res.headers['content-type']?.toString().startsWith('application/json') === true) {
      t.match(res.json(), { statusCode: 503, code: 'FST_MAGIC_LINK_STORE_UNAVAILABLE' }, `${name}: coded error`)
    } else {
      t.match(res.headers['content-type'], /^text\/html/, `${name}: an HTML error page`)
    }
    t.ok(ms < ANSWER_BUDGET_MS, `${name}: answered within ${ANSWER_BUDGET_MS} ms`)
  }
  const c = await cached
  t.equal(c.res.statusCode, 200, `an authenticated route with a cached session keeps answering 200 (${c.ms.toFixed(1)} ms)`)
  // Well under the store timeout (1 s): the cached session needs no store call. Loose, for a loaded machine.
  t.ok(c.ms < 500, 'and does not wait for the store')
  const sm = await staleMe
  t.equal(sm.res.statusCode, 503, `requireSession with a session needing a refresh answers 503 (${sm.ms.toFixed(0)} ms)`)
  t.ok(sm.ms < ANSWER_BUDGET_MS)
  const sl = await staleLogout
  t.equal(sl.res.statusCode, 503, `POST /auth/logout with a session needing a refresh: 503, not "signed out" (${sl.ms.toFixed(0)} ms)`)
  t.comment(`outage answers: ${figures.join('; ')}; cached /me ${c.ms.toFixed(1)} ms; stale /me ${sm.res.statusCode} in ${sm.ms.toFixed(0)} ms; stale logout ${sl.res.statusCode}`)
  t.notOk(lines.some((l) => l.includes('"statusCode":500') || l.includes('internal error')), 'no 500 and no internal error logged')
  t.ok(lines.some((l) => l.includes('store call failed')), 'the store failures are logged')

  // A long run of requests during the outage: memory stays bounded (loose check). Each one
  // leaves a command in ioredis's offline queue until the reconnect (or its retry limit).
  // (The log lines are no longer kept, so they do not count.)
  capture = false
  const batch = async (n: number): Promise<void> => {
    const rs = await Promise.all(Array.from({ length: 500 }, (_, i) => i % 2 === 0
      ? a.app.inject({ method: 'POST', url: '/auth/request', headers: json, payload: JSON.stringify({ email: `nobody${i}@example.com` }) })
      : a.app.inject({ method: 'GET', url: `/auth/verify?token=${UNKNOWN_TOKEN}` })))
    outageRequests += rs.length
    t.equal(rs.filter((r) => r.statusCode === 503).length, rs.length, `batch ${n}: 500 × 503`)
  }
  let outageRequests = 0
  const heapCold = heapMb()
  await batch(0) // warm-up: code paths compiled, pools grown
  const heap0 = heapMb()
  const queue0 = offlineQueueLength(client)
  const heaps: number[] = []
  for (let n = 1; n <= 4; n++) {
    await batch(n)
    heaps.push(heapMb())
  }
  const queued = offlineQueueLength(client)
  const measured = outageRequests - 500
  const perRequestKb = ((heaps[3] as number) - heap0) * 1024 / measured
  t.comment(`outage load: ${outageRequests} requests (500 warm-up); heap ${heapCold.toFixed(1)} MB cold, ${heap0.toFixed(1)} MB after warm-up -> ${heaps.map((h) => h.toFixed(1)).join(' / ')} MB (${perRequestKb.toFixed(2)} KB per request); ioredis offline queue ${queue0} -> ${queued}`)
  t.ok(perRequestKb < 16, `heap growth per failed request is small (${perRequestKb.toFixed(2)} KB, held by the offline queue until the reconnect)`)
  t.ok((heaps[3] as number) - heap0 < 64, 'heap growth stays under 64 MB')

  // Restart: recovery by itself, measured from the moment redis-server answers PING again.
  const outageMs = Date.now() - killedAt
  let readyAt = 0
  client.once('ready', () => { readyAt = Date.now() })
  await server.restart()
  const restartedAt = Date.now()
  let recovered = 0
  let status = 0
  while (Date.now() - restartedAt < 15_000) {
    status = (await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })).statusCode
    if (status === 200) { recovered = Date.now() - restartedAt; break }
    await sleep(10)
  }
  t.equal(status, 200, `recovered ${recovered} ms after the restart (outage ${outageMs} ms, ${queued} commands were queued)`)
  t.comment(`recovery: first request served ${recovered} ms after the restart (the ioredis client was ready after ${readyAt - restartedAt} ms, its reconnect backoff); outage lasted ${outageMs} ms; offline queue after recovery ${offlineQueueLength(client)}`)
  const heapAfter = heapMb()
  t.comment(`heap after the queue drained: ${heapAfter.toFixed(1)} MB (before the outage load ${heap0.toFixed(1)} MB)`)
  t.ok(heapAfter - heap0 < 16, 'the queued commands are released after recovery')

  // Everything works again, without a restart of the app.
  const session = await send(a.app, stale, { method: 'GET', url: '/auth/session' })
  t.equal(session.statusCode, 200, 'the stale session refreshes from the store')
  t.ok(session.cookies.some((ck) => ck.name === '__Host-sid' && ck.value !== ''), 'and gets a new cookie')
  t.equal((await send(a.app, fresh, { method: 'GET', url: '/auth/sessions' })).statusCode, 200, 'GET /auth/sessions')
  t.match((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).json(), { status: 'pending' }, 'the pending flow survived and polls pending')
  t.equal((await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })).statusCode, 200, 'and is approved from the phone')
  a.clock.advance(5_000)
  t.equal((await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })).statusCode, 200, 'and claimed by the laptop')
  t.equal((await send(a.app, laptop, { method: 'GET', url: '/me' })).statusCode, 200, 'the new session works')
  const byeAfter = (await send(a.app, bye, { method: 'GET', url: '/me' })).statusCode
  t.comment(`the session whose POST /auth/logout answered 503 during the outage: GET /me -> ${byeAfter} after recovery (${byeAfter === 401 ? 'the queued revoke ran after the restart' : 'still live'})`)

  // Requests answered 503 must not take effect later: the ones refused during the outage were
  // replayed from ioredis's offline queue after the restart and counted against the per-IP limit.
  const again = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const rl = await client.get('ml:rl:ip:POST/auth/request:127.0.0.1')
  t.equal(again.statusCode, 202, `POST /auth/request after recovery: 202 (got ${again.statusCode}; the per-IP counter is ${rl ?? 'unset'} after ${outageRequests / 2 + 1} refused requests)`)

  // No half-written flow and no key without a TTL.
  const keys = await scanAll(client)
  t.ok(keys.length >= keysBefore, `${keys.length} keys after recovery (${keysBefore} before the outage)`)
  t.same(keys.filter((k) => k.pttl < 0).map((k) => `${k.key} ${k.pttl}`), [], 'every key has a TTL')
  const flows = keys.filter((k) => k.key.startsWith('ml:f:'))
  t.ok(flows.length >= 4, `${flows.length} flow records`)
  t.same(flows.filter((f) => !FLOW_FIELDS.every((field) => f.fields.includes(field))).map((f) => f.key), [], 'no half-written flow')
  const sessions = keys.filter((k) => k.key.startsWith('ml:s:'))
  t.ok(sessions.length >= 3, `${sessions.length} session records`)
  t.same(sessions.filter((s) => !SESSION_FIELDS.every((field) => s.fields.includes(field))).map((s) => s.key), [], 'no half-written session')
})

t.test('requests answered 503 leave no flow behind after recovery (rateLimit: false, so the route reaches createFlow)', async (t) => {
  const server = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] })
  t.teardown(() => server.stop())
  const client = server.client()
  const a = await build({ store: new RedisStore({ client }), rateLimit: false, known: ['ghost@example.com'] })
  t.teardown(() => a.app.close())
  t.equal((await a.app.inject({ method: 'GET', url: `/auth/verify?token=${UNKNOWN_TOKEN}` })).statusCode, 410, 'store up')
  await server.kill()
  // Once the client has seen the connection drop, the store refuses at once instead of queueing.
  // (A command already written to the socket at the instant of the crash is ioredis's to resend:
  // the README recommends autoResendUnfulfilledCommands: false.)
  while (client.status === 'ready') await sleep(5)
  const refused = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'ghost@example.com' } })
  t.equal(refused.statusCode, 503, 'refused during the outage')
  t.equal(a.outbox.length, 0, 'no mail')
  await server.restart()
  const t0 = Date.now()
  while (Date.now() - t0 < 15_000 && (await a.app.inject({ method: 'GET', url: `/auth/verify?token=${UNKNOWN_TOKEN}` })).statusCode !== 410) await sleep(10)
  t.comment(`recovered ${Date.now() - t0} ms after the restart`)
  await sleep(50)
  const keys = await scanAll(client)
  const ghosts = keys.filter((k) => k.key.startsWith('ml:f:') || k.key.startsWith('ml:e:'))
  t.same(ghosts.map((k) => k.key), [], 'no flow and no mail-budget record from a request that answered 503')
  t.same(keys.filter((k) => k.pttl < 0).map((k) => k.key), [], 'every key has a TTL')
  t.same(keys.filter((k) => k.key.startsWith('ml:f:') && !FLOW_FIELDS.every((field) => k.fields.includes(field))).map((k) => k.key), [], 'no half-written flow')
})

// --- SMTP -----------------------------------------------------------------------------------

interface MailRig { a: TestApp, lines: string[], mailErrors: Array<{ error: unknown, email: string, kind: string }>, texts: string[] }

async function mailApp (t: Tap, transport: ReturnType<typeof nodemailer.createTransport>): Promise<MailRig> {
  const lines: string[] = []
  const mailErrors: MailRig['mailErrors'] = []
  const texts: string[] = []
  // Records what went to the transport (the link is in the text), then hands it on.
  const recording: MailTransport = {
    sendMail: async (message: MailMessage) => {
      texts.push(message.text)
      return await transport.sendMail(message)
    },
  }
  const a = await build({
    sendMail: undefined,
    mail: { transport: recording, from: 'Example <login@app.example.com>' },
    known: Array.from({ length: 6 }, (_, i) => `m${i}@example.com`),
    logger: true,
    loggerStream: { write: (line) => { lines.push(line) } },
    hooks: { onMailError: (error, event) => { mailErrors.push({ error, ...event }) } },
  })
  t.teardown(() => a.app.close())
  return { a, lines, mailErrors, texts }
}

async function requestTimed (a: TestApp, email: string): Promise<Timed> {
  return await timed(() => a.app.inject({ method: 'POST', url: '/auth/request', payload: { email } }))
}

/** POST /auth/request for m0…m2@example.com, one after the other: each must answer 202 within 100 ms. */
async function threeRequests (t: Tap, a: TestApp): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < 3; i++) {
    const { res, ms } = await requestTimed(a, `m${i}@example.com`)
    times.push(ms)
    t.equal(res.statusCode, 202)
    t.ok(ms < 100, `202 in ${ms.toFixed(1)} ms`)
  }
  return times
}

t.test('SMTP refusing: POST /auth/request answers 202 at once, onMailError fires, the log has no link token', async (t) => {
  const sink = await startSmtpSink({ refuse: true })
  t.teardown(() => sink.stop())
  const { a, lines, mailErrors, texts } = await mailApp(t, nodemailer.createTransport(sink.transportOptions))
  const warm = await requestTimed(a, 'nobody@example.com')
  t.equal(warm.res.statusCode, 202, `warm-up with an unknown address (${warm.ms.toFixed(1)} ms)`)
  const times = await threeRequests(t, a)
  t.comment(`SMTP refusing: POST /auth/request answered in ${times.map((ms) => ms.toFixed(1)).join(', ')} ms (warm-up ${warm.ms.toFixed(1)} ms)`)
  for (let i = 0; i < 200 && mailErrors.length < 3; i++) await sleep(10)
  t.equal(mailErrors.length, 3, 'onMailError once per failed mail')
  t.same(mailErrors.map((e) => [e.email, e.kind]).sort(), [['m0@example.com', 'login'], ['m1@example.com', 'login'], ['m2@example.com', 'login']])
  t.equal(sink.messages.length, 0, 'nothing delivered')
  const tokens = texts.map((text) => /token=([A-Za-z0-9_-]{33}\.[A-Za-z0-9_-]{43})/.exec(text)?.[1] ?? '')
  t.equal(tokens.filter((x) => x !== '').length, 3, 'the transport got the three links')
  const log = lines.join('\n')
  t.equal(lines.filter((l) => l.includes('mail could not be sent')).length, 3, 'each failure is logged')
  for (const tok of tokens) {
    t.notOk(log.includes(tok), 'the log has no link token')
    t.notOk(log.includes(tok.slice(34)), 'nor its secret')
  }
  t.notMatch(log, /token=[A-Za-z0-9_-]{10}/, 'no token= in the log')
  for (const { error } of mailErrors) {
    const serialized = error instanceof Error ? JSON.stringify(error, Object.getOwnPropertyNames(error)) : String(error)
    t.notOk(tokens.some((tok) => serialized.includes(tok.slice(34))), 'the error passed to onMailError carries no link secret')
  }
})

t.test('SMTP stalling: POST /auth/request answers 202 at once, the mail arrives later', async (t) => {
  const sink = await startSmtpSink({ stallMs: 1500 })
  t.teardown(() => sink.stop())
  const { a, mailErrors } = await mailApp(t, nodemailer.createTransport(sink.transportOptions))
  await requestTimed(a, 'nobody@example.com')
  const times = await threeRequests(t, a)
  const concurrent = await Promise.all([3, 4, 5].map((i) => requestTimed(a, `m${i}@example.com`)))
  for (const { res, ms } of concurrent) {
    t.equal(res.statusCode, 202)
    t.ok(ms < 100, `concurrent 202 in ${ms.toFixed(1)} ms`)
  }
  t.comment(`SMTP stalling 1500 ms: POST /auth/request answered in ${[...times, ...concurrent.map((c) => c.ms)].map((ms) => ms.toFixed(1)).join(', ')} ms`)
  const t0 = Date.now()
  const delivered = await sink.waitFor(6, 10_000)
  t.equal(delivered.length, 6, `all six mails delivered ${Date.now() - t0} ms later`)
  t.equal(mailErrors.length, 0, 'no mail error')
})
