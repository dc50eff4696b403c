import type { PageView } from './model.js'
import { button, emailField, errorHtml, escapeHtml, form, p, strong, timeHtml, type PageInput } from './layout.js'

type Page<K extends PageView['kind']> = PageInput & Extract<PageView, { kind: K }>

/** One page: its title and body (already-escaped HTML). */
export interface PageParts { title: string, body: string }

/**
 * `GET /verify` in the browser that asked (it holds the flow's binding cookie). Opening the link
 * changes nothing; only the button posts (SECURITY.md T4).
 */
export function sameBrowserPage (m: Page<'sameBrowser'>): PageParts {
  return {
    title: m.t('sameBrowser.title', { app: m.brand.name }),
    body: [
      p(m, 'sameBrowser.text', { app: escapeHtml(m.brand.name), email: strong(m.email) }),
      p(m, 'sameBrowser.hint', {}, 'muted'),
      form(m.actions.verify, m.token, button(m, 'sameBrowser.button')),
    ].join('\n'),
  }
}

/**
 * `GET /verify` in another browser: approval needs the code shown on the asking screen, so a
 * scanner or a victim clicking an attacker's link cannot approve (SECURITY.md T5, T6). There is
 * deliberately no "deny" button: scanners click buttons, and one would kill real logins (T4).
 */
export function otherBrowserPage (m: Page<'otherBrowser'>): PageParts {
  const error = m.error === null
    ? null
    // Japanese and Chinese put no space after a full stop.
    : [m.t(m.error), m.attemptsLeft === null ? '' : m.t('code.attemptsLeft', { count: m.attemptsLeft })].filter((s) => s !== '').join(/^(?:ja|zh)\b/.test(m.locale) ? '' : ' ')
  return {
    title: m.t('otherBrowser.title'),
    body: [
      p(m, 'otherBrowser.text', { app: escapeHtml(m.brand.name), when: timeHtml(m, m.requestedAt), device: strong(m.describeDevice(m.device)) }),
      p(m, 'otherBrowser.safe', {}, 'note'),
      p(m, 'otherBrowser.instruction'),
      errorHtml(m, error),
      form(m.actions.verify, m.token, [
        `<label for="code">${escapeHtml(m.t('otherBrowser.label'))}</label>`,
        '<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" ' +
          'autocapitalize="characters" spellcheck="false" maxlength="7" dir="ltr" required>',
        button(m, 'otherBrowser.button'),
      ].join('\n')),
    ].join('\n'),
  }
}

/** `GET /verify` in another browser when only the asking browser may use the link. */
export function sameBrowserOnlyPage (m: Page<'sameBrowserOnly'>): PageParts {
  return { title: m.t('sameBrowserOnly.title'), body: p(m, 'sameBrowserOnly.text') }
}

/**
 * `GET /verify` of an invitation (`app.magicLink.createLink`): there is no asking browser, so the
 * person proves the address the link was sent to by typing it, which a scanner that clicks
 * buttons cannot do (SECURITY.md T4, T5).
 */
export function invitePage (m: Page<'invite'>): PageParts {
  return {
    title: m.t('invite.title', { app: m.brand.name }),
    body: [
      p(m, 'invite.text'),
      errorHtml(m, m.error === null ? null : m.t(m.error)),
      form(m.actions.verify, m.token, `${emailField(m)}\n${button(m, 'invite.button')}`),
    ].join('\n'),
  }
}
