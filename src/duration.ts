const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** A duration: milliseconds as a number, or a string like `'10m'`, `'30d'`, `'1500ms'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`

/** Milliseconds, or null when the value is not a positive finite duration. */
export function parseDuration (value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.floor(value) : null
  if (typeof value !== 'string') return null
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim())
  if (m === null) return null
  const ms = Math.floor(Number(m[1]) * (UNITS[m[2] as string] as number))
  return ms > 0 ? ms : null
}
