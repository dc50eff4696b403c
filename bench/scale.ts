/**
 * Does the number of live sessions and flows in Redis change anything? (issue 13 e)
 *
 * Two private redis-servers, one magic-link server on each (servers/magic-link.ts):
 *   - `1k`:  1,000 live sessions + 1,000 live pending flows (with their address mailboxes)
 *   - `1M`:  1,000,000 live sessions + 1,000,000 live pending flows (BENCH_SCALE_N)
 * filled with the plugin's exact key shapes: one session and one flow are created through
 * RedisStore's own API and read back, then a Lua loop clones them under new ids (sessions with
 * their user index sets, flows with their mailboxes), 50,000 per call.
 *
 * Measured in interleaved rounds (autocannon, 50 connections):
 *   - `GET /me` with a session cookie (app.requireSession), on each server
 *   - `POST /auth/request`, a new address per request, on each server
 * Reported: req/s and p99 of each, and the ratio 1M ÷ 1k per round (median, range). The flows
 * each POST /auth/request measurement adds are deleted after it (outside the timed window), so
 * the `1k` instance stays at ~1k live flows.
 *
 *   npx tsx scale.ts
 */
import autocannon from 'autocannon'
import { createHash, createHmac } from 'node:crypto'
import { Redis } from 'ioredis'
import {
  autocannonMeasurement, countSent, describeConfig, fmtCpu, withCpu, machineInfo, machineLine, mdTable, pairRatio, runConfig, runInterleaved,
  publishResults, type Measurement, type Sample, type TargetSummary,
} from './lib/harness.js'
import { expectStatus, http } from './lib/http.js'
import { magicLinkLogin } from './lib/magic-link.js'
import { SkipError, startServer, type ServerHandle } from './lib/proc.js'
import { fmtCommands, startPrivateRedis, type PrivateRedis } from './lib/redis.js'
import { BENCH_SECRET, BENCH_USER } from './lib/server-util.js'
import { fmtInt, fmtRatio } from './lib/stats.js'

const QUICK = process.env.QUICK === '1' || process.env.QUICK === 'true'
/** live sessions and flows of the big instance (QUICK: 100,000, a smoke run) */
const BIG = Number(process.env.BENCH_SCALE_N ?? (QUICK ? 100_000 : 1_000_000))
/** label of the big instance: `1M`, `100k`, … */
const BL = BIG >= 1e6 ? `${BIG / 1e6}M` : `${Math.round(BIG / 1e3)}k`
const SMALL = 1000
const GROUP = 11
const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url')
/** The plugin's address tag (group) of an address: HMAC-SHA-256 with the first secret, or (older versions) SHA-256. */
const addressTag = (email: string, keyed: boolean): string =>
  (keyed ? createHmac('sha256', BENCH_SECRET) : createHash('sha256')).update(`email:${email.toLowerCase()}`).digest('base64url').slice(0, GROUP)

/**
 * Clones template keys under generated names with RESTORE (the DUMP of a key written by
 * RedisStore: same encoding, same size). ARGV: kind ('s' | 'f'), first index, count, then the
 * DUMP payloads (session + index set, or flow + mailbox) and their TTLs. Names are
 * `<11-char group><rest>` built from the index (digits, the lengths of real ids: 11 + 43 for
 * sessions, 11 + 22 for flows).
 */
const FILL = `
local kind = ARGV[1]
local first = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
for j = first, first + count - 1 do
  local group = string.format('%011d', j)
  if kind == 's' then
    redis.call('RESTORE', 'ml:s:{' .. group .. '}' .. string.format('%043d', j), ARGV[5], ARGV[4])
    redis.call('RESTORE', 'ml:u:{' .. group .. '}', ARGV[7], ARGV[6])
  else
    redis.call('RESTORE', 'ml:f:{' .. group .. '}' .. string.format('%022d', j), ARGV[5], ARGV[4])
    redis.call('RESTORE', 'ml:e:{' .. group .. '}', ARGV[7], ARGV[6])
  end
end
return count
`

interface Instance {
  label: string
  live: number
  redis: PrivateRedis
  server: ServerHandle
  cookie: string
  /** addresses used by POST /auth/request measurements on this instance, to delete their flows */
  requested: string[]
}

async function fill (client: Redis, store: { createFlow: (...a: any[]) => Promise<unknown>, createSession: (s: any) => Promise<void> }, n: number, log: (l: string) => void): Promise<void> {
  const now = Date.now()
  // Templates through RedisStore's own API.
  const userId = '2f1c3c52-1d8e-4a3c-9d61-5e0f9f1f0c11'
  const sid = sha256(`user:${userId}`).slice(0, GROUP) + sha256('template-session')
  await store.createSession({ id: sid, userId, email: 'someone@example.com', createdAt: now, lastSeenAt: now, expiresAt: now + 30 * 86_400_000, idleExpiresAt: now + 7 * 86_400_000, data: {}, device: 'Firefox on Linux' })
  const sKey = `ml:s:{${sid.slice(0, GROUP)}}${sid.slice(GROUP)}`
  const uKey = `ml:u:{${sid.slice(0, GROUP)}}`
  const fid = sha256('email:someone@example.com').slice(0, GROUP) + 'AAAAAAAAAAAAAAAAAAAAAA'
  await store.createFlow({
    id: fid, email: 'someone@example.com', linkHash: sha256('l'), pollHash: sha256('p'), matchHash: sha256('m'), otpHash: sha256('o'),
    redirectTo: '/', device: 'Firefox on Linux', createdAt: now, expiresAt: now + 600_000, interval: 5, invite: false,
  }, { now, ttlMs: 1_200_000, send: true, minGapMs: 60_000, perHour: 5 })
  const fKey = `ml:f:{${fid.slice(0, GROUP)}}${fid.slice(GROUP)}`
  const eKey = `ml:e:{${fid.slice(0, GROUP)}}`
  const dump = async (key: string): Promise<Buffer> => {
    const d = await client.dumpBuffer(key)
    if (d === null) throw new Error(`template key ${key} is missing`)
    return d
  }
  const [sDump, uDump, fDump, eDump] = await Promise.all([sKey, uKey, fKey, eKey].map(dump))
  await client.del(sKey, uKey, fKey, eKey)
  const t0 = performance.now()
  const chunk = 50_000
  // TTLs: sessions 7 days (idle), flows 1 h (the plugin writes 2 × linkTtl; longer here so the run never sees them expire).
  const week = 7 * 86_400_000
  for (const [kind, a, b, ttl] of [['s', sDump, uDump, week], ['f', fDump, eDump, 3_600_000]] as const) {
    for (let first = 0; first < n; first += chunk) {
      await client.eval(FILL, 0, kind, first, Math.min(chunk, n - first), a, ttl, b, ttl)
    }
  }
  log(`filled ${fmtInt(n)} sessions + ${fmtInt(n)} flows in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

async function keyspace (client: Redis): Promise<{ keys: number, usedMemory: number }> {
  const mem = await client.info('memory')
  return { keys: await client.dbsize(), usedMemory: Number(/used_memory:(\d+)/.exec(mem)![1]) }
}

/** POST /auth/request with a new address per request; remembers the addresses for cleanup. */
function requestMeasurement (inst: Instance, connections: number): Measurement {
  let seq = 0
  return {
    name: `POST /auth/request @${inst.label}`,
    unit: 'req/s',
    note: `a new address per request, ${inst.label} live sessions and flows`,
    run: async (d): Promise<Sample> => {
      const result = await autocannon({
        url: inst.server.baseUrl,
        connections,
        pipelining: 1,
        duration: d,
        timeout: 10,
        requests: [{
          method: 'POST',
          path: '/auth/request',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req: any) => {
            const email = `scale-${inst.label}-${seq++}@example.com`
            inst.requested.push(email)
            return { ...req, body: JSON.stringify({ email }) }
          },
        }] as any,
      })
      const elapsed = result.duration > 0 ? result.duration : d
      return {
        rate: result.requests.total / elapsed,
        ops: result.requests.total,
        requests: result.requests.total,
        durationSec: elapsed,
        errors: result.errors + result.timeouts + result.non2xx,
        latencyP50: result.latency.p50,
        latencyP99: result.latency.p99,
      }
    },
    // Delete what the measurement created (each address's mailbox names its current flow).
    cleanup: async () => {
      const emails = inst.requested.splice(0)
      const c = inst.redis.client
      for (let i = 0; i < emails.length; i += 5000) {
        // The address tag: keyed with the plugin's secret in current versions (HMAC), a plain hash before; try both.
        const boxes = emails.slice(i, i + 5000).flatMap((e) => [addressTag(e, true), addressTag(e, false)].map((tag) => `ml:e:{${tag}}`))
        const pipe = c.pipeline()
        for (const b of boxes) pipe.hget(b, 'cur')
        const curs = (await pipe.exec()) ?? []
        const del = c.pipeline()
        boxes.forEach((b, j) => {
          const cur = curs[j]?.[1] as string | null
          if (cur !== null && cur !== undefined) del.unlink(`ml:f:{${cur.slice(0, GROUP)}}${cur.slice(GROUP)}`)
          del.unlink(b)
        })
        await del.exec()
      }
    },
  }
}

async function main (): Promise<void> {
  const config = runConfig()
  const machine = machineInfo()
  const log = (line: string): void => { process.stderr.write(`[scale] ${line}\n`) }
  log(`${describeConfig(config)}; ${fmtInt(SMALL)} vs ${fmtInt(BIG)} live sessions and flows`)

  const instances: Instance[] = []
  const clients: Redis[] = []
  try {
    const distUrl = new URL(process.env.MAGIC_LINK_DIST !== undefined ? `./${process.env.MAGIC_LINK_DIST}` : '../dist/index.js', import.meta.url)
    const { RedisStore } = await import(distUrl.href) as { RedisStore: new (o: { client: Redis }) => any }
    for (const [label, live] of [['1k', SMALL], [BL, BIG]] as const) {
      const redis = await startPrivateRedis()
      let server: ServerHandle
      try {
        server = await startServer({ name: `scale-magic-link-${label}`, file: 'servers/magic-link.ts', env: { REDIS_URL: redis.url } })
      } catch (err) {
        await redis.stop()
        if (err instanceof SkipError) {
          log(`magic-link cannot run: ${err.message}`)
          process.exitCode = 1
          return
        }
        throw err
      }
      const client = new Redis(redis.url)
      clients.push(client)
      await fill(client, new RedisStore({ client }), live, (l) => log(`${label}: ${l}`))
      const cookie = await magicLinkLogin(server.baseUrl, BENCH_USER.email)
      expectStatus(await http(`${server.baseUrl}/me`, { headers: { cookie } }), 200, `${label}: GET /me`)
      instances.push({ label, live, redis, server, cookie, requested: [] })
      log(`${label}: redis port ${redis.port}, server pid ${server.pid}; ${JSON.stringify(await keyspace(client))}`)
    }
    const before = await Promise.all(instances.map(async (i) => await keyspace(i.redis.client)))

    const measurements: Measurement[] = []
    for (const inst of instances) {
      measurements.push(withCpu(countSent(autocannonMeasurement(`GET /me @${inst.label}`, { url: `${inst.server.baseUrl}/me`, headers: { cookie: inst.cookie }, connections: config.connections },
        `app.requireSession with a session cookie, ${inst.label} live sessions and flows`), `${inst.server.baseUrl}/__redis-sent`), { server: inst.server.pid, redis: inst.redis.pid }))
    }
    for (const inst of instances) measurements.push(withCpu(countSent(requestMeasurement(inst, config.connections), `${inst.server.baseUrl}/__redis-sent`), { server: inst.server.pid, redis: inst.redis.pid }))
    const result = await runInterleaved({ baseline: 'GET /me @1k', measurements, config, log })
    const after = await Promise.all(instances.map(async (i) => await keyspace(i.redis.client)))
    const by = (name: string): TargetSummary => result.summary.find((s) => s.name === name)!

    const rows = (['GET /me', 'POST /auth/request'] as const).map((route) => {
      const small = by(`${route} @1k`)
      const big = by(`${route} @${BL}`)
      const p = pairRatio(result, `${route} @${BL}`, `${route} @1k`)
      return [
        `\`${route}\``,
        fmtInt(small.medianRate), small.medianP99.toFixed(1),
        fmtInt(big.medianRate), big.medianP99.toFixed(1),
        `**${fmtRatio(p.median)}**`, `${fmtRatio(p.min)} – ${fmtRatio(p.max)}`,
        fmtCommands(big.sent),
        `${fmtCpu(small.cpuUsPerOp, ['server', 'redis'])} / ${fmtCpu(big.cpuUsPerOp, ['server', 'redis'])}`,
        small.errors + big.errors > 0 ? `**${small.errors + big.errors}**` : '0',
      ]
    })
    const ks = (k: { keys: number, usedMemory: number }): string => `${fmtInt(k.keys)} keys, ${(k.usedMemory / 2 ** 20).toFixed(0)} MiB`
    const md = [
      `## ${fmtInt(SMALL)} vs ${fmtInt(BIG)} live sessions and flows (\`bench/scale.ts\`)`,
      '',
      `Two private redis-servers, one magic-link server on each; the \`${BL}\` one holds ${fmtInt(BIG)} live sessions (with their user index sets) and ${fmtInt(BIG)} live pending flows (with their address mailboxes), ` +
        'the `1k` one 1,000 of each, cloned in Lua from records written by `RedisStore` itself. ' +
        '`POST /auth/request` uses a new address per request; what it adds is deleted after each measurement.',
      `${describeConfig(config)}. Ratio = req/s at ${BL} ÷ req/s at 1k of the same round; median over rounds (min – max).`,
      machineLine(machine),
      `Keyspace before: 1k ${ks(before[0])}; ${BL} ${ks(before[1])}. After: 1k ${ks(after[0])}; ${BL} ${ks(after[1])}.`,
      '',
      mdTable(['route', 'req/s @1k', 'p99 ms @1k', `req/s @${BL}`, `p99 ms @${BL}`, `${BL} ÷ 1k`, 'range', 'Redis round trips per request', `CPU µs per request @1k / @${BL}`, 'errors'], rows),
      '',
      '`GET /me` makes no Redis call on the steady state (the session is verified once, then served from the in-process cache), so the number of live sessions cannot reach it; ' +
        'its Redis work is one `touchSession` script per `session.accessTtl` per session (O(1) hash operations). `POST /auth/request` makes one `createFlow` script call, O(1) in the keyspace size.',
      '',
    ].join('\n')
    publishResults('scale', { benchmark: 'scale', machine, small: SMALL, big: BIG, keyspaceBefore: before, keyspaceAfter: after, ...result }, md, log, result.summary)
  } finally {
    for (const c of clients) c.disconnect()
    for (const i of instances) {
      await i.server.stop()
      await i.redis.stop()
    }
  }
}

await main()
