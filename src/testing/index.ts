/**
 * `fastify-magic-link/testing`: the store conformance suite. Both shipped stores pass
 * it; run it against your own `MagicLinkStore` with any test runner:
 *
 * ```ts
 * import { test } from 'node:test'
 * import { storeConformance } from 'fastify-magic-link/testing'
 * storeConformance(test, { makeStore: () => new MyStore(), settleMs: 50 })
 * ```
 *
 * The cases assert with `node:assert/strict` and need nothing else. Each case makes its own
 * random ids, so stores may share a backend, but each gets a fresh store from `makeStore`.
 */
import type { MagicLinkStore } from '../store/types.js'
import { concurrencyCases } from './concurrency-cases.js'
import type { ConformanceCase, ConformanceContext } from './fixtures.js'
import { claimFlowCases, codeFlowCases, createFlowCases, getFlowCases, verifyFlowCases } from './flow-cases.js'
import { hitCases, refreshCases, sessionCases, subscribeCases } from './session-cases.js'

export type { ConformanceCase, ConformanceContext } from './fixtures.js'

/** Registers one test: node:test's `test`, vitest's `it`, `t.test.bind(t)` in tap, … */
export interface ConformanceTest { (name: string, fn: () => Promise<void>): unknown }

export interface ConformanceOptions {
  /** A fresh, empty store per case. */
  makeStore: () => Promise<MagicLinkStore> | MagicLinkStore
  /** Cleanup after each case, whether it passed or not. */
  cleanup?: (store: MagicLinkStore) => Promise<void> | void
  /**
   * How long a new subscription takes to start and a notification to travel (pub/sub), ms.
   * Default 0: one macrotask, enough for an in-process store.
   */
  settleMs?: number
}

/** Every case, in the order `storeConformance` registers them. */
export const conformanceCases: ReadonlyArray<ConformanceCase> = Object.freeze([
  ...createFlowCases,
  ...getFlowCases,
  ...verifyFlowCases,
  ...claimFlowCases,
  ...codeFlowCases,
  ...concurrencyCases,
  ...sessionCases,
  ...refreshCases,
  ...hitCases,
  ...subscribeCases,
])

function context (settleMs: number): ConformanceContext {
  return {
    settleMs,
    settle: () => new Promise((resolve) => { setTimeout(resolve, settleMs) }),
  }
}

/** Registers every conformance case as one test. */
export function storeConformance (test: ConformanceTest, options: ConformanceOptions): void {
  if (options === null || typeof options !== 'object' || typeof options.makeStore !== 'function') {
    throw new TypeError('storeConformance: `options.makeStore` must be a function')
  }
  const settleMs = options.settleMs ?? 0
  if (!Number.isFinite(settleMs) || settleMs < 0) {
    throw new TypeError(`storeConformance: \`options.settleMs\` must be a non-negative number, got ${String(options.settleMs)}`)
  }
  for (const c of conformanceCases) {
    test(c.name, async () => {
      const store = await options.makeStore()
      try {
        await c.run(store, context(settleMs))
      } finally {
        await options.cleanup?.(store)
      }
    })
  }
}
