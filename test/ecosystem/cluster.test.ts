// node:cluster: a primary and two workers sharing one port, each worker running the plugin on
// RedisStore against one private redis-server. Every request opens its own connection
// (`connection: close`), so the primary spreads them over the workers and a login's steps land
// on different processes: whatever one worker wrote (flow, binding, approval, revocation) the
// other must see through Redis, and a logout on one must reach the other's session cache.
import t, { type Test } from 'tap'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { CookieJar, formAction } from '../helpers/ecosystem.js'
import { startRedis } from '../helpers/redis.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../fixtures/ecosystem/cluster.mjs', import.meta.url))
const ORIGIN = 'https://app.example.com'

interface Res { status: number, headers: IncomingHttpHeaders, body: string, pid: number }
interface Ready { type: 'ready', port: number, ports: number[], workers: number[], primary: number }

/** Every pid that answered, over the whole file. */
const answeredBy = new Set<number>()

/** One request on its own connection (`connection: close`, no agent), bounded by 5 s. */
function call (port: number, method: string, path: string, o: { cookie?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: 'close', ...(o.headers ?? {}) }
    if (o.cookie !== undefined && o.cookie !== '') headers.cookie = o.cookie
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body))
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      res.on('end', () => {
        const pid = Number(res.headers['x-worker-pid'])
        answeredBy.add(pid)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), pid })
      })
    })
    req.on('timeout', () => { req.destroy(new Error(`timeout: ${method} ${path}`)) })
    req.on('error', reject)
    req.end(o.body)
  })
}

/** A browser's cookies, by hand. */
class Cookies extends CookieJar {
  take (res: Res): Res {
    this.keep(res.headers['set-cookie'])
    return res
  }
}

const JSON_POST = { 'content-type': 'application/json', origin: ORIGIN }
const FORM_POST = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }

/** The n-th mail to `email` from whichever worker sent it (a Redis list), bounded by 5 s. */
async function mailTo (redis: Redis, email: string): Promise<{ link: string, otp: string, pid: number }> {
  for (let i = 0; i < 250; i++) {
    const raw = await redis.lpop(`mail:${email}`)
    if (raw !== null) return JSON.parse(raw) as { link: string, otp: string, pid: number }
    await sleep(20)
  }
  throw new Error(`no mail to ${email} within 5 s`)
}

/** The primary and its workers; stopped (and their pids checked gone) in teardown. */
async function startCluster (t: Test, redisUrl: string): Promise<Ready> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, ML_PREFIX: `cluster-${randomBytes(3).toString('hex')}:`, WORKERS: '2' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  let ready: Ready | null = null
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
      child.kill('SIGTERM')
      const timer = setTimeout(() => { child.kill('SIGKILL') }, 5000)
      await exited
      clearTimeout(timer)
    }
    // The workers are ours too: none may outlive the primary.
    for (const pid of ready?.workers ?? []) {
      for (let i = 0; i < 50 && alive(pid); i++) await sleep(20)
      if (alive(pid)) process.kill(pid, 'SIGKILL')
    }
  })
  ready = await new Promise<Ready>((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(() => { reject(new Error(`the cluster did not start within 20 s: ${stderr}`)) }, 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        const message = JSON.parse(line) as { type: string }
        if (message.type === 'ready') { clearTimeout(timer); resolve(message as Ready) }
        if (message.type === 'worker-exit') t.fail(`a worker died: ${line} ${stderr}`)
      }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the primary exited (${String(code)}): ${stderr}`)) })
  })
  return ready
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A same-browser login through the mailed link and the page's own form; returns the browser's cookies. */
async function sameBrowserLogin (t: Test, port: number, redis: Redis, email: string): Promise<{ jar: Cookies, pids: number[] }> {
  const jar = new Cookies()
  const asked = jar.take(await call(port, 'POST', '/auth/request', { headers: JSON_POST, body: JSON.stringify({ email }) }))
  t.equal(asked.status, 202, `POST /auth/request: 202 (worker ${asked.pid})`)
  const mail = await mailTo(redis, email)
  const link = new URL(mail.link)
  const page = jar.take(await call(port, 'GET', link.pathname + link.search, { cookie: jar.header() }))
  t.equal(page.status, 200, `the page (worker ${page.pid})`)
  t.match(page.body, /Sign in/, 'the same-browser page: the binding written by one worker is read by the other')
  const action = formAction(page.body)
  t.equal(action, '/auth/verify', 'its form posts to /auth/verify')
  const verify = jar.take(await call(port, 'POST', action ?? '/', {
    cookie: jar.header(),
    headers: FORM_POST,
    body: new URLSearchParams({ token: link.searchParams.get('token') as string }).toString(),
  }))
  t.equal(verify.status, 303, `the form post signs in (worker ${verify.pid})`)
  t.ok(jar.values.get('__Host-sid'), 'with the session cookie')
  const me = await call(port, 'GET', '/me', { cookie: jar.header() })
  t.equal(me.status, 200, `GET /me: 200 (worker ${me.pid})`)
  t.match(JSON.parse(me.body), { session: { userId: `u-${email.split('@')[0] as string}` } })
  return { jar, pids: [asked.pid, page.pid, verify.pid, me.pid] }
}

if (!existsSync(`${ROOT}dist/index.js`)) {
  t.fail('dist/index.js is missing: run `npm run build` first (npm test does)')
} else {
  const redisServer = await startRedis()
  t.teardown(() => redisServer.stop())
  const redis = redisServer.client()

  t.test('two workers on one port', async (t) => {
    const ready = await startCluster(t, redisServer.url)
    const { port } = ready
    t.equal(ready.workers.length, 2, `two workers: ${ready.workers.join(', ')}`)
    t.equal(ready.ports.length, 1, `sharing one port (${port})`)

    await t.test('same-browser login across workers', async (t) => {
      const { pids } = await sameBrowserLogin(t, port, redis, 'same@example.com')
      t.ok(new Set(pids).size > 1, `its four requests were answered by more than one worker (${pids.join(', ')})`)
    })

    await t.test('cross-device: a long-poll on one worker is woken by an approval on the other', async (t) => {
      // Connections are dealt to the workers in turn, but not strictly: try a few flows, moving
      // the approval one connection later each time, until the poll and the approval were on
      // different workers.
      let crossed = false
      for (let attempt = 0; attempt < 4 && !crossed; attempt++) {
        const email = `cross${attempt}@example.com`
        const laptop = new Cookies()
        const asked = laptop.take(await call(port, 'POST', '/auth/request', { headers: JSON_POST, body: JSON.stringify({ email }) }))
        t.equal(asked.status, 202, `${email}: asked`)
        const { matchCode } = JSON.parse(asked.body) as { matchCode: string }
        const link = new URL((await mailTo(redis, email)).link)
        let approvedAt = 0
        const polling = call(port, 'POST', '/auth/poll?wait=10', { cookie: laptop.header(), headers: JSON_POST, body: '{}' })
          .then((res) => ({ res, at: Date.now() }))
        await sleep(150)
        const phone = await call(port, 'GET', link.pathname + link.search)
        t.match(phone.body, /code/i, `${email}: the phone gets the other-device page`)
        for (let i = 0; i <= attempt; i++) await call(port, 'GET', '/health')
        approvedAt = Date.now()
        const approve = await call(port, 'POST', '/auth/verify', { headers: JSON_POST, body: JSON.stringify({ token: link.searchParams.get('token'), code: matchCode }) })
        t.equal(approve.status, 200, `${email}: approved on worker ${approve.pid}`)
        t.equal(approve.headers['set-cookie'], undefined, `${email}: the phone gets no session`)
        const { res: poll, at } = await polling
        laptop.take(poll)
        t.equal(poll.status, 200, `${email}: the long-poll answers approved (worker ${poll.pid})`)
        t.ok(at >= approvedAt, `${email}: after the approval, not before`)
        t.ok(laptop.values.get('__Host-sid'), `${email}: the laptop gets the session`)
        const me = await call(port, 'GET', '/me', { cookie: laptop.header() })
        t.equal(me.status, 200, `${email}: GET /me on worker ${me.pid}`)
        crossed = poll.pid !== approve.pid
      }
      t.ok(crossed, 'in one of them the poll and the approval were on different workers')
    })

    await t.test('logout on one worker revokes the session on the other within a second', async (t) => {
      const { jar } = await sameBrowserLogin(t, port, redis, 'logout@example.com')
      const cookie = jar.header()
      // Both workers have seen (and cached) the session.
      const warm = new Set<number>()
      for (let i = 0; i < 10 && warm.size < 2; i++) {
        const me = await call(port, 'GET', '/me', { cookie })
        t.equal(me.status, 200, `worker ${me.pid} accepts the session`)
        warm.add(me.pid)
      }
      t.equal(warm.size, 2, 'both workers accepted the session before the logout')
      const logout = await call(port, 'POST', '/auth/logout', { cookie, headers: JSON_POST, body: '{}' })
      t.equal(logout.status, 204, `logout on worker ${logout.pid}`)
      const started = Date.now()
      const refusedAt = new Map<number, number>()
      const lateAccepts: string[] = []
      while (Date.now() - started < 1000 && refusedAt.size < 2) {
        const me = await call(port, 'GET', '/me', { cookie })
        const ms = Date.now() - started
        if (me.status === 401 && !refusedAt.has(me.pid)) refusedAt.set(me.pid, ms)
        if (me.status === 200 && refusedAt.has(me.pid)) lateAccepts.push(`worker ${me.pid} at ${ms} ms`)
      }
      const other = ready.workers.find((pid) => pid !== logout.pid) as number
      t.ok(refusedAt.has(logout.pid), `refused by the worker that logged out (${String(refusedAt.get(logout.pid))} ms)`)
      t.ok(refusedAt.has(other), `refused by the other worker within a second (${String(refusedAt.get(other))} ms)`)
      t.same(lateAccepts, [], 'no worker accepts it again once it refused it')
    })

    t.same([...answeredBy].filter((pid) => !ready.workers.includes(pid)), [], 'every answer came from one of the workers')
    t.same([...answeredBy].sort(), [...ready.workers].sort(), 'and every worker answered at least once')
  })
}
