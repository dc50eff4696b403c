// RedisStore's client types are structural (ioredis stays an optional peer): these pin that real
// ioredis clients fit them without casts, that the app keeps its client's own type on
// `store.client`, and that objects which are not Redis clients are refused.
import { Cluster, Redis } from 'ioredis'
import {
  MemoryStore, RedisStore, type MagicLinkStore, type RedisClient, type RedisStoreOptions, type RedisSubscriber,
} from '../../src/index.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
function expect<T extends true> (): T | undefined { return undefined }

const redis = new Redis({ lazyConnect: true })
const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true })

const onRedis = new RedisStore({ client: redis, prefix: 'app:', subscriber: redis.duplicate({ autoResubscribe: false }) })
expect<Equal<typeof onRedis.client, Redis>>()
const onCluster = new RedisStore({ client: cluster, subscriber: cluster.duplicate() })
expect<Equal<typeof onCluster.client, Cluster>>()
const onUrl = new RedisStore({ client: new Redis('redis://localhost:6379', { lazyConnect: true }), subscriber: new Cluster([7000]) })

const stores: MagicLinkStore[] = [onRedis, onCluster, onUrl]
const anyClient: RedisStore = onCluster
const options: RedisStoreOptions = { client: redis, subscriber: cluster }
const client: RedisClient = cluster
const subscriber: RedisSubscriber = redis
void [stores, anyClient, options, client, subscriber]

// @ts-expect-error an empty object is not a client
void new RedisStore({ client: {} })
// @ts-expect-error a connection URL is not a client
void new RedisStore({ client: 'redis://localhost:6379' })
// @ts-expect-error another store is not a client
void new RedisStore({ client: new MemoryStore() })
// @ts-expect-error a client without defineCommand cannot run the store's scripts
void new RedisStore({ client: { status: 'ready', options: {}, hgetall: redis.hgetall.bind(redis), publish: redis.publish.bind(redis) } })
// @ts-expect-error the subscriber must be a pub/sub connection
void new RedisStore({ client: redis, subscriber: { subscribe: async (channel: string) => channel } })
// @ts-expect-error the client is required
void new RedisStore({ prefix: 'app:' })
