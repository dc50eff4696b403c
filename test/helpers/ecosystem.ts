import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { MagicLinkOptions, MagicLinkUser, MailContext, MailMessage } from '../../src/index.js'
import { Jar, ORIGIN, SECRET, send } from './app.js'

// Helpers of the ecosystem tests (test/ecosystem/*): the plugin registered inside a real app,
// next to real @fastify/* plugins, and a whole login driven the way a browser does it: the link
// taken from the mail, the page's own form followed, the session used on an app route.

export interface Captured { message: MailMessage, ctx: MailContext | null }

/** A `sendMail` that keeps every message, and a way to wait for the n-th one. */
export function outbox (): { sent: Captured[], sendMail: NonNullable<MagicLinkOptions['sendMail']>, nth: (n: number) => Promise<Captured> } {
  const sent: Captured[] = []
  return {
    sent,
    sendMail: async (message, ctx) => { sent.push({ message, ctx }) },
    async nth (n) {
      for (let i = 0; i < 400 && sent.length <= n; i++) await new Promise((resolve) => setTimeout(resolve, 5))
      const mail = sent[n]
      if (mail === undefined) throw new Error(`mail #${n} never came (${sent.length} sent)`)
      return mail
    },
  }
}

/** Options for an https app whose only user is `known@example.com`, with mail captured by `box`. */
export function options (box: ReturnType<typeof outbox>, extra: Partial<MagicLinkOptions> = {}): MagicLinkOptions {
  const users = new Map<string, MagicLinkUser>([['known@example.com', { id: 'u1' }]])
  return {
    origin: ORIGIN,
    secret: SECRET,
    users: { find: (email) => users.get(email) ?? null },
    sendMail: box.sendMail,
    ...extra,
  }
}

/** The `action` of the first form of a page (HTML-unescaped). */
export function formAction (html: string): string | null {
  const m = /<form[^>]*action="([^"]*)"/.exec(html)
  return m === null ? null : (m[1] as string).replace(/&amp;/g, '&')
}

export interface BrowserLogin {
  jar: Jar
  /** `POST <prefix>/request` */
  request: LightMyRequestResponse
  /** The mail's link, as sent. */
  link: URL
  /** `GET` of the link's path and query. */
  page: LightMyRequestResponse
  /** The page form's `action`. */
  action: string | null
  /** The form post of the page's "Sign in" button. */
  verify: LightMyRequestResponse | null
  /** `GET <me>` with the cookies the browser now holds. */
  me: LightMyRequestResponse
}

/**
 * A same-browser login as a browser performs it: ask, open the mailed link, submit the page's
 * form where its `action` points, then call `me`. Stops early (verify null) when the page has no
 * form, so a test can assert on what went wrong.
 */
export async function browserLogin (app: FastifyInstance, box: ReturnType<typeof outbox>, o: { prefix?: string, me?: string, email?: string, headers?: Record<string, string> } = {}): Promise<BrowserLogin> {
  const { prefix = '/auth', me = '/me', email = 'known@example.com', headers = {} } = o
  const jar = new Jar()
  const before = box.sent.length
  const request = await send(app, jar, { method: 'POST', url: `${prefix}/request`, payload: { email }, headers })
  const mail = await box.nth(before)
  const link = new URL(mail.ctx?.link as string)
  const page = await send(app, jar, { method: 'GET', url: link.pathname + link.search, headers })
  const action = formAction(page.body)
  let verify: LightMyRequestResponse | null = null
  if (action !== null) {
    const token = link.searchParams.get('token') as string
    verify = await send(app, jar, {
      method: 'POST',
      url: action,
      payload: new URLSearchParams({ token }).toString(),
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    })
  }
  const res = await send(app, jar, { method: 'GET', url: me, headers })
  return { jar, request, link, page, action, verify, me: res }
}

/** A browser's cookies kept by hand for raw HTTP clients: `Set-Cookie` lines in, a `Cookie` header out. */
export class CookieJar {
  readonly values = new Map<string, string>()

  /** Keeps the cookies of a response's `set-cookie` lines (a cleared one is dropped). */
  keep (setCookie: readonly string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = ''] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (value === '' || /;\s*max-age=0(;|$)/i.test(line)) this.values.delete(name)
      else this.values.set(name, value)
    }
  }

  header (): string {
    return [...this.values].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}
