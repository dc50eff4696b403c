import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor, RateLimitOptions } from '@fastify/rate-limit'
import type { MagicLinkStore } from './store/types.js'

/**
 * A @fastify/rate-limit store over the plugin's own store, so per-IP limits hold across
 * instances (RedisStore) and go through the same timeout guard as every other store call.
 */
export function rateLimitStore (store: MagicLinkStore, namespace: string): FastifyRateLimitStoreCtor {
  return class MagicLinkRateLimitStore implements FastifyRateLimitStore {
    readonly #route: string

    constructor (_options: FastifyRateLimitOptions, route = 'global') {
      this.#route = route
    }

    incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number): void {
      store.hit(`${namespace}${this.#route}:${key}`, timeWindow).then(
        (r) => callback(null, { current: r.count, ttl: r.ttlMs }),
        (error: Error) => callback(error),
      )
    }

    child (routeOptions: RateLimitOptions & { path?: string, prefix?: string }): FastifyRateLimitStore {
      // @fastify/rate-limit passes the route's options as `routeInfo` for per-route limits.
      const info = (routeOptions as { routeInfo: { url: string, method: string | string[] } }).routeInfo
      return new MagicLinkRateLimitStore(routeOptions, `${String(info.method)}${info.url}`)
    }
  }
}
