import Fastify, { type FastifyInstance, type FastifyServerOptions, type LightMyRequestResponse } from 'fastify'
import magicLink, { type MagicLinkOptions, type MagicLinkStore, type MailMessage, type MailContext, type MagicLinkUser } from '../../src/index.js'

export const ORIGIN = 'https://app.example.com'
export const SECRET = 'a-test-secret-that-is-long-enough-0123456789'

export interface Sent { message: MailMessage, ctx: MailContext | null }

export interface TestApp {
  app: FastifyInstance
  /** Every log line (JSON) the app wrote, when built with `logLevel`. */
  logs: string[]
  outbox: Sent[]
  users: Map<string, MagicLinkUser>
  clock: { now: number, advance (ms: number): void }
  /** Waits until `n` mails were handed to sendMail. */
  mails (n: number): Promise<Sent[]>
}

export interface BuildOptions extends Partial<MagicLinkOptions> {
  /** Addresses that exist before the test. Default `['known@example.com']`. */
  known?: string[]
  logger?: boolean
  /** Where log lines go when `logger` is true. */
  loggerStream?: { write: (line: string) => void }
  /** Capture logs at this level into `logs`. */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error'
  /** Fastify server options (trustProxy, …); the logger is set from `logger`/`logLevel`. */
  server?: Omit<FastifyServerOptions, 'logger'>
}

/** The standard app of the tests: https origin, captured mail, a user table, a controllable clock. */
export async function build (opts: BuildOptions = {}): Promise<TestApp> {
  const { known = ['known@example.com'], logger = false, loggerStream, logLevel, server = {}, ...options } = opts
  const users = new Map<string, MagicLinkUser>(known.map((email, i) => [email, { id: `u${i + 1}` }]))
  const outbox: Sent[] = []
  const clock = { now: Date.now(), advance (ms: number) { this.now += ms } }
  const logs: string[] = []
  const app = Fastify({
    ...server,
    logger: logLevel !== undefined
      ? { level: logLevel, stream: { write: (line: string) => { logs.push(line) } } }
      : logger && loggerStream !== undefined ? { level: 'info', stream: loggerStream } : logger,
  })
  await app.register(magicLink, {
    origin: ORIGIN,
    secret: SECRET,
    users: { find: (email) => users.get(email) ?? null },
    sendMail: async (message, ctx) => { outbox.push({ message, ctx }) },
    now: () => clock.now,
    ...options,
  })
  app.get('/me', { preHandler: app.requireSession }, async (request) => ({ session: request.session }))
  app.get('/public', async (request) => ({ signedIn: request.session !== null }))
  await app.ready()
  const mails = async (n: number): Promise<Sent[]> => {
    for (let i = 0; i < 200 && outbox.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 5))
    return outbox.slice(0, n)
  }
  return { app, logs, outbox, users, clock, mails }
}

/** A cookie jar for inject: one per simulated browser. */
export class Jar {
  readonly cookies = new Map<string, string>()

  header (): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  take (res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as Array<{ name: string, value: string, maxAge?: number }>) {
      if (c.value === '' || c.maxAge === 0) this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
    return res
  }

  get (name: string): string | undefined {
    return this.cookies.get(name)
  }
}

/** inject with this jar's cookies, and keep the cookies set. */
export async function send (app: FastifyInstance, jar: Jar, req: { method: 'GET' | 'POST' | 'HEAD' | 'DELETE', url: string, payload?: unknown, headers?: Record<string, string> }): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...(req.headers ?? {}) }
  if (jar.cookies.size > 0) headers.cookie = jar.header()
  const payload = req.payload === undefined ? undefined : (typeof req.payload === 'string' ? req.payload : JSON.stringify(req.payload))
  if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json'
  const res = await app.inject({ method: req.method, url: req.url, headers, ...(payload === undefined ? {} : { payload }) })
  return jar.take(res)
}

/** Token from a link. */
export function tokenOf (link: string): string {
  return new URL(link).searchParams.get('token') as string
}

/** Ask for a link in `jar`'s browser and return the matchCode and the mail. */
export async function ask (t: TestApp, jar: Jar, email = 'known@example.com', extra: Record<string, unknown> = {}): Promise<{ matchCode: string, res: LightMyRequestResponse }> {
  const res = await send(t.app, jar, { method: 'POST', url: '/auth/request', payload: { email, ...extra } })
  return { matchCode: (res.json() as { matchCode: string }).matchCode, res }
}

export type { MagicLinkStore }
