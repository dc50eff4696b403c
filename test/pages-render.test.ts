import t from 'tap'
import type { PageModel } from '../src/index.js'
import { build, Jar, send, tokenOf } from './helpers/app.js'

t.test('pages.render replaces the HTML; the plugin keeps status, headers and a nonce CSP', async (t) => {
  const models: PageModel[] = []
  const a = await build({
    brand: { name: 'Acme', logoUrl: '/logo.svg' },
    pages: {
      render (page) {
        models.push(page)
        const title = page.kind === 'unknown' ? page.t('unknown.title') : page.kind
        return `<!doctype html><html lang="${page.locale}" dir="${page.dir}"><style nonce="${page.nonce}">h1{color:red}</style>` +
          `<h1>${title}</h1><script nonce="${page.nonce}">document.title='x'</script></html>`
      },
    },
  })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'GET', url: '/auth/verify?token=nope', headers: { 'accept-language': 'de' } })
  t.equal(res.statusCode, 410, 'the plugin\'s status')
  t.match(res.body, '<h1>Dieser Link ist ungültig</h1>'.replace('Dieser Link ist ungültig', models[0]?.t('unknown.title') as string))
  t.equal(models[0]?.locale, 'de')
  t.equal(models[0]?.kind, 'unknown')
  t.match(models[0]?.html, /^<!doctype html>\n<html lang="de" dir="ltr">/, 'the plugin\'s own page is in the model')
  const nonce = models[0]?.nonce as string
  t.match(nonce, /^[A-Za-z0-9+/]{22}==$/, '128-bit nonce')
  t.equal(res.headers['content-security-policy'],
    `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src https://app.example.com/logo.svg; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`)
  t.match(res.body, `nonce="${nonce}"`, 'the page uses it')
  for (const [name, value] of Object.entries({
    'content-type': 'text/html; charset=utf-8', 'content-language': 'de', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'cache-control': 'no-store',
  })) t.equal(res.headers[name], value, name)

  await a.app.inject({ method: 'GET', url: '/auth/verify?token=nope' })
  t.not(models[1]?.nonce, nonce, 'a new nonce for every response')
})

t.test('pages.render sees every page\'s data', async (t) => {
  const models: PageModel[] = []
  const a = await build({ pages: { render: (page) => { models.push(page); return page.html } } })
  t.teardown(() => a.app.close())
  const jar = new Jar()
  await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const [mail] = await a.mails(1)
  const token = tokenOf(mail?.ctx?.link as string)
  await send(a.app, jar, { method: 'GET', url: `/auth/verify?token=${token}` })
  const same = models.at(-1)
  t.equal(same?.kind, 'sameBrowser')
  if (same?.kind === 'sameBrowser') t.same([same.token, same.email, same.status], [token, 'known@example.com', 200])
  t.same(same?.actions, { verify: '/auth/verify', revoke: '/auth/revoke', resend: '/auth/resend' })
  await a.app.inject({ method: 'GET', url: `/auth/verify?token=${token}` })
  const other = models.at(-1)
  t.equal(other?.kind, 'otherBrowser')
  if (other?.kind === 'otherBrowser') {
    t.equal(other.device, 'Unknown browser')
    t.equal(other.describeDevice('Firefox on Linux'), 'Firefox on Linux')
    t.equal(other.when(other.requestedAt), 'just now')
  }
})

t.test('a renderer that throws: the person gets the plugin\'s page, the app a log line', async (t) => {
  const a = await build({ logLevel: 'error', pages: { render: () => { throw new Error('template bug') } } })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'GET', url: '/auth/verify?token=nope' })
  t.equal(res.statusCode, 410)
  t.match(res.body, 'This link isn’t valid')
  t.notMatch(res.headers['content-security-policy'], /nonce/, 'the plugin\'s CSP for the plugin\'s page')
  t.ok(a.logs.some((line) => line.includes('pages.render failed') && line.includes('template bug')))
})
