/** One long-poll's subscription to a flow's changes, taken before the flow is first read. */
export interface FlowWatch {
  /** Resolves true when the flow changed (also before this call), false on timeout, abort or shutdown. */
  wait (ms: number, signal?: AbortSignal): Promise<boolean>
  /** Stops watching (when no wait is needed). */
  cancel (): void
}

interface Watcher { changed: boolean, wake: (() => void) | null }

/**
 * Long-poll waiters per flow, woken by the store's change notifications (from any instance).
 * An idle long-poll costs a timer and a map entry here, and no store command. The watch is taken
 * before the flow is read, so a change that lands between the read and the wait is not lost.
 */
export class FlowWaiters {
  readonly #watching = new Map<string, Set<Watcher>>()
  #closed = false

  watch (flowId: string): FlowWatch {
    const watcher: Watcher = { changed: false, wake: null }
    let set = this.#watching.get(flowId)
    if (set === undefined) this.#watching.set(flowId, set = new Set())
    set.add(watcher)
    const cancel = (): void => {
      const s = this.#watching.get(flowId)
      s?.delete(watcher)
      if (s?.size === 0) this.#watching.delete(flowId)
    }
    const wait = (ms: number, signal?: AbortSignal): Promise<boolean> => new Promise((resolve) => {
      const done = (changed: boolean): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', abort)
        cancel()
        resolve(changed)
      }
      const abort = (): void => done(false)
      const timer = setTimeout(() => done(false), ms)
      if (this.#closed || signal?.aborted === true) return done(false)
      if (watcher.changed) return done(true)
      watcher.wake = () => done(!this.#closed)
      signal?.addEventListener('abort', abort, { once: true })
    })
    return { wait, cancel }
  }

  notify (flowId: string): void {
    const set = this.#watching.get(flowId)
    if (set === undefined) return
    for (const watcher of [...set]) {
      watcher.changed = true
      watcher.wake?.()
    }
  }

  /** Ends every long-poll (app.close()). */
  close (): void {
    this.#closed = true
    for (const set of [...this.#watching.values()]) for (const watcher of [...set]) watcher.wake?.()
  }

  /** Flows with a watch open. */
  get size (): number {
    return this.#watching.size
  }
}
