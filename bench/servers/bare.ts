/** Baseline: GET /me answers a constant JSON, no plugin at all. */
import Fastify from 'fastify'
import { BENCH_USER, listenAndAnnounce } from '../lib/server-util.js'

const app = Fastify({ logger: false })
const body = { user: { id: BENCH_USER.id } }
app.get('/me', async () => body)
await listenAndAnnounce(app)
