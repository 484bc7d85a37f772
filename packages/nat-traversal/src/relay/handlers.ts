import type { Network } from '@chainwire/network'
import type { RelayClient } from './relay-client'
import type { RelayServer } from './relay-server'

/**
 * Registers the relay messages on a network: `relay_reserve` (served by the relay role), and `relay_connect`,
 * which a dialer sends a relay (no token: the relay role answers) and a relay sends the target of a circuit
 * (with a token: the client role answers). A node may run either role or both; a role it does not run answers
 * `permission_denied`. Returns a function that removes the handlers.
 */
export function registerRelayHandlers(
  network: Pick<Network, 'handle'>,
  roles: { server?: RelayServer; client?: RelayClient },
): () => void {
  const denied = { type: 'relay_status', data: { status: 'permission_denied' } } as const
  const offs = [
    network.handle('relay_reserve', (_message, peer) => roles.server?.reserve(peer) ?? denied),
    network.handle('relay_connect', (message, peer) => {
      if (message.data.circuit !== undefined) return roles.client?.accept(message, peer) ?? denied
      return roles.server?.connect(message, peer) ?? denied
    }),
  ]
  return () => {
    for (const off of offs) off()
  }
}
