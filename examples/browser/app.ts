/** The signed-in page: the user's sessions with `sessions()`, `revokeSession()`, `logout()`, `logoutAll()`. */
import { createClient, MagicLinkClientError, type DeviceSession } from '../../src/client/index.js'
import { ago, byId, deviceName, explain, showError, t } from './dom.js'

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

void guarded(render)
