/**
 * Shared tools of the security suite (one file per threat of SECURITY.md): an app builder with Fastify server options
 * and captured logs, an HTML form reader for "a bot submits every form" tests, raw HTTP on
 * loopback for requests `inject` cannot express (absolute-form targets, HTTP/1.0 without Host),
 * Set-Cookie attribute parsing and small statistics helpers.
 *
 * Run directly (`npx tap test/security/lib.ts`, which `npx tap test/security/` also does), it
 * checks its own parsers.
 */
import net from 'node:net'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { build, ORIGIN, SECRET, type BuildOptions, type Sent, type TestApp } from '../helpers/app.js'

export { ORIGIN, SECRET }

/** Headers of a form post from one of the plugin's own pages (same origin, as a browser sends them). */
export const FORM_POST: Readonly<Record<string, string>> = {
  'content-type': 'application/x-www-form-urlencoded',
  origin: ORIGIN,
  'sec-fetch-site': 'same-origin',
}

/** What link scanners and prefetchers send (SECURITY.md T4). */
export const SCANNER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36'
export const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0'
export const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1'

export type SecApp = TestApp
export type SecBuildOptions = BuildOptions

/** `build()` of `test/helpers/app.ts`: captured mail and logs, a user table, a controllable clock. */
export const buildApp = build

/** The `nth` (1-based) login mail (not a notice) sent to `to`, waiting for it; undefined if none comes. */
export async function loginMail (a: TestApp, to: string, nth = 1): Promise<Sent | undefined> {
  const find = (): Sent | undefined => a.outbox.filter((m) => m.ctx !== null && m.message.to === to)[nth - 1]
  await until(() => find() !== undefined)
  return find()
}

/** The link token of the `nth` login mail to `to` ('' when none came). */
export async function tokenFor (a: TestApp, to: string, nth = 1): Promise<string> {
  const link = (await loginMail(a, to, nth))?.ctx?.link
  return link === undefined ? '' : (new URL(link).searchParams.get('token') ?? '')
}

/** Waits (real time) until `check` holds or `timeoutMs` passes; mail is sent off the request path. */
export async function until (check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return true
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Listens on an ephemeral loopback port and returns it. */
export async function listen (app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return address.port
}

// --- HTML forms ----------------------------------------------------------------------------------

export interface FormField { name: string, type: string, value: string }
export interface SubmitButton { name: string | null, value: string, label: string }
export interface ParsedForm { action: string, method: string, fields: FormField[], submits: SubmitButton[] }

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" }

export function decodeEntities (s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    const lower = name.toLowerCase()
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16))
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10))
    return ENTITIES[lower] ?? whole
  })
}

/** Attributes of one start tag's attribute text; names lower-cased, values entity-decoded. */
export function attributes (text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of text.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g)) {
    const name = (m[1] ?? '').toLowerCase()
    if (!out.has(name)) out.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''))
  }
  return out
}

/** Every `<form>` of a page with its fields and submit buttons, the way a form-submitting bot sees them. */
export function parseForms (html: string): ParsedForm[] {
  const forms: ParsedForm[] = []
  for (const f of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)) {
    const attrs = attributes(f[1] ?? '')
    const inner = f[2] ?? ''
    const fields: FormField[] = []
    const submits: SubmitButton[] = []
    for (const i of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(i[1] ?? '')
      const type = (a.get('type') ?? 'text').toLowerCase()
      if (type === 'submit' || type === 'image') {
        submits.push({ name: a.get('name') ?? null, value: a.get('value') ?? '', label: a.get('value') ?? type })
      } else if (a.has('name')) {
        fields.push({ name: a.get('name') as string, type, value: a.get('value') ?? '' })
      }
    }
    for (const tag of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea\s*>/gi)) {
      const a = attributes(tag[1] ?? '')
      if (a.has('name')) fields.push({ name: a.get('name') as string, type: 'textarea', value: decodeEntities(tag[2] ?? '') })
    }
    for (const b of inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button\s*>/gi)) {
      const a = attributes(b[1] ?? '')
      const type = (a.get('type') ?? 'submit').toLowerCase()
      if (type === 'submit') submits.push({ name: a.get('name') ?? null, value: a.get('value') ?? '', label: (b[2] ?? '').replace(/<[^>]*>/g, '').trim() })
    }
    forms.push({ action: attrs.get('action') ?? '', method: (attrs.get('method') ?? 'get').toLowerCase(), fields, submits })
  }
  return forms
}

/** Hrefs and srcs of a page (links a scanner follows, resources a browser loads). */
export function urlsOf (html: string): string[] {
  return [...html.matchAll(/\b(?:href|src|action|formaction|poster|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)]
    .map((m) => decodeEntities(m[1] ?? m[2] ?? m[3] ?? ''))
}

/**
 * The bodies a form-submitting bot posts: one per submit button, hidden fields with their
 * prefilled values, every visible field set to `fill` (empty by default).
 */
export function botBodies (form: ParsedForm, fill = ''): string[] {
  const buttons: Array<SubmitButton | null> = form.submits.length > 0 ? form.submits : [null]
  return buttons.map((button) => {
    const params = new URLSearchParams()
    for (const field of form.fields) params.append(field.name, field.type === 'hidden' ? field.value : (fill === '' ? field.value : fill))
    if (button !== null && button.name !== null) params.append(button.name, button.value)
    return params.toString()
  })
}

/**
 * A payload as printable ASCII for assertion names: TAP parsers split lines on U+2028/U+0085 too,
 * so a raw payload in a test name would corrupt the report.
 */
export function label (value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value)
  const ascii = text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return ascii.length > max ? `${ascii.slice(0, max)}...(${ascii.length})` : ascii
}

// --- cookies -------------------------------------------------------------------------------------

export interface SetCookie {
  name: string
  value: string
  /** Attribute names lower-cased; flag attributes map to ''. */
  attrs: Map<string, string>
  raw: string
}

/** The raw Set-Cookie headers of a response, parsed without any library's interpretation. */
export function setCookies (res: { headers: Record<string, string | string[] | number | undefined> }): SetCookie[] {
  const header = res.headers['set-cookie']
  const lines = header === undefined ? [] : (Array.isArray(header) ? header : [String(header)])
  return lines.map((raw) => {
    const [pair = '', ...rest] = raw.split(';')
    const eq = pair.indexOf('=')
    const attrs = new Map<string, string>()
    for (const part of rest) {
      const i = part.indexOf('=')
      const key = (i === -1 ? part : part.slice(0, i)).trim().toLowerCase()
      if (key !== '') attrs.set(key, i === -1 ? '' : part.slice(i + 1).trim())
    }
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attrs, raw }
  })
}

/** The live (non-clearing) Set-Cookie of `name`, if any. */
export function liveCookie (res: LightMyRequestResponse, name: string): SetCookie | undefined {
  return setCookies(res).find((c) => c.name === name && c.value !== '' && c.attrs.get('max-age') !== '0')
}

/** Decodes the payload of a JWT (no verification: the test reads its own cookies). */
export function jwtPayload (token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

/** A 500, or anything that looks like a stack trace or a source path, in a response. */
export function leaksInternals (res: { statusCode: number, body: string }): string | null {
  if (res.statusCode >= 500 && res.statusCode !== 503) return `status ${res.statusCode}`
  const m = /\n\s+at\s|\bat [\w.<>]+ \(|node:internal|\/src\/[\w/-]+\.ts|node_modules\/|"stack"\s*:/.exec(res.body)
  return m === null ? null : `body contains ${JSON.stringify(m[0])}`
}

// --- raw HTTP ------------------------------------------------------------------------------------

export interface RawResponse {
  status: number
  headers: Map<string, string[]>
  body: string
  raw: string
}

/** Sends bytes as they are to the loopback port and reads until the server closes (or the timeout). */
export function rawHttp (port: number, request: string | Buffer, timeoutMs = 3000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve(parseRaw(Buffer.concat(chunks).toString('latin1')))
    }
    const timer = setTimeout(finish, timeoutMs)
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      const text = Buffer.concat(chunks).toString('latin1')
      const parsed = parseRaw(text)
      const length = Number(parsed.headers.get('content-length')?.[0] ?? Number.NaN)
      if (parsed.status > 0 && Number.isFinite(length) && Buffer.byteLength(parsed.body, 'latin1') >= length) finish()
    })
    socket.on('error', finish)
    socket.on('close', finish)
    socket.on('connect', () => { socket.write(request) })
  })
}

function parseRaw (raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n')
  const head = end === -1 ? raw : raw.slice(0, end)
  const [statusLine = '', ...lines] = head.split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0)
  const headers = new Map<string, string[]>()
  for (const line of lines) {
    const i = line.indexOf(':')
    if (i === -1) continue
    const key = line.slice(0, i).trim().toLowerCase()
    headers.set(key, [...(headers.get(key) ?? []), line.slice(i + 1).trim()])
  }
  return { status, headers, body: end === -1 ? '' : raw.slice(end + 4), raw }
}

/** A complete HTTP/1.1 request with a JSON body. */
export function rawJsonPost (target: string, body: unknown, headers: Record<string, string> = {}): string {
  const payload = Buffer.from(JSON.stringify(body), 'utf8')
  const lines = [`POST ${target} HTTP/1.1`]
  const all: Record<string, string> = { host: 'app.example.com', 'content-type': 'application/json', connection: 'close', ...headers, 'content-length': String(payload.length) }
  for (const [k, v] of Object.entries(all)) if (v !== '') lines.push(`${k}: ${v}`)
  return `${lines.join('\r\n')}\r\n\r\n${payload.toString('latin1')}`
}

// --- statistics ----------------------------------------------------------------------------------

export function quantile (values: readonly number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y)
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo)
}

export const median = (values: readonly number[]): number => quantile(values, 0.5)

/** Milliseconds of an async call, by the monotonic clock. */
export async function timed<T> (fn: () => Promise<T>): Promise<{ ms: number, value: T }> {
  const start = process.hrtime.bigint()
  const value = await fn()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value }
}

/** A small seeded PRNG (mulberry32) for reproducible interleavings. */
export function seeded (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6D2B79F5) >>> 0
    let x = s
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

export function shuffle<T> (items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = out[i] as T
    out[i] = out[j] as T
    out[j] = tmp
  }
  return out
}

// --- self-test when run as a file of the suite -----------------------------------------------------

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { default: t } = await import('tap')
  t.test('parseForms reads actions, hidden values, fields and every submit button', async (t) => {
    const forms = parseForms('<form method="post" action="/auth/verify"><input type="hidden" name="token" value="a&amp;b">' +
      '<input id="code" name="code" type="text" required><button type="submit">Approve</button><button name="x" value="1">X</button>' +
      '<button type="button">no</button><input type="submit" name="s" value="Go"></form><form action=/q><input name=q value=\'v\'></form>')
    t.equal(forms.length, 2)
    t.same(forms[0]?.fields, [{ name: 'token', type: 'hidden', value: 'a&b' }, { name: 'code', type: 'text', value: '' }])
    t.same(forms[0]?.submits.map((s) => s.label), ['Go', 'Approve', 'X'])
    t.same(botBodies(forms[0] as ParsedForm), ['token=a%26b&code=&s=Go', 'token=a%26b&code=', 'token=a%26b&code=&x=1'])
    t.same(botBodies(forms[0] as ParsedForm, 'junk')[1], 'token=a%26b&code=junk')
    t.same(forms[1], { action: '/q', method: 'get', fields: [{ name: 'q', type: 'text', value: 'v' }], submits: [] })
  })
  t.test('setCookies keeps every attribute of the raw header', async (t) => {
    const [c] = setCookies({ headers: { 'set-cookie': ['__Host-sid=abc; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax'] } })
    t.equal(c?.name, '__Host-sid')
    t.equal(c?.value, 'abc')
    t.same([...(c?.attrs ?? new Map<string, string>())], [['max-age', '60'], ['path', '/'], ['httponly', ''], ['secure', ''], ['samesite', 'Lax']])
  })
  t.test('leaksInternals flags 500s and stack traces only', async (t) => {
    t.equal(leaksInternals({ statusCode: 400, body: '{"statusCode":400}' }), null)
    t.equal(leaksInternals({ statusCode: 503, body: '{}' }), null)
    t.ok(leaksInternals({ statusCode: 500, body: '' }))
    t.ok(leaksInternals({ statusCode: 400, body: 'Error: x\n    at foo (/work/src/a.ts:1:2)' }))
  })
  t.test('label keeps assertion names printable ASCII', async (t) => {
    t.equal(label('a\u2028b\u0085c\u00e9'), '"a\\u2028b\\u0085c\\u00e9"')
    t.equal(label(['x']), '["x"]')
    t.equal(label(undefined), 'undefined')
    t.equal(label('y'.repeat(100), 10), '"yyyyyyyyy...(102)')
  })
  t.test('quantile, median and the seeded shuffle', async (t) => {
    t.equal(median([3, 1, 2]), 2)
    t.equal(median([1, 2, 3, 4]), 2.5)
    t.same(shuffle([1, 2, 3, 4, 5], seeded(1)).sort(), [1, 2, 3, 4, 5])
    t.same(shuffle([1, 2, 3, 4, 5], seeded(7)), shuffle([1, 2, 3, 4, 5], seeded(7)))
  })
}
