import assert from 'node:assert/strict'
import type { ConformanceCase } from './fixtures.js'
import {
  LIMITS, at, claimOptions, codeOptions, concurrently, createOptions, flowFixture, tally, verifyOptions, wrongMatchHash,
  wrongOtpHash,
} from './fixtures.js'

/** Enough callers to interleave on any store that is not atomic. */
const CALLERS = 50

export const concurrencyCases: ConformanceCase[] = [
  {
    name: 'concurrency: 50 verifyFlow calls with the right code approve exactly once',
    async run (store) {
      const now = Date.now()
      const fx = flowFixture({ now })
      await store.createFlow(fx.flow, createOptions(now))
      const results = await concurrently(CALLERS, () => store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: fx.flow.matchHash })))
      assert.deepEqual(tally(results), { approved: 1, invalid: CALLERS - 1 })
      for (const r of results) if (r.result === 'invalid') assert.equal(r.reason, 'used')
    },
  },
  {
    name: 'concurrency: 50 claimFlow calls claim exactly once',
    async run (store) {
      const now = Date.now()
      const fx = flowFixture({ now })
      await store.createFlow(fx.flow, createOptions(now))
      await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: fx.flow.matchHash }))
      const options = Array.from({ length: CALLERS }, () => claimOptions(fx, now + 1, { force: true }))
      const results = await concurrently(CALLERS, (i) => store.claimFlow(fx.flow.id, at(options, i)))
      assert.deepEqual(tally(results), { claimed: 1, expired: CALLERS - 1 })
      const winner = results.findIndex((r) => r.result === 'claimed')
      assert.equal((await store.getFlow(fx.flow.id))?.sessionId, at(options, winner).sessionId, 'the flow names the winner\'s session')
    },
  },
  {
    name: 'concurrency: 50 wrong codes count at most maxAttempts, then deny once',
    async run (store) {
      const now = Date.now()
      const fx = flowFixture({ now })
      await store.createFlow(fx.flow, createOptions(now))
      const results = await concurrently(CALLERS, (i) => i % 2 === 0
        ? store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx) }))
        : store.codeFlow(fx.flow.id, codeOptions(fx, now, { otpHash: wrongOtpHash(fx) })))
      assert.deepEqual(tally(results), { wrong_code: LIMITS.maxAttempts - 1, denied: 1, invalid: CALLERS - LIMITS.maxAttempts })
      const left = results.flatMap((r) => (r.result === 'wrong_code' ? [r.attemptsLeft] : [])).sort((a, b) => a - b)
      assert.deepEqual(left, Array.from({ length: LIMITS.maxAttempts - 1 }, (_, i) => i + 1), 'each count handed out once')
      for (const r of results) if (r.result === 'invalid') assert.equal(r.reason, 'denied')
      const record = await store.getFlow(fx.flow.id)
      assert.equal(record?.attempts, LIMITS.maxAttempts)
      assert.equal(record?.state, 'denied')
    },
  },
  {
    name: 'concurrency: binding, match code and email code race; exactly one wins',
    async run (store) {
      const now = Date.now()
      const fx = flowFixture({ now })
      await store.createFlow(fx.flow, createOptions(now))
      const results = await concurrently(CALLERS, (i) => {
        if (i % 3 === 0) return store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { pollHash: fx.flow.pollHash }))
        if (i % 3 === 1) return store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: fx.flow.matchHash }))
        return store.codeFlow(fx.flow.id, codeOptions(fx, now))
      })
      const winners = results.filter((r) => r.result === 'signed_in' || r.result === 'approved')
      assert.equal(winners.length, 1, `one winner, got ${JSON.stringify(tally(results))}`)
      for (const r of results) if (r.result === 'invalid') assert.equal(r.reason, 'used')
      // Which proof wins the race differs from run to run.
      /* c8 ignore next */
      assert.equal((await store.getFlow(fx.flow.id))?.state, winners[0]?.result === 'approved' ? 'approved' : 'claimed')
    },
  },
  {
    name: 'concurrency: 50 createFlow calls for one address send one mail',
    async run (store) {
      const now = Date.now()
      const group = flowFixture({ now }).group
      const fixtures = Array.from({ length: CALLERS }, () => flowFixture({ now, group }))
      const results = await concurrently(CALLERS, (i) => store.createFlow(at(fixtures, i).flow, createOptions(now)))
      assert.equal(results.filter((r) => r.sent).length, 1)
      for (const fx of fixtures) assert.equal((await store.getFlow(fx.flow.id))?.state, 'pending', 'every flow is stored; none superseded another')
      const next = flowFixture({ now: now + LIMITS.minGapMs - 1, group })
      assert.deepEqual(await store.createFlow(next.flow, createOptions(now + LIMITS.minGapMs - 1)), { sent: false }, 'the gap runs from the one mail')
    },
  },
]
