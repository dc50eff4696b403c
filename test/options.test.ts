import t, { type Test } from 'tap'
import Fastify from 'fastify'
import magicLink, { MemoryStore, type MagicLinkOptions } from '../src/index.js'
import { ORIGIN, SECRET } from './helpers/app.js'

const base: MagicLinkOptions = { origin: ORIGIN, secret: SECRET, users: { find: () => null } }

async function rejects (t: Test, options: unknown, option: string, env?: string): Promise<void> {
  const previous = process.env.NODE_ENV
  if (env !== undefined) process.env.NODE_ENV = env
  const app = Fastify()
  try {
    app.register(magicLink, options as MagicLinkOptions)
    await t.rejects(async () => { await app.ready() }, { code: 'FST_MAGIC_LINK_OPTIONS', message: new RegExp(`\`${option.replace(/\./g, '\\.')}\``) }, option)
  } finally {
    process.env.NODE_ENV = previous
    await app.close().catch(() => {})
  }
}

t.test('every bad option fails app.ready() with FST_MAGIC_LINK_OPTIONS naming the option', async (t) => {
  await rejects(t, null, 'origin')
  await rejects(t, { ...base, origin: undefined }, 'origin')
  await rejects(t, { ...base, origin: 'ftp://x.example' }, 'origin')
  await rejects(t, { ...base, origin: 'http://app.example.com' }, 'origin')
  await rejects(t, { ...base, origin: 'https://app.example.com/path' }, 'origin')
  await rejects(t, { ...base, origin: 'not a url' }, 'origin')
  await rejects(t, { ...base, origin: 'http://localhost:3000' }, 'origin', 'production')
  await rejects(t, { ...base, secret: 'short' }, 'secret')
  await rejects(t, { ...base, secret: [] }, 'secret')
  await rejects(t, { ...base, secret: [SECRET, 42] }, 'secret')
  await rejects(t, { ...base, store: {} }, 'store')
  await rejects(t, { ...base, store: null }, 'store')
  await rejects(t, { ...base, mail: { from: 'a@b.c' } }, 'mail.transport')
  await rejects(t, { ...base, mail: null }, 'mail.transport')
  await rejects(t, { ...base, mail: { transport: { sendMail: async () => {} }, from: 'x\r\nBcc: e@evil.io' } }, 'mail.from')
  await rejects(t, { ...base, mail: { transport: { sendMail: async () => {} }, from: 'a@b.c', render: 'x' } }, 'mail.render')
  await rejects(t, { ...base, sendMail: 1 }, 'sendMail')
  await rejects(t, { ...base }, 'mail', 'production')
  await rejects(t, { ...base, users: undefined }, 'users')
  await rejects(t, { ...base, users: {} }, 'users.find')
  await rejects(t, { ...base, users: { find: () => null, create: 1 } }, 'users.create')
  await rejects(t, { ...base, users: { find: () => null, claims: {} } }, 'users.claims')
  await rejects(t, { ...base, prefix: 'auth' }, 'prefix')
  await rejects(t, { ...base, prefix: '/auth/' }, 'prefix')
  await rejects(t, { ...base, linkTtl: '2h' }, 'linkTtl')
  await rejects(t, { ...base, linkTtl: 'soon' }, 'linkTtl')
  await rejects(t, { ...base, linkTtl: -1 }, 'linkTtl')
  await rejects(t, { ...base, linkTtl: {} }, 'linkTtl')
  await rejects(t, { ...base, pollInterval: 0 }, 'pollInterval')
  await rejects(t, { ...base, crossDevice: 'button' }, 'crossDevice')
  await rejects(t, { ...base, otp: 'yes' }, 'otp')
  await rejects(t, { ...base, session: 'x' }, 'session')
  await rejects(t, { ...base, session: { ttl: '1d', idleTtl: '2d' } }, 'session.idleTtl')
  await rejects(t, { ...base, session: { idleTtl: '1m', accessTtl: '5m' } }, 'session.accessTtl')
  await rejects(t, { ...base, session: { cookieName: 'bad name' } }, 'session.cookieName')
  await rejects(t, { ...base, origin: 'http://localhost:3000', session: { cookieName: '__Host-x' } }, 'session.cookieName')
  await rejects(t, { ...base, session: { cacheSize: 1.5 } }, 'session.cacheSize')
  await rejects(t, { ...base, storeTimeout: 0 }, 'storeTimeout')
  await rejects(t, { ...base, rateLimit: 'off' }, 'rateLimit')
  await rejects(t, { ...base, rateLimit: { ipMax: -1 } }, 'rateLimit.ipMax')
  await rejects(t, { ...base, loginUrl: 'https://evil.example' }, 'loginUrl')
  await rejects(t, { ...base, loginUrl: '//evil.example' }, 'loginUrl')
  await rejects(t, { ...base, redirect: { allow: [] } }, 'redirect.allow')
  await rejects(t, { ...base, redirect: { allow: ['/\\evil'] } }, 'redirect.allow')
  await rejects(t, { ...base, hooks: 1 }, 'hooks')
  await rejects(t, { ...base, hooks: { onLogin: 'x' } }, 'hooks.onLogin')
  await rejects(t, { ...base, beforeRequest: true }, 'beforeRequest')
  await rejects(t, { ...base, notifyNewSignIn: 'no' }, 'notifyNewSignIn')
  await rejects(t, { ...base, now: 5 }, 'now')
})

t.test('long option values are described, not echoed', async (t) => {
  const app = Fastify()
  app.register(magicLink, { ...base, secret: ['x'.repeat(10), 'y'.repeat(50)] } as MagicLinkOptions)
  const err = await (async () => { await app.ready() })().catch((e: Error) => e)
  t.match((err as Error).message, /an array/)
  await app.close()
})

t.test('good options register; durations accept numbers and strings; http localhost gets plain cookie names', async (t) => {
  const app = Fastify()
  await app.register(magicLink, {
    ...base,
    origin: 'http://localhost:3000',
    store: new MemoryStore(),
    linkTtl: 120_000,
    session: { ttl: '30d', idleTtl: '1d', accessTtl: '1500ms' },
    rateLimit: false,
    prefix: '',
  })
  const res = await app.inject({ method: 'POST', url: '/request', payload: { email: 'a@b.io' } })
  t.equal(res.statusCode, 202)
  t.equal(res.cookies[0]?.name, 'mlflow')
  t.notOk(res.cookies[0]?.secure)
  await app.close()
})

t.test('the in-memory store in production logs a warning; production needs https and mail', async (t) => {
  const previous = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (l: string) => { lines.push(l) } } } })
  await app.register(magicLink, { ...base, sendMail: async () => {} })
  await app.ready()
  process.env.NODE_ENV = previous
  t.ok(lines.some((l) => l.includes('in-memory store in production')))
  await app.close()
})

t.test('an app that registered @fastify/cookie itself keeps it', async (t) => {
  const app = Fastify()
  await app.register((await import('@fastify/cookie')).default, { secret: 'cookie-secret' })
  await app.register(magicLink, base)
  await app.ready()
  t.ok(app.hasDecorator('parseCookie'))
  await app.close()
})

t.test('null values are named as null; long strings by their length', async (t) => {
  await rejects(t, { ...base, secret: null }, 'secret')
  const app = Fastify()
  app.register(magicLink, { ...base, origin: `https://${'x'.repeat(60)}.example/path` })
  const err = await (async () => { await app.ready() })().catch((e: Error) => e)
  t.match((err as Error).message, /a string of 81 characters/)
  await app.close()
})

t.test('accountUrl and emailChange.maxAge are checked at boot', async (t) => {
  const { build } = await import('./helpers/app.js')
  await t.rejects(build({ accountUrl: 'https://evil.example/account' }), { code: 'FST_MAGIC_LINK_OPTIONS', message: /`accountUrl`/ })
  await t.rejects(build({ emailChange: { maxAge: 'soon' as never } }), { code: 'FST_MAGIC_LINK_OPTIONS', message: /`emailChange\.maxAge`/ })
  await t.rejects(build({ users: { find: () => null, changeEmail: 'yes' as never } }), { code: 'FST_MAGIC_LINK_OPTIONS', message: /`users\.changeEmail`/ })
})
