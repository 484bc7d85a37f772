import type { AbortOptions, Clock, Logger, Metrics, NodeRole, PeerId } from '@chainwire/interface'
import type { DisconnectReason, Message, MessageOf, MessageType } from '@chainwire/protocol-codec'

/** The outbound connection kinds of DESIGN.md §5, as `@chainwire/network` names them. */
export const DIAL_KINDS = ['full-relay', 'block-relay', 'feeler', 'manual'] as const
/** One of {@link DIAL_KINDS}. */
export type DialKind = (typeof DIAL_KINDS)[number]

/** What discovery reads of a connected peer; `@chainwire/network`'s `PeerInfo` fits as it is. */
export interface DiscoveryPeer {
  readonly peerId: PeerId
  readonly direction: 'inbound' | 'outbound'
  /** `inbound`, or the outbound slot kind the connection took. */
  readonly kind: string
  /** The remote end as the transport reports it. */
  readonly remoteAddress: string
  /** For outbound connections: the address we dialed. */
  readonly dialedAddress: string | undefined
  /** Clock time the handshake completed. */
  readonly connectedAt: number
  /** What the peer announced in its hello. */
  readonly hello: { readonly roles: readonly NodeRole[]; readonly listenAddrs: readonly string[] }
}

/** A handler discovery registers for a request type; returns the response. */
export type DiscoveryHandler<T extends MessageType> = (
  message: MessageOf<T>,
  peer: DiscoveryPeer,
  // biome-ignore lint/suspicious/noConfusingVoidType: matches the network's handler result
) => Message | undefined | void | Promise<Message | undefined | void>

/** Who sent a datagram request: its source address and the peer id it claims (nothing proven). */
export interface DiscoveryDatagramSender {
  readonly address: string
  readonly host: string
  readonly peerId: PeerId
}

/** A datagram handler: the response (which must `fit` in the packet), or undefined to send nothing. */
export type DiscoveryDatagramHandler<T extends MessageType> = (
  message: MessageOf<T>,
  from: DiscoveryDatagramSender,
  reply: { fits(message: Message): boolean },
) => Message | undefined

/**
 * The part of `@chainwire/network`'s `Network` that discovery uses. Declared here, narrowly, so unit tests can
 * hand discovery a small fake and the real network satisfies it structurally.
 */
export interface DiscoveryNetwork {
  /** Our peer id. */
  readonly peerId: PeerId
  /** Connects to `address` and resolves with the peer once the handshake completed. */
  dial(address: string, options?: AbortOptions & { kind?: DialKind; peerId?: PeerId }): Promise<DiscoveryPeer>
  /** Sends a request and resolves with the peer's response. */
  request(peerId: PeerId, message: Message, options?: AbortOptions & { timeoutMs?: number }): Promise<Message>
  /** Registers the handler of a request type; returns a function that removes it. */
  handle<T extends MessageType>(type: T, handler: DiscoveryHandler<T>): () => void
  /** Closes the connection to a peer with a reason. */
  disconnect(peerId: PeerId, reason?: DisconnectReason, message?: string): Promise<void>
  /** Connected peers. */
  peers(): DiscoveryPeer[]
  /** One connected peer (without building the whole `peers()` list); `peers()` is searched when absent. */
  getPeer?(peerId: PeerId): DiscoveryPeer | undefined
  /** Bound listen addresses. */
  listenAddresses(): string[]
  /** Adds an address the network keeps connected (redialed with backoff). */
  addPersistentPeer?(address: string): void
  /**
   * Sends a request in one datagram, without a connection, and resolves with the answer signed by the
   * responder's identity key (`@chainwire/network`'s datagram wire). Absent: every query uses a connection.
   */
  datagramRequest?(
    address: string,
    message: Message,
    options?: AbortOptions & { timeoutMs?: number; peerId?: PeerId },
  ): Promise<{ readonly peerId: PeerId; readonly message: Message; readonly address: string }>
  /** Whether `datagramRequest` can reach `address`. */
  canDatagram?(address: string): boolean
  /** Registers the datagram handler of a request type; returns a function that removes it. */
  handleDatagram?<T extends MessageType>(type: T, handler: DiscoveryDatagramHandler<T>): () => void
  /**
   * Connection events, and `message:nodes`: a response, which a network that matches responses to requests
   * consumes and never emits. If one does (a `nodes` reply nobody asked for), the DHT ignores it, counts it
   * and reports the peer.
   */
  on(event: 'peer:connected', fn: (event: { readonly peer: DiscoveryPeer }) => void): unknown
  on(event: 'peer:disconnected', fn: (event: { readonly peer: DiscoveryPeer }) => void): unknown
  on(event: 'message:nodes', fn: (event: { readonly peerId: PeerId }) => void): unknown
  /** Removes a listener added with `on`. */
  off(event: 'peer:connected', fn: (event: { readonly peer: DiscoveryPeer }) => void): unknown
  off(event: 'peer:disconnected', fn: (event: { readonly peer: DiscoveryPeer }) => void): unknown
  off(event: 'message:nodes', fn: (event: { readonly peerId: PeerId }) => void): unknown
}

/** An address to dial, as the peer store hands it out. */
export interface DiscoveryDialCandidate {
  peerId: PeerId
  address: string
  group: string
}

/**
 * The part of `@chainwire/peer-store`'s `PeerStore` that discovery uses; the real store fits as it is.
 */
export interface DiscoveryPeerStore {
  /**
   * Records addresses of `peerId` filed under `source`: who told us (`{ peerId?, address }`, the remote address
   * of the connection that told us) or `'verified'` (addresses we reached the peer at ourselves).
   */
  addAddresses(
    peerId: PeerId,
    addresses: readonly string[],
    options: {
      source: { peerId?: PeerId; address: string } | 'verified'
      timestamp?: number
      roles?: readonly NodeRole[]
      bootstrap?: boolean
    },
  ): number
  selectForDial(
    n: number,
    options?: { exclude?: Iterable<string>; allowGroupRepeats?: boolean },
  ): DiscoveryDialCandidate[]
  selectFeeler(options?: { exclude?: Iterable<string> }): DiscoveryDialCandidate | undefined
  markAttempt(address: string): void
  markGood(address: string, peerId: PeerId): unknown
  markFailed(address: string): void
  getAnchors(): Promise<{ peerId: PeerId; address: string }[]>
  saveAnchors(peers: readonly { peerId: PeerId; address: string }[]): void
  sampleAddresses(options?: { max?: number }): {
    peerId: PeerId
    address: string
    lastSeen: number
  }[]
  getPeer(peerId: PeerId): { roles: readonly NodeRole[] } | undefined
}

/** The behaviours discovery reports, named as in `@chainwire/network` and `@chainwire/peer-scoring`. */
export type DiscoveryBehaviour = 'invalid-message' | 'protocol-violation' | 'unrequested-message'

/** Where discovery reports misbehaving peers; `@chainwire/peer-scoring`'s `PeerScoring` fits. */
export interface MisbehaviourReporter {
  report(peerId: PeerId, behaviour: DiscoveryBehaviour, options?: { detail?: string }): void
}

/** What every discovery service shares: the clock, the network, and optional logging and metrics. */
export interface BaseComponents {
  /** Every timer and timestamp. */
  clock: Clock
  /** The node's connections. */
  network: DiscoveryNetwork
  /** @default noopLogger */
  logger?: Logger
  /** @default noopMetrics */
  metrics?: Metrics
  /** Where misbehaving peers are reported. @default discards reports */
  misbehaviour?: MisbehaviourReporter
  /** Uniform numbers in [0, 1); netsim passes a seeded one. @default Math.random */
  random?: () => number
}

/** The connected peer `peerId`, through `getPeer` when the network has it. */
export function connectedPeer(network: DiscoveryNetwork, peerId: PeerId): DiscoveryPeer | undefined {
  return network.getPeer !== undefined
    ? network.getPeer(peerId)
    : network.peers().find((p) => p.peerId === peerId)
}
