import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance } from 'fastify'
import { Counter, Histogram, type Registry } from 'prom-client'
// In your app: `import { EVENT_CHANNEL, STORE_CHANNEL, … } from 'fastify-magic-link'`.
import { EVENT_CHANNEL, STORE_CHANNEL, type MagicLinkEvent, type StoreTraceContext } from '../../src/index.js'

/**
 * Turns the plugin's events and store calls into Prometheus metrics in `registry`:
 *
 * - `magic_link_events_total{type, reason}`: every event (`reason` is '' when the event has none);
 * - `magic_link_store_duration_seconds{method, outcome}`: every store call, `outcome` 'ok' or 'error'.
 *   A call still running at `storeTimeout` is observed when it settles (the route has answered 503).
 *
 * Both channels are process-wide: one `instrument()` per process counts every app in it.
 * Returns the function that unsubscribes.
 */
export function instrument (registry: Registry): () => void {
  // Labels take a few known values only. Never a user, flow or session id: each new id would be a
  // new time series (unbounded cardinality), and the metrics would tell who signed in when.
  const events = new Counter({
    name: 'magic_link_events_total',
    help: 'fastify-magic-link events, by type and reason',
    labelNames: ['type', 'reason'] as const,
    registers: [registry],
  })
  const store = new Histogram({
    name: 'magic_link_store_duration_seconds',
    help: 'fastify-magic-link store calls, by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    // A memory store answers in microseconds, Redis in about a millisecond; `storeTimeout` is 1 s.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  })

  const onEvent = (message: unknown): void => {
    const event = message as MagicLinkEvent
    events.inc({ type: event.type, reason: event.reason ?? '' })
  }

  // Each call has its own context object: its start time is kept beside it until it settles.
  const started = new WeakMap<StoreTraceContext, number>()
  const settled = (context: StoreTraceContext, outcome: 'ok' | 'error'): void => {
    const start = started.get(context)
    // A rejected call publishes `error`, then `asyncEnd`: it is observed once, at `error`.
    if (start === undefined) return
    started.delete(context)
    store.observe({ method: context.method, outcome }, (performance.now() - start) / 1000)
  }
  const trace = tracingChannel<unknown, StoreTraceContext>(STORE_CHANNEL)
  const handlers = {
    start: (context: StoreTraceContext) => { started.set(context, performance.now()) },
    // The call returned its promise (`end`) or is about to settle (`asyncStart`): nothing to do yet.
    end: () => {},
    asyncStart: () => {},
    asyncEnd: (context: StoreTraceContext) => { settled(context, 'ok') },
    // A rejection, or a throw before any promise (then no `asyncEnd` follows).
    error: (context: StoreTraceContext) => { settled(context, 'error') },
  }

  subscribe(EVENT_CHANNEL, onEvent)
  trace.subscribe(handlers)
  return () => {
    unsubscribe(EVENT_CHANNEL, onEvent)
    trace.unsubscribe(handlers)
  }
}

/**
 * A Fastify plugin: `instrument(registry)` for the app's lifetime, and `GET /metrics` in the
 * Prometheus text format. Serve it where only the scraper can reach it (an internal port, or a
 * route behind your auth): the counts tell how many people sign in.
 */
export async function metricsPlugin (app: FastifyInstance, opts: { registry: Registry }): Promise<void> {
  const stop = instrument(opts.registry)
  app.addHook('onClose', async () => { stop() })
  app.get('/metrics', async (_request, reply) =>
    reply.type(opts.registry.contentType).header('cache-control', 'no-store').send(await opts.registry.metrics()))
}
