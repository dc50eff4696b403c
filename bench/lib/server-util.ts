/**
 * Helpers for the target server files (they run in the child processes, see ./proc.ts).
 */
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { EXIT_SKIP } from './proc.js'

/** Same long secret everywhere (>= 32 chars); benchmarks only. */
export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789'

/** The user every authenticated target logs in as. */
export const BENCH_USER = { id: 'u_bench_1', email: 'bench@example.com' }

/** Listen on 127.0.0.1 (or $HOST), port `port` (0 = a free one); returns the port bound. */
export async function listenOn (app: FastifyInstance, port: number): Promise<number> {
  await app.listen({ host: process.env.HOST ?? '127.0.0.1', port })
  const addr = app.server.address()
  return typeof addr === 'object' && addr !== null ? addr.port : port
}

/** Listen on 127.0.0.1:$PORT (0 = free port), print the port for the harness, stop on SIGTERM. */
export async function listenAndAnnounce (app: FastifyInstance, onClose?: () => Promise<void> | void): Promise<number> {
  const port = await listenOn(app, Number(process.env.PORT ?? 0))
  process.stdout.write(JSON.stringify({ event: 'listening', port }) + '\n')
  let closing = false
  const shutdown = async (): Promise<void> => {
    if (closing) return
    closing = true
    const force = setTimeout(() => process.exit(0), 3000)
    force.unref()
    try {
      await app.close()
      await onClose?.()
    } finally {
      process.exit(0)
    }
  }
  process.once('SIGTERM', () => { void shutdown() })
  process.once('SIGINT', () => { void shutdown() })
  return port
}

/** Tell the harness this target cannot run here, and why. */
export function skip (reason: string): never {
  process.stderr.write(`SKIP: ${reason}\n`)
  process.exit(EXIT_SKIP)
}

/**
 * Counts the commands `redis` sends, by name, into the returned object (served by the targets
 * as the test-only `GET /__redis-sent`): one sent command = one round trip.
 */
export function countSentCommands (redis: Redis): Record<string, number> {
  const sent: Record<string, number> = {}
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((command: { name: string }, stream?: unknown) => {
    sent[command.name] = (sent[command.name] ?? 0) + 1
    return send(command as never, stream as never)
  }) as typeof redis.sendCommand
  return sent
}
