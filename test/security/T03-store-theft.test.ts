// T3: theft of the token store. After real logins of every kind, a dump of Redis holds no
// plaintext (in any encoding) of L, P, S, C or the email code, and every key expires within its
// configured lifetime.
import t from 'tap'
import { RedisStore } from '../../src/index.js'
import { Jar, send, tokenOf } from '../helpers/app.js'
import { scanKeys, startRedis, type RedisServer } from '../helpers/redis.js'
import { buildApp, jwtPayload, loginMail } from './lib.js'

let redis: RedisServer
t.before(async () => { redis = await startRedis() })
t.teardown(async () => { await redis.stop() })

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

t.test('the Redis dump after every kind of login holds no secret and no key without a bounded TTL', async (t) => {
  const client = redis.client()
  const prefix = 't3:'
  const config = { linkTtl: 3 * MIN, session: { ttl: 2 * DAY, idleTtl: DAY, accessTtl: 5 * MIN }, rateLimit: { ipWindow: 15 * MIN, ipMax: 1000 } }
  const a = await buildApp({ store: new RedisStore({ client, prefix }), known: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'], ...config })
  t.teardown(() => a.app.close())
  const secrets: Array<[what: string, value: string]> = []
  const keep = (what: string, value: string | undefined | null): void => { if (value !== undefined && value !== null && value !== '') secrets.push([what, value]) }
  const keepBinding = (jar: Jar): void => {
    const [flowId, poll] = (jar.get('__Host-mlflow') ?? '').split('.')
    keep('P', poll)
    keep('binding cookie', `${flowId ?? ''}.${poll ?? ''}`)
  }
  const keepSession = (jar: Jar): void => {
    const jwt = jar.get('__Host-sid')
    keep('S cookie', jwt)
    if (jwt !== undefined) keep('S', String(jwtPayload(jwt).sid))
  }

  // 1. Same browser.
  const one = new Jar()
  await send(a.app, one, { method: 'POST', url: '/auth/request', payload: { email: 'a@example.com' } })
  keepBinding(one)
  let mail = await loginMail(a, 'a@example.com')
  keep('L', tokenOf(mail?.ctx?.link ?? '').split('.')[1])
  keep('email code', mail?.ctx?.otp)
  await send(a.app, one, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link ?? '') } })
  keepSession(one)

  // 2. Cross device, with one wrong code first.
  const laptop = new Jar()
  const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'b@example.com' } })).json() as { matchCode: string }
  keepBinding(laptop)
  keep('C', matchCode)
  keep('C', matchCode.replace('-', ''))
  mail = await loginMail(a, 'b@example.com')
  keep('L', tokenOf(mail?.ctx?.link ?? '').split('.')[1])
  keep('email code', mail?.ctx?.otp)
  await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link ?? ''), code: 'BBB-BBB' === matchCode ? 'CCC-CCC' : 'BBB-BBB' } })
  await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link ?? ''), code: matchCode } })
  await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  keepSession(laptop)

  // 3. The email code on the asking browser.
  const coded = new Jar()
  await send(a.app, coded, { method: 'POST', url: '/auth/request', payload: { email: 'c@example.com' } })
  keepBinding(coded)
  mail = await loginMail(a, 'c@example.com')
  keep('L', tokenOf(mail?.ctx?.link ?? '').split('.')[1])
  keep('email code', mail?.ctx?.otp)
  await send(a.app, coded, { method: 'POST', url: '/auth/code', payload: { code: mail?.ctx?.otp ?? '' } })
  keepSession(coded)

  // 4. A pending flow, and a decoy for an unknown address.
  for (const email of ['d@example.com', 'nobody@example.com']) {
    const jar = new Jar()
    const res = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })
    keepBinding(jar)
    keep('C', (res.json() as { matchCode: string }).matchCode)
  }
  mail = await loginMail(a, 'd@example.com')
  keep('L', tokenOf(mail?.ctx?.link ?? '').split('.')[1])
  keep('email code', mail?.ctx?.otp)

  // 5. A session refresh after accessTtl (re-issues the cookie, touches the record).
  a.clock.advance(6 * MIN)
  await send(a.app, one, { method: 'GET', url: '/me' })
  keepSession(one)

  // Every plaintext also in the encodings a careless store would use.
  const needles: Array<[string, string]> = []
  for (const [what, value] of secrets) {
    needles.push([what, value])
    if (/^[A-Za-z0-9_-]{43}$/.test(value)) {
      const raw = Buffer.from(value, 'base64url')
      needles.push([`${what} (hex)`, raw.toString('hex')], [`${what} (base64)`, raw.toString('base64').replace(/=+$/, '')])
    }
  }
  t.ok(secrets.filter(([w]) => w === 'L').length === 4 && secrets.filter(([w]) => w === 'S').length >= 4, `collected ${secrets.length} secrets`)

  // The dump: every key name, field, member and value under the prefix.
  const keys = await scanKeys(client, `${prefix}*`)
  const dump: string[] = [...keys]
  for (const key of keys) {
    const type = await client.type(key)
    if (type === 'hash') dump.push(...Object.entries(await client.hgetall(key)).flat())
    else if (type === 'set') dump.push(...await client.smembers(key))
    else if (type === 'zset') dump.push(...await client.zrange(key, '0', '-1', 'WITHSCORES'))
    else if (type === 'list') dump.push(...await client.lrange(key, 0, -1))
    else if (type === 'string') dump.push(await client.get(key) ?? '')
    else t.fail(`unexpected ${type} at ${key}`)
  }
  t.ok(keys.length >= 10, `${keys.length} keys dumped`)
  // A 6-digit code can turn up inside a stored timestamp by chance: match it as a whole number.
  const found = (what: string, needle: string, v: string): boolean =>
    what === 'email code' ? new RegExp(`(?<![0-9])${needle}(?![0-9])`).test(v) : v.includes(needle)
  const leaks = needles.filter(([what, needle]) => dump.some((v) => found(what, needle, v))).map(([what]) => what)
  t.same(leaks, [], 'no L, P, S, C or email code in any key or value, in base64url, base64 or hex')

  // TTLs: flows live 2 × linkTtl (README: expired links are told apart from unknown ones),
  // mail budgets 1 h (24 h once the address has wrong codes: the per-address failure budget),
  // sessions min(idle, absolute), counters their window.
  const limits: Record<string, number> = { f: 2 * config.linkTtl, e: DAY, s: DAY, u: DAY, rl: config.rateLimit.ipWindow }
  const overall = Math.max(...Object.values(limits))
  const bad: string[] = []
  for (const key of keys) {
    const pttl = await client.pttl(key)
    const kind = key.slice(prefix.length).split(/[:{]/)[0] ?? ''
    const limit = limits[kind] ?? overall
    if (!(pttl > 0 && pttl <= limit)) bad.push(`${key}: PTTL ${pttl} > ${limit}`)
  }
  t.same(bad, [], 'every key has a TTL, within its configured lifetime')
})
