import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { SMTPServer, type SMTPServerError, type SMTPServerSession } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { LOOPBACK } from './ports.js'

export interface SmtpMessage {
  /** The SMTP envelope (MAIL FROM / RCPT TO), not the headers; `from` is '' for the null sender. */
  envelope: { from: string, to: string[] }
  /** The message exactly as received after DATA. */
  raw: string
  parsed: ParsedMail
  /** Whether the session was upgraded with STARTTLS before DATA. */
  secure: boolean
}

/** Options for `nodemailer.createTransport()` that reach this sink. */
export interface SmtpTransportOptions {
  host: string
  port: number
  secure: false
  ignoreTLS?: boolean
  tls: { rejectUnauthorized: false }
}

export interface SmtpSinkOptions {
  /** Answer every RCPT TO and DATA with 550. */
  refuse?: boolean
  /** Hold the reply to DATA this long before accepting (and recording) the message. */
  stallMs?: number
  /** Implicit TLS is not supported: the sink is plain SMTP, optionally with STARTTLS. */
  secure?: false
  /** Offer STARTTLS with a throwaway self-signed certificate. Default false: no STARTTLS. */
  tls?: boolean
}

export interface SmtpSink {
  readonly port: number
  /** Accepted messages in arrival order. */
  readonly messages: SmtpMessage[]
  /** Resolves with every message accepted so far once there are at least `n`; rejects after `timeoutMs`. */
  waitFor (n: number, timeoutMs?: number): Promise<SmtpMessage[]>
  readonly transportOptions: SmtpTransportOptions
  /** Closes the server; stalled deliveries are answered 421. Idempotent. */
  stop (): Promise<void>
}

function smtpError (responseCode: number, message: string): SMTPServerError {
  const err: SMTPServerError = new Error(message)
  err.responseCode = responseCode
  return err
}

function readAll (stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.once('end', () => resolve(Buffer.concat(chunks)))
    stream.once('error', reject)
  })
}

let certificate: Promise<{ key: string, cert: string }> | null = null

/** One RSA key and self-signed `CN=localhost` certificate per process, made by openssl. */
function selfSignedCertificate (): Promise<{ key: string, cert: string }> {
  certificate ??= new Promise((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), 'fml-smtp-cert-'))
    const keyPath = join(dir, 'key.pem')
    const certPath = join(dir, 'cert.pem')
    execFile('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
      '-keyout', keyPath, '-out', certPath
    ], { timeout: 20000 }, (err, _stdout, stderr) => {
      try {
        if (err !== null) throw new Error(`openssl could not make a test certificate: ${err.message}\n${stderr}`)
        resolve({ key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') })
      } catch (e) {
        certificate = null
        reject(e)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
  return certificate
}

interface Waiter { n: number, resolve: (messages: SmtpMessage[]) => void, timer: NodeJS.Timeout }
interface Stall { timer: NodeJS.Timeout, release: (err: Error | null) => void }

export async function startSmtpSink (opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const tls = opts.tls === true
  const stallMs = opts.stallMs ?? 0
  const messages: SmtpMessage[] = []
  const waiters = new Set<Waiter>()
  const stalls = new Set<Stall>()
  const keyCert = tls ? await selfSignedCertificate() : {}

  const record = (message: SmtpMessage): void => {
    messages.push(message)
    for (const waiter of waiters) {
      if (messages.length < waiter.n) continue
      clearTimeout(waiter.timer)
      waiters.delete(waiter)
      waiter.resolve(messages.slice())
    }
  }

  const stall = (): Promise<void> => {
    if (stallMs <= 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const entry: Stall = {
        timer: setTimeout(() => entry.release(null), stallMs),
        release: (err) => {
          clearTimeout(entry.timer)
          stalls.delete(entry)
          if (err === null) resolve()
          else reject(err)
        }
      }
      stalls.add(entry)
    })
  }

  const onData = async (stream: Readable, session: SMTPServerSession): Promise<void> => {
    const raw = await readAll(stream)
    if (opts.refuse === true) throw smtpError(550, 'Message refused by test sink')
    await stall()
    const mailFrom = session.envelope.mailFrom
    record({
      envelope: {
        from: mailFrom === false ? '' : mailFrom.address,
        to: session.envelope.rcptTo.map((rcpt) => rcpt.address)
      },
      raw: raw.toString('utf8'),
      parsed: await simpleParser(raw),
      secure: session.secure === true
    })
  }

  const server = new SMTPServer({
    ...keyCert,
    secure: false,
    authOptional: true,
    // Any credentials are accepted, so a transport configured with auth works against the sink.
    allowInsecureAuth: true,
    disabledCommands: tls ? [] : ['STARTTLS'],
    logger: false,
    // stop() must not wait the default 30 s for a client that keeps its connection open.
    closeTimeout: 100,
    onAuth (auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' })
    },
    onRcptTo (_address, _session, callback) {
      if (opts.refuse === true) callback(smtpError(550, 'Recipient refused by test sink'))
      else callback()
    },
    onData (stream, session, callback) {
      onData(stream, session).then(() => callback(), (err: Error) => callback(err))
    }
  })
  // Client resets and TLS errors surface here; they must not crash the test process.
  server.on('error', () => {})

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(0, LOOPBACK, () => {
      server.server.off('error', reject)
      resolve()
    })
  })
  const address = server.server.address()
  if (address === null || typeof address === 'string') throw new Error('SMTP sink has no TCP address')
  const port = address.port

  let stopped: Promise<void> | null = null

  return {
    port,
    messages,
    waitFor (n: number, timeoutMs = 5000): Promise<SmtpMessage[]> {
      if (messages.length >= n) return Promise.resolve(messages.slice())
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          n,
          resolve,
          timer: setTimeout(() => {
            waiters.delete(waiter)
            reject(new Error(`SMTP sink: expected ${n} message(s) within ${timeoutMs} ms, got ${messages.length}`))
          }, timeoutMs)
        }
        waiters.add(waiter)
      })
    },
    transportOptions: {
      host: LOOPBACK,
      port,
      secure: false,
      ...(tls ? {} : { ignoreTLS: true }),
      tls: { rejectUnauthorized: false }
    },
    stop (): Promise<void> {
      stopped ??= new Promise((resolve) => {
        for (const entry of stalls) entry.release(smtpError(421, 'Test sink shutting down'))
        server.close(() => resolve())
      })
      return stopped
    }
  }
}
