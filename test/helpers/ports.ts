import net from 'node:net'

export const LOOPBACK = '127.0.0.1'

function listenOnce (port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.unref()
    server.once('error', () => resolve(null))
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address()
      const bound = typeof address === 'object' && address !== null ? address.port : null
      server.close(() => resolve(bound))
    })
  })
}

/**
 * A loopback port that was free a moment ago, picked by the kernel (`listen(0)`).
 *
 * `offsets` asks for a port whose `port + offset` is free as well: a Redis Cluster node also
 * binds its bus on `port + 10000`. Another process can still take the port before the caller
 * binds it, so servers started on it retry with a new port when the bind fails.
 */
export async function freePort (opts: { offsets?: readonly number[] } = {}): Promise<number> {
  const offsets = opts.offsets ?? []
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await listenOnce(0)
    if (port === null) continue
    let ok = true
    for (const offset of offsets) {
      const other = port + offset
      if (other > 65535 || (await listenOnce(other)) !== other) {
        ok = false
        break
      }
    }
    if (ok) return port
  }
  throw new Error(`freePort: no free loopback port found (offsets: ${offsets.join(', ') || 'none'})`)
}
