/**
 * `npm run example:cli`: a "native" client. It signs in from a terminal with the token transport
 * (no cookies): it prints the code to type on the device where the mail is opened, waits for the
 * approval (or takes the 6-digit code from the mail, typed here), then calls the app's `/me`
 * with the bearer token, refreshing it when it expires.
 *
 *   npm run example                      # the example app, in another terminal
 *   npm run example:cli -- you@example.com [http://localhost:3000]
 *
 * The app must list 'token' in `session.transports` (the example app does). Texts follow LANG
 * (`de` or English).
 */
import { createInterface } from 'node:readline/promises'
import { pathToFileURL } from 'node:url'
// In your app: `import { createClient } from 'fastify-magic-link/client'`.
import { createClient, MagicLinkClientError, type TokenStorage } from '../src/client/index.js'

const MESSAGES = {
  en: {
    asking: 'Asking for a sign-in link for {email}…',
    code: 'Open the link in the mail on any device and type this code there: {code}',
    orType: 'Or type the 6-digit code from the mail here and press Enter.',
    expires: 'The link and the codes expire in {minutes} minutes.',
    signedIn: 'Signed in. GET /me answered:',
    failed: 'The sign-in did not complete ({code}).',
    wrongCode: 'That code isn’t right. Try again.',
    usage: 'Usage: npm run example:cli -- <email> [app URL, default http://localhost:3000]',
  },
  de: {
    asking: 'Anmeldelink für {email} wird angefordert …',
    code: 'Öffnen Sie den Link aus der E-Mail auf einem beliebigen Gerät und geben Sie dort diesen Code ein: {code}',
    orType: 'Oder geben Sie hier den 6-stelligen Code aus der E-Mail ein und drücken Sie die Eingabetaste.',
    expires: 'Link und Codes laufen in {minutes} Minuten ab.',
    signedIn: 'Angemeldet. GET /me antwortete:',
    failed: 'Die Anmeldung wurde nicht abgeschlossen ({code}).',
    wrongCode: 'Dieser Code stimmt nicht. Bitte versuchen Sie es erneut.',
    usage: 'Aufruf: npm run example:cli -- <E-Mail> [App-URL, Standard http://localhost:3000]',
  },
} as const

type Texts = { [K in keyof typeof MESSAGES.en]: string }

/** The terminal's language: `de` when LANG says so, else English. */
export function texts (lang = process.env.LANG ?? ''): Texts {
  return lang.toLowerCase().startsWith('de') ? MESSAGES.de : MESSAGES.en
}

const fill = (text: string, values: Record<string, string | number>): string =>
  text.replace(/\{(\w+)\}/g, (m, name: string) => String(values[name] ?? m))

export interface CliOptions {
  email: string
  /** The app, e.g. `http://localhost:3000`. */
  baseUrl: string
  /** Lines typed by the person (the 6-digit code), or none. */
  lines?: AsyncIterable<string>
  /** Where the sentences go. */
  print: (line: string) => void
  texts?: Texts
  storage?: TokenStorage
  /** Stops waiting. */
  signal?: AbortSignal
}

/** Signs in with the token transport and returns what `GET /me` answered, or null. */
export async function signInFromTerminal (o: CliOptions): Promise<unknown> {
  const t = o.texts ?? texts()
  const client = createClient({ baseUrl: o.baseUrl, transport: 'token', ...(o.storage === undefined ? {} : { storage: o.storage }) })
  o.print(fill(t.asking, { email: o.email }))
  const { matchCode, expiresIn } = await client.login(o.email)
  o.print(fill(t.code, { code: matchCode }))
  o.print(t.orType)
  o.print(fill(t.expires, { minutes: Math.round(expiresIn / 60) }))
  const stop = new AbortController()
  const abort = (): void => { stop.abort() }
  o.signal?.addEventListener('abort', abort, { once: true })
  if (o.signal?.aborted === true) stop.abort()
  // Whichever comes first: the approval on another device, or the mail's code typed here.
  const typed = (async () => {
    for await (const line of o.lines ?? []) {
      const code = line.trim()
      if (!/^\d{6}$/.test(code) || stop.signal.aborted) continue
      try {
        return await client.verifyCode(code, { signal: stop.signal })
      } catch (error) {
        if (!(error instanceof MagicLinkClientError) || error.code !== 'FST_MAGIC_LINK_INVALID_CODE') throw error
        o.print(t.wrongCode)
      }
    }
    return await new Promise<never>(() => {})
  })()
  typed.catch(() => {}) // after the race, a late abort is nobody's business
  try {
    await Promise.race([client.waitForSession({ signal: stop.signal }), typed])
  } catch (error) {
    o.print(fill(t.failed, { code: error instanceof MagicLinkClientError ? error.code : String(error) }))
    return null
  } finally {
    stop.abort()
    o.signal?.removeEventListener('abort', abort)
  }
  const me = await client.fetch(`${o.baseUrl.replace(/\/+$/, '')}/me`)
  const body: unknown = await me.json()
  o.print(t.signedIn)
  o.print(JSON.stringify(body, null, 2))
  return body
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [email, baseUrl = 'http://localhost:3000'] = process.argv.slice(2)
  const t = texts()
  if (email === undefined) {
    process.stderr.write(`${t.usage}\n`)
    process.exit(2)
  }
  const rl = createInterface({ input: process.stdin })
  const print = (line: string): void => { process.stdout.write(`${line}\n`) }
  const result = await signInFromTerminal({ email, baseUrl, lines: rl, print, texts: t })
  rl.close()
  process.exit(result === null ? 1 : 0)
}
