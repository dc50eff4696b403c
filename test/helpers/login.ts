import { ask, Jar, send, tokenOf, type TestApp } from './app.js'

/** Signs `email` in through the same-browser flow; returns the browser's jar. */
export async function signIn (a: TestApp, email = 'known@example.com', jar = new Jar()): Promise<Jar> {
  const before = a.outbox.length
  await ask(a, jar, email)
  const mail = (await a.mails(before + 1))[before]
  const res = await send(a.app, jar, { method: 'POST', url: '/auth/verify', payload: { token: tokenOf(mail?.ctx?.link as string) } })
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
  return jar
}
