import { Translator, messages } from '../../src/i18n/index.js'
import type { MagicLinkMessages } from '../../src/i18n/types.js'
import { createTheme, pageContext, renderPage, type Brand, type PageInput, type PageView } from '../../src/pages/index.js'

export const NOW = new Date('2025-01-02T03:04:05.678Z')
export const BRAND: Brand = { name: 'Acme', logoUrl: null, color: null, onColor: null, supportUrl: null }

export interface RenderOptions {
  locale?: string
  brand?: Brand
  now?: Date
  loginUrl?: string
  prefix?: string
}

/** A page's data with what the plugin renders it with, outside a request. */
export function pageInput (view: PageView, o: RenderOptions = {}): PageInput {
  const tr = new Translator(o.locale ?? 'en', messages[o.locale ?? 'en'] as MagicLinkMessages)
  return { ...view, ...pageContext(tr, { now: o.now ?? NOW, nonce: 'nonce', brand: o.brand ?? BRAND, prefix: o.prefix ?? '/auth', loginUrl: o.loginUrl ?? '/login' }) }
}

/** The plugin's HTML for a page. */
export function render (view: PageView, o: RenderOptions = {}): string {
  const brand = o.brand ?? BRAND
  return renderPage(pageInput(view, o), createTheme(brand).style)
}

/** Every page the plugin has, with data that fills every placeholder. */
export function allViews (TOKEN: string, NOW: Date): PageView[] {
  return [
    { kind: 'sameBrowser', status: 200, token: TOKEN, email: 'ada@example.com' },
    { kind: 'otherBrowser', status: 400, token: TOKEN, device: 'Firefox on Linux', requestedAt: new Date(NOW.getTime() - 300_000), error: 'code.wrong', attemptsLeft: 2 },
    { kind: 'sameBrowserOnly', status: 200 },
    { kind: 'invite', status: 400, token: TOKEN, error: 'invite.mismatch' },
    { kind: 'expired', status: 410, token: TOKEN },
    { kind: 'superseded', status: 410, token: TOKEN },
    { kind: 'unknown', status: 410, token: null },
    { kind: 'denied', status: 400, token: null },
    { kind: 'used', status: 400, token: TOKEN, usedAt: new Date(NOW.getTime() - 86_400_000), device: 'Safari on iOS', sessionDevice: 'Chrome on Android', error: 'used.mismatch' },
    { kind: 'used', status: 409, token: TOKEN, usedAt: NOW, device: 'Unknown browser', sessionDevice: null, error: null },
    { kind: 'approved', status: 200, device: 'Edge on Windows' },
    { kind: 'revoked', status: 200 },
    { kind: 'resent', status: 202, email: 'a•••@example.com' },
    ...['FST_MAGIC_LINK_BAD_REQUEST', 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN', 'FST_MAGIC_LINK_RATE_LIMITED', 'FST_MAGIC_LINK_STORE_UNAVAILABLE', 'FST_MAGIC_LINK_INTERNAL']
      .map((code): PageView => ({ kind: 'error', status: code === 'FST_MAGIC_LINK_INTERNAL' ? 500 : 400, code, retryAfter: 726 })),
  ]
}

