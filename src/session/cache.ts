/**
 * A bounded LRU (Map insertion order): verified cookies, so the steady state costs no signature
 * check and no store round trip.
 */
export class LruCache<V> {
  readonly #map = new Map<string, V>()
  readonly #max: number

  constructor (max: number) {
    this.#max = max
  }

  get (key: string): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined && this.#map.size > 64) {
      // Refresh recency only when eviction can matter; re-inserting costs two hash operations.
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  set (key: string, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string)
  }

  delete (key: string): void {
    this.#map.delete(key)
  }

  get size (): number {
    return this.#map.size
  }
}
