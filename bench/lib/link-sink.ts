/**
 * In-process mail sink for the target servers (no SMTP): the last link "mailed" to each
 * address, read by the driver through a test-only route `GET /__last-link?email=[&wait=1]`.
 *
 * `wait=1` holds the request until the link arrives (at most 2 s), because a server may queue
 * its mail off the request path (fastify-magic-link sends it after `setImmediate`): the driver
 * then never has to poll. A link is handed out once (deleted on read), and the sink keeps
 * between `max` and 2 × `max` addresses so that hammering `POST /request` with distinct
 * addresses cannot grow it without bound. Two generations of Maps (the older one dropped
 * whole) rather than evicting a Map's first key: a Map that is deleted from at its head while
 * new keys are appended makes `keys().next()` walk past every deleted entry until V8 rehashes
 * it (~15 µs per eviction at 10,000 entries), which would bill the sink's cost to the target.
 */
import type { FastifyInstance } from 'fastify'

export class LinkSink {
  #links = new Map<string, string>()
  #older = new Map<string, string>()
  readonly #waiters = new Map<string, Array<(url: string | undefined) => void>>()
  readonly #max: number

  constructor (max = 20_000) {
    this.#max = max
  }

  put (email: string, url: string): void {
    const key = email.toLowerCase()
    const waiting = this.#waiters.get(key)
    if (waiting !== undefined) {
      this.#waiters.delete(key)
      const first = waiting.shift()!
      first(url)
      // Others waiting on the same address (should not happen in the drivers) time out.
      if (waiting.length > 0) this.#waiters.set(key, waiting)
      return
    }
    this.#older.delete(key)
    this.#links.set(key, url)
    if (this.#links.size >= this.#max) {
      this.#older = this.#links
      this.#links = new Map()
    }
  }

  take (email: string): string | undefined {
    const key = email.toLowerCase()
    let url = this.#links.get(key)
    if (url !== undefined) this.#links.delete(key)
    else {
      url = this.#older.get(key)
      if (url !== undefined) this.#older.delete(key)
    }
    return url
  }

  async wait (email: string, timeoutMs: number): Promise<string | undefined> {
    const now = this.take(email)
    if (now !== undefined) return now
    const key = email.toLowerCase()
    return await new Promise((resolve) => {
      let done = false
      const finish = (url: string | undefined): void => {
        if (done) return
        done = true
        clearTimeout(timer)
        resolve(url)
      }
      const timer = setTimeout(() => {
        const list = this.#waiters.get(key)
        if (list !== undefined) {
          const i = list.indexOf(finish)
          if (i >= 0) list.splice(i, 1)
          if (list.length === 0) this.#waiters.delete(key)
        }
        finish(undefined)
      }, timeoutMs)
      const list = this.#waiters.get(key) ?? []
      list.push(finish)
      this.#waiters.set(key, list)
    })
  }

  /** `GET /__last-link?email=[&wait=1]` → `{ url }`, or 404 when no link came (in time). */
  route (app: FastifyInstance): void {
    app.get('/__last-link', async (request, reply) => {
      const q = request.query as { email?: string, wait?: string }
      const email = String(q.email ?? '')
      const url = q.wait === '1' ? await this.wait(email, 2000) : this.take(email)
      if (url === undefined) return await reply.code(404).send({ error: 'no link yet' })
      return { url }
    })
  }
}
