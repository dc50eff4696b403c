import t from 'tap'
import { build, Jar, send, tokenOf, type TestApp } from './helpers/app.js'

async function asked (a: TestApp, jar: Jar, email = 'known@example.com'): Promise<string> {
  const before = a.outbox.length
  await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })
  return tokenOf((await a.mails(before + 1))[before]?.ctx?.link as string)
}

const form = (token: string): { payload: string, headers: Record<string, string> } =>
  ({ payload: `token=${encodeURIComponent(token)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })

t.test('an expired link: the page offers "Send a new link", which starts a new flow in this browser', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const first = new Jar()
  const token = await asked(a, first)
  a.clock.advance(11 * 60_000)
  const page = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  t.equal(page.statusCode, 410)
  t.match(page.body, 'This link has expired')
  t.match(page.body, '<form method="post" action="/auth/resend">')
  t.match(page.body, '<button type="submit">Send a new link</button>')

  const later = new Jar()
  const res = await send(a.app, later, { method: 'POST', url: '/auth/resend', ...form(token) })
  t.equal(res.statusCode, 202)
  t.match(res.body, 'Check your email')
  t.match(res.body, '<strong>k•••@example.com</strong>', 'the address, masked')
  t.ok(later.get('__Host-mlflow'), 'this browser holds the new flow')
  const [, mail] = await a.mails(2)
  t.equal(mail?.message.to, 'known@example.com', 'a new mail to the link\'s address')
  const verify = await send(a.app, later, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link as string) } })
  t.equal(verify.statusCode, 200, 'its link signs in here, same browser')
})

t.test('a superseded link, in JSON: the same 202 as POST /request', async (t) => {
  const a = await build({ rateLimit: { emailInterval: 1000 } })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const old = await asked(a, jar)
  a.clock.advance(2000)
  await asked(a, jar)
  const page = await a.app.inject({ method: 'GET', url: `/auth/verify?token=${old}` })
  t.match(page.body, 'This link was replaced')
  t.match(page.body, 'action="/auth/resend"')
  a.clock.advance(2000)
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/resend', payload: { token: old } })
  t.equal(res.statusCode, 202)
  t.same(Object.keys(res.json()).sort(), ['expiresIn', 'interval', 'matchCode', 'status'])
  t.equal((await a.mails(3)).length, 3)
})

t.test('refused for used, denied, unknown and live links, with the reason', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const live = await asked(a, jar)
  const pending = await send(a.app, jar, { method: 'POST', url: '/auth/resend', payload: { token: live } })
  t.same([pending.statusCode, pending.json().code, pending.json().reason], [400, 'FST_MAGIC_LINK_INVALID_TOKEN', 'unknown'], 'a live link is not resent')
  await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: live } })
  const used = await send(a.app, jar, { method: 'POST', url: '/auth/resend', payload: { token: live } })
  t.same([used.statusCode, used.json().reason], [400, 'used'])
  const usedPage = await send(a.app, jar, { method: 'POST', url: '/auth/resend', ...form(live) })
  t.equal(usedPage.statusCode, 409, 'the page version shows the used-link page')
  const unknown = await send(a.app, jar, { method: 'POST', url: '/auth/resend', payload: { token: 'nope' } })
  t.same([unknown.statusCode, unknown.json().reason], [400, 'unknown'])
  const unknownPage = await send(a.app, jar, { method: 'POST', url: '/auth/resend', ...form('nope') })
  t.equal(unknownPage.statusCode, 410)

  a.clock.advance(3_600_000)
  const other = new Jar()
  const token = await asked(a, other)
  for (let i = 0; i < 5; i++) await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: { token, code: 'BBB-BBB' } })
  const denied = await send(a.app, other, { method: 'POST', url: '/auth/resend', payload: { token } })
  t.same([denied.statusCode, denied.json().reason], [400, 'denied'])
  t.equal(a.outbox.length, 2, 'no mail for any of them')
})

t.test('the per-address limits apply, and an address with no account gets the same answers', async (t) => {
  const a = await build({ known: ['known@example.com', 'gone@example.com'], rateLimit: { emailPerHour: 2, emailInterval: 1000 } })
  t.teardown(() => a.app.close())
  const known = await asked(a, new Jar(), 'known@example.com')
  const gone = await asked(a, new Jar(), 'gone@example.com')
  a.users.delete('gone@example.com')
  a.clock.advance(11 * 60_000)
  const answers = async (token: string): Promise<unknown[]> => {
    const out = []
    for (let i = 0; i < 3; i++) {
      a.clock.advance(2000)
      const jar = new Jar()
      const res = await send(a.app, jar, { method: 'POST', url: '/auth/resend', payload: { token } })
      out.push([res.statusCode, Object.keys(res.json()).sort().join(), res.json().expiresIn, [...jar.cookies.keys()].join()])
    }
    return out
  }
  const forKnown = await answers(known)
  t.same(forKnown, Array(3).fill([202, 'expiresIn,interval,matchCode,status', 600, '__Host-mlflow']), 'the same 202 each time')
  t.same(await answers(gone), forKnown, 'the same for an address without an account')
  const sent = a.outbox.map((m) => m.message.to)
  t.same(sent, ['known@example.com', 'gone@example.com', 'known@example.com'], 'one more mail only: 2 per hour, none to the deleted account')
})

t.test('POST /resend is limited per IP like POST /request', async (t) => {
  const a = await build({ rateLimit: { ipMax: 2 } })
  t.teardown(() => a.app.close())
  const codes = []
  for (let i = 0; i < 3; i++) codes.push((await send(a.app, new Jar(), { method: 'POST', url: '/auth/resend', payload: { token: 'nope' } })).statusCode)
  t.same(codes, [400, 400, 429])
})

t.test('beforeRequest guards POST /resend as it guards POST /request', async (t) => {
  const { errors } = await import('../src/index.js')
  let calls = 0
  const a = await build({ beforeRequest: () => { calls++; if (calls > 1) throw new errors.BAD_REQUEST('captcha required') } })
  t.teardown(() => a.app.close())
  const token = await asked(a, new Jar())
  a.clock.advance(11 * 60_000)
  const res = await send(a.app, new Jar(), { method: 'POST', url: '/auth/resend', payload: { token } })
  t.same([res.statusCode, res.json().message], [400, 'captcha required'])
  t.equal(calls, 2)
  t.equal(a.outbox.length, 1, 'no new mail')
})
