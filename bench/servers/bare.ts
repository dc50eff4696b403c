/** Baseline: GET /me answers `{ user: { id } }` built per request (as the authenticated route does), no plugin at all. */
import Fastify from 'fastify'
import { BENCH_USER, listenAndAnnounce } from '../lib/server-util.js'

const app = Fastify({ logger: false })
// The same response as the authenticated route builds, built per request as it does.
app.get('/me', async () => ({ user: { id: BENCH_USER.id } }))
await listenAndAnnounce(app)
