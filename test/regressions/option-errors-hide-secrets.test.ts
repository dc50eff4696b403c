// A too-short `secret` used to be echoed into the option error (and so into logs and error
// trackers). Option errors describe a secret's shape, never its value.
import t from 'tap'
import Fastify from 'fastify'
import magicLink, { type MagicLinkOptions } from '../../src/index.js'

const base = { origin: 'https://app.example.com', users: { find: () => null } }

for (const [name, secret, shape] of [
  ['a short string', 'hunter2-is-my-secret', /got a string of 20 characters/],
  ['an array with a short one', ['a-long-enough-secret-0123456789abcdef', 'short-rotated-secret'], /got an array whose item 1 is a string of 20 characters/],
  ['an empty array', [], /got an empty array/],
  ['a number', 12345678, /got number/],
  ['null', null, /got null/],
] as const) {
  t.test(`secret: ${name}`, async (t) => {
    const lines: string[] = []
    const app = Fastify({ logger: { level: 'trace', stream: { write: (l: string) => { lines.push(l) } } } })
    app.register(magicLink, { ...base, secret } as unknown as MagicLinkOptions)
    const error = await app.ready().then(() => null, (e: Error & { code?: string }) => e)
    t.equal(error?.code, 'FST_MAGIC_LINK_OPTIONS')
    t.match(error?.message, /`secret`/, 'names the option')
    t.match(error?.message, shape, 'describes the shape')
    const values = (Array.isArray(secret) ? secret : [secret]).filter((v) => v !== null).map(String)
    for (const v of values) {
      t.notOk(error?.message.includes(v), 'the value is not in the message')
      t.notOk(JSON.stringify(error).includes(v), 'nor anywhere in the error')
      t.notOk(lines.some((l) => l.includes(v)), 'nor in the log')
    }
  })
}
