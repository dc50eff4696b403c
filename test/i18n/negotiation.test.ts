import Fastify from 'fastify'
import t from 'tap'
import magicLink from '../../src/index.js'
import { build, Jar, send, tokenOf, type BuildOptions } from '../helpers/app.js'

/** The language a page is served in, by `Accept-Language` (and the app's options). */
async function pageLocale (opts: BuildOptions, acceptLanguage: string | undefined): Promise<{ lang: string, dir: string, contentLanguage: string, vary: string }> {
  const a = await build(opts)
  try {
    const res = await a.app.inject({ method: 'GET', url: '/auth/verify?token=nope', headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage } })
    const m = /<html lang="([^"]+)" dir="(ltr|rtl)">/.exec(res.body)
    return { lang: m?.[1] as string, dir: m?.[2] as string, contentLanguage: res.headers['content-language'] as string, vary: String(res.headers.vary) }
  } finally {
    await a.app.close()
  }
}

t.test('Accept-Language picks the page language', async (t) => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'en'],
    ['de', 'de'],
    ['de-AT,de;q=0.9,en;q=0.5', 'de'],
    ['fr-CA', 'fr'],
    ['es-419,es;q=0.9', 'es'],
    ['pt', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['PT-br', 'pt-BR'],
    ['ja-JP', 'ja'],
    ['fr;q=0.5, ja;q=0.8', 'ja'],
    ['it, de;q=0.1', 'de'],
    ['de;q=0, fr', 'fr'],
    ['xx-YY, *', 'en'],
    ['zh-CN,zh;q=0.9', 'en'],
    ['', 'en'],
    ['de;q=abc', 'de'],
    [';;;,,,q=1', 'en'],
    ['a'.repeat(5000), 'en'],
  ]
  for (const [header, expected] of cases) {
    const got = await pageLocale({}, header)
    t.equal(got.lang, expected, `${JSON.stringify(header?.slice(0, 40))} → ${expected}`)
    t.equal(got.contentLanguage, expected, 'Content-Language says the same')
    t.match(got.vary, /Accept-Language/, 'Vary: Accept-Language')
  }
})

t.test('ar pages are right to left', async (t) => {
  const got = await pageLocale({}, 'ar-EG')
  t.same([got.lang, got.dir], ['ar', 'rtl'])
  t.equal((await pageLocale({}, 'ja')).dir, 'ltr')
})

t.test('locale.default and locale.supported', async (t) => {
  t.equal((await pageLocale({ locale: { default: 'de' } }, 'zh')).lang, 'de', 'unsupported → the default')
  t.equal((await pageLocale({ locale: { supported: ['en', 'fr'] } }, 'de')).lang, 'en', 'a shipped locale the app does not offer is not used')
  t.equal((await pageLocale({ locale: { supported: ['en', 'fr'] } }, 'de, fr;q=0.5')).lang, 'fr')
  t.equal((await pageLocale({ locale: { supported: ['fr', 'de'], default: 'fr' } }, undefined)).lang, 'fr')
})

t.test('locale.resolve has the first say', async (t) => {
  const seen: string[] = []
  const resolve = (request: { headers: Record<string, unknown> }): string | undefined => {
    seen.push(String(request.headers['x-lang']))
    return request.headers['x-lang'] as string | undefined
  }
  const a = await build({ locale: { resolve } })
  t.teardown(() => a.app.close())
  const lang = async (headers: Record<string, string>): Promise<string | undefined> =>
    /<html lang="([^"]+)"/.exec((await a.app.inject({ method: 'GET', url: '/auth/verify?token=x', headers })).body)?.[1]
  t.equal(await lang({ 'x-lang': 'ja', 'accept-language': 'de' }), 'ja', 'resolve wins over Accept-Language')
  t.equal(await lang({ 'x-lang': 'de-CH', 'accept-language': 'fr' }), 'de', 'and falls back by region')
  t.equal(await lang({ 'x-lang': 'klingon', 'accept-language': 'fr' }), 'fr', 'an unsupported answer falls through to Accept-Language')
  t.equal(await lang({ 'accept-language': 'es' }), 'es', 'undefined falls through')
  t.ok(seen.length >= 4, 'called for every page')
})

t.test('mails: the user\'s locale, else the asking request\'s, else the default', async (t) => {
  const users = new Map([['ada@example.com', { id: 'u1', locale: 'ja' }], ['bob@example.com', { id: 'u2' }], ['eve@example.com', { id: 'u3', locale: 'tlh' }]])
  const b = await build({ users: { find: (email) => users.get(email) ?? null } })
  t.teardown(() => b.app.close())
  const mailFor = async (email: string, acceptLanguage?: string): Promise<{ locale: string, subject: string, html: string }> => {
    const before = b.outbox.length
    b.clock.advance(3_600_000)
    await send(b.app, new Jar(), { method: 'POST', url: '/auth/request', payload: { email }, headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage } })
    const mail = (await b.mails(before + 1))[before]
    return { locale: mail?.ctx?.locale as string, subject: mail?.message.subject as string, html: mail?.message.html as string }
  }
  const ada = await mailFor('ada@example.com', 'de')
  t.equal(ada.locale, 'ja', 'User.locale wins over the request')
  t.match(ada.html, '<html lang="ja" dir="ltr">')
  t.equal((await mailFor('bob@example.com', 'de-AT')).locale, 'de', 'no User.locale: the request\'s')
  t.equal((await mailFor('bob@example.com')).locale, 'en', 'neither: the default')
  t.equal((await mailFor('eve@example.com', 'fr')).locale, 'fr', 'an unsupported User.locale falls through to the request')
  const ar = await mailFor('bob@example.com', 'ar')
  t.match(ar.html, '<html lang="ar" dir="rtl">', 'an Arabic mail is right to left')
  t.not(ar.subject, (await mailFor('bob@example.com', 'en')).subject, 'and its subject is Arabic')
})

t.test('the new-sign-in notice speaks the user\'s language, else the asking browser\'s', async (t) => {
  const users = new Map([['ada@example.com', { id: 'u1', locale: 'fr' }], ['bob@example.com', { id: 'u2' }]])
  const a = await build({ users: { find: (email) => users.get(email) ?? null } })
  t.teardown(() => a.app.close())
  for (const [email, expected] of [['ada@example.com', 'fr'], ['bob@example.com', 'es']] as const) {
    a.clock.advance(3_600_000)
    const asking = new Jar()
    const before = a.outbox.length
    const headers = { 'accept-language': 'es' }
    const { matchCode } = (await send(a.app, asking, { method: 'POST', url: '/auth/request', payload: { email }, headers })).json() as { matchCode: string }
    const link = (await a.mails(before + 1))[before]?.ctx?.link as string
    const approve = await send(a.app, new Jar(), { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(link), code: matchCode } })
    t.equal(approve.statusCode, 200)
    const poll = await send(a.app, asking, { method: 'POST', url: '/auth/poll', payload: {}, headers })
    t.equal(poll.statusCode, 200)
    const notice = (await a.mails(before + 2))[before + 1]
    t.equal(notice?.ctx, null, 'the notice')
    t.match(notice?.message.html, `<html lang="${expected}"`, `${email}: in ${expected}`)
  }
})

t.test('createLink mails in the user\'s locale, else options.locale', async (t) => {
  const users = new Map([['ada@example.com', { id: 'u1', locale: 'de' }]])
  const a = await build({ users: { find: (email) => users.get(email) ?? null } })
  t.teardown(() => a.app.close())
  await a.app.magicLink.createLink('ada@example.com', { send: true, locale: 'ja' })
  await a.app.magicLink.createLink('new@example.com', { send: true, locale: 'ja' })
  await a.app.magicLink.createLink('new2@example.com', { send: true })
  const [first, second, third] = await a.mails(3)
  t.equal(first?.ctx?.locale, 'de')
  t.equal(second?.ctx?.locale, 'ja')
  t.equal(third?.ctx?.locale, 'en')
  t.notMatch(second?.message.text, /unknown browser|an invitation/i, 'an invitation does not claim a requesting browser')
})

t.test('page errors are localized, and a wait is written in words', async (t) => {
  const a = await build({ rateLimit: { verifyPerMinute: 1 } })
  t.teardown(() => a.app.close())
  const form = { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' }
  const first = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: 'token=x', headers: form })
  t.equal(first.statusCode, 410, 'an unknown link')
  const limited = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: 'token=x', headers: form })
  t.equal(limited.statusCode, 429)
  t.match(limited.body, '<html lang="de" dir="ltr">')
  t.match(limited.body, /in 1 Minute/, 'the wait for people, in German')
  t.notMatch(limited.body, /\b60\b/, 'not in seconds')
  const broken = await a.app.inject({ method: 'POST', url: '/auth/resend', payload: 'nothing=1', headers: { ...form, 'accept-language': 'ja' } })
  t.equal(broken.statusCode, 400)
  t.match(broken.body, '<html lang="ja" dir="ltr">', 'a malformed form post gets a page in the person\'s language')
  t.notMatch(broken.body, /FST_|must have required property/, 'not the developer message')
})

t.test('a locale.resolve that throws: the page comes anyway, by Accept-Language, and the app gets a log line', async (t) => {
  const a = await build({ logLevel: 'error', locale: { resolve: () => { throw new Error('no user table') } } })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'GET', url: '/auth/verify?token=x', headers: { 'accept-language': 'fr' } })
  t.equal(res.statusCode, 410)
  t.match(res.body, '<html lang="fr"')
  t.ok(a.logs.some((line) => line.includes('locale.resolve failed') && line.includes('no user table')))
})

t.test('Vary keeps what the app set and adds Accept-Language once', async (t) => {
  const vary = async (set: string | undefined): Promise<unknown> => {
    const app = Fastify()
    if (set !== undefined) app.addHook('onRequest', async (_request, reply) => { reply.header('vary', set) })
    await app.register(magicLink, { origin: 'https://app.example.com', secret: 'x'.repeat(32), users: { find: () => null } })
    const res = await app.inject({ method: 'GET', url: '/auth/verify?token=x' })
    await app.close()
    return res.headers.vary
  }
  t.equal(await vary(undefined), 'Accept-Language')
  t.equal(await vary('Origin'), 'Origin, Accept-Language')
  t.equal(await vary('accept-language, Origin'), 'accept-language, Origin', 'not twice')
  t.equal(await vary('*'), '*')
})
