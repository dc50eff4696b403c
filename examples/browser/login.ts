/**
 * The sign-in page: `login()`, then `waitForSession()` (the link opened anywhere, or approved on
 * another device with the match code) alongside `verifyCode()` (the 6-digit code from the mail).
 */
import { createClient, MagicLinkClientError } from '../../src/client/index.js'
import { byId, explain, minutes, showError, t } from './dom.js'

const client = createClient()

const ask = byId('ask')
const askForm = byId<HTMLFormElement>('ask-form')
const email = byId<HTMLInputElement>('email')
const askButton = byId<HTMLButtonElement>('ask-button')
const askError = byId('ask-error')
const wait = byId('wait')
const sentTo = byId('sent-to')
const match = byId('match')
const status = byId('status')
const expires = byId('expires')
const matchbox = byId('matchbox')
const codeArea = byId('code-area')
const restart = byId('restart')
const codeForm = byId<HTMLFormElement>('code-form')
const code = byId<HTMLInputElement>('code')
const codeButton = byId<HTMLButtonElement>('code-button')
const codeError = byId('code-error')

/** Set while a code is being checked: the waiting poll then ends too, and must not show an error. */
let checkingCode = false
/** How the waiting poll ended while a code was being checked. */
let endedMeanwhile: unknown = null

function setStatus (text: string, kind: 'wait' | 'ok' | 'err'): void {
  status.textContent = text
  status.className = kind === 'wait' ? 'status' : `status ${kind}`
}

function signedIn (to: string, text: string): void {
  setStatus(text, 'ok')
  codeArea.hidden = true
  location.assign(to)
}

/** The login ended without a session: say why, and offer only a new start. */
function over (error: unknown): void {
  setStatus(explain(error), 'err')
  for (const el of [matchbox, codeArea, expires]) el.hidden = true
  restart.textContent = t('wait.startAgain')
}

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
    match.textContent = started.matchCode
    expires.textContent = t('wait.expires', { duration: minutes(Math.round(started.expiresIn / 60)) })
    ask.hidden = true
    wait.hidden = false
    code.focus()
    void waitForApproval()
  }, (error: unknown) => {
    // The server's own address check (400) is stricter than the browser's.
    const malformed = error instanceof MagicLinkClientError && error.code === 'FST_MAGIC_LINK_BAD_REQUEST'
    showError(askError, malformed ? t('error.emailMalformed') : explain(error))
    askButton.disabled = false
  })
})

async function waitForApproval (): Promise<void> {
  try {
    const { redirectTo } = await client.waitForSession()
    signedIn(redirectTo, t('status.approved'))
  } catch (error) {
    if (checkingCode) {
      endedMeanwhile = error
      return
    }
    // The link was used in another tab of this browser: that tab holds the session now, and
    // this poll finds the login over (410). Check before calling it a failure.
    if (error instanceof MagicLinkClientError && error.code === 'expired_token' && await client.session() !== null) {
      return signedIn('/app', t('status.otherTab'))
    }
    over(error)
  }
}

codeForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const value = code.value.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(value)) return showError(codeError, t('error.codeFormat'))
  showError(codeError, null)
  codeButton.disabled = true
  // The waiting poll keeps running: aborting it would leave its long-poll on the server.
  checkingCode = true
  client.verifyCode(value).then(({ redirectTo }) => {
    signedIn(redirectTo, t('status.codeAccepted'))
  }, (error: unknown) => {
    checkingCode = false
    codeButton.disabled = false
    if (endedMeanwhile !== null) return over(endedMeanwhile)
    showError(codeError, explain(error))
    code.select()
  })
})
