/**
 * The app's own verify page, `/login/verify#token=…`:
 *
 * 1. takes the token from the fragment (never sent to any server) and removes it from the
 *    address bar with `history.replaceState` (it stays in this history entry's state, so a
 *    reload still works);
 * 2. asks `POST /auth/link`, which changes nothing, and shows the link's state;
 * 3. posts `/auth/verify` or `/auth/resend` only when the person clicks. Never on load: mail
 *    scanners run scripts, and a page that posted by itself would spend the link for them.
 */
import { createClient, MagicLinkClientError } from '../../../src/client/index.js'
import { busy, byId, post, problemText, showError, tr, type Answer } from './dom.js'

type View = 'loading' | 'signin' | 'code' | 'invite' | 'elsewhere' | 'approved' | 'expired' | 'superseded' | 'resent' | 'used' | 'denied' | 'unknown' | 'error'

/** What `POST /auth/link` answers. Only `state` for a token that is not a link. */
interface LinkInfo {
  state: 'pending' | 'used' | 'expired' | 'superseded' | 'denied' | 'unknown'
  sameBrowser?: boolean
  needsCode?: boolean
  needsEmail?: boolean
  requestedAt?: string
  device?: string
  email?: string
  usedAt?: string
  usedDevice?: string
}

function takeToken (): string | null {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token')
  if (location.hash !== '') {
    // Out of the address bar (and so out of bookmarks, history sync and screenshots), but kept
    // in this entry's state: a reload or "back" still finds it, no server ever sees it.
    history.replaceState(fromHash === null ? null : { token: fromHash }, '', location.pathname + location.search)
  }
  if (fromHash !== null) return fromHash
  const kept = history.state as { token?: unknown } | null
  return typeof kept?.token === 'string' ? kept.token : null
}

const token = takeToken()
const client = createClient()
/** The last inspection: the resent page names its (masked) address. */
let info: LinkInfo = { state: 'unknown' }

function section (view: View): HTMLElement {
  const el = document.querySelector<HTMLElement>(`section[data-state="${view}"]`)
  if (el === null) throw new Error(`no section for ${view}`)
  return el
}

/** Shows one state; with `focus`, moves the focus to its heading (after a click, for screen readers). */
function show (view: View, focus = false): HTMLElement {
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('section[data-state]'))) el.hidden = el.dataset.state !== view
  document.body.dataset.view = view
  const el = section(view)
  if (focus) el.querySelector('h1')?.focus()
  return el
}

/** Fills the `data-slot` elements of a section; a fact whose value is missing is hidden. */
function fillSlots (el: HTMLElement, values: Record<string, string | undefined>): void {
  for (const target of Array.from(el.querySelectorAll<HTMLElement>('[data-slot]'))) {
    const name = target.dataset.slot as string
    const value = values[name]
    const row = target.closest<HTMLElement>('[data-row]')
    if (row !== null) row.hidden = value === undefined || value === ''
    if (value === undefined) continue
    if (target instanceof HTMLTimeElement) {
      target.dateTime = value
      target.textContent = tr.when(value)
    } else {
      target.textContent = value
    }
  }
}

function render (link: LinkInfo, focus = false): void {
  info = link
  const values = {
    email: link.email,
    requestedAt: link.requestedAt,
    device: link.device === undefined ? undefined : tr.device(link.device),
    usedAt: link.usedAt,
    usedDevice: link.usedDevice === undefined ? undefined : tr.device(link.usedDevice),
  }
  let view: View
  switch (link.state) {
    case 'pending':
      view = link.sameBrowser === true ? 'signin' : link.needsEmail === true ? 'invite' : link.needsCode === true ? 'code' : 'elsewhere'
      break
    case 'used': case 'expired': case 'superseded': case 'denied':
      view = link.state
      break
    default:
      view = 'unknown'
  }
  fillSlots(show(view, focus), values)
}

function problem (a: Answer | null, focus = true): void {
  fillSlots(show('error', focus), { problem: problemText(a) })
}

/** `POST /auth/link`: reads the link's state, changes nothing. Safe on load, and again after a failed click. */
async function inspect (focus = false): Promise<void> {
  if (token === null) return render({ state: 'unknown' }, focus)
  let a: Answer
  try {
    a = await post('/link', { token })
  } catch {
    return problem(null, focus)
  }
  if (a.status === 400) return render({ state: 'unknown' }, focus)
  if (a.status !== 200) return problem(a, focus)
  render(a.body as unknown as LinkInfo, focus)
}

/**
 * A refused `POST /auth/verify`: a code problem is said next to the field; a link that can no
 * longer be used is inspected again, which shows its state (used, expired, stopped…).
 */
function refused (a: Answer, errorEl: Element | null, field: HTMLInputElement | null): void {
  const code = a.body.code
  if (a.status === 400 && code === 'FST_MAGIC_LINK_INVALID_CODE') {
    const left = a.body.attemptsLeft
    if (left === 0) return void inspect(true)
    field?.setAttribute('aria-invalid', 'true')
    field?.select()
    return showError(errorEl, typeof left === 'number' ? tr.t('code.wrong', { count: left }) : tr.t('code.malformed'))
  }
  if (a.status === 400 && code === 'FST_MAGIC_LINK_INVALID_TOKEN') return void inspect(true)
  if (a.status === 400 && code === 'FST_MAGIC_LINK_BAD_REQUEST' && field?.type === 'email') {
    field.setAttribute('aria-invalid', 'true')
    return showError(errorEl, tr.t('invite.mismatch'))
  }
  showError(errorEl, problemText(a))
}

/** `POST /auth/verify` on a click: the session (same browser, invitation) or the approval (other device). */
async function verify (payload: { code?: string, email?: string }, button: HTMLButtonElement, errorEl: Element | null, field: HTMLInputElement | null): Promise<void> {
  if (token === null) return
  showError(errorEl, null)
  const done = busy(button)
  let a: Answer
  try {
    a = await post('/verify', { token, ...payload })
  } catch {
    done()
    return showError(errorEl, problemText(null))
  }
  if (a.status === 200 && typeof a.body.redirectTo === 'string') {
    // This browser holds the session cookie now; the button stays busy while the page changes.
    return location.assign(a.body.redirectTo)
  }
  done()
  if (a.status === 200) return void show('approved', true)
  refused(a, errorEl, field)
}

// Same browser: one button.
const signinButton = byId<HTMLButtonElement>('signin-button')
signinButton.addEventListener('click', () => {
  void verify({}, signinButton, section('signin').querySelector('.error'), null)
})

// Another device: the code shown on the asking screen.
const codeField = byId<HTMLInputElement>('code')
const codeError = byId('code-error')
codeField.addEventListener('input', () => {
  codeField.removeAttribute('aria-invalid')
  showError(codeError, null)
})
byId<HTMLFormElement>('code-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const code = codeField.value.toUpperCase().replace(/[^A-Z]/g, '')
  if (code.length !== 6) {
    codeField.setAttribute('aria-invalid', 'true')
    return showError(codeError, tr.t('code.malformed'))
  }
  codeField.value = `${code.slice(0, 3)}-${code.slice(3)}`
  void verify({ code: codeField.value }, byId<HTMLButtonElement>('code-button'), codeError, codeField)
})

// An invitation: the address it was sent to.
const inviteField = byId<HTMLInputElement>('invite-email')
byId<HTMLFormElement>('invite-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const email = inviteField.value.trim()
  if (email === '' || !inviteField.checkValidity()) {
    inviteField.setAttribute('aria-invalid', 'true')
    return showError(byId('invite-error'), tr.t('ask.invalid'))
  }
  void verify({ email }, byId<HTMLButtonElement>('invite-button'), byId('invite-error'), inviteField)
})

// Expired or replaced: a new link for the same address, asked from this browser (which then
// waits for it, like the sign-in page does).
for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('button.resend'))) {
  button.addEventListener('click', () => {
    if (token === null) return
    const errorEl = button.closest('section')?.querySelector('.error') ?? null
    showError(errorEl, null)
    const done = busy(button)
    post('/resend', { token }).then((a) => {
      done()
      if (a.status === 202 && typeof a.body.matchCode === 'string') return resent(a.body.matchCode)
      if (a.status === 400) return void inspect(true)
      showError(errorEl, problemText(a))
    }, () => {
      done()
      showError(errorEl, problemText(null))
    })
  })
}

function resent (matchCode: string): void {
  const el = show('resent', true)
  fillSlots(el, { email: info.email, matchCode })
  const status = el.querySelector('.status') as HTMLElement
  client.waitForSession().then(({ redirectTo }) => {
    status.className = 'status ok'
    location.assign(redirectTo)
  }, async (error: unknown) => {
    if (error instanceof MagicLinkClientError && error.code === 'expired_token' && await client.session().catch(() => null) !== null) {
      return location.assign('/account')
    }
    status.className = 'status err'
    status.textContent = tr.t('wait.over')
  })
}

byId('retry-button').addEventListener('click', () => { void inspect(true) })

void inspect()
