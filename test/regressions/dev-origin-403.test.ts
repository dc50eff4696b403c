// In development a 403 for a foreign Origin names the origin the plugin expects (a mismatched
// `origin` option is the usual first-hour mistake); in production it stays terse.
import t from 'tap'
import { build } from '../helpers/app.js'

const ask = { method: 'POST' as const, url: '/auth/request', payload: { email: 'known@example.com' } }

t.test('development: the message names the expected origin and what came', async (t) => {
  const a = await build()
  t.teardown(() => a.app.close())
  const foreign = await a.app.inject({ ...ask, headers: { origin: 'http://localhost:5173' } })
  t.equal(foreign.statusCode, 403)
  t.equal(foreign.json().code, 'FST_MAGIC_LINK_FORBIDDEN_ORIGIN')
  t.match(foreign.json().message, /Origin "http:\/\/localhost:5173" is not the app's origin; expected requests from https:\/\/app\.example\.com \(the `origin` option\)/)
  const site = await a.app.inject({ ...ask, headers: { 'sec-fetch-site': 'cross-site' } })
  t.equal(site.statusCode, 403)
  t.match(site.json().message, /Sec-Fetch-Site: cross-site; expected requests from https:\/\/app\.example\.com/)
  const long = await a.app.inject({ ...ask, headers: { origin: `https://${'a'.repeat(500)}.example` } })
  t.ok(long.json().message.length < 300, 'a long Origin is cut short')
})

t.test('production: the generic message only', async (t) => {
  const before = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  t.teardown(() => { process.env.NODE_ENV = before })
  const a = await build({ mail: { transport: { sendMail: async () => ({}) }, from: 'login@app.example.com' } })
  t.teardown(() => a.app.close())
  const res = await a.app.inject({ ...ask, headers: { origin: 'https://evil.example' } })
  t.equal(res.statusCode, 403)
  t.equal(res.json().message, 'Cross-origin request refused')
})
