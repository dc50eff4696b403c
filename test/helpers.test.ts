import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import nodemailer from 'nodemailer'
import { startRedis, startCluster } from './helpers/redis.js'
import { startSmtpSink } from './helpers/smtp.js'
import { freePort } from './helpers/ports.js'

/** Whether something accepts TCP connections on the loopback port. */
function listening (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/** Polls `check` until it holds; for effects of another process that exits on its own time. */
async function eventually (check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(50)
  }
  return false
}

const closed = (port: number) => async () => !(await listening(port))
const removed = (dir: string) => () => !existsSync(dir)

t.test('freePort', async (t) => {
  const port = await freePort({ offsets: [10000] })
  t.ok(port > 0 && port + 10000 <= 65535, 'port and its offset are valid ports')
  t.notOk(await listening(port), 'nothing listens on it')
})

t.test('startRedis: a private server, killed and restarted on the same port', async (t) => {
  const redis = await startRedis({ args: ['--maxmemory', '12mb'] })
  t.teardown(() => redis.stop())
  t.not(redis.port, 6379, 'never the shared server')
  t.equal(redis.url, `redis://127.0.0.1:${redis.port}`)

  const client = redis.client({ maxRetriesPerRequest: 0 })
  t.equal(await client.set('k', 'v'), 'OK')
  t.equal(await client.get('k'), 'v')
  t.same(await client.config('GET', 'maxmemory'), ['maxmemory', String(12 * 1024 * 1024)], 'extra args reach the server')
  t.same(await client.config('GET', 'save'), ['save', ''], 'no RDB snapshots')

  await redis.kill()
  t.notOk(await listening(redis.port), 'a killed server is gone at once')
  await t.rejects(client.get('k'), 'commands fail while it is down')

  // Listen before restarting: the client may reconnect (and emit 'ready') before a listener
  // attached afterwards would exist, and that wait would never end.
  // Not events.once: it rejects on the client's reconnection 'error' (ECONNREFUSED while the
  // server is down), and that rejection went unhandled until the await below.
  const nextReady = (): Promise<void> => new Promise((resolve) => { client.once('ready', () => { resolve() }) })
  let ready = nextReady()
  await redis.restart()
  t.ok(await listening(redis.port), 'restarted on the same port')
  await ready
  t.equal(await client.get('k'), null, 'the client reconnects; nothing was persisted')
  t.equal(await client.set('k', 'w'), 'OK')

  ready = nextReady()
  await redis.restart()
  t.equal(await redis.client().get('k'), null, 'restart of a running server starts it afresh')
  await ready

  await redis.stop()
  t.equal(client.status, 'end', 'stop() quits the tracked clients')
  t.notOk(await listening(redis.port), 'stop() ends the server')
  t.notOk(existsSync(redis.dir), 'stop() removes its directory')
  await redis.stop()
  t.pass('stop() is idempotent')
})

t.test('startRedis: nothing outlives the process that started it', async (t) => {
  const helper = fileURLToPath(new URL('./helpers/redis.ts', import.meta.url))
  const script = `
    import { startRedis } from ${JSON.stringify(helper)}
    const redis = await startRedis()
    process.stdout.write(JSON.stringify({ port: redis.port, dir: redis.dir }) + '\\n')
    if (process.argv[1] === 'hang') setInterval(() => {}, 1000)
  `
  const run = async (mode: 'exit' | 'hang'): Promise<{ port: number, dir: string }> => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, mode], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.setEncoding('utf8')
    const started = new Promise<{ port: number, dir: string }>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk
        if (out.includes('\n')) resolve(JSON.parse(out) as { port: number, dir: string })
      })
      child.once('exit', (code) => reject(new Error(`child exited (${String(code)}) before starting redis: ${out}`)))
    })
    const info = await started
    if (mode === 'hang') child.kill('SIGKILL')
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit')
    return info
  }

  const [exited, killed] = await Promise.all([run('exit'), run('hang')])
  t.ok(await eventually(closed(exited.port)), 'the exit hook kills redis when the process ends without stop()')
  t.ok(await eventually(removed(exited.dir)), 'and removes its directory')
  t.ok(await eventually(closed(killed.port)), 'the watchdog kills redis when the process is SIGKILLed')
  t.ok(await eventually(removed(killed.dir)), 'and removes its directory')
})

t.test('startCluster: three masters, keys spread over them', async (t) => {
  const started = await startCluster()
  if ('skip' in started) {
    t.comment(`cluster tests skipped: ${started.skip}`)
    t.pass('redis cluster', { skip: started.skip })
    return
  }
  t.teardown(() => started.stop())
  t.equal(started.ports.length, 3)
  t.notOk(started.ports.includes(6379), 'never the shared server')

  const cluster = started.cluster()
  await once(cluster, 'ready')
  const keys = 'abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `key:${c}`)
  await Promise.all(keys.map((key) => cluster.set(key, key)))
  t.same(await Promise.all(keys.map((key) => cluster.get(key))), keys, 'every key reads back')

  const masters = cluster.nodes('master')
  t.equal(masters.length, 3, 'three masters')
  const sizes = await Promise.all(masters.map((node) => node.dbsize()))
  t.equal(sizes.reduce((a, b) => a + b, 0), keys.length, 'each key stored once')
  t.ok(sizes.every((size) => size > 0), `keys land on every node (${sizes.join('/')})`)

  await started.stop()
  t.equal(cluster.status, 'end', 'stop() quits the tracked cluster clients')
  for (const port of started.ports) t.notOk(await listening(port), `node ${port} is stopped`)
})

t.test('startSmtpSink: receives a mail sent by nodemailer', async (t) => {
  const sink = await startSmtpSink()
  t.teardown(() => sink.stop())
  t.equal(sink.transportOptions.ignoreTLS, true, 'no STARTTLS by default')
  const transport = nodemailer.createTransport(sink.transportOptions)
  t.teardown(() => transport.close())

  const info = await transport.sendMail({
    from: 'Login <login@example.com>',
    to: 'alice@example.com',
    subject: 'Your sign-in link',
    text: 'Open https://app.example.com/verify?t=abc to sign in.'
  })
  t.same(info.accepted, ['alice@example.com'])
  const [message, ...more] = await sink.waitFor(1)
  t.equal(more.length, 0, 'exactly one message')
  t.same(message?.envelope, { from: 'login@example.com', to: ['alice@example.com'] })
  t.equal(message?.parsed.subject, 'Your sign-in link')
  t.equal(message?.parsed.text?.trim(), 'Open https://app.example.com/verify?t=abc to sign in.')
  t.match(message?.raw, /^Subject: Your sign-in link\r$/m, 'raw source is kept')
  t.equal(message?.secure, false)

  await t.rejects(sink.waitFor(2, 100), /expected 2 message\(s\) within 100 ms, got 1/, 'waitFor times out with a clear error')
})

t.test('startSmtpSink: STARTTLS with a self-signed certificate', async (t) => {
  const sink = await startSmtpSink({ tls: true })
  t.teardown(() => sink.stop())
  t.equal(sink.transportOptions.ignoreTLS, undefined)
  const transport = nodemailer.createTransport({ ...sink.transportOptions, requireTLS: true })
  t.teardown(() => transport.close())
  await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'tls', text: 'over tls' })
  const [message] = await sink.waitFor(1)
  t.equal(message?.secure, true, 'the session was upgraded')
  t.equal(message?.parsed.text?.trim(), 'over tls')
})

t.test('startSmtpSink: a refusing sink makes sendMail reject', async (t) => {
  const sink = await startSmtpSink({ refuse: true })
  t.teardown(() => sink.stop())
  const transport = nodemailer.createTransport(sink.transportOptions)
  t.teardown(() => transport.close())
  const err: unknown = await transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'x', text: 'x' })
    .then(() => null, (e: unknown) => e)
  t.match(err, { code: 'EENVELOPE', responseCode: 550 }, 'sendMail rejects with the 550')
  t.equal(sink.messages.length, 0, 'nothing recorded')
})

t.test('startSmtpSink: a stalled sink delays acceptance', async (t) => {
  const stallMs = 400
  const sink = await startSmtpSink({ stallMs })
  t.teardown(() => sink.stop())
  const transport = nodemailer.createTransport(sink.transportOptions)
  t.teardown(() => transport.close())

  const started = Date.now()
  const sent = transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'slow', text: 'slow' })
  await sleep(stallMs / 2)
  t.equal(sink.messages.length, 0, 'not recorded while stalled')
  await sent
  t.ok(Date.now() - started >= stallMs - 20, `sendMail took at least ${stallMs} ms`)
  t.equal(sink.messages.length, 1)

  const pending = t.rejects(
    transport.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'cut', text: 'cut' }),
    'the stalled delivery fails'
  )
  await sleep(100)
  const stopping = Date.now()
  await sink.stop()
  t.ok(Date.now() - stopping < stallMs, 'stop() does not wait for a stalled delivery')
  await pending
})
