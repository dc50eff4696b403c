// `Fastify({ exposeHeadRoutes: false })`: mail scanners send HEAD for links. The plugin serves
// HEAD of a link itself (no state change, no body), so it never falls through to the app's 404
// handler, which logs the URL with the token in it.
import t from 'tap'
import Fastify from 'fastify'
import magicLink from '../../src/index.js'
import { Jar, send } from '../helpers/app.js'
import { options, outbox } from '../helpers/ecosystem.js'

for (const exposeHeadRoutes of [false, true]) {
  t.test(`exposeHeadRoutes: ${String(exposeHeadRoutes)}: HEAD of a link is served, logs no token, changes nothing`, async (t) => {
    const box = outbox()
    const logs: string[] = []
    const app = Fastify({ exposeHeadRoutes, logger: { level: 'trace', stream: { write: (line: string) => { logs.push(line) } } } })
    await app.register(magicLink, options(box))
    await app.ready()
    t.teardown(() => app.close())

    const jar = new Jar()
    await send(app, jar, { method: 'POST', url: '/auth/request', payload: { email: 'known@example.com' } })
    const link = new URL((await box.nth(0)).ctx?.link as string)
    const token = link.searchParams.get('token') as string
    for (let i = 0; i < 3; i++) {
      const head = await app.inject({ method: 'HEAD', url: link.pathname + link.search })
      t.equal(head.statusCode, 200, 'HEAD answers like GET')
      t.equal(head.body, '', 'without a body')
      t.match(head.headers['content-type'], /text\/html/)
      t.equal(head.headers['cache-control'], 'no-store')
      t.equal(head.headers['referrer-policy'], 'no-referrer')
    }
    const page = await send(app, jar, { method: 'GET', url: link.pathname + link.search })
    t.equal(page.statusCode, 200, 'the link still opens')
    const done = await send(app, jar, { method: 'POST', url: '/auth/verify', payload: { token } })
    t.equal(done.statusCode, 200, 'and still signs in once: the HEADs changed nothing')
    t.ok(logs.length > 0, 'requests were logged')
    t.notOk(logs.some((line) => line.includes(token) || line.includes(token.split('.')[1] as string)), 'no log line holds the token or its secret')
  })
}
