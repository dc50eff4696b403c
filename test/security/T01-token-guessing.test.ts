// T1: guessing or predicting a token. L (link secret), P (poll secret, in the binding cookie) and
// S (session id) must be 256 random bits, unrelated to the address, the time or the user.
import t from 'tap'
import { createHash } from 'node:crypto'
import { Jar, send, tokenOf } from '../helpers/app.js'
import { buildApp, jwtPayload, liveCookie, until } from './lib.js'

const LINK = /^https:\/\/app\.example\.com\/auth\/verify\?token=([A-Za-z0-9_-]{33})\.([A-Za-z0-9_-]{43})$/
const BINDING = /^([A-Za-z0-9_-]{33})\.([A-Za-z0-9_-]{43})$/
const MATCH = /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/

function bits (secret: string): Buffer {
  return Buffer.from(secret, 'base64url')
}

function hamming (a: Buffer, b: Buffer): number {
  let d = 0
  for (let i = 0; i < a.length; i++) {
    let x = ((a[i] ?? 0) ^ (b[i] ?? 0))
    while (x !== 0) { d += x & 1; x >>= 1 }
  }
  return d
}

t.test('2,000 requests: every L and P is distinct, 256-bit, and carries nothing of the address, user or time', async (t) => {
  const N = 2000
  const a = await buildApp({ rateLimit: false, users: { find: (email) => ({ id: `user-${email.split('@')[0] ?? ''}` }) } })
  t.teardown(() => a.app.close())
  const emails = Array.from({ length: N }, (_, i) => `person${i}@example.com`)
  const rows: Array<{ email: string, binding: string, matchCode: string }> = []
  for (let i = 0; i < N; i += 50) {
    const batch = await Promise.all(emails.slice(i, i + 50).map(async (email) => {
      const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email } })
      return { email, binding: liveCookie(res, '__Host-mlflow')?.value ?? '', matchCode: (res.json() as { matchCode: string }).matchCode }
    }))
    rows.push(...batch)
  }
  t.ok(await until(() => a.outbox.length >= N, 10_000), `${a.outbox.length} mails captured`)
  const links = new Map(a.outbox.map((m) => [m.message.to, m.ctx?.link ?? '']))

  const linkSecrets = new Set<string>()
  const pollSecrets = new Set<string>()
  const flowIds = new Set<string>()
  let malformed = 0
  let oneBits = 0
  const leaks: string[] = []
  for (const row of rows) {
    const link = LINK.exec(links.get(row.email) ?? '')
    const binding = BINDING.exec(row.binding)
    if (link === null || binding === null || !MATCH.test(row.matchCode)) { malformed++; continue }
    const [, flowId = '', secret = ''] = link
    linkSecrets.add(secret)
    pollSecrets.add(binding[2] ?? '')
    flowIds.add(flowId)
    if (bits(secret).length !== 32) malformed++
    for (const byte of bits(secret)) for (let x = byte; x !== 0; x >>= 1) oneBits += x & 1
    const local = row.email.split('@')[0] ?? ''
    const token = `${flowId}.${secret}`
    const forbidden = [local, `user-${local}`, Buffer.from(row.email).toString('base64url').slice(0, 12), Buffer.from(local).toString('hex')]
    if (forbidden.some((f) => token.toLowerCase().includes(f.toLowerCase()))) leaks.push(row.email)
  }
  t.equal(malformed, 0, 'every link is <33-char flow id>.<43-char secret> (32 bytes), every binding cookie too')
  t.equal(linkSecrets.size, N, 'all link secrets distinct')
  t.equal(pollSecrets.size, N, 'all poll secrets distinct')
  t.equal(flowIds.size, N, 'all flow ids distinct')
  t.equal([...linkSecrets].filter((s) => pollSecrets.has(s)).length, 0, 'no link secret is also a poll secret')
  t.same(leaks, [], 'no token contains the address, its local part, the user id or their encodings')

  // 2,000 × 256 bits: the share of one bits is 1/2 within 6 standard deviations (358 bits).
  const total = N * 256
  t.ok(Math.abs(oneBits - total / 2) < 6 * Math.sqrt(total / 4), `one bits: ${oneBits} of ${total}`)

  // Timestamps: no decimal, base36 or hex rendering of the clock (ms or s) inside any token.
  const now = a.clock.now
  const stamps = [String(now), String(Math.floor(now / 1000)), now.toString(36), now.toString(16), Math.floor(now / 1000).toString(16)]
  const withTime = [...linkSecrets, ...pollSecrets, ...flowIds].filter((s) => stamps.some((stamp) => s.includes(stamp.slice(0, 8))))
  t.same(withTime, [], 'no token embeds the time')

  // C is 6 letters of 20 (~25.9 bits): among 2,000 codes the birthday bound expects 0.03
  // collisions, so "all distinct" would be flaky by design; allow at most 2, and check that every
  // letter is used evenly at every position (chi-square, 19 degrees of freedom, p ~ 1e-6 cut-off).
  const codes = rows.map((r) => r.matchCode)
  t.ok(codes.length - new Set(codes).size <= 2, `${codes.length - new Set(codes).size} duplicate match codes`)
  const letters = 'BCDFGHJKLMNPQRSTVWXZ'
  let worst = 0
  for (const pos of [0, 1, 2, 4, 5, 6]) {
    const counts = new Map<string, number>()
    for (const c of codes) counts.set(c[pos] as string, (counts.get(c[pos] as string) ?? 0) + 1)
    const expected = codes.length / letters.length
    const chi = [...letters].reduce((sum, l) => sum + ((counts.get(l) ?? 0) - expected) ** 2 / expected, 0)
    worst = Math.max(worst, chi)
  }
  t.ok(worst < 60, `match code letters uniform at every position (worst chi-square ${worst.toFixed(1)}, 19 df)`)
})

t.test('two same-millisecond requests for one address give unrelated secrets', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  // The clock does not move: both flows are created at the same millisecond.
  const [one, two] = await Promise.all([new Jar(), new Jar()].map(async (jar) => {
    await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
    return jar
  }))
  t.ok(await until(() => a.outbox.length >= 2))
  const [l1, l2] = a.outbox.map((m) => tokenOf(m.ctx?.link ?? '').split('.')[1] ?? '')
  const [p1, p2] = [one, two].map((jar) => (jar?.get('__Host-mlflow') ?? '').split('.')[1] ?? '')
  for (const [x, y, what] of [[l1, l2, 'link'], [p1, p2, 'poll']] as const) {
    const d = hamming(bits(x ?? ''), bits(y ?? ''))
    // Two independent 256-bit values differ in 128 ± 8 bits; 64..192 is a 8-sigma band.
    t.ok(d > 64 && d < 192, `${what} secrets differ in ${d} of 256 bits`)
    let prefix = 0
    while (prefix < (x ?? '').length && x?.[prefix] === y?.[prefix]) prefix++
    t.ok(prefix < 4, `${what} secrets share a ${prefix}-char prefix`)
  }

  // S: each login mints a fresh session id, unrelated to L and P.
  const sessions: string[] = []
  for (const jar of [one, two]) {
    const mail = a.outbox.find((m) => m.ctx !== null && (jar?.get('__Host-mlflow') ?? '').startsWith(tokenOf(m.ctx.link).split('.')[0] ?? '-'))
    const res = await send(a.app, jar as Jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link ?? '') } })
    const cookie = liveCookie(res, '__Host-sid')
    if (cookie !== undefined) sessions.push(String(jwtPayload(cookie.value).sid))
  }
  // The first flow was superseded by the second (one live link per address): one session.
  t.equal(sessions.length, 1, 'the newer link signs in; the superseded one does not')
  const sid = sessions[0] ?? ''
  t.equal(bits(sid).length, 32, 'the session id is 32 random bytes')
  t.notOk([l1, l2, p1, p2].includes(sid), 'S is neither L nor P')
})

t.test('the flow id of a link does not reveal the address without the server secret', async (t) => {
  // Flow ids start with a hash tag of the address (one Redis Cluster slot per address).
  // The tag is visible in every link and binding cookie, so it must not be computable from the
  // address alone, or anyone holding a leaked link (logs, Referer, a forwarded mail) can confirm
  // whose it is offline.
  const one = await buildApp({ rateLimit: false })
  const other = await buildApp({ rateLimit: false, secret: 'a-completely-different-secret-0123456789abcdef' })
  t.teardown(() => one.app.close())
  t.teardown(() => other.app.close())
  const tags: string[] = []
  for (const a of [one, other]) {
    await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
    await a.mails(1)
    tags.push(tokenOf(a.outbox[0]?.ctx?.link ?? '').slice(0, 11))
  }
  const plain = createHash('sha256').update('email:known@example.com').digest('base64url').slice(0, 11)
  t.not(tags[0], plain, 'the tag is not a plain SHA-256 of the address')
  t.not(tags[0], tags[1], 'two deployments with different secrets tag one address differently (the tag is keyed)')
})
