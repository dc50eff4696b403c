// T11: email header injection and address-parser confusion. Every address payload of the fuzz list
// gets the generic 202 or a 400, and then either no mail or exactly one message whose single
// envelope recipient is the normalized input; no Bcc/Cc, no user input in headers. Real SMTP sink
// through nodemailer.
import t from 'tap'
import { domainToASCII, domainToUnicode } from 'node:url'
import nodemailer from 'nodemailer'
import type { MailMessage } from '../../src/index.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js'
import { buildApp, label, sleep, until } from './lib.js'

let sink: SmtpSink
t.before(async () => { sink = await startSmtpSink() })
t.teardown(async () => { await sink.stop() })

const PAYLOADS: unknown[] = [
  // Form
  '', ' ', '\t', 'a'.repeat(243) + '@example.com', 'a'.repeat(255), 'a'.repeat(64) + '@' + 'b'.repeat(251) + '.io', 'x'.repeat(3000) + '@b.io',
  'a@b', 'a@b.com.', 'a@[127.0.0.1]', 'a@127.0.0.1', 'MiXeD.Case@ExAmPle.COM', '  spaced@example.com  ',
  // Unicode
  '用户@例子.广告', '用户@xn--fsqu00a.xn--55qx5d', 'user@еxample.com', 'us\u200Ber@example.com', 'user@exa\u200Bmple.com',
  'user\u202E@example.com', 'user@example.com\u202E', '\uFEFFuser@example.com', 'ü@bücher.de',
  // Injection and confusion
  'a@b.io\r\nBcc: e@evil.io', 'a@b.io\nBcc: e@evil.io', 'a@b.io\rCc: e@evil.io', 'a@b.io%0d%0aBcc: e@evil.io', 'a@b.io%0d%0a',
  'a@b.io,e@evil.io', 'a@b.io;e@evil.io', 'a@b.io e@evil.io', '<a@b.io>', 'Victim <a@b.io>', '"a@evil.io"@b.io',
  '"x@gmail.com x"@internal.test', '"f@psres.net> ORCPT=admin@admin.com"@test.com', 'user@good.com(x)evil.com',
  'attacker@evil.com\uFF20victim.com', 'attacker@evil.com\uFE6Bvictim.com', 'victim\uFF20example.com', 'a@b.io%00@evil.io', 'a@b.io\u0000@evil.io',
  'a@b.io\u0000', '-oQ/tmp/x@example.com', '=?utf-8?q?victim=40example.com?=@attacker.test', 'user%evil.io@b.io', 'evil!user@b.io',
  'a@b.io\u2028Bcc: e@evil.io', 'a@b.io\u0085Bcc: e@evil.io', '\uFF1Cvictim@example.com\uFF1E', 'victim@example.com\uFF0Ce@evil.io',
  // Types
  ['a@b.io'], ['a@b.io', 'c@d.io'], { $ne: null }, 1, true, null, { email: 'a@b.io' },
]

/** The one address a correct normalizer mails: trimmed (spaces only), NFKC, domain to lower-case punycode. */
function expectedRecipient (input: string): string {
  const s = input.replace(/^ +| +$/g, '').normalize('NFKC')
  const at = s.lastIndexOf('@')
  return `${s.slice(0, at)}@${domainToASCII(s.slice(at + 1))}`
}

/** The sink reports RCPT TO with the domain decoded to Unicode (smtp-server normalizes it). */
function unicodeForm (address: string): string {
  const at = address.lastIndexOf('@')
  return `${address.slice(0, at)}@${domainToUnicode(address.slice(at + 1))}`
}

t.test('every address payload: 202 or 400; then 0 mails or 1 mail to exactly the normalized address', async (t) => {
  const smtp = nodemailer.createTransport(sink.transportOptions)
  // What the plugin hands to nodemailer, before any transport or server rewrites it.
  const handed: MailMessage[] = []
  const a = await buildApp({
    rateLimit: false,
    mail: { transport: { sendMail: async (m: MailMessage) => { handed.push(m); return await smtp.sendMail(m) } }, from: 'Login <login@app.example.com>' },
    sendMail: undefined,
    // Everyone exists, so every accepted address is mailed.
    users: { find: (email) => ({ id: `id:${email}` }) },
  })
  t.teardown(() => a.app.close())
  const accepted: string[] = []
  const statuses = new Map<number, number>()
  for (const email of PAYLOADS) {
    const res = await a.app.inject({ method: 'POST', url: '/auth/request', payload: JSON.stringify({ email }), headers: { 'content-type': 'application/json' } })
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    const name = label(email)
    if (res.statusCode === 202) accepted.push(email as string)
    else t.ok(res.statusCode === 400 || (res.statusCode === 413 && typeof email === 'string' && email.length > 3000), `${name}: ${res.statusCode}`)
    if (res.statusCode === 400) t.equal(res.headers['set-cookie'], undefined, `${name}: no flow cookie on a 400`)
  }
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}; accepted: ${accepted.map((e) => label(e)).join(' ')}`)
  t.ok(await until(() => sink.messages.length >= accepted.length, 10_000), `${sink.messages.length} of ${accepted.length} mails arrived`)
  await sleep(300)
  t.equal(sink.messages.length, accepted.length, 'exactly one mail per accepted address, none for a refused one')

  const expected = accepted.map(expectedRecipient).sort()
  t.same(handed.map((m) => m.envelope.to.length), handed.map(() => 1), 'the plugin hands one envelope recipient per message')
  t.same(handed.map((m) => m.envelope.to[0]).sort(), expected, 'the normalized input, domain in punycode (IDN to ASCII)')
  t.same(handed.map((m) => m.to), handed.map((m) => m.envelope.to[0]), 'the To header is that same single address')
  const got = sink.messages.map((m) => m.envelope.to)
  t.ok(got.every((rcpt) => rcpt.length === 1), 'every message arrived with exactly one RCPT TO')
  t.same(got.map((r) => r[0]).sort(), expected.map(unicodeForm).sort(), 'each RCPT TO is the normalized input')
  for (const m of sink.messages) {
    const rcpt = m.envelope.to[0] ?? ''
    t.equal((rcpt.match(/@/g) ?? []).length, 1, `${label(rcpt)}: one @`)
    t.notMatch(rcpt, /[\s"<>,;:()\\[\]%!\u0000-\u001f\u007f\u200b\u202e\uff20\ufe6b]/, `${label(rcpt)}: no separator, quote, control or look-alike`)
    t.ok(Buffer.byteLength(rcpt) <= 254, `${label(rcpt)}: ≤ 254 octets`)
    const head = m.raw.slice(0, m.raw.indexOf('\r\n\r\n'))
    t.notMatch(head, /^(bcc|cc|resent-[a-z]+):/im, `${label(rcpt)}: no Bcc, Cc or Resent- header`)
    const to = m.parsed.to
    const addresses = (Array.isArray(to) ? to : to === undefined ? [] : [to]).flatMap((x) => x.value)
    t.same(addresses.map((x) => unicodeForm(x.address ?? '')), [rcpt], `${label(rcpt)}: the To header names the envelope recipient only`)
    t.notMatch(m.parsed.subject ?? '', /@|evil|victim/i, `${label(rcpt)}: no user input in the subject`)
  }
  t.ok(accepted.includes('MiXeD.Case@ExAmPle.COM') && accepted.includes('用户@例子.广告'), 'real addresses (mixed case, IDN) are not refused')
})
