import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import type { Cluster, Redis } from 'ioredis'
import { MemoryStore } from '../src/store/memory-store.js'
import { RedisStore } from '../src/store/redis-store.js'
import type {
  ClaimOptions, ClaimResult, CreateFlowOptions, CreateFlowResult, MagicLinkStore, NewFlow, VerifyOptions, VerifyResult,
} from '../src/store/types.js'
import {
  conformanceCases, storeConformance,
  type ConformanceCase, type ConformanceContext, type ConformanceOptions, type ConformanceTest,
} from '../src/testing/index.js'
import { startCluster, startRedis } from './helpers/redis.js'

/**
 * Cases a store is known to fail, by store and case name, with the bug. Such a case still runs:
 * its failure is reported as a TODO, and a pass says the entry can go.
 */
const KNOWN_BUGS: Readonly<Record<'memory' | 'redis', Readonly<Record<string, string>>>> = {
  memory: {},
  redis: {},
}

function register (t: Test, known: Readonly<Record<string, string>>): ConformanceTest {
  for (const name of Object.keys(known)) {
    if (!conformanceCases.some((c) => c.name === name)) throw new Error(`KNOWN_BUGS names no case: ${name}`)
  }
  return (name, fn) => {
    const bug = known[name]
    if (bug === undefined) {
      return t.test(name, async (t) => {
        await fn()
        t.pass('conforms')
      })
    }
    return t.test(name, async (t) => {
      try {
        await fn()
      } catch (error) {
        t.fail(`known store bug: ${bug} (${error instanceof Error ? error.message : String(error)})`, { todo: bug })
        return
      }
      t.pass('passes now')
      t.comment(`KNOWN_BUGS entry is stale, remove it: ${name}`)
    })
  }
}

t.test('MemoryStore', async (t) => {
  storeConformance(register(t, KNOWN_BUGS.memory), { makeStore: () => new MemoryStore() })
})

/** Each case gets a fresh key prefix (and so a fresh events channel) instead of a FLUSHALL. */
function redisConformance (t: Test, client: Redis | Cluster, settleMs: number): void {
  let n = 0
  storeConformance(register(t, KNOWN_BUGS.redis), { makeStore: () => new RedisStore({ client, prefix: `conf${++n}:` }), settleMs })
}

t.test('RedisStore on a redis-server', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  redisConformance(t, server.client(), 50)
})

t.test('RedisStore on a Redis Cluster', async (t) => {
  const cluster = await startCluster()
  if ('skip' in cluster) {
    t.comment(`Redis Cluster skipped: ${cluster.skip}`)
    t.pass('RedisStore on a Redis Cluster', { skip: cluster.skip })
    return
  }
  t.teardown(() => cluster.stop())
  // A subscriber is a Cluster client of its own, which discovers the slots before subscribing.
  redisConformance(t, cluster.cluster(), 250)
})

const quick: ConformanceContext = { settleMs: 0, settle: () => new Promise((resolve) => { setTimeout(resolve, 0) }) }

function caseNamed (name: string): ConformanceCase {
  const found = conformanceCases.find((c) => c.name === name)
  if (found === undefined) throw new Error(`no case named ${name}`)
  return found
}

/** A claim that does not burn the poll secret. */
class ClaimsTwice extends MemoryStore {
  override async claimFlow (flowId: string, o: ClaimOptions): Promise<ClaimResult> {
    const r = await super.claimFlow(flowId, o)
    const f = await this.getFlow(flowId)
    if (r.result !== 'expired' || f?.state !== 'claimed') return r
    return { result: 'claimed', email: f.email, redirectTo: f.redirectTo, device: f.device, usedDevice: f.usedDevice ?? '' }
  }
}

/** "Get, check, then mark used" in separate steps (STYLE: Don't). */
class CheckThenSet extends MemoryStore {
  override async verifyFlow (flowId: string, o: VerifyOptions): Promise<VerifyResult> {
    const before = await this.getFlow(flowId)
    await sleep(1)
    const r = await super.verifyFlow(flowId, o)
    if (before?.state === 'pending' && r.result === 'invalid' && r.reason === 'used') {
      return { result: 'approved', email: before.email, redirectTo: before.redirectTo, device: before.device }
    }
    return r
  }
}

/** Expiry as `now > expiresAt`. */
class LateExpiry extends MemoryStore {
  override async verifyFlow (flowId: string, o: VerifyOptions): Promise<VerifyResult> {
    const f = await this.getFlow(flowId)
    return await super.verifyFlow(flowId, f !== null && o.now === f.expiresAt ? { ...o, now: o.now - 1 } : o)
  }
}

/** No mail limits. */
class Unlimited extends MemoryStore {
  override async createFlow (flow: NewFlow, o: CreateFlowOptions): Promise<CreateFlowResult> {
    return await super.createFlow(flow, { ...o, minGapMs: 0, perHour: Number.MAX_SAFE_INTEGER })
  }
}

/** Notifications never delivered. */
class Deaf extends MemoryStore {
  override async subscribe (): Promise<() => Promise<void>> {
    return async () => {}
  }
}

t.test('the suite fails stores that break the contract', async (t) => {
  const mutants: Array<[string, () => MagicLinkStore, string]> = [
    ['a poll secret that is not burnt', () => new ClaimsTwice(), 'claimFlow: an approved flow is claimed exactly once'],
    ['check, then set', () => new CheckThenSet(), 'concurrency: 50 verifyFlow calls with the right code approve exactly once'],
    ['expiry off by one', () => new LateExpiry(), 'verifyFlow: the link expires at expiresAt (now >= expiresAt)'],
    ['no minGap', () => new Unlimited(), 'createFlow: a second mail within minGap is limited; a limited request does not move the gap'],
    ['no perHour', () => new Unlimited(), 'createFlow: perHour caps the mails of an hour window, which reopens an hour after its first mail'],
    ['lost notifications', () => new Deaf(), 'subscribe: every listener gets the events; after unsubscribe it gets none'],
  ]
  for (const [what, make, name] of mutants) {
    await t.rejects(caseNamed(name).run(make(), quick), `${what}: "${name}" fails`)
    await caseNamed(name).run(new MemoryStore(), quick)
  }
})

t.test('storeConformance: checks its options, registers each case once, cleans up after a failure', async (t) => {
  const ignore: ConformanceTest = () => {}
  t.throws(() => storeConformance(ignore, {} as ConformanceOptions), { name: 'TypeError', message: /makeStore/ })
  t.throws(() => storeConformance(ignore, null as unknown as ConformanceOptions), TypeError)
  for (const settleMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => storeConformance(ignore, { makeStore: () => new MemoryStore(), settleMs }), { name: 'TypeError', message: /settleMs/ })
  }

  const registered = new Map<string, () => Promise<void>>()
  let cleaned = 0
  storeConformance((name, fn) => { registered.set(name, fn) }, {
    makeStore: async () => new ClaimsTwice(),
    cleanup: async (store) => {
      t.ok(store instanceof ClaimsTwice, 'cleanup gets the case\'s store')
      cleaned++
    },
  })
  t.same([...registered.keys()], conformanceCases.map((c) => c.name), 'every case, in order, once')
  t.equal(new Set(conformanceCases.map((c) => c.name)).size, conformanceCases.length, 'case names are unique')
  await t.rejects(registered.get('claimFlow: an approved flow is claimed exactly once')?.() ?? Promise.resolve())
  await registered.get('getFlow: null for an unknown flow id')?.()
  t.equal(cleaned, 2, 'cleanup ran after the failed case and after the passing one')
})

t.test('a store without refreshSession (cookie transport only) passes the suite: the refresh cases have nothing to check', async (t) => {
  storeConformance(register(t, {}), {
    makeStore: () => {
      const store = new MemoryStore()
      Object.defineProperty(store, 'refreshSession', { value: undefined })
      return store
    },
  })
})
