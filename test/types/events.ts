// Event and durability types: a handler narrows `reason` by `type`, reasons outside an event's
// list are refused, and `durability` takes numbers only.
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import magicLink, {
  EVENT_CHANNEL, RedisStore, STORE_CHANNEL, type MagicLinkEvent, type MagicLinkEventReasons, type MagicLinkEventType, type StoreTraceContext,
} from '../../src/index.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expect<T extends true> (): T | undefined { return undefined }

expect<Equal<typeof EVENT_CHANNEL, 'fastify-magic-link:event'>>()
expect<Equal<typeof STORE_CHANNEL, 'fastify-magic-link:store'>>()
expect<Equal<StoreTraceContext, { method: string }>>()
expect<Equal<MagicLinkEventReasons['session.created'], 'link' | 'code' | 'cross-device' | 'invite'>>()
expect<Equal<Extract<MagicLinkEventType, 'email.changed'>, 'email.changed'>>()

function onEvent (event: MagicLinkEvent): void {
  if (event.type === 'link.rejected') {
    expect<Equal<typeof event.reason, 'unknown' | 'expired' | 'superseded' | 'used' | 'denied' | undefined>>()
  }
  if (event.type === 'email.changed') expect<Equal<typeof event.reason, undefined>>()
  // @ts-expect-error events are read-only
  event.userId = 'x'
}

// @ts-expect-error not a reason of session.revoked
const bad: MagicLinkEvent = { type: 'session.revoked', at: 0, reason: 'wrong' }

const app = Fastify()
void app.register(magicLink, {
  origin: 'https://app.example.com',
  secret: 'x'.repeat(32),
  users: { find: () => null },
  hooks: { onEvent, async onMailError () {} },
  store: new RedisStore({ client: new Redis({ lazyConnect: true }), durability: { replicas: 1, timeout: 500 } }),
})
// @ts-expect-error durability needs both numbers
void new RedisStore({ client: new Redis({ lazyConnect: true }), durability: { replicas: 1 } })
void bad
