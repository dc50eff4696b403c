import t from 'tap'
import { build } from '../helpers/app.js'

t.test('locale options are checked at boot, naming the option', async (t) => {
  const bad: Array<[RegExp, unknown]> = [
    [/`locale`/, 'de'],
    [/`locale\.default`/, { default: 'not a tag!' }],
    [/`locale\.default`: expected one of locale\.supported \(en, fr\)/, { default: 'de', supported: ['en', 'fr'] }],
    [/`locale\.supported`/, { supported: [] }],
    [/`locale\.supported`/, { supported: 'en' }],
    [/`locale\.supported`/, { supported: ['en', '!!'] }],
    [/`locale\.supported`: expected shipped locales or ones added in locale\.messages/, { supported: ['en', 'it'] }],
    [/`locale\.messages`/, { messages: 'x' }],
    [/`locale\.messages`/, { messages: { 'not a tag!': {} } }],
    [/`locale\.messages\.de`/, { messages: { de: 'x' } }],
    [/`locale\.messages\.de`: expected keys of MagicLinkMessages, got "sameBrowser\.titel"/, { messages: { de: { 'sameBrowser.titel': 'x' } } }],
    [/`locale\.messages\.de\.sameBrowser\.title`/, { messages: { de: { 'sameBrowser.title': 42 } } }],
    [/`locale\.messages\.de\.code\.attemptsLeft`/, { messages: { de: { 'code.attemptsLeft': { one: 'x' } } } }],
    [/`locale\.messages\.de\.code\.attemptsLeft`/, { messages: { de: { 'code.attemptsLeft': { other: 'x', one: 1 } } } }],
    [/`locale\.resolve`/, { resolve: 'de' }],
    [/`pages\.render`/, { pages: { render: '<html>' } }],
  ]
  for (const [message, locale] of bad) {
    const options = message.source.includes('pages') ? { pages: (locale as { pages: unknown }).pages } : { locale }
    await t.rejects(build(options as never), { code: 'FST_MAGIC_LINK_OPTIONS', message }, JSON.stringify(locale))
  }
})

t.test('an override changes one text of a shipped locale; an added locale falls back to the default for missing keys', async (t) => {
  const a = await build({
    locale: {
      default: 'de',
      messages: {
        de: { 'unknown.title': 'Dieser Link taugt nichts' },
        'it-IT': { 'unknown.title': 'Questo link non è valido', 'code.attemptsLeft': { one: 'Ti resta {count} tentativo.', other: 'Ti restano {count} tentativi.' } },
      },
    },
  })
  t.teardown(() => a.app.close())
  const page = async (lang: string): Promise<string> => (await a.app.inject({ method: 'GET', url: '/auth/verify?token=x', headers: { 'accept-language': lang } })).body
  t.match(await page('de'), '<h1>Dieser Link taugt nichts</h1>', 'overridden')
  const it = await page('it')
  t.match(it, '<html lang="it-IT" dir="ltr">', 'the added locale is supported, by language too')
  t.match(it, '<h1>Questo link non è valido</h1>')
  t.match(it, 'Erneut anmelden', 'missing keys come from the default (de)')
  t.match(await page('fr'), '<html lang="fr"', 'the shipped ones stay supported')
})
