import t from 'tap'
import { build, Jar, send, type TestApp } from './helpers/app.js'

const fragmentToken = (link: string): string => new URL(link).hash.replace(/^#token=/, '')

async function asked (a: TestApp, jar: Jar, email = 'known@example.com'): Promise<{ token: string, matchCode: string, link: string }> {
  const before = a.outbox.length
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email } })
  const link = (await a.mails(before + 1))[before]?.ctx?.link as string
  return { token: fragmentToken(link), matchCode: (res.json() as { matchCode: string }).matchCode, link }
}

const inspect = async (a: TestApp, jar: Jar, token: unknown): Promise<Record<string, unknown>> => {
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/link', payload: { token } })
  return { status: res.statusCode, ...(res.json() as Record<string, unknown>) }
}

t.test('linkUrl: the mail links to the app\'s page with the token in the fragment', async (t) => {
  const a = await build({ linkUrl: '/login/verify' })
  t.teardown(() => a.app.close())
  const { link, token } = await asked(a, new Jar())
  t.match(link, /^https:\/\/app\.example\.com\/login\/verify#token=[A-Za-z0-9_-]{33}\.[A-Za-z0-9_-]{43}$/)
  const [mail] = a.outbox
  t.match(mail?.message.text, link)
  t.notMatch(mail?.message.text, /\?token=/, 'never in a query string')
  t.match(mail?.message.html, `href="${link}"`)
  t.equal(token.length, 77)
})

t.test('POST /link inspects a link and changes nothing; then the link works once', async (t) => {
  const a = await build({ linkUrl: '/login/verify' })
  t.teardown(() => a.app.close())
  const asking = new Jar()
  const other = new Jar()
  const { token } = await asked(a, asking)
  const before = { ...Object.fromEntries(asking.cookies) }
  for (let i = 0; i < 10; i++) {
    const here = await inspect(a, asking, token)
    t.same(here, {
      status: 200, state: 'pending', sameBrowser: true, needsCode: false, needsEmail: false,
      requestedAt: new Date(a.clock.now).toISOString(), expiresAt: new Date(a.clock.now + 600_000).toISOString(), device: 'Unknown browser', email: 'k•••@example.com',
    }, `call ${i + 1} in the asking browser`)
    const there = await inspect(a, other, token)
    t.same([there.state, there.sameBrowser, there.needsCode], ['pending', false, true], `call ${i + 1} elsewhere`)
  }
  t.same(Object.fromEntries(asking.cookies), before, 'no cookie changed')
  t.equal(other.cookies.size, 0, 'none set elsewhere')

  const ok = await send(a.app, asking, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.equal(ok.statusCode, 200, 'the link still signs in')
  const again = await send(a.app, asking, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.same([again.statusCode, again.json().code, again.json().reason], [400, 'FST_MAGIC_LINK_INVALID_TOKEN', 'used'], 'once')
  const used = await inspect(a, other, token)
  t.same([used.state, used.usedDevice, typeof used.usedAt, used.sessionDevice], ['used', 'Unknown browser', 'string', 'Unknown browser'], 'and which device holds the live session')
  await send(a.app, asking, { method: 'POST', url: '/auth/logout', payload: {} })
  t.equal((await inspect(a, other, token)).sessionDevice, null, 'none once it ended')
})

t.test('POST /link: states, and only the state for an unknown link', async (t) => {
  const a = await build({ linkUrl: '/login/verify', rateLimit: { emailInterval: 1000 } })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  t.same(await inspect(a, jar, 'x'), { status: 200, state: 'unknown' })
  t.same(await inspect(a, jar, `${'A'.repeat(33)}.${'B'.repeat(43)}`), { status: 200, state: 'unknown' })
  const bad = await inspect(a, jar, 42)
  t.same([bad.status, bad.code], [400, 'FST_MAGIC_LINK_BAD_REQUEST'])
  const first = await asked(a, jar)
  a.clock.advance(2000)
  const second = await asked(a, jar)
  t.equal((await inspect(a, jar, first.token)).state, 'superseded')
  const wrong = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: first.token } })
  t.same([wrong.statusCode, wrong.json().reason], [400, 'superseded'], 'JSON errors carry the reason')
  a.clock.advance(11 * 60_000)
  t.equal((await inspect(a, jar, second.token)).state, 'expired')
  const late = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: second.token } })
  t.same([late.statusCode, late.json().reason], [400, 'expired'])
  const unknown = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: 'nope' } })
  t.same([unknown.statusCode, unknown.json().reason], [400, 'unknown'])
})

t.test('wrong codes report attempts left; a stopped link says denied', async (t) => {
  const a = await build({ linkUrl: '/login/verify' })
  t.teardown(() => a.app.close())
  const asking = new Jar()
  const { token } = await asked(a, asking)
  const guess = async (): Promise<Record<string, unknown>> => (await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: { token, code: 'BBB-BBB' } })).json()
  const first = await guess()
  t.same([first.code, first.attemptsLeft], ['FST_MAGIC_LINK_INVALID_CODE', 4])
  const mailCode = await send(a.app, asking, { method: 'POST', url: '/auth/code', payload: { code: '000000' } })
  t.same([mailCode.json().code, mailCode.json().attemptsLeft], ['FST_MAGIC_LINK_INVALID_CODE', 3], 'the mail-code field says the same')
  await guess()
  await guess()
  t.equal((await guess()).attemptsLeft, 0, 'the last one')
  t.equal((await inspect(a, asking, token)).state, 'denied')
  const after = await send(a.app, asking, { method: 'POST', url: '/auth/verify', payload: { token } })
  t.same([after.json().code, after.json().reason], ['FST_MAGIC_LINK_INVALID_TOKEN', 'denied'])
})

t.test('POST /link is rate-limited like /verify', async (t) => {
  const a = await build({ rateLimit: { verifyPerMinute: 3 } })
  t.teardown(() => a.app.close())
  const codes = []
  for (let i = 0; i < 4; i++) codes.push((await inspect(a, new Jar(), 'x')).status)
  t.same(codes, [200, 200, 200, 429])
})

t.test('linkUrl is checked at boot', async (t) => {
  for (const linkUrl of ['https://evil.test/verify', '//evil.test', '/verify#x', 'verify']) {
    await t.rejects(build({ linkUrl }), { code: 'FST_MAGIC_LINK_OPTIONS', message: /`linkUrl`/ }, linkUrl)
  }
})
