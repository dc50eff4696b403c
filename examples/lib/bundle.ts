import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** The page scripts in `examples/browser/`, each served as `/js/<name>.js`. */
const ENTRIES = ['login', 'app', 'outbox'] as const

/**
 * Bundles the page scripts, and with them the real `fastify-magic-link/client` from `src/client`,
 * in memory at startup: no build step before `npm run example`.
 */
export async function bundleScripts (): Promise<Map<string, string>> {
  return await bundle(new URL('../browser/', import.meta.url), ENTRIES)
}

/** Bundles `<dir><name>.ts` for each entry into ES2022 modules in memory, by output file name. */
export async function bundle (dirUrl: URL, entries: readonly string[]): Promise<Map<string, string>> {
  const dir = fileURLToPath(dirUrl)
  const result = await build({
    entryPoints: Object.fromEntries(entries.map((name) => [name, `${dir}${name}.ts`])),
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
