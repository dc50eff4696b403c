import t from 'tap'
import { build, Jar, send } from './helpers/app.js'
import { textOn } from '../src/pages/theme.js'

const BRAND = { name: 'Acme Cloud', logoUrl: 'https://cdn.acme.test/brand/logo.svg', color: '#FFDD00', supportUrl: 'https://help.acme.test/login' }

t.test('the brand is on every page, and the CSP grows by the logo only', async (t) => {
  const a = await build({ brand: BRAND })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'GET', url: '/auth/verify?token=x' })
  t.equal(res.statusCode, 410)
  t.match(res.body, '<title>This link isn’t valid · Acme Cloud</title>')
  t.match(res.body, '<img src="https://cdn.acme.test/brand/logo.svg" alt=""><span>Acme Cloud</span>')
  t.match(res.body, '<a class="link" href="https://help.acme.test/login">Need help? Contact support</a>')
  t.match(res.body, ':root{--accent:#ffdd00;--on-accent:#111111}', 'the accent, with dark text on yellow')
  const csp = res.headers['content-security-policy'] as string
  t.match(csp, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; img-src https:\/\/cdn\.acme\.test\/brand\/logo\.svg; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/)
  t.notMatch(csp, /unsafe|\*|help\.acme/, 'nothing else is allowed')
})

t.test('a same-origin logo path is allowed by its exact absolute URL', async (t) => {
  const a = await build({ brand: { logoUrl: '/static/logo.png' } })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'GET', url: '/auth/verify?token=x' })
  t.match(res.headers['content-security-policy'], "img-src https://app.example.com/static/logo.png; ")
  t.match(res.body, '<img src="https://app.example.com/static/logo.png"')
  t.match(res.body, '<span>app.example.com</span>', 'the name defaults to the origin host')
})

t.test('without a brand: the host, no image, no support link, the plugin\'s CSP', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'GET', url: '/auth/verify?token=x' })
  t.notMatch(res.body, /<img|<footer/)
  t.notMatch(res.headers['content-security-policy'], /img-src/)
})

t.test('button text contrast is computed from the colour', async (t) => {
  t.equal(textOn('#ffdd00'), '#111111', 'yellow')
  t.equal(textOn('#ffffff'), '#111111', 'white')
  t.equal(textOn('#1a237e'), '#ffffff', 'indigo')
  t.equal(textOn('#000000'), '#ffffff', 'black')
  t.equal(textOn('#2352cc'), '#ffffff', 'the default blue')
  t.equal(textOn('#00b894'), '#111111', 'a light green')
})

t.test('the brand is on the mails: subject, logo, button colour, support link', async (t) => {
  const a = await build({ brand: { ...BRAND, color: '#1a237e' } })
  t.teardown(() => a.app.close())
  await send(a.app, new Jar(), { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
  const [mail] = await a.mails(1)
  t.equal(mail?.message.subject, 'Sign in to Acme Cloud')
  t.equal(mail?.ctx?.appName, 'Acme Cloud')
  t.same(mail?.ctx?.brand, { name: 'Acme Cloud', logoUrl: BRAND.logoUrl, color: '#1a237e', onColor: '#ffffff', supportUrl: BRAND.supportUrl })
  t.match(mail?.message.html, '<img src="https://cdn.acme.test/brand/logo.svg" alt="Acme Cloud"')
  t.match(mail?.message.html, 'background:#1a237e;color:#ffffff')
  t.match(mail?.message.html, 'href="https://help.acme.test/login"')
  t.match(mail?.message.text, 'Need help? Contact support: https://help.acme.test/login')
})

t.test('brand options are checked at boot', async (t) => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ['brand.logoUrl', { logoUrl: 'http://cdn.acme.test/logo.svg' }],
    ['brand.logoUrl', { logoUrl: 'javascript:alert(1)' }],
    ['brand.logoUrl', { logoUrl: "/logo.svg'; script-src *" }],
    ['brand.logoUrl', { logoUrl: '//evil.test/logo.svg' }],
    ['brand.logoUrl', { logoUrl: 'https://user:pw@cdn.acme.test/logo.svg' }],
    ['brand.supportUrl', { supportUrl: 'mailto:help@acme.test' }],
    ['brand.color', { color: 'red' }],
    ['brand.color', { color: '#fff' }],
    ['brand.name', { name: '' }],
    ['brand.name', { name: 'Acme\r\nBcc: x' }],
    ['brand', 'acme' as unknown as Record<string, unknown>],
  ]
  for (const [option, brand] of bad) {
    await t.rejects(build({ brand: brand as never }), { code: 'FST_MAGIC_LINK_OPTIONS', message: new RegExp(`\`${option.replace('.', '\\.')}\``) }, `${JSON.stringify(brand)} refused`)
  }
})
