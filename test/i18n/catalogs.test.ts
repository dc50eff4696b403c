import t from 'tap'
import { messages, shippedLocales, type MagicLinkMessages } from '../../src/index.js'
import { Translator } from '../../src/i18n/index.js'
import { en } from '../../src/i18n/en.js'
import { renderDefaultMail, renderSignInNotice } from '../../src/mail/template.js'
import { allViews, render } from '../helpers/pages.js'

const KEYS = Object.keys(en).sort()
const placeholders = (s: string): string[] => [...s.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1] as string).sort()
const forms = (v: MagicLinkMessages[keyof MagicLinkMessages]): string[] => typeof v === 'string' ? [v] : Object.values(v)

const BRAND = { name: 'Acme', logoUrl: null, color: null, onColor: null, supportUrl: 'https://help.acme.test/' }
const NOW = new Date('2026-12-06T10:15:00Z')
const TOKEN = `${'a'.repeat(33)}.${'b'.repeat(43)}`

const VIEWS = allViews(TOKEN, NOW)

t.test('the shipped locales are at least en, de, fr, es, pt-BR, ja and ar', async (t) => {
  t.same([...shippedLocales].sort(), ['ar', 'de', 'en', 'es', 'fr', 'ja', 'pt-BR'])
})

for (const locale of shippedLocales) {
  t.test(`${locale}: every key, the same placeholders as en, every plural form`, async (t) => {
    const catalog = messages[locale] as MagicLinkMessages
    t.same(Object.keys(catalog).sort(), KEYS, 'exactly the keys of en')
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories
    for (const key of KEYS as Array<keyof MagicLinkMessages>) {
      const value = catalog[key]
      const expected = placeholders(forms(en[key])[0] as string).filter((p) => p !== 'count')
      for (const form of forms(value)) {
        t.ok(form.trim() !== '', `${key} is not empty`)
        t.same(placeholders(form).filter((p) => p !== 'count'), expected, `${key}: placeholders ${expected.join(', ')}`)
      }
      if (typeof value !== 'string') {
        for (const category of categories) t.type(value[category], 'string', `${key}: a form for '${category}'`)
        t.match(value.other, /\{count\}/, `${key}: 'other' shows the number`)
      }
      if (locale !== 'en' && typeof value === 'string' && value.length > 12 && !['page.support'].includes(key)) {
        t.not(value, en[key], `${key} is translated`)
      }
    }
  })

  t.test(`${locale}: every page and mail renders without a missing placeholder`, async (t) => {
    const tr = new Translator(locale, messages[locale] as MagicLinkMessages)
    for (const view of VIEWS) {
      const html = render(view, { locale, brand: BRAND, now: NOW })
      t.notMatch(html, /\{[A-Za-z]+\}/, `${view.kind}: no placeholder left`)
      t.ok(html.startsWith(`<!doctype html>\n<html lang="${locale}" dir="${locale === 'ar' ? 'rtl' : 'ltr'}">`), `${view.kind}: lang and dir`)
    }
    const mail = renderDefaultMail({
      email: 'ada@example.com', link: 'https://app.example.com/auth/verify?token=x', otp: '123456', requestedAt: NOW, device: 'Firefox on Linux',
      appName: 'Acme', expiresInMinutes: 10, locale, brand: BRAND, messages: tr.messages, invite: false,
    }, tr)
    const notice = renderSignInNotice({
      email: 'ada@example.com', device: 'Safari on iOS', at: NOW, appName: 'Acme', sessionsUrl: 'https://app.example.com/', locale, brand: BRAND, messages: tr.messages,
    }, tr)
    for (const [name, part] of [['subject', mail.subject], ['text', mail.text], ['html', mail.html], ['notice', notice.text], ['notice html', notice.html], ['notice subject', notice.subject]]) {
      t.notMatch(part as string, /\{[A-Za-z]+\}/, `mail ${name as string}: no placeholder left`)
    }
    t.match(mail.subject, /Acme/, 'the subject names the brand')
    t.notMatch(mail.subject, /ada@|Firefox/, 'and nothing the requester chose')
    t.match(mail.html, `<html lang="${locale}" dir="${tr.dir}">`, 'mail in its language and direction')
  })
}
