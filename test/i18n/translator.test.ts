import t from 'tap'
import { canonicalLocale, matchLocale, messages, parseAcceptLanguage, Translator } from '../../src/i18n/index.js'
import type { MagicLinkMessages } from '../../src/i18n/types.js'
import { build } from '../helpers/app.js'

const tr = (locale: string, over: Partial<MagicLinkMessages> = {}): Translator =>
  new Translator(locale, { ...(messages[locale] ?? messages.en), ...over } as MagicLinkMessages)

t.test('parseAcceptLanguage: by q-value, then in the order sent; q=0, * and empty entries dropped', async (t) => {
  t.same(parseAcceptLanguage(undefined), [])
  t.same(parseAcceptLanguage(''), [])
  t.same(parseAcceptLanguage('fr;q=0.5, ja;q=0.8, de'), ['de', 'ja', 'fr'])
  t.same(parseAcceptLanguage('es, fr, de'), ['es', 'fr', 'de'], 'equal weights keep their order')
  t.same(parseAcceptLanguage('de;q=0, *, , fr; q = 0.3'), ['fr'])
  t.same(parseAcceptLanguage('de;q=2, fr;q=abc'), ['de', 'fr'], 'a malformed q is ignored (weight 1)')
  t.equal(parseAcceptLanguage(Array(100).fill('de').join(',')).length, 20, 'only the first 20 entries')
})

t.test('matchLocale: exact, then the language, then another region of it', async (t) => {
  const supported = ['en', 'de', 'pt-BR']
  t.equal(matchLocale(['de-AT'], supported), 'de')
  t.equal(matchLocale(['pt-PT'], supported), 'pt-BR')
  t.equal(matchLocale(['PT-br'], supported), 'pt-BR')
  t.equal(matchLocale(['zz', 'not a tag!', 'en-GB'], supported), 'en')
  t.equal(matchLocale(['ja'], supported), undefined)
  t.equal(canonicalLocale(42), undefined)
  t.equal(canonicalLocale(''), undefined)
  t.equal(canonicalLocale('x'.repeat(40)), undefined)
  t.equal(canonicalLocale('zh-hant-tw'), 'zh-Hant-TW')
})

t.test('Translator: placeholders, numbers and plural forms through Intl', async (t) => {
  const en = tr('en')
  t.equal(en.text('page.backTo', { app: 'Acme' }), 'Back to Acme')
  t.equal(en.text('page.backTo'), 'Back to {app}', 'a missing value stays visible, nothing throws')
  t.equal(en.text('code.attemptsLeft', { count: 1 }), 'You have 1 try left.')
  t.equal(en.text('code.attemptsLeft', { count: 1234 }), 'You have 1,234 tries left.', 'numbers formatted for the locale')
  t.equal(en.text('code.attemptsLeft'), 'You have {count} tries left.', 'no count: the other form')
  const partial = tr('ar', { 'code.attemptsLeft': { other: 'بقي {count}' } })
  t.equal(partial.text('code.attemptsLeft', { count: 2 }), 'بقي 2', 'a missing plural form falls back to other')
  t.equal(tr('ar').dir, 'rtl')
  t.equal(tr('de').dir, 'ltr')
})

t.test('Translator: times and waits for people', async (t) => {
  const now = new Date('2026-12-06T10:15:00Z')
  const ago = (ms: number, locale = 'en'): string => tr(locale).when(new Date(now.getTime() - ms), now)
  t.equal(ago(30_000), 'just now')
  t.equal(ago(120_000), '2 minutes ago')
  t.equal(ago(2 * 3_600_000), '2 hours ago')
  t.equal(ago(7 * 3_600_000), 'on December 6, 2026 at 3:15 AM UTC')
  t.equal(ago(120_000, 'fr'), 'il y a 2 minutes')
  t.equal(ago(120_000, 'es'), 'hace 2 minutos')
  t.equal(tr('en').duration(600_000), '10 minutes')
  t.equal(tr('en').duration(3_600_000), '1 hour')
  t.equal(tr('en').duration(1000), '1 minute', 'never 0')
  t.equal(tr('de').duration(600_000), '10 Minuten')
  t.equal(tr('en').retry(726), 'in 13 minutes')
  t.equal(tr('en').retry(1), 'in 1 second')
  t.equal(tr('en').retry(0), 'in 1 second', 'never now')
  t.equal(tr('ja').retry(90), '2 分後')
})

t.test('a default locale added by the app starts from English for its missing keys', async (t) => {
  const a = await build({ locale: { default: 'it', supported: ['it', 'de'], messages: { it: { 'unknown.title': 'Link non valido' } } } })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ method: 'GET', url: '/auth/verify?token=x' })
  t.match(res.body, '<html lang="it" dir="ltr">')
  t.match(res.body, '<h1>Link non valido</h1>')
  t.match(res.body, 'Start again', 'the rest in English')
})
