// T20: poll abuse and poll semantics (RFC 8628 §3.5 over a cookie): interval 5 s, slow_down adds
// 5 s for the flow, pending / access_denied / expired_token, the session at most once, no poll
// secret in a URL, another flow's secret claims nothing, every answer no-store.
import t from 'tap'
import { Jar, send } from '../helpers/app.js'
import { buildApp, liveCookie, tokenFor } from './lib.js'

t.test('two polls within 1 s: slow_down with interval 10; after 10 s: pending; after the TTL: expired_token', async (t) => {
  const a = await buildApp({ linkTtl: '2m' })
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const poll = async (): Promise<{ status: number, body: unknown, cache: unknown }> => {
    const res = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
    return { status: res.statusCode, body: res.json(), cache: res.headers['cache-control'] }
  }
  t.same(await poll(), { status: 202, body: { status: 'pending', interval: 5 }, cache: 'no-store' })
  a.clock.advance(900)
  t.same(await poll(), { status: 400, body: { error: 'slow_down', error_description: 'Polling too fast', interval: 10 }, cache: 'no-store' })
  a.clock.advance(10_000)
  t.same(await poll(), { status: 202, body: { status: 'pending', interval: 10 }, cache: 'no-store' }, 'the raised interval sticks to the flow')
  a.clock.advance(6_000)
  t.match(await poll(), { status: 400, body: { error: 'slow_down', interval: 15 } }, '+5 s again for polling inside the new interval')
  a.clock.advance(2 * 60_000)
  t.same(await poll(), { status: 410, body: { error: 'expired_token', error_description: 'This sign-in has expired or was replaced by a newer one' }, cache: 'no-store' })
  t.ok(laptop.get('__Host-mlflow'), 'the binding cookie is left to expire: a stale tab\'s answer must not delete a newer flow\'s cookie')
})

t.test('5 wrong codes: access_denied; approved: the session exactly once, then expired_token', async (t) => {
  const a = await buildApp({ rateLimit: false })
  t.teardown(() => a.app.close())
  const denied = new Jar()
  const { matchCode } = (await send(a.app, denied, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).json() as { matchCode: string }
  const token = await tokenFor(a, 'known@example.com')
  for (const code of ['BBB-BBB', 'CCC-CCC', 'DDD-DDD', 'FFF-FFF', 'GGG-GGG', 'HHH-HHH'].filter((c) => c !== matchCode).slice(0, 5)) {
    await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code } })
  }
  const d = await send(a.app, denied, { method: 'POST', url: '/auth/poll' })
  t.equal(d.statusCode, 403)
  t.match(d.json(), { error: 'access_denied' })
  t.equal(d.headers['cache-control'], 'no-store')

  a.clock.advance(61_000)
  const laptop = new Jar()
  const second = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })).json() as { matchCode: string }
  await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: await tokenFor(a, 'known@example.com', 2), code: second.matchCode } })
  const binding = laptop.get('__Host-mlflow') ?? ''
  const won = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
  t.equal(won.statusCode, 200)
  t.ok(liveCookie(won, '__Host-sid'))
  t.equal(won.headers['cache-control'], 'no-store')
  a.clock.advance(10_000)
  const again = await a.app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie: `__Host-mlflow=${binding}` } })
  t.equal(again.statusCode, 410, 'the spent poll secret gets expired_token')
  t.equal(liveCookie(again, '__Host-sid'), undefined, 'and no second session')
})

t.test("A's poll secret cannot claim B's flow, in any combination", async (t) => {
  const a = await buildApp({ known: ['alice@example.com', 'bob@example.com'], rateLimit: false })
  t.teardown(() => a.app.close())
  const alice = new Jar()
  const bob = new Jar()
  await send(a.app, alice, { method: 'POST', url: '/auth/request', payload: { email: 'alice@example.com' } })
  const { matchCode } = (await send(a.app, bob, { method: 'POST', url: '/auth/request', payload: { email: 'bob@example.com' } })).json() as { matchCode: string }
  await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: await tokenFor(a, 'bob@example.com'), code: matchCode } })
  const [aFlow = '', aSecret = ''] = (alice.get('__Host-mlflow') ?? '').split('.')
  const [bFlow = '', bSecret = ''] = (bob.get('__Host-mlflow') ?? '').split('.')
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const last = B64.indexOf(bSecret.at(-1) ?? 'A')
  const forged = [
    `${bFlow}.${aSecret}`, `${aFlow}.${bSecret}`, `${bFlow}.${bSecret.slice(0, -1)}${B64[(last + 16) % 64] ?? 'A'}`, `${bFlow}.`, bFlow,
    // The last of 43 base64url characters carries 4 bits and 2 padding bits: flipping a padding
    // bit gives a different string that decodes to the same 32 bytes. It must not pass either.
    `${bFlow}.${bSecret.slice(0, -1)}${B64[last ^ 1] ?? 'A'}`,
  ]
  for (const value of forged) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/poll', headers: { cookie: `__Host-mlflow=${value}` } })
    t.not(res.statusCode, 200, `${value.slice(0, 12)}…${value.slice(-6)}: no claim`)
    t.equal(liveCookie(res, '__Host-sid'), undefined)
  }
  const real = await send(a.app, bob, { method: 'POST', url: '/auth/poll' })
  t.equal(real.statusCode, 200, "B's own poller still claims its approved flow")
  t.match((await send(a.app, bob, { method: 'GET', url: '/auth/session' })).json(), { user: { id: 'u2' } })
})

t.test('the poll secret is never taken from a URL or a body; GET /poll does not exist', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const laptop = new Jar()
  await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const binding = laptop.get('__Host-mlflow') ?? ''
  for (const url of [`/auth/poll?mlflow=${binding}`, `/auth/poll?__Host-mlflow=${binding}`, `/auth/poll?device_code=${binding}`, `/auth/poll?wait=5&secret=${binding}`]) {
    t.equal((await a.app.inject({ method: 'POST', url })).statusCode, 400, url.slice(0, 30))
  }
  for (const payload of [{ device_code: binding }, { mlflow: binding }]) {
    t.equal((await a.app.inject({ method: 'POST', url: '/auth/poll', payload })).statusCode, 400, Object.keys(payload)[0] ?? '')
  }
  t.equal((await a.app.inject({ method: 'GET', url: `/auth/poll?mlflow=${binding}` })).statusCode, 404)
  // `wait` is at most two digits (and clamped to 30 s): nothing can hold a poll open longer.
  for (const wait of ['100', '-1', '1e3', '0x10', '1.5', ' 5']) {
    t.equal((await send(a.app, laptop, { method: 'POST', url: `/auth/poll?wait=${encodeURIComponent(wait)}` })).statusCode, 400, `wait=${wait}`)
  }
})
