// Structural types instead of `import type ... from 'ioredis'`: ioredis is an optional peer, and a
// type import would put `from 'ioredis'` in the published .d.ts, which fails to compile in every
// app that type-checks its libraries (skipLibCheck: false) without ioredis installed. ioredis v5
// and v6 `Redis` and `Cluster` instances satisfy these interfaces as they are.

/**
 * The pub/sub side of a Redis connection, as `RedisStore` uses it for change notifications. An
 * ioredis `Redis` or `Cluster` fits.
 */
export interface RedisSubscriber {
  /** `true` on an ioredis `Cluster`, which resubscribes by itself after a reconnection. */
  readonly isCluster?: boolean
  subscribe (channel: string): Promise<unknown>
  unsubscribe (channel: string): Promise<unknown>
  on (event: 'message', listener: (channel: string, message: string) => void): unknown
  on (event: 'ready', listener: () => void): unknown
  on (event: 'error', listener: (error: Error) => void): unknown
  off (event: 'message', listener: (channel: string, message: string) => void): unknown
  off (event: 'ready', listener: () => void): unknown
  off (event: 'error', listener: (error: Error) => void): unknown
  /** Called only on the connections the store opened itself (`duplicate()`). */
  disconnect (): void
}

/** What `RedisStore` needs of the app's client besides pub/sub: its scripts and two commands. */
export interface RedisCommandClient extends RedisSubscriber {
  /** Connection state: commands fail fast while it is `'reconnecting'`, `'close'` or `'end'`. */
  readonly status: string
  /** The client's `keyPrefix` applies to script KEYS only, so the store adds it to key arguments. */
  readonly options: { readonly keyPrefix?: string | undefined }
  /** Registers the store's Lua scripts as `magicLink_*` commands on the client. */
  defineCommand (name: string, definition: { lua: string, numberOfKeys: number }): void
  hgetall (key: string): Promise<Record<string, string>>
  publish (channel: string, message: string): Promise<number>
}

/** A standalone connection (ioredis `Redis`). */
export interface RedisStandaloneClient extends RedisCommandClient {
  /**
   * Opens the store's notification connection, with `autoResubscribe: false`: the store
   * subscribes again itself at every reconnection.
   */
  duplicate (override: { autoResubscribe: boolean }): RedisSubscriber
}

/** A cluster connection (ioredis `Cluster`). */
export interface RedisClusterClient extends RedisCommandClient {
  readonly isCluster: boolean
  /** Opens the store's notification connection. */
  duplicate (): RedisSubscriber
}

/** The client `RedisStore` runs on: an ioredis `Redis` or `Cluster` (v5 or v6), or anything shaped like one. */
export type RedisClient = RedisStandaloneClient | RedisClusterClient
