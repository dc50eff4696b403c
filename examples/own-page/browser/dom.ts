/** Small helpers the own-page scripts share. */
import { translator, localeOf, type Translator } from '../i18n.js'

/** The page's translator: the server picked the language and wrote it into `<html lang>`. */
export const tr: Translator = translator(localeOf(document.documentElement.lang))

/** The element with this id; the page is ours, so a missing one is a bug. */
export function byId<T extends HTMLElement = HTMLElement> (id: string): T {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`#${id} is missing from the page`)
  return el as T
}

/** Shows `text` in an error paragraph, or hides it with null. */
export function showError (el: Element | null, text: string | null): void {
  if (!(el instanceof HTMLElement)) return
  el.textContent = text ?? ''
  el.hidden = text === null
}

/** A button that says it is busy (its `data-busy` text) until `done()`. */
export function busy (button: HTMLButtonElement): () => void {
  const idle = button.textContent
  button.disabled = true
  if (button.dataset.busy !== undefined) button.textContent = button.dataset.busy
  return () => {
    button.disabled = false
    button.textContent = idle
  }
}

/** A plugin route's answer: status, JSON body (empty when none), `Retry-After`. */
export interface Answer {
  status: number
  body: Record<string, unknown>
  retryAfter: number | null
}

/** `POST /auth<path>` with a JSON body, cookies included (same origin). Rejects only without an answer. */
export async function post (path: string, payload: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`/auth${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(payload),
    credentials: 'same-origin',
    cache: 'no-store',
  })
  let body: Record<string, unknown> = {}
  try {
    const parsed: unknown = await res.json()
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>
  } catch { /* no JSON body */ }
  const retry = Number(res.headers.get('retry-after'))
  return { status: res.status, body, retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null }
}

/** What to tell a person about an answer that is neither success nor a state of the link. */
export function problemText (a: Answer | null): string {
  if (a === null) return tr.t('error.network')
  if (a.status === 429) return tr.t('error.rateLimited', { count: Math.max(1, Math.ceil((a.retryAfter ?? 60) / 60)) })
  return tr.t('error.generic')
}
