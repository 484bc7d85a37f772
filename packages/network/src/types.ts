/**
 * The public types of the network: components, options, the {@link Network} contract, peers, status and
 * events. `index.ts` re-exports them; implementation files import them from here, never from `index.ts`.
 */
import type { AbortOptions, Clock, Logger, Metrics, NodeRole, PeerId } from '@chainwire/interface'
import type { DisconnectReason, HelloData, Message, MessageOf, MessageType } from '@chainwire/protocol-codec'
import type { EventEmitter } from 'eventemitter3'
import type { Identity } from './identity/identity'
import type { MessageClass } from './limits/message-class'
import type { ClassRateLimit } from './limits/peer-rate-limiter'
import type { EvictionProtection } from './manager/eviction'
import type { TransportAead } from './noise/transport-aead'
import type { Direction, RawConnection, Transport } from './transport/transport'

/**
 * Why a connection slot was taken: `inbound` for connections the remote opened, and for our dials the kind
 * of outbound slot (DESIGN.md §5): `full-relay` (blocks, transactions, addresses), `block-relay` (blocks
 * only: harder to map the network through), `feeler` (a short test of an address: closed right after the
 * handshake), `manual` (asked for by the operator or a persistent peer; its own small pool of slots).
 */
export type ConnectionKind = 'inbound' | 'full-relay' | 'block-relay' | 'feeler' | 'manual'

/** The outbound kinds `dial` accepts. */
export type OutboundKind = Exclude<ConnectionKind, 'inbound'>

/** What a peer was useful for, for `markUseful` (inbound eviction protects recently useful peers). */
export type UsefulKind = 'block' | 'transaction'

/**
 * The behaviours network reports to its {@link MisbehaviourSink}, named as in @chainwire/peer-scoring:
 * `rate-limit-exceeded` (over a message or byte limit), `invalid-message` (does not decode or fails its
 * schema), `protocol-violation` (oversized frame, duplicate hello, response of the wrong type),
 * `unrequested-message` (a response to nothing we asked), `handshake-failure` (the peer's fault: wrong
 * network, malformed hello, incompatible version, clock skew), `timeout` (a request not answered in time).
 */
export type NetworkBehaviour =
  | 'rate-limit-exceeded'
  | 'invalid-message'
  | 'protocol-violation'
  | 'unrequested-message'
  | 'handshake-failure'
  | 'timeout'

/**
 * Where network reports misbehaviour; @chainwire/peer-scoring's `PeerScoring` fits as it is. Only peers that
 * proved their id in the Noise handshake are ever reported.
 */
export interface MisbehaviourSink {
  /** Records one occurrence of `behaviour` by `peerId`, with a short detail for the peer's history. */
  report(peerId: PeerId, behaviour: NetworkBehaviour, options?: { detail?: string }): void
}

/**
 * Decides who may connect; @chainwire/peer-store's `PeerStore` fits as it is (bans and discouragement).
 * Every method is called synchronously on the connection path, so it must be cheap.
 */
export interface ConnectionGater {
  /** false refuses to dial `address` (`ERR_DIAL_DENIED`). */
  allowDial(address: string): boolean
  /** false closes an inbound connection from `ip` as soon as it is accepted, before any handshake. */
  allowInbound(ip: string): boolean
  /** false closes a connection once Noise proved the remote is `peerId` (`disconnect` reason `banned`). */
  allowPeer(peerId: PeerId): boolean
  /** true marks an inbound peer from `ip` as the first to evict when the inbound slots are full. */
  isDiscouraged?(ip: string): boolean
}

/** What the node tells peers about its chain in `hello`; `updateLocalStatus` changes it. */
export interface LocalStatus {
  /** Height of our best block. */
  bestHeight: number
  /** Hash of our best block (32 bytes). */
  bestHash: Uint8Array
  /** Accumulated work of our best chain. */
  totalWork: bigint
}

/** What the network uses from its node. Only `identity` is required. */
export interface NetworkComponents {
  /** Our long-term Ed25519 identity; the peer id is derived from it. */
  identity: Identity
  /** Every timer and timestamp of the package. @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
  /** @default noopMetrics */
  metrics?: Metrics
  /** Who may connect. @default allows everything */
  gater?: ConnectionGater
  /** Where misbehaviour is reported (a peer-scoring service). @default discards reports */
  misbehaviour?: MisbehaviourSink
  /** The transports to dial and listen with, routed by URL scheme. @default [tcp, ws/wss] */
  transports?: readonly Transport[]
  /**
   * Randomness for backoff jitter, ping nonces and the eviction key; inject a seeded one for reproducible
   * simulations. Returns a number in [0, 1). @default Math.random
   */
  random?: () => number
  /**
   * Where the Noise static key (one per network) and every handshake's ephemeral key come from: `length`
   * bytes each call. Only a deterministic simulator (netsim) passes one, so that the same seed gives the same
   * handshake hashes and so the same runs; anything predictable here gives up the channel's secrecy.
   * @default node:crypto's random keys
   */
  entropy?: (length: number) => Uint8Array
  /**
   * The AEAD of Noise transport messages. Only a simulator passes one (netsim's null cipher, which keeps
   * the sizes of the real one so a simulated run is the same run, faster); the handshake and the framing are
   * unchanged, but anything but the default gives up the channel's confidentiality and integrity.
   * @default CHACHA20_POLY1305 (ChaCha20-Poly1305 on node:crypto)
   */
  transportAead?: TransportAead
}

/** The backoff of dials to an address that failed. */
export interface BackoffOptions {
  /** Delay after the first failure, in ms. @default 1_000 */
  baseMs?: number
  /** Longest delay, in ms. @default 300_000 */
  maxMs?: number
  /** Fraction of each delay that is randomised away (0 to 1). @default 0.3 */
  jitter?: number
  /** Addresses remembered at most (least recently failed forgotten first). @default 1_024 */
  maxEntries?: number
}

/** Options of {@link createNetwork}; every field is optional. */
export interface NetworkOptions {
  /**
   * The network (chain) id: bound into the Noise prologue and checked in `hello`, so nodes of different
   * networks never talk. 1-64 of `A-Z a-z 0-9 . _ : -`. @default 'chainwire-mainnet'
   */
  networkId?: string
  /** Addresses to listen on at `start()`, such as `tcp://0.0.0.0:7000` or `memory://a`. @default [] */
  listen?: readonly string[]
  /**
   * Addresses announced to peers in `hello` (at most 16). @default the bound listen addresses (a wildcard
   * host such as 0.0.0.0 is not reachable: set this when listening on one)
   */
  announce?: readonly string[]
  /** Our roles, announced in `hello`. @default ['full'] */
  roles?: readonly NodeRole[]
  /** Software name and version, announced in `hello` (at most 256 UTF-8 bytes). @default 'chainwire-network/0.1.0' */
  userAgent?: string
  /** Optional protocol features we support, announced in `hello`. @default [] */
  capabilities?: readonly string[]
  /** Our chain status at start; see `updateLocalStatus`. @default height 0, zero hash, zero work */
  localStatus?: LocalStatus
  /** Addresses to keep connected: dialed at start and redialed with backoff (at most 64). @default [] */
  persistentPeers?: readonly string[]

  /** Connections at most, inbound and outbound. @default 125 */
  maxConnections?: number
  /** Outbound full-relay connections at most. @default 8 */
  maxOutboundFullRelay?: number
  /** Outbound block-relay-only connections at most. @default 2 */
  maxOutboundBlockRelay?: number
  /** Feeler connections at most. @default 1 */
  maxFeelers?: number
  /** Manual outbound connections (operator dials, persistent peers) at most. @default 8 */
  maxManual?: number
  /**
   * Inbound connections at most. @default maxConnections minus every outbound slot (125 - 8 - 2 - 1 - 8 = 106)
   */
  maxInbound?: number
  /** Inbound connections (open or handshaking) from one IP at most. @default 8 */
  maxInboundPerIp?: number
  /** Inbound connections (open or handshaking) from one network group (IPv4 /16, IPv6 /32) at most. @default 16 */
  maxInboundPerNetGroup?: number
  /** Inbound connections still in their handshake at most. @default 32 */
  maxPendingInbound?: number
  /** New inbound connections per IP: tokens per second. @default 0.2 */
  inboundRatePerIp?: number
  /** New inbound connections per IP: burst. @default 16 */
  inboundBurstPerIp?: number
  /** IPs whose inbound rate is tracked at most (least recently seen forgotten first). @default 4_096 */
  maxTrackedIps?: number
  /** Which inbound peers eviction protects (Bitcoin Core's rules). @default DEFAULT_EVICTION_PROTECTION */
  evictionProtection?: Partial<EvictionProtection>

  /** Deadline of a whole dial: transport connect, Noise and hello. @default 10_000 */
  dialTimeoutMs?: number
  /** Deadline of Noise plus hello from the moment the transport connected; progress does not extend it. @default 5_000 */
  handshakeTimeoutMs?: number
  /** Interval of keep-alive pings (their round trips give the latency). @default 30_000 */
  pingIntervalMs?: number
  /** A peer that sends no complete message for this long is dropped (`timeout`). @default 60_000 */
  idleTimeoutMs?: number
  /** Weight of the newest sample in the latency moving average, in (0, 1]. @default 0.2 */
  latencyAlpha?: number
  /** Largest tolerated difference between a peer's hello timestamp and our clock. @default 600_000 */
  maxClockSkewMs?: number
  /** Dial backoff per address. @default { baseMs: 1_000, maxMs: 300_000, jitter: 0.3, maxEntries: 1_024 } */
  dialBackoff?: BackoffOptions
  /** After sending `disconnect`, how long to let it flush before the socket is destroyed. @default 1_000 */
  disconnectLingerMs?: number

  /** Largest message accepted or sent (framed payload), in bytes. @default 4_000_000 */
  maxMessageSize?: number
  /** Bytes queued for one peer at most; `send` waits (and `trySend` fails) beyond. @default 1_000_000 */
  sendQueueBytes?: number
  /**
   * A peer whose send queue stays saturated this long (senders refused or waiting, and the queue not drained
   * to half in the meantime) is disconnected with reason `timeout`: it stopped reading. Each drain to half
   * restarts the clock, even when waiting senders fill the queue again at once, so a peer that keeps reading
   * is never dropped, however much there is to send it. @default 10_000
   */
  sendQueueGraceMs?: number
  /** Callers waiting for room in one peer's send queue at most; more fail with `ERR_QUEUE_FULL`. @default 1_024 */
  maxSendWaiters?: number
  /** Default deadline of `send` waiting for room in the queue. @default 10_000 */
  sendTimeoutMs?: number
  /**
   * Bytes received from one peer and not yet handled (partial frame plus messages whose handlers are still
   * running); reading from the peer pauses above it. @default 5_000_000
   */
  receiveBufferBytes?: number

  /**
   * Each direction of a secure channel replaces its key (Noise `REKEY()`) after this many transport messages
   * (or `rekeyAfterBytes`, whichever comes first). Both ends must agree: the schedule is bound into the Noise
   * prologue, so a peer with another one fails the handshake (as a peer of another network would).
   * @default 1_048_576 (2^20)
   */
  rekeyAfterMessages?: number
  /** Plaintext bytes per key and direction before a rekey; see `rekeyAfterMessages`. @default 1_073_741_824 (1 GiB) */
  rekeyAfterBytes?: number
  /**
   * Plaintext the node encrypts per turn of the event loop, all connections together. Encryption is
   * synchronous and a socket on a fast link takes every write at once, so without a bound a node sending a
   * 1 MB block to 6 peers would encrypt 6 MB in one stretch (20-30 ms in which no timer, read or handler
   * runs). Beyond it, a connection goes on encrypting in a later turn, the waiting connections served in
   * order. A smaller budget yields to the event loop more often, at some CPU per byte on a single bulk
   * stream (each turn costs a little). Connections of the in-process memory transport are not limited.
   * @default 1_048_576 (1 MiB)
   */
  sealBytesPerTurn?: number
  /**
   * The share of the send bandwidth each class is guaranteed when several have messages queued (weighted
   * fair queueing, deficit round robin), merged over the defaults; a class alone uses all of it. Control
   * messages go first whatever the weights. @default DEFAULT_LANE_WEIGHTS (blocks 4, transactions 2, bulk 1)
   */
  laneWeights?: Partial<Record<Exclude<MessageClass, 'control'>, number>>

  /** Per-class inbound limits per peer, merged field by field over the defaults. @default DEFAULT_RATE_LIMITS */
  rateLimits?: Partial<Record<MessageClass, Partial<ClassRateLimit>>>
  /** Dropped messages forgiven per second before a peer counts as far over its limits. @default 10 */
  rateLimitTolerancePerSecond?: number
  /** Dropped messages (or invalid ones) tolerated in a burst; beyond, the peer is disconnected (`rate_limited`). @default 200 */
  rateLimitToleranceBurst?: number
  /**
   * Bytes of junk forgiven per second: the size of every message dropped by the rate limits, invalid, of an
   * unknown type or answering nothing we asked is charged to a byte bucket, so a peer cannot make us decrypt
   * large junk forever on a message-count budget. Accepted messages (and responses to our requests) are
   * never charged. @default 262_144 (256 KiB/s)
   */
  junkBytesPerSecond?: number
  /**
   * Bytes of junk tolerated in a burst; a peer that empties the junk byte bucket is disconnected
   * (`rate_limited`, or `protocol_error` when the last straw did not decode). @default 16_777_216 (16 MiB:
   * four messages of the largest size)
   */
  junkByteBurst?: number
  /** Class overrides per message type, merged over {@link DEFAULT_MESSAGE_CLASSES}. @default {} */
  messageClasses?: Partial<Record<MessageType, MessageClass>>

  /** Our requests outstanding per peer at most (`ERR_TOO_MANY_REQUESTS` beyond). @default 32 */
  maxInflightRequests?: number
  /** The peer's requests served concurrently at most; more are answered `error: busy`. @default 32 */
  maxInboundRequests?: number
  /** Default deadline of `request`. @default 10_000 */
  requestTimeoutMs?: number

  /** The datagram wire (`datagramRequest`, `handleDatagram`), merged field by field over the defaults. */
  datagrams?: DatagramOptions
}

/**
 * Options of the datagram wire: signed one-packet requests and responses beside the connections (UDP on the
 * TCP listen port, datagrams on the memory network). See `datagramRequest`.
 */
export interface DatagramOptions {
  /** Bind a datagram socket at every listen address whose transport has datagrams. @default true */
  enabled?: boolean
  /**
   * Largest packet sent or accepted, in bytes (IPv6's minimum MTU, so packets are never fragmented). A
   * response is also at most 3 times its request's size (requests are padded to a third of this), so a
   * spoofed source cannot make us send it more than 3 times what it sent. @default 1_280
   */
  maxPacketBytes?: number
  /** Requests served per second from one IP (token bucket rate). @default 20 */
  ratePerIp?: number
  /** Requests served in a burst from one IP (token bucket size). @default 100 */
  burstPerIp?: number
  /** Requests served per second from everyone together (bounds the signatures we make). @default 1_000 */
  rate?: number
  /** Requests served in a burst from everyone together. @default 2_000 */
  burst?: number
  /** Our requests waiting for an answer at most; more fail with `ERR_TOO_MANY_REQUESTS`. @default 256 */
  maxPending?: number
  /** Nonces of requests served that are remembered, so a replayed request is dropped. @default 4_096 */
  maxRememberedNonces?: number
  /** Default deadline of `datagramRequest`; the request is sent once more at half of it. @default 1_000 */
  timeoutMs?: number
}

/** The sender of a datagram request, as far as a datagram tells (nothing here is proven). */
export interface DatagramSender {
  /** The source address (`tcp://ip:port` for UDP, `memory://name`): where the answer goes. */
  readonly address: string
  /** The source host, for per-IP limits. */
  readonly host: string
  /** The peer id whose public key the request carries: a claim, until a request of ours to it is answered. */
  readonly peerId: PeerId
}

/** What a {@link DatagramHandler} may ask about its answer. */
export interface DatagramReply {
  /** Whether `message` fits in the response packet (its size limit and 3 times the request's size). */
  fits(message: Message): boolean
}

/**
 * Serves one request type over datagrams: return the response (the catalog's response type; it must
 * {@link DatagramReply.fits}), or undefined to send nothing. A handler that throws sends nothing.
 */
export type DatagramHandler<T extends MessageType = MessageType> = (
  message: MessageOf<T>,
  from: DatagramSender,
  reply: DatagramReply,
) => Message | undefined

/** Options of `datagramRequest`. */
export interface DatagramRequestOptions extends AbortOptions {
  /** Deadline of the answer (the request is sent once more at half of it). @default datagrams.timeoutMs */
  timeoutMs?: number
  /** The peer expected at the address: an answer signed by another key fails with `ERR_WRONG_PEER`. */
  peerId?: PeerId
}

/** A signed answer to `datagramRequest`. */
export interface DatagramResponse {
  /** The responder: its key signed the answer over our nonce, so it holds the key and got our request. */
  readonly peerId: PeerId
  /** The response (of the catalog's response type for the request). */
  readonly message: Message
  /** The address that answered (the one we sent to, canonical). */
  readonly address: string
}

/** A peer's `hello`, as received (listen and observed addresses are the peer's claims, not verified). */
export type HelloInfo = HelloData

/** A connected peer. */
export interface PeerInfo {
  readonly peerId: PeerId
  readonly direction: Direction
  readonly kind: ConnectionKind
  /** The remote end as the transport reports it. */
  readonly remoteAddress: string
  /** The remote IP used for limits (a synthetic one on the memory transport). */
  readonly remoteHost: string
  /** For outbound connections: the address we dialed. */
  readonly dialedAddress: string | undefined
  /** Clock time the handshake completed. */
  readonly connectedAt: number
  /** The peer's hello. */
  readonly hello: HelloInfo
  /** Moving average of ping round trips, in ms (undefined before the first pong). */
  readonly latencyMs: number | undefined
  /** Lowest ping round trip seen, in ms. */
  readonly minLatencyMs: number | undefined
}

/** Traffic of one message type. */
export interface TrafficCount {
  messages: number
  bytes: number
}

/** A peer in {@link NetworkStatus}: its info plus traffic, queues and limits. */
export interface PeerStatus extends PeerInfo {
  /**
   * The network group of `remoteHost` (`networkGroup` of @chainwire/interface): the group the inbound
   * per-group cap and eviction count the peer in, the same group peer-store files its addresses under.
   */
  readonly netGroup: string
  readonly bytesIn: number
  readonly bytesOut: number
  /** Received messages per type (accepted ones). */
  readonly messagesIn: Readonly<Partial<Record<MessageType, TrafficCount>>>
  /** Sent messages per type. */
  readonly messagesOut: Readonly<Partial<Record<MessageType, TrafficCount>>>
  /** Messages dropped by the rate limits, per class. */
  readonly rateLimited: Readonly<Record<MessageClass, TrafficCount>>
  /** Messages that did not decode. */
  readonly invalidMessages: number
  /**
   * Bytes of junk received: messages dropped by the rate limits, invalid, of an unknown type or answering
   * nothing we asked (charged to the junk byte bucket, see `junkBytesPerSecond`).
   */
  readonly junkBytes: number
  /** Bytes waiting in the send queue. */
  readonly sendQueueBytes: number
  /** Bytes received and not yet handled. */
  readonly receiveBufferedBytes: number
  /** Our requests outstanding. */
  readonly inflightRequests: number
  /** The peer's requests being served. */
  readonly servingRequests: number
}

/** How often each limit was hit since start. */
export interface LimitCounters {
  /** Inbound connections refused by the per-IP connection-rate bucket. */
  inboundRateLimited: number
  /** Inbound connections refused by the per-IP cap. */
  inboundPerIp: number
  /** Inbound connections refused by the per-group cap. */
  inboundPerNetGroup: number
  /** Inbound connections refused because too many were handshaking. */
  inboundPending: number
  /** Inbound peers refused after the handshake because every slot was protected. */
  inboundFull: number
  /** Inbound connections refused by the gater (IP) or peers refused (peer id). */
  gaterDenied: number
  /** Inbound peers evicted to make room. */
  evictions: number
  /** Dials refused for lack of an outbound slot. */
  outboundFull: number
  /** Dials refused by backoff. */
  dialBackoff: number
  /** Handshakes that hit the deadline. */
  handshakeTimeouts: number
  /** Handshakes that failed otherwise (Noise, hello, network, version, skew, self). */
  handshakeFailures: number
  /** Messages dropped by rate limits. */
  messagesRateLimited: number
  /** Peers disconnected for being far over their rate limits. */
  rateLimitDisconnects: number
  /** Messages that did not decode (ignored and counted; unknown types included). */
  invalidMessages: number
  /** Messages `trySend`/`broadcast` could not queue, or `send` gave up on. */
  sendQueueFull: number
  /** Peers disconnected for not draining their send queue. */
  sendQueueStalls: number
  /** Responses to requests that already expired. */
  lateResponses: number
  /** Responses to nothing we asked. */
  unknownResponses: number
  /** Peer requests answered `busy`. */
  requestsRefused: number
  /** Peers dropped for sending nothing for `idleTimeoutMs`. */
  idleTimeouts: number
}

/** What `getNetworkStatus()` returns. */
export interface NetworkStatus {
  readonly peerId: PeerId
  readonly networkId: string
  readonly started: boolean
  /** Bound listen addresses. */
  readonly listenAddresses: readonly string[]
  /** Connected peers, oldest first. */
  readonly peers: readonly PeerStatus[]
  /** Open connections per kind. */
  readonly connections: Readonly<Record<ConnectionKind, number>>
  /** Connections in their handshake (inbound and outbound). */
  readonly pendingHandshakes: number
  readonly limits: LimitCounters
}

/** Options of `dial`. */
export interface DialOptions extends AbortOptions {
  /** Which outbound slot the connection takes. @default 'manual' */
  kind?: OutboundKind
  /** The peer id expected at the address; another one fails the dial in the Noise handshake. @default any */
  peerId?: PeerId
  /** Dial even if the address is backing off after failures. @default false */
  force?: boolean
  /**
   * With `addConnection`: once its handshake completes, the new connection replaces an open connection to
   * the same peer (without a `peer:disconnected`), instead of the duplicate
   * resolution that keeps the one dialed by the lower peer id (the old one is closed by the end that dialed
   * the new one, or after a handshake timeout). Until then the open connection carries on,
   * so a new connection that fails its handshake changes nothing: how NAT traversal moves a relayed peer to
   * a hole-punched connection. Both ends must ask for it. @default false
   */
  replace?: boolean
}

/** Options of `send`. */
export interface SendOptions extends AbortOptions {
  /** How long to wait for room in the peer's send queue. @default sendTimeoutMs */
  timeoutMs?: number
}

/** Options of `request` and `ping`. */
export interface RequestOptions extends AbortOptions {
  /** Deadline of the response. @default requestTimeoutMs */
  timeoutMs?: number
}

/**
 * Serves one message type. For an announcement, the return value is ignored. For a request, return (or
 * resolve to) the response message (the catalog's response type for the request, or an `error` message);
 * the network sets its id. A handler that throws is answered with `error: internal`.
 */
export type MessageHandler<T extends MessageType = MessageType> = (
  message: MessageOf<T>,
  peer: PeerInfo,
) => HandlerResult | Promise<HandlerResult>

/** What a {@link MessageHandler} returns: a response for requests, nothing for announcements. */
// biome-ignore lint/suspicious/noConfusingVoidType: announcement handlers are plain `void` functions
export type HandlerResult = Message | undefined | void

/** Payload of `peer:connected`. */
export interface PeerConnectedEvent {
  readonly peer: PeerInfo
}

/** Who ended a connection. */
export type DisconnectInitiator = 'local' | 'remote'

/** Payload of `peer:disconnected`. */
export interface PeerDisconnectedEvent {
  readonly peer: PeerInfo
  /**
   * Why: the reason of the `disconnect` message sent or received (or of a close we decided on when the
   * channel could no longer carry one, such as `protocol_error` for a message that failed to decrypt), or
   * `closed` when the connection just ended (the remote closed or reset it, or the transport failed).
   */
  readonly reason: DisconnectReason | 'closed'
  /**
   * Who ended it: `local` for everything this node decided or detected (limits, timeouts, eviction,
   * invalid or undecryptable input, `disconnect()`, `stop()`), `remote` for the peer's `disconnect` and for
   * a connection the peer or the path closed or broke.
   */
  readonly initiator: DisconnectInitiator
  /** The text of the `disconnect` sent or received, if any. */
  readonly message?: string
  /**
   * What failed, when something did: the `NoiseError` of a message that did not decrypt, the `CodecError`
   * of an oversized frame, the transport's error when the connection broke.
   */
  readonly error?: Error
}

/** Payload of `peer:misbehaved`: what was reported to the misbehaviour sink. */
export interface PeerMisbehavedEvent {
  readonly peerId: PeerId
  readonly behaviour: NetworkBehaviour
  readonly detail: string
}

/** Why a connection never became a peer. */
export type RejectReason =
  | 'inbound_rate'
  | 'per_ip'
  | 'per_net_group'
  | 'pending_full'
  | 'inbound_full'
  | 'gater'
  | 'handshake_timeout'
  | 'handshake_failed'
  | 'network_mismatch'
  | 'incompatible_version'
  | 'self_connection'
  | 'clock_skew'
  | 'duplicate'
  | 'remote_disconnect'
  | 'aborted'
  | 'shutdown'

/** Payload of `connection:rejected`. */
export interface ConnectionRejectedEvent {
  readonly direction: Direction
  readonly remoteAddress: string
  /** Known once Noise completed. */
  readonly peerId: PeerId | undefined
  readonly reason: RejectReason
  /** The error behind a handshake failure. */
  readonly error?: Error
}

/** Payload of `message:<type>`. */
export interface MessageEvent<T extends MessageType = MessageType> {
  readonly peerId: PeerId
  readonly message: MessageOf<T>
  /** Framed payload size in bytes. */
  readonly size: number
}

/**
 * The network's events. `message:<type>` fires for every accepted announcement and request from a peer
 * (pings, pongs and other responses are consumed by the network itself).
 */
export type NetworkEvents = {
  'peer:connected': (event: PeerConnectedEvent) => void
  'peer:disconnected': (event: PeerDisconnectedEvent) => void
  'peer:misbehaved': (event: PeerMisbehavedEvent) => void
  'connection:rejected': (event: ConnectionRejectedEvent) => void
} & { [K in MessageType as `message:${K}`]: (event: MessageEvent<K>) => void }

/** A node's connections: lifecycle, dialing, peers, messaging, status. */
export interface Network extends EventEmitter<NetworkEvents> {
  /** Our peer id. */
  readonly peerId: PeerId
  /** Our network id. */
  readonly networkId: string
  /** Binds the `listen` addresses and dials the persistent peers. Idempotent. */
  start(): Promise<void>
  /**
   * Sends `disconnect: shutdown` to every peer, closes listeners and connections, and clears every timer:
   * nothing is left running. Pending dials, sends and requests reject. Idempotent.
   */
  stop(): Promise<void>
  /** Whether the network is started. */
  isStarted(): boolean
  /** The bound listen addresses (real ports when listening on port 0). */
  listenAddresses(): string[]
  /**
   * Connects to `address` (transport, Noise, hello) and resolves with the peer, or with the already
   * connected peer when the connection turns out to be a duplicate. Rejects with `DialError`,
   * `HandshakeError`, `TransportError`, `NoiseError` or `AbortError`.
   */
  dial(address: string, options?: DialOptions): Promise<PeerInfo>
  /**
   * Runs Noise and `hello` over a connection that another component opened (a relayed circuit, a
   * hole-punched socket) and admits the peer like any other. An `outbound` connection takes an outbound slot
   * of `options.kind` and we are the Noise initiator; an `inbound` one goes through the inbound limits (keyed
   * by `raw.remoteHost`) and we respond. Resolves with the peer, like `dial`; on failure the connection is
   * closed. `options.force` is ignored (there is no address to back off from).
   */
  addConnection(raw: RawConnection, options?: DialOptions): Promise<PeerInfo>
  /** Sends `disconnect` with `reason` to the peer and closes the connection; resolves once it is closed. */
  disconnect(peerId: PeerId, reason?: DisconnectReason, message?: string): Promise<void>
  /** Connected peers, oldest first. */
  peers(): PeerInfo[]
  getPeer(peerId: PeerId): PeerInfo | undefined
  /**
   * Queues a message for the peer, waiting for room when its queue is full; resolves once queued (not once
   * delivered). Rejects with `ERR_NOT_CONNECTED`, `ERR_QUEUE_FULL` (no room within the timeout), a
   * `CodecError` for a message that does not encode, or `AbortError`.
   */
  send(peerId: PeerId, message: Message, options?: SendOptions): Promise<void>
  /** Queues a message if there is room now; false when not connected or the queue is full. */
  trySend(peerId: PeerId, message: Message): boolean
  /** Whether a message of `size` bytes and class `cls` would be queued for the peer now. */
  canSend(peerId: PeerId, size?: number, cls?: MessageClass): boolean
  /**
   * Queues a message (encoded once) for every connected peer passing `filter` whose queue has room; returns
   * how many got it. Peers with a full queue are skipped and counted. Transactions-class messages skip
   * block-relay-only peers.
   */
  broadcast(message: Message, filter?: (peer: PeerInfo) => boolean): number
  /**
   * Sends a request and resolves with the response (of the catalog's response type). Rejects with
   * `ERR_REQUEST_TIMEOUT`, `ERR_TOO_MANY_REQUESTS`, `ERR_REQUEST_FAILED` (the peer answered `error`),
   * `ERR_BAD_RESPONSE`, `ERR_INVALID_RESPONSE` (an answer that did not decode; the `CodecError` is its cause), `ERR_NOT_CONNECTED`, `ERR_INVALID_MESSAGE` (not a request type) or `AbortError`.
   */
  request(peerId: PeerId, message: Message, options?: RequestOptions): Promise<Message>
  /** Pings the peer and resolves with the round trip in ms. */
  ping(peerId: PeerId, options?: RequestOptions): Promise<number>
  /**
   * Registers the handler of a message type (see {@link MessageHandler}); returns a function that removes
   * it. Throws `ERR_HANDLER_EXISTS` if the type already has one, and `ERR_INVALID_MESSAGE` for types the
   * network handles itself (hello, ping, pong, disconnect, error).
   */
  handle<T extends MessageType>(type: T, handler: MessageHandler<T>): () => void
  /** Records that the peer just delivered something useful: inbound eviction protects such peers. */
  markUseful(peerId: PeerId, kind: UsefulKind): void
  /** Changes the chain status announced in later `hello`s. */
  updateLocalStatus(status: Partial<LocalStatus>): void
  /** Adds an address to keep connected (dialed now if started). */
  addPersistentPeer(address: string): void
  /** Stops keeping an address connected (an open connection stays). */
  removePersistentPeer(address: string): void
  /** Peers, connection counts, traffic per type, queue sizes and limit counters. */
  getNetworkStatus(): NetworkStatus
  /**
   * Sends a request in one datagram to `address`, without a connection, and resolves with the first answer
   * signed by the responder's identity key over our random nonce and the request (one round trip). A
   * request unanswered at half the deadline is sent once more with a fresh nonce. Rejects with
   * `ERR_NO_DATAGRAMS` (no datagram socket reaches that address: see `canDatagram`), `ERR_REQUEST_TIMEOUT`,
   * `ERR_TOO_MANY_REQUESTS` (`datagrams.maxPending`), `ERR_WRONG_PEER` (signed by another key than
   * `options.peerId`), `ERR_INVALID_MESSAGE` (not a request type, or too large for a packet), `ERR_NOT_STARTED`
   * or `AbortError`. Answers that do not verify, come from another address or answer nothing we asked are
   * dropped and counted (`network_datagrams_total{result}`).
   */
  datagramRequest(
    address: string,
    message: Message,
    options?: DatagramRequestOptions,
  ): Promise<DatagramResponse>
  /** Whether `datagramRequest` can reach `address`: a bound datagram socket of its scheme and family. */
  canDatagram(address: string): boolean
  /**
   * Registers the datagram handler of a request type; returns a function that removes it. Requests of types
   * without a handler are dropped and counted. Throws `ERR_HANDLER_EXISTS` if the type has one already, and
   * `ERR_INVALID_MESSAGE` for a type that is not a request.
   */
  handleDatagram<T extends MessageType>(type: T, handler: DatagramHandler<T>): () => void
}
