// T9: open redirect through `redirectTo`. Every payload of the fuzz list (and encoded or
// whitespace variants) ends in a Location that a browser resolves to an allow-listed path on the
// configured origin, or the default.
import t from 'tap'
import { Jar, send } from '../helpers/app.js'
import { buildApp, FORM_POST, ORIGIN, tokenFor } from './lib.js'

const ALLOW = ['/app', '/welcome']

const PAYLOADS = [
  // The redirectTo payloads of the fuzz list
  '//evil.example', '///evil.example', '/\\evil.example', '\\/evil.example', 'https://evil.example', 'https:evil.example',
  'https://app.example.com@evil.example', 'https://app.example.com.evil.example', '/%2F%2Fevil.example', '/%5Cevil.example',
  '%09//evil.example', '\uFF0F\uFF0Fevil.example', '\u2215\u2215evil.example', 'javascript:alert(1)', 'data:text/html,x',
  // Variants: under an allowed prefix, with whitespace browsers strip, with dot segments.
  '/app//evil.example', '/app/\\evil.example', '/app\\..\\..\\\\evil.example', '/app/../\\evil.example', '/app/..%2F..%2F/evil.example',
  '/app/%2e%2e/%2e%2e//evil.example', '/\t/evil.example', '/\n/evil.example', '/app\r\n//evil.example', ' //evil.example',
  '/app@evil.example', '/app:evil.example', 'https://app.example.com/app', `${ORIGIN}//evil.example`, '/app#//evil.example',
  '/app?next=//evil.example', '/App/../admin', '/application', '/welcome/../../evil', '/\u3000/evil.example', '/%0d%0aLocation:%20//evil.example',
  'JaVaScRiPt:alert(1)', '/\u0000/evil.example', '',
]

/** Whether a browser following this Location leaves the configured origin (WHATWG URL parsing, as browsers do). */
function leavesOrigin (location: string): string | null {
  if (location === '') return 'empty Location'
  if (/[\u0000-\u001f\u007f\s]/.test(location)) return 'whitespace or control character in Location'
  if (!location.startsWith('/') || location.startsWith('//') || location.startsWith('/\\')) return 'not a same-origin absolute path'
  const url = new URL(location, ORIGIN)
  return url.origin === ORIGIN ? null : `lands on ${url.origin}`
}

/** Whether the path a browser lands on is under `redirect.allow`. */
function outsideAllowList (location: string): string | null {
  const { pathname } = new URL(location, ORIGIN)
  return ALLOW.some((p) => pathname === p || pathname.startsWith(`${p}/`)) ? null : `lands on path ${pathname}, outside the allow-list`
}

t.test('every redirectTo payload ends on an allow-listed same-origin path', async (t) => {
  const a = await buildApp({ redirect: { allow: ALLOW }, rateLimit: false })
  t.teardown(() => a.app.close())
  const offOrigin: string[] = []
  const offList: string[] = []
  const backslashes: string[] = []
  const landed = new Map<string, string>()
  for (const [i, redirectTo] of PAYLOADS.entries()) {
    const jar = new Jar()
    const asked = await send(a.app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com', redirectTo } })
    if (asked.statusCode !== 202) { offOrigin.push(`${JSON.stringify(redirectTo)}: request ${asked.statusCode}`); continue }
    const token = await tokenFor(a, 'known@example.com', i + 1)
    const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: `token=${token}`, headers: FORM_POST })
    if (res.statusCode !== 303) { offOrigin.push(`${JSON.stringify(redirectTo)}: verify ${res.statusCode}`); continue }
    const location = String(res.headers.location ?? '')
    landed.set(redirectTo, location)
    const why = leavesOrigin(location) ?? outsideAllowList(location)
    if (leavesOrigin(location) !== null) offOrigin.push(`${JSON.stringify(redirectTo)} → ${JSON.stringify(location)}: ${why ?? ''}`)
    else if (why !== null) offList.push(`${JSON.stringify(redirectTo)} → ${JSON.stringify(location)}: ${why}`)
    if (location.includes('\\')) backslashes.push(`${JSON.stringify(redirectTo)} → ${JSON.stringify(location)}`)
  }
  t.same(offOrigin, [], `${PAYLOADS.length} payloads: no Location leaves ${ORIGIN} (no open redirect)`)
  t.comment(`landed outside redirect.allow: ${JSON.stringify(offList)}`)
  t.same(offList, [], 'every Location lands under redirect.allow')
  t.same(backslashes, [], 'no backslash in any Location (SECURITY.md T9; the redirect.ts doc comment promises the fallback)')
  t.equal(landed.get('//evil.example'), '/app', 'a foreign target falls back to the default (the first allowed prefix)')
  t.equal(landed.get('/app?next=//evil.example'), '/app?next=//evil.example', 'an allowed path keeps its query (the app must not follow next=)')
})

t.test('the cross-device poll answer carries the same vetted redirectTo', async (t) => {
  const a = await buildApp({ redirect: { allow: ALLOW }, rateLimit: false })
  t.teardown(() => a.app.close())
  const problems: string[] = []
  for (const [i, redirectTo] of ['//evil.example', '/\\evil.example', 'https://evil.example', '/app/../\\evil.example', '/welcome/x'].entries()) {
    const laptop = new Jar()
    const { matchCode } = (await send(a.app, laptop, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com', redirectTo } })).json() as { matchCode: string }
    const token = await tokenFor(a, 'known@example.com', i + 1)
    await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token, code: matchCode } })
    const poll = await send(a.app, laptop, { method: 'POST', url: '/auth/poll' })
    const to = String((poll.json() as { redirectTo?: string }).redirectTo)
    const why = leavesOrigin(to) ?? outsideAllowList(to)
    if (why !== null) problems.push(`${redirectTo} → ${to}: ${why}`)
  }
  t.same(problems, [])
})
