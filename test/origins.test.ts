import t from 'tap'
import { build, Jar, send, tokenOf } from './helpers/app.js'

const FRONT = 'https://front.example.net'

t.test('trustedOrigins: a front-end on another origin logs in; any other origin still gets 403', async (t) => {
  const a = await build({ trustedOrigins: [FRONT] })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const cross = { origin: FRONT, 'sec-fetch-site': 'cross-site' }
  const asked = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: cross })
  t.equal(asked.statusCode, 202, 'request from the trusted front-end')
  const link = (await a.mails(1))[0]?.ctx?.link as string
  const verify = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(link) }, headers: cross })
  t.equal(verify.statusCode, 200, 'verify from it')
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me', headers: { origin: FRONT } })).statusCode, 200)
  t.equal((await send(a.app, jar, { method: 'POST', url: '/auth/logout', payload: {}, headers: { origin: FRONT, 'sec-fetch-site': 'same-site' } })).statusCode, 204, 'same-site too')

  for (const origin of ['https://evil.example', 'https://front.example.net.evil.example', 'http://front.example.net', 'https://front.example.net:8443', 'null']) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { origin, 'sec-fetch-site': 'cross-site' } })
    t.same([res.statusCode, res.json().code], [403, 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN'], origin)
  }
  const noOrigin = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { 'sec-fetch-site': 'cross-site' } })
  t.equal(noOrigin.statusCode, 403, 'cross-site without an Origin is refused')
  const dev = await a.app.inject({ method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' }, headers: { origin: 'https://evil.example' } })
  t.match(dev.json().message, /https:\/\/front\.example\.net \(`trustedOrigins`\)/, 'outside production the 403 names them')
})

t.test('trustedOrigins are checked at boot: exact origins only', async (t) => {
  for (const bad of [['https://*.example.com'], ['https://front.example.net/'], ['https://front.example.net/app'], ['front.example.net'], ['http://front.example.net'], 'https://x.example' as unknown as string[], [42 as unknown as string]]) {
    await t.rejects(build({ trustedOrigins: bad }), { code: 'FST_MAGIC_LINK_OPTIONS', message: /`trustedOrigins`/ }, JSON.stringify(bad))
  }
  const ok = await build({ trustedOrigins: ['https://front.example.net', 'https://app.example.com:8443', 'http://localhost:5173'] })
  await ok.app.close()
})
