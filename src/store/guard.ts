import { errors } from '../errors.js'
import { storeTraced, traceStore } from '../events.js'
import type { MagicLinkStore } from './types.js'

type Method = Exclude<keyof MagicLinkStore, 'subscribe'>

const METHODS: Method[] = [
  'createFlow', 'getFlow', 'verifyFlow', 'claimFlow', 'codeFlow', 'createSession', 'touchSession',
  'listSessions', 'revokeSession', 'revokeSessions', 'hit', 'publishFlow', 'refreshSession',
]

export interface GuardEvents {
  /** Called with the store's own error (or a timeout error), never with secrets. */
  onFailure: (method: string, error: unknown) => void
}

/**
 * The one place every store call goes through: a failure or a call slower than `timeoutMs`
 * becomes `503 FST_MAGIC_LINK_STORE_UNAVAILABLE`, whatever the client's own retry and offline
 * queue settings (an ioredis client on defaults queues commands forever while Redis is down).
 * Each call runs inside `tracingChannel('fastify-magic-link:store')` while it has subscribers.
 */
export function guardStore (store: MagicLinkStore, timeoutMs: number, events: GuardEvents): MagicLinkStore {
  const guarded = { subscribe: store.subscribe.bind(store) } as MagicLinkStore
  for (const method of METHODS) {
    const fn = store[method] as ((...args: unknown[]) => Promise<unknown>) | undefined
    // Optional methods (refreshSession) stay absent when the store has none.
    if (typeof fn !== 'function') continue
    ;(guarded as unknown as Record<Method, (...args: unknown[]) => Promise<unknown>>)[method] = (...args) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const error = new Error(`store ${method} timed out after ${timeoutMs} ms`)
          events.onFailure(method, error)
          reject(new errors.STORE_UNAVAILABLE({ cause: error }))
        }, timeoutMs)
        let pending: Promise<unknown>
        try {
          // Inside the tracing channel only while someone listens (APM, OpenTelemetry).
          pending = storeTraced() ? traceStore(method, () => fn.apply(store, args)) : fn.apply(store, args)
        } catch (error) {
          pending = Promise.reject(error)
        }
        pending.then((value) => {
          clearTimeout(timer)
          resolve(value)
        }, (error: unknown) => {
          clearTimeout(timer)
          events.onFailure(method, error)
          reject(new errors.STORE_UNAVAILABLE({ cause: error }))
        })
      })
  }
  return guarded
}
