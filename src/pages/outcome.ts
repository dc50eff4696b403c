import type { PageView } from './model.js'
import {
  backLink, button, emailField, errorHtml, escapeHtml, form, p, startAgainHtml, strong, timeHtml, type PageInput,
} from './layout.js'
import type { PageParts } from './verify.js'

type Page<K extends PageView['kind']> = PageInput & Extract<PageView, { kind: K }>

/**
 * `410` for a link that is unknown, expired, replaced by a newer one or stopped. An expired or
 * replaced link offers "Send a new link" (`POST /resend`), which asks for a new one in this browser.
 */
export function deadLinkPage (m: Page<'expired' | 'superseded' | 'unknown' | 'denied'>): PageParts {
  const resend = m.token !== null && (m.kind === 'expired' || m.kind === 'superseded')
  return {
    title: m.t(`${m.kind}.title`),
    body: [
      p(m, `${m.kind}.text`),
      ...(resend ? [form(m.actions.resend, m.token as string, button(m, 'resend.button')), backLink(m)] : [startAgainHtml(m)]),
    ].join('\n'),
  }
}

/**
 * `409` for a link that was already used. It says when and where the link was opened and, while
 * the session it started is live, which device holds it and how to sign it out. Signing out
 * needs the address typed in: a scanner that clicks buttons does not type it, so it cannot sign
 * anyone out (SECURITY.md T4, T5).
 */
export function usedPage (m: Page<'used'>): PageParts {
  const live = m.sessionDevice === null
    ? [p(m, 'used.ended'), backLink(m)]
    : [
        p(m, 'used.live', { device: strong(m.describeDevice(m.sessionDevice)) }),
        p(m, 'used.ifYou'),
        backLink(m),
        p(m, 'used.notYou', {}, 'note'),
        p(m, 'used.why'),
        errorHtml(m, m.error === null ? null : m.t(m.error)),
        form(m.actions.revoke, m.token, `${emailField(m)}\n${button(m, 'used.button')}`),
      ]
  return {
    title: m.t('used.title'),
    body: [p(m, 'used.text', { when: timeHtml(m, m.usedAt), device: strong(m.describeDevice(m.device)) }), ...live].join('\n'),
  }
}

/** `200` after a cross-device approval. This browser gets no session (SECURITY.md T5). */
export function approvedPage (m: Page<'approved'>): PageParts {
  return {
    title: m.t('approved.title'),
    body: [p(m, 'approved.text', { device: strong(m.describeDevice(m.device)) }), p(m, 'approved.hint', {}, 'muted')].join('\n'),
  }
}

/** `200` after `/revoke` signed the session of a used link out. */
export function revokedPage (m: Page<'revoked'>): PageParts {
  return {
    title: m.t('revoked.title'),
    body: [p(m, 'revoked.text'), p(m, 'revoked.advice'), startAgainHtml(m, 'revoked.button')].join('\n'),
  }
}

/** `202` after `POST /resend` from a page: a new link is on its way to this (masked) address. */
export function resentPage (m: Page<'resent'>): PageParts {
  return {
    title: m.t('resend.title'),
    body: [p(m, 'resend.text', { email: strong(m.email) }), p(m, 'resend.hint', {}, 'muted')].join('\n'),
  }
}

const ERROR_KEYS = {
  FST_MAGIC_LINK_BAD_REQUEST: 'badRequest',
  FST_MAGIC_LINK_INVALID_TOKEN: 'badRequest',
  FST_MAGIC_LINK_INVALID_CODE: 'badRequest',
  FST_MAGIC_LINK_FORBIDDEN_ORIGIN: 'forbidden',
  FST_MAGIC_LINK_RATE_LIMITED: 'rateLimited',
  FST_MAGIC_LINK_STORE_UNAVAILABLE: 'unavailable',
} as const

/** Any other failure on a page route, by its error code; a wait is written as "in 12 minutes". */
export function errorPage (m: Page<'error'>): PageParts {
  const key = ERROR_KEYS[m.code as keyof typeof ERROR_KEYS] ?? (m.status >= 500 ? 'internal' : 'badRequest')
  return {
    title: m.t(`error.${key}.title`),
    body: [
      p(m, `error.${key}.text`, { retry: escapeHtml(m.retryIn(m.retryAfter ?? 60)) }),
      startAgainHtml(m),
    ].join('\n'),
  }
}
