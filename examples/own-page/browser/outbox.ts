/** The dev outbox reloads itself when a new mail arrives. */
import { byId } from './dom.js'

const shown = byId('outbox').dataset.count
setInterval(() => {
  fetch('/outbox.json', { cache: 'no-store' })
    .then(async (res) => await res.json() as { count: number })
    .then(({ count }) => { if (String(count) !== shown) location.reload() })
    .catch(() => { /* the server is restarting: try again at the next tick */ })
}, 2000)
