/**
 * Redis memory per pending flow and per session (issue 13 d).
 *
 * On a private, empty redis-server, creates N (default 100,000) pending flows and then N
 * sessions through the plugin's own store API (`new RedisStore({ client }).createFlow(...)` /
 * `.createSession(...)`, 2,000 calls in flight at a time on an auto-pipelined ioredis client),
 * with realistic field values (a new address per flow, a UUID user per session: the worst case,
 * one user-index set per session), and reports:
 *   - `INFO memory` used_memory before and after each batch, divided by N (everything a record
 *     costs: its keys, their expiry entries, the keyspace tables' growth);
 *   - `MEMORY USAGE <key> SAMPLES 0` of 200 sampled records' keys (the record alone).
 * A pending flow is two keys: the flow hash and its address's mailbox hash (rate budget and
 * current flow). A session is its hash plus its member in the user's index set.
 *
 *   npx tsx memory.ts        (BENCH_MEMORY_N=100000)
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { machineInfo, machineLine, mdTable, publishResults } from './lib/harness.js'
import { startPrivateRedis } from './lib/redis.js'
import { fmtInt } from './lib/stats.js'

const QUICK = process.env.QUICK === '1' || process.env.QUICK === 'true'
/** records of each kind (QUICK: 20,000, a smoke run) */
const N = Number(process.env.BENCH_MEMORY_N ?? (QUICK ? 20_000 : 100_000))
const TARGET = 1024
const GROUP = 11
const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url')
const b64 = (n: number): string => randomBytes(n).toString('base64url')

interface Store {
  createFlow: (flow: Record<string, unknown>, options: Record<string, unknown>) => Promise<{ sent: boolean }>
  createSession: (s: Record<string, unknown>) => Promise<void>
}

async function usedMemory (client: Redis): Promise<number> {
  const info = await client.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)![1])
}

async function usage (client: Redis, keys: string[]): Promise<number> {
  let total = 0
  for (const k of keys) total += Number(await client.call('MEMORY', 'USAGE', k, 'SAMPLES', '0'))
  return total / keys.length
}

async function inBatches (n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  for (let start = 0; start < n; start += 2000) {
    const jobs: Array<Promise<unknown>> = []
    for (let i = start; i < Math.min(n, start + 2000); i++) jobs.push(fn(i))
    await Promise.all(jobs)
  }
  return (performance.now() - t0) / 1000
}

async function main (): Promise<void> {
  const machine = machineInfo()
  const log = (line: string): void => { process.stderr.write(`[memory] ${line}\n`) }
  const redis = await startPrivateRedis()
  const client = new Redis(redis.url, { enableAutoPipelining: true })
  try {
    const distUrl = new URL(process.env.MAGIC_LINK_DIST !== undefined ? `./${process.env.MAGIC_LINK_DIST}` : '../dist/index.js', import.meta.url)
    const { RedisStore } = await import(distUrl.href) as { RedisStore: new (o: { client: Redis }) => Store }
    const store = new RedisStore({ client })
    const now = Date.now()
    const flowOf = (i: number): { flow: Record<string, unknown>, email: string } => {
      const email = `someone.${i}@example.com`
      const id = sha256(`email:${email}`).slice(0, GROUP) + b64(16)
      return {
        email,
        flow: {
          id, email, linkHash: sha256(b64(32)), pollHash: sha256(b64(32)), matchHash: sha256('BCDFGH'), otpHash: sha256('123456'),
          redirectTo: '/', device: 'Firefox on Linux', createdAt: now, expiresAt: now + 600_000, interval: 5, invite: false,
        },
      }
    }
    const flowOptions = { now, ttlMs: 1_200_000, send: true, minGapMs: 60_000, perHour: 5 }
    const sessionOf = (i: number): Record<string, unknown> => {
      const userId = randomUUID()
      return {
        id: sha256(`user:${userId}`).slice(0, GROUP) + sha256(b64(32)),
        userId, email: `someone.${i}@example.com`, createdAt: now, lastSeenAt: now, expiresAt: now + 30 * 86_400_000,
        idleExpiresAt: now + 7 * 86_400_000, data: {}, device: 'Firefox on Linux',
      }
    }
    // Load the scripts (and let Redis allocate its first tables), then start from an empty keyspace.
    await store.createFlow(flowOf(-1).flow, flowOptions)
    await store.createSession(sessionOf(-1))
    await client.flushdb()
    await new Promise((r) => setTimeout(r, 200))

    const m0 = await usedMemory(redis.client)
    const flowIds: string[] = []
    const flowSeconds = await inBatches(N, async (i) => {
      const { flow } = flowOf(i)
      if (i % Math.floor(N / 200) === 0) flowIds.push(flow.id as string)
      const r = await store.createFlow(flow, flowOptions)
      if (!r.sent) throw new Error('createFlow did not accept a new address')
    })
    const m1 = await usedMemory(redis.client)
    const keysAfterFlows = await redis.client.dbsize()
    const flowKeys = flowIds.map((id) => `ml:f:{${id.slice(0, GROUP)}}${id.slice(GROUP)}`)
    const boxKeys = flowIds.map((id) => `ml:e:{${id.slice(0, GROUP)}}`)
    const flowUsage = await usage(redis.client, flowKeys)
    const boxUsage = await usage(redis.client, boxKeys)
    log(`${fmtInt(N)} flows in ${flowSeconds.toFixed(1)} s; used_memory +${fmtInt(m1 - m0)} B; ${keysAfterFlows} keys`)

    const sessionIds: string[] = []
    const sessionSeconds = await inBatches(N, async (i) => {
      const s = sessionOf(i)
      if (i % Math.floor(N / 200) === 0) sessionIds.push(s.id as string)
      await store.createSession(s)
    })
    const m2 = await usedMemory(redis.client)
    const keysAfterSessions = await redis.client.dbsize()
    const sessionUsage = await usage(redis.client, sessionIds.map((id) => `ml:s:{${id.slice(0, GROUP)}}${id.slice(GROUP)}`))
    const indexUsage = await usage(redis.client, sessionIds.map((id) => `ml:u:{${id.slice(0, GROUP)}}`))
    log(`${fmtInt(N)} sessions in ${sessionSeconds.toFixed(1)} s; used_memory +${fmtInt(m2 - m1)} B; ${keysAfterSessions - keysAfterFlows} keys`)

    const sample = await redis.client.hgetall(flowKeys[0])
    const sampleSession = await redis.client.hgetall(`ml:s:{${sessionIds[0].slice(0, GROUP)}}${sessionIds[0].slice(GROUP)}`)
    const perFlow = (m1 - m0) / N
    const perSession = (m2 - m1) / N
    const rows = [
      ['pending flow', fmtInt(N), `${((keysAfterFlows) / N).toFixed(2)} (flow hash + address mailbox hash)`, `+${fmtInt(m1 - m0)}`, `**${fmtInt(perFlow)} B**`,
        `${fmtInt(flowUsage + boxUsage)} B (flow ${fmtInt(flowUsage)} + mailbox ${fmtInt(boxUsage)})`, perFlow <= TARGET ? 'met' : '**not met**', `${fmtInt(N / flowSeconds)} /s`],
      ['session', fmtInt(N), `${((keysAfterSessions - keysAfterFlows) / N).toFixed(2)} (session hash + user index set)`, `+${fmtInt(m2 - m1)}`, `**${fmtInt(perSession)} B**`,
        `${fmtInt(sessionUsage + indexUsage)} B (session ${fmtInt(sessionUsage)} + index set ${fmtInt(indexUsage)})`, perSession <= TARGET ? 'met' : '**not met**', `${fmtInt(N / sessionSeconds)} /s`],
    ]
    const md = [
      '## Redis memory per pending flow and per session (`bench/memory.ts`)',
      '',
      `${fmtInt(N)} pending flows, then ${fmtInt(N)} sessions, created through \`RedisStore.createFlow\` / \`createSession\` (2,000 calls in flight, auto-pipelined ioredis) on an empty private redis-server ` +
        `(${(await redis.client.info('server')).match(/redis_version:(\S+)/)?.[1] ?? '?'}, jemalloc). ` +
        'A new address per flow and a new user per session (worst case: every flow brings its own mailbox, every session its own one-member index set). ' +
        `Per record = \`INFO memory\` used_memory delta ÷ ${fmtInt(N)} (keys, expiry entries, keyspace table growth); MEMORY USAGE = \`MEMORY USAGE key SAMPLES 0\` averaged over 200 sampled records (the keys alone). Target <= 1 KiB.`,
      machineLine(machine),
      '',
      mdTable(['record', 'created', 'keys per record', 'used_memory delta (B)', 'per record', 'MEMORY USAGE per record', 'target', 'store calls'], rows),
      '',
      `Sample flow hash (${Object.keys(sample).length} fields): \`${Object.entries(sample).map(([k, v]) => `${k}=${v.length > 12 ? `${v.slice(0, 8)}…(${v.length})` : v}`).join(' ')}\``,
      '',
      `Sample session hash (${Object.keys(sampleSession).length} fields): \`${Object.entries(sampleSession).map(([k, v]) => `${k}=${v.length > 12 ? `${v.slice(0, 8)}…(${v.length})` : v}`).join(' ')}\``,
      '',
    ].join('\n')
    publishResults('memory', {
      benchmark: 'memory', machine, n: N,
      flows: { usedMemoryDelta: m1 - m0, perFlow, memoryUsageFlow: flowUsage, memoryUsageMailbox: boxUsage, keys: keysAfterFlows, seconds: flowSeconds, sample },
      sessions: { usedMemoryDelta: m2 - m1, perSession, memoryUsageSession: sessionUsage, memoryUsageIndex: indexUsage, keys: keysAfterSessions - keysAfterFlows, seconds: sessionSeconds, sample: sampleSession },
    }, md, log)
  } finally {
    client.disconnect()
    await redis.stop()
  }
}

await main()
