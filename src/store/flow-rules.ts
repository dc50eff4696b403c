import type { FlowState, InvalidReason } from './types.js'

/**
 * Why a link or code can no longer be used, or null while the flow is pending. Mirrors the
 * `gate` function of the Redis scripts; the conformance suite keeps the two in step.
 */
export function flowGate (state: FlowState, expired: boolean): InvalidReason | null {
  if (state === 'approved' || state === 'claimed') return 'used'
  if (state === 'denied') return 'denied'
  if (expired) return 'expired'
  if (state === 'superseded') return 'superseded'
  return null
}
