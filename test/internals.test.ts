import t from 'tap'
import { parseDuration } from '../src/duration.js'
import { LruCache } from '../src/session/cache.js'
import { cacheKey } from '../src/session/manager.js'
import { CLOCK_RESOLUTION_MS, CoarseClock } from '../src/session/clock.js'
import { FlowWaiters } from '../src/routes/waiters.js'
import { guardStore } from '../src/store/guard.js'
import { MemoryStore } from '../src/store/memory-store.js'
import { compile } from '../src/routes/validate.js'
import { safeRedirect } from '../src/routes/redirect.js'
import { flowSecrets, safeEqual, normalizeMatchCode, normalizeOtp, matchCodeFor, otpCode, randomSecret } from '../src/crypto.js'
import type { MagicLinkStore } from '../src/store/types.js'

t.test('parseDuration', async (t) => {
  t.equal(parseDuration(1500), 1500)
  t.equal(parseDuration(1.7), 1)
  t.equal(parseDuration('1.5s'), 1500)
  t.equal(parseDuration('30d'), 30 * 86_400_000)
  t.equal(parseDuration('0.0001ms'), null, 'rounds to zero')
  t.equal(parseDuration('0m'), null)
  t.equal(parseDuration(Number.POSITIVE_INFINITY), null)
  t.equal(parseDuration('10 minutes'), null)
  t.equal(parseDuration(null), null)
  // Values from the environment arrive as strings.
  t.equal(parseDuration('600000'), 600_000, 'plain digits are milliseconds')
  t.equal(parseDuration(' 10 m '), 600_000, 'a space before the unit, and around')
  t.equal(parseDuration('10  m'), null, 'one space at most')
  t.equal(parseDuration('-5m'), null)
  t.equal(parseDuration(''), null)
})

t.test('LruCache keeps at most max entries, and recently used ones survive', async (t) => {
  const small = new LruCache<string, number>(4)
  for (const k of ['a', 'b', 'c', 'd', 'e']) small.set(k, 1)
  t.ok(small.size <= 4, `size ${small.size} <= 4`)
  t.equal(small.get('a'), undefined, 'the oldest went first')
  small.delete('e')
  t.equal(small.get('e'), undefined)
  const cache = new LruCache<string, number>(100)
  cache.set('hot', -1)
  let misses = 0
  for (let i = 0; i < 1000; i++) {
    cache.set(`k${i}`, i)
    if (cache.get('hot') === undefined) misses++
  }
  t.equal(misses, 0, 'an entry used all along is never dropped')
  t.ok(cache.size <= 100)
  t.equal(cache.get('k0'), undefined, 'an entry never used again is gone')
  t.equal(new LruCache<string, number>(1).get('x'), undefined)
})

t.test('cacheKey: the last 5 signature characters as a 30-bit small integer', async (t) => {
  t.equal(cacheKey('h.p.AAAAB'), 1)
  t.equal(cacheKey('h.p._____'), 2 ** 30 - 1, 'largest key')
  t.ok(cacheKey('h.p._____') <= 0x3fffffff, 'within V8 small-integer range')
  t.equal(cacheKey('x.y.sig-ABCDE'), cacheKey('other.payload.ABCDE'), 'same tail, same key: a hit compares the whole token (session.test.ts "tampered")')
  t.not(cacheKey('h.p.ABCDE'), cacheKey('h.p.ABCDF'))
  t.equal(cacheKey(''), 0)
  t.equal(cacheKey('B'), 1, 'shorter than 5 characters: all of it')
  t.equal(cacheKey('!*'), 0, 'not base64url: 0 (the full comparison decides)')
})

t.test('FlowWaiters: notify wakes, a change before the wait counts, timeouts and close end waits', async (t) => {
  const w = new FlowWaiters()
  const a = w.watch('f1')
  const b = w.watch('f1')
  t.equal(w.size, 1)
  const woken = a.wait(5000)
  w.notify('f1')
  w.notify('nobody')
  t.equal(await woken, true)
  t.equal(await b.wait(5000), true, 'notified before waiting: resolves at once')
  t.equal(w.size, 0)
  t.equal(await w.watch('f2').wait(10), false, 'timeout')
  const c = w.watch('f5')
  c.cancel()
  t.equal(w.size, 0, 'cancel forgets the watch')
  const aborted = new AbortController()
  const d = w.watch('f6').wait(5000, aborted.signal)
  aborted.abort()
  t.equal(await d, false, 'abort')
  const pending = w.watch('f3').wait(5000)
  w.close()
  t.equal(await pending, false)
  t.equal(await w.watch('f4').wait(5000), false, 'after close, waits end at once')
})

t.test('guardStore: failures and slow calls become 503, sync throws too', async (t) => {
  const failures: string[] = []
  const slow = new Proxy(new MemoryStore(), {
    get (target, prop, receiver) {
      if (prop === 'getFlow') return () => new Promise(() => {})
      if (prop === 'hit') return () => { throw new Error('sync boom') }
      if (prop === 'listSessions') return async () => { throw new Error('async boom') }
      const v = Reflect.get(target, prop, receiver) as unknown
      return typeof v === 'function' ? v.bind(target) : v
    },
  }) as MagicLinkStore
  const g = guardStore(slow, 50, { onFailure: (m) => { failures.push(m) } })
  const started = Date.now()
  await t.rejects(g.getFlow('x'), { code: 'FST_MAGIC_LINK_STORE_UNAVAILABLE', statusCode: 503 })
  t.ok(Date.now() - started < 500)
  await t.rejects(g.hit('k', 1000), { code: 'FST_MAGIC_LINK_STORE_UNAVAILABLE' })
  await t.rejects(g.listSessions('g'), { code: 'FST_MAGIC_LINK_STORE_UNAVAILABLE' })
  t.same(await g.revokeSessions('g'), [])
  t.same(failures, ['getFlow', 'hit', 'listSessions'])
})

t.test('validator: the subset the routes use', async (t) => {
  const v = compile({ type: 'object', additionalProperties: false, required: ['a'], properties: { a: { type: 'string', minLength: 2, maxLength: 3, pattern: '^[a-z]+$' } } })
  t.same(v({ a: 'ab' }), { value: { a: 'ab' } })
  t.match(v({ a: 'a' }), { error: { message: /too short/ } })
  t.match(v({ a: 'abcd' }), { error: { message: /too long/ } })
  t.match(v({ a: 'A1' }), { error: { message: /malformed/ } })
  t.match(v({ a: 1 }), { error: { message: /must be a string/ } })
  t.match(v({}), { error: { message: /required/ } })
  t.match(v(null), { error: { message: /required/ } })
  t.match(v([]), { error: { message: /must be an object/ } })
  t.match(v({ a: 'ab', b: 1 }), { error: { message: /unknown property/ } })
  const open = compile({ type: 'object', additionalProperties: true, properties: { a: { type: 'string' } } })
  t.same(open({ x: 1 }), { value: { x: 1 } })
})

t.test('safeRedirect', async (t) => {
  t.equal(safeRedirect('/app/x', ['/app/']), '/app/x')
  t.equal(safeRedirect('/app', ['/app/']), '/app/')
  t.equal(safeRedirect('/app#x', ['/app']), '/app#x')
  t.equal(safeRedirect(undefined, ['/home']), '/home')
})

t.test('flowSecrets: one draw, three independent base64url parts of 128, 256 and 256 bits', async (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 200; i++) {
    const { id, link, poll } = flowSecrets()
    t.match(id, /^[A-Za-z0-9_-]{22}$/)
    t.match(link, /^[A-Za-z0-9_-]{43}$/)
    t.match(poll, /^[A-Za-z0-9_-]{43}$/)
    for (const x of [id, link, poll]) seen.add(x)
  }
  t.equal(seen.size, 600, 'no part repeats, within or across flows')
})

t.test('codes and constant-time comparison', async (t) => {
  t.ok(safeEqual('abc', 'abc'))
  t.notOk(safeEqual('abc', 'abcd'))
  t.equal(normalizeMatchCode('bcd-fgh'), 'BCDFGH')
  t.equal(normalizeMatchCode('AEI-OUY'), null, 'vowels are not in the alphabet')
  t.equal(normalizeOtp('012 345'), '012345')
  t.equal(normalizeOtp('12345'), null)
  const secrets = Array.from({ length: 2000 }, () => randomSecret())
  const codes = secrets.map(matchCodeFor)
  t.ok(codes.every((c) => /^[BCDFGHJKLMNPQRSTVWXZ]{3}-[BCDFGHJKLMNPQRSTVWXZ]{3}$/.test(c)), 'XXX-XXX from the alphabet')
  t.ok(new Set(codes).size > 1990, 'different poll secrets give different codes')
  t.equal(matchCodeFor(secrets[0] as string), codes[0], 'the same poll secret gives the same code again')
  // Every letter of the alphabet at every position, about equally often (2000/20 = 100 each).
  for (const pos of [0, 1, 2, 4, 5, 6]) {
    const counts = new Map<string, number>()
    for (const c of codes) counts.set(c[pos] as string, (counts.get(c[pos] as string) ?? 0) + 1)
    t.equal(counts.size, 20, `position ${pos}: all 20 letters`)
    t.ok(Math.max(...counts.values()) < 160, `position ${pos}: no letter far above its share`)
  }
  t.match(otpCode(), /^[0-9]{6}$/)
})

t.test('CoarseClock: a timer-refreshed Date.now, a test clock read directly', async (t) => {
  let fake = 1000
  const test = new CoarseClock(() => fake)
  test.start()
  fake = 2000
  t.equal(test.now(), 2000, 'a test clock is never cached')
  test.stop()

  const real = new CoarseClock(Date.now)
  t.ok(Math.abs(real.now() - Date.now()) <= 1, 'not started: Date.now()')
  real.start()
  real.start()
  const started = real.now()
  t.ok(Math.abs(started - Date.now()) <= 1, 'started at the current time')
  await new Promise((resolve) => setTimeout(resolve, CLOCK_RESOLUTION_MS * 3))
  const later = real.now()
  t.ok(later > started, 'refreshed by its timer')
  t.ok(Date.now() - later <= CLOCK_RESOLUTION_MS + 100, `at most one resolution (plus event-loop lag) behind: ${Date.now() - later} ms`)
  real.stop()
  await new Promise((resolve) => setTimeout(resolve, 5))
  t.ok(Math.abs(real.now() - Date.now()) <= 1, 'stopped: Date.now() again')
})
