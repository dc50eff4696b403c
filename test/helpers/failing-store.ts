import { MemoryStore } from '../../src/index.js'

/**
 * A MemoryStore whose `getFlow` fails: it rejects, or after `throwNext()` throws before returning
 * a promise. Replace the method before the plugin is registered: the plugin wraps the store's
 * methods then.
 */
export function failingGetFlow (): { store: MemoryStore, throwNext: () => void } {
  const store = new MemoryStore()
  let sync = false
  store.getFlow = (() => {
    if (sync) throw new Error('thrown synchronously')
    return Promise.reject(new Error('connection reset'))
  }) as MemoryStore['getFlow']
  return { store, throwNext: () => { sync = true } }
}

/** A well-formed link token that no flow has. */
export const UNKNOWN_TOKEN = `${'A'.repeat(33)}.${'B'.repeat(43)}`
