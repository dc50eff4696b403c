/**
 * `/`: ask for a link with `login()`, show the match code, and wait with `waitForSession()`
 * (the link opened in this browser, or approved on another device with that code).
 */
import { createClient, MagicLinkClientError } from '../../../src/client/index.js'
import { byId, problemText, showError, tr } from './dom.js'

const client = createClient()
const ask = byId('ask')
const form = byId<HTMLFormElement>('ask-form')
const email = byId<HTMLInputElement>('email')
const button = byId<HTMLButtonElement>('ask-button')
const askError = byId('ask-error')
const wait = byId('wait')
const match = byId('match')
const status = byId('status')

function setStatus (text: string, kind: '' | 'ok' | 'err'): void {
  status.textContent = text
  status.className = kind === '' ? 'status' : `status ${kind}`
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  const address = email.value.trim()
  if (address === '' || !email.checkValidity()) {
    email.setAttribute('aria-invalid', 'true')
    return showError(askError, tr.t('ask.invalid'))
  }
  email.removeAttribute('aria-invalid')
  showError(askError, null)
  button.disabled = true
  client.login(address, { redirectTo: '/account' }).then((started) => {
    for (const el of Array.from(wait.querySelectorAll('[data-slot="email"]'))) el.textContent = address
    match.textContent = started.matchCode
    ask.hidden = true
    wait.hidden = false
    void waitForSession()
  }, (error: unknown) => {
    button.disabled = false
    const status = error instanceof MagicLinkClientError ? error.status : 0
    showError(askError, status === 400 ? tr.t('ask.invalid') : problemText(status === 0 ? null : { status, body: {}, retryAfter: null }))
  })
})

async function waitForSession (): Promise<void> {
  try {
    const { redirectTo } = await client.waitForSession()
    setStatus(tr.t('wait.done'), 'ok')
    location.assign(redirectTo)
  } catch (error) {
    // Signed in through the link in another tab of this browser: the poll then finds the flow over.
    if (error instanceof MagicLinkClientError && error.code === 'expired_token' && await client.session().catch(() => null) !== null) {
      setStatus(tr.t('wait.done'), 'ok')
      return location.assign('/account')
    }
    byId('match').parentElement?.setAttribute('hidden', '')
    setStatus(tr.t('wait.over'), 'err')
  }
}
