// T25: spoofed IP or Host through proxy headers. `trustProxy` is the app's Fastify setting, not
// the plugin's (README "Security", "What remains the app's job": "trustProxy configured to your
// proxies only"; Options: per-IP limits key on request.ip). Tested here is what the plugin
// controls: whatever trustProxy says, the mailed link's origin is the configured one, and the
// per-IP limiter keys on request.ip — the socket address with trustProxy off (X-Forwarded-For
// ignored), the forwarded client address only from a trusted proxy when it is on.
import t from 'tap'
import { buildApp, ORIGIN, until } from './lib.js'

const SPOOF = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'for=203.0.113.9;host=evil.example;proto=http' }

for (const trustProxy of [false, true, '127.0.0.1', '127.0.0.0/8'] as const) {
  t.test(`trustProxy ${JSON.stringify(trustProxy)}: the mailed link uses the configured origin`, async (t) => {
    const a = await buildApp({ server: { trustProxy }, rateLimit: false })
    t.teardown(() => a.app.close())
    for (let i = 0; i < 3; i++) {
      const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { ...SPOOF, 'x-forwarded-for': `198.51.100.${i}` } })
      t.equal(res.statusCode, 202)
    }
    t.ok(await until(() => a.outbox.length >= 3))
    t.same([...new Set(a.outbox.map((m) => new URL(m.ctx?.link ?? 'x:').origin))], [ORIGIN])
  })
}

t.test('trustProxy off: X-Forwarded-For is ignored, 20 spoofed addresses share the socket\'s budget', async (t) => {
  const a = await buildApp({ rateLimit: { ipMax: 5 } })
  t.teardown(() => a.app.close())
  const statuses: number[] = []
  for (let i = 0; i < 20; i++) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: `x${i}@example.com` }, headers: { 'x-forwarded-for': `198.51.100.${i}`, forwarded: `for=198.51.100.${i}`, 'x-real-ip': `198.51.100.${i}` }, remoteAddress: '192.0.2.10' })
    statuses.push(res.statusCode)
  }
  t.equal(statuses.filter((s) => s === 202).length, 5, 'five pass')
  t.equal(statuses.filter((s) => s === 429).length, 15, 'then 429, whatever the headers claim')
})

t.test('trustProxy for the proxy\'s address: the limiter keys on the forwarded client address (request.ip)', async (t) => {
  const a = await buildApp({ server: { trustProxy: '192.0.2.10' }, rateLimit: { ipMax: 2 } })
  t.teardown(() => a.app.close())
  const post = async (xff: string | undefined, remoteAddress = '192.0.2.10'): Promise<number> =>
    (await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff }, remoteAddress })).statusCode
  t.same([await post('203.0.113.1'), await post('203.0.113.1'), await post('203.0.113.1')], [202, 202, 429], 'one client behind the proxy: its own budget')
  t.same([await post('203.0.113.2'), await post('203.0.113.2')], [202, 202], 'another client behind the same proxy: a separate budget')
  // A client that prepends its own X-Forwarded-For entry does not escape: the trusted proxy
  // appends the real address, and Fastify reads the right-most untrusted hop.
  t.same([await post('10.9.9.9, 203.0.113.1'), await post('10.9.9.8, 203.0.113.1')], [429, 429], 'spoofed left-most entries are not the key')
  // An untrusted peer sending X-Forwarded-For is keyed on its socket address.
  t.same([await post('203.0.113.3', '198.51.100.77'), await post('203.0.113.4', '198.51.100.77'), await post('203.0.113.5', '198.51.100.77')], [202, 202, 429], 'an untrusted peer cannot pick its key')
})
