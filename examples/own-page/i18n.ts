/**
 * The catalog's translator, shared by the server (pages) and the browser scripts (which bundle
 * it): no Node API here.
 */
import { catalogs, DEFAULT_LOCALE, LOCALES, type Locale, type Message, type MessageKey } from './messages.js'

export type Values = Record<string, string | number>

/** The supported locale for a tag (`de-AT` → `de`), or the default. */
export function localeOf (tag: string | null | undefined): Locale {
  const base = (tag ?? '').trim().toLowerCase().split('-')[0] ?? ''
  return (LOCALES as string[]).includes(base) ? base as Locale : DEFAULT_LOCALE
}

/**
 * The page's language from an `Accept-Language` header: entries by q-value (ties keep their
 * order), `*` and `q=0` skipped, a region falls back to its language (`de-CH` → `de`); the
 * default when nothing matches. Only the first 20 entries are read.
 */
export function negotiate (header: string | undefined): Locale {
  if (header === undefined) return DEFAULT_LOCALE
  const entries = header.split(',').slice(0, 20).map((part, index) => {
    const [tag = '', ...params] = part.trim().split(';')
    const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined)
    return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index }
  }).filter((e) => e.tag !== '' && e.tag !== '*' && e.q > 0)
  entries.sort((a, b) => b.q - a.q || a.index - b.index)
  for (const { tag } of entries) {
    const base = tag.split('-')[0] as string
    if ((LOCALES as string[]).includes(base)) return base as Locale
  }
  return DEFAULT_LOCALE
}

/** `{name}` → its value; an unknown placeholder stays as it is (a catalog bug shows, never throws). */
export function fill (template: string, values: Values = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => name in values ? String(values[name]) : whole)
}

export interface Translator {
  locale: Locale
  /** A sentence, placeholders filled. For a plural message, pass `count`. */
  t (key: MessageKey, values?: Values): string
  /** The raw template, for pages that put elements into the placeholders. */
  template (key: MessageKey, count?: number): string
  /** "Chrome on Linux" (the plugin's fixed English vocabulary) in this language. */
  device (label: string): string
  /** "5 minutes ago" for the last six hours, else the date and time in words. */
  when (iso: string, now?: number): string
}

export function translator (locale: Locale): Translator {
  const catalog = catalogs[locale]
  const plural = new Intl.PluralRules(locale)
  const template = (key: MessageKey, count?: number): string => {
    const message: Message = catalog[key]
    if (typeof message === 'string') return message
    return message[plural.select(count ?? 0) as keyof typeof message] ?? message.other
  }
  const t = (key: MessageKey, values: Values = {}): string =>
    fill(template(key, typeof values.count === 'number' ? values.count : undefined), values)
  return {
    locale,
    t,
    template,
    device (label) {
      if (label === 'Unknown browser') return t('device.unknown')
      const m = /^(.+) on (.+)$/.exec(label)
      return m === null ? label : t('device.browserOnSystem', { browser: m[1] as string, system: m[2] as string })
    },
    when (iso, now = Date.now()) {
      const date = new Date(iso)
      const seconds = Math.round((now - date.getTime()) / 1000)
      if (Number.isNaN(seconds)) return ''
      if (seconds >= 0 && seconds < 60) return t('time.justNow')
      if (seconds >= 0 && seconds < 6 * 3600) {
        const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
        return seconds < 3600 ? rtf.format(-Math.floor(seconds / 60), 'minute') : rtf.format(-Math.floor(seconds / 3600), 'hour')
      }
      return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(date)
    },
  }
}
