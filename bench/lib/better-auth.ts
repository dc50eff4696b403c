/**
 * The better-auth peer (servers/better-auth.ts) as the drivers need it: a fresh PostgreSQL
 * database, the server on a given Redis, a checked login + get-session, and the accounts the
 * measured flows log in to (so they are logins of existing users, not sign-ups).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { createAgent, expectStatus, http, updateJar } from './http.js'
import { BENCH_DIR, startServer, type ServerHandle } from './proc.js'

export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const DB_NAME = process.env.BENCH_PG_DB ?? 'bench_better_auth'
if (!/^[a-z_][a-z0-9_]*$/.test(DB_NAME)) throw new Error(`BENCH_PG_DB must be a plain identifier, got ${DB_NAME}`)
export const SESSION_COOKIE = 'better-auth.session_token'

/** The accounts better-auth flows cycle through (created before the measurement). */
export const baEmailOf = (i: number): string => `bench-user-${i}@example.com`

function dbUrl (name: string): string {
  const u = new URL(PG_ADMIN_URL)
  u.pathname = `/${name}`
  return u.toString()
}

async function admin (sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try { await client.query(sql) } finally { await client.end() }
}

/** One full login with the node:http client (setup and sanity checks only). Returns the session cookie pair. */
export async function baLoginFlow (base: string, email: string, agent: ReturnType<typeof createAgent>): Promise<string> {
  const signIn = await http(`${base}/api/auth/sign-in/magic-link`, { method: 'POST', body: { email }, agent })
  expectStatus(signIn, 200, 'POST /api/auth/sign-in/magic-link')
  const linkRes = await http(`${base}/__last-link?email=${encodeURIComponent(email)}&wait=1`, { agent })
  expectStatus(linkRes, 200, 'GET /__last-link')
  const link = new URL((JSON.parse(linkRes.body) as { url: string }).url)
  if (link.searchParams.get('token') === null) throw new Error(`no token in ${link.toString()}`)
  const verify = await http(`${base}${link.pathname}${link.search}`, { agent })
  expectStatus(verify, [200, 302], 'GET /api/auth/magic-link/verify')
  if (verify.status === 302 && String(verify.headers.location ?? '').includes('error=')) {
    throw new Error(`verify redirected to an error: ${String(verify.headers.location)}`)
  }
  const jar: Record<string, string> = {}
  updateJar(jar, verify)
  if (jar[SESSION_COOKIE] === undefined) throw new Error(`verify set no ${SESSION_COOKIE} cookie`)
  return `${SESSION_COOKIE}=${jar[SESSION_COOKIE]}`
}

export interface BetterAuthPeer {
  server: ServerHandle
  /** Session cookie of bench@example.com (for get-session). */
  cookie: string
  stop: () => Promise<void>
}

/**
 * Creates the database `bench_better_auth` (dropped first if left over, dropped again by
 * stop()), starts the server on `redisUrl`, checks a login and get-session, and creates
 * `users` accounts (`baEmailOf(0..users-1)`) through the sign-up path.
 */
export async function startBetterAuth (redisUrl: string, users: number, log: (line: string) => void, name = 'better-auth'): Promise<BetterAuthPeer> {
  await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`)
  await admin(`CREATE DATABASE ${DB_NAME}`)
  log(`database ${DB_NAME} created`)
  let server: ServerHandle | undefined
  const stop = async (): Promise<void> => {
    await server?.stop()
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`).then(() => log(`database ${DB_NAME} dropped`),
      (err: Error) => log(`could not drop ${DB_NAME}: ${err.message}`))
  }
  try {
    server = await startServer({ name, file: 'servers/better-auth.ts', env: { DATABASE_URL: dbUrl(DB_NAME), REDIS_URL: redisUrl } })
    const base = server.baseUrl
    log(`better-auth server: pid ${server.pid}, port ${server.port}`)
    const agent = createAgent(54)
    // Sanity: a login works and get-session sees it (and nothing without the cookie).
    const cookie = await baLoginFlow(base, 'bench@example.com', agent)
    const gs = await http(`${base}/api/auth/get-session`, { headers: { cookie }, agent })
    expectStatus(gs, 200, 'GET /api/auth/get-session')
    if (!gs.body.includes('bench@example.com')) throw new Error(`get-session did not return the user: ${gs.body.slice(0, 200)}`)
    const anon = await http(`${base}/api/auth/get-session`, { agent })
    if (anon.body.includes('bench@example.com')) throw new Error('get-session without a cookie returned a user')
    log(`better-auth login + get-session OK (cookie ${cookie.length} bytes)`)
    const t0 = performance.now()
    let idx = 0
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (idx < users) {
        const i = idx++
        await baLoginFlow(base, baEmailOf(i), agent)
      }
    }))
    agent.destroy()
    log(`${users} better-auth accounts created in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    return { server, cookie, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

export function readVersions (): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of ['better-auth', '@better-auth/redis-storage', 'fastify', 'pg', 'ioredis', 'autocannon']) {
    try {
      out[name] = (JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
    } catch { out[name] = '?' }
  }
  return out
}

export function betterAuthSetupLine (versions: Record<string, string>): string {
  return `better-auth ${versions['better-auth']} + magic-link plugin in Fastify ${versions.fastify} (handler route \`/api/auth/*\` as in its Fastify guide), ` +
    `PostgreSQL primary DB (pg Pool, migrated with \`getMigrations().runMigrations()\`), Redis secondaryStorage via @better-auth/redis-storage ${versions['@better-auth/redis-storage']}, rate limiter off, link captured in-process.`
}
