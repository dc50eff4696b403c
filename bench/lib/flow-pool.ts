/**
 * Pre-created login flows for the per-step benchmarks, so that each measured request consumes
 * a fresh one:
 *   - pending flows  → POST /auth/verify {token} + binding cookie (same-browser sign-in), or
 *                      POST /auth/verify {token, code} (cross-device approval)
 *   - approved flows → POST /auth/poll + binding cookie (claim)
 *
 * The records are exactly RedisStore's: one TEMPLATE flow is created through the plugin's own
 * store API (`RedisStore.createFlow`, then `verifyFlow` to approve it) and read back with
 * HGETALL; the pool then clones it in bulk with a Lua loop, replacing only the per-flow fields
 * (id, address, link / poll / match hashes) and the times. Cloning runs at a few hundred
 * thousand flows per second, where one store call per flow (10–15k/s here, the driver's GC and
 * random-byte draws being the limit) would add minutes to the run.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

export interface PooledFlow {
  /** link token `<flowId>.<link secret>` */
  token: string
  /** binding cookie value `<flowId>.<poll secret>` */
  binding: string
  /** match code shown on the asking screen, `XXX-XXX` */
  code: string
}

const GROUP_LENGTH = 11
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'
const LINK_TTL = 600_000
const PREFIX = 'ml:'
const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('base64url')
const flowKey = (flowId: string): string => `${PREFIX}f:{${flowId.slice(0, GROUP_LENGTH)}}${flowId.slice(GROUP_LENGTH)}`

/** The store methods the pool uses (RedisStore from ../dist/index.js). */
export interface PoolStore {
  createFlow: (flow: Record<string, unknown>, options: Record<string, unknown>) => Promise<{ sent: boolean }>
  verifyFlow: (flowId: string, options: Record<string, unknown>) => Promise<{ result: string }>
}

/** ARGV: template field/value pairs count n, the pairs, ttlMs, then per flow: key, id, em, lh, ph, mh. */
const CLONE = `
local n = tonumber(ARGV[1])
local tpl = {}
local at = {}
for i = 2, 2 * n + 1 do tpl[#tpl + 1] = ARGV[i] end
for i = 1, #tpl, 2 do at[tpl[i]] = i + 1 end
local ttl = ARGV[2 * n + 2]
local i = 2 * n + 3
local count = 0
while i <= #ARGV do
  tpl[at['id']] = ARGV[i + 1]
  tpl[at['em']] = ARGV[i + 2]
  tpl[at['lh']] = ARGV[i + 3]
  tpl[at['ph']] = ARGV[i + 4]
  tpl[at['mh']] = ARGV[i + 5]
  redis.call('HSET', ARGV[i], unpack(tpl))
  redis.call('PEXPIRE', ARGV[i], ttl)
  i = i + 6
  count = count + 1
end
return count
`

export class FlowPool {
  #items: PooledFlow[] = []
  #next = 0
  /** requests that found the pool empty (they are sent with a dead token and fail) */
  exhausted = 0
  #seq = 0

  constructor (private readonly store: PoolStore, private readonly client: Redis, private readonly label: string) {
    if (typeof (client as unknown as Record<string, unknown>).benchCloneFlows !== 'function') {
      client.defineCommand('benchCloneFlows', { numberOfKeys: 0, lua: CLONE })
    }
  }

  get remaining (): number { return this.#items.length - this.#next }

  take (): PooledFlow | undefined {
    if (this.#next >= this.#items.length) {
      this.exhausted++
      return undefined
    }
    return this.#items[this.#next++]
  }

  /** Replaces the pool with `n` new flows, pending or approved (approved ones must be claimed within 120 s). */
  async fill (n: number, approved: boolean): Promise<void> {
    this.#items = []
    this.#next = 0
    this.exhausted = 0
    const now = Date.now()
    const template = await this.#template(now, approved)
    const pairs = Object.entries(template).flat()
    const batch = 1000
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(n, start + batch) - start
      const rnd = randomBytes(count * 86)
      const args: string[] = []
      for (let j = 0; j < count; j++) {
        const r = rnd.subarray(j * 86, (j + 1) * 86)
        const email = `pool-${this.label}-${this.#seq++}@example.com`
        const flowId = sha256(`email:${email}`).slice(0, GROUP_LENGTH) + r.subarray(0, 16).toString('base64url')
        const link = r.subarray(16, 48).toString('base64url')
        const poll = r.subarray(48, 80).toString('base64url')
        let code = ''
        for (let k = 80; k < 86; k++) code += ALPHABET[r[k] % ALPHABET.length]
        args.push(flowKey(flowId), flowId, email, sha256(link), sha256(poll), sha256(code))
        this.#items.push({ token: `${flowId}.${link}`, binding: `${flowId}.${poll}`, code: `${code.slice(0, 3)}-${code.slice(3)}` })
      }
      await (this.client as unknown as { benchCloneFlows: (...a: Array<string | number>) => Promise<number> })
        .benchCloneFlows(pairs.length / 2, ...pairs, LINK_TTL * 2, ...args)
    }
  }

  /** One flow through RedisStore's own API, read back: the record every clone copies. */
  async #template (now: number, approved: boolean): Promise<Record<string, string>> {
    const email = `pool-template-${this.label}@example.com`
    const flowId = sha256(`email:${email}`).slice(0, GROUP_LENGTH) + randomBytes(16).toString('base64url')
    const linkHash = sha256(randomBytes(32).toString('base64url'))
    const matchHash = sha256('BCDFGH')
    await this.store.createFlow({
      id: flowId, email, linkHash, pollHash: sha256(randomBytes(32).toString('base64url')), matchHash, otpHash: sha256('123456'),
      redirectTo: '/', device: 'Unknown browser', createdAt: now, expiresAt: now + LINK_TTL, interval: 5, invite: false,
    }, { now, ttlMs: LINK_TTL * 2, send: true, minGapMs: 0, perHour: Number.MAX_SAFE_INTEGER })
    if (approved) {
      const r = await this.store.verifyFlow(flowId, { now, linkHash, pollHash: null, matchHash, device: 'Unknown browser', maxAttempts: 5, sessionId: '' })
      if (r.result !== 'approved') throw new Error(`pool: approving the template flow answered ${r.result}`)
    }
    const record = await this.client.hgetall(flowKey(flowId))
    for (const field of ['id', 'em', 'lh', 'ph', 'mh']) {
      if (record[field] === undefined) throw new Error(`pool: RedisStore's flow record has no field ${field} (the record layout changed: update lib/flow-pool.ts)`)
    }
    await this.client.del(flowKey(flowId))
    return record
  }
}

/** The RedisStore class of the built library, on the given client. */
export async function poolStore (client: Redis): Promise<PoolStore> {
  const distUrl = new URL(process.env.MAGIC_LINK_DIST !== undefined ? `../${process.env.MAGIC_LINK_DIST}` : '../../dist/index.js', import.meta.url)
  const mod = await import(distUrl.href) as { RedisStore: new (o: { client: Redis }) => PoolStore }
  return new mod.RedisStore({ client })
}
