// T8: Host-header poisoning of the emailed link. Links (and the Origin check) come from the
// configured `origin` only, never from Host, X-Forwarded-Host, Forwarded or an absolute-form
// request target, with Fastify's trustProxy off or on. Raw HTTP on loopback, so every header and
// the request line go out exactly as written.
import t from 'tap'
import Fastify from 'fastify'
import magicLink from '../../src/index.js'
import { buildApp, listen, ORIGIN, rawHttp, rawJsonPost, SECRET, until, urlsOf } from './lib.js'

interface Variant { name: string, target?: string, headers: Record<string, string> }

const VARIANTS: Variant[] = [
  { name: 'Host: evil.example', headers: { host: 'evil.example' } },
  { name: 'Host with a port', headers: { host: 'app.example.com:8080' } },
  { name: 'X-Forwarded-Host', headers: { 'x-forwarded-host': 'evil.example' } },
  { name: 'X-Forwarded-Host and Host', headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } },
  { name: 'X-Forwarded-Host list', headers: { 'x-forwarded-host': 'evil.example, app.example.com' } },
  { name: 'Forwarded: host=', headers: { forwarded: 'for=1.2.3.4;host=evil.example;proto=http' } },
  { name: 'X-Forwarded-Proto: http', headers: { 'x-forwarded-proto': 'http' } },
  { name: 'X-Forwarded-Port', headers: { 'x-forwarded-port': '8080' } },
  { name: 'X-Original-Host / X-Host / X-Forwarded-Server', headers: { 'x-original-host': 'evil.example', 'x-host': 'evil.example', 'x-forwarded-server': 'evil.example' } },
  { name: 'absolute-form target', target: 'http://evil.example/auth/request', headers: { host: 'evil.example' } },
  { name: 'absolute-form https target, other Host', target: 'https://evil.example/auth/request', headers: { host: 'app.example.com' } },
  { name: 'everything at once', target: 'http://evil.example:81/auth/request', headers: { host: 'evil.example:81', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'host=evil.example;proto=http' } },
]

for (const trustProxy of [false, true]) {
  t.test(`trustProxy ${String(trustProxy)}: every mailed link is on the configured https origin`, async (t) => {
    const a = await buildApp({ server: { trustProxy }, rateLimit: false })
    t.teardown(() => a.app.close())
    const port = await listen(a.app)
    let sent = 0
    for (const v of VARIANTS) {
      const res = await rawHttp(port, rawJsonPost(v.target ?? '/auth/request', { email: 'known@example.com' }, v.headers))
      t.equal(res.status, 202, v.name)
      sent++
    }
    t.ok(await until(() => a.outbox.length >= sent), `${a.outbox.length} mails`)
    const origins = new Set<string>()
    for (const m of a.outbox) {
      origins.add(new URL(m.ctx?.link ?? 'x:').origin)
      // Every URL in the mail bodies, not just the link the template was given.
      for (const u of [...(m.message.text.match(/https?:\/\/[^\s"'<>)]+/g) ?? []), ...urlsOf(m.message.html)]) origins.add(new URL(u, 'x://relative').origin)
    }
    origins.delete('null')
    t.same([...origins], [ORIGIN], 'links in mail text and HTML only ever use the configured origin')
  })
}

t.test('pages and notices use relative or configured URLs only; the Origin check ignores Host', async (t) => {
  const a = await buildApp({ server: { trustProxy: true } })
  t.teardown(() => a.app.close())
  const port = await listen(a.app)
  const poisoned = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }
  // Origin equal to the (poisoned) Host is still foreign: the check compares with `origin`.
  const same = await rawHttp(port, rawJsonPost('/auth/request', { email: 'known@example.com' }, { ...poisoned, origin: 'http://evil.example' }))
  t.equal(same.status, 403, 'Origin equal to the forwarded host is refused')
  const ok = await rawHttp(port, rawJsonPost('/auth/request', { email: 'known@example.com' }, { ...poisoned, origin: ORIGIN }))
  t.equal(ok.status, 202)
  t.ok(await until(() => a.outbox.length >= 1))
  const token = new URL(a.outbox[0]?.ctx?.link ?? 'x:').searchParams.get('token') ?? ''
  const page = await rawHttp(port, `GET /auth/verify?token=${token} HTTP/1.1\r\nhost: evil.example\r\nx-forwarded-host: evil.example\r\nconnection: close\r\n\r\n`)
  t.equal(page.status, 200)
  const absolute = urlsOf(page.body).filter((u) => /^[a-z][a-z0-9+.-]*:|^\/\//i.test(u))
  t.same(absolute, [], 'the interstitial has no absolute URL to poison')
  t.notMatch(page.body, /evil\.example/, 'nor any trace of the forwarded host')
})

t.test('no https origin, no start: http is refused in production and for non-local hosts', async (t) => {
  const register = async (origin: string): Promise<unknown> => {
    const app = Fastify()
    try {
      await app.register(magicLink, { origin, secret: SECRET, users: { find: () => null }, sendMail: async () => {} })
      await app.ready()
      return null
    } catch (error) {
      return error
    } finally {
      await app.close()
    }
  }
  t.match(await register('http://app.example.com'), { code: 'FST_MAGIC_LINK_OPTIONS' }, 'http on a public host')
  t.match(await register('https://app.example.com/path'), { code: 'FST_MAGIC_LINK_OPTIONS' }, 'an origin with a path')
  const env = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    t.match(await register('http://localhost:3000'), { code: 'FST_MAGIC_LINK_OPTIONS' }, 'http://localhost in production')
  } finally {
    if (env === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = env
  }
  t.equal(await register('https://app.example.com'), null)
})

