import { type Clock, type PeerId, systemClock } from '@chainwire/interface'
import type { Network, PeerConnectedEvent, PeerInfo } from '@chainwire/network'
import { NatError } from './errors'
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
 * each failure falls through to the next. Over a relay, the peer that accepted the circuit starts the hole
 * punch (DCUtR); with `punchWaitMs` the dialer waits that long for the connection to turn direct, and
 * reports `punched` if it did (otherwise it stays `relayed`). Rejects with `ERR_NO_CANDIDATE` (every try in
 * `details.tried`) when none connects.
 */
export async function dialCandidates(
  components: {
    network: Pick<Network, 'dial' | 'getPeer' | 'on' | 'off'>
    relayClient?: Pick<RelayClient, 'dial' | 'isRelayed'>
    clock?: Clock
  },
  peerId: PeerId,
  candidates: readonly ConnectionCandidate[],
  options: { signal?: AbortSignal; punchWaitMs?: number } = {},
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
      const relayClient = components.relayClient
      if (relayClient === undefined) throw new NatError('ERR_CIRCUIT_FAILED', 'no relay client')
      if (components.network.getPeer(c.relay) === undefined) {
        await components.network.dial(c.relayAddress, { peerId: c.relay, signal: options.signal })
      }
      const relayed = await relayClient.dial(peerId, c.relay, options)
      tried.push({ kind: c.kind })
      const direct = await waitForDirect(
        components.network,
        relayClient,
        components.clock ?? systemClock,
        peerId,
        options.punchWaitMs ?? 0,
      )
      return direct === undefined
        ? { peer: components.network.getPeer(peerId) ?? relayed, winner: 'relayed', tried }
        : { peer: direct, winner: 'punched', tried }
    } catch (err) {
      tried.push({ kind: c.kind, error: (err as { code?: string }).code ?? (err as Error).message })
    }
  }
  throw new NatError('ERR_NO_CANDIDATE', `no candidate reached ${peerId}`, { peerId, tried })
}

/** Resolves with the peer once it is connected directly (not through a relay), or undefined after `ms`. */
function waitForDirect(
  network: Pick<Network, 'on' | 'off'>,
  relayClient: Pick<RelayClient, 'isRelayed'>,
  clock: Clock,
  peerId: PeerId,
  ms: number,
): Promise<PeerInfo | undefined> {
  if (ms <= 0) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    const done = (peer: PeerInfo | undefined): void => {
      clock.clearTimeout(timer)
      network.off('peer:connected', onConnected)
      resolve(peer)
    }
    const onConnected = ({ peer }: PeerConnectedEvent): void => {
      if (peer.peerId === peerId && !relayClient.isRelayed(peer)) done(peer)
    }
    const timer = clock.setTimeout(() => done(undefined), ms)
    network.on('peer:connected', onConnected)
  })
}
