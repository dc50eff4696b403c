// T16: JWT misuse. The session cookie is an HS256 JWT; every variant of the fuzz list (tampered,
// alg none, other algorithms, key confusion, embedded or remote keys, bad claims, malformed
// encodings, huge tokens) gets 401 with one and the same error body, on every route, never a 500;
// public routes just see no session.
import t from 'tap'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWTHeaderParameters } from 'jose'
import { signIn } from '../helpers/login.js'
import { buildApp, leaksInternals, ORIGIN, SECRET } from './lib.js'

const TYP = 'ml-session+jwt'
const AUD = 'fastify-magic-link:session'
const KID = createHash('sha256').update(SECRET).digest('base64url').slice(0, 8)
const enc = (v: unknown): string => base64url.encode(JSON.stringify(v))

interface Forge { header?: Partial<JWTHeaderParameters> & Record<string, unknown>, claims?: Record<string, unknown>, key?: Uint8Array | CryptoKey | import('node:crypto').KeyObject, drop?: string[] }

async function forge (o: Forge = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const claims: Record<string, unknown> = { sid: 'x'.repeat(43), sub: 'u1', dat: {}, cat: Date.now(), sxp: Date.now() + 86_400_000, iss: ORIGIN, aud: AUD, exp: now + 300, ...o.claims }
  for (const k of o.drop ?? []) delete claims[k]
  const header = { alg: 'HS256', typ: TYP, kid: KID, ...o.header } as JWTHeaderParameters
  return await new SignJWT(claims).setProtectedHeader(header).sign(o.key ?? new TextEncoder().encode(SECRET))
}

/** A token with a hand-written header and payload, signed HS256 with `key` over the exact bytes. */
async function raw (header: string, payload: string, key: string): Promise<string> {
  const { createHmac } = await import('node:crypto')
  const input = `${base64url.encode(header)}.${base64url.encode(payload)}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}

t.test('every forged, tampered or malformed session token: 401, one error body, never 500', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const good = jar.get('__Host-sid') ?? ''
  const [h = '', p = '', s = ''] = good.split('.')
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const ed = await generateKeyPair('EdDSA', { extractable: true })
  const es = await generateKeyPair('ES256', { extractable: true })
  const attackerJwk = await exportJWK(ed.publicKey)
  const attackerKey = 'attacker-chosen-hmac-key-0123456789abcdef'
  const attackerHs = new TextEncoder().encode(attackerKey)
  const claimsJson = JSON.stringify(payload)
  const now = Math.floor(Date.now() / 1000)
  const none = (hdr: Record<string, unknown>, claims: Record<string, unknown>): string => `${enc(hdr)}.${enc(claims)}`

  const variants: Record<string, string> = {
    'tampered payload (sub)': `${h}.${enc({ ...payload, sub: 'admin' })}.${s}`,
    'tampered payload (dat role)': `${h}.${enc({ ...payload, dat: { role: 'admin' } })}.${s}`,
    'tampered signature': `${h}.${p}.${s.slice(0, -4)}AAAA`,
    'signature removed': `${h}.${p}.`,
    'alg none, trailing dot': `${none({ alg: 'none', typ: TYP, kid: KID }, payload)}.`,
    'alg none, no trailing dot': none({ alg: 'none', typ: TYP, kid: KID }, payload),
    'alg None (case)': `${none({ alg: 'None', typ: TYP, kid: KID }, payload)}.`,
    'alg none with the real signature': `${enc({ alg: 'none', typ: TYP, kid: KID })}.${p}.${s}`,
    'HS256 signed with an RSA public key (key confusion)': await forge({ key: new TextEncoder().encode(rsaPublicPem) }),
    'HS256 signed with the kid': await forge({ key: new TextEncoder().encode(KID.padEnd(32, KID)) }),
    'HS256 signed with an empty-ish key': await raw(JSON.stringify({ alg: 'HS256', typ: TYP, kid: KID }), claimsJson, ''),
    'HS384 with the real secret': await forge({ header: { alg: 'HS384' } }),
    'HS512 with the real secret': await forge({ header: { alg: 'HS512' } }),
    'RS256 with an attacker key': await forge({ header: { alg: 'RS256' }, key: rsa.privateKey }),
    'ES256 with an attacker key': await forge({ header: { alg: 'ES256' }, key: es.privateKey }),
    'EdDSA with an embedded jwk': await forge({ header: { alg: 'EdDSA', jwk: attackerJwk }, key: ed.privateKey }),
    'HS256, attacker key, embedded oct jwk': await raw(JSON.stringify({ alg: 'HS256', typ: TYP, jwk: { kty: 'oct', k: base64url.encode(attackerHs) } }), claimsJson, attackerKey),
    'HS256, attacker key, jku': await forge({ header: { jku: 'https://evil.example/jwks.json', kid: 'evil' }, key: attackerHs }),
    'HS256, attacker key, x5u': await forge({ header: { x5u: 'https://evil.example/cert.pem' }, key: attackerHs }),
    'kid path traversal': await forge({ header: { kid: '../../dev/null' }, key: new Uint8Array(32) }),
    'kid SQL-ish': await forge({ header: { kid: "' OR '1'='1" }, key: attackerHs }),
    'kid missing (real secret)': await raw(JSON.stringify({ alg: 'HS256', typ: TYP }), claimsJson, SECRET),
    'unknown crit header (real secret)': await raw(JSON.stringify({ alg: 'HS256', typ: TYP, kid: KID, crit: ['x-unknown'], 'x-unknown': 1 }), claimsJson, SECRET),
    'b64 false (real secret)': await raw(JSON.stringify({ alg: 'HS256', typ: TYP, kid: KID, b64: false, crit: ['b64'] }), claimsJson, SECRET),
    'exp in the past, no store record': await forge({ claims: { exp: now - 10 } }),
    'exp missing': await forge({ drop: ['exp'] }),
    'exp as a string': await forge({ claims: { exp: String(now + 300) } }),
    'nbf in the future, no store record': await forge({ claims: { nbf: now + 3600, exp: now - 1 } }),
    'wrong iss': await forge({ claims: { iss: 'https://evil.example' } }),
    'iss missing': await forge({ drop: ['iss'] }),
    'wrong aud': await forge({ claims: { aud: 'other' } }),
    'aud array with ours and another': await forge({ claims: { aud: [AUD, 'other'] } }),
    'wrong typ': await forge({ header: { typ: 'JWT' } }),
    'refresh-typed token': await forge({ header: { typ: 'ml-refresh+jwt' } }),
    'typ missing': await raw(JSON.stringify({ alg: 'HS256', kid: KID }), claimsJson, SECRET),
    'sid missing': await forge({ drop: ['sid'] }),
    'sid not a string': await forge({ claims: { sid: 42 } }),
    'dat null': await forge({ claims: { dat: null } }),
    'duplicate claims (sub twice)': await raw(JSON.stringify({ alg: 'HS256', typ: TYP, kid: KID }), claimsJson.replace('{', '{"sub":"admin",'), 'not-the-secret-0123456789abcdefghijkl'),
    'two segments': `${h}.${p}`,
    'four segments': `${good}.${s}`,
    'one segment': h,
    'bad base64url': `${h}.%%%.${s}`,
    'base64 with padding': `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64')}.${s}`,
    'header not JSON': `${base64url.encode('not json')}.${p}.${s}`,
    'payload not JSON': `${h}.${base64url.encode('[1,2')}.${s}`,
    'payload an array': `${h}.${enc([1, 2])}.${s}`,
    '100 KB token': `${h}.${base64url.encode('x'.repeat(100_000))}.${s}`,
    'empty': '',
  }
  const bodies = new Set<string>()
  const problems: string[] = []
  for (const [name, token] of Object.entries(variants)) {
    for (const url of ['/me', '/auth/session', '/auth/sessions']) {
      const res = await a.app.inject({ method: 'GET', url, headers: { cookie: `__Host-sid=${token}` } })
      if (res.statusCode !== 401) problems.push(`${name} on ${url}: ${res.statusCode}`)
      const leak = leaksInternals(res)
      if (leak !== null) problems.push(`${name} on ${url}: ${leak}`)
      bodies.add(res.body)
    }
    const logout = await a.app.inject({ method: 'POST', url: '/auth/logout', payload: {}, headers: { cookie: `__Host-sid=${token}` } })
    if (logout.statusCode !== 401) problems.push(`${name} on POST /auth/logout: ${logout.statusCode}`)
    bodies.add(logout.body)
  }
  t.same(problems, [], `${Object.keys(variants).length} variants × 4 routes: all 401`)
  t.same([...bodies], ['{"statusCode":401,"code":"FST_MAGIC_LINK_UNAUTHORIZED","error":"Unauthorized","message":"Authentication required"}'], 'one error detail for every variant')
  t.equal((await a.app.inject({ method: 'GET', url: '/me', headers: { cookie: `__Host-sid=${good}` } })).statusCode, 200, 'the genuine cookie still works')
})

t.test('public routes see no session for a forged cookie, and a forged cookie next to a real one does not win', async (t) => {
  const a = await buildApp()
  t.teardown(() => a.app.close())
  const jar = await signIn(a)
  const good = jar.get('__Host-sid') ?? ''
  const forged = await forge({ key: new TextEncoder().encode('not-the-secret-0123456789abcdefghijkl') })
  const both = await a.app.inject({ method: 'GET', url: '/auth/session', headers: { cookie: `__Host-sid=${forged}; __Host-sid=${good}` } })
  t.ok(both.statusCode === 401 || both.statusCode === 200, `duplicate cookie names: ${both.statusCode}, never a 500`)
  if (both.statusCode === 200) t.match(both.json(), { user: { id: 'u1' } }, 'if a session is seen, it is the genuine one')
  const page = await a.app.inject({ method: 'GET', url: '/auth/verify?token=x', headers: { cookie: `__Host-sid=${forged}` } })
  t.equal(page.statusCode, 410, 'a public route works as if there were no cookie')
})
