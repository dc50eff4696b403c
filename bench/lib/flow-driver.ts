/**
 * Complete logins under load, driven by autocannon request SEQUENCES: each autocannon
 * connection is one virtual user that loops over the steps of a login on its own keep-alive
 * connection (autocannon rebuilds every step from the previous answers through
 * `setupRequest`/`onResponse`, and starts a new login after the last step or after a failed
 * one). autocannon's raw-socket client costs the 2-core box far less CPU than node:http, so the
 * driver steals as little as possible from the server, and every peer is driven by this same
 * code.
 *
 * A flow counts only when its last step answers what a browser needs (the session cookie).
 * Any unexpected answer counts as an error and restarts that virtual user's login.
 */
import autocannon from 'autocannon'
import type { Measurement, Sample } from './harness.js'
import { percentile } from './stats.js'

type Headers = Record<string, string | string[] | undefined>

interface Ctx {
  email?: string
  t0?: number
  failed?: boolean
  binding?: string
  token?: string
  match?: string
  verifyPath?: string
}

interface Step {
  method: 'GET' | 'POST'
  path?: string
  headers?: Record<string, string>
  setupRequest: (req: any, ctx: Ctx) => any
  onResponse: (status: number, body: string, ctx: Ctx, headers: Headers) => void
}

/** `name=value` of one cookie from the Set-Cookie headers of an autocannon response. */
export function setCookie (headers: Headers, name: string): string | undefined {
  const raw = headers['set-cookie'] ?? headers['Set-Cookie']
  const lines = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  for (const line of lines) {
    const pair = line.split(';', 1)[0]
    const eq = pair.indexOf('=')
    if (pair.slice(0, eq).trim() !== name) continue
    const value = pair.slice(eq + 1).trim()
    if (value !== '' && !/max-age=0\b/i.test(line)) return value
  }
  return undefined
}

export type FlowKind = 'ml-same-browser' | 'ml-cross-device' | 'better-auth'

export interface FlowOptions {
  name: string
  note: string
  kind: FlowKind
  base: string
  connections: number
  /** Addresses cycled through: `emailOf(seq % users)`; must be >> connections so two VUs never share one. */
  users: number
  emailOf: (i: number) => string
  /** fastify-magic-link cookie names (http origin: mlflow / sid). */
  flowCookie?: string
  sessionCookie?: string
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/** Steps per flow: fastify-magic-link same-browser 3, cross-device 4, better-auth 3. */
export function stepsPerFlow (kind: FlowKind): number {
  return kind === 'ml-cross-device' ? 4 : 3
}

export function flowMeasurement (o: FlowOptions): Measurement {
  let seq = 0
  const flowCookie = o.flowCookie ?? 'mlflow'
  const sessionCookie = o.sessionCookie ?? 'sid'
  let ok = 0
  let errors = 0
  let firstError: string | undefined
  let latencies: number[] = []
  const fail = (ctx: Ctx, what: string): void => {
    ctx.failed = true
    errors++
    firstError ??= what
  }
  const done = (ctx: Ctx): void => {
    ok++
    latencies.push(performance.now() - (ctx.t0 as number))
  }
  const skipIfFailed = (build: (req: any, ctx: Ctx) => any) => (req: any, ctx: Ctx) => (ctx.failed === true ? null : build(req, ctx))

  const lastLink: Step = {
    method: 'GET',
    setupRequest: skipIfFailed((req, ctx) => ({ ...req, path: `/__last-link?email=${encodeURIComponent(ctx.email as string)}&wait=1` })),
    onResponse: (status, body, ctx) => {
      if (status !== 200) return fail(ctx, `GET /__last-link: ${status} ${body.slice(0, 200)}`)
      const url = new URL((JSON.parse(body) as { url: string }).url)
      ctx.token = url.searchParams.get('token') ?? undefined
      ctx.verifyPath = url.pathname + url.search
      if (ctx.token === undefined) fail(ctx, `no token in ${url.toString()}`)
    },
  }
  const start = (path: string, expect: number, capture: (body: string, ctx: Ctx, headers: Headers) => void): Step => ({
    method: 'POST',
    path,
    headers: JSON_HEADERS,
    setupRequest: (req, ctx) => {
      ctx.email = o.emailOf(seq++ % o.users)
      ctx.t0 = performance.now()
      return { ...req, body: JSON.stringify({ email: ctx.email }) }
    },
    onResponse: (status, body, ctx, headers) => {
      if (status !== expect) return fail(ctx, `POST ${path}: ${status} ${body.slice(0, 200)}`)
      capture(body, ctx, headers)
    },
  })

  let steps: Step[]
  if (o.kind === 'better-auth') {
    steps = [
      start('/api/auth/sign-in/magic-link', 200, () => {}),
      lastLink,
      {
        method: 'GET',
        setupRequest: skipIfFailed((req, ctx) => ({ ...req, path: ctx.verifyPath })),
        onResponse: (status, body, ctx, headers) => {
          const location = String(headers.location ?? '')
          if ((status !== 302 && status !== 200) || location.includes('error=')) return fail(ctx, `GET magic-link/verify: ${status} ${location} ${body.slice(0, 200)}`)
          if (setCookie(headers, 'better-auth.session_token') === undefined) return fail(ctx, 'verify set no better-auth.session_token cookie')
          done(ctx)
        },
      },
    ]
  } else {
    const request = start('/auth/request', 202, (body, ctx, headers) => {
      ctx.binding = setCookie(headers, flowCookie)
      ctx.match = (JSON.parse(body) as { matchCode?: string }).matchCode
      if (ctx.binding === undefined) fail(ctx, `POST /auth/request set no ${flowCookie} cookie`)
    })
    const gotSession = (what: string) => (status: number, body: string, ctx: Ctx, headers: Headers): void => {
      if (status !== 200) return fail(ctx, `${what}: ${status} ${body.slice(0, 200)}`)
      if (setCookie(headers, sessionCookie) === undefined) return fail(ctx, `${what} set no ${sessionCookie} cookie`)
      done(ctx)
    }
    if (o.kind === 'ml-same-browser') {
      steps = [request, lastLink, {
        method: 'POST',
        path: '/auth/verify',
        setupRequest: skipIfFailed((req, ctx) => ({
          ...req, headers: { ...JSON_HEADERS, cookie: `${flowCookie}=${ctx.binding as string}` }, body: JSON.stringify({ token: ctx.token }),
        })),
        onResponse: gotSession('POST /auth/verify'),
      }]
    } else {
      steps = [request, lastLink, {
        // The other device: no binding cookie, the code shown on the asking screen.
        method: 'POST',
        path: '/auth/verify',
        setupRequest: skipIfFailed((req, ctx) => ({ ...req, headers: JSON_HEADERS, body: JSON.stringify({ token: ctx.token, code: ctx.match }) })),
        onResponse: (status, body, ctx) => {
          if (status !== 200 || !body.includes('"approved"')) fail(ctx, `POST /auth/verify with code: ${status} ${body.slice(0, 200)}`)
        },
      }, {
        // Back on the asking device: its first poll claims the approved flow.
        method: 'POST',
        path: '/auth/poll',
        setupRequest: skipIfFailed((req, ctx) => ({ ...req, headers: { ...JSON_HEADERS, cookie: `${flowCookie}=${ctx.binding as string}` }, body: '{}' })),
        onResponse: gotSession('POST /auth/poll'),
      }]
    }
  }

  return {
    name: o.name,
    unit: 'flows/s',
    note: o.note,
    run: async (durationSec: number): Promise<Sample> => {
      ok = 0
      errors = 0
      firstError = undefined
      latencies = []
      const t0 = performance.now()
      const result = await autocannon({
        url: o.base,
        connections: o.connections,
        pipelining: 1,
        duration: durationSec,
        timeout: 10,
        requests: steps as any,
      })
      const elapsed = (performance.now() - t0) / 1000
      if (firstError !== undefined) process.stderr.write(`[flows] ${o.name}: ${errors} errors, first: ${firstError}\n`)
      const sample: Sample = {
        rate: ok / elapsed,
        ops: ok,
        requests: result.requests.total,
        durationSec: elapsed,
        errors: errors + result.errors + result.timeouts,
        latencyP50: percentile(latencies, 50),
        latencyP99: percentile(latencies, 99),
      }
      return sample
    },
  }
}
