import type { MagicLinkMessages, MessageKey, MessageValues, PluralForms } from './types.js'

/** Languages written right to left (`<html dir="rtl">`), by primary language subtag. */
const RTL = new Set(['ar', 'ckb', 'dv', 'fa', 'he', 'ps', 'sd', 'ug', 'ur', 'yi'])

/** Below this age a time is written relative to now ("5 minutes ago"); older ones as a date. */
const RELATIVE_BELOW_MS = 6 * 3_600_000

const UNITS: ReadonlyArray<readonly [Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]

/** The canonical form of a BCP 47 tag (`pt-br` → `pt-BR`), or undefined when it is not one. */
export function canonicalLocale (tag: unknown): string | undefined {
  if (typeof tag !== 'string' || tag === '' || tag.length > 35) return undefined
  try {
    return Intl.getCanonicalLocales(tag)[0]
  } catch {
    return undefined
  }
}

/**
 * The first of `wanted` (best first) that `supported` offers: the exact tag, else a supported
 * tag of the same language (`de-AT` → `de`, `pt` → `pt-BR`).
 */
export function matchLocale (wanted: readonly string[], supported: readonly string[]): string | undefined {
  for (const tag of wanted) {
    const canonical = canonicalLocale(tag)
    if (canonical === undefined) continue
    if (supported.includes(canonical)) return canonical
    const language = new Intl.Locale(canonical).language
    const exactLanguage = supported.find((s) => s === language)
    if (exactLanguage !== undefined) return exactLanguage
    const sameLanguage = supported.find((s) => new Intl.Locale(s).language === language)
    if (sameLanguage !== undefined) return sameLanguage
  }
  return undefined
}

/**
 * The tags of an `Accept-Language` header, best first (RFC 9110 §12.5.4: by q-value, then in
 * the order sent; `q=0` means "not this one"). Only the first 20 entries of a header are read.
 */
export function parseAcceptLanguage (header: string | undefined): string[] {
  if (header === undefined || header === '') return []
  const entries: Array<{ tag: string, q: number, i: number }> = []
  for (const [i, part] of header.split(',').slice(0, 20).entries()) {
    const [rawTag, ...params] = part.split(';')
    const tag = (rawTag as string).trim()
    let q = 1
    for (const param of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param)
      if (m !== null) q = Number(m[1])
    }
    if (tag !== '' && tag !== '*' && q > 0) entries.push({ tag, q, i })
  }
  return entries.sort((a, b) => b.q - a.q || a.i - b.i).map((e) => e.tag)
}

/**
 * The messages of one locale with the grammar of that locale: placeholders, plural forms, and
 * times and waits written for people through `Intl`. One per locale, made at boot.
 */
export class Translator {
  readonly locale: string
  readonly dir: 'ltr' | 'rtl'
  readonly messages: MagicLinkMessages
  readonly #plural: Intl.PluralRules
  readonly #number: Intl.NumberFormat
  readonly #relative: Intl.RelativeTimeFormat
  readonly #date: Intl.DateTimeFormat
  readonly #minutes: Intl.NumberFormat
  readonly #hours: Intl.NumberFormat

  constructor (locale: string, messages: MagicLinkMessages) {
    this.locale = locale
    this.messages = messages
    this.dir = RTL.has(new Intl.Locale(locale).language) ? 'rtl' : 'ltr'
    this.#plural = new Intl.PluralRules(locale)
    this.#number = new Intl.NumberFormat(locale)
    this.#relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
    this.#date = new Intl.DateTimeFormat(locale, {
      year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short',
    })
    this.#minutes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' })
    this.#hours = new Intl.NumberFormat(locale, { style: 'unit', unit: 'hour', unitDisplay: 'long' })
  }

  /** The text of `key` with its placeholders filled; a plural message picks its form by `values.count`. */
  text (key: MessageKey, values: MessageValues = {}): string {
    return this.#fill(this.#template(key, values), (name) => {
      const v = values[name]
      return v === undefined ? undefined : typeof v === 'number' ? this.#number.format(v) : v
    })
  }

  #template (key: MessageKey, values: MessageValues): string {
    const message = this.messages[key] as string | PluralForms
    if (typeof message === 'string') return message
    const count = values.count
    const category = typeof count === 'number' ? this.#plural.select(count) : 'other'
    return message[category] ?? message.other
  }

  // A placeholder with no value stays as `{name}`: visible in a test, never a crash on a page.
  #fill (template: string, value: (name: string) => string | undefined): string {
    return template.split(/(\{[A-Za-z]+\})/).map((part, i) => (i % 2 === 0 ? part : value(part.slice(1, -1)) ?? part)).join('')
  }

  /**
   * A device label from the fixed vocabulary of `describeUserAgent` ("Firefox on Linux",
   * "Unknown browser") in this locale; browser and system names are product names and stay.
   */
  device (label: string): string {
    const [browser, system] = label.split(' on ')
    const name = browser === undefined || browser === '' || browser === 'Unknown browser' ? this.text('device.unknownBrowser') : browser
    return system === undefined ? name : this.text('device.browserOnSystem', { browser: name, system })
  }

  /** "5 minutes ago" for a recent time, "on 6 December 2026 at 10:15 UTC" for an older one. */
  when (then: Date, now: Date): string {
    const ms = now.getTime() - then.getTime()
    if (ms < 60_000) return this.text('time.justNow')
    if (ms >= RELATIVE_BELOW_MS) return this.at(then)
    const [unit, size] = UNITS.find(([, size]) => ms >= size) as readonly [Intl.RelativeTimeFormatUnit, number]
    return this.#relative.format(-Math.floor(ms / size), unit)
  }

  /** "on 6 December 2026 at 10:15 UTC": a date in words, in UTC with the zone named. */
  at (then: Date): string {
    return this.text('time.at', { date: this.#date.format(then) })
  }

  /** A length of time: "10 minutes", "1 hour". */
  duration (ms: number): string {
    const minutes = Math.max(1, Math.round(ms / 60_000))
    return minutes % 60 === 0 ? this.#hours.format(minutes / 60) : this.#minutes.format(minutes)
  }

  /** A wait from now: "in 12 minutes", "in 30 seconds". */
  retry (seconds: number): string {
    const s = Math.max(1, Math.ceil(seconds))
    return s < 60 ? this.#relative.format(s, 'second') : this.#relative.format(Math.ceil(s / 60), 'minute')
  }
}
