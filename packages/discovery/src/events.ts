import type { PeerId } from '@chainwire/interface'
import type { LookupBreakdown } from './dht/lookup'

/** How a peer was discovered. */
export type DiscoveryMethod = 'bootstrap' | 'pex' | 'dht' | 'mdns' | 'dns'

/** Payload of `peer:discovered`. */
export interface PeerDiscoveredEvent {
  readonly peerId: PeerId
  readonly addresses: readonly string[]
  readonly method: DiscoveryMethod
}

/** Payload of `lookup:done`. */
export interface LookupDoneEvent {
  /** The 32-byte key looked up. */
  readonly target: Uint8Array
  /** Depth of the closest node that answered (a node from our own table is hop 1). */
  readonly hops: number
  /** Clock time the lookup took, in ms. */
  readonly durationMs: number
  /** Nodes that answered. */
  readonly queried: number
  /** The closest nodes found. */
  readonly found: number
  /** Warm queries, dials and their time, failures by cause. */
  readonly breakdown: LookupBreakdown
}

/** Payload of `dial:done`. */
export interface DialDoneEvent {
  readonly address: string
  readonly kind: string
  /** The peer, when the dial succeeded. */
  readonly peerId: PeerId | undefined
  readonly ok: boolean
}

/** Payload of `peer:rejected`: a reply broke the protocol's limits and was dropped. */
export interface ReplyRejectedEvent {
  readonly peerId: PeerId
  readonly reason: 'too-many-nodes' | 'too-many-peers' | 'unsolicited-nodes' | 'wrong-type'
}

/** The events discovery services emit (eventemitter3). */
export interface DiscoveryEvents {
  /** Addresses of a peer were learned and given to the peer store. */
  'peer:discovered': (event: PeerDiscoveredEvent) => void
  /** A DHT lookup finished. */
  'lookup:done': (event: LookupDoneEvent) => void
  /** An outbound dial of the slot filler, feeler, bootstrap or DNS seed finished. */
  'dial:done': (event: DialDoneEvent) => void
  /** We closed our connections to bootstrap nodes because enough other peers are connected. */
  'bootstrap:released': (event: { readonly peers: readonly PeerId[] }) => void
  /** A reply broke the protocol's limits: dropped, counted, the peer reported. */
  'reply:rejected': (event: ReplyRejectedEvent) => void
}
