// The README's Quick start must run as written: both of its files are taken from README.md,
// type-checked (strict) and run with `tsx` against the built package, then driven through a
// whole login, with a real Redis and SMTP sink for the production-shaped one.
import t from 'tap'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './helpers/ports.js'
import { startRedis } from './helpers/redis.js'
import { startSmtpSink } from './helpers/smtp.js'

const exec = promisify(execFile)
const root = resolve(import.meta.dirname, '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')

/** The ```ts block of the README whose first line is `// <name>`. */
function block (name: string): string {
  const m = new RegExp('```ts\\n(// ' + name.replace('.', '\\.') + '\\n[\\s\\S]*?)```').exec(readme)
  if (m === null) throw new Error(`README has no \`// ${name}\` block`)
  return m[1] as string
}

// Inside the repository, so that `import 'fastify-magic-link'` resolves to this package's built
// dist/ by its own name, as in an app that installed it.
const dir = join(root, '.tmp', `readme-${process.pid}`)
mkdirSync(dir, { recursive: true })
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
for (const name of ['server.ts', 'dev.ts']) writeFileSync(join(dir, name), block(name))

t.test('both Quick start files type-check in a strict project', async (t) => {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2023', 'dom'], types: ['node'], typeRoots: [join(root, 'node_modules/@types')], skipLibCheck: true },
    files: ['server.ts', 'dev.ts'],
  }))
  const out = await exec(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir }).then(() => '', (e: { stdout: string }) => e.stdout)
  t.equal(out, '', 'no type errors')
})

/** Runs a README file with tsx; resolves once it answers HTTP, with its output so far. */
async function run (t: { teardown: (fn: () => void) => void }, file: string, env: Record<string, string>): Promise<{ base: string, output: () => string }> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(dir, file)], {
    cwd: root, env: { ...process.env, ...env, PORT: String(port), NODE_ENV: 'development' }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  t.teardown(() => { child.kill('SIGKILL') })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${file} exited: ${output}`)
    const up = await fetch(`${base}/me`).then(() => true, () => false)
    if (up) return { base, output: () => output }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${file} never answered: ${output}`)
}

/** `name=value` of a response's Set-Cookie for `name`. */
function cookie (res: Response, name: string): string {
  const c = res.headers.getSetCookie().find((h) => h.startsWith(`${name}=`))
  if (c === undefined) throw new Error(`no ${name} cookie`)
  return c.split(';')[0] as string
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

t.test('server.ts: RedisStore and SMTP from the environment, a whole login and a sign-up', async (t) => {
  const redis = await startRedis()
  const smtp = await startSmtpSink()
  t.teardown(async () => { await smtp.stop(); await redis.stop() })
  const { base } = await run(t, 'server.ts', {
    MAGIC_LINK_SECRET: randomBytes(32).toString('base64url'),
    REDIS_URL: redis.url,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
  })
  const asked = await fetch(`${base}/auth/request`, json({ email: 'ada@example.com' }))
  t.equal(asked.status, 202)
  const binding = cookie(asked, '__Host-mlflow')
  const [mail] = await smtp.waitFor(1, 10_000)
  t.same(mail?.envelope.to, ['ada@example.com'])
  const link = /https:\/\/app\.example\.com\/auth\/verify\?token=[A-Za-z0-9_.-]+/.exec(mail?.parsed.text ?? '')?.[0] as string
  t.ok(link, 'the mail holds a link on the configured origin')
  const token = new URL(link).searchParams.get('token') as string
  const page = await fetch(`${base}/auth/verify?token=${token}`, { headers: { cookie: binding } })
  t.equal(page.status, 200)
  const verified = await fetch(`${base}/auth/verify`, { ...json({ token }), headers: { 'content-type': 'application/json', cookie: binding } })
  t.equal(verified.status, 200)
  const me = await fetch(`${base}/me`, { headers: { cookie: cookie(verified, '__Host-sid') } })
  t.equal(me.status, 200)
  t.equal((await me.json() as { userId: string }).userId, 'u1')
  t.equal((await fetch(`${base}/me`)).status, 401)

  const signUp = await fetch(`${base}/auth/request`, json({ email: 'new@example.com' }))
  t.equal(signUp.status, 202)
  const mails = await smtp.waitFor(2, 10_000)
  t.same(mails[1]?.envelope.to, ['new@example.com'], 'users.create: a new address gets a mail too')
})

t.test('dev.ts: no Redis, no SMTP, http://localhost; the link from the log, the page, a login', async (t) => {
  const { base, output } = await run(t, 'dev.ts', {})
  const home = await fetch(`${base}/`)
  t.equal(home.status, 200)
  const html = await home.text()
  t.match(html, /<form id="ask">/, 'a page to start from')
  t.match(html, /\/auth\/request/)
  const asked = await fetch(`${base}/auth/request`, json({ email: 'ada@example.com' }))
  t.equal(asked.status, 202)
  const binding = cookie(asked, 'mlflow')
  let link: string | undefined
  for (let i = 0; i < 100 && link === undefined; i++) {
    link = /"link":"(http:\/\/localhost:\d+\/auth\/verify\?token=[A-Za-z0-9_.-]+)"/.exec(output())?.[1]
    if (link === undefined) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.ok(link, 'the dev outbox wrote the link to the log')
  const token = new URL(link as string).searchParams.get('token') as string
  const form = await fetch(`${base}/auth/verify`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ token }), headers: { cookie: binding },
  })
  t.equal(form.status, 303, "the page's Sign in button")
  t.equal(form.headers.get('location'), '/me', 'lands where redirect.allow says')
  const me = await fetch(`${base}/me`, { headers: { cookie: cookie(form, 'sid') } })
  t.equal(me.status, 200)
  t.equal((await me.json() as { userId: string }).userId, 'ada@example.com')
})
