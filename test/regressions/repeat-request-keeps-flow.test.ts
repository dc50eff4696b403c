// Asking again for the same address within the mail interval used to trap the user: the second
// answer carried a new match code and a new binding cookie for a flow whose mail never went out,
// so the real link asked for a code "from another device" and refused every one. The browser that
// holds the live flow keeps it; the answers stay the same for known and unknown addresses.
import t from 'tap'
import { ask, build, Jar, send, tokenOf, type TestApp } from '../helpers/app.js'

async function twice (a: TestApp, jar: Jar, email: string) {
  const first = await ask(a, jar, email)
  const binding = jar.get('__Host-mlflow')
  a.clock.advance(20_000) // within the 60 s mail interval
  const second = await ask(a, jar, email)
  return { first, second, binding }
}

t.test('known address: the second ask keeps the flow, its code and its cookie; the mailed link and code work', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const { first, second, binding } = await twice(a, jar, 'known@example.com')
  t.equal(first.res.statusCode, 202)
  t.equal(second.res.statusCode, 202)
  t.equal(second.matchCode, first.matchCode, 'the same match code is shown again')
  t.equal(second.res.json().expiresIn, 580, 'with the time the flow has left')
  t.same(Object.keys(second.res.json()).sort(), ['expiresIn', 'interval', 'matchCode', 'status'])
  t.equal(second.res.cookies.length, 0, 'no new binding cookie')
  t.equal(jar.get('__Host-mlflow'), binding)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(a.outbox.length, 1, 'one mail (the interval holds)')

  const link = a.outbox[0]?.ctx?.link as string
  const page = await send(a.app, jar, { method: 'GET', url: new URL(link).pathname + new URL(link).search })
  t.match(page.body, /<button type="submit">Sign in<\/button>/, 'the mailed link is this browser\'s: no code from another device asked')
  t.notMatch(page.body, /Code from the other screen/)
  const code = await send(a.app, jar, { method: 'POST', url: '/auth/code', payload: { code: a.outbox[0]?.ctx?.otp } })
  t.equal(code.statusCode, 200, 'the mailed code signs in on this browser')
  t.equal((await send(a.app, jar, { method: 'GET', url: '/me' })).statusCode, 200)
})

t.test('the mailed link, after the second ask, also signs in by its button', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const jar = new Jar()
  await twice(a, jar, 'known@example.com')
  const mail = (await a.mails(1))[0]
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link as string) } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().status, 'approved')
})

t.test('known and unknown addresses: the same answers to the second ask (no enumeration)', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const known = await twice(a, new Jar(), 'known@example.com')
  const unknown = await twice(a, new Jar(), 'nobody@example.com')
  for (const [name, r] of [['known', known], ['unknown', unknown]] as const) {
    t.equal(r.second.matchCode, r.first.matchCode, `${name}: same code again`)
    t.equal(r.second.res.cookies.length, 0, `${name}: no new cookie`)
  }
  const strip = (b: Record<string, unknown>): Record<string, unknown> => ({ ...b, matchCode: 'X' })
  t.same(strip(known.second.res.json()), strip(unknown.second.res.json()), 'same body but the code')
  t.same(Object.keys(known.second.res.headers).sort(), Object.keys(unknown.second.res.headers).sort(), 'same header names')
})

t.test('another browser asking within the interval does not take the flow over', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const mine = new Jar()
  const first = await ask(a, mine, 'known@example.com')
  const other = new Jar()
  a.clock.advance(5_000)
  const theirs = await ask(a, other, 'known@example.com')
  t.not(theirs.matchCode, first.matchCode, 'a stranger gets a code of their own flow, with no mail')
  t.not(other.get('__Host-mlflow'), mine.get('__Host-mlflow'))
  const mail = (await a.mails(1))[0]
  const page = await send(a.app, mine, { method: 'GET', url: new URL(mail?.ctx?.link as string).pathname + new URL(mail?.ctx?.link as string).search })
  t.match(page.body, /<button type="submit">Sign in<\/button>/, 'the first browser keeps its link')
})

t.test('after the interval, asking again sends a new mail with a new flow; the old link is superseded', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const first = await ask(a, jar, 'known@example.com')
  a.clock.advance(61_000)
  const second = await ask(a, jar, 'known@example.com')
  t.not(second.matchCode, first.matchCode)
  t.equal(second.res.cookies.length, 1, 'a new binding cookie')
  const mails = await a.mails(2)
  t.equal(mails.length, 2)
  const old = await send(a.app, jar, { method: 'GET', url: new URL(mails[0]?.ctx?.link as string).pathname + new URL(mails[0]?.ctx?.link as string).search })
  t.equal(old.statusCode, 410, 'the older link says it was replaced')
})

t.test('a second ask for another address, or once the flow is used, starts afresh', async (t) => {
  const a = await build({ known: ['known@example.com', 'other@example.com'] })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  const first = await ask(a, jar, 'known@example.com')
  const other = await ask(a, jar, 'other@example.com')
  t.not(other.matchCode, first.matchCode, 'another address: its own flow')
  t.equal(other.res.cookies.length, 1)
  const mails = await a.mails(2)
  const used = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mails[1]?.ctx?.link as string) } })
  t.equal(used.statusCode, 200)
  a.clock.advance(5_000)
  const again = await ask(a, jar, 'other@example.com')
  t.equal(again.res.cookies.length, 1, 'a used flow is not reused')
})
