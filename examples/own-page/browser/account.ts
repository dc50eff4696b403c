/** `/account`: sign out here, or everywhere. */
import { createClient } from '../../../src/client/index.js'
import { byId, problemText, showError } from './dom.js'

const client = createClient()
const error = byId('account-error')

for (const [id, action] of [['logout', () => client.logout()], ['logout-all', () => client.logoutAll()]] as const) {
  const button = byId<HTMLButtonElement>(id)
  button.addEventListener('click', () => {
    button.disabled = true
    action().then(() => location.assign('/'), () => {
      button.disabled = false
      showError(error, problemText(null))
    })
  })
}
