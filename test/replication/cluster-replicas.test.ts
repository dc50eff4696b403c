// Redis Cluster with a replica per master and `durability`: the WAIT after a burn goes to the
// master that owns the flow's slot, so a stalled replica fails closed exactly the flows of its
// master's slots, and every other flow signs in as usual.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { RedisStore } from '../../src/index.js'
import { build, Jar, send, tokenOf, type TestApp } from '../helpers/app.js'
import { replicasOnline, type ReplicatedCluster, startClusterWithReplicas, timed } from '../helpers/replication.js'

const STORE_TIMEOUT = 1000
const WAIT_TIMEOUT = 300
const KNOWN = Array.from({ length: 12 }, (_, i) => `user${i}@example.com`)
/** RedisStore's flow ids start with an 11-character group, the hash tag of every key of the flow. */
const GROUP_LENGTH = 11

t.setTimeout(90_000)

/** The link of the first mail to `email` from index `from` of the outbox on. */
async function linkTo (a: TestApp, email: string, from: number): Promise<string> {
  for (let i = 0; i < 400; i++) {
    for (let j = from; j < a.outbox.length; j++) {
      const ctx = a.outbox[j]?.ctx
      if (ctx?.email === email) return tokenOf(ctx.link)
    }
    await sleep(5)
  }
  throw new Error(`no mail to ${email}`)
}

interface Asked { email: string, jar: Jar, token: string, slot: number, master: number, replica: number }

/** Asks a link for `email` in a new browser; where its flow lives (slot, master, that master's replica). */
async function askLink (a: TestApp, cluster: ReplicatedCluster, email: string): Promise<Asked> {
  const jar = new Jar()
  const from = a.outbox.length
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })
  if (res.statusCode !== 202) throw new Error(`request: ${res.statusCode} ${res.body}`)
  const token = await linkTo(a, email, from)
  const flowId = token.slice(0, token.indexOf('.'))
  const slot = await cluster.keySlot(`ml:f:{${flowId.slice(0, GROUP_LENGTH)}}${flowId.slice(GROUP_LENGTH)}`)
  const master = cluster.masterOf(slot).port
  return { email, jar, token, slot, master, replica: cluster.replicaOf(master).port }
}


const started = await startClusterWithReplicas()

if ('skip' in started) {
  t.comment(`Redis Cluster with replicas skipped: ${started.skip}`)
  t.skip(`Redis Cluster with replicas (${started.skip})`, () => {})
} else {
  const cluster: ReplicatedCluster = started
  t.teardown(() => cluster.stop())

  t.test('cluster with replicas, durability: a stalled replica fails closed the flows of its master only', { timeout: 60_000 }, async (t) => {
    t.comment(`cluster: ${cluster.nodes.map((n) => n.role === 'master' ? `master ${n.port} [${n.slots.map(([x, y]) => `${x}-${y}`).join(',')}]` : `replica ${n.port} of ${String(n.masterPort)}`).join('; ')}`)
    const a = await build({
      store: new RedisStore({ client: cluster.cluster({ redisOptions: { maxRetriesPerRequest: 1 } }), durability: { replicas: 1, timeout: WAIT_TIMEOUT } }),
      storeTimeout: STORE_TIMEOUT,
      rateLimit: false,
      known: KNOWN,
    })
    t.teardown(() => a.app.close())

    // Logins and logouts work on every master while all replicas follow.
    for (const email of KNOWN.slice(0, 6)) {
      const asked = await askLink(a, cluster, email)
      const signedIn = await send(a.app, asked.jar, { method: 'POST', url: '/auth/verify', payload: { token: asked.token } })
      t.equal(signedIn.statusCode, 200, `${email} signs in (flow in slot ${asked.slot} on master ${asked.master})`)
      t.equal((await send(a.app, asked.jar, { method: 'GET', url: '/me' })).statusCode, 200, 'GET /me')
      t.equal((await send(a.app, asked.jar, { method: 'POST', url: '/auth/logout', payload: {} })).statusCode, 204, 'logout')
    }

    // Links for every address; the first one's master gets its replica stalled, and another
    // address whose flow lives on another master is the witness.
    const links: Asked[] = []
    for (const email of KNOWN) links.push(await askLink(a, cluster, email))
    const target = links[0] as Asked
    const witness = links.find((l) => l.master !== target.master)
    if (witness === undefined) throw new Error('every flow landed on one master')
    t.comment(`target ${target.email}: slot ${target.slot}, master ${target.master}, replica ${target.replica}; witness ${witness.email}: slot ${witness.slot}, master ${witness.master}`)

    cluster.pause(target.replica)
    t.teardown(() => { cluster.resume(target.replica) })
    const stalled = await timed(() => send(a.app, target.jar, { method: 'POST', url: '/auth/verify', payload: { token: target.token } }))
    const other = await timed(() => send(a.app, witness.jar, { method: 'POST', url: '/auth/verify', payload: { token: witness.token } }))
    const otherMe = (await send(a.app, witness.jar, { method: 'GET', url: '/me' })).statusCode
    cluster.resume(target.replica)
    t.comment(`replica ${target.replica} paused: the target's POST /verify ${stalled.status} in ${stalled.ms} ms; the witness's ${other.status} in ${other.ms} ms`)

    t.equal(stalled.status, 503, 'the flow on the stalled replica\'s master: 503')
    t.equal(stalled.code, 'FST_MAGIC_LINK_STORE_UNAVAILABLE', 'FST_MAGIC_LINK_STORE_UNAVAILABLE')
    t.ok(stalled.ms >= WAIT_TIMEOUT - 20, `it waited for the replica (${stalled.ms} ms)`)
    t.ok(stalled.ms < WAIT_TIMEOUT + STORE_TIMEOUT, `within timeout + storeTimeout (${stalled.ms} ms)`)
    t.equal(other.status, 200, `a flow on another master signs in meanwhile (${other.ms} ms; its master's replica acknowledged)`)
    t.equal(otherMe, 200, 'and its session works')

    // Resumed: the spent link stays spent (fail closed), a new login for the address works.
    const waited = await replicasOnline(target.master, 1, { caughtUp: true, timeoutMs: 10_000 })
    t.comment(`replica ${target.replica} caught up ${waited} ms after the resume`)
    const retried = await send(a.app, target.jar, { method: 'POST', url: '/auth/verify', payload: { token: target.token } })
    t.not(retried.statusCode, 500, 'no 500 on the retry')
    t.equal(retried.statusCode, 400, 'the link spent before the short WAIT does not sign in')
    const again = await askLink(a, cluster, target.email)
    t.equal(again.master, target.master, 'the new flow lives on the same master')
    t.equal((await send(a.app, again.jar, { method: 'POST', url: '/auth/verify', payload: { token: again.token } })).statusCode, 200, 'a new login for the address works')
    t.equal((await send(a.app, again.jar, { method: 'GET', url: '/me' })).statusCode, 200, 'GET /me')
    t.equal((await send(a.app, again.jar, { method: 'POST', url: '/auth/logout', payload: {} })).statusCode, 204, 'logout')
  })
}
