/**
 * The signed-in page: the user's sessions with `sessions()`, `revokeSession()`, `logout()`,
 * `logoutAll()`; and two sensitive actions that need a recent sign-in: changing the address
 * (`changeEmail()`, `POST /auth/email`) and downloading the account's data (behind
 * `requireRecentLogin`). When either answers `FST_MAGIC_LINK_REAUTH_REQUIRED`, the page asks the
 * person to confirm with `reauthenticate()` and the waiting of the login page, then tries again.
 */
import { createClient, MagicLinkClientError, type DeviceSession, type LoginResult } from '../../src/client/index.js'
import { ago, byId, deviceName, explain, minutes, showError, t } from './dom.js'
import { startWaiting, waitingBlock, type Wait } from './waiting.js'

const client = createClient()
const list = byId<HTMLUListElement>('sessions')
const error = byId('error')

function toLogin (): void {
  location.assign('/')
}

/** Runs a call; a lost session (revoked from another device) sends the person to the sign-in page. */
async function guarded (action: () => Promise<void>): Promise<void> {
  try {
    showError(error, null)
    await action()
  } catch (e) {
    if (e instanceof MagicLinkClientError && e.status === 401) return toLogin()
    showError(error, explain(e))
  }
}

function item (s: DeviceSession): HTMLLIElement {
  const li = document.createElement('li')
  const what = document.createElement('div')
  what.className = 'what'
  const title = document.createElement('p')
  const device = document.createElement('strong')
  device.textContent = deviceName(s.device)
  title.append(device)
  if (s.current) {
    const badge = document.createElement('span')
    badge.className = 'badge'
    badge.textContent = t('app.thisDevice')
    title.append(badge)
  }
  const when = document.createElement('p')
  when.className = 'muted'
  when.textContent = t('app.sessionTimes', { created: ago(s.createdAt), seen: ago(s.lastSeenAt) })
  what.append(title, when)

  const button = document.createElement('button')
  button.type = 'button'
  button.className = 'secondary'
  button.textContent = t('app.signOut')
  button.addEventListener('click', () => {
    button.disabled = true
    void guarded(async () => {
      await client.revokeSession(s.id)
      if (s.current) return toLogin()
      await render()
    })
  })
  li.append(what, button)
  return li
}

async function render (): Promise<void> {
  const sessions = await client.sessions()
  sessions.sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt - a.lastSeenAt)
  list.replaceChildren(...sessions.map(item))
}

byId('logout').addEventListener('click', () => {
  void guarded(async () => {
    await client.logout()
    toLogin()
  })
})

byId('logout-all').addEventListener('click', () => {
  void guarded(async () => {
    await client.logoutAll()
    toLogin()
  })
})

// ---------------------------------------------------------------------------------------------
// One flow at a time. "Confirm it's you" and "Check your new mailbox" each wait for a flow of
// the plugin, and this browser holds one binding cookie, for the flow it asked for last:
// starting one stops the other.

/** Closes the panel of the flow the page waits for and gives its action's button back. */
type Stop = () => void

let active: Stop | null = null

/** `stop` is now the page's flow in progress; the one before is stopped. */
function own (stop: Stop): void {
  const before = active
  active = stop
  if (before !== null && before !== stop) before()
}

/** `stop`'s flow ended by itself (done, or over): nothing to stop any more. */
function disown (stop: Stop): void {
  if (active === stop) active = null
}

/** Stops `stop`'s flow if it is still the page's (a Cancel button). */
function release (stop: Stop | null): void {
  if (stop !== null && active === stop) {
    active = null
    stop()
  }
}

// ---------------------------------------------------------------------------------------------
// "Confirm it's you": `reauthenticate()` mails the session's own address a new link and code;
// once this browser holds the new session (the link here, the code, or another device's
// approval of the match code), the action that asked runs again.

const reauth = byId('reauth')
const reauthWhy = byId('reauth-why')
const code = byId<HTMLInputElement>('code')

/** What asked for the confirmation. */
interface Asker {
  /** The panel shows right below this element of the action. */
  below: HTMLElement
  /** Why, with the action's `maxAge`. */
  why: string
  /** `#status` once confirmed. */
  confirmed: string
  /** The confirmation could not start: say why. */
  failed (text: string): void
  /** Confirmed: the action again. `ended` settles when the confirmation's poll is over. */
  then (ended: Promise<void>): void
  /** Closed without a confirmation: Cancel, another action, or it ended (the panel says why). */
  closed (): void
}

/** The "Confirm it's you" in progress, for its Cancel button. */
let confirmation: Stop | null = null

async function confirm (asker: Asker): Promise<void> {
  let wait: Wait | null = null
  const stop: Stop = () => {
    wait?.cancel()
    reauth.hidden = true
    asker.closed()
  }
  own(stop)
  confirmation = stop
  // Should the poll end with `expired_token`, a newer `authTime` tells that another tab confirmed.
  const before = (await client.session())?.session.authTime
  const started = await client.reauthenticate().catch((e: unknown) => e as MagicLinkClientError)
  // Another action took over meanwhile.
  if (active !== stop) return
  if (started instanceof MagicLinkClientError) {
    disown(stop)
    if (started.status === 401) return toLogin()
    asker.failed(explain(started))
    return
  }
  asker.below.after(reauth)
  reauthWhy.textContent = asker.why
  reauth.hidden = false
  const w = startWaiting(client, started, {
    approved: asker.confirmed,
    codeAccepted: asker.confirmed,
    elsewhere: async (error) => {
      if (!(error instanceof MagicLinkClientError) || error.code !== 'expired_token' || before === undefined) return null
      const now = await client.session()
      return now !== null && now.session.authTime > before ? asker.confirmed : null
    },
    done: () => {
      disown(stop)
      // The session has a new id now: the list shows it as this device's.
      void guarded(render)
      asker.then(w.ended)
    },
    over: () => {
      disown(stop)
      asker.closed()
    },
  })
  wait = w
  reauth.scrollIntoView({ block: 'nearest' })
  code.focus({ preventScroll: true })
}

byId('reauth-cancel').addEventListener('click', () => {
  release(confirmation)
  reauth.hidden = true
})

// ---------------------------------------------------------------------------------------------
// Changing the address: `changeEmail()` mails the new address a link and a code that complete
// the change in this session only. Then the plugin ends every other session, renews this one
// (whose claims carry the new address) and tells the old address; the page reloads.

const emailSection = byId('email')
const emailForm = byId<HTMLFormElement>('email-form')
const newEmail = byId<HTMLInputElement>('new-email')
const emailButton = byId<HTMLButtonElement>('email-button')
const emailError = byId('email-error')
const emailWait = byId('email-wait')
const emailSentTo = byId('email-sent-to')
const emailCode = byId<HTMLInputElement>('email-code')
const currentEmail = byId('current-email').textContent ?? ''
/** The server's `emailChange.maxAge`, in seconds, for "Confirm it's you". */
const emailMaxAge = Number(emailSection.dataset.maxAge ?? '600')
const emailWaiting = waitingBlock('email-')

/** The change in progress, for its Cancel button. */
let emailChange: Stop | null = null

function emailFormBack (): void {
  emailButton.disabled = false
  newEmail.readOnly = false
}

/**
 * Asks to move the account to `address`. A session too old for it starts the confirmation,
 * once: `confirmed` is set when this call follows one.
 */
async function changeEmail (address: string, confirmed = false): Promise<void> {
  let wait: Wait | null = null
  const stop: Stop = () => {
    wait?.cancel()
    emailWait.hidden = true
    emailFormBack()
  }
  own(stop)
  emailChange = stop
  emailButton.disabled = true
  newEmail.readOnly = true
  emailWait.hidden = true
  showError(emailError, null)
  let started: LoginResult
  try {
    started = await client.changeEmail(address)
  } catch (e) {
    if (active !== stop) return
    disown(stop)
    const code = e instanceof MagicLinkClientError ? e.code : null
    if (code === 'FST_MAGIC_LINK_REAUTH_REQUIRED' && !confirmed) {
      return await confirm({
        below: emailForm,
        why: t('email.why', { duration: minutes(Math.max(1, Math.round(emailMaxAge / 60))) }),
        confirmed: t('email.confirmed'),
        failed: (text) => {
          showError(emailError, text)
          emailFormBack()
        },
        // After the mail code, the confirmation's poll clears the binding cookie when it ends:
        // the change's flow sets its own only after that.
        then: (ended) => {
          void ended.then(() => {
            reauth.hidden = true
            return changeEmail(address, true)
          })
        },
        closed: emailFormBack,
      })
    }
    emailFormBack()
    if (e instanceof MagicLinkClientError && e.status === 401 && code !== 'FST_MAGIC_LINK_REAUTH_REQUIRED') return toLogin()
    // The server's own address check (400) is stricter than the browser's.
    showError(emailError, code === 'FST_MAGIC_LINK_BAD_REQUEST' ? t('error.emailMalformed') : explain(e))
    return
  }
  if (active !== stop) return
  // The same page whether or not the address already has an account: the plugin's answer is
  // the same, and the mail to that address says which it was.
  emailSentTo.textContent = address
  emailWait.hidden = false
  wait = emailWaiting.start(client, started, {
    approved: t('email.changed'),
    codeAccepted: t('email.changed'),
    // The link was used in another tab of this browser, and this poll found the flow over:
    // the session's address tells whether the change went through.
    elsewhere: async (error) => {
      if (!(error instanceof MagicLinkClientError) || error.code !== 'expired_token') return null
      const now = await client.session()
      const email = now?.session.data.email
      return typeof email === 'string' && email.toLowerCase() === address.toLowerCase() ? t('email.changed') : null
    },
    // The new session's claims carry the new address: the page shows it after a reload.
    done: () => {
      disown(stop)
      location.reload()
    },
    over: () => {
      disown(stop)
      emailFormBack()
    },
  })
  emailWait.scrollIntoView({ block: 'nearest' })
  emailCode.focus({ preventScroll: true })
}

emailForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const address = newEmail.value.trim()
  // An empty field asks for the address; one the browser finds malformed says so.
  if (address === '') return showError(emailError, t('error.emailEmpty'))
  if (!newEmail.checkValidity()) return showError(emailError, t('error.emailMalformed'))
  if (address.toLowerCase() === currentEmail.toLowerCase()) return showError(emailError, t('email.same'))
  void changeEmail(address)
})

// A message about the address typed before is gone once the person types again.
newEmail.addEventListener('input', () => { showError(emailError, null) })

byId('email-cancel').addEventListener('click', () => {
  release(emailChange)
  emailWait.hidden = true
  emailFormBack()
  newEmail.focus()
})

// ---------------------------------------------------------------------------------------------
// The data: GET /account/data, behind `app.requireRecentLogin('5m')`.

const DATA_FILE = 'acme-notes-data.json'
const dataButton = byId<HTMLButtonElement>('data-button')
const dataDone = byId('data-done')
const dataError = byId('data-error')

/** Hands `data` to the browser as a file download. */
function save (data: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }))
  const a = document.createElement('a')
  a.href = url
  a.download = DATA_FILE
  a.hidden = true
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/**
 * Asks for the data. A session too old for it (`FST_MAGIC_LINK_REAUTH_REQUIRED`) starts the
 * confirmation, once: `confirmed` is set when this call follows one.
 */
async function download (confirmed = false): Promise<void> {
  dataButton.disabled = true
  showError(dataError, null)
  dataDone.hidden = true
  try {
    const res = await client.fetch('/account/data', { headers: { accept: 'application/json' } })
    const body = await res.json().catch(() => null) as { code?: unknown, maxAge?: unknown } | null
    if (res.ok) {
      save(body)
      reauth.hidden = true
      dataDone.textContent = t('data.done', { file: `\u2068${DATA_FILE}\u2069` })
      dataDone.hidden = false
    } else if (res.status === 401 && body?.code === 'FST_MAGIC_LINK_REAUTH_REQUIRED' && !confirmed) {
      const maxAge = typeof body.maxAge === 'number' ? body.maxAge : 300
      return await confirm({
        below: dataError,
        why: t('reauth.why', { duration: minutes(Math.max(1, Math.round(maxAge / 60))) }),
        confirmed: t('reauth.confirmed'),
        failed: (text) => {
          showError(dataError, text)
          dataButton.disabled = false
        },
        then: () => { void download(true) },
        closed: () => { dataButton.disabled = false },
      })
    } else if (res.status === 401 && body?.code !== 'FST_MAGIC_LINK_REAUTH_REQUIRED') {
      return toLogin()
    } else {
      showError(dataError, t('error.generic'))
    }
  } catch (e) {
    showError(dataError, explain(e))
  }
  dataButton.disabled = false
}

dataButton.addEventListener('click', () => { void download() })

void guarded(render)
