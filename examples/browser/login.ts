/**
 * The sign-in page: `login()`, then `waitForSession()` (the link opened anywhere, or approved on
 * another device with the match code) alongside `verifyCode()` (the 6-digit code from the mail),
 * both in ./waiting.ts.
 */
import { createClient, MagicLinkClientError } from '../../src/client/index.js'
import { byId, explain, showError, t } from './dom.js'
import { startWaiting } from './waiting.js'

const client = createClient()

const ask = byId('ask')
const askForm = byId<HTMLFormElement>('ask-form')
const email = byId<HTMLInputElement>('email')
const askButton = byId<HTMLButtonElement>('ask-button')
const askError = byId('ask-error')
const wait = byId('wait')
const sentTo = byId('sent-to')
const restart = byId('restart')
const code = byId<HTMLInputElement>('code')

askForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const address = email.value.trim()
  // An empty field asks for the address; one the browser finds malformed says so.
  if (address === '') return showError(askError, t('error.emailEmpty'))
  if (!email.checkValidity()) return showError(askError, t('error.emailMalformed'))
  showError(askError, null)
  askButton.disabled = true
  client.login(address, { redirectTo: '/app' }).then((started) => {
    sentTo.textContent = address
    ask.hidden = true
    wait.hidden = false
    startWaiting(client, started, {
      approved: t('status.approved'),
      codeAccepted: t('status.codeAccepted'),
      // The link was used in another tab of this browser: that tab holds the session now, and
      // this poll finds the login over (410). Check before calling it a failure.
      elsewhere: async (error) =>
        error instanceof MagicLinkClientError && error.code === 'expired_token' && await client.session() !== null ? t('status.otherTab') : null,
      done: (to) => { location.assign(to ?? '/app') },
      // The login ended without a session: offer only a new start.
      over: () => { restart.textContent = t('wait.startAgain') },
    })
    code.focus()
  }, (error: unknown) => {
    // The server's own address check (400) is stricter than the browser's.
    const malformed = error instanceof MagicLinkClientError && error.code === 'FST_MAGIC_LINK_BAD_REQUEST'
    showError(askError, malformed ? t('error.emailMalformed') : explain(error))
    askButton.disabled = false
  })
})
