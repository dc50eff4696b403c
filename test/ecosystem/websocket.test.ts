// @fastify/websocket: an upgrade runs the app's hooks like any request, so `request.session` is
// there for the socket handler, and `requireSession` refuses an upgrade without a session with
// a plain 401 before any socket exists. Real listening server and the real `ws` client.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import { createRequire } from 'node:module'
import type { IncomingMessage } from 'node:http'
import magicLink from '../../src/index.js'
import { browserLogin, options, outbox } from '../helpers/ecosystem.js'
import { ORIGIN } from '../helpers/app.js'
import { loginSucceeded, watch5xx } from '../fixtures/ecosystem/checks.js'

// `ws` ships no types here (@types/ws is not installed): only what these tests use.
interface WsSocket {
  send (data: string): void
  close (code?: number): void
}
interface WsClient {
  on (event: 'message', listener: (data: Buffer) => void): this
  on (event: 'close', listener: (code: number) => void): this
  on (event: 'unexpected-response', listener: (request: unknown, response: IncomingMessage) => void): this
  on (event: 'error', listener: (error: Error) => void): this
  terminate (): void
}
type WsConstructor = new (url: string, options: { headers: Record<string, string>, handshakeTimeout: number }) => WsClient
const WebSocket = createRequire(import.meta.url)('ws') as WsConstructor

type Outcome = { message: unknown } | { refused: number } | { closed: number } | { error: string }

/** Connects, and settles on the first message, a refused upgrade, a close or an error (bounded). */
function connect (t: Test, url: string, cookie?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: cookie === undefined ? {} : { cookie }, handshakeTimeout: 5000 })
    t.teardown(() => { ws.terminate() })
    const timer = setTimeout(() => { ws.terminate(); resolve({ error: 'timeout' }) }, 5000)
    const done = (outcome: Outcome): void => { clearTimeout(timer); resolve(outcome) }
    ws.on('message', (data) => { done({ message: JSON.parse(data.toString()) as unknown }) })
    ws.on('unexpected-response', (_request, response) => { response.resume(); done({ refused: response.statusCode ?? 0 }) })
    ws.on('close', (code) => { done({ closed: code }) })
    ws.on('error', (error) => { done({ error: error.message }) })
  })
}

async function build (t: Test, order: 'websocket first' | 'plugin first', extra: Parameters<typeof options>[1] = {}): Promise<{ app: FastifyInstance, box: ReturnType<typeof outbox>, base: string, errors: ReturnType<typeof watch5xx> }> {
  const box = outbox()
  const app = Fastify()
  t.teardown(() => app.close())
  const errors = watch5xx(app)
  if (order === 'websocket first') {
    await app.register(websocket)
    await app.register(magicLink, options(box, extra))
  } else {
    await app.register(magicLink, options(box, extra))
    await app.register(websocket)
  }
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  // Anyone may connect; the handler reads the session of the upgrade request.
  app.get('/ws/whoami', { websocket: true }, (socket: WsSocket, request) => {
    socket.send(JSON.stringify({ userId: request.session?.userId ?? null }))
  })
  // Signed-in users only: refused before the upgrade.
  app.get('/ws/private', { websocket: true, preHandler: app.requireSession }, (socket: WsSocket, request) => {
    socket.send(JSON.stringify({ userId: request.session?.userId ?? null }))
  })
  app.get('/ws/early', { websocket: true, onRequest: app.requireSession }, (socket: WsSocket, request) => {
    socket.send(JSON.stringify({ userId: request.session?.userId ?? null }))
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { app, box, base: `ws://127.0.0.1:${port}`, errors }
}

for (const order of ['websocket first', 'plugin first'] as const) {
  t.test(`the upgrade carries the session (${order})`, async (t) => {
    const { app, box, base, errors } = await build(t, order)
    const login = await browserLogin(app, box)
    loginSucceeded(t, login)
    const cookie = login.jar.header()

    t.same(await connect(t, `${base}/ws/whoami`, cookie), { message: { userId: 'u1' } }, 'with the session cookie the socket gets the user id')
    t.same(await connect(t, `${base}/ws/private`, cookie), { message: { userId: 'u1' } }, 'and passes requireSession as a preHandler')
    t.same(await connect(t, `${base}/ws/early`, cookie), { message: { userId: 'u1' } }, 'and as an onRequest hook')
    t.same(await connect(t, `${base}/ws/whoami`), { message: { userId: null } }, 'without it the socket sees no session')
    t.same(await connect(t, `${base}/ws/private`), { refused: 401 }, 'and a requireSession route refuses the upgrade with 401')
    t.same(await connect(t, `${base}/ws/early`), { refused: 401 }, 'also from onRequest')
    t.same(await connect(t, `${base}/ws/private`, '__Host-sid=forged.not.ajwt'), { refused: 401 }, 'a forged cookie is refused')

    const logout = await app.inject({ method: 'POST', url: '/auth/logout', payload: {}, headers: { cookie, origin: ORIGIN } })
    t.equal(logout.statusCode, 204, 'logout')
    t.same(await connect(t, `${base}/ws/private`, cookie), { refused: 401 }, 'after logout the old cookie no longer upgrades')
    t.same(await connect(t, `${base}/ws/whoami`, cookie), { message: { userId: null } }, 'nor carries a session')
    t.same(errors, [], 'no 5xx')
  })
}

t.test('an upgrade after accessTtl refreshes the session from the store and still connects', async (t) => {
  // The refresh re-issues the cookie on a reply that an upgrade never sends: it must neither
  // fail the upgrade nor lose the session.
  const clock = { now: Date.now() }
  const { app, box, base, errors } = await build(t, 'websocket first', { now: () => clock.now })
  const login = await browserLogin(app, box)
  loginSucceeded(t, login)
  const cookie = login.jar.header()
  clock.now += 6 * 60_000
  t.same(await connect(t, `${base}/ws/private`, cookie), { message: { userId: 'u1' } }, 'the socket gets the user id')
  t.same(await connect(t, `${base}/ws/private`, cookie), { message: { userId: 'u1' } }, 'and again with the same (old) cookie')
  clock.now += 8 * 24 * 3_600_000
  t.same(await connect(t, `${base}/ws/private`, cookie), { refused: 401 }, 'past the idle lifetime the upgrade is refused')
  t.same(errors, [], 'no 5xx')
})
