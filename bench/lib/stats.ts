/** Small statistics helpers. */

export function median (values: number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (xs.length === 0) return NaN
  const mid = Math.floor(xs.length / 2)
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2
}

export function min (values: number[]): number {
  const xs = values.filter((v) => Number.isFinite(v))
  return xs.length === 0 ? NaN : Math.min(...xs)
}

export function max (values: number[]): number {
  const xs = values.filter((v) => Number.isFinite(v))
  return xs.length === 0 ? NaN : Math.max(...xs)
}

/** Percentile (0..100) by nearest rank on a copy of the samples. */
export function percentile (values: number[], p: number): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (xs.length === 0) return NaN
  const rank = Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))
  return xs[rank]
}

/** Rotate an array left by n (round r of an interleaved run starts with target r mod N). */
export function rotate<T> (items: readonly T[], n: number): T[] {
  if (items.length === 0) return []
  const k = ((n % items.length) + items.length) % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

export function round (value: number, digits = 0): number {
  if (!Number.isFinite(value)) return value
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** Format a ratio: 0.91x, 0.0052x. */
export function fmtRatio (r: number): string {
  if (!Number.isFinite(r)) return 'n/a'
  if (r >= 0.1) return `${r.toFixed(2)}x`
  if (r >= 0.01) return `${r.toFixed(3)}x`
  return `${r.toFixed(4)}x`
}

export function fmtInt (n: number): string {
  if (!Number.isFinite(n)) return 'n/a'
  return Math.round(n).toLocaleString('en-US')
}
