/**
 * User-space instructions per GET /me, counted by valgrind (callgrind), for the apps of
 * `servers/side-by-side.ts` in one server process: a number that does not depend on how busy
 * the shared machine is, where req/s and CPU time do (±30 % here from one minute to the next).
 *
 *   npx tsx instructions.ts     (from bench/; needs valgrind, else it says so and exits 0;
 *                                ~3 min. BENCH_IR_REQUESTS (default 2000; QUICK=1: 1000),
 *                                BENCH_IR_REPS (3; QUICK=1: 2))
 *
 * The server starts uninstrumented; every app is warmed up twice (the JIT settles); then, per
 * app and repetition, instrumentation is switched on, counters zeroed, BENCH_IR_REQUESTS requests
 * sent (10 connections), and the counters dumped (`callgrind_control`). Reported: the minimum over
 * repetitions (a garbage collection or a late optimization adds to one repetition, never
 * subtracts). Kernel time (socket reads and writes) is not counted: the ratios here are of the
 * work the processes' own code does, which is where the apps differ.
 */
import autocannon from 'autocannon'
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { machineInfo, machineLine, mdTable, publishResults } from './lib/harness.js'
import { magicLinkBearer, magicLinkLogin } from './lib/magic-link.js'
import { WORK_DIR, track } from './lib/proc.js'
import { startPrivateRedis } from './lib/redis.js'
import { authHeaders, sideBySideApps, type SideBySideApp } from './lib/side-by-side.js'
import { BENCH_USER } from './lib/server-util.js'
import { fmtRatio } from './lib/stats.js'

const log = (line: string): void => { process.stderr.write(`[instructions] ${line}\n`) }
const quick = process.env.QUICK === '1' || process.env.QUICK === 'true'
const requests = Number(process.env.BENCH_IR_REQUESTS ?? (quick ? 1000 : 2000))
const reps = Number(process.env.BENCH_IR_REPS ?? (quick ? 2 : 3))
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
} catch {
  log('SKIPPED: valgrind is not installed (apt-get install valgrind)')
  process.exit(0)
}
const outDir = join(WORK_DIR, 'callgrind')
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
const machine = machineInfo()
const redis = await startPrivateRedis()
const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${outDir}/cg.%p`,
  process.execPath, '--import', 'tsx', 'servers/side-by-side.ts'], { env: { ...process.env, REDIS_URL: redis.url, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
track(child)
child.stderr.resume()
const control = (...args: string[]): void => { execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'ignore' }) }
try {
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => { reject(new Error(`the server under valgrind exited (${code})`)) })
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{"event":"listening"')) resolve((JSON.parse(line) as { port: number }).port)
    })
  })
  const base = `http://127.0.0.1:${port}`
  const cookie = await magicLinkLogin(base, BENCH_USER.email)
  const apps = await sideBySideApps(base)
  const bearerApp = apps.find((a) => a.auth === 'bearer')
  const bearer = bearerApp === undefined ? '' : await magicLinkBearer(bearerApp.loginBase as string, base, BENCH_USER.email)
  const load = async (url: string, app: SideBySideApp): Promise<void> => {
    const out = await autocannon({ url, headers: authHeaders(app, { cookie, bearer }) ?? {}, connections: 10, amount: requests, timeout: 60 })
    if (out.non2xx > 0 || out.errors > 0) throw new Error(`${url}: ${out.non2xx} non-2xx, ${out.errors} errors`)
  }
  log(`warm-up: 2 × ${requests} requests per app, uninstrumented`)
  for (let i = 0; i < 2; i++) for (const a of apps) await load(a.url, a)
  const counts: Record<string, number[]> = {}
  let dump = 0
  for (let r = 0; r < reps; r++) {
    for (const a of apps) {
      control('-i', 'on')
      control('-z')
      await load(a.url, a)
      control('-d', a.name)
      control('-i', 'off')
      dump++
      const file = readdirSync(outDir).find((f) => f === `cg.${child.pid}.${dump}`)
      if (file === undefined) throw new Error(`no callgrind dump ${dump}`)
      const ir = Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(outDir, file), 'utf8'))?.[1] ?? NaN)
      ;(counts[a.name] ??= []).push(ir / requests)
      log(`rep ${r + 1}/${reps} ${a.name.padEnd(20)} ${Math.round(ir / requests).toLocaleString('en-US')} instructions per request`)
    }
  }
  const best = (name: string): number => Math.min(...(counts[name] ?? [NaN]))
  const bare = best('bare')
  const md = [
    '## Instructions per request (`bench/instructions.ts`)',
    '',
    `User-space instructions per \`GET /me\` (valgrind callgrind), the apps of servers/side-by-side.ts in one process, ${requests.toLocaleString('en-US')} requests per app and repetition after 2 uninstrumented warm-ups; minimum of ${reps} repetitions. Kernel work (socket reads and writes) is not counted. Ratio = bare ÷ app: the throughput ratio if the process's own code were all there is.`,
    machineLine(machine),
    '',
    mdTable(['app', 'instructions per request', 'vs bare', 'ratio bare ÷ app', 'repetitions'], apps.map((a) => [
      `\`${a.name}\``, Math.round(best(a.name)).toLocaleString('en-US'), `+${Math.round(best(a.name) - bare).toLocaleString('en-US')}`,
      fmtRatio(bare / best(a.name)), (counts[a.name] ?? []).map((x) => Math.round(x).toLocaleString('en-US')).join(', '),
    ])),
    '',
    ...apps.map((a) => `- \`${a.name}\`: ${a.note}`),
    '',
  ].join('\n')
  publishResults('instructions', { benchmark: 'instructions', machine, requests, reps, counts }, md, log)
} finally {
  child.kill('SIGKILL')
  await redis.stop()
}
