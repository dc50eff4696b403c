// `Fastify({ http2: true })` in cleartext (h2c), driven by node:http2: HTTP/2 has no Host header
// (`:authority` instead), lower-case header names only, no `connection` header and one response
// object per stream. The whole same-browser login, cookies carried by hand, must work over it.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type IncomingHttpStatusHeader, type OutgoingHttpHeaders } from 'node:http2'
import magicLink from '../../src/index.js'
import { CookieJar, formAction, options, outbox } from '../helpers/ecosystem.js'
import { ORIGIN } from '../helpers/app.js'
import { EVIL, PAGE_CSP } from '../fixtures/ecosystem/checks.js'

interface H2Response { status: number, headers: IncomingHttpHeaders & IncomingHttpStatusHeader, body: string }

/** One request on the session, bounded by a 5 s timeout. */
function h2 (client: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = client.request(headers, { endStream: body === undefined })
    stream.setTimeout(5000, () => { stream.close(constants.NGHTTP2_CANCEL); reject(new Error(`timeout: ${String(headers[':path'])}`)) })
    let responseHeaders: H2Response['headers'] = {}
    const chunks: Buffer[] = []
    stream.on('response', (h) => { responseHeaders = h })
    stream.on('data', (chunk: Buffer) => { chunks.push(chunk) })
    stream.on('end', () => { resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') }) })
    stream.on('error', reject)
    if (body !== undefined) stream.end(body)
  })
}

/** A browser's cookie jar, by hand: `set-cookie` in, `cookie` out. */
class Cookies extends CookieJar {
  take (res: H2Response): void {
    this.keep(res.headers['set-cookie'])
  }
}

async function start (t: Test, extra: Parameters<typeof options>[1] = {}): Promise<{ client: ClientHttp2Session, box: ReturnType<typeof outbox>, errors: number[] }> {
  const box = outbox()
  const app = Fastify({ http2: true })
  t.teardown(() => app.close())
  const errors: number[] = []
  app.addHook('onResponse', async (_request, reply) => { if (reply.statusCode >= 500) errors.push(reply.statusCode) })
  await app.register(magicLink, options(box, extra))
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session, httpVersion: request.raw.httpVersion }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const client = connect(`http://127.0.0.1:${port}`)
  client.on('error', () => {})
  // Before app.close(): a server with an open HTTP/2 session would wait for it.
  t.teardown(() => new Promise<void>((resolve) => { client.close(() => { resolve() }) }))
  return { client, box, errors }
}

t.test('h2c: request, mail, page, form post, /me', async (t) => {
  const { client, box, errors } = await start(t)
  const jar = new Cookies()
  const send = async (headers: OutgoingHttpHeaders, body?: string): Promise<H2Response> => {
    const res = await h2(client, { ...headers, ...(jar.values.size > 0 ? { cookie: jar.header() } : {}) }, body)
    jar.take(res)
    return res
  }

  const asked = await send({ ':method': 'POST', ':path': '/auth/request', 'content-type': 'application/json', origin: ORIGIN }, JSON.stringify({ email: 'known@example.com' }))
  t.equal(asked.status, 202, 'POST /auth/request: 202')
  t.match(JSON.parse(asked.body), { status: 'pending', matchCode: /^[A-Z]{3}-[A-Z]{3}$/ })
  t.ok(jar.values.get('__Host-mlflow'), 'the binding cookie')

  const link = new URL((await box.nth(0)).ctx?.link as string)
  t.equal(link.origin, ORIGIN, 'the link is built from the configured origin, not :authority')
  const page = await send({ ':method': 'GET', ':path': link.pathname + link.search })
  t.equal(page.status, 200, 'the page')
  t.equal(page.headers['content-security-policy'], PAGE_CSP, 'with the plugin\'s CSP')
  t.equal(page.headers['cache-control'], 'no-store')
  t.equal(page.headers['referrer-policy'], 'no-referrer')
  const action = formAction(page.body)
  t.equal(action, '/auth/verify', 'the page form posts to /auth/verify')

  // What a browser sends for the page's form: Origin null under no-referrer, Fetch Metadata same-origin.
  const token = link.searchParams.get('token') as string
  const verify = await send({ ':method': 'POST', ':path': action as string, 'content-type': 'application/x-www-form-urlencoded', origin: 'null', 'sec-fetch-site': 'same-origin' }, new URLSearchParams({ token }).toString())
  t.equal(verify.status, 303, 'the form post signs in with a 303')
  t.equal(verify.headers.location, '/')
  t.ok(jar.values.get('__Host-sid'), 'the session cookie')
  t.match(verify.headers['set-cookie']?.find((c) => c.startsWith('__Host-sid=')), /; Secure/i, 'Secure, for the https origin')

  const me = await send({ ':method': 'GET', ':path': '/me' })
  t.equal(me.status, 200, '/me over HTTP/2')
  t.match(JSON.parse(me.body), { session: { userId: 'u1' }, httpVersion: '2.0' })

  const session = await send({ ':method': 'GET', ':path': '/auth/session' })
  t.match(JSON.parse(session.body), { user: { id: 'u1' } }, 'GET /auth/session')
  const logout = await send({ ':method': 'POST', ':path': '/auth/logout', 'content-type': 'application/json', origin: ORIGIN }, '{}')
  t.equal(logout.status, 204, 'logout')
  t.equal(jar.values.get('__Host-sid'), undefined, 'clears the cookie')
  t.same(errors, [], 'no 5xx')
})

t.test('h2c: the plugin\'s checks hold', async (t) => {
  const { client, errors } = await start(t)
  const foreign = await h2(client, { ':method': 'POST', ':path': '/auth/request', 'content-type': 'application/json', origin: EVIL }, JSON.stringify({ email: 'known@example.com' }))
  t.equal(foreign.status, 403, 'a foreign Origin: 403')
  t.equal((JSON.parse(foreign.body) as { code: string }).code, 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN')
  const crossSite = await h2(client, { ':method': 'POST', ':path': '/auth/verify', 'content-type': 'application/x-www-form-urlencoded', origin: 'null', 'sec-fetch-site': 'cross-site' }, 'token=x')
  t.equal(crossSite.status, 403, 'a cross-site form post: 403')
  const text = await h2(client, { ':method': 'POST', ':path': '/auth/request', 'content-type': 'text/plain' }, JSON.stringify({ email: 'known@example.com' }))
  t.equal(text.status, 415, 'text/plain: 415')
  const big = await h2(client, { ':method': 'POST', ':path': '/auth/request', 'content-type': 'application/json' }, JSON.stringify({ email: 'known@example.com', pad: 'x'.repeat(8192) }))
  t.equal(big.status, 413, 'a body over 4 KiB: 413')
  const head = await h2(client, { ':method': 'HEAD', ':path': '/auth/verify?token=nope' })
  t.equal(head.status, 410, 'HEAD of an unknown link: 410')
  t.equal(head.body, '', 'without a body')
  t.same(errors, [], 'no 5xx')
})

t.test('h2c: a long-poll whose stream the client cancels claims nothing', async (t) => {
  // On HTTP/2 the connection outlives the stream: a cancelled poll is a reset stream on a live
  // socket, and the approval that lands afterwards must stay for the next poll.
  const clock = { now: Date.now() }
  const { client, box, errors } = await start(t, { now: () => clock.now })
  const asked = await h2(client, { ':method': 'POST', ':path': '/auth/request', 'content-type': 'application/json' }, JSON.stringify({ email: 'known@example.com' }))
  t.equal(asked.status, 202)
  const { matchCode } = JSON.parse(asked.body) as { matchCode: string }
  const binding = (asked.headers['set-cookie'] ?? []).map((c) => c.split(';')[0] as string).find((c) => c.startsWith('__Host-mlflow=')) as string
  const token = new URL((await box.nth(0)).ctx?.link as string).searchParams.get('token') as string

  const stream = client.request({ ':method': 'POST', ':path': '/auth/poll?wait=10', 'content-type': 'application/json', cookie: binding }, { endStream: false })
  stream.on('error', () => {})
  let answered = false
  stream.on('response', () => { answered = true })
  stream.end('{}')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.notOk(answered, 'the long-poll is waiting')
  stream.close(constants.NGHTTP2_CANCEL)
  await new Promise((resolve) => setTimeout(resolve, 100))

  const approve = await h2(client, { ':method': 'POST', ':path': '/auth/verify', 'content-type': 'application/json' }, JSON.stringify({ token, code: matchCode }))
  t.equal(approve.status, 200, 'approved from another device')
  await new Promise((resolve) => setTimeout(resolve, 200))

  clock.now += 6_000
  const poll = await h2(client, { ':method': 'POST', ':path': '/auth/poll', 'content-type': 'application/json', cookie: binding }, '{}')
  // A reset HTTP/2 stream reports `writableFinished` already true: the plugin must look at
  // `writableEnded` to see the poller went away, or the dead stream takes the approval.
  t.equal(poll.status, 200, 'the next poll gets the approval')
  t.match(JSON.parse(poll.body), { status: 'approved' }, 'approved')
  t.ok((poll.headers['set-cookie'] ?? []).some((c) => c.startsWith('__Host-sid=') && !c.startsWith('__Host-sid=;')), 'and the session')
  t.same(errors, [], 'no 5xx')
})
