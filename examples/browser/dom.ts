import { MagicLinkClientError } from '../../src/client/index.js'

/** The element with this id; the page is ours, so a missing one is a bug. */
export function byId<T extends HTMLElement = HTMLElement> (id: string): T {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`#${id} is missing from the page`)
  return el as T
}

/** Shows `text` in an error paragraph, or hides it with null. */
export function showError (el: HTMLElement, text: string | null): void {
  el.textContent = text ?? ''
  el.hidden = text === null
}

/** What to tell a person about a failed call of the client. */
export function explain (error: unknown): string {
  if (!(error instanceof MagicLinkClientError)) return 'Something went wrong. Please try again.'
  switch (error.code) {
    case 'access_denied': return 'This sign-in was stopped after too many wrong codes. Start again.'
    case 'expired_token': return 'This sign-in has expired, or a newer link was sent. Start again.'
    case 'FST_MAGIC_LINK_INVALID_CODE': return 'That code is not right. Check the latest mail.'
    case 'FST_MAGIC_LINK_INVALID_TOKEN': return 'This sign-in is over. Start again.'
    case 'network_error': return 'Cannot reach the server. Check your connection and try again.'
    default: return error.message
  }
}

/** "3 minutes ago", for epoch ms. */
export function ago (ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000))
  if (s < 60) return 'just now'
  const units: Array<[number, Intl.RelativeTimeFormatUnit]> = [[86_400, 'day'], [3600, 'hour'], [60, 'minute']]
  const [size, unit] = units.find(([n]) => s >= n) as [number, Intl.RelativeTimeFormatUnit]
  return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(-Math.floor(s / size), unit)
}
