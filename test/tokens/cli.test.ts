import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { signInFromTerminal, texts } from '../../examples/cli.js'
import { build, tokenOf, type TestApp } from '../helpers/app.js'

async function serve (t: Test): Promise<TestApp & { baseUrl: string }> {
  const a = await build({ session: { transports: ['cookie', 'token'] } })
  t.teardown(() => a.app.close())
  await a.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...a, baseUrl: `http://127.0.0.1:${(a.app.server.address() as AddressInfo).port}` }
}

/** Lines the person types, pushed by the test. */
function keyboard (): { lines: AsyncIterable<string>, type: (line: string) => void, close: () => void } {
  const queue: string[] = []
  let wake: (() => void) | null = null
  let closed = false
  return {
    type (line) { queue.push(line); wake?.() },
    close () { closed = true; wake?.() },
    lines: {
      async * [Symbol.asyncIterator] () {
        for (;;) {
          while (queue.length > 0) yield queue.shift() as string
          if (closed) return
          await new Promise<void>((resolve) => { wake = resolve })
          wake = null
        }
      },
    },
  }
}

t.test('the CLI signs in when another device approves, then calls /me with its bearer token', async (t) => {
  const a = await serve(t)
  const out: string[] = []
  const keys = keyboard()
  const running = signInFromTerminal({ email: 'known@example.com', baseUrl: a.baseUrl, lines: keys.lines, print: (l) => out.push(l), texts: texts('en_US.UTF-8') })
  const mail = (await a.mails(1))[0]
  for (let i = 0; i < 100 && !out.some((l) => /this code there: /.test(l)); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  const code = /this code there: ([A-Z]{3}-[A-Z]{3})/.exec(out.join('\n'))?.[1] as string
  t.match(code, /^[A-Z]{3}-[A-Z]{3}$/, 'the match code is printed')
  const approve = await a.app.inject({ method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link as string), code } })
  t.equal(approve.statusCode, 200)
  const me = await running
  keys.close()
  t.match(me, { session: { userId: 'u1' } }, '/me answered with the session')
  t.match(out.join('\n'), /Signed in\. GET \/me answered:/)
})

t.test('the CLI takes the mail code typed in the terminal, and says when a code is wrong', async (t) => {
  const a = await serve(t)
  const out: string[] = []
  const keys = keyboard()
  const running = signInFromTerminal({ email: 'known@example.com', baseUrl: a.baseUrl, lines: keys.lines, print: (l) => out.push(l), texts: texts('de_DE.UTF-8') })
  const otp = (await a.mails(1))[0]?.ctx?.otp as string
  keys.type('not a code')
  keys.type(otp === '000000' ? '111111' : '000000')
  keys.type(otp)
  const me = await running
  keys.close()
  t.match(me, { session: { userId: 'u1' } })
  t.ok(out.includes('Dieser Code stimmt nicht. Bitte versuchen Sie es erneut.'), 'the wrong code is reported, in German')
  t.match(out[0], /Anmeldelink für known@example\.com wird angefordert/)
})

t.test('the CLI reports a sign-in that does not complete', async (t) => {
  const a = await serve(t)
  const out: string[] = []
  const keys = keyboard()
  const stop = new AbortController()
  const running = signInFromTerminal({ email: 'known@example.com', baseUrl: a.baseUrl, lines: keys.lines, print: (l) => out.push(l), texts: texts(''), signal: stop.signal })
  await a.mails(1)
  stop.abort()
  t.equal(await running, null)
  keys.close()
  t.match(out.at(-1), 'The sign-in did not complete (aborted).')
})
