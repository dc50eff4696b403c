import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** The own-page scripts in `browser/`, each served as `/own/js/<name>.js`. */
const ENTRIES = ['signin', 'verify', 'account', 'outbox'] as const

/**
 * Bundles the page scripts (with the catalog and the real `fastify-magic-link/client` from
 * `src/client`) in memory at startup: no build step before running the example.
 */
export async function bundleOwnPageScripts (): Promise<Map<string, string>> {
  const dir = fileURLToPath(new URL('./browser/', import.meta.url))
  const result = await build({
    entryPoints: Object.fromEntries(ENTRIES.map((name) => [name, `${dir}${name}.ts`])),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    outdir: 'js',
    legalComments: 'none',
    logLevel: 'silent',
  })
  return new Map(result.outputFiles.map((file) => [basename(file.path), file.text]))
}
