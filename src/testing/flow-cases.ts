import assert from 'node:assert/strict'
import type { FlowRecord, MagicLinkStore, VerifyOptions } from '../store/types.js'
import {
  APPROVER, HOUR, LIMITS, claimOptions, codeOptions, createOptions, flowFixture, hash, isFlowEvent, listening,
  newFlowId, verifyOptions, wrongMatchHash, wrongOtpHash,
  type ConformanceCase, type FlowFixture,
} from './fixtures.js'

/** Creates a flow that must be sent (a fresh address unless `group` is given). */
async function sentFlow (store: MagicLinkStore, now: number, group?: string, otp = true): Promise<FlowFixture> {
  const fx = flowFixture(group === undefined ? { now, otp } : { now, group, otp })
  assert.deepEqual(await store.createFlow(fx.flow, createOptions(now)), { sent: true }, 'the mail is sent')
  return fx
}

async function flowOf (store: MagicLinkStore, flowId: string): Promise<FlowRecord> {
  const record = await store.getFlow(flowId)
  assert.ok(record !== null, `flow ${flowId} is stored`)
  return record
}

/** The outcome fields a successful transition returns: the asking side's, never the approver's. */
function outcome (fx: FlowFixture): { email: string, redirectTo: string, device: string } {
  return { email: fx.flow.email, redirectTo: fx.flow.redirectTo, device: fx.flow.device }
}

async function approve (store: MagicLinkStore, fx: FlowFixture, now: number): Promise<void> {
  const r = await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: fx.flow.matchHash }))
  assert.equal(r.result, 'approved', 'the right match code approves')
}

async function deny (store: MagicLinkStore, fx: FlowFixture, now: number): Promise<void> {
  for (let i = 1; i < LIMITS.maxAttempts; i++) {
    const r = await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx) }))
    assert.equal(r.result, 'wrong_code')
  }
  assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx) })), { result: 'denied' })
}

/** No proof, the binding, the right and a wrong match code. */
function everyProof (fx: FlowFixture): Array<Partial<VerifyOptions>> {
  return [{}, { pollHash: fx.flow.pollHash }, { matchHash: fx.flow.matchHash }, { matchHash: wrongMatchHash(fx) }]
}

function pendingView (fx: FlowFixture): FlowRecord {
  const f = fx.flow
  return {
    id: f.id,
    email: f.email,
    linkHash: f.linkHash,
    pollHash: f.pollHash,
    state: 'pending',
    redirectTo: f.redirectTo,
    device: f.device,
    createdAt: f.createdAt,
    expiresAt: f.expiresAt,
    interval: f.interval,
    attempts: 0,
    usedAt: null,
    usedDevice: null,
    sessionId: null,
    invite: f.invite === true,
  }
}

export const createFlowCases: ConformanceCase[] = [
  {
    name: 'createFlow: the first mail to an address is sent and the flow is stored pending',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      assert.deepEqual(await store.getFlow(fx.flow.id), pendingView(fx))
    },
  },
  {
    name: 'createFlow: a second mail within minGap is limited; a limited request does not move the gap',
    async run (store) {
      const now = Date.now()
      const first = await sentFlow(store, now)
      const early = flowFixture({ now: now + LIMITS.minGapMs - 1, group: first.group })
      assert.deepEqual(await store.createFlow(early.flow, createOptions(now + LIMITS.minGapMs - 1)), { sent: false }, 'within the gap')
      assert.deepEqual(await store.getFlow(early.flow.id), pendingView(early), 'a limited flow is still created')
      assert.equal((await flowOf(store, first.flow.id)).state, 'pending', 'a limited flow supersedes nothing')
      await sentFlow(store, now + LIMITS.minGapMs, first.group)
    },
  },
  {
    name: 'createFlow: perHour caps the mails of an hour window, which reopens an hour after its first mail',
    async run (store) {
      const start = Date.now()
      const group = flowFixture({ now: start }).group
      for (let i = 0; i < LIMITS.perHour; i++) await sentFlow(store, start + i * LIMITS.minGapMs, group)
      for (const at of [start + LIMITS.perHour * LIMITS.minGapMs, start + HOUR - 1]) {
        const fx = flowFixture({ now: at, group })
        assert.deepEqual(await store.createFlow(fx.flow, createOptions(at)), { sent: false }, `mail ${LIMITS.perHour + 1} at +${at - start} ms`)
      }
      await sentFlow(store, start + HOUR, group)
      for (let i = 1; i < LIMITS.perHour; i++) await sentFlow(store, start + HOUR + i * LIMITS.minGapMs, group)
      const over = flowFixture({ now: start + HOUR + LIMITS.perHour * LIMITS.minGapMs, group })
      assert.deepEqual(await store.createFlow(over.flow, createOptions(over.flow.createdAt)), { sent: false }, 'the new window has the same cap')
    },
  },
  {
    name: 'createFlow: addresses have separate budgets',
    async run (store) {
      const now = Date.now()
      await sentFlow(store, now)
      await sentFlow(store, now)
    },
  },
  {
    name: 'createFlow: a decoy (send: false) counts against the budget and supersedes like a sent flow',
    async run (store, ctx) {
      const now = Date.now()
      const known = await sentFlow(store, now)
      await listening(store, ctx, async (rec) => {
        const decoy = flowFixture({ now: now + LIMITS.minGapMs, group: known.group })
        assert.deepEqual(await store.createFlow(decoy.flow, createOptions(now + LIMITS.minGapMs, { send: false })), { sent: false })
        assert.equal((await flowOf(store, known.flow.id)).state, 'superseded', 'an older poller cannot tell a decoy from a mail')
        await rec.waitFor(isFlowEvent(known.flow.id), 'supersede')
        const next = flowFixture({ now: now + LIMITS.minGapMs + 1, group: known.group })
        assert.deepEqual(await store.createFlow(next.flow, createOptions(now + LIMITS.minGapMs + 1)), { sent: false }, 'the send: false request used the gap')
        assert.equal((await flowOf(store, decoy.flow.id)).state, 'pending', 'a request beyond the budget supersedes nothing')

        // A fresh address: send: false requests count towards perHour as well.
        const group = flowFixture({ now }).group
        for (let i = 0; i < LIMITS.perHour; i++) {
          const fx = flowFixture({ now: now + i * LIMITS.minGapMs, group })
          assert.deepEqual(await store.createFlow(fx.flow, createOptions(fx.flow.createdAt, { send: false })), { sent: false })
        }
        const capped = flowFixture({ now: now + LIMITS.perHour * LIMITS.minGapMs, group })
        assert.deepEqual(await store.createFlow(capped.flow, createOptions(capped.flow.createdAt)), { sent: false }, 'the hour budget is spent')
      })
    },
  },
  {
    name: 'createFlow: a sent flow supersedes the older pending flow and notifies',
    async run (store, ctx) {
      const now = Date.now()
      const old = await sentFlow(store, now)
      await listening(store, ctx, async (rec) => {
        const fresh = await sentFlow(store, now + LIMITS.minGapMs, old.group)
        assert.equal((await flowOf(store, old.flow.id)).state, 'superseded')
        assert.deepEqual(await rec.waitFor(isFlowEvent(old.flow.id), 'supersede'), { type: 'flow', flowId: old.flow.id })
        assert.equal((await flowOf(store, fresh.flow.id)).state, 'pending')
        assert.deepEqual(
          await store.verifyFlow(old.flow.id, verifyOptions(old, now + LIMITS.minGapMs + 1, { matchHash: old.flow.matchHash })),
          { result: 'invalid', reason: 'superseded' },
          'the superseded link is refused',
        )
        assert.deepEqual(
          await store.codeFlow(old.flow.id, codeOptions(old, now + LIMITS.minGapMs + 1)),
          { result: 'invalid', reason: 'superseded' },
          'the superseded code is refused',
        )
        assert.deepEqual(await store.claimFlow(old.flow.id, claimOptions(old, now + LIMITS.minGapMs + 1)), { result: 'expired' }, 'the old poller learns it is over')
        const end = old.flow.expiresAt
        assert.deepEqual(await store.verifyFlow(old.flow.id, verifyOptions(old, end)), { result: 'invalid', reason: 'expired' }, 'expired beats superseded')
        assert.deepEqual(await store.codeFlow(old.flow.id, codeOptions(old, end)), { result: 'invalid', reason: 'expired' })
        assert.equal((await flowOf(store, fresh.flow.id)).state, 'pending', 'the new flow is untouched')
        await store.createFlow(flowFixture({ now: now + 2 * LIMITS.minGapMs, group: old.group }).flow, createOptions(now + 2 * LIMITS.minGapMs))
        assert.equal((await flowOf(store, fresh.flow.id)).state, 'superseded', 'one live link per address, always the newest')
      })
    },
  },
  {
    name: 'createFlow: superseding leaves a used flow alone',
    async run (store) {
      const now = Date.now()
      const old = await sentFlow(store, now)
      await approve(store, old, now + 1000)
      await sentFlow(store, now + LIMITS.minGapMs, old.group)
      assert.equal((await flowOf(store, old.flow.id)).state, 'approved')
      const r = await store.claimFlow(old.flow.id, claimOptions(old, now + LIMITS.minGapMs))
      assert.equal(r.result, 'claimed', 'the approved flow can still be claimed')
    },
  },
]

export const getFlowCases: ConformanceCase[] = [
  {
    name: 'getFlow: null for an unknown flow id',
    async run (store) {
      assert.equal(await store.getFlow(newFlowId()), null)
    },
  },
  {
    name: 'getFlow: every field round-trips, without any secret',
    async run (store) {
      const now = Date.now()
      for (const [otp, invite] of [[true, undefined], [false, false], [false, true]] as const) {
        const fx = flowFixture({ now, otp, email: 'zoë+tag@exämple.org', ...(invite === undefined ? {} : { invite }) })
        await store.createFlow(fx.flow, createOptions(now))
        const record = await store.getFlow(fx.flow.id)
        assert.deepEqual(record, pendingView(fx))
        assert.equal(record?.invite, invite === true, 'invite defaults to false')
        // A missing record already failed the deepEqual above.
        /* c8 ignore next */
        for (const value of Object.values(record ?? {})) {
          for (const secret of Object.values(fx.secrets)) {
            if (secret !== null && typeof value === 'string') assert.ok(!value.includes(secret), 'no plaintext secret in the record')
          }
        }
      }
    },
  },
]

export const verifyFlowCases: ConformanceCase[] = [
  {
    name: 'verifyFlow: a wrong link hash or an unknown flow is unknown, and changes nothing',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      const proofs = { pollHash: fx.flow.pollHash, matchHash: fx.flow.matchHash }
      assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { ...proofs, linkHash: hash('guess') })), { result: 'invalid', reason: 'unknown' })
      assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { linkHash: hash('guess'), matchHash: wrongMatchHash(fx) })), { result: 'invalid', reason: 'unknown' })
      assert.deepEqual(await store.verifyFlow(newFlowId(fx.group), verifyOptions(fx, now, proofs)), { result: 'invalid', reason: 'unknown' })
      assert.deepEqual(await store.getFlow(fx.flow.id), pendingView(fx), 'no attempt counted, nothing used')
    },
  },
  {
    name: 'verifyFlow: the binding (same browser) signs in; the flow becomes claimed; publishFlow then notifies',
    async run (store, ctx) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      await listening(store, ctx, async (rec) => {
        const options = verifyOptions(fx, now + 5000, { pollHash: fx.flow.pollHash, device: 'Firefox on Linux (2)' })
        assert.deepEqual(await store.verifyFlow(fx.flow.id, options), { result: 'signed_in', ...outcome(fx) })
        assert.deepEqual(await store.getFlow(fx.flow.id), {
          ...pendingView(fx), state: 'claimed', usedAt: now + 5000, usedDevice: 'Firefox on Linux (2)', sessionId: options.sessionId,
        })
        await store.publishFlow(fx.flow.id)
        await rec.waitFor(isFlowEvent(fx.flow.id), 'sign-in')
        assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now + 6000)), { result: 'completed', redirectTo: fx.flow.redirectTo }, 'the poller is told, no session to claim')
        assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now + 12_000)), { result: 'expired' }, 'nothing left to claim')
      })
    },
  },
  {
    name: 'verifyFlow: without binding or match code it asks for the code and changes nothing',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now)), { result: 'code_required' })
      assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { pollHash: hash('another browser') })), { result: 'code_required' }, 'a foreign binding is no proof')
      assert.deepEqual(await store.getFlow(fx.flow.id), pendingView(fx))
    },
  },
  {
    name: 'verifyFlow: wrong match codes count down; the last one denies and notifies',
    async run (store, ctx) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      await listening(store, ctx, async (rec) => {
        for (let left = LIMITS.maxAttempts - 1; left > 0; left--) {
          assert.deepEqual(
            await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx) })),
            { result: 'wrong_code', attemptsLeft: left },
          )
        }
        const before = await flowOf(store, fx.flow.id)
        assert.equal(before.attempts, LIMITS.maxAttempts - 1)
        assert.equal(before.state, 'pending')
        await ctx.settle()
        assert.equal(rec.events.length, 0, 'no notification for a wrong code')
        assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx) })), { result: 'denied' })
        await rec.waitFor(isFlowEvent(fx.flow.id), 'denial')
        assert.deepEqual(await store.getFlow(fx.flow.id), { ...pendingView(fx), state: 'denied', attempts: LIMITS.maxAttempts })
        assert.deepEqual(
          await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: fx.flow.matchHash })),
          { result: 'invalid', reason: 'denied' },
          'the right code no longer helps',
        )
        assert.deepEqual(
          await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { pollHash: fx.flow.pollHash })),
          { result: 'invalid', reason: 'denied' },
          'neither does the binding',
        )
        assert.equal((await flowOf(store, fx.flow.id)).attempts, LIMITS.maxAttempts, 'nothing counted after the denial')
      })
    },
  },
  {
    name: 'verifyFlow: maxAttempts is the caller\'s',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx), maxAttempts: 2 })), { result: 'wrong_code', attemptsLeft: 1 })
      assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx), maxAttempts: 2 })), { result: 'denied' })
    },
  },
  {
    name: 'verifyFlow: the right match code approves (cross-device) and notifies',
    async run (store, ctx) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      await listening(store, ctx, async (rec) => {
        await store.verifyFlow(fx.flow.id, verifyOptions(fx, now + 1000, { matchHash: wrongMatchHash(fx) }))
        const options = verifyOptions(fx, now + 2000, { matchHash: fx.flow.matchHash })
        assert.deepEqual(await store.verifyFlow(fx.flow.id, options), { result: 'approved', ...outcome(fx) })
        await rec.waitFor(isFlowEvent(fx.flow.id), 'approval')
        assert.deepEqual(await store.getFlow(fx.flow.id), {
          ...pendingView(fx), state: 'approved', attempts: 1, usedAt: now + 2000, usedDevice: APPROVER, sessionId: null,
        }, 'the session is made by the claim, not by the approval')
      })
    },
  },
  {
    name: 'verifyFlow: a used link is refused as used',
    async run (store) {
      const now = Date.now()
      const approved = await sentFlow(store, now)
      await approve(store, approved, now)
      const signedIn = await sentFlow(store, now)
      await store.verifyFlow(signedIn.flow.id, verifyOptions(signedIn, now, { pollHash: signedIn.flow.pollHash }))
      for (const fx of [approved, signedIn]) {
        for (const proof of everyProof(fx)) {
          assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now + 1, proof)), { result: 'invalid', reason: 'used' })
        }
        assert.equal((await flowOf(store, fx.flow.id)).attempts, 0, 'nothing counted on a used link')
      }
    },
  },
  {
    name: 'verifyFlow: the link expires at expiresAt (now >= expiresAt)',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      const end = fx.flow.expiresAt
      assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, end - 1)), { result: 'code_required' }, 'still valid 1 ms before')
      for (const proof of everyProof(fx)) {
        assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, end, proof)), { result: 'invalid', reason: 'expired' })
      }
      assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, end + HOUR)), { result: 'invalid', reason: 'expired' })
      assert.deepEqual(await store.getFlow(fx.flow.id), pendingView(fx), 'expiry is not a state: nothing written')
    },
  },
  {
    name: 'verifyFlow: used and denied outrank expired (flowGate)',
    async run (store) {
      const now = Date.now()
      const approved = await sentFlow(store, now)
      await approve(store, approved, now)
      const denied = await sentFlow(store, now)
      await deny(store, denied, now)
      const late = now + LIMITS.lifetimeMs
      assert.deepEqual(await store.verifyFlow(approved.flow.id, verifyOptions(approved, late)), { result: 'invalid', reason: 'used' }, 'used beats expired')
      assert.deepEqual(await store.verifyFlow(denied.flow.id, verifyOptions(denied, late)), { result: 'invalid', reason: 'denied' }, 'denied beats expired')
      assert.deepEqual(await store.codeFlow(approved.flow.id, codeOptions(approved, late)), { result: 'invalid', reason: 'used' })
      assert.deepEqual(await store.codeFlow(denied.flow.id, codeOptions(denied, late)), { result: 'invalid', reason: 'denied' })
    },
  },
]

export const claimFlowCases: ConformanceCase[] = [
  {
    name: 'claimFlow: a wrong poll hash or an unknown flow is expired, and changes nothing',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      await approve(store, fx, now)
      const before = await flowOf(store, fx.flow.id)
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now, { pollHash: hash('guess'), force: true })), { result: 'expired' })
      assert.deepEqual(await store.claimFlow(newFlowId(fx.group), claimOptions(fx, now, { force: true })), { result: 'expired' })
      assert.deepEqual(await store.getFlow(fx.flow.id), before)
      assert.equal((await store.claimFlow(fx.flow.id, claimOptions(fx, now))).result, 'claimed', 'the real poller still claims')
    },
  },
  {
    name: 'claimFlow: a pending flow answers pending with the interval; the first poll may come at once',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now)), { result: 'pending', interval: LIMITS.interval })
      const next = now + LIMITS.interval * 1000
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, next)), { result: 'pending', interval: LIMITS.interval }, 'exactly one interval later')
      assert.equal((await flowOf(store, fx.flow.id)).state, 'pending')
    },
  },
  {
    name: 'claimFlow: polling early answers slow_down, adds the backoff, and counts from that poll',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      const iv = LIMITS.interval
      const b = LIMITS.backoff
      await store.claimFlow(fx.flow.id, claimOptions(fx, now))
      let t = now + iv * 1000 - 1
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, t)), { result: 'slow_down', interval: iv + b })
      assert.equal((await flowOf(store, fx.flow.id)).interval, iv + b, 'the new interval is stored')
      // The original interval has passed since the first poll, but not the new one since the last.
      t += (iv + b) * 1000 - 1
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, t)), { result: 'slow_down', interval: iv + 2 * b })
      t += (iv + 2 * b) * 1000
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, t)), { result: 'pending', interval: iv + 2 * b }, 'a patient poll is pending, the interval stays raised')
      await approve(store, fx, t + 1)
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, t + 2)), { result: 'slow_down', interval: iv + 3 * b }, 'an early poll is not claimed even when approved')
      assert.equal((await flowOf(store, fx.flow.id)).state, 'approved')
      assert.equal((await store.claimFlow(fx.flow.id, claimOptions(fx, t + 2 + (iv + 3 * b) * 1000))).result, 'claimed')
    },
  },
  {
    name: 'claimFlow: force skips the interval check and keeps the interval',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      await store.claimFlow(fx.flow.id, claimOptions(fx, now))
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now + 1, { force: true })), { result: 'pending', interval: LIMITS.interval })
      await approve(store, fx, now + 2)
      const claimed = await store.claimFlow(fx.flow.id, claimOptions(fx, now + 3, { force: true }))
      assert.equal(claimed.result, 'claimed', 'a forced re-check after the approval notification claims at once')
      assert.equal((await flowOf(store, fx.flow.id)).interval, LIMITS.interval)
    },
  },
  {
    name: 'claimFlow: an approved flow is claimed exactly once',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      await approve(store, fx, now + 1000)
      const options = claimOptions(fx, now + 2000)
      assert.deepEqual(await store.claimFlow(fx.flow.id, options), { result: 'claimed', ...outcome(fx), usedDevice: APPROVER })
      assert.deepEqual(await store.getFlow(fx.flow.id), {
        ...pendingView(fx), state: 'claimed', usedAt: now + 1000, usedDevice: APPROVER, sessionId: options.sessionId,
      })
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now + 20_000)), { result: 'expired' }, 'the poll secret is burnt')
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now + 40_000, { force: true })), { result: 'expired' })
      assert.equal((await flowOf(store, fx.flow.id)).sessionId, options.sessionId, 'the first claim\'s session stays')
    },
  },
  {
    name: 'claimFlow: the claim window runs from the approval',
    async run (store) {
      const now = Date.now()
      const inTime = await sentFlow(store, now)
      await approve(store, inTime, now)
      assert.equal((await store.claimFlow(inTime.flow.id, claimOptions(inTime, now + LIMITS.claimWindowMs))).result, 'claimed', 'at the end of the window')
      const late = await sentFlow(store, now)
      await approve(store, late, now)
      assert.deepEqual(await store.claimFlow(late.flow.id, claimOptions(late, now + LIMITS.claimWindowMs + 1)), { result: 'expired' })
      const record = await flowOf(store, late.flow.id)
      assert.equal(record.sessionId, null, 'no session for a late claim')
      assert.notEqual(record.state, 'claimed')
    },
  },
  {
    name: 'claimFlow: a denied flow answers denied',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      await deny(store, fx, now)
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now)), { result: 'denied' })
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now + 1)), { result: 'denied' }, 'again, without slow_down')
    },
  },
  {
    name: 'claimFlow: an expired or link-claimed flow answers expired',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, fx.flow.expiresAt - 1)), { result: 'pending', interval: LIMITS.interval })
      assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, fx.flow.expiresAt, { force: true })), { result: 'expired' })
      const approvedLate = await sentFlow(store, now)
      await approve(store, approvedLate, approvedLate.flow.expiresAt - 1)
      assert.deepEqual(await store.claimFlow(approvedLate.flow.id, claimOptions(approvedLate, approvedLate.flow.expiresAt)), { result: 'expired' }, 'the flow\'s own expiry ends the claim window')
      const linked = await sentFlow(store, now)
      await store.verifyFlow(linked.flow.id, verifyOptions(linked, now, { pollHash: linked.flow.pollHash }))
      assert.deepEqual(await store.claimFlow(linked.flow.id, claimOptions(linked, linked.flow.expiresAt)), { result: 'expired' }, 'a same-browser sign-in is not reported after expiry')
    },
  },
  {
    name: 'claimFlow: after a same-browser sign-in (link or mail code), the poller is told completed once, then expired',
    async run (store) {
      const now = Date.now()
      const linked = await sentFlow(store, now)
      await store.verifyFlow(linked.flow.id, verifyOptions(linked, now, { pollHash: linked.flow.pollHash }))
      assert.deepEqual(await store.claimFlow(linked.flow.id, claimOptions(linked, now + 1)), { result: 'completed', redirectTo: linked.flow.redirectTo })
      assert.deepEqual(await store.claimFlow(linked.flow.id, claimOptions(linked, now + 10_000)), { result: 'expired' })
      const coded = await sentFlow(store, now)
      await store.codeFlow(coded.flow.id, codeOptions(coded, now))
      assert.deepEqual(await store.claimFlow(coded.flow.id, claimOptions(coded, now + 1, { pollHash: 'x'.repeat(43) })), { result: 'expired' }, 'only the asking browser is told')
      assert.deepEqual(await store.claimFlow(coded.flow.id, claimOptions(coded, now + 1)), { result: 'completed', redirectTo: coded.flow.redirectTo })
      const approved = await sentFlow(store, now)
      await approve(store, approved, now)
      assert.equal((await store.claimFlow(approved.flow.id, claimOptions(approved, now + 1))).result, 'claimed')
      assert.deepEqual(await store.claimFlow(approved.flow.id, claimOptions(approved, now + 10_000)), { result: 'expired' }, 'a cross-device claim is never completed')
    },
  },
]

export const codeFlowCases: ConformanceCase[] = [
  {
    name: 'verifyFlow and codeFlow: an address has a budget of wrong codes over all its flows, per 24 h',
    async run (store) {
      const now = Date.now()
      const budget = { maxAddressFailures: 7 }
      const first = await sentFlow(store, now)
      for (let i = 0; i < 5; i++) await store.codeFlow(first.flow.id, codeOptions(first, now, { otpHash: wrongOtpHash(first), ...budget }))
      const second = flowFixture({ now: now + LIMITS.minGapMs, group: first.group })
      await store.createFlow(second.flow, createOptions(now + LIMITS.minGapMs))
      assert.deepEqual(await store.verifyFlow(second.flow.id, verifyOptions(second, now + LIMITS.minGapMs, { matchHash: wrongMatchHash(second), ...budget })), { result: 'wrong_code', attemptsLeft: LIMITS.maxAttempts - 1 })
      assert.deepEqual(await store.codeFlow(second.flow.id, codeOptions(second, now + LIMITS.minGapMs, { otpHash: wrongOtpHash(second), ...budget })), { result: 'denied' }, 'the 7th wrong code of the address denies')
      const third = flowFixture({ now: now + 2 * LIMITS.minGapMs, group: first.group })
      await store.createFlow(third.flow, createOptions(now + 2 * LIMITS.minGapMs))
      assert.deepEqual(await store.verifyFlow(third.flow.id, verifyOptions(third, now + 2 * LIMITS.minGapMs, { matchHash: third.flow.matchHash, ...budget })), { result: 'denied' }, 'even the right match code, while the budget is spent')
      const thirdB = flowFixture({ now: now + 2 * LIMITS.minGapMs + 1, group: first.group })
      await store.createFlow(thirdB.flow, createOptions(now + 3 * LIMITS.minGapMs - 1))
      assert.deepEqual(await store.codeFlow(thirdB.flow.id, codeOptions(thirdB, now + 3 * LIMITS.minGapMs - 1, budget)), { result: 'denied' }, 'and the right email code')
      const fourth = flowFixture({ now: now + 3 * LIMITS.minGapMs, group: first.group })
      await store.createFlow(fourth.flow, createOptions(now + 3 * LIMITS.minGapMs))
      assert.equal((await store.verifyFlow(fourth.flow.id, verifyOptions(fourth, now + 3 * LIMITS.minGapMs, { pollHash: fourth.flow.pollHash, ...budget }))).result, 'signed_in', 'the asking browser itself still signs in')
      const later = now + 86_400_000
      const fifth = flowFixture({ now: later, group: first.group })
      await store.createFlow(fifth.flow, createOptions(later))
      assert.equal((await store.codeFlow(fifth.flow.id, codeOptions(fifth, later, budget))).result, 'signed_in', 'a new day, a new budget')
      const other = await sentFlow(store, now)
      assert.equal((await store.codeFlow(other.flow.id, codeOptions(other, now, budget))).result, 'signed_in', 'other addresses are not affected')
    },
  },
  {
    name: 'verifyFlow and codeFlow: a sign-in on the asking browser does not notify by itself',
    async run (store, ctx) {
      const now = Date.now()
      const linked = await sentFlow(store, now)
      const coded = await sentFlow(store, now)
      await listening(store, ctx, async (rec) => {
        await store.verifyFlow(linked.flow.id, verifyOptions(linked, now, { pollHash: linked.flow.pollHash }))
        await store.codeFlow(coded.flow.id, codeOptions(coded, now))
        await ctx.settle()
        const mine = rec.events.filter((e) => isFlowEvent(linked.flow.id)(e) || isFlowEvent(coded.flow.id)(e))
        assert.equal(mine.length, 0, 'the caller publishes once the session cookie is out')
      })
    },
  },
  {
    name: 'codeFlow: the right code signs in on the asking device once; publishFlow then notifies',
    async run (store, ctx) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      await listening(store, ctx, async (rec) => {
        const options = codeOptions(fx, now + 3000)
        assert.deepEqual(await store.codeFlow(fx.flow.id, options), { result: 'signed_in', ...outcome(fx) })
        await store.publishFlow(fx.flow.id)
        await rec.waitFor(isFlowEvent(fx.flow.id), 'code sign-in')
        assert.deepEqual(await store.getFlow(fx.flow.id), {
          ...pendingView(fx), state: 'claimed', usedAt: now + 3000, usedDevice: fx.flow.device, sessionId: options.sessionId,
        })
        assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, now + 4000)), { result: 'invalid', reason: 'used' })
        assert.deepEqual(await store.verifyFlow(fx.flow.id, verifyOptions(fx, now + 4000, { matchHash: fx.flow.matchHash })), { result: 'invalid', reason: 'used' }, 'the link is burnt too')
      })
    },
  },
  {
    name: 'codeFlow: wrong codes count down to denied; a wrong poll hash is unknown and uncounted',
    async run (store, ctx) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, now, { pollHash: hash('guess') })), { result: 'invalid', reason: 'unknown' })
      assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, now, { pollHash: hash('guess'), otpHash: wrongOtpHash(fx) })), { result: 'invalid', reason: 'unknown' })
      assert.deepEqual(await store.codeFlow(newFlowId(fx.group), codeOptions(fx, now)), { result: 'invalid', reason: 'unknown' })
      assert.equal((await flowOf(store, fx.flow.id)).attempts, 0)
      await listening(store, ctx, async (rec) => {
        for (let left = LIMITS.maxAttempts - 1; left > 0; left--) {
          assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, now, { otpHash: wrongOtpHash(fx) })), { result: 'wrong_code', attemptsLeft: left })
        }
        assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, now, { otpHash: wrongOtpHash(fx) })), { result: 'denied' })
        await rec.waitFor(isFlowEvent(fx.flow.id), 'denial')
        assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, now)), { result: 'invalid', reason: 'denied' })
        assert.deepEqual(await store.claimFlow(fx.flow.id, claimOptions(fx, now)), { result: 'denied' })
        assert.deepEqual(await store.getFlow(fx.flow.id), { ...pendingView(fx), state: 'denied', attempts: LIMITS.maxAttempts })
      })
    },
  },
  {
    name: 'codeFlow: shares the attempt budget with verifyFlow',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      const wrongVerify = (): ReturnType<MagicLinkStore['verifyFlow']> => store.verifyFlow(fx.flow.id, verifyOptions(fx, now, { matchHash: wrongMatchHash(fx) }))
      const wrongCode = (): ReturnType<MagicLinkStore['codeFlow']> => store.codeFlow(fx.flow.id, codeOptions(fx, now, { otpHash: wrongOtpHash(fx) }))
      assert.deepEqual(await wrongVerify(), { result: 'wrong_code', attemptsLeft: 4 })
      assert.deepEqual(await wrongCode(), { result: 'wrong_code', attemptsLeft: 3 })
      assert.deepEqual(await wrongVerify(), { result: 'wrong_code', attemptsLeft: 2 })
      assert.deepEqual(await wrongCode(), { result: 'wrong_code', attemptsLeft: 1 })
      assert.deepEqual(await wrongVerify(), { result: 'denied' })
      assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, now)), { result: 'invalid', reason: 'denied' })
    },
  },
  {
    name: 'codeFlow: without an email code (otpHash null) nothing matches',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now, undefined, false)
      for (const otpHash of [hash(''), '', hash('000000'), hash('null')]) {
        const r = await store.codeFlow(fx.flow.id, codeOptions(fx, now, { otpHash }))
        assert.equal(r.result, 'wrong_code', `otpHash ${JSON.stringify(otpHash)} is wrong`)
      }
      assert.equal((await flowOf(store, fx.flow.id)).state, 'pending')
      assert.equal((await flowOf(store, fx.flow.id)).attempts, 4)
    },
  },
  {
    name: 'codeFlow: refused after expiry, supersede or approval',
    async run (store) {
      const now = Date.now()
      const fx = await sentFlow(store, now)
      assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, fx.flow.expiresAt)), { result: 'invalid', reason: 'expired' })
      assert.deepEqual(await store.codeFlow(fx.flow.id, codeOptions(fx, fx.flow.expiresAt, { otpHash: wrongOtpHash(fx) })), { result: 'invalid', reason: 'expired' })
      assert.equal((await flowOf(store, fx.flow.id)).attempts, 0)
      const approved = await sentFlow(store, now)
      await approve(store, approved, now)
      assert.deepEqual(await store.codeFlow(approved.flow.id, codeOptions(approved, now)), { result: 'invalid', reason: 'used' })
      assert.equal((await store.claimFlow(approved.flow.id, claimOptions(approved, now))).result, 'claimed', 'the approval still stands')
    },
  },
]
