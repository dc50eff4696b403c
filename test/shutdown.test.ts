// app.close(): long-polls end at once, the store's subscriber connection goes, the app's own
// Redis client stays open; closing twice is fine; a MemoryStore app closes cleanly too.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { RedisStore } from '../src/index.js'
import { ask, build, Jar, send } from './helpers/app.js'
import { startRedis, type RedisServer } from './helpers/redis.js'

let server: RedisServer
t.before(async () => { server = await startRedis() })
t.teardown(async () => { await server.stop() })

interface Conn { name: string, sub: number, psub: number, cmd: string }

async function clientList (admin: Redis): Promise<Conn[]> {
  const text = await admin.client('LIST') as string
  return text.trim().split('\n').map((line) => {
    const f = new Map(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
    return { name: f.get('name') ?? '', sub: Number(f.get('sub') ?? 0), psub: Number(f.get('psub') ?? 0), cmd: f.get('cmd') ?? '' }
  })
}

/** Waits until `check` holds on the server's client list (connections come and go asynchronously). */
async function until (admin: Redis, check: (conns: Conn[]) => boolean, ms = 2000): Promise<Conn[]> {
  const started = Date.now()
  let conns = await clientList(admin)
  while (!check(conns) && Date.now() - started < ms) {
    await sleep(10)
    conns = await clientList(admin)
  }
  return conns
}

const BODY = JSON.stringify({})

t.test('RedisStore app: close() ends long-polls at once, drops the subscriber, keeps the app\'s client', async (t) => {
  const admin = server.client({ connectionName: 'admin' })
  const name = 'app-shutdown-1'
  const client = server.client({ connectionName: name })
  const a = await build({ store: new RedisStore({ client, prefix: 'shutdown1:' }), rateLimit: false, known: ['p0@example.com', 'p1@example.com', 'p2@example.com'] })
  let closed = false
  t.teardown(async () => { if (!closed) await a.app.close() })

  // The duplicate() the store subscribes on carries the app client's connection name.
  const before = await until(admin, (cs) => cs.filter((c) => c.name === name && c.sub > 0).length === 1)
  const subscribers = before.filter((c) => c.name === name && c.sub > 0)
  t.equal(subscribers.length, 1, 'one subscriber connection while the app runs')
  t.equal(before.filter((c) => c.name === name).length, 2, 'the app client and its subscriber')

  // Long-polls over real HTTP: close() must not wait for their 30 s.
  const address = await a.app.listen({ host: '127.0.0.1', port: 0 })
  const jars = [new Jar(), new Jar(), new Jar()]
  for (const [i, jar] of jars.entries()) t.equal((await ask(a, jar, `p${i}@example.com`)).res.statusCode, 202)
  const polls = jars.map(async (jar) => {
    const res = await fetch(`${address}/auth/poll?wait=30`, { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/json' }, body: BODY })
    return { status: res.status, body: await res.json() as unknown, at: Date.now() }
  })
  await sleep(150)
  const closing = Date.now()
  await a.app.close()
  closed = true
  const closeMs = Date.now() - closing
  const answers = await Promise.all(polls)
  for (const r of answers) {
    t.equal(r.status, 202, 'the long-poll answers')
    t.same(r.body, { status: 'pending', interval: 5 }, 'pending')
    t.ok(r.at - closing < 500, `within ${r.at - closing} ms of close()`)
  }
  t.ok(closeMs < 500, `close() took ${closeMs} ms with three 30 s long-polls in flight`)
  t.comment(`close() with 3 long-polls in flight: ${closeMs} ms; polls answered after ${answers.map((r) => r.at - closing).join(', ')} ms`)

  const after = await until(admin, (cs) => !cs.some((c) => c.name === name && c.sub > 0))
  t.equal(after.filter((c) => c.name === name && (c.sub > 0 || c.psub > 0)).length, 0, 'the subscriber connection is gone')
  t.equal(after.filter((c) => c.name === name).length, 1, 'the app client is still connected')
  t.equal(client.status, 'ready', 'the app client is still ready')
  t.equal(await client.ping(), 'PONG', 'and usable after close()')
  t.equal(await client.set('shutdown1:probe', '1', 'PX', 1000), 'OK')

  await t.resolves(a.app.close(), 'closing twice is fine')
  t.equal(await client.ping(), 'PONG', 'still usable after the second close()')
})

t.test('RedisStore with a subscriber the app passes: close() unsubscribes it and leaves it open', async (t) => {
  const admin = server.client({ connectionName: 'admin2' })
  const client = server.client({ connectionName: 'app-shutdown-2' })
  const subscriber = server.client({ connectionName: 'app-shutdown-2-sub' })
  const a = await build({ store: new RedisStore({ client, subscriber, prefix: 'shutdown2:' }), rateLimit: false })
  const before = await until(admin, (cs) => cs.some((c) => c.name === 'app-shutdown-2-sub' && c.sub === 1))
  t.ok(before.some((c) => c.name === 'app-shutdown-2-sub' && c.sub === 1), 'the passed connection is subscribed')
  t.notOk(before.some((c) => c.name === 'app-shutdown-2' && c.sub > 0), 'no duplicate() was opened')
  await a.app.close()
  const after = await until(admin, (cs) => cs.some((c) => c.name === 'app-shutdown-2-sub' && c.sub === 0))
  t.ok(after.some((c) => c.name === 'app-shutdown-2-sub' && c.sub === 0), 'unsubscribed, still connected')
  t.equal(await subscriber.ping(), 'PONG', 'the app\'s subscriber connection is usable')
  t.equal(await client.ping(), 'PONG', 'the app\'s client too')
  await t.resolves(a.app.close(), 'closing twice is fine')
})

t.test('MemoryStore app: close() ends a long-poll at once and closes cleanly, twice', async (t) => {
  const handlesBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const a = await build()
  const laptop = new Jar()
  await ask(a, laptop)
  const started = Date.now()
  const waiting = send(a.app, laptop, { method: 'POST', url: '/auth/poll?wait=30' })
  await sleep(100)
  const closing = Date.now()
  await a.app.close()
  const res = await waiting
  t.equal(res.statusCode, 202)
  t.same(res.json(), { status: 'pending', interval: 5 })
  t.ok(Date.now() - closing < 500, `the long-poll answered ${Date.now() - closing} ms after close() (waited ${Date.now() - started} ms in all)`)
  await t.resolves(a.app.close(), 'closing twice is fine')
  await sleep(20)
  const handlesAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  t.ok(handlesAfter <= handlesBefore, `no timer left behind (${handlesBefore} before, ${handlesAfter} after)`)
  const late = await a.app.inject({ method: 'POST', url: '/auth/poll?wait=5', headers: { cookie: laptop.header() } }).catch((error: unknown) => error)
  t.ok(late instanceof Error || (late as { statusCode: number }).statusCode !== 500, 'a request after close() is refused, never a 500 or a hang')
})
