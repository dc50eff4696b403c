import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { startRedis } from './helpers/redis.js'

const exec = promisify(execFile)
const root = resolve(import.meta.dirname, '..')

interface Packed { tarball: string, files: string[] }

// Packed once: every consumer below installs the very same tarball.
const packDir = mkdtempSync(join(tmpdir(), 'ml-pack-'))
t.teardown(() => { rmSync(packDir, { recursive: true, force: true }) })
let packing: Promise<Packed> | undefined
async function pack (): Promise<Packed> {
  packing ??= exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: root }).then(({ stdout }) => {
    const [packed] = JSON.parse(stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
    return { tarball: join(packDir, packed?.filename as string), files: (packed?.files ?? []).map((f) => f.path) }
  })
  return await packing
}

// The exact versions of the lockfile (what this repo is tested with), not whatever the registry
// holds today: ioredis 6.1.0's own .d.ts imports the untyped 'redis-errors', which fails any
// consumer that type-checks its libraries (skipLibCheck: false), with or without this package.
const locked = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> }).packages
const pin = (name: string): string => `${name}@${locked[`node_modules/${name}`]?.version as string}`

async function install (dir: string, specs: string[]): Promise<void> {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }))
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], { cwd: dir, timeout: 240_000 })
}

/** Type-checks `files` in `dir` as a strict app that also checks its libraries; '' when clean. */
async function typecheck (dir: string, name: string, files: string[], options: Record<string, unknown>): Promise<string> {
  writeFileSync(join(dir, name), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2023', 'dom'], types: ['node'], typeRoots: [join(root, 'node_modules/@types')], skipLibCheck: false, ...options },
    files,
  }))
  return await exec('node', [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, name)], { cwd: dir }).then(() => '', (e: { stdout: string }) => e.stdout)
}

// The package as a user gets it: `npm pack`, installed into an empty app next to fastify,
// ioredis and nodemailer, then driven from both `import` and `require`.
t.test('the packed tarball installs into an empty app and runs a login from ESM and CJS', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-consumer-'))
  const redis = await startRedis()
  t.teardown(async () => { await redis.stop(); rmSync(dir, { recursive: true, force: true }) })
  const { tarball, files } = await pack()
  t.ok(files.every((f) => f.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f)), `only dist and docs: ${files.filter((f) => !f.startsWith('dist/')).join(', ')}`)
  t.ok(files.includes('dist/index.js') && files.includes('dist/index.cjs') && files.includes('dist/index.d.ts'))
  await install(dir, [tarball, pin('fastify'), pin('ioredis'), pin('nodemailer')])
  copyFileSync(join(root, 'test/fixtures/consumer/flow.mjs'), join(dir, 'flow.mjs'))
  writeFileSync(join(dir, 'esm.mjs'), `
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import nodemailer from 'nodemailer'
import magicLink, { MemoryStore, RedisStore, errors } from 'fastify-magic-link'
import { storeConformance } from 'fastify-magic-link/testing'
import { createClient } from 'fastify-magic-link/client'
import { run } from './flow.mjs'
if (typeof storeConformance !== 'function' || typeof createClient !== 'function') throw new Error('subpath exports missing')
console.log(JSON.stringify(await run({ Fastify, magicLink, MemoryStore, RedisStore, errors, Redis, redisUrl: process.argv[2], nodemailer })))
`)
  writeFileSync(join(dir, 'cjs.cjs'), `
const Fastify = require('fastify')
const { Redis } = require('ioredis')
const nodemailer = require('nodemailer')
const ml = require('fastify-magic-link')
require('fastify-magic-link/testing')
require('fastify-magic-link/client')
import('./flow.mjs').then(({ run }) => run({ Fastify, magicLink: ml.default, MemoryStore: ml.MemoryStore, RedisStore: ml.RedisStore, errors: ml.errors, Redis, redisUrl: process.argv[2], nodemailer }))
  .then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1) })
`)
  const expected = { asked: 202, verified: 200, me: 200, user: 'user@example.com', anon: 'FST_MAGIC_LINK_UNAUTHORIZED' }
  for (const script of ['esm.mjs', 'cjs.cjs']) {
    const out = await exec('node', [script, redis.url], { cwd: dir, timeout: 60_000 })
    const result = JSON.parse(out.stdout) as Record<string, unknown>
    t.same(result.memory, expected, `${script} on MemoryStore`)
    t.same(result.redis, expected, `${script} on RedisStore`)
    t.equal(result.errorCodes, 10, `${script}: errors exported`)
  }
  t.ok(readdirSync(join(dir, 'node_modules', 'fastify-magic-link', 'dist')).length > 0)

  // The published types, as a TypeScript app sees them: augmentation of the session data, the
  // decorators on Fastify's types, and a type error where the app gets it wrong.
  writeFileSync(join(dir, 'consumer.ts'), `
import Fastify from 'fastify'
import magicLink, { type MagicLinkSession } from 'fastify-magic-link'
import { createClient } from 'fastify-magic-link/client'
declare module 'fastify-magic-link' {
  interface MagicLinkSessionData { role: 'admin' | 'member' }
}
const app = Fastify()
app.register(magicLink, { origin: 'https://a.example', secret: 'x'.repeat(32), users: { find: () => null, claims: () => ({ role: 'admin' }) } })
app.get('/me', { preHandler: app.requireSession }, async (request) => {
  const s: MagicLinkSession | null = request.session
  const role: 'admin' | 'member' | undefined = s?.data.role
  return { role }
})
// @ts-expect-error claims must match MagicLinkSessionData
app.register(magicLink, { origin: 'https://a.example', secret: 'x'.repeat(32), users: { find: () => null, claims: () => ({ role: 1 }) } })
void createClient
`)
  const tsc = await typecheck(dir, 'tsconfig.json', ['consumer.ts'], { module: 'nodenext', moduleResolution: 'nodenext' })
  t.equal(tsc, '', 'the consumer type-checks against the published .d.ts')

  // An app still on `moduleResolution: "node"` (node10) ignores `exports`: the subpaths need
  // `typesVersions` to find their types. Each `@ts-expect-error` proves a type was really found
  // (an unresolved import would be an error of its own, or `any` where nothing is checked).
  writeFileSync(join(dir, 'node10.ts'), `
import Fastify from 'fastify'
import magicLink, { MemoryStore, type MagicLinkOptions } from 'fastify-magic-link'
import { createClient, type MagicLinkClient, type MagicLinkClientErrorCode } from 'fastify-magic-link/client'
import { storeConformance, type ConformanceOptions } from 'fastify-magic-link/testing'
const options: MagicLinkOptions = { origin: 'https://a.example', secret: 'x'.repeat(32), users: { find: () => null }, store: new MemoryStore() }
Fastify().register(magicLink, options)
const client: MagicLinkClient = createClient({ prefix: '/auth' })
const code: MagicLinkClientErrorCode = 'access_denied'
const conformance: ConformanceOptions = { makeStore: () => new MemoryStore(), settleMs: 0 }
storeConformance(() => undefined, conformance)
// @ts-expect-error crossDevice has no button mode
const badOptions: MagicLinkOptions = { ...options, crossDevice: 'button' }
// @ts-expect-error the client has no such method
client.signIn()
// @ts-expect-error makeStore must return a store
const badConformance: ConformanceOptions = { makeStore: () => 1 }
void [code, badOptions, badConformance]
`)
  const node10 = await typecheck(dir, 'tsconfig.node10.json', ['node10.ts'], { module: 'commonjs', moduleResolution: 'node', esModuleInterop: true })
  t.equal(node10, '', 'the root and both subpaths type-check under moduleResolution "node" + module "commonjs"')
})

// ioredis and nodemailer are optional peers: an app on MemoryStore (or its own store) with its own
// mail transport installs neither, and the published types must not need them.
t.test('the published types compile in a strict app without the optional peers (ioredis, nodemailer)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-consumer-nopeers-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const { tarball } = await pack()
  await install(dir, [tarball, pin('fastify')])
  for (const peer of ['ioredis', 'nodemailer', '@types/nodemailer']) {
    t.notOk(existsSync(join(dir, 'node_modules', peer)), `${peer} is not installed`)
  }
  writeFileSync(join(dir, 'consumer.ts'), `
import Fastify from 'fastify'
import magicLink, { MemoryStore, type MagicLinkStore, type MailTransport, type RedisStoreOptions } from 'fastify-magic-link'
import { createClient } from 'fastify-magic-link/client'
import { storeConformance } from 'fastify-magic-link/testing'
const store: MagicLinkStore = new MemoryStore()
const sent: string[] = []
const transport: MailTransport = { sendMail: async (message) => { sent.push(message.to) } }
const app = Fastify()
app.register(magicLink, {
  origin: 'https://a.example',
  secret: 'x'.repeat(32),
  store,
  mail: { transport, from: 'login@a.example' },
  users: { find: (email) => ({ id: email }) },
})
// @ts-expect-error RedisStore needs a Redis client, even without ioredis's own types
const notAClient: RedisStoreOptions = { client: {} }
void [notAClient, createClient, storeConformance]
`)
  const tsc = await typecheck(dir, 'tsconfig.json', ['consumer.ts'], { module: 'nodenext', moduleResolution: 'nodenext', exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true })
  t.equal(tsc, '', 'the consumer type-checks against the published .d.ts without ioredis and nodemailer')
})
