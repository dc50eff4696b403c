import type { PageInput } from './layout.js'
import { layout } from './layout.js'
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

/** The plugin's own HTML for a page, with the instance's stylesheet. */
export function renderPage (m: PageInput, style: string): string {
  const { title, body } = parts(m)
  return layout(m, style, title, body)
}
