/**
 * The signed-in page: the user's sessions with `sessions()`, `revokeSession()`, `logout()`,
 * `logoutAll()`; and a sensitive action (downloading the account's data) that the server guards
 * with `requireRecentLogin`: when it answers `FST_MAGIC_LINK_REAUTH_REQUIRED`, the page asks the
 * person to confirm with `reauthenticate()` and the waiting of the login page, then tries again.
 */
import { createClient, MagicLinkClientError, type DeviceSession } from '../../src/client/index.js'
import { ago, byId, deviceName, explain, minutes, showError, t } from './dom.js'
import { startWaiting } from './waiting.js'

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
// The sensitive action: GET /account/data, behind `app.requireRecentLogin('5m')`.

const DATA_FILE = 'acme-notes-data.json'
const dataButton = byId<HTMLButtonElement>('data-button')
const dataDone = byId('data-done')
const dataError = byId('data-error')
const reauth = byId('reauth')
const reauthWhy = byId('reauth-why')
const code = byId<HTMLInputElement>('code')

/** The confirmation in progress, if any. */
let waiting: { cancel (): void } | null = null

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
      return await confirm(typeof body.maxAge === 'number' ? body.maxAge : 300)
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

/**
 * "Confirm it's you": `reauthenticate()` mails the session's own address a new link and code;
 * once this browser holds the new session (the link here, the code, or another device's
 * approval of the match code), the download runs again.
 */
async function confirm (maxAge: number): Promise<void> {
  // Should the poll end with `expired_token`, a newer `authTime` tells that another tab confirmed.
  const before = (await client.session())?.session.authTime
  const started = await client.reauthenticate().catch((e: unknown) => e as MagicLinkClientError)
  if (started instanceof MagicLinkClientError) {
    if (started.status === 401) return toLogin()
    showError(dataError, explain(started))
    dataButton.disabled = false
    return
  }
  reauthWhy.textContent = t('reauth.why', { duration: minutes(Math.max(1, Math.round(maxAge / 60))) })
  reauth.hidden = false
  waiting = startWaiting(client, started, {
    approved: t('reauth.confirmed'),
    codeAccepted: t('reauth.confirmed'),
    elsewhere: async (error) => {
      if (!(error instanceof MagicLinkClientError) || error.code !== 'expired_token' || before === undefined) return null
      const now = await client.session()
      return now !== null && now.session.authTime > before ? t('reauth.confirmed') : null
    },
    done: () => {
      waiting = null
      // The session has a new id now: the list shows it as this device's.
      void guarded(render)
      void download(true)
    },
    over: () => {
      waiting = null
      dataButton.disabled = false
    },
  })
  reauth.scrollIntoView({ block: 'nearest' })
  code.focus({ preventScroll: true })
}

dataButton.addEventListener('click', () => { void download() })

byId('reauth-cancel').addEventListener('click', () => {
  waiting?.cancel()
  waiting = null
  reauth.hidden = true
  dataButton.disabled = false
})

void guarded(render)
