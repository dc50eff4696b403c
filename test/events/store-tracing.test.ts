import t from 'tap'
import { tracingChannel } from 'node:diagnostics_channel'
import { STORE_CHANNEL, type StoreTraceContext } from '../../src/index.js'
import { storeTraced } from '../../src/events.js'
import { ask, build, Jar, send, tokenOf } from '../helpers/app.js'
import { failingGetFlow, UNKNOWN_TOKEN } from '../helpers/failing-store.js'

type Traced = StoreTraceContext & { result?: unknown, error?: unknown }

/** Subscribes to the store tracing channel; `seen` gets `phase:method` in order. */
function trace (): { seen: string[], errors: Traced[], stop: () => void } {
  const seen: string[] = []
  const errors: Traced[] = []
  const channel = tracingChannel<unknown, Traced>(STORE_CHANNEL)
  const handlers = {
    start: (c: Traced) => { seen.push(`start:${c.method}`) },
    end: (c: Traced) => { seen.push(`end:${c.method}`) },
    asyncStart: (c: Traced) => { seen.push(`asyncStart:${c.method}`) },
    asyncEnd: (c: Traced) => { seen.push(`asyncEnd:${c.method}`) },
    error: (c: Traced) => {
      seen.push(`error:${c.method}`)
      errors.push(c)
    },
  }
  channel.subscribe(handlers)
  return { seen, errors, stop: () => { channel.unsubscribe(handlers) } }
}

t.test('every store call of a login runs inside the tracing channel, start to end', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  t.equal(storeTraced(), false, 'nobody listens: calls are not wrapped')
  const tr = trace()
  t.teardown(tr.stop)
  t.equal(storeTraced(), true)
  const jar = new Jar()
  await ask(a, jar)
  const [mail] = await a.mails(1)
  await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link as string) } })
  const methods = tr.seen.filter((s) => s.startsWith('start:')).map((s) => s.slice(6))
  // publishFlow: the sign-in wakes the asking tab's long-poll once the response is sent.
  t.same(methods, ['hit', 'createFlow', 'hit', 'verifyFlow', 'createSession', 'publishFlow'])
  for (const m of methods) {
    const phases = tr.seen.filter((s) => s.endsWith(`:${m}`)).map((s) => s.split(':')[0])
    t.same([...new Set(phases)].sort(), ['asyncEnd', 'asyncStart', 'end', 'start'], `${m}: start, end, asyncStart, asyncEnd`)
  }
  t.same(tr.errors, [])
  tr.stop()
  t.equal(storeTraced(), false)
})

t.test('a failing store call publishes its error; the route answers 503', async (t) => {
  const { store, throwNext } = failingGetFlow()
  const a = await build({ store })
  t.teardown(() => a.app.close())
  const tr = trace()
  t.teardown(tr.stop)
  const res = await send(a.app, new Jar(), { method: 'GET', url: `/auth/verify?token=${UNKNOWN_TOKEN}` })
  t.equal(res.statusCode, 503)
  t.match(res.body, /<!doctype html>/i, 'the page of the error, as for any GET')
  t.equal(tr.errors.length, 1)
  t.equal(tr.errors[0]?.method, 'getFlow')
  t.match((tr.errors[0]?.error as Error).message, /connection reset/)
  // A call that throws before returning a promise is traced as an error too.
  throwNext()
  const thrown = await send(a.app, new Jar(), { method: 'GET', url: `/auth/verify?token=${UNKNOWN_TOKEN}` })
  t.equal(thrown.statusCode, 503)
  t.match((tr.errors[1]?.error as Error).message, /thrown synchronously/)
})
