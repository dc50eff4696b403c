import type { Translator } from '../i18n/locale.js'
import type { PageInput } from './layout.js'
import { layout, routeUrl } from './layout.js'
import type { Brand, PageContext } from './model.js'
import { approvedPage, deadLinkPage, errorPage, resentPage, revokedPage, usedPage } from './outcome.js'
import { invitePage, otherBrowserPage, sameBrowserOnlyPage, sameBrowserPage, type PageParts } from './verify.js'

export { escapeHtml, routeUrl } from './layout.js'
export type { PageInput } from './layout.js'
export { createTheme, PAGE_CSP, textOn, type Theme } from './theme.js'
export type { Brand, DeadLinkKind, PageContext, PageError, PageModel, PageView } from './model.js'

function parts (m: PageInput): PageParts {
  switch (m.kind) {
    case 'sameBrowser': return sameBrowserPage(m)
    case 'otherBrowser': return otherBrowserPage(m)
    case 'sameBrowserOnly': return sameBrowserOnlyPage(m)
    case 'invite': return invitePage(m)
    case 'used': return usedPage(m)
    case 'approved': return approvedPage(m)
    case 'revoked': return revokedPage(m)
    case 'resent': return resentPage(m)
    case 'error': return errorPage(m)
    default: return deadLinkPage(m)
  }
}

/** What a page is rendered with: its language's texts and grammar, the brand, the forms' URLs. */
export function pageContext (t: Translator, c: { now: Date, nonce: string, brand: Brand, prefix: string, loginUrl: string }): PageContext {
  return {
    locale: t.locale,
    dir: t.dir,
    messages: t.messages,
    t: (key, values) => t.text(key, values),
    describeDevice: (label) => t.device(label),
    when: (date) => t.when(date, c.now),
    retryIn: (seconds) => t.retry(seconds),
    brand: c.brand,
    nonce: c.nonce,
    actions: { verify: routeUrl(c.prefix, 'verify'), revoke: routeUrl(c.prefix, 'revoke'), resend: routeUrl(c.prefix, 'resend') },
    loginUrl: c.loginUrl,
  }
}

/** The plugin's own HTML for a page, with the instance's stylesheet. */
export function renderPage (m: PageInput, style: string): string {
  const { title, body } = parts(m)
  return layout(m, style, title, body)
}
