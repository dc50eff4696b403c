/**
 * Long-poll waiters per flow, woken by the store's change notifications (from any instance).
 * An idle long-poll costs a timer and a map entry here, and no store command.
 */
export class FlowWaiters {
  readonly #waiting = new Map<string, Set<() => void>>()
  #closed = false

  /** Resolves true when the flow changed, false on timeout, abort or shutdown. */
  wait (flowId: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#closed || signal?.aborted === true) return Promise.resolve(false)
    return new Promise((resolve) => {
      let set = this.#waiting.get(flowId)
      if (set === undefined) this.#waiting.set(flowId, set = new Set())
      const done = (changed: boolean): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', abort)
        const s = this.#waiting.get(flowId)
        s?.delete(wake)
        if (s?.size === 0) this.#waiting.delete(flowId)
        resolve(changed)
      }
      const wake = (): void => done(!this.#closed)
      const abort = (): void => done(false)
      signal?.addEventListener('abort', abort, { once: true })
      const timer = setTimeout(() => done(false), ms)
      set.add(wake)
    })
  }

  notify (flowId: string): void {
    const set = this.#waiting.get(flowId)
    if (set !== undefined) for (const wake of [...set]) wake()
  }

  /** Ends every long-poll (app.close()). */
  close (): void {
    this.#closed = true
    for (const set of [...this.#waiting.values()]) for (const wake of [...set]) wake()
  }

  get size (): number {
    return this.#waiting.size
  }
}
