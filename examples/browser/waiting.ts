/**
 * "Check your mail", shared by the login page and the signed-in page's "Confirm it's you"
 * (the HTML is `waitingHtml` in examples/lib/site.ts): the match code for another device,
 * `waitForSession()` (the link opened anywhere, or approved on another device) alongside
 * `verifyCode()` (the 6-digit code from the mail).
 */
import type { LoginResult, MagicLinkClient } from '../../src/client/index.js'
import { byId, explain, minutes, showError, t } from './dom.js'

const match = byId('match')
const status = byId('status')
const expires = byId('expires')
const matchbox = byId('matchbox')
const codeArea = byId('code-area')
const codeForm = byId<HTMLFormElement>('code-form')
const code = byId<HTMLInputElement>('code')
const codeButton = byId<HTMLButtonElement>('code-button')
const codeError = byId('code-error')

export interface WaitingOptions {
  /** What `#status` says once this browser holds the session: after the poll, and after the code. */
  approved: string
  codeAccepted: string
  /**
   * The waiting poll ended with `error`: if this browser got its session anyway (the link was
   * used in another tab of it), what `#status` says then; else null.
   */
  elsewhere (error: unknown): Promise<string | null>
  /** This browser holds the session (once). `redirectTo` is null when another tab completed it. */
  done (redirectTo: string | null): void
  /** It ended without a session; `#status` already says why. */
  over? (error: unknown): void
}

/** One wait: the login (or confirmation) this page started last. */
interface Attempt {
  client: MagicLinkClient
  o: WaitingOptions
  controller: AbortController
  /** Set while a code is being checked: the waiting poll then ends too, and must not show an error. */
  checkingCode: boolean
  /** How the waiting poll ended while a code was being checked. */
  endedMeanwhile: unknown
  /** Done, over or cancelled: nothing more is shown. */
  finished: boolean
}

let current: Attempt | null = null

function setStatus (text: string, kind: 'wait' | 'ok' | 'err'): void {
  status.textContent = text
  status.className = kind === 'wait' ? 'status' : `status ${kind}`
}

function finish (a: Attempt, redirectTo: string | null, text: string): void {
  if (a.finished) return
  a.finished = true
  setStatus(text, 'ok')
  codeArea.hidden = true
  a.o.done(redirectTo)
}

/** It ended without a session: say why, and hide what no longer works. */
function over (a: Attempt, error: unknown): void {
  if (a.finished) return
  a.finished = true
  setStatus(explain(error), 'err')
  for (const el of [matchbox, codeArea, expires]) el.hidden = true
  a.o.over?.(error)
}

async function poll (a: Attempt): Promise<void> {
  try {
    const { redirectTo } = await a.client.waitForSession({ signal: a.controller.signal })
    finish(a, redirectTo, a.o.approved)
  } catch (error) {
    if (a.finished) return
    if (a.checkingCode) {
      a.endedMeanwhile = error
      return
    }
    const text = await a.o.elsewhere(error)
    if (text !== null) return finish(a, null, text)
    over(a, error)
  }
}

/**
 * Shows `started` (the match code, how long the mail works) and waits for the link, another
 * device's approval or the code typed here. A wait started earlier on this page is dropped.
 */
export function startWaiting (client: MagicLinkClient, started: LoginResult, o: WaitingOptions): { cancel (): void } {
  if (current !== null) cancel(current)
  const a: Attempt = { client, o, controller: new AbortController(), checkingCode: false, endedMeanwhile: null, finished: false }
  current = a
  match.textContent = started.matchCode
  expires.textContent = t('wait.expires', { duration: minutes(Math.round(started.expiresIn / 60)) })
  for (const el of [matchbox, codeArea, expires]) el.hidden = false
  setStatus(t('wait.waiting'), 'wait')
  code.value = ''
  codeButton.disabled = false
  showError(codeError, null)
  void poll(a)
  return { cancel: () => cancel(a) }
}

function cancel (a: Attempt): void {
  a.finished = true
  a.controller.abort()
  if (current === a) current = null
}

codeForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const a = current
  if (a === null || a.finished) return
  const value = code.value.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(value)) return showError(codeError, t('error.codeFormat'))
  showError(codeError, null)
  codeButton.disabled = true
  // The waiting poll keeps running: aborting it would leave its long-poll on the server.
  a.checkingCode = true
  a.client.verifyCode(value).then(({ redirectTo }) => {
    finish(a, redirectTo, a.o.codeAccepted)
  }, (error: unknown) => {
    a.checkingCode = false
    codeButton.disabled = false
    if (a.finished) return
    if (a.endedMeanwhile !== null) return over(a, a.endedMeanwhile)
    showError(codeError, explain(error))
    code.select()
  })
})
