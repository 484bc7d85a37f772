import type { PeerId } from '@chainwire/interface'
import type { Network, PeerInfo } from '@chainwire/network'
import { NatError } from './errors'
import type { HolePuncher } from './holepunch/hole-puncher'
import type { RelayClient } from './relay/relay-client'

/** One way to reach a peer. */
export type ConnectionCandidate =
  /** A public address the peer listens on. */
  | { readonly kind: 'direct'; readonly address: string }
  /** An address its router maps to it (UPnP / NAT-PMP / PCP). */
  | { readonly kind: 'mapped'; readonly address: string }
  /** Through a relay it holds a reservation on (then, if possible, punched to a direct connection). */
  | { readonly kind: 'relayed'; readonly relay: PeerId; readonly relayAddress: string }

/** Which candidate won, and how each tried one went. */
export interface CandidateResult {
  readonly peer: PeerInfo
  /** `punched` when a relayed connection was upgraded to a direct one. */
  readonly winner: 'direct' | 'mapped' | 'relayed' | 'punched'
  readonly tried: readonly { kind: ConnectionCandidate['kind']; error?: string }[]
}

const RANK: Record<ConnectionCandidate['kind'], number> = { direct: 0, mapped: 1, relayed: 2 }

/**
 * Connects to a peer by its best candidate first: direct public addresses, then mapped ones, then relays;
 * each failure falls through to the next. A relayed connection is then offered to the hole puncher (when
 * given): if the punch succeeds the winner is `punched`, otherwise the connection stays relayed. Rejects
 * with `ERR_NO_CANDIDATE` (every try in `details.tried`) when none connects.
 */
export async function dialCandidates(
  components: {
    network: Pick<Network, 'dial' | 'getPeer'>
    relayClient?: Pick<RelayClient, 'dial'>
    puncher?: Pick<HolePuncher, 'upgrade'>
  },
  peerId: PeerId,
  candidates: readonly ConnectionCandidate[],
  options: { signal?: AbortSignal } = {},
): Promise<CandidateResult> {
  const tried: { kind: ConnectionCandidate['kind']; error?: string }[] = []
  const ordered = [...candidates].sort((a, b) => RANK[a.kind] - RANK[b.kind])
  for (const c of ordered) {
    try {
      if (c.kind !== 'relayed') {
        const peer = await components.network.dial(c.address, { peerId, signal: options.signal })
        tried.push({ kind: c.kind })
        return { peer, winner: c.kind, tried }
      }
      if (components.relayClient === undefined) throw new NatError('ERR_CIRCUIT_FAILED', 'no relay client')
      if (components.network.getPeer(c.relay) === undefined) {
        await components.network.dial(c.relayAddress, { peerId: c.relay, signal: options.signal })
      }
      const relayed = await components.relayClient.dial(peerId, c.relay, options)
      tried.push({ kind: c.kind })
      if (components.puncher !== undefined) {
        try {
          const upgraded = await components.puncher.upgrade(peerId, options)
          return { peer: upgraded.peer, winner: 'punched', tried }
        } catch {
          // Staying relayed is the fallback, not a failure.
        }
      }
      return { peer: components.network.getPeer(peerId) ?? relayed, winner: 'relayed', tried }
    } catch (err) {
      tried.push({ kind: c.kind, error: (err as { code?: string }).code ?? (err as Error).message })
    }
  }
  throw new NatError('ERR_NO_CANDIDATE', `no candidate reached ${peerId}`, { peerId, tried })
}
