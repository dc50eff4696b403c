// T23: parser abuse — prototype pollution, type confusion, oversized and deeply nested bodies.
// The deterministic fuzz set, route by route; the randomized version is fuzz.test.ts. Never a 5xx
// or a stack trace, `({}).polluted` stays undefined, an array or object where a string is
// expected is a 400 (no coercion), unknown fields are a 400, bodies over 4 KiB are a 413.
import t from 'tap'
import { signIn } from '../helpers/login.js'
import { buildApp, label, leaksInternals, tokenFor } from './lib.js'

interface Probe { polluted?: unknown, isAdmin?: unknown }

const POLLUTION = [
  '{"__proto__":{"polluted":1}}',
  '{"email":"known@example.com","__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"email":"known@example.com","constructor":{"prototype":{"polluted":1}}}',
  '{"token":"x","__proto__":{"isAdmin":true}}',
  '{"code":"123456","constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":{"__proto__":{"polluted":1}}}',
  '{"\\u005f\\u005fproto\\u005f\\u005f":{"polluted":1}}',
]

t.test('prototype pollution payloads on every body route: refused, and Object.prototype untouched', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const problems: string[] = []
  for (const url of ['/auth/request', '/auth/verify', '/auth/poll', '/auth/code', '/auth/revoke', '/auth/logout', '/auth/logout-all']) {
    for (const payload of POLLUTION) {
      for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
        const body = type === 'application/json' ? payload : `__proto__[polluted]=1&constructor[prototype][polluted]=1&token=x&${encodeURIComponent('__proto__.polluted')}=1`
        const res = await a.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': type, cookie: jar.header() } })
        if (res.statusCode !== 400 && res.statusCode !== 415) problems.push(`${url} ${type} ${label(payload)}: ${res.statusCode}`)
        const leak = leaksInternals(res)
        if (leak !== null) problems.push(`${url} ${label(payload)}: ${leak}`)
      }
    }
  }
  t.same(problems, [], 'every payload is a 400 (or 415 where forms are not taken)')
  t.equal(({} as Probe).polluted, undefined, '({}).polluted is undefined')
  t.equal(({} as Probe).isAdmin, undefined, '({}).isAdmin is undefined')
  t.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false)
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: jar.header() } })).statusCode, 200, 'the app still works')
})

t.test('arrays, objects, numbers, booleans and null where strings are expected: 400, never coerced', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const token = await tokenFor(a, 'known@example.com')
  const wrongTypes: unknown[] = [['known@example.com'], ['a@b.io', 'c@d.io'], { $ne: null }, { $gt: '' }, 123456, 1, true, false, null, [], {}]
  const fields: Array<[string, string, Record<string, unknown>]> = [
    ['/auth/request', 'email', {}], ['/auth/request', 'redirectTo', { email: 'known@example.com' }],
    ['/auth/verify', 'token', {}], ['/auth/verify', 'code', { token }], ['/auth/verify', 'email', { token }],
    ['/auth/code', 'code', {}], ['/auth/revoke', 'token', { email: 'known@example.com' }], ['/auth/revoke', 'email', { token }],
  ]
  const problems: string[] = []
  for (const [url, field, rest] of fields) {
    for (const value of wrongTypes) {
      const res = await a.app.inject({ method: 'POST', url, payload: JSON.stringify({ ...rest, [field]: value }), headers: { 'content-type': 'application/json' } })
      if (res.statusCode !== 400) problems.push(`${url} ${field}=${label(value)}: ${res.statusCode}`)
    }
    // Repeated form fields become arrays: refused the same way.
    if (url === '/auth/verify' || url === '/auth/revoke') {
      const res = await a.app.inject({ method: 'POST', url, payload: `${field}=a&${field}=b&token=${token}&email=known%40example.com`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      if (res.statusCode !== 400) problems.push(`${url} repeated form field ${field}: ${res.statusCode}`)
    }
  }
  t.same(problems, [], `${fields.length} fields × ${wrongTypes.length} wrong types: all 400`)
  const coerced = await a.app.inject({ method: 'POST', url: '/auth/request', payload: '{"email":["known@example.com"]}', headers: { 'content-type': 'application/json' } })
  t.match(coerced.json(), { statusCode: 400, code: 'FST_MAGIC_LINK_BAD_REQUEST' }, '["a@b.c"] is not coerced to "a@b.c" (Fastify\'s default would)')
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(a.outbox.length, 1, 'no mail for any of it')
})

t.test('bodies: unknown fields 400, null/[]/"x"/1 400, 4 KiB + 1 413, 10k-deep nesting refused, bad JSON 400, BOM and UTF-16', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const post = async (payload: string | Buffer, type = 'application/json'): Promise<{ statusCode: number, body: string }> =>
    await a.app.inject({ method: 'POST', url: '/auth/request', payload, headers: { 'content-type': type } })
  const cases: Array<[string, string | Buffer, number[], string?]> = [
    ['unknown field', '{"email":"known@example.com","admin":true}', [400]],
    ['null', 'null', [400]],
    ['[]', '[]', [400]],
    ['"x"', '"x"', [400]],
    ['1', '1', [400]],
    ['empty object', '{}', [400]],
    ['truncated JSON', '{"email":', [400]],
    ['duplicate keys', '{"email":"a@x.io","email":"b@y.io"}', [202, 400]],
    ['4096 bytes', JSON.stringify({ email: 'known@example.com', redirectTo: `/${'a'.repeat(4096 - 46)}` }), [202, 400]],
    ['4097 bytes', JSON.stringify({ email: 'known@example.com', redirectTo: `/${'a'.repeat(4096 - 45)}` }), [413]],
    ['1 MiB', `{"email":"${'a'.repeat(1 << 20)}"}`, [413]],
    ['10k-deep arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, [400, 413]],
    ['600-deep objects (under 4 KiB)', `${'{"a":'.repeat(600)}1${'}'.repeat(600)}`, [400]],
    ['BOM', Buffer.concat([Buffer.from([0xEF, 0xBB, 0xBF]), Buffer.from('{"email":"known@example.com"}')]), [202, 400]],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"email":"known'), Buffer.from([0xC3, 0x28, 0xFF]), Buffer.from('@example.com"}')]), [400]],
    ['UTF-16 charset', Buffer.from('{"email":"known@example.com"}', 'utf16le'), [400, 415], 'application/json; charset=utf-16'],
    ['NUL bytes', '{"email":"known@example.com\\u0000"}', [400]],
    ['no content type', '{"email":"known@example.com"}', [400, 415], ''],
  ]
  for (const [name, payload, allowed, type] of cases) {
    const res = await post(payload, type ?? 'application/json')
    t.ok(allowed.includes(res.statusCode), `${name}: ${res.statusCode} in [${allowed.join(', ')}]`)
    t.equal(leaksInternals(res), null, `${name}: no internals in the body`)
  }
})
