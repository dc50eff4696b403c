/**
 * A tiny keep-alive HTTP/1.1 client on node:http (lighter than fetch, so the driver steals
 * less CPU from the server on a 2-core box), and cookie helpers.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface HttpRequestOptions {
  method?: string
  headers?: Record<string, string>
  /** Object = JSON body; string = sent as is (set content-type yourself). */
  body?: unknown
  agent?: Agent
  timeoutMs?: number
}

export function createAgent (maxSockets = 64): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
}

const defaultAgent = createAgent(8)

export async function http (url: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  const u = new URL(url)
  const headers: Record<string, string> = { ...opts.headers }
  let payload: string | undefined
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string') payload = opts.body
    else {
      payload = JSON.stringify(opts.body)
      headers['content-type'] ??= 'application/json'
    }
    headers['content-length'] = String(Buffer.byteLength(payload))
  }
  return await new Promise<HttpResponse>((resolve, reject) => {
    const req = httpRequest({
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      method: opts.method ?? (payload === undefined ? 'GET' : 'POST'),
      headers,
      agent: opts.agent ?? defaultAgent,
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`timeout: ${opts.method ?? 'GET'} ${url}`)))
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

/** Applies Set-Cookie lines to a jar: sets each `name=value`, removes deleted or emptied cookies. */
function applySetCookies (jar: Record<string, string>, res: HttpResponse): Record<string, string> {
  for (const line of res.headers['set-cookie'] ?? []) {
    const pair = line.split(';', 1)[0]
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    const name = pair.slice(0, eq).trim()
    const value = pair.slice(eq + 1).trim()
    const expired = /max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)
    if (expired || value === '') delete jar[name]
    else jar[name] = value
  }
  return jar
}

/** `name=value` pairs from Set-Cookie headers (attributes dropped, deleted cookies skipped). */
export function cookiesFrom (res: HttpResponse): Record<string, string> {
  return applySetCookies({}, res)
}

/** Merge Set-Cookie pairs into a jar (deleted cookies removed). */
export function updateJar (jar: Record<string, string>, res: HttpResponse): void {
  applySetCookies(jar, res)
}

export function cookieHeader (jar: Record<string, string>): string {
  return Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; ')
}

export function expectStatus (res: HttpResponse, expected: number | number[], what: string): void {
  const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected
  if (!ok) throw new Error(`${what}: expected HTTP ${String(expected)}, got ${res.status}: ${res.body.slice(0, 300)}`)
}
