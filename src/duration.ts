const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A duration: milliseconds as a number, or a string: `'1500ms'`, `'30s'`, `'10m'`, `'12h'`,
 * `'30d'` (a space before the unit is allowed), or plain digits for milliseconds (`'600000'`).
 * Any `string` type-checks, so values read from `process.env` need no cast; a string that does not
 * parse fails `app.ready()` with `FST_MAGIC_LINK_OPTIONS` naming the option.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | (string & {})

/** Milliseconds, or null when the value is not a positive finite duration. */
export function parseDuration (value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.floor(value) : null
  if (typeof value !== 'string') return null
  const m = /^(\d+(?:\.\d+)?) ?(ms|s|m|h|d)?$/.exec(value.trim())
  if (m === null) return null
  const ms = Math.floor(Number(m[1]) * (UNITS[m[2] ?? 'ms'] as number))
  return ms > 0 ? ms : null
}
