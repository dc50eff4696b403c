/**
 * A bounded cache of verified cookies, so the steady state costs no signature check and no store
 * round trip. Two generations instead of a strict LRU: a hit in the young map is one `Map.get`;
 * a hit in the old one moves the entry up; when the young map is full it becomes the old one and
 * the old one is dropped. Recently used entries survive, at most `max` are kept, and no hit pays
 * for a delete-and-reinsert (which costs microseconds per hit on a Map of 10,000 long keys).
 */
export class LruCache<K, V> {
  #young = new Map<K, V>()
  #old = new Map<K, V>()
  readonly #half: number

  constructor (max: number) {
    this.#half = Math.max(1, Math.floor(max / 2))
  }

  get (key: K): V | undefined {
    const young = this.#young.get(key)
    if (young !== undefined) return young
    const old = this.#old.get(key)
    if (old !== undefined) {
      this.#old.delete(key)
      this.#promote(key, old)
    }
    return old
  }

  set (key: K, value: V): void {
    this.#old.delete(key)
    this.#promote(key, value)
  }

  #promote (key: K, value: V): void {
    this.#young.set(key, value)
    if (this.#young.size >= this.#half) {
      this.#old = this.#young
      this.#young = new Map()
    }
  }

  delete (key: K): void {
    this.#young.delete(key)
    this.#old.delete(key)
  }

  get size (): number {
    return this.#young.size + this.#old.size
  }
}
