import { createHash } from 'node:crypto'
import type { Brand } from './model.js'

/** WCAG relative luminance of `#rrggbb`. */
function luminance (hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** The text colour for a button of `color`: white or near-black, whichever has the higher WCAG contrast. */
export function textOn (color: string): '#ffffff' | '#111111' {
  const l = luminance(color)
  return (1.05 / (l + 0.05)) >= ((l + 0.05) / (luminance('#111111') + 0.05)) ? '#ffffff' : '#111111'
}

/** The stylesheet and Content-Security-Policy of the pages of one plugin instance (its brand is fixed at boot). */
export interface Theme {
  readonly style: string
  /** CSP of the plugin's own pages: the stylesheet by hash, the logo by its exact URL. */
  readonly csp: string
  /** CSP of a `pages.render` page, for this response's nonce. */
  nonceCsp (nonce: string): string
}

// Logical properties (`inline-start`) so a right-to-left page mirrors without a second sheet.
function stylesheet (brand: Pick<Brand, 'color' | 'onColor'>): string {
  const accent = brand.color === null ? '' : `:root{--accent:${brand.color};--on-accent:${brand.onColor as string}}`
  return [
    ':root{color-scheme:light dark;--bg:#f3f4f6;--fg:#16191d;--muted:#59616c;--card:#fff;--line:#d8dce2;--accent:#2352cc;--on-accent:#fff;--note:#fff7e0;--note-line:#e0b43c;--err:#b42318}',
    '@media (prefers-color-scheme:dark){:root{--bg:#101317;--fg:#e6e9ed;--muted:#9aa3ae;--card:#1a1f26;--line:#2f3640;--accent:#7098ff;--on-accent:#0b1020;--note:#2a2413;--note-line:#8c6c1d;--err:#ff8b80}}',
    accent,
    '*{box-sizing:border-box}',
    'body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px 16px;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Noto Sans Arabic","Noto Sans JP",sans-serif}',
    'main{width:100%;max-width:28rem;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:28px;box-shadow:0 1px 3px rgb(0 0 0/.08)}',
    '.app{display:flex;align-items:center;gap:10px;margin:0 0 8px;color:var(--muted);font-size:14px}',
    '.app img{max-height:32px;max-width:160px}',
    'h1{margin:0 0 12px;font-size:22px;line-height:1.3}',
    'p{margin:0 0 12px}',
    '.muted{color:var(--muted);font-size:14px}',
    '.note{margin:16px 0;padding:12px 14px;border-inline-start:4px solid var(--note-line);border-radius:6px;background:var(--note);font-weight:600}',
    '.error{color:var(--err);font-weight:600}',
    'form{margin:16px 0 12px}',
    'label{display:block;margin:0 0 6px;font-weight:600}',
    'input{width:100%;margin:0 0 14px;padding:10px 12px;border:1px solid var(--line);border-radius:8px;background:transparent;color:inherit;font:inherit}',
    'input:focus,button:focus,.button:focus{outline:3px solid var(--accent);outline-offset:2px}',
    '#code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:22px;letter-spacing:.2em;text-transform:uppercase;direction:ltr}',
    'button,.button{display:inline-block;width:100%;padding:11px 16px;border:0;border-radius:8px;background:var(--accent);color:var(--on-accent);font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}',
    'button:hover,.button:hover{filter:brightness(1.08)}',
    '.link{color:inherit}',
    'footer{margin:20px 0 0;font-size:14px;color:var(--muted)}',
  ].filter((rule) => rule !== '').join('')
}

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64')

export function createTheme (brand: Pick<Brand, 'color' | 'onColor' | 'logoUrl'>): Theme {
  const style = stylesheet(brand)
  // Exactly the logo's URL (a CSP source with a path matches that path only), nothing else.
  const img = brand.logoUrl === null ? '' : `img-src ${brand.logoUrl}; `
  const tail = "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
  return {
    style,
    csp: `default-src 'none'; style-src 'sha256-${sha256(style)}'; ${img}${tail}`,
    nonceCsp: (nonce) => `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; ${img}${tail}`,
  }
}

/** CSP of the plugin's own pages without a brand colour or logo. */
export const PAGE_CSP = createTheme({ color: null, onColor: null, logoUrl: null }).csp
