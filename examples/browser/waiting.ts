/**
 * "Check your mail", shared by the login page and the signed-in page's "Confirm it's you" and
 * "Check your new mailbox" (the HTML is `waitingHtml` in examples/lib/site.ts): the match code
 * for another device, `waitForSession()` (the link opened anywhere, or approved on another
 * device) alongside `verifyCode()` (the 6-digit code from the mail).
 */
import type { LoginResult, MagicLinkClient } from '../../src/client/index.js'
import { byId, explain, minutes, showError, t } from './dom.js'

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

/** A wait in progress. */
export interface Wait {
  /** Stops showing it and stops polling. */
  cancel (): void
  /**
   * Settles when the waiting poll has ended. After the mail code, the poll still hears
   * "completed" once, and that answer clears the binding cookie: a page that starts another
   * flow right after (a new `POST /auth/email` after "Confirm it's you") waits for it first, or
   * the clearing could land on the new flow's cookie, which has the same name.
   */
  ended: Promise<void>
}

/** One wait: the login (or confirmation) this block started last. */
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

/** One "check your mail" block of the page. */
export interface Waiting {
  /**
   * Shows `started` (the match code, how long the mail works) and waits for the link, another
   * device's approval or the code typed here. A wait started earlier in this block is dropped.
   */
  start (client: MagicLinkClient, started: LoginResult, o: WaitingOptions): Wait
}

/** The block whose ids start with `prefix` (`''`: `#match`, `#code`…; `'email-'`: `#email-match`…). */
export function waitingBlock (prefix = ''): Waiting {
  const el = <T extends HTMLElement = HTMLElement>(id: string): T => byId<T>(prefix + id)
  const match = el('match')
  const status = el('status')
  const expires = el('expires')
  const matchbox = el('matchbox')
  const codeArea = el('code-area')
  const codeForm = el<HTMLFormElement>('code-form')
  const code = el<HTMLInputElement>('code')
  const codeButton = el<HTMLButtonElement>('code-button')
  const codeError = el('code-error')

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
    for (const x of [matchbox, codeArea, expires]) x.hidden = true
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

  return {
    start (client, started, o) {
      if (current !== null) cancel(current)
      const a: Attempt = { client, o, controller: new AbortController(), checkingCode: false, endedMeanwhile: null, finished: false }
      current = a
      match.textContent = started.matchCode
      expires.textContent = t('wait.expires', { duration: minutes(Math.round(started.expiresIn / 60)) })
      for (const x of [matchbox, codeArea, expires]) x.hidden = false
      setStatus(t('wait.waiting'), 'wait')
      code.value = ''
      codeButton.disabled = false
      showError(codeError, null)
      // A failed check in `elsewhere` (the network gone) ends the wait like any failure.
      const ended = poll(a).catch((error: unknown) => { over(a, error) })
      return { cancel: () => cancel(a), ended }
    },
  }
}

let first: Waiting | null = null

/** `start` of the page's first block (ids without a prefix): the login page's, and "Confirm it's you". */
export function startWaiting (client: MagicLinkClient, started: LoginResult, o: WaitingOptions): Wait {
  first ??= waitingBlock()
  return first.start(client, started, o)
}
