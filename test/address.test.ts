import t from 'tap'
import fc from 'fast-check'
import { normalizeEmail } from '../src/mail/address.js'

type Test = Parameters<Parameters<typeof t.test>[0]>[0]

/** A domain of exactly `length` characters, made of valid labels of at most 63. */
function domainOfLength (length: number): string {
  let domain = 'io'
  while (domain.length < length) {
    const room = length - domain.length
    // never leave room for a single character, which would need an empty label
    const size = room === 65 ? 62 : Math.min(63, room - 1)
    domain = `${'d'.repeat(size)}.${domain}`
  }
  return domain
}

const accepts = (t: Test, input: unknown, email: string): void => {
  t.same(normalizeEmail(input), { ok: true, email }, `accepts ${JSON.stringify(input)}`)
}

const rejects = (t: Test, input: unknown, reason?: RegExp): void => {
  const result = normalizeEmail(input)
  t.equal(result.ok, false, `rejects ${JSON.stringify(input)}`)
  if (reason !== undefined && !result.ok) t.match(result.reason, reason)
}

t.test('T11 §3.1 form payloads', async (t) => {
  rejects(t, '', /empty/)
  rejects(t, '   ', /empty/)
  rejects(t, '\t', /control/)
  rejects(t, 'a'.repeat(64) + '@' + domainOfLength(190), /254 octets/)
  rejects(t, 'a'.repeat(64) + '@' + domainOfLength(255), /254|label/)
  rejects(t, 'a'.repeat(10_000) + '@b.io', /too long/)
  rejects(t, 'a@b', /dot/)
  rejects(t, 'a@localhost', /dot/)
  rejects(t, 'a@b.com.', /label/)
  rejects(t, 'a@[127.0.0.1]', /not allowed/)
  accepts(t, 'John.Doe@Example.COM', 'John.Doe@example.com')
})

t.test('254 octets is the limit, 255 is refused', async (t) => {
  const at254 = 'a'.repeat(64) + '@' + domainOfLength(189)
  t.equal(at254.length, 254)
  accepts(t, at254, at254)
  const at255 = 'a'.repeat(64) + '@' + domainOfLength(190)
  t.equal(at255.length, 255)
  rejects(t, at255, /254 octets/)
  const at320 = 'a'.repeat(64) + '@' + domainOfLength(255)
  t.equal(at320.length, 320)
  rejects(t, at320)
})

t.test('local part is at most 64 octets, counted in UTF-8', async (t) => {
  accepts(t, 'a'.repeat(64) + '@b.io', 'a'.repeat(64) + '@b.io')
  rejects(t, 'a'.repeat(65) + '@b.io', /64 octets/)
  accepts(t, 'é'.repeat(32) + '@b.io', 'é'.repeat(32) + '@b.io')
  rejects(t, 'é'.repeat(33) + '@b.io', /64 octets/)
})

t.test('T11 §3.1 Unicode payloads', async (t) => {
  accepts(t, '用户@例子.广告', '用户@xn--fsqu00a.xn--4rr70v')
  accepts(t, '用户@xn--fsqu00a.xn--4rr70v', '用户@xn--fsqu00a.xn--4rr70v')
  accepts(t, '用户@例子。广告', '用户@xn--fsqu00a.xn--4rr70v')
  // The Cyrillic "а" makes a different domain; punycode keeps it visibly different.
  accepts(t, 'admin@аpple.com', 'admin@xn--pple-43d.com')
  rejects(t, 'a\u200B@b.io', /invisible/)
  rejects(t, 'a@b\u200B.io', /invisible/)
  rejects(t, 'a@b.io\u202Emoc.live', /invisible/)
  rejects(t, '\u202Ea@b.io', /invisible/)
  rejects(t, '\uFEFFa@b.io', /invisible/)
  rejects(t, 'a\u3164@b.io', /invisible/)
  rejects(t, '\uD800a@b.io', /invisible/)
  rejects(t, 'a@xn--zz.io', /host name/)
})

t.test('NFKC is applied before the checks', async (t) => {
  accepts(t, 'ｊｏｈｎ@ＥＸＡＭＰＬＥ.com', 'john@example.com')
  accepts(t, 'a\u0301@b.io', '\u00E1@b.io')
  accepts(t, 'मनीषा@b.io', 'मनीषा@b.io')
  rejects(t, '\u0338a@b.io', /combining mark/)
  rejects(t, '＂a@evil.io＂@b.io', /not allowed/)
  rejects(t, 'a@b.io，e@evil.io', /not allowed/)
  rejects(t, '＜a@b.io＞', /not allowed/)
  rejects(t, 'a\u00A0b@b.io', /whitespace/)
  rejects(t, '\u3000a@b.io', /whitespace/)
  rejects(t, 'a∕b@c.io', /local part contains/)
  rejects(t, '€@b.io', /local part contains/)
})

t.test('T11 §3.1 injection and confusion payloads', async (t) => {
  rejects(t, 'a@b.io\r\nBcc: e@evil.io', /control/)
  rejects(t, 'a@b.io\nBcc: e@evil.io', /control/)
  rejects(t, 'a@b.io\u0000', /control/)
  rejects(t, 'a@b.io%0d%0aBcc:e@evil.io', /not allowed/)
  rejects(t, 'a@b.io,e@evil.io', /not allowed/)
  rejects(t, 'a@b.io;e@evil.io', /not allowed/)
  rejects(t, 'a@b.io e@evil.io', /whitespace/)
  rejects(t, '<a@b.io>', /not allowed/)
  rejects(t, 'user@good.com(x)evil.com', /not allowed/)
  rejects(t, 'a@b.io%00@evil.io', /not allowed/)
  rejects(t, 'user%evil.io@relay.io', /not allowed/)
  rejects(t, 'evil.io!user@relay.io', /not allowed/)
  rejects(t, 'a@evil.io@b.io', /exactly one @/)
  rejects(t, 'a.b.io', /exactly one @/)
  rejects(t, '@b.io', /local part and a domain/)
  rejects(t, 'a@', /local part and a domain/)
})

t.test('GHSA-mm7p-fcc7-pg87: quoted local parts are refused', async (t) => {
  rejects(t, '"a@evil.io"@b.io', /not allowed/)
  rejects(t, '"x@gmail.com x"@internal.test')
  rejects(t, '"f@psres.net> ORCPT=admin@admin.com"@test.com')
  rejects(t, '"<img src=x onerror=alert(1)>"@x.test')
})

t.test('GHSA-7rqj-j65f-68wh: look-alike at-signs are refused before NFKC', async (t) => {
  rejects(t, 'attacker@evil.com\uFF20victim.com', /look-alike/)
  rejects(t, 'attacker@evil.com\uFE6Bvictim.com', /look-alike/)
  // NFKC alone would turn these into a valid address the user never typed.
  rejects(t, 'victim\uFF20example.com', /look-alike/)
  rejects(t, 'victim\uFE6Bexample.com', /look-alike/)
})

t.test('U+FE6B and U+FF20 are the only code points NFKC maps to an @', async (t) => {
  const found: number[] = []
  for (let cp = 0x80; cp <= 0x10FFFF; cp++) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue
    if (String.fromCodePoint(cp).normalize('NFKC').includes('@')) found.push(cp)
  }
  t.same(found, [0xFE6B, 0xFF20])
})

t.test('CVE-2020-7769: no local part that reads as a sendmail flag', async (t) => {
  rejects(t, '-oQ/tmp/x@b.io', /hyphen/)
  accepts(t, 'a-b@b.io', 'a-b@b.io')
})

t.test('RFC 2047 encoded words in the local part are refused', async (t) => {
  rejects(t, '=?utf-8?q?victim=40example.com?=@attacker.test', /encoded word/)
  accepts(t, 'a=b?c@b.io', 'a=b?c@b.io')
})

t.test('the local part is a dot-atom', async (t) => {
  rejects(t, '.a@b.io', /dot/)
  rejects(t, 'a.@b.io', /dot/)
  rejects(t, 'a..b@b.io', /dot/)
  accepts(t, "o'brien+tag{1}|x~#$&*/=^_`@example.co.uk", "o'brien+tag{1}|x~#$&*/=^_`@example.co.uk")
})

t.test('the domain is a dotted LDH host name, not an address', async (t) => {
  rejects(t, 'a@.b.io', /label/)
  rejects(t, 'a@b..io', /label/)
  rejects(t, 'a@-b.io', /label/)
  rejects(t, 'a@b-.io', /label/)
  rejects(t, 'a@b_c.io', /label/)
  rejects(t, 'a@b*c.io', /label/)
  rejects(t, `a@${'x'.repeat(64)}.io`, /label/)
  accepts(t, `a@${'x'.repeat(63)}.io`, `a@${'x'.repeat(63)}.io`)
  accepts(t, 'a@b--c.io', 'a@b--c.io')
  rejects(t, 'a@127.0.0.1', /IP address/)
  rejects(t, 'a@0x7f.1', /IP address/)
  rejects(t, 'a@1.2.3', /IP address/)
  rejects(t, 'a@b.123', /host name/)
  rejects(t, 'a@b.0x10', /host name/)
  accepts(t, 'a@1.io', 'a@1.io')
  accepts(t, 'a@ß.de', 'a@xn--zca.de')
})

t.test('only spaces at the ends are trimmed', async (t) => {
  accepts(t, '  a@b.io ', 'a@b.io')
  rejects(t, '\ta@b.io', /control/)
  rejects(t, 'a@b.io\n', /control/)
  rejects(t, 'a @b.io', /whitespace/)
  rejects(t, ' '.repeat(3000) + 'a@b.io', /too long/)
})

t.test('T23 §3.1 type payloads are refused, not coerced', async (t) => {
  for (const input of [['a@b.io'], ['a@b.io', 'c@d.io'], { $ne: null }, 1, true, null, undefined]) {
    rejects(t, input, /string/)
  }
})

t.test('property: anything accepted is one safe, bounded, stable address', async (t) => {
  const SAFE = /^[^\p{C}\p{Z}\p{White_Space}\p{Default_Ignorable_Code_Point}"(),:;<>[\]\\%!]+$/u
  // Mostly well-formed parts with a one-in-ten chance of a hostile piece at any position, so
  // that both outcomes are common and the invariants are checked on many accepted addresses.
  const good = ['a', 'Z', '0', '.', '-', '_', '+', "'", '=', '?', 'é', '用', 'а', '\u0301', 'ｊ', 'x'.repeat(30)]
  const bad = [
    '@', '\uFF20', '\uFE6B', ' ', '\t', '\r\n', '\u0000', '\u00A0', '\u200B', '\u202E', '\uFEFF',
    '"', '<', '>', ',', ';', ':', '(', ')', '[', ']', '\\', '%', '!', '=?', '€', '\uD800', '\u3002',
  ]
  const piece = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) })
  const local = fc.array(piece, { minLength: 1, maxLength: 6 }).map((a) => a.join(''))
  const label = fc.oneof(
    { weight: 6, arbitrary: fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?$/) },
    { weight: 1, arbitrary: fc.constantFrom('例子', '广告', 'ＣＯＭ', 'xn--4rr70v', 'ß', '-a', '', '123', 'd'.repeat(70)) },
    { weight: 1, arbitrary: fc.array(piece, { maxLength: 3 }).map((a) => a.join('')) },
  )
  const dot = fc.constantFrom('.', '.', '.', '\u3002', '\uFF0E')
  const domain = fc.tuple(fc.array(fc.tuple(label, dot), { minLength: 1, maxLength: 4 }), fc.constantFrom('io', 'com', 'ＩＯ', '广告', '1'))
    .map(([parts, tld]) => parts.map(([l, d]) => l + d).join('') + tld)
  const shaped = fc.tuple(fc.constantFrom('', ' ', '  '), local, fc.constantFrom('@', '@', '@', '@@', ''), domain)
    .map((parts) => parts.join(''))
  const input = fc.oneof({ weight: 6, arbitrary: shaped }, fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ maxLength: 300 }))

  let accepted = 0
  fc.assert(fc.property(input, (s) => {
    const result = normalizeEmail(s)
    if (!result.ok) return true
    accepted++
    const { email } = result
    const at = email.indexOf('@')
    const local = email.slice(0, at)
    const domain = email.slice(at + 1)
    return at > 0 &&
      email.lastIndexOf('@') === at &&
      /^[a-z0-9.-]+$/.test(domain) && domain.includes('.') &&
      Buffer.byteLength(email) <= 254 &&
      Buffer.byteLength(local) <= 64 &&
      SAFE.test(email) &&
      email === email.normalize('NFKC') &&
      normalizeEmail(email).ok && (normalizeEmail(email) as { email: string }).email === email
  }), { seed: 0x5eed, numRuns: 5000 })
  t.ok(accepted > 500, `the property saw ${accepted} accepted addresses, not a vacuous run`)
})

t.test('property: never throws, whatever the input', async (t) => {
  fc.assert(fc.property(fc.anything(), (value) => {
    normalizeEmail(value)
  }), { seed: 0x5eed, numRuns: 1000 })
  t.pass()
})
