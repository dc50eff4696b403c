// A session JWT signed with the app's key but not yet valid (`nbf` ahead, RFC 7519 §4.1.5), with
// an `iat` from the future or of the wrong type, or claiming to live far longer than accessTtl,
// used to pass as a session. The plugin's own tokens carry neither `nbf` nor `iat`.
import t from 'tap'
import { createHash } from 'node:crypto'
import { SignJWT } from 'jose'
import { build, ORIGIN, SECRET, type TestApp } from '../helpers/app.js'
import { signIn } from '../helpers/login.js'

const KID = createHash('sha256').update(SECRET).digest('base64url').slice(0, 8)

async function mint (a: TestApp, claims: Record<string, unknown>, sid = 'x'.repeat(43)): Promise<string> {
  const now = Math.floor(a.clock.now / 1000)
  return await new SignJWT({ sid, dat: {}, cat: a.clock.now, sxp: a.clock.now + 86_400_000, iss: ORIGIN, aud: 'fastify-magic-link:session', sub: 'u1', exp: now + 120, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'ml-session+jwt', kid: KID })
    .sign(new TextEncoder().encode(SECRET))
}

async function me (a: TestApp, token: string): Promise<number> {
  return (await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${token}` } })).statusCode
}

t.test('nbf and iat are checked', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const now = Math.floor(a.clock.now / 1000)
  t.equal(await me(a, await mint(a, {})), 200, 'baseline: a well-formed token signed with the key passes (the key is the trust)')
  t.equal(await me(a, await mint(a, { nbf: now + 3600 })), 401, 'nbf an hour ahead: refused')
  t.equal(await me(a, await mint(a, { nbf: now + 2 })), 401, 'nbf two seconds ahead: refused (no leeway)')
  t.equal(await me(a, await mint(a, { nbf: String(now - 10) })), 401, 'nbf not a number: refused')
  t.equal(await me(a, await mint(a, { nbf: now })), 200, 'nbf now: valid')
  t.equal(await me(a, await mint(a, { nbf: now - 60 })), 200, 'nbf past: valid')
  t.equal(await me(a, await mint(a, { iat: now + 3600 })), 401, 'iat an hour ahead: refused')
  t.equal(await me(a, await mint(a, { iat: 'yesterday' })), 401, 'iat not a number: refused')
  t.equal(await me(a, await mint(a, { iat: now + 30 })), 200, 'iat within a minute of skew: valid')
  t.equal(await me(a, await mint(a, { iat: now - 60 })), 200, 'iat past: valid')
})

t.test('a token whose exp lies beyond accessTtl is checked against the store', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const now = Math.floor(a.clock.now / 1000)
  t.equal(await me(a, await mint(a, { exp: now + 86_400 })), 401, 'a day-long token for a session the store does not know: refused')

  // A real session, re-minted with a far exp: it passes only through a store refresh, which
  // knows when the session was revoked.
  const jar = await signIn(a)
  const real = jar.get('__Host-sid') as string
  const claims = JSON.parse(Buffer.from(real.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>
  const far = await mint(a, { ...claims, exp: now + 86_400 }, claims.sid as string)
  t.equal(await me(a, far), 200, 'a live session: refreshed from the store')
  const logout = await a.app.inject({ method: 'POST', url: '/auth/logout', payload: {}, headers: { cookie: `__Host-sid=${real}` } })
  t.equal(logout.statusCode, 204)
  a.clock.advance(10 * 60_000) // past accessTtl + the in-memory revocation window of the old token
  t.equal(await me(a, far), 401, 'revoked: the far exp does not keep it alive')
})
