import t, { type Test } from 'tap'
import type { Redis } from 'ioredis'
import { RedisStore, type MagicLinkStore } from '../../src/index.js'
import { ask, build, Jar, send, tokenOf, type TestApp } from '../helpers/app.js'
import { LOOPBACK } from '../helpers/ports.js'
import { startRedis, type RedisServer } from '../helpers/redis.js'
import { timed } from '../helpers/replication.js'

const STORE_TIMEOUT = 3000
// Wide enough that a loaded machine still acknowledges in time when the replica runs (a clean
// clone's run beside the browser suites once missed 800 ms on its first WAIT).
const WAIT_TIMEOUT = 1500
const EMAIL = 'known@example.com'

/** Waits until the primary lists `n` replicas online and each replica's link is up. */
async function replicated (primary: Redis, n: number): Promise<void> {
  for (let i = 0; i < 800; i++) {
    const info = await primary.info('replication')
    if ((info.match(/state=online/g) ?? []).length >= n) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`fewer than ${n} replicas online`)
}

async function pair (t: Test): Promise<{ primary: RedisServer, replica: RedisServer }> {
  // No 5 s wait for more replicas before the first sync (Redis 7's repl-diskless-sync-delay).
  const primary = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] })
  const replica = await startRedis({ args: ['--replicaof', LOOPBACK, String(primary.port)] })
  t.teardown(async () => { await replica.stop(); await primary.stop() })
  const probe = primary.client()
  await replicated(probe, 1)
  // The acknowledgement path is live before any test relies on it.
  await probe.set('warm-up', '1')
  const acked = await probe.call('WAIT', '1', '10000') as number
  if (acked < 1) throw new Error('the replica did not acknowledge a write within 10 s')
  return { primary, replica }
}

function storeOn (server: RedisServer, durable: boolean): MagicLinkStore {
  const client = server.client({ maxRetriesPerRequest: 1 })
  return new RedisStore({ client, ...(durable ? { durability: { replicas: 1, timeout: WAIT_TIMEOUT } } : {}) })
}

async function appOn (t: Test, store: MagicLinkStore, now?: number): Promise<TestApp> {
  const a = await build({ store, storeTimeout: STORE_TIMEOUT, otp: true, rateLimit: false, session: { transports: ['cookie', 'token'] } })
  if (now !== undefined) a.clock.now = now
  t.teardown(() => a.app.close())
  return a
}

/** A mail's link token, waiting for the mail to `email` that came after `before` mails. */
async function linkAfter (a: TestApp, before: number): Promise<{ token: string, otp: string }> {
  const mail = (await a.mails(before + 1))[before]
  return { token: tokenOf(mail?.ctx?.link as string), otp: mail?.ctx?.otp as string }
}

/** A signed-in browser (link, same browser). */
async function signedIn (a: TestApp, email = EMAIL): Promise<Jar> {
  const jar = new Jar()
  const before = a.outbox.length
  await ask(a, jar, email)
  const { token } = await linkAfter(a, before)
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
  if (res.statusCode !== 200) throw new Error(`sign-in: ${res.statusCode} ${res.body}`)
  return jar
}


t.test('durability: a paused replica turns every burn and revocation into a quick 503; resumed, logins work', async (t) => {
  const { primary, replica } = await pair(t)
  const a = await appOn(t, storeOn(primary, true))
  const emails = ['known@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com', 'f@example.com']
  for (const [i, email] of emails.entries()) a.users.set(email, { id: `p${i}` })

  // Ready before the pause: sessions to end, a link to open, an approved cross-device flow to
  // claim, a mail code to type, a refresh token to spend.
  const logoutJar = await signedIn(a, emails[0])
  const allJar = await signedIn(a, emails[1])
  const deleteJar = await signedIn(a, emails[2])
  const linkJar = new Jar()
  let before = a.outbox.length
  await ask(a, linkJar, emails[3])
  const link = await linkAfter(a, before)
  const laptop = new Jar()
  before = a.outbox.length
  const { matchCode } = await ask(a, laptop, emails[4])
  const cross = await linkAfter(a, before)
  const approved = await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: { token: cross.token, code: matchCode } })
  t.equal(approved.statusCode, 200, 'approved on the phone before the pause')
  const codeJar = new Jar()
  before = a.outbox.length
  await ask(a, codeJar, emails[5])
  const code = await linkAfter(a, before)
  const app = new Jar()
  before = a.outbox.length
  const { pollToken } = (await send(a.app, app, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com', transport: 'token' } })).json() as { pollToken: string }
  const appMail = await linkAfter(a, before)
  const tokens = (await send(a.app, app, { method: 'POST', url: '/auth/code', payload: { code: appMail.otp, pollToken } })).json() as { refreshToken: string }
  const sessionId = ((await send(a.app, deleteJar, { method: 'GET', url: '/auth/session' })).json() as { session: { id: string } }).session.id

  replica.pause()
  t.teardown(() => { replica.resume() })
  const steps: Array<[string, () => Promise<{ statusCode: number, body: string }>]> = [
    ['POST /verify (the link, same browser)', () => send(a.app, linkJar, { method: 'POST', url: '/auth/verify', payload: { token: link.token } })],
    ['POST /poll (claim of an approved flow)', () => send(a.app, laptop, { method: 'POST', url: '/auth/poll' })],
    ['POST /code (the mail code)', () => send(a.app, codeJar, { method: 'POST', url: '/auth/code', payload: { code: code.otp } })],
    ['POST /refresh (spends the refresh token)', () => send(a.app, new Jar(), { method: 'POST', url: '/auth/refresh', payload: { refreshToken: tokens.refreshToken } })],
    ['POST /logout', () => send(a.app, logoutJar, { method: 'POST', url: '/auth/logout', payload: {} })],
    ['POST /logout-all', () => send(a.app, allJar, { method: 'POST', url: '/auth/logout-all', payload: {} })],
    ['DELETE /sessions/:id', () => send(a.app, deleteJar, { method: 'DELETE', url: `/auth/sessions/${sessionId}` })],
  ]
  const measured: string[] = []
  for (const [name, step] of steps) {
    const r = await timed(step)
    measured.push(`${name}: ${r.status} in ${r.ms} ms`)
    t.equal(r.status, 503, `${name}: 503 (${r.ms} ms)`)
    t.equal(r.code, 'FST_MAGIC_LINK_STORE_UNAVAILABLE')
    t.ok(r.ms < WAIT_TIMEOUT + STORE_TIMEOUT, `${name}: within timeout + storeTimeout (${r.ms} ms)`)
    t.ok(r.ms >= WAIT_TIMEOUT - 20, `${name}: it did wait for the replica (${r.ms} ms)`)
  }
  // A step that burns nothing does not wait: a new request is answered as usual.
  const asked = await timed(() => send(a.app, new Jar(), { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } }))
  t.equal(asked.status, 202, `POST /request while the replica is paused: 202 in ${asked.ms} ms`)
  t.comment(measured.join('\n'))

  replica.resume()
  await replicated(primary.client(), 1)
  a.clock.advance(2 * 60_000)
  const fresh = await signedIn(a, 'known@example.com')
  t.equal((await send(a.app, fresh, { method: 'GET', url: '/me' })).statusCode, 200, 'resumed: a new login works')
  t.equal((await send(a.app, fresh, { method: 'POST', url: '/auth/logout', payload: {} })).statusCode, 204, 'and its logout')
  // Fail closed: the link was spent on the primary before the WAIT came back short. Its 503
  // told the person to start again; it does not sign in now.
  const again = await send(a.app, linkJar, { method: 'POST', url: '/auth/verify', payload: { token: link.token } })
  t.equal(again.statusCode, 400)
})

/**
 * The case durability exists for, made deterministic: the replication link is cut while a link
 * is spent and a session ended on the primary, then the primary dies and the replica is promoted.
 */
async function failoverAfterBurn (t: Test, durable: boolean): Promise<{ before: Record<string, number>, after: Record<string, number> }> {
  const { primary, replica } = await pair(t)
  const a = await appOn(t, storeOn(primary, durable))
  // Before the pause (replicated): a link spent, a session ended.
  const early = new Jar()
  let n = a.outbox.length
  await ask(a, early)
  const earlyLink = await linkAfter(a, n)
  const earlySignIn = await send(a.app, early, { method: 'POST', url: '/auth/verify', payload: { token: earlyLink.token } })
  const earlyOut = await send(a.app, early, { method: 'POST', url: '/auth/logout', payload: {} })
  const ended = new Jar()
  for (const [k, v] of early.cookies) ended.cookies.set(k, v)
  // The cookie the logout cleared, kept as a thief would.
  ended.cookies.set('__Host-sid', earlySignIn.cookies.find((c) => c.name === '__Host-sid')?.value as string)

  a.clock.advance(2 * 60_000)
  const late = new Jar()
  n = a.outbox.length
  await ask(a, late)
  const lateLink = await linkAfter(a, n)
  a.users.set('victim@example.com', { id: 'v1' })
  const victim = await signedIn(a, 'victim@example.com')
  const victimCookie = victim.get('__Host-sid') as string

  // A partition: the replica hangs and the primary drops its link (what was already sent stays
  // in the replica's socket buffer and still arrives; what comes next does not).
  replica.pause()
  await primary.client().call('CLIENT', 'KILL', 'TYPE', 'replica')
  const lateSignIn = await send(a.app, late, { method: 'POST', url: '/auth/verify', payload: { token: lateLink.token } })
  const lateOut = await send(a.app, victim, { method: 'POST', url: '/auth/logout', payload: {} })
  await primary.kill()
  replica.resume()
  const promoted = replica.client()
  await promoted.replicaof('NO', 'ONE')

  // A new instance on the promoted replica, past the access lifetime (5 min) but within the
  // link's (10 min): every cookie is checked against the store.
  const b = await appOn(t, storeOn(replica, false), a.clock.now + 6 * 60_000)
  const thief = new Jar()
  thief.cookies.set('__Host-sid', victimCookie)
  const reopened = await send(b.app, late, { method: 'POST', url: '/auth/verify', payload: { token: lateLink.token } })
  const reopenedTwice = await send(b.app, late, { method: 'POST', url: '/auth/verify', payload: { token: lateLink.token } })
  return {
    before: {
      earlySignIn: earlySignIn.statusCode, earlyLogout: earlyOut.statusCode, lateSignIn: lateSignIn.statusCode, lateLogout: lateOut.statusCode,
    },
    after: {
      earlyLink: (await send(b.app, early, { method: 'POST', url: '/auth/verify', payload: { token: earlyLink.token } })).statusCode,
      earlySession: (await send(b.app, ended, { method: 'GET', url: '/me' })).statusCode,
      lateLink: reopened.statusCode,
      lateLinkAgain: reopenedTwice.statusCode,
      lateSession: (await send(b.app, thief, { method: 'GET', url: '/me' })).statusCode,
    },
  }
}

t.test('without durability: a failover after a burn brings the link and the ended session back (measured)', async (t) => {
  const r = await failoverAfterBurn(t, false)
  t.comment(`without durability: ${JSON.stringify(r)}`)
  t.same(r.before, { earlySignIn: 200, earlyLogout: 204, lateSignIn: 200, lateLogout: 204 }, 'the primary acknowledged both')
  t.same(r.after, { earlyLink: 400, earlySession: 401, lateLink: 200, lateLinkAgain: 400, lateSession: 200 },
    'replicated writes hold; the ones the replica never got are undone: the link signs in a second time, the ended session answers 200')
})

t.test('with durability: no link works twice and no ended session comes back', async (t) => {
  const r = await failoverAfterBurn(t, true)
  t.comment(`with durability: ${JSON.stringify(r)}`)
  t.same(r.before, { earlySignIn: 200, earlyLogout: 204, lateSignIn: 503, lateLogout: 503 }, 'the unreplicated burn and logout answered 503, not success')
  t.same(r.after, { earlyLink: 400, earlySession: 401, lateLink: 200, lateLinkAgain: 400, lateSession: 200 },
    'every success reported before the failover still holds; the link that answered 503 works exactly once; the session whose logout answered 503 was never reported ended')
})

t.test('the waits use a connection of their own, and burns in flight share one WAIT', async (t) => {
  const { primary, replica } = await pair(t)
  const admin = primary.client()
  const store = new RedisStore({ client: primary.client(), durability: { replicas: 1, timeout: WAIT_TIMEOUT } })
  // Subscribing opens the store's connections (as the plugin does at app.ready()).
  const unsubscribe = await store.subscribe(() => {})
  t.teardown(unsubscribe)
  const session = (i: number): Parameters<RedisStore['createSession']>[0] => ({
    id: `${'C'.repeat(11)}${String(i).padStart(43, '0')}`, userId: 'u', email: 'e@x.io', createdAt: 0, lastSeenAt: 0,
    expiresAt: Date.now() + 60_000, idleExpiresAt: Date.now() + 60_000, data: {}, device: 'd',
  })
  const waits = async (): Promise<number> => Number(/cmdstat_wait:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0)
  for (let i = 0; i < 40; i++) await store.createSession(session(i))
  const before = await waits()
  const revoked = await Promise.all(Array.from({ length: 40 }, (_, i) => store.revokeSession(session(i).id)))
  t.same(new Set(revoked), new Set([true]))
  const used = await waits() - before
  t.ok(used >= 1 && used < 40, `40 concurrent revocations took ${used} WAIT calls`)

  // A paused replica holds up the burns only: the app's connection answers meanwhile.
  await store.createSession(session(99))
  replica.pause()
  t.teardown(() => { replica.resume() })
  const started = performance.now()
  const burn = store.revokeSession(session(99).id).then(() => 'done', (error: Error) => error.message)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const read = performance.now()
  t.equal(await store.getFlow(`${'D'.repeat(33)}`), null)
  const readMs = performance.now() - read
  t.ok(readMs < 200, `a read during the stalled WAIT answered in ${Math.round(readMs)} ms`)
  t.match(await burn, /0 of 1 replicas acknowledged/)
  t.ok(performance.now() - started >= WAIT_TIMEOUT - 20, 'the burn waited for the replica')
})

t.test('durability option checks', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const client = server.client()
  for (const bad of [{ replicas: 0, timeout: 100 }, { replicas: 1, timeout: 0 }, { replicas: 1.5, timeout: 100 }, { replicas: 1 }, null, 'yes']) {
    t.throws(() => new RedisStore({ client, durability: bad as never }), TypeError, JSON.stringify(bad))
  }
  const shaped = { ...client, defineCommand: client.defineCommand.bind(client), options: client.options, pipeline: undefined }
  t.throws(() => new RedisStore({ client: shaped as never, durability: { replicas: 1, timeout: 100 } }), /pipeline/)
  // A server that refuses WAIT (a provider that blocks it): the burn fails with Redis's error.
  const blocked = await startRedis({ args: ['--rename-command', 'WAIT', ''] })
  t.teardown(() => blocked.stop())
  const refusing = new RedisStore({ client: blocked.client(), durability: { replicas: 1, timeout: 50 } })
  await refusing.createSession({ id: 'B'.repeat(54), userId: 'u', email: 'e@x.io', createdAt: 0, lastSeenAt: 0, expiresAt: Date.now() + 60_000, idleExpiresAt: Date.now() + 60_000, data: {}, device: 'd' })
  await t.rejects(refusing.revokeSession('B'.repeat(54)), /unknown command/i)
  // No replica at all: every burn fails closed, with the reason in the error.
  const store = new RedisStore({ client, durability: { replicas: 1, timeout: 50 } })
  await t.rejects(store.revokeSessions('AAAAAAAAAAA'.slice(0, 11)).then(async () => {
    await store.createSession({ id: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', userId: 'u', email: 'e@x.io', createdAt: 0, lastSeenAt: 0, expiresAt: Date.now() + 60_000, idleExpiresAt: Date.now() + 60_000, data: {}, device: 'd' })
    return await store.revokeSession('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
  }), /0 of 1 replicas acknowledged within 50 ms/)
})
