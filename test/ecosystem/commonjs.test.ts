// A CommonJS app: `require('fastify')` and the built package's CommonJS entry (dist/index.cjs),
// no ESM anywhere in the app. The fixture registers the plugin three ways (`.default`, the named
// `fastifyMagicLink`, and the bare `require()` object, which Fastify unwraps through its
// `__esModule` + `default`), runs a login with inject, and prints what it got.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const exec = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../fixtures/ecosystem/commonjs.cjs', import.meta.url))

const LOGIN = {
  registered: true,
  request: 202,
  page: 200,
  action: '/auth/verify',
  verify: 303,
  location: '/',
  me: 200,
  userId: 'u1',
  foreign: [403, 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN'],
}

t.test('a CommonJS app registers the plugin from require() and signs in', async (t) => {
  if (!existsSync(`${ROOT}dist/index.cjs`)) {
    t.fail('dist/index.cjs is missing: run `npm run build` first (npm test does)')
    return
  }
  const { stdout } = await exec(process.execPath, [FIXTURE], { cwd: ROOT, timeout: 60_000 })
  const result = JSON.parse(stdout) as Record<string, unknown>
  t.equal(result.typeofRequire, 'object', 'require() gives the module namespace object')
  t.equal(result.esModule, true, 'marked __esModule, with the plugin as `default`')
  const names = result.exports as string[]
  for (const name of ['default', 'fastifyMagicLink', 'MemoryStore', 'RedisStore', 'errors']) t.ok(names.includes(name), `exports ${name}`)
  t.equal(result.memoryStore, 'function', 'MemoryStore is a class')
  t.ok((result.errorCodes as number) >= 8, 'the error constructors')
  t.same(result['require(...).default'], LOGIN, 'app.register(require(\'fastify-magic-link\').default): login works')
  t.same(result['require(...).fastifyMagicLink'], LOGIN, 'app.register(require(\'fastify-magic-link\').fastifyMagicLink): login works')
  t.same(result['require(...)'], LOGIN, 'app.register(require(\'fastify-magic-link\')): Fastify unwraps `default`, login works')
})
