/** How stale the hot path's clock may be, in ms. */
export const CLOCK_RESOLUTION_MS = 100

/**
 * The clock of the session cache's hot path: epoch ms read from a field that a timer refreshes
 * every CLOCK_RESOLUTION_MS, instead of a `Date.now()` per authenticated request (a V8 runtime
 * call: about a fifth of the plugin's own per-request work in the benchmark's CPU profile). A
 * cached token is therefore honoured at most CLOCK_RESOLUTION_MS (plus event-loop lag) past its
 * `exp`, far less than the clock tolerance JWT checks usually allow. Before `start()`, after
 * `stop()` and with an app-provided `now` option (tests), it reads that clock directly.
 */
export class CoarseClock {
  readonly #source: () => number
  #value = 0
  #timer: ReturnType<typeof setInterval> | undefined

  constructor (source: () => number) {
    this.#source = source
  }

  now (): number {
    return this.#timer !== undefined ? this.#value : this.#source()
  }

  /** Starts the timer (the real clock only: a test clock is always read directly). */
  start (): void {
    if (this.#source !== Date.now || this.#timer !== undefined) return
    this.#value = Date.now()
    this.#timer = setInterval(() => { this.#value = Date.now() }, CLOCK_RESOLUTION_MS).unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}
