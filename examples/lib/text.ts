/**
 * The grammar of the example's texts, shared by the server (examples/lib/messages.ts) and the
 * page scripts (examples/browser/*): `{name}` placeholders, plural forms by `Intl.PluralRules`,
 * numbers by `Intl.NumberFormat`. No Node import: esbuild bundles it into the pages' scripts.
 */

/** Forms of a message that depends on `{count}`, keyed by `Intl.PluralRules` category; `other` is required. */
export type PluralForms = { readonly other: string } & { readonly [K in Exclude<Intl.LDMLPluralRule, 'other'>]?: string }

/** A message: a string with `{name}` placeholders, or plural forms. */
export type Message = string | PluralForms

/** Values for a message's placeholders; numbers are written in the locale's digits. */
export type Values = Readonly<Record<string, string | number>>

/** The texts a page script needs: rendered by the server into `<script type="application/json" id="texts">`. */
export interface PageTexts {
  locale: string
  messages: Readonly<Record<string, Message>>
}

/** `t(key, values)` for one locale. */
export type Translate = (key: string, values?: Values) => string

/** Languages that put no space between sentences. */
const NO_SENTENCE_SPACE = new Set(['ja', 'zh'])

/** `t` for `messages` in `locale`. A missing key or placeholder shows as itself: visible, never a crash. */
export function translator (locale: string, messages: Readonly<Record<string, Message>>): Translate {
  const plural = new Intl.PluralRules(locale)
  const number = new Intl.NumberFormat(locale)
  return (key, values = {}) => {
    const message = messages[key]
    if (message === undefined) return key
    const template = typeof message === 'string'
      ? message
      : message[typeof values.count === 'number' ? plural.select(values.count) : 'other'] ?? message.other
    return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
      const v = values[name]
      return v === undefined ? whole : typeof v === 'number' ? number.format(v) : v
    })
  }
}

/** Sentences joined as the language joins them: with a space, or none in Japanese. */
export function sentences (locale: string, ...parts: string[]): string {
  return parts.filter((s) => s !== '').join(NO_SENTENCE_SPACE.has(new Intl.Locale(locale).language) ? '' : ' ')
}
