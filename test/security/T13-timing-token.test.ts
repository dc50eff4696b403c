// T13: timing side channel on the token comparison. Tokens are looked up by flow id and compared
// as SHA-256 hashes (and with timingSafeEqual), so a guess that shares a long prefix with the real
// link secret costs the same as one that shares nothing. Latency distributions of wrong tokens
// sharing 0 vs 40 leading characters are compared; only medians are reported and only a loose
// bound is asserted (a 2-core CI machine is noisy; a real leak of a string comparison would be
// nanoseconds per character, far below what this can see, which is the point of hashing first).
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { Jar, send } from '../helpers/app.js'
import { buildApp, median, quantile, seeded, shuffle, timed, tokenFor } from './lib.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const SAMPLES = 200

/** A 43-char base64url string sharing exactly `shared` leading characters with `real`. */
function guess (real: string, shared: number, random: () => number): string {
  let out = real.slice(0, shared)
  const differ = ALPHABET[(ALPHABET.indexOf(real[shared] ?? 'A') + 1 + Math.floor(random() * 63)) % 64] as string
  out += differ
  while (out.length < real.length) out += ALPHABET[Math.floor(random() * 64)]
  return out
}

async function measure (t: Test, name: string, guesses: Record<'near' | 'far', string[]>, request: (token: string) => Promise<LightMyRequestResponse>): Promise<void> {
  const random = seeded(1313)
  const order = shuffle([...guesses.near.map((g) => ['near', g] as const), ...guesses.far.map((g) => ['far', g] as const)], random)
  for (const [, g] of order.slice(0, 60)) await request(g) // warm-up
  const ms: Record<'near' | 'far', number[]> = { near: [], far: [] }
  const statuses = new Set<string>()
  for (const [kind, g] of order) {
    const { ms: took, value } = await timed(() => request(g))
    statuses.add(`${value.statusCode}`)
    ms[kind].push(took)
  }
  const diff = median(ms.near) - median(ms.far)
  t.comment(`${name}: median sharing 40 chars ${median(ms.near).toFixed(4)} ms, sharing 0 ${median(ms.far).toFixed(4)} ms, difference ${diff.toFixed(4)} ms (p90 ${quantile(ms.near, 0.9).toFixed(3)} / ${quantile(ms.far, 0.9).toFixed(3)} ms)`)
  t.equal(statuses.size, 1, `${name}: every wrong token gets the same status (${[...statuses].join(',')})`)
  t.ok(Math.abs(diff) < 0.5, `${name}: |median difference| ${Math.abs(diff).toFixed(4)} ms < 0.5 ms`)
}

t.test('wrong link secrets sharing 0 vs 40 leading characters with the real one (same flow id)', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  await send(a.app, new Jar(), { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = await tokenFor(a, 'known@example.com')
  const [flowId = '', secret = ''] = token.split('.')
  const random = seeded(7)
  const guesses = {
    near: Array.from({ length: SAMPLES }, () => `${flowId}.${guess(secret, 40, random)}`),
    far: Array.from({ length: SAMPLES }, () => `${flowId}.${guess(secret, 0, random)}`),
  }
  await measure(t, 'GET /verify', guesses, (g) => a.app.inject({ method: 'GET', url: `/auth/verify?token=${g}` }))
  await measure(t, 'POST /verify', guesses, (g) => a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: g } }))
  const still = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(still.statusCode, 200, 'the real link still works after 1,040 wrong guesses (nothing is burned by a miss)')
})

t.test('whole tokens sharing 0 vs 40 leading characters (the 0 case also misses the flow id)', async (t) => {
  // Sharing 40 leading characters of `<flowId>.<secret>` means the right flow id (public: it is in
  // the link) plus 6 secret characters; sharing 0 means an unknown flow. The difference measured
  // here is "flow exists" vs "flow does not", which the flow id alone already tells; reported for
  // completeness, bound loosely.
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  await send(a.app, new Jar(), { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = await tokenFor(a, 'known@example.com')
  const random = seeded(11)
  const whole = (shared: number): string => {
    const g = guess(token.replace('.', '~'), shared, random).replace(/~/g, '.')
    return `${g.slice(0, 33)}.${g.slice(34)}`
  }
  const guesses = { near: Array.from({ length: SAMPLES }, () => whole(40)), far: Array.from({ length: SAMPLES }, () => whole(0)) }
  await measure(t, 'GET /verify (whole token)', guesses, (g) => a.app.inject({ method: 'GET', url: `/auth/verify?token=${g}` }))
})
