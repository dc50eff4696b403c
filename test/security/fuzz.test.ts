// The fuzz inputs (SECURITY.md T23), as a seeded fast-check property over EVERY route of the plugin (with
// the route's own method and, in a share of the runs, every other method): arbitrary JSON values,
// strings with control and Unicode characters, nested objects, `__proto__` and
// `constructor.prototype` keys, duplicate keys in raw JSON text, wrong content types, oversized
// bodies, malformed cookies (including 200 cookies and 8 KB values) and junk query strings.
// Invariants: no 5xx, no stack trace or source path in any body, `({}).polluted` stays undefined,
// and an array or object where a string is expected is a 400. Bounded runs, fixed seed; the total
// number of requests is printed.
import t from 'tap'
import fc from 'fast-check'
import { Jar, send } from '../helpers/app.js'
import { signIn } from '../helpers/login.js'
import { buildApp, label, leaksInternals, listen, ORIGIN, rawHttp, tokenFor, type SecApp } from './lib.js'

const SEED = 0x5EC0_2026
const RUNS = 300

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS'
interface Route { method: Method, path: string, body: readonly string[], query?: string }

/** Every route the plugin registers (README "Routes"), with the string fields its body takes. */
const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/auth/request', body: ['email', 'redirectTo'] },
  { method: 'GET', path: '/auth/verify', body: [], query: 'token' },
  { method: 'HEAD', path: '/auth/verify', body: [], query: 'token' },
  { method: 'POST', path: '/auth/verify', body: ['token', 'code', 'email'] },
  { method: 'POST', path: '/auth/poll', body: [], query: 'wait' },
  { method: 'POST', path: '/auth/code', body: ['code'] },
  { method: 'POST', path: '/auth/revoke', body: ['token', 'email'] },
  { method: 'GET', path: '/auth/session', body: [] },
  { method: 'POST', path: '/auth/logout', body: [] },
  { method: 'POST', path: '/auth/logout-all', body: [] },
  { method: 'GET', path: '/auth/sessions', body: [] },
  { method: 'DELETE', path: '/auth/sessions/:id', body: [] },
]
const METHODS: readonly Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']

/** The fuzz values, verbatim. */
const SPECIAL = [
  '', ' ', 'a@b', 'a@b.com.', 'a@[127.0.0.1]', 'MiXeD@ExAmPlE.CoM', '用户@例子.广告', 'user@еxample.com', 'a\u200Bb@x.io', 'a\u202Eb@x.io',
  'a@b.io\r\nBcc: e@evil.io', 'a@b.io%0d%0a', 'a@b.io,e@evil.io', 'a@b.io;e@evil.io', '<a@b.io>', '"a@evil.io"@b.io', '"x@gmail.com x"@internal.test',
  '"f@psres.net> ORCPT=admin@admin.com"@test.com', 'user@good.com(x)evil.com', 'attacker@evil.com＠victim.com', 'a@b.io%00@evil.io', 'a@b.io\u0000',
  'x', '+/=', '%00', '../', '..%2f..%2f', 'token\n', '１２３４５６', '١٢٣٤٥٦', '123 456', '12-34-56', '12345', '1234567', '000000', 'BBB-BBB', 'bbbbbb',
  '//evil.example', '///evil.example', '/\\evil.example', '\\/evil.example', 'https://evil.example', 'https:evil.example', 'https://app.example.com@evil.example',
  '/%2F%2Fevil.example', '/%5Cevil.example', '%09//evil.example', '／／evil.example', '∕∕evil.example', 'javascript:alert(1)', 'data:text/html,x',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '{"$ne":null}', '\uFEFF', '\uD800', '\uDFFF\uD800', '\u0085', '\u2028',
]

const POLLUTION = ['"__proto__":{"polluted":1}', '"constructor":{"prototype":{"polluted":1}}', '"__proto__":{"__proto__":{"polluted":1}}', '"\\u005f_proto__":{"polluted":1}']

const CONTENT_TYPES = [
  undefined, 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;;',
  'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml',
  'application/vnd.api+json', '*/*', '', 'application/x-www-form-urlencoded; charset=utf-16',
]

const MALFORMED_COOKIES = [
  '=;;=', ';;;', '__Host-sid="unterminated', '__Host-sid=a; __Host-sid=b', '__Host-mlflow=a; __Host-mlflow=b', '__Host-sid=é€😀', '__Host-mlflow=%E0%A4%A',
  '__Host-sid=%00', '__Host-sid', '=value', '__Host-sid=a=b=c', `__Host-sid=${'x'.repeat(8192)}`, `__Host-mlflow=${'y'.repeat(8192)}`,
  Array.from({ length: 200 }, (_, i) => `c${i}=${'v'.repeat(20)}`).join('; '), '__proto__=1; constructor=2', '__Host-sid=undefined; __Host-mlflow=null',
]

interface FuzzRequest { method: Method, url: string, contentType: string | undefined, body: string | Buffer | undefined, cookie: string | undefined, headers: Record<string, string> }

interface Context { a: SecApp, real: { token: string, binding: string, sessions: string[], sessionId: string, otp: string, matchCode: string } }

function arbitraries (ctx: Context): { request: (route: Route) => fc.Arbitrary<FuzzRequest> } {
  const { real } = ctx
  const text = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 48 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 48 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
    { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
    { weight: 2, arbitrary: fc.constantFrom(real.token, `${real.token}x`, real.token.toUpperCase(), real.binding, real.otp, real.matchCode, real.sessions[0] ?? '', 'known@example.com', '/') },
    { weight: 1, arbitrary: fc.integer({ min: 250, max: 5000 }).map((n) => 'a'.repeat(n)) },
  )
  const value: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 6, arbitrary: text },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.array(text, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(text, text, { maxKeys: 3 }) },
  )
  const objectFor = (route: Route): fc.Arbitrary<Record<string, unknown>> => fc.record({
    fields: fc.subarray([...route.body]),
    extra: fc.option(fc.constantFrom('admin', 'role', 'sid', 'mlflow', 'token', 'constructor', 'toString'), { nil: undefined }),
    values: fc.array(value, { minLength: 4, maxLength: 4 }),
  }).map(({ fields, extra, values }) => {
    const out: Record<string, unknown> = {}
    fields.forEach((f, i) => { out[f] = values[i] })
    if (extra !== undefined) out[extra] = values[3]
    return out
  })
  const body = (route: Route): fc.Arbitrary<{ text: string | Buffer | undefined, json: boolean }> => fc.oneof(
    { weight: 4, arbitrary: objectFor(route).map((o) => ({ text: JSON.stringify(o), json: true })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ text: JSON.stringify(v), json: true })) },
    { weight: 2, arbitrary: fc.tuple(objectFor(route), fc.constantFrom(...POLLUTION)).map(([o, p]) => {
      const inner = JSON.stringify(o).slice(1, -1)
      return { text: `{${p}${inner === '' ? '' : `,${inner}`}}`, json: true }
    }) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...(route.body.length > 0 ? route.body : ['x'])), value, value).map(([f, v1, v2]) => ({ text: `{"${f}":${JSON.stringify(v1) ?? 'null'},"${f}":${JSON.stringify(v2) ?? 'null'}}`, json: true })) },
    { weight: 1, arbitrary: fc.integer({ min: 4000, max: 70_000 }).map((n) => ({ text: `{"${route.body[0] ?? 'x'}":"${'x'.repeat(n)}"}`, json: true })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => ({ text: `${'['.repeat(n)}${']'.repeat(n)}`, json: true })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ text: s, json: false })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ text: Buffer.from(b), json: false })) },
    { weight: 2, arbitrary: fc.array(fc.tuple(fc.constantFrom(...route.body, '__proto__[polluted]', 'constructor[prototype][polluted]', 'a'), text), { maxLength: 5 }).map((pairs) => {
      const p = new URLSearchParams()
      for (const [k, v] of pairs) p.append(k, v)
      return { text: p.toString(), json: false }
    }) },
    { weight: 1, arbitrary: fc.constant({ text: undefined, json: false }) },
    { weight: 1, arbitrary: fc.constantFrom('null', '[]', '"x"', '1', 'true', '{}', '{"a":', '\uFEFF{}').map((s) => ({ text: s, json: true })) },
  )
  const cookie = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(...real.sessions.map((s) => `__Host-sid=${s}`)) },
    { weight: 2, arbitrary: fc.constant(`__Host-mlflow=${real.binding}`) },
    { weight: 1, arbitrary: fc.constant(`__Host-sid=${real.sessions[0] ?? ''}; __Host-mlflow=${real.binding}`) },
    { weight: 3, arbitrary: fc.constantFrom(...MALFORMED_COOKIES) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('__Host-sid', '__Host-mlflow', 'sid', 'mlflow'), fc.string({ unit: 'grapheme', maxLength: 100 })).map(([n, v]) => `${n}=${v.replace(/[\r\n]/g, '')}`) },
  )
  const query = (route: Route): fc.Arbitrary<string> => fc.oneof(
    fc.constant(''),
    text.map((v) => `?${route.query ?? 'q'}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, ''))}`),
    fc.constantFrom(`?token=${real.token}`, `?token=${real.token}&token=${real.token}`, '?token[]=a', '?token=a;b', '?token=%zz', '?token=%E0%A4%A', '?wait=99', '?wait=-1', '?wait=1e9',
      `?token=${real.token}&utm_source=x`, '?__proto__[polluted]=1', '?constructor[prototype][polluted]=1', `?token=${'a'.repeat(10_000)}`, `?mlflow=${real.binding}`, '?a=1&a=2&a=3'),
  )
  // Mostly no Origin / Fetch Metadata (as a non-browser client), so most requests get past the
  // origin check into parsing and the handlers.
  const absent = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb })
  const headers = fc.record({
    origin: absent(fc.constantFrom(ORIGIN, 'null', 'https://evil.example', '')),
    site: absent(fc.constantFrom('same-origin', 'cross-site', 'none', 'same-site')),
    ua: fc.option(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), { nil: undefined }),
    xff: fc.option(fc.constantFrom('1.2.3.4', 'junk', '::1, 10.0.0.1', ''), { nil: undefined }),
  }).map((h) => {
    const out: Record<string, string> = {}
    if (h.origin !== undefined) out.origin = h.origin
    if (h.site !== undefined) out['sec-fetch-site'] = h.site
    if (h.ua !== undefined) out['user-agent'] = h.ua
    if (h.xff !== undefined) out['x-forwarded-for'] = h.xff
    return out
  })
  const request = (route: Route): fc.Arbitrary<FuzzRequest> => fc.record({
    method: fc.oneof({ weight: 4, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    id: text,
    query: query(route),
    contentType: fc.constantFrom(...CONTENT_TYPES),
    body: body(route),
    cookie,
    headers,
  }).map((r) => {
    const path = route.path.replace(':id', encodeURIComponent(r.id.replace(/[\uD800-\uDFFF]/g, '')) || real.sessionId)
    const hasBody = r.method !== 'GET' && r.method !== 'HEAD' && r.body.text !== undefined
    return {
      method: r.method,
      url: `${path}${r.query}`,
      contentType: hasBody ? (r.contentType ?? (r.body.json ? 'application/json' : undefined)) : undefined,
      body: hasBody ? r.body.text : undefined,
      cookie: r.cookie,
      headers: r.headers,
    }
  })
  return { request }
}

interface Probe { polluted?: unknown }

async function fire (a: SecApp, r: FuzzRequest): Promise<{ statusCode: number, body: string }> {
  const headers: Record<string, string> = { ...r.headers }
  if (r.contentType !== undefined) headers['content-type'] = r.contentType
  if (r.cookie !== undefined) headers.cookie = r.cookie
  return await a.app.inject({ method: r.method, url: r.url, headers, ...(r.body === undefined ? {} : { payload: r.body }) })
}

function describe (r: FuzzRequest): string {
  return `${r.method} ${label(r.url, 80)} type=${label(r.contentType ?? null)} cookie=${label(r.cookie ?? null, 40)} body=${label(typeof r.body === 'string' ? r.body : r.body?.toString('hex') ?? null, 120)}`
}

let requests = 0

async function setup (rateLimit: boolean): Promise<Context> {
  const a = await buildApp(rateLimit ? {} : { rateLimit: false })
  const sessions: string[] = []
  for (let i = 0; i < 4; i++) {
    a.clock.advance(61_000)
    sessions.push((await signIn(a)).get('__Host-sid') ?? '')
  }
  const me = await a.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: `__Host-sid=${sessions[0] ?? ''}` } })
  a.clock.advance(61_000)
  const laptop = new Jar()
  const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).json() as { matchCode: string }
  const token = await tokenFor(a, 'known@example.com', 5)
  const otp = a.outbox.filter((m) => m.ctx !== null).at(-1)?.ctx?.otp ?? ''
  return { a, real: { token, binding: laptop.get('__Host-mlflow') ?? '', sessions, sessionId: (me.json() as { session: { id: string } }).session.id, otp, matchCode } }
}

t.test(`every route, ${RUNS} generated requests each: no 5xx, no stack trace, no pollution`, async (t) => {
  const ctx = await setup(false)
  t.teardown(() => ctx.a.app.close())
  const { request } = arbitraries(ctx)
  const statuses = new Map<number, number>()
  for (const [i, route] of ROUTES.entries()) {
    const details = await fc.check(fc.asyncProperty(request(route), async (r) => {
      const res = await fire(ctx.a, r)
      requests++
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      const leak = leaksInternals(res)
      if (leak !== null) throw new Error(`${leak} for ${describe(r)}`)
      if (({} as Probe).polluted !== undefined) throw new Error(`Object.prototype polluted by ${describe(r)}`)
    }), { seed: SEED + i, numRuns: RUNS })
    t.notOk(details.failed, `${route.method} ${route.path}: ${details.numRuns} runs`, details.failed ? { diagnostic: true, error: String(details.errorInstance), counterexample: details.counterexample === null ? null : describe(details.counterexample[0]) } : {})
  }
  t.equal(({} as Probe).polluted, undefined, '({}).polluted is undefined after everything')
  t.comment(`status codes seen: ${JSON.stringify(Object.fromEntries([...statuses].sort((x, y) => x[0] - y[0])))}`)
})

t.test('an array or object where a string is expected is a 400, on every field of every route', async (t) => {
  const ctx = await setup(false)
  t.teardown(() => ctx.a.app.close())
  const valid: Record<string, string> = { email: 'known@example.com', redirectTo: '/', token: ctx.real.token, code: '123456' }
  const wrong = fc.oneof(
    fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constant('known@example.com')), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    fc.constantFrom<unknown>(null, 0, 123456, -1, 1.5, true, false, { $ne: null }, { $gt: '' }, [valid.email], [ctx.real.token]),
  )
  for (const route of ROUTES.filter((r) => r.body.length > 0)) {
    for (const field of route.body) {
      const details = await fc.check(fc.asyncProperty(wrong, fc.boolean(), async (v, withCookie) => {
        const body: Record<string, unknown> = {}
        for (const f of route.body) if (f !== 'email' || route.path !== '/auth/verify') body[f] = valid[f]
        body[field] = v
        const res = await ctx.a.app.inject({
          method: 'POST',
          url: route.path,
          payload: JSON.stringify(body),
          headers: { 'content-type': 'application/json', ...(withCookie ? { cookie: `__Host-mlflow=${ctx.real.binding}; __Host-sid=${ctx.real.sessions[1] ?? ''}` } : {}) },
        })
        requests++
        if (res.statusCode !== 400) throw new Error(`${route.path} ${field}=${label(v)}: ${res.statusCode} ${res.body.slice(0, 120)}`)
      }), { seed: SEED, numRuns: 25 })
      t.notOk(details.failed, `${route.path} ${field}: ${details.numRuns} wrong-typed values, all 400`, details.failed ? { error: String(details.errorInstance) } : {})
    }
  }
})

t.test('with the per-IP limiter on: the same properties hold on the limited routes', async (t) => {
  const ctx = await setup(true)
  t.teardown(() => ctx.a.app.close())
  const { request } = arbitraries(ctx)
  for (const [i, route] of ROUTES.filter((r) => r.method === 'POST' && r.path !== '/auth/logout' && r.path !== '/auth/logout-all').entries()) {
    const details = await fc.check(fc.asyncProperty(request(route), async (r) => {
      const res = await fire(ctx.a, r)
      requests++
      const leak = leaksInternals(res)
      if (leak !== null) throw new Error(`${leak} for ${describe(r)}`)
    }), { seed: SEED + 100 + i, numRuns: 30 })
    t.notOk(details.failed, `${route.path}: ${details.numRuns} runs`, details.failed ? { error: String(details.errorInstance) } : {})
  }
})

t.test('fixed HTTP-level cases over a real socket: HTTP/1.0 without Host, 16 KB headers, 200 × 8 KB cookies, bad bytes', async (t) => {
  const ctx = await setup(false)
  t.teardown(() => ctx.a.app.close())
  const port = await listen(ctx.a.app)
  const big = Array.from({ length: 200 }, (_, i) => `c${i}=${'v'.repeat(8192)}`).join('; ')
  const json = '{"email":"known@example.com"}'
  const cases: Array<[string, string | Buffer]> = [
    ['HTTP/1.0 without Host', `POST /auth/request HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`],
    ['HTTP/1.0 GET /verify without Host', 'GET /auth/verify?token=x HTTP/1.0\r\n\r\n'],
    ['16 KB User-Agent', `GET /auth/session HTTP/1.1\r\nhost: app.example.com\r\nuser-agent: ${'u'.repeat(16_384)}\r\nconnection: close\r\n\r\n`],
    ['16 KB cookie value', `GET /auth/session HTTP/1.1\r\nhost: app.example.com\r\ncookie: __Host-sid=${'s'.repeat(16_384)}\r\nconnection: close\r\n\r\n`],
    ['200 cookies of 8 KB', `GET /auth/session HTTP/1.1\r\nhost: app.example.com\r\ncookie: ${big}\r\nconnection: close\r\n\r\n`],
    ['invalid UTF-8 in the path', Buffer.concat([Buffer.from('GET /auth/verify?token=\xC3\x28\xFF HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n', 'latin1')])],
    ['invalid UTF-8 in a header', Buffer.concat([Buffer.from('GET /auth/session HTTP/1.1\r\nhost: a\r\ncookie: __Host-sid='), Buffer.from([0xC3, 0x28, 0xFF]), Buffer.from('\r\nconnection: close\r\n\r\n')])],
    ['BOM body', Buffer.concat([Buffer.from(`POST /auth/request HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ncontent-length: ${json.length + 3}\r\nconnection: close\r\n\r\n`), Buffer.from([0xEF, 0xBB, 0xBF]), Buffer.from(json)])],
    ['content-length larger than the body', `POST /auth/request HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n${json}`],
    ['chunked 5 KB', `POST /auth/request HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n1400\r\n${'{'.repeat(5120)}\r\n0\r\n\r\n`],
    ['absolute-form target', `GET http://evil.example/auth/session HTTP/1.1\r\nhost: evil.example\r\nconnection: close\r\n\r\n`],
    ['path traversal', 'GET /auth/../auth/session HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n'],
  ]
  for (const [name, raw] of cases) {
    const res = await rawHttp(port, raw, name.startsWith('content-length') ? 300 : 1500)
    requests++
    t.ok(res.status === 0 || res.status < 500, `${name}: ${res.status === 0 ? 'connection closed / timed out' : res.status}`)
    t.equal(leaksInternals({ statusCode: res.status === 0 ? 400 : res.status, body: res.body }), null, `${name}: no internals`)
  }
  t.equal(({} as Probe).polluted, undefined)
})

t.test('200 cookies of 8 KB each through inject (an app that raised maxHeaderSize): every route answers < 500', async (t) => {
  const ctx = await setup(false)
  t.teardown(() => ctx.a.app.close())
  const cookie = [...Array.from({ length: 200 }, (_, i) => `c${i}=${'v'.repeat(8192)}`), `__Host-sid=${ctx.real.sessions[2] ?? ''}`, `__Host-mlflow=${ctx.real.binding}`].join('; ')
  for (const route of ROUTES) {
    const res = await ctx.a.app.inject({ method: route.method, url: route.path.replace(':id', ctx.real.sessionId), headers: { cookie, ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(route.method === 'POST' ? { payload: '{}' } : {}) })
    requests++
    t.equal(leaksInternals(res), null, `${route.method} ${route.path}: ${res.statusCode}`)
  }
})

t.test('request count', async (t) => {
  t.comment(`fuzz: ${requests} requests in total (seed ${SEED})`)
  t.ok(requests > ROUTES.length * RUNS)
})
