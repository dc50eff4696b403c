import { createHash } from 'node:crypto'
import t from 'tap'
import {
  PAGE_CSP,
  approvedPage,
  errorPage,
  escapeHtml,
  gonePage,
  otherBrowserPage,
  revokedPage,
  sameBrowserPage,
  usedPage,
  type GoneReason,
  type PageCommon,
} from '../src/pages/index.js'

const NOW = new Date('2025-01-02T03:04:05.678Z')
const TOKEN = 'q0-9ZpX4k1YbN2mR7tW8vC3eF6hJ5sL_aBdGiKoPuQw'
const common: PageCommon = { prefix: '/auth', loginUrl: '/login', appName: 'Acme' }

interface Values {
  common: PageCommon
  token: string
  email: string
  device: string
  error: string
  title: string
  message: string
}

function pages (v: Values): Array<[name: string, html: string]> {
  const c = v.common
  return [
    ['same', sameBrowserPage({ ...c, token: v.token, email: v.email })],
    ['other', otherBrowserPage({ ...c, token: v.token, device: v.device, requestedAt: NOW, error: v.error, attemptsLeft: 2, now: NOW })],
    ['gone-expired', gonePage({ ...c, reason: 'expired' })],
    ['gone-superseded', gonePage({ ...c, reason: 'superseded' })],
    ['gone-unknown', gonePage({ ...c, reason: 'unknown' })],
    ['used', usedPage({ ...c, token: v.token, usedAt: NOW, device: v.device, error: v.error, now: NOW })],
    ['approved', approvedPage({ ...c, device: v.device })],
    ['revoked', revokedPage(c)],
    ['error', errorPage({ ...c, title: v.title, message: v.message })],
  ]
}

const normal: Values = {
  common,
  token: TOKEN,
  email: 'ada@example.test',
  device: 'Firefox on Linux',
  error: 'That code is not right.',
  title: 'Request refused',
  message: 'This request came from another site.',
}

interface Tag { name: string; attrs: Map<string, string> }

// A strict reader for the markup these pages produce: every attribute value double-quoted and
// free of `"<>`. Anything it cannot read (an unescaped value breaking out of an attribute or
// opening a tag) is left in the text, where the caller's checks see it.
function parse (html: string): { tags: Tag[]; style: string[]; text: string } {
  const style = [...html.matchAll(/<style>([^<]*)<\/style>/g)].map((m) => m[1] as string)
  const tags: Tag[] = []
  const text = html
    .replace(/<style>[^<]*<\/style>/g, '')
    .replace(/^<!doctype html>/, '')
    .replace(/<\/[a-z][a-z0-9]*>|<([a-z][a-z0-9]*)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>/g, (_m, name?: string, rest?: string) => {
      if (name !== undefined) {
        const attrs = new Map<string, string>()
        for (const a of (rest ?? '').matchAll(/([a-z-]+)(?:="([^"]*)")?/g)) attrs.set(a[1] as string, a[2] ?? '')
        tags.push({ name, attrs })
      }
      return ''
    })
  return { tags, style, text }
}

const byName = (tags: Tag[], name: string): Tag[] => tags.filter((tag) => tag.name === name)
const buttonTexts = (html: string): string[] => [...html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((m) => m[1] as string)

t.test('escapeHtml escapes & < > " \' and nothing else', async (t) => {
  t.equal(escapeHtml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&#39;f')
  t.equal(escapeHtml('&amp;'), '&amp;amp;', 'not idempotent on purpose: values are raw text')
  t.equal(escapeHtml('Zoë 💡 /x?y=1'), 'Zoë 💡 /x?y=1')
})

t.test('PAGE_CSP allows only the embedded stylesheet, by its real hash', async (t) => {
  const m = /^default-src 'none'; style-src 'sha256-([A-Za-z0-9+/]{43}=)'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/.exec(PAGE_CSP)
  t.ok(m, PAGE_CSP)
  t.notMatch(PAGE_CSP, /unsafe|http|\*/)
  for (const [name, html] of pages(normal)) {
    const { style, tags } = parse(html)
    t.equal(style.length, 1, `${name}: one <style>`)
    t.equal(createHash('sha256').update(style[0] as string, 'utf8').digest('base64'), m?.[1], `${name}: hash matches`)
    t.notOk(tags.some((tag) => tag.attrs.has('style')), `${name}: no style attributes (the hash would not allow them)`)
    t.match(style[0], /prefers-color-scheme:dark/, `${name}: has a dark mode`)
  }
})

t.test('every page is a small, inert, token-safe document', async (t) => {
  for (const [name, html] of pages(normal)) {
    const { tags, text } = parse(html)
    t.ok(html.startsWith('<!doctype html>\n<html lang="en">'), `${name}: doctype`)
    t.ok(Buffer.byteLength(html) < 6 * 1024, `${name}: ${Buffer.byteLength(html)} bytes`)
    t.notMatch(text, /[<>"]/, `${name}: all markup well-formed`)
    t.notMatch(html, /<script/i, `${name}: no script`)
    t.notMatch(html, /https?:\/\//, `${name}: no absolute URLs`)
    const metas = byName(tags, 'meta').map((m) => `${m.attrs.get('name')}=${m.attrs.get('content')}`)
    t.ok(metas.includes('referrer=no-referrer'), `${name}: no-referrer`)
    t.ok(metas.includes('robots=noindex'), `${name}: noindex`)
    for (const tag of tags) {
      t.notOk(['script', 'link', 'img', 'iframe', 'object', 'embed', 'base', 'svg'].includes(tag.name), `${name}: no <${tag.name}>`)
      for (const [attr, value] of tag.attrs) {
        t.notMatch(attr, /^on/, `${name}: no ${attr}= handler`)
        if (attr === 'href' || attr === 'action' || attr === 'src') t.match(value, /^\/(?![/\\])/, `${name}: ${attr} is a same-origin path`)
        if (attr !== 'value') t.notOk(value.includes(TOKEN), `${name}: token not in ${attr}`)
      }
    }
    const hidden = byName(tags, 'input').filter((i) => i.attrs.get('type') === 'hidden')
    t.equal(html.split(TOKEN).length - 1, hidden.length, `${name}: token only in the hidden input`)
    for (const form of byName(tags, 'form')) t.equal(form.attrs.get('method'), 'post', `${name}: forms post`)
  }
})

t.test('every value the pages show is escaped', async (t) => {
  const evil = (field: string): string => `${field}"'<script>alert(1)</script><img src=x onerror=alert(1)>&`
  const v: Values = {
    common: { prefix: evil('/prefix'), loginUrl: evil('/login'), appName: evil('appName') },
    token: evil('token'),
    email: evil('email'),
    device: evil('device'),
    error: evil('error'),
    title: evil('title'),
    message: evil('message'),
  }
  const shows: Record<string, Array<keyof Values | keyof PageCommon>> = {
    same: ['appName', 'prefix', 'token', 'email'],
    other: ['appName', 'prefix', 'token', 'device', 'error'],
    'gone-expired': ['appName', 'loginUrl'],
    'gone-superseded': ['appName', 'loginUrl'],
    'gone-unknown': ['appName', 'loginUrl'],
    used: ['appName', 'prefix', 'token', 'device', 'error'],
    approved: ['appName', 'device'],
    revoked: ['appName', 'loginUrl'],
    error: ['appName', 'title', 'message', 'loginUrl'],
  }
  for (const [name, html] of pages(v)) {
    const { tags, text } = parse(html)
    t.notMatch(text, /[<>"]/, `${name}: no value broke out of the markup`)
    t.notMatch(html, /<script|<img/i, `${name}: no injected tags`)
    t.notOk(tags.some((tag) => [...tag.attrs.keys()].some((a) => a.startsWith('on'))), `${name}: no injected handlers`)
    for (const field of shows[name] ?? []) {
      const raw = evil(field === 'prefix' ? '/prefix' : field === 'loginUrl' ? '/login' : field)
      t.ok(html.includes(escapeHtml(raw)), `${name}: ${field} shown escaped`)
      t.notOk(html.includes(raw), `${name}: ${field} never raw`)
    }
  }
})

t.test('links out only go to same-origin paths', async (t) => {
  for (const loginUrl of ['javascript:alert(1)', '//evil.example', '/\\evil.example', 'https://evil.example/', 'login']) {
    const html = gonePage({ ...common, loginUrl, reason: 'expired' })
    t.match(html, /<a class="button" href="\/">Start again<\/a>/, loginUrl)
    t.notMatch(html, /evil|javascript/, loginUrl)
  }
  t.match(revokedPage({ ...common, loginUrl: '/app/sign-in?from=revoke&x=1' }), 'href="/app/sign-in?from=revoke&amp;x=1"')
})

t.test('same-browser page: one Sign in button posting the token', async (t) => {
  const html = sameBrowserPage({ ...common, token: TOKEN, email: 'ada@example.test' })
  const { tags } = parse(html)
  const forms = byName(tags, 'form')
  t.equal(forms.length, 1)
  t.equal(forms[0]?.attrs.get('action'), '/auth/verify')
  const inputs = byName(tags, 'input')
  t.same(inputs.map((i) => [i.attrs.get('type'), i.attrs.get('name'), i.attrs.get('value')]), [['hidden', 'token', TOKEN]])
  t.same(buttonTexts(html), ['Sign in'])
  t.equal(byName(tags, 'button')[0]?.attrs.get('type'), 'submit')
  t.match(html, 'as <strong>ada@example.test</strong>')
  t.match(html, 'Only continue if you just started a sign-in')
  t.match(sameBrowserPage({ ...common, prefix: '/auth/', token: TOKEN, email: 'a@b.c' }), 'action="/auth/verify"', 'trailing slash of the prefix folded')
  t.match(sameBrowserPage({ ...common, prefix: '', token: TOKEN, email: 'a@b.c' }), 'action="/verify"', 'root prefix')
})

t.test('other-browser page: code field, Approve, and no way to deny', async (t) => {
  const requestedAt = new Date(NOW.getTime() - 5 * 60_000)
  const html = otherBrowserPage({ ...common, token: TOKEN, device: 'Safari on iOS', requestedAt, now: NOW })
  const { tags } = parse(html)
  t.equal(byName(tags, 'form').length, 1)
  t.equal(byName(tags, 'form')[0]?.attrs.get('action'), '/auth/verify')
  const code = byName(tags, 'input').find((i) => i.attrs.get('name') === 'code')
  t.ok(code, 'has a code input')
  t.equal(code?.attrs.get('autocomplete'), 'one-time-code')
  t.equal(code?.attrs.get('maxlength'), '7', 'room for XXX-XXX')
  t.equal(code?.attrs.get('type'), 'text')
  t.notOk(code?.attrs.has('pattern'), 'no pattern: the server normalizes hyphens and case')
  t.ok(byName(tags, 'label').some((l) => l.attrs.get('for') === 'code'), 'code input is labelled')
  t.same(buttonTexts(html), ['Approve'], 'one button, and it approves')
  for (const b of byName(tags, 'button')) {
    t.equal(b.attrs.get('type'), 'submit')
    t.notOk(b.attrs.has('name') || b.attrs.has('value') || b.attrs.has('formaction'), 'the button carries no extra intent')
  }
  t.notOk(byName(tags, 'input').some((i) => ['submit', 'button', 'image', 'reset'].includes(i.attrs.get('type') ?? '')), 'no input buttons')
  t.notMatch(html, /\b(deny|decline|cancel|reject)\b/i, 'no deny or cancel anywhere')
  t.match(html, `<p class="note">Didn't ask for this? Do nothing: no one gets in without the code on the screen that asked.</p>`)
  t.match(html, 'from <strong>Safari on iOS</strong>')
  t.match(html, '<time datetime="2025-01-02T02:59:05Z">2025-01-02T02:59:05Z</time> (5 minutes ago)')
  t.notMatch(html, /class="error"/, 'no error line without an error')
})

t.test('other-browser page: error line and attempts left', async (t) => {
  const base = { ...common, token: TOKEN, device: 'Chrome on Windows', requestedAt: NOW, now: NOW }
  t.match(otherBrowserPage({ ...base, error: 'That code is not right.', attemptsLeft: 3 }),
    '<p class="error" role="alert">That code is not right. 3 attempts left.</p>')
  t.match(otherBrowserPage({ ...base, error: 'That code is not right.', attemptsLeft: 1 }), '1 attempt left.')
  t.match(otherBrowserPage({ ...base, attemptsLeft: 0 }), '<p class="error" role="alert">0 attempts left.</p>')
  t.notMatch(otherBrowserPage({ ...base, error: '' }), /class="error"/, 'empty error shows nothing')
})

t.test('times: ISO-8601 UTC and how long ago, against an injectable clock', async (t) => {
  const at = (msAgo: number, now: Date = NOW): string =>
    usedPage({ ...common, token: TOKEN, device: 'x', usedAt: new Date(now.getTime() - msAgo), now })
  const rel = (msAgo: number): string => /<\/time> \(([^)]*)\)/.exec(at(msAgo))?.[1] ?? ''
  t.equal(rel(0), 'just now')
  t.equal(rel(59_999), 'just now')
  t.equal(rel(-30_000), 'just now', 'a time slightly ahead of the clock')
  t.equal(rel(60_000), '1 minute ago')
  t.equal(rel(59 * 60_000), '59 minutes ago')
  t.equal(rel(3_600_000), '1 hour ago')
  t.equal(rel(47 * 3_600_000), '47 hours ago')
  t.equal(rel(48 * 3_600_000), '2 days ago')
  t.equal(rel(30 * 86_400_000), '30 days ago')
  t.match(at(0), '<time datetime="2025-01-02T03:04:05Z">2025-01-02T03:04:05Z</time>', 'milliseconds dropped, Z kept')
  t.match(usedPage({ ...common, token: TOKEN, device: 'x', usedAt: new Date() }), '(just now)', 'defaults to the current time')
  t.match(usedPage({ ...common, token: TOKEN, device: 'x', usedAt: new Date(Number.NaN), now: NOW }), 'used at an unknown time from')
  t.match(otherBrowserPage({ ...common, token: TOKEN, device: 'x', requestedAt: NOW, now: new Date('nope') }), 'requested from <strong>x</strong> at an unknown time.')
})

t.test('unknown device', async (t) => {
  t.match(approvedPage({ ...common, device: '  ' }), 'The sign-in from an unknown device is approved')
})

t.test('gone page says which and links to loginUrl', async (t) => {
  const cases: Array<[GoneReason, RegExp]> = [
    ['expired', /<h1>This link has expired<\/h1>/],
    ['superseded', /<h1>This link was replaced<\/h1>[^]*newer sign-in link/],
    ['unknown', /<h1>This link is not valid<\/h1>/],
  ]
  for (const [reason, title] of cases) {
    const html = gonePage({ ...common, reason })
    t.match(html, title, reason)
    t.match(html, '<a class="button" href="/login">Start again</a>', reason)
    t.equal(byName(parse(html).tags, 'form').length, 0, `${reason}: nothing to submit`)
  }
  const unexpected = 'gone' as string as GoneReason
  t.match(gonePage({ ...common, reason: unexpected }), '<h1>This link is not valid</h1>', 'an unexpected reason reads as unknown')
})

t.test('used page: when, from what, and a sign-out that needs the typed address', async (t) => {
  const usedAt = new Date(NOW.getTime() - 2 * 60_000)
  const html = usedPage({ ...common, token: TOKEN, usedAt, device: 'Edge on Windows', now: NOW })
  const { tags } = parse(html)
  t.match(html, /It was used at <time datetime="2025-01-02T03:02:05Z">[^<]*<\/time> \(2 minutes ago\) from <strong>Edge on Windows<\/strong>/)
  const forms = byName(tags, 'form')
  t.equal(forms.length, 1)
  t.equal(forms[0]?.attrs.get('action'), '/auth/revoke')
  const email = byName(tags, 'input').find((i) => i.attrs.get('name') === 'email')
  t.equal(email?.attrs.get('type'), 'email')
  t.ok(email?.attrs.has('required'), 'email is required')
  t.notOk(email?.attrs.has('value'), 'the address is not prefilled')
  t.ok(byName(tags, 'label').some((l) => l.attrs.get('for') === 'email'), 'email input is labelled')
  t.ok(byName(tags, 'input').some((i) => i.attrs.get('type') === 'hidden' && i.attrs.get('name') === 'token' && i.attrs.get('value') === TOKEN))
  t.same(buttonTexts(html), ['Sign that session out'])
  t.match(html, /Type the email address this link was sent to\. Asking for it keeps automatic link scanners/)
  t.notMatch(html, /class="error"/)
  t.match(usedPage({ ...common, token: TOKEN, usedAt, device: 'x', error: 'That is not the address this link was sent to.', now: NOW }),
    '<p class="error" role="alert">That is not the address this link was sent to.</p>')
})

t.test('approved, revoked and error pages', async (t) => {
  const approved = approvedPage({ ...common, device: 'Firefox on Linux' })
  t.match(approved, '<h1>Approved. Return to your other device</h1>')
  t.match(approved, 'You are not signed in on this device')
  t.equal(byName(parse(approved).tags, 'form').length, 0)

  const revoked = revokedPage(common)
  t.match(revoked, '<h1>That session has been signed out</h1>')
  t.match(revoked, '<a class="button" href="/login">Sign in</a>')

  const error = errorPage({ ...common, title: 'Request refused', message: 'This request came from another site.' })
  t.match(error, '<title>Request refused · Acme</title>')
  t.match(error, '<h1>Request refused</h1>')
  t.match(error, '<p>This request came from another site.</p>')
  t.match(error, '<a class="button" href="/login">Start again</a>')
})
