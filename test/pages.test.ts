import { createHash } from 'node:crypto'
import t from 'tap'
import { PAGE_CSP, escapeHtml, type Brand, type PageView } from '../src/pages/index.js'
import { allViews, BRAND, NOW, render } from './helpers/pages.js'

const TOKEN = 'q0-9ZpX4k1YbN2mR7tW8vC3eF6hJ5sL_aBdGiKoPuQw'

const pages = (token = TOKEN): Array<[name: string, html: string, view: PageView]> =>
  allViews(token, NOW).map((view, i) => [`${view.kind}#${i}`, render(view), view])

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
  for (const [name, html] of pages()) {
    const { style, tags } = parse(html)
    t.equal(style.length, 1, `${name}: one <style>`)
    t.equal(createHash('sha256').update(style[0] as string, 'utf8').digest('base64'), m?.[1], `${name}: hash matches`)
    t.notOk(tags.some((tag) => tag.attrs.has('style')), `${name}: no style attributes (the hash would not allow them)`)
    t.match(style[0], /prefers-color-scheme:dark/, `${name}: has a dark mode`)
    t.notMatch(style[0], /\b(?:left|right)\b/, `${name}: logical properties only, so right-to-left pages mirror`)
  }
})

t.test('every page is a small, inert, token-safe document', async (t) => {
  for (const [name, html] of pages()) {
    const { tags, text } = parse(html)
    t.ok(html.startsWith('<!doctype html>\n<html lang="en" dir="ltr">'), `${name}: doctype`)
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
  const brand: Brand = { ...BRAND, name: evil('name') }
  const views: PageView[] = [
    { kind: 'sameBrowser', status: 200, token: evil('token'), email: evil('email') },
    { kind: 'otherBrowser', status: 200, token: evil('token'), device: evil('device'), requestedAt: NOW, error: null, attemptsLeft: null },
    { kind: 'used', status: 409, token: evil('token'), usedAt: NOW, device: evil('device'), sessionDevice: evil('session'), error: null },
    { kind: 'approved', status: 200, device: evil('device') },
    { kind: 'resent', status: 202, email: evil('email') },
    { kind: 'expired', status: 410, token: evil('token') },
  ]
  for (const view of views) {
    const html = render(view, { brand, loginUrl: evil('/login'), prefix: evil('/prefix') })
    const { tags, text } = parse(html)
    t.notMatch(text, /[<>"]/, `${view.kind}: no value broke out of the markup`)
    t.notMatch(html, /<script|<img/i, `${view.kind}: no injected tags`)
    t.notOk(tags.some((tag) => [...tag.attrs.keys()].some((a) => a.startsWith('on'))), `${view.kind}: no injected handlers`)
    for (const field of ['name', 'token', 'email', 'device', 'session']) {
      const raw = evil(field)
      if (html.includes(escapeHtml(raw))) t.notOk(html.includes(raw), `${view.kind}: ${field} never raw`)
    }
    t.ok(html.includes(escapeHtml(evil('name'))), `${view.kind}: the brand name is shown escaped`)
  }
})

t.test('links out only go to same-origin paths', async (t) => {
  for (const loginUrl of ['javascript:alert(1)', '//evil.example', '/\\evil.example', 'data:text/html,evil', 'login']) {
    const html = render({ kind: 'unknown', status: 410, token: null }, { loginUrl })
    t.match(html, /<a class="button" href="\/">Start again<\/a>/, loginUrl)
    t.notMatch(html, /evil|javascript/, loginUrl)
  }
  t.match(render({ kind: 'revoked', status: 200 }, { loginUrl: '/app/sign-in?from=revoke&x=1' }), 'href="/app/sign-in?from=revoke&amp;x=1"')
})

t.test('same-browser page: one Sign in button posting the token', async (t) => {
  const html = render({ kind: 'sameBrowser', status: 200, token: TOKEN, email: 'ada@example.test' })
  const { tags } = parse(html)
  const forms = byName(tags, 'form')
  t.equal(forms.length, 1)
  t.equal(forms[0]?.attrs.get('action'), '/auth/verify')
  const inputs = byName(tags, 'input')
  t.same(inputs.map((i) => [i.attrs.get('type'), i.attrs.get('name'), i.attrs.get('value')]), [['hidden', 'token', TOKEN]])
  t.same(buttonTexts(html), ['Sign in'])
  t.equal(byName(tags, 'button')[0]?.attrs.get('type'), 'submit')
  t.match(html, 'You’re signing in to Acme as <strong>ada@example.test</strong>.')
  t.match(html, 'Only continue if you just asked to sign in.')
  t.match(render({ kind: 'sameBrowser', status: 200, token: TOKEN, email: 'a@b.c' }, { prefix: '/auth/' }), 'action="/auth/verify"', 'trailing slash of the prefix folded')
  t.match(render({ kind: 'sameBrowser', status: 200, token: TOKEN, email: 'a@b.c' }, { prefix: '' }), 'action="/verify"', 'root prefix')
})

t.test('other-browser page: code field, Approve, and no way to deny', async (t) => {
  const requestedAt = new Date(NOW.getTime() - 5 * 60_000)
  const html = render({ kind: 'otherBrowser', status: 200, token: TOKEN, device: 'Safari on iOS', requestedAt, error: null, attemptsLeft: null })
  const { tags } = parse(html)
  t.equal(byName(tags, 'form').length, 1)
  t.equal(byName(tags, 'form')[0]?.attrs.get('action'), '/auth/verify')
  const code = byName(tags, 'input').find((i) => i.attrs.get('name') === 'code')
  t.ok(code, 'has a code input')
  t.equal(code?.attrs.get('autocomplete'), 'one-time-code')
  t.equal(code?.attrs.get('maxlength'), '7', 'room for XXX-XXX')
  t.equal(code?.attrs.get('type'), 'text')
  t.equal(code?.attrs.get('dir'), 'ltr', 'the code reads left to right in every language')
  t.notOk(code?.attrs.has('pattern'), 'no pattern: the server normalizes hyphens and case')
  t.ok(byName(tags, 'label').some((l) => l.attrs.get('for') === 'code'), 'code input is labelled')
  t.same(buttonTexts(html), ['Approve sign-in'], 'one button, and it approves')
  for (const b of byName(tags, 'button')) {
    t.equal(b.attrs.get('type'), 'submit')
    t.notOk(b.attrs.has('name') || b.attrs.has('value') || b.attrs.has('formaction'), 'the button carries no extra intent')
  }
  t.notOk(byName(tags, 'input').some((i) => ['submit', 'button', 'image', 'reset'].includes(i.attrs.get('type') ?? '')), 'no input buttons')
  t.notMatch(html, /\b(deny|decline|cancel|reject)\b/i, 'no deny or cancel anywhere')
  t.match(html, '<p class="note">Didn’t ask for this? Do nothing. No one gets in without the code shown on the screen that asked.</p>')
  t.match(html, 'Someone asked to sign in to Acme <time datetime="2025-01-02T02:59:05Z">5 minutes ago</time> from <strong>Safari on iOS</strong>.')
  t.notMatch(html, /class="error"/, 'no error line without an error')
})

t.test('other-browser page: the error line and attempts left, in words', async (t) => {
  const base = { kind: 'otherBrowser', status: 400, token: TOKEN, device: 'Chrome on Windows', requestedAt: NOW } as const
  t.match(render({ ...base, error: 'code.wrong', attemptsLeft: 3 }), '<p class="error" role="alert">That code isn’t right. You have 3 tries left.</p>')
  t.match(render({ ...base, error: 'code.wrong', attemptsLeft: 1 }), 'You have 1 try left.')
  t.match(render({ ...base, error: 'code.malformed', attemptsLeft: null }), '<p class="error" role="alert">That isn’t a code from the sign-in screen. It looks like ABC-DEF.</p>')
  t.match(render({ ...base, error: 'code.wrong', attemptsLeft: 2 }, { locale: 'de' }), /class="error" role="alert">[^<]*2[^<]*<\/p>/, 'localized, with the number')
})

t.test('times: relative when recent, a date in words with the zone named when older', async (t) => {
  const at = (msAgo: number, locale = 'en'): string => {
    const html = render({ kind: 'used', status: 409, token: TOKEN, usedAt: new Date(NOW.getTime() - msAgo), device: 'x', sessionDevice: null, error: null }, { locale })
    return /<time datetime="[^"]+">([^<]*)<\/time>/.exec(html)?.[1] ?? ''
  }
  t.equal(at(0), 'just now')
  t.equal(at(59_999), 'just now')
  t.equal(at(-30_000), 'just now', 'a time slightly ahead of the clock')
  t.equal(at(60_000), '1 minute ago')
  t.equal(at(59 * 60_000), '59 minutes ago')
  t.equal(at(3_600_000), '1 hour ago')
  t.equal(at(5 * 3_600_000), '5 hours ago')
  t.equal(at(6 * 3_600_000), 'on January 1, 2025 at 9:04 PM UTC')
  t.equal(at(30 * 86_400_000), 'on December 3, 2024 at 3:04 AM UTC')
  t.equal(at(2 * 60_000, 'de'), 'vor 2 Minuten')
  t.match(at(86_400_000, 'de'), /1\. Januar 2025 um 03:04 UTC/)
  t.match(at(86_400_000, 'ja'), /2025年1月1日/)
  t.match(render({ kind: 'used', status: 409, token: TOKEN, usedAt: NOW, device: 'x', sessionDevice: null, error: null }), '<time datetime="2025-01-02T03:04:05Z">', 'milliseconds dropped, Z kept')
})

t.test('device labels are localized: the unknown browser and "on"', async (t) => {
  t.match(render({ kind: 'approved', status: 200, device: 'Unknown browser' }), 'The sign-in from <strong>an unknown browser</strong> is approved')
  t.match(render({ kind: 'approved', status: 200, device: '' }), '<strong>an unknown browser</strong>')
  t.match(render({ kind: 'approved', status: 200, device: 'Unknown browser on Linux' }), '<strong>an unknown browser on Linux</strong>')
  t.match(render({ kind: 'approved', status: 200, device: 'Firefox on Linux' }, { locale: 'de' }), '<strong>Firefox unter Linux</strong>')
  t.match(render({ kind: 'approved', status: 200, device: 'curl' }), '<strong>curl</strong>')
})

t.test('dead links: expired and replaced offer a new link, unknown and stopped start again', async (t) => {
  const offers = (kind: 'expired' | 'superseded' | 'unknown' | 'denied', token: string | null): string => render({ kind, status: 410, token } as PageView)
  for (const kind of ['expired', 'superseded'] as const) {
    const html = offers(kind, TOKEN)
    const forms = byName(parse(html).tags, 'form')
    t.same(forms.map((f) => f.attrs.get('action')), ['/auth/resend'], `${kind}: one form, to /resend`)
    t.same(buttonTexts(html), ['Send a new link'])
    t.notMatch(offers(kind, null), /<form/, `${kind}: no form without a token`)
  }
  t.match(offers('expired', TOKEN), '<h1>This link has expired</h1>')
  t.match(offers('superseded', TOKEN), /<h1>This link was replaced<\/h1>[^]*newer sign-in link/)
  for (const kind of ['unknown', 'denied'] as const) {
    const html = offers(kind, TOKEN)
    t.notMatch(html, /<form/, `${kind}: nothing to submit`)
    t.match(html, '<a class="button" href="/login">Start again</a>', kind)
  }
})

t.test('used page: a link back, and "sign that session out" only while it is live, saying where', async (t) => {
  const usedAt = new Date(NOW.getTime() - 2 * 60_000)
  const live = render({ kind: 'used', status: 409, token: TOKEN, usedAt, device: 'Edge on Windows', sessionDevice: 'Safari on iOS', error: null })
  const { tags } = parse(live)
  t.match(live, 'It was opened <time datetime="2025-01-02T03:02:05Z">2 minutes ago</time>, in <strong>Edge on Windows</strong>.')
  t.match(live, 'The session it started is still signed in on <strong>Safari on iOS</strong>.')
  t.match(live, '<a class="link" href="/login">Back to Acme</a>')
  const forms = byName(tags, 'form')
  t.same(forms.map((f) => f.attrs.get('action')), ['/auth/revoke'])
  const email = byName(tags, 'input').find((i) => i.attrs.get('name') === 'email')
  t.equal(email?.attrs.get('type'), 'email')
  t.ok(email?.attrs.has('required'), 'email is required')
  t.notOk(email?.attrs.has('value'), 'the address is not prefilled')
  t.ok(byName(tags, 'label').some((l) => l.attrs.get('for') === 'email'), 'email input is labelled')
  t.same(buttonTexts(live), ['Sign that session out'])
  t.notMatch(live, /class="error"/)
  t.match(render({ kind: 'used', status: 400, token: TOKEN, usedAt, device: 'x', sessionDevice: 'y', error: 'page.emailMalformed' }),
    '<p class="error" role="alert">That doesn’t look like an email address. Check it and try again.</p>')

  const ended = render({ kind: 'used', status: 409, token: TOKEN, usedAt, device: 'Edge on Windows', sessionDevice: null, error: null })
  t.match(ended, 'The session it started has ended.')
  t.match(ended, '<a class="link" href="/login">Back to Acme</a>')
  t.notMatch(ended, /<form|Sign that session out/, 'nothing to sign out')
})

t.test('approved, revoked, resent and error pages', async (t) => {
  const approved = render({ kind: 'approved', status: 200, device: 'Firefox on Linux' })
  t.match(approved, '<h1>Approved. Go back to your other device</h1>')
  t.match(approved, 'You’re not signed in on this device')
  t.equal(byName(parse(approved).tags, 'form').length, 0)

  const revoked = render({ kind: 'revoked', status: 200 })
  t.match(revoked, '<h1>That session is signed out</h1>')
  t.match(revoked, '<a class="button" href="/login">Sign in</a>')

  t.match(render({ kind: 'resent', status: 202, email: 'a•••@example.com' }), 'A new sign-in link is on its way to <strong>a•••@example.com</strong>.')

  const limited = render({ kind: 'error', status: 429, code: 'FST_MAGIC_LINK_RATE_LIMITED', retryAfter: 726 })
  t.match(limited, '<title>Too many attempts · Acme</title>')
  t.match(limited, 'Try again in 13 minutes.', 'a wait for people, not 726 seconds')
  t.notMatch(limited, /726/)
  t.match(render({ kind: 'error', status: 429, code: 'FST_MAGIC_LINK_RATE_LIMITED', retryAfter: 30 }), 'Try again in 30 seconds.')
  t.match(render({ kind: 'error', status: 429, code: 'FST_MAGIC_LINK_RATE_LIMITED', retryAfter: null }), 'Try again in 1 minute.')
  t.match(render({ kind: 'error', status: 403, code: 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN', retryAfter: null }), '<h1>This request was blocked</h1>')
  t.match(render({ kind: 'error', status: 503, code: 'FST_MAGIC_LINK_STORE_UNAVAILABLE', retryAfter: null }), '<h1>Sign-in is unavailable</h1>')
  t.match(render({ kind: 'error', status: 500, code: 'FST_MAGIC_LINK_INTERNAL', retryAfter: null }), '<h1>Something went wrong on our side</h1>')
  t.match(render({ kind: 'error', status: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', retryAfter: null }), '<h1>Something went wrong</h1>')
})

t.test('escapeHtml escapes & < > " \' and nothing else', async (t) => {
  t.equal(escapeHtml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&#39;f')
  t.equal(escapeHtml('&amp;'), '&amp;amp;', 'not idempotent on purpose: values are raw text')
  t.equal(escapeHtml('Zoë 💡 /x?y=1'), 'Zoë 💡 /x?y=1')
})
