import { createRequire } from 'node:module'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { RedisStore, type RedisStoreOptions } from '../src/store/redis-store.js'
import { groupOf, type StoreEvent } from '../src/store/types.js'
import {
  HOUR, LIMITS, claimOptions, codeOptions, createOptions, flowFixture, newGroup, sessionFixture, verifyOptions,
  wrongMatchHash, type FlowFixture,
} from '../src/testing/fixtures.js'
import { scanKeys, startRedis, type RedisServer } from './helpers/redis.js'

// ioredis's own slot function (a dependency of ioredis; it ships no types).
const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number

let redis: RedisServer
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

let prefixes = 0
/** A store on its own key prefix, so tests can scan exactly their keys. */
function storeOn (client: Redis, extra: Partial<RedisStoreOptions> = {}): RedisStore {
  return new RedisStore({ client, prefix: `rs${++prefixes}:`, ...extra })
}

async function keysOf (client: Redis, prefix: string): Promise<string[]> {
  return await scanKeys(client, `${prefix}*`)
}

/** Every field name, member and value stored under a key. */
async function contentOf (client: Redis, key: string): Promise<string[]> {
  const type = await client.type(key)
  if (type === 'hash') return Object.entries(await client.hgetall(key)).flat()
  if (type === 'set') return await client.smembers(key)
  if (type === 'string') return [await client.get(key) ?? '']
  throw new Error(`unexpected ${type} at ${key}`)
}

/** A flow fixture whose six-digit code cannot turn up by chance inside one of these numbers. */
function fixtureAvoiding (now: number, numbers: readonly number[], group?: string): FlowFixture {
  for (;;) {
    const fx = flowFixture(group === undefined ? { now } : { now, group })
    const otp = fx.secrets.otp ?? ''
    if (!numbers.some((n) => String(n).includes(otp))) return fx
  }
}

t.test('every key has a TTL within its configured value, and no plaintext secret is stored', async (t) => {
  const client = redis.client()
  const store = storeOn(client)
  const now = Date.now()
  const times = [now, now + 1, now + 2, now + 1000, now + LIMITS.minGapMs, now + LIMITS.minGapMs + 1, now + LIMITS.minGapMs + 2]
  const fx = fixtureAvoiding(now, times)
  const later = fixtureAvoiding(now + LIMITS.minGapMs, times, fx.group)
  const coded = fixtureAvoiding(now, times)
  const idleTtlMs = HOUR
  const absoluteTtlMs = 24 * HOUR
  const windowMs = 15 * 60_000

  t.same(await store.createFlow(fx.flow, createOptions(now)), { sent: true })
  t.equal((await store.verifyFlow(fx.flow.id, verifyOptions(fx, now + 1, { matchHash: wrongMatchHash(fx) }))).result, 'wrong_code')
  t.same(await store.createFlow(later.flow, createOptions(now + LIMITS.minGapMs)), { sent: true })
  t.equal((await store.claimFlow(later.flow.id, claimOptions(later, now + LIMITS.minGapMs))).result, 'pending')
  t.equal((await store.verifyFlow(later.flow.id, verifyOptions(later, now + LIMITS.minGapMs + 1, { matchHash: later.flow.matchHash }))).result, 'approved')
  t.equal((await store.claimFlow(later.flow.id, claimOptions(later, now + LIMITS.minGapMs + 2, { force: true }))).result, 'claimed')
  t.same(await store.createFlow(coded.flow, createOptions(now)), { sent: true })
  t.equal((await store.codeFlow(coded.flow.id, codeOptions(coded, now + 2))).result, 'signed_in')

  const group = newGroup()
  const sessions = [
    sessionFixture({ now, group, idleTtlMs, absoluteTtlMs }),
    sessionFixture({ now, group, idleTtlMs, absoluteTtlMs }),
    sessionFixture({ now, idleTtlMs: absoluteTtlMs, absoluteTtlMs: idleTtlMs }),
  ]
  for (const s of sessions) await store.createSession(s.record)
  t.not(await store.touchSession(sessions[0]?.record.id ?? '', { now: now + 1000, idleTtlMs }), null)
  t.equal((await store.hit('ip:127.0.0.1', windowMs)).count, 1)

  const max: Record<string, number> = {
    f: LIMITS.ttlMs,
    e: Math.max(HOUR, LIMITS.ttlMs),
    s: Math.min(idleTtlMs, absoluteTtlMs),
    u: Math.min(idleTtlMs, absoluteTtlMs),
    rl: windowMs,
  }
  const keys = await keysOf(client, store.prefix)
  const kinds = keys.map((key) => key.slice(store.prefix.length).split(/[:{]/)[0] ?? '')
  t.same([...new Set(kinds)].sort(), ['e', 'f', 'rl', 's', 'u'], 'flows, mailboxes, sessions, user indexes and counters')
  t.equal(keys.length, 3 + 2 + 3 + 2 + 1, 'one key per flow, address, session, user and counter')
  for (const [i, key] of keys.entries()) {
    const pttl = await client.pttl(key)
    const limit = max[kinds[i] ?? ''] ?? 0
    t.ok(pttl > 0 && pttl <= limit, `${key}: PTTL ${pttl} in (0, ${limit}]`)
  }

  const secrets: string[] = []
  for (const f of [fx, later, coded]) {
    secrets.push(f.secrets.link, f.secrets.poll, f.secrets.match, `${f.secrets.match.slice(0, 3)}-${f.secrets.match.slice(3)}`)
    if (f.secrets.otp !== null) secrets.push(f.secrets.otp)
  }
  for (const s of sessions) secrets.push(s.secret)
  const stored = [...keys]
  for (const key of keys) stored.push(...await contentOf(client, key))
  t.ok(stored.includes(fx.flow.linkHash) && stored.includes(later.flow.matchHash) && stored.includes(JSON.stringify(sessions[0]?.record.data)), 'the dump does see the stored values')
  const leaks = secrets.filter((secret) => stored.some((value) => value.includes(secret)))
  t.same(leaks, [], 'no link secret, poll secret, match code, email code or session secret in any key or value')
})

t.test('the user index outlives every session it lists', async (t) => {
  const client = redis.client()
  const store = storeOn(client)
  const group = newGroup()
  const s = sessionFixture({ now: Date.now(), group, idleTtlMs: HOUR })
  await store.createSession(s.record)
  // Real time: a touch 50 ms later pushes the session's TTL 50 ms past the index's.
  await sleep(50)
  t.not(await store.touchSession(s.record.id, { now: Date.now(), idleTtlMs: HOUR }), null)
  const sessionTtl = await client.pttl(`${store.prefix}s:{${group}}${s.record.id.slice(group.length)}`)
  const indexTtl = await client.pttl(`${store.prefix}u:{${group}}`)
  t.ok(sessionTtl > 0, 'the session key exists')
  // The two PTTLs are read one after the other: allow the milliseconds between the reads.
  t.ok(indexTtl >= sessionTtl - 100, `index PTTL ${indexTtl} >= session PTTL ${sessionTtl}`)
})

t.test('all keys of one address and of one user share a hash slot', async (t) => {
  const client = redis.client()
  const store = storeOn(client)
  const now = Date.now()
  const first = flowFixture({ now })
  const second = flowFixture({ now: now + LIMITS.minGapMs, group: first.group })
  await store.createFlow(first.flow, createOptions(now))
  await store.createFlow(second.flow, createOptions(now + LIMITS.minGapMs))
  await store.verifyFlow(second.flow.id, verifyOptions(second, now + LIMITS.minGapMs, { matchHash: second.flow.matchHash }))
  const group = newGroup()
  for (let i = 0; i < 3; i++) await store.createSession(sessionFixture({ now, group }).record)
  await store.createSession(sessionFixture({ now }).record)

  const keys = await keysOf(client, store.prefix)
  for (const tag of [first.group, group]) {
    const mine = keys.filter((key) => key.includes(tag))
    t.ok(mine.length >= 3, `${mine.length} keys carry ${tag}`)
    t.same([...new Set(mine.map(keySlot))], [keySlot(`{${tag}}`)], `one slot for ${mine.join(', ')}`)
  }
  t.not(keySlot(`{${first.group}}`), keySlot(`{${group}}`), 'different tags (or a collision; rerun)')
})

type Command = Parameters<Redis['sendCommand']>[0]

/** Records what the store sends: each transition must be one round trip. */
function recordCommands (client: Redis): Command[] {
  const sent: Command[] = []
  const original = client.sendCommand.bind(client)
  client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    sent.push(args[0])
    return original(...args)
  }) as Redis['sendCommand']
  return sent
}

/** Names as written to the socket (ioredis turns a script's first EVALSHA into EVAL there). */
function names (commands: readonly Command[]): string[] {
  return commands.map((c) => c.name)
}

async function scriptCalls (admin: Redis): Promise<{ eval: number, evalsha: number, failed: number }> {
  const info = await admin.info('commandstats')
  const stat = (name: string, field: string): number => Number(new RegExp(`^cmdstat_${name}:.*\\b${field}=(\\d+)`, 'm').exec(info)?.[1] ?? 0)
  return { eval: stat('eval', 'calls'), evalsha: stat('evalsha', 'calls'), failed: stat('eval', 'failed_calls') + stat('evalsha', 'failed_calls') }
}

t.test('INFO commandstats: each transition is one script call, EVAL the first time and EVALSHA after', async (t) => {
  const admin = redis.client()
  const client = redis.client()
  await client.ping()
  const store = storeOn(client)
  const sent = recordCommands(client)
  const now = Date.now()
  const fx = flowFixture({ now })
  const other = flowFixture({ now })
  const group = newGroup()
  const s1 = sessionFixture({ now, group }).record
  const s2 = sessionFixture({ now, group }).record

  const steps: Array<[string, () => Promise<unknown>]> = [
    ['createFlow', () => store.createFlow(fx.flow, createOptions(now))],
    ['createFlow', () => store.createFlow(other.flow, createOptions(now))],
    ['verifyFlow', () => store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx) }))],
    ['verifyFlow', () => store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: fx.flow.matchHash }))],
    ['claimFlow', () => store.claimFlow(fx.flow.id, claimOptions(fx, now))],
    ['claimFlow', () => store.claimFlow(fx.flow.id, claimOptions(fx, now))],
    ['codeFlow', () => store.codeFlow(other.flow.id, codeOptions(other, now))],
    ['codeFlow', () => store.codeFlow(other.flow.id, codeOptions(other, now))],
    ['createSession', () => store.createSession(s1)],
    ['createSession', () => store.createSession(s2)],
    ['touchSession', () => store.touchSession(s1.id, { now: now + 1, idleTtlMs: HOUR })],
    ['touchSession', () => store.touchSession(s1.id, { now: now + 2, idleTtlMs: HOUR })],
    ['listSessions', () => store.listSessions(group)],
    ['listSessions', () => store.listSessions(group)],
    ['revokeSession', () => store.revokeSession(s1.id)],
    ['revokeSession', () => store.revokeSession(s1.id)],
    ['revokeSessions', () => store.revokeSessions(group)],
    ['revokeSessions', () => store.revokeSessions(group)],
    ['hit', () => store.hit('ip:1', 60_000)],
    ['hit', () => store.hit('ip:1', 60_000)],
  ]
  await admin.config('RESETSTAT')
  const seen = new Set<string>()
  for (const [name, step] of steps) {
    const before = await scriptCalls(admin)
    sent.length = 0
    await step()
    const after = await scriptCalls(admin)
    const first = !seen.has(name)
    seen.add(name)
    t.same(names(sent), [first ? 'eval' : 'evalsha'], `${name}: one command sent`)
    t.same(
      { eval: after.eval - before.eval, evalsha: after.evalsha - before.evalsha },
      first ? { eval: 1, evalsha: 0 } : { eval: 0, evalsha: 1 },
      `${name} (${first ? 'first' : 'again'}): one ${first ? 'EVAL' : 'EVALSHA'}`,
    )
  }
  t.equal((await scriptCalls(admin)).failed, 0, 'no script call failed')

  sent.length = 0
  t.equal((await store.getFlow(fx.flow.id))?.state, 'claimed')
  t.same(names(sent), ['hgetall'], 'getFlow is one read')

  // A restarted or failed-over server has lost its script cache: one retry, still atomic.
  await admin.script('FLUSH')
  sent.length = 0
  t.equal((await store.hit('ip:1', 60_000)).count, 3)
  t.same(names(sent), ['evalsha', 'eval'], 'NOSCRIPT, then the script itself')
})

t.test('the store never closes the app\'s client', async (t) => {
  const client = redis.client()
  const calls: string[] = []
  for (const method of ['quit', 'disconnect'] as const) {
    const original = client[method].bind(client) as (...args: unknown[]) => unknown
    ;(client as unknown as Record<string, (...args: unknown[]) => unknown>)[method] = (...args) => {
      calls.push(method)
      return original(...args)
    }
  }
  const store = storeOn(client)
  const s = sessionFixture({ now: Date.now() }).record
  await store.createSession(s)
  for (let round = 0; round < 3; round++) {
    const got: StoreEvent[] = []
    const off1 = await store.subscribe((e) => got.push(e))
    const off2 = await store.subscribe(() => {})
    await off2()
    await off1()
    await off1()
  }
  t.same(calls, [], 'no quit or disconnect on the app\'s client')
  t.equal(client.status, 'ready')
  t.equal(await client.ping(), 'PONG', 'still usable after every unsubscribe')
  t.equal(await store.touchSession(s.id, { now: Date.now(), idleTtlMs: HOUR }) !== null, true, 'and so is the store')
})

t.test('an app-provided subscriber connection is left open and keeps its own listeners', async (t) => {
  const client = redis.client()
  const subscriber = redis.client()
  const appMessages: string[] = []
  subscriber.on('message', (channel: string, message: string) => { appMessages.push(`${channel}:${message}`) })
  const errorListeners = subscriber.listenerCount('error')
  let closed = 0
  const originalQuit = subscriber.quit.bind(subscriber)
  subscriber.quit = ((...args: Parameters<Redis['quit']>) => { closed++; return originalQuit(...args) }) as Redis['quit']
  const originalDisconnect = subscriber.disconnect.bind(subscriber)
  subscriber.disconnect = ((...args: Parameters<Redis['disconnect']>) => { closed++; originalDisconnect(...args) }) as Redis['disconnect']

  const store = storeOn(client, { subscriber })
  await subscriber.subscribe('app-channel')
  const group = newGroup()
  const events: StoreEvent[] = []
  for (let round = 0; round < 3; round++) {
    const s = sessionFixture({ now: Date.now(), group }).record
    await store.createSession(s)
    const off = await store.subscribe((e) => events.push(e))
    await sleep(30)
    await client.publish('app-channel', `round ${round}`)
    await store.revokeSession(s.id)
    await waitUntil(() => events.length === round + 1)
    await off()
  }
  t.equal(events.length, 3, 'each subscription got its revocation, and nothing from the app\'s channel')
  t.equal(closed, 0, 'never quit or disconnected')
  t.equal(subscriber.status, 'ready')
  t.ok(appMessages.includes('app-channel:round 0'), 'the app hears its channel while the store listens')
  await client.publish('app-channel', 'after')
  await waitUntil(() => appMessages.includes('app-channel:after'), 1000)
  t.ok(appMessages.includes('app-channel:after'), 'the app\'s own message listener still works after the store unsubscribed')
  t.equal(subscriber.listenerCount('error'), errorListeners, 'the store leaves no listener behind')
  await subscriber.unsubscribe('app-channel')
})

async function waitUntil (ok: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ok() && Date.now() < deadline) await sleep(5)
}

t.test('notifications reach every instance on the same prefix, and only those', async (t) => {
  const a = storeOn(redis.client())
  const b = new RedisStore({ client: redis.client(), prefix: a.prefix })
  const stranger = storeOn(redis.client())
  const atB: StoreEvent[] = []
  const atStranger: StoreEvent[] = []
  const offB = await b.subscribe((e) => atB.push(e))
  const offStranger = await stranger.subscribe((e) => atStranger.push(e))
  t.teardown(async () => { await offB(); await offStranger() })
  await sleep(50)
  const now = Date.now()
  const s = sessionFixture({ now }).record
  await a.createSession(s)
  t.equal(await a.revokeSession(s.id), true)
  const fx = flowFixture({ now })
  await a.createFlow(fx.flow, createOptions(now))
  await a.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: fx.flow.matchHash }))
  await waitUntil(() => atB.length >= 2)
  t.same(atB, [{ type: 'revoke', sessionIds: [s.id] }, { type: 'flow', flowId: fx.flow.id }], 'the other instance hears both, in order')
  t.same(await b.listSessions(groupOf(s.id)), [], 'and sees the same data')
  await sleep(50)
  t.same(atStranger, [], 'another prefix hears nothing')
})

t.test('foreign messages on the events channel and unreadable session data are ignored', async (t) => {
  const client = redis.client()
  const store = storeOn(client)
  const events: StoreEvent[] = []
  const off = await store.subscribe((e) => events.push(e))
  t.teardown(off)
  await sleep(50)
  const s = sessionFixture({ now: Date.now() }).record
  await store.createSession(s)
  await client.publish(store.channel, 'hello')
  await client.publish(store.channel, '')
  await client.hset(`${store.prefix}s:{${groupOf(s.id)}}${s.id.slice(groupOf(s.id).length)}`, 'd', '{not json')
  t.same((await store.touchSession(s.id, { now: Date.now(), idleTtlMs: HOUR }))?.data, {}, 'corrupt data reads as {}')
  await store.revokeSession(s.id)
  await waitUntil(() => events.length > 0)
  await sleep(20)
  t.same(events, [{ type: 'revoke', sessionIds: [s.id] }], 'only the store\'s own messages become events')
})

t.test('a subscription is live once subscribe() resolves', async (t) => {
  const store = storeOn(redis.client())
  const group = newGroup()
  const sessions = Array.from({ length: 5 }, () => sessionFixture({ now: Date.now(), group }).record)
  for (const s of sessions) await store.createSession(s)
  let heard = 0
  for (const s of sessions) {
    const events: StoreEvent[] = []
    const off = await store.subscribe((e) => events.push(e))
    await store.revokeSession(s.id)
    await waitUntil(() => events.length > 0, 500)
    if (events.length > 0) heard++
    await off()
  }
  t.equal(heard, sessions.length, `${heard} of ${sessions.length} revocations sent right after subscribe() were heard`)
})

t.test('a re-SUBSCRIBE cut off mid-reconnect raises no unhandled rejection, and the subscriber subscribes again', async (t) => {
  // A TCP proxy in front of Redis that can drop every connection and cut the next SUBSCRIBE.
  // ioredis's own auto-resubscribe left that SUBSCRIBE's rejection unhandled: with
  // autoResendUnfulfilledCommands: false, Redis flapping under an app would have ended the process
  // (Node's default for unhandled rejections); with the default, so would app.close() while a
  // resubscription was pending.
  const sockets = new Set<net.Socket>()
  let cutNext = false
  let cut = 0
  let subscribedAfterCut = 0
  const proxy = net.createServer((inbound) => {
    const outbound = net.connect(redis.port, redis.host)
    const close = (): void => {
      inbound.destroy()
      outbound.destroy()
      sockets.delete(inbound)
      sockets.delete(outbound)
    }
    sockets.add(inbound)
    sockets.add(outbound)
    inbound.on('data', (chunk: Buffer) => {
      if (/subscribe/i.test(chunk.toString('latin1'))) {
        if (cutNext) {
          cutNext = false
          cut++
          close()
          return
        }
        if (cut > 0) subscribedAfterCut++
      }
      outbound.write(chunk)
    })
    outbound.on('data', (chunk: Buffer) => { inbound.write(chunk) })
    for (const s of [inbound, outbound]) {
      s.on('error', close)
      s.on('close', close)
    }
  })
  await new Promise<void>((resolve) => { proxy.listen(0, redis.host, resolve) })
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    proxy.close()
  })
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => { process.off('unhandledRejection', onUnhandled) })

  // As the README recommends: commands cut off by a dropped connection fail instead of being resent.
  const client = new Redis({ host: redis.host, port: (proxy.address() as net.AddressInfo).port, retryStrategy: () => 20, autoResendUnfulfilledCommands: false })
  client.on('error', () => {})
  t.teardown(() => { client.disconnect() })
  const store = storeOn(client)
  const events: StoreEvent[] = []
  const off = await store.subscribe((e) => { events.push(e) })
  t.teardown(off)
  await sleep(50)
  cutNext = true
  for (const s of sockets) s.destroy()
  await waitUntil(() => cut === 1 && subscribedAfterCut > 0)
  await waitUntil(() => client.status === 'ready')
  await sleep(50)
  t.same(unhandled, [], 'no unhandled rejection')
  await store.publishFlow('f-after-the-cut')
  await waitUntil(() => events.length > 0)
  t.same(events, [{ type: 'flow', flowId: 'f-after-the-cut' }], 'subscribed again: notifications flow')
})

t.test('a client with an ioredis keyPrefix: sessions are listed and revoked, flows superseded', async (t) => {
  const client = redis.client({ keyPrefix: 'app:' })
  const store = storeOn(client)
  const now = Date.now()
  const group = newGroup()
  const sessions = [sessionFixture({ now, group }).record, sessionFixture({ now, group }).record]
  for (const s of sessions) await store.createSession(s)
  t.not(await store.touchSession(sessions[0]?.id ?? '', { now, idleTtlMs: HOUR }), null, 'single-key scripts work')
  t.equal((await store.listSessions(group)).length, 2, 'both sessions listed')
  t.equal((await store.revokeSessions(group)).length, 2, 'logout everywhere revokes both')
  t.equal(await store.touchSession(sessions[1]?.id ?? '', { now, idleTtlMs: HOUR }), null, 'a revoked session is gone')
  const old = flowFixture({ now })
  await store.createFlow(old.flow, createOptions(now))
  await store.createFlow(flowFixture({ now, group: old.group }).flow, createOptions(now + LIMITS.minGapMs))
  t.equal((await store.getFlow(old.flow.id))?.state, 'superseded', 'the older link is superseded')
})

t.test('RedisStore without a client throws a TypeError', async (t) => {
  const bad: unknown[] = [undefined, null, {}, { client: null }, { client: {} }, { client: 'redis://127.0.0.1:6379' }, { prefix: 'x:' }]
  for (const options of bad) {
    t.throws(() => new RedisStore(options as RedisStoreOptions), { name: 'TypeError', message: /client/ }, `${JSON.stringify(options) ?? 'undefined'}`)
  }
})

t.test('the default prefix is ml:', async (t: Test) => {
  const client = redis.client()
  const store = new RedisStore({ client })
  t.equal(store.prefix, 'ml:')
  t.equal(store.channel, 'ml:events')
  const fx = flowFixture({ now: Date.now() })
  await store.createFlow(fx.flow, createOptions(Date.now()))
  t.same(await keysOf(client, `ml:f:{${fx.group}}`), [`ml:f:{${fx.group}}${fx.flow.id.slice(fx.group.length)}`])
})
