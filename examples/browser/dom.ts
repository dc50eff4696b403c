import { MagicLinkClientError } from '../../src/client/index.js'
import { sentences, translator, type PageTexts, type Translate } from '../lib/text.js'

/** The element with this id; the page is ours, so a missing one is a bug. */
export function byId<T extends HTMLElement = HTMLElement> (id: string): T {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`#${id} is missing from the page`)
  return el as T
}

/**
 * The page's texts in its language: the server renders them as JSON into
 * `<script type="application/json" id="texts">` (a data block: the CSP's `script-src 'self'`
 * does not apply to it, as it never runs).
 */
const texts = JSON.parse(byId('texts').textContent ?? '{}') as PageTexts

/** The page's language (BCP 47), for `Intl`. */
export const locale = texts.locale

/** `t(key, values)` in the page's language. */
export const t: Translate = translator(locale, texts.messages)

/** Shows `text` in an error paragraph, or hides it with null. */
export function showError (el: HTMLElement, text: string | null): void {
  el.textContent = text ?? ''
  el.hidden = text === null
}

/** A wrong code, as the plugin's other-device page says it: "That code isn't right. You have 4 tries left." */
function wrongCode (attemptsLeft: number | undefined): string {
  if (attemptsLeft === undefined) return sentences(locale, t('code.wrong'), t('error.codeCheckMail'))
  if (attemptsLeft <= 0) return sentences(locale, t('code.wrong'), t('error.denied'))
  return sentences(locale, t('code.wrong'), t('code.attemptsLeft', { count: attemptsLeft }))
}

/** What to tell a person about a failed call of the client, in the page's language. */
export function explain (error: unknown): string {
  if (!(error instanceof MagicLinkClientError)) return t('error.generic')
  switch (error.code) {
    case 'access_denied': return t('error.denied')
    case 'expired_token': return t('error.expired')
    case 'FST_MAGIC_LINK_INVALID_CODE': return wrongCode(error.attemptsLeft)
    case 'FST_MAGIC_LINK_INVALID_TOKEN':
      return error.reason === 'denied' ? t('error.denied') : error.reason === 'expired' || error.reason === 'superseded' ? t('error.expired') : t('error.over')
    case 'FST_MAGIC_LINK_RATE_LIMITED': return t('error.rateLimited')
    case 'FST_MAGIC_LINK_STORE_UNAVAILABLE': return t('error.unavailable')
    case 'network_error': return t('error.network')
    default: return t('error.generic')
  }
}

const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })

/** "3 minutes ago" for epoch ms, in the page's language. */
export function ago (ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000))
  if (s < 60) return t('app.justNow')
  const units: Array<[number, Intl.RelativeTimeFormatUnit]> = [[86_400, 'day'], [3600, 'hour'], [60, 'minute']]
  const [size, unit] = units.find(([n]) => s >= n) as [number, Intl.RelativeTimeFormatUnit]
  return relative.format(-Math.floor(s / size), unit)
}

/** A device label of the plugin's fixed vocabulary ("Chrome on Linux") in the page's language; product names stay. */
export function deviceName (label: string): string {
  const [browser = '', system] = label.split(' on ')
  const name = browser === '' || browser === 'Unknown browser' ? t('device.unknown') : browser
  return system === undefined ? name : t('device.on', { browser: name, system })
}

/** A length of time in minutes for people: "15 minutes", "15 Minuten", "15 分". */
export function minutes (n: number): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(n)
}
