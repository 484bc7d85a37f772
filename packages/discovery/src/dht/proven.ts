import { tryParseAddress } from '@chainwire/interface'
import type { DiscoveryPeer } from '../components'

/** Where a connected peer can be reached, split by what its connection proves. */
export interface ConnectionAddresses {
  /**
   * Addresses the connection proves: the one we dialed (the handshake proved the peer id there), or, for an
   * inbound connection, an announced listen address that is the connection's remote address.
   */
  proven: string[]
  /** Its other announced listen addresses: its own claims, dialable by us, never served or counted. */
  claimed: string[]
  /** The connection's real remote end: what the DHT's per-subnet limits count. */
  remoteAddress: string
}

/** What a connection tells about where its peer can be reached; see {@link ConnectionAddresses}. */
export function connectionAddresses(peer: DiscoveryPeer): ConnectionAddresses {
  const remote = canonical(peer.remoteAddress)
  const proven: string[] = []
  const claimed: string[] = []
  if (peer.direction === 'outbound' && peer.dialedAddress !== undefined) proven.push(peer.dialedAddress)
  for (const a of peer.hello.listenAddrs.slice(0, 8)) {
    const c = canonical(a)
    if (c === undefined || proven.includes(c)) continue
    if (peer.direction === 'inbound' && c === remote) proven.push(c)
    else if (!claimed.includes(c)) claimed.push(c)
  }
  return { proven, claimed, remoteAddress: peer.remoteAddress }
}

function canonical(address: string): string | undefined {
  return tryParseAddress(address)?.address
}
