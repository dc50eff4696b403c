// Type tests, checked by `tsc --noEmit` (npm test): each `@ts-expect-error` fails the build if
// the line it guards stops being an error.
import Fastify, { type FastifyRequest } from 'fastify'
import magicLink, {
  errors, MemoryStore, RedisStore, type Duration, type MagicLinkOptions, type MagicLinkSession, type MagicLinkStore,
} from '../../src/index.js'
import { Redis } from 'ioredis'

declare module '../../src/index.js' {
  interface MagicLinkSessionData { role: 'admin' | 'member' }
  interface MagicLinkUser { email: string }
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expect<T extends true> (): T | undefined { return undefined }

const app = Fastify()
const options: MagicLinkOptions = {
  origin: 'https://app.example.com',
  secret: ['x'.repeat(32), 'y'.repeat(32)],
  store: new RedisStore({ client: new Redis({ lazyConnect: true }) }),
  users: {
    find: async (email) => ({ id: '1', email }),
    create: (email) => ({ id: '2', email }),
    claims: (user) => ({ role: user.email.endsWith('@admin.example') ? 'admin' : 'member' }),
  },
  linkTtl: '10m',
  session: { accessTtl: 60_000 },
}
void app.register(magicLink, options)

// @ts-expect-error a role outside the merged MagicLinkSessionData
const bad: MagicLinkOptions['users']['claims'] = () => ({ role: 'root' })
void bad
// Any string is a Duration for the type checker (values from process.env are strings); a string
// that does not parse ('10 minutes') fails app.ready() with FST_MAGIC_LINK_OPTIONS instead.
const envTtl: MagicLinkOptions = { ...options, linkTtl: '10 minutes' }
void envTtl
// @ts-expect-error crossDevice has no button-only mode
const badMode: MagicLinkOptions = { ...options, crossDevice: 'button' }
void badMode

app.get('/me', { preHandler: app.requireSession }, async (request: FastifyRequest) => {
  expect<Equal<typeof request.session, MagicLinkSession | null>>()
  if (request.session === null) return null
  expect<Equal<typeof request.session.data.role, 'admin' | 'member'>>()
  expect<Equal<typeof request.session.userId, string>>()
  // @ts-expect-error sessions are read-only
  request.session.userId = 'other'
  return request.session
})

const revoked: Promise<string[]> = app.magicLink.revokeUserSessions('1')
const invite: Promise<{ link: string, expiresAt: number }> = app.magicLink.createLink('a@b.io', { redirectTo: '/' })
void revoked
void invite
const store: MagicLinkStore = new MemoryStore()
void store
expect<Equal<ReturnType<typeof errors.UNAUTHORIZED>['code'], 'FST_MAGIC_LINK_UNAUTHORIZED'>>()

// Durations read from the environment are plain strings: they type-check and are parsed at boot.
{
  const fromEnv: string | undefined = process.env.LINK_TTL
  const durations: Duration[] = [600_000, '10m', '1500ms', fromEnv ?? '10m']
  void durations
}
