import { bundle } from '../lib/bundle.js'

/** The own-page scripts in `browser/`, each served as `/own/js/<name>.js`. */
const ENTRIES = ['signin', 'verify', 'account', 'outbox'] as const

/**
 * Bundles the page scripts (with the catalog and the real `fastify-magic-link/client` from
 * `src/client`) in memory at startup: no build step before running the example.
 */
export async function bundleOwnPageScripts (): Promise<Map<string, string>> {
  return await bundle(new URL('./browser/', import.meta.url), ENTRIES)
}
