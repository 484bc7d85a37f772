import type { Clock, Logger, Metrics, PeerId } from '@chainwire/interface'
import type { Network, NetworkEvents } from '@chainwire/network'
import type { DhtNode, Message } from '@chainwire/protocol-codec'
import type { EventEmitter } from 'eventemitter3'

/**
 * How a topic's messages travel: `flood` (to every subscribed peer), `selective` (only to peers whose score
 * is above `relayThreshold`, with a floor), `validator_only` (only to validators, hop-limited), `gossip` (the
 * gossipsub v1.1/v1.2 mesh). The seed's `relayMode`.
 */
export type RelayMode = 'flood' | 'selective' | 'validator_only' | 'gossip'

/** A topic's strategy: a {@link RelayMode}, or `announce` (inv / get_data / not_found pull, blocks and transactions only). */
export type TopicStrategy = RelayMode | 'announce'

/** The topics whose messages travel as their own catalog types. */
export type BuiltinTopic = 'blocks' | 'transactions' | 'consensus'

/** A validator's verdict: relay it, drop it quietly (not the peer's fault), or drop it and penalise the peer. */
export type ValidationResult = 'accept' | 'ignore' | 'reject'

/**
 * What a topic carries, as the id function and validators see it: a catalog message for the built-in topics
 * (`new_block` on `blocks`, `new_transaction` on `transactions`, `consensus_vote` / `consensus_proposal` /
 * `validator_set` on `consensus`), opaque bytes for a user-defined topic.
 */
export type TopicContent =
  | { readonly message: Message; readonly payload?: undefined }
  | { readonly message?: undefined; readonly payload: Uint8Array }

/** A message as relay hands it to validators and listeners. */
export interface RelayedMessage {
  readonly topic: string
  /** The 32-byte message id (see the README: content-addressed unless the topic's `messageId` says otherwise). */
  readonly id: Uint8Array
  /** The id as lowercase hex. */
  readonly key: string
  /** The catalog message (built-in topics). */
  readonly message: Message | undefined
  /** The bytes of a user-defined topic's message. */
  readonly payload: Uint8Array | undefined
  /** The peer it came from; undefined for a message we published. */
  readonly from: PeerId | undefined
  /** For messages carried in a relay envelope: the origin it claims (not authenticated beyond the first hop). */
  readonly origin: PeerId | undefined
  /** Relay hops travelled before reaching us (0 when it came straight from its origin or not in an envelope). */
  readonly hops: number
  /** Framed size on the wire, in bytes (0 for our own). */
  readonly size: number
}

/**
 * Decides what happens to a received message before anything is relayed (DESIGN.md §8): `accept` delivers
 * and relays it, `ignore` drops it without blame, `reject` drops it and reports the peer to the misbehaviour
 * sink. May be async; a validator that throws or runs past `validationTimeoutMs` counts as `ignore`.
 */
export type MessageValidator = (
  message: RelayedMessage,
  from: PeerId,
) => ValidationResult | Promise<ValidationResult>

/** Computes a topic's 32-byte message ids (a block or transaction hash the app already has, for example). */
export type MessageIdFunction = (topic: string, content: TopicContent) => Uint8Array

/**
 * The read-only view of peer reputation relay takes (DESIGN.md §8); @chainwire/peer-scoring's `scoring.view`
 * fits as it is.
 */
export interface PeerScoreView {
  /** The peer's total score (0 for a peer never seen). */
  getScore(peerId: PeerId): number
  /** Whether the peer is banned now. */
  isBanned?(peerId: PeerId): boolean
}

/**
 * What relay reports about peers, named as @chainwire/peer-scoring's behaviours: first and good deliveries
 * (gossipsub P2), invalid blocks, transactions and messages (P4), IWANT promises not kept and mesh delivery
 * deficits (`timeout`), GRAFT during backoff and IHAVE floods (`rate-limit-exceeded`), envelopes no honest
 * relay sends (`protocol-violation`), and the same message twice from one peer (`duplicate-message`).
 */
export type RelayBehaviour =
  | 'first-block-delivery'
  | 'good-transaction'
  | 'bad-block'
  | 'bad-transaction'
  | 'invalid-message'
  | 'duplicate-message'
  | 'timeout'
  | 'rate-limit-exceeded'
  | 'protocol-violation'

/** Where relay reports behaviour; @chainwire/peer-scoring's `PeerScoring` fits as it is. */
export interface RelayMisbehaviourSink {
  report(peerId: PeerId, behaviour: RelayBehaviour, options?: { detail?: string }): void
}

/**
 * The DHT metric direct relay routes by (the app wires discovery's `nodeIdOf` + `compareDistance`):
 * negative when `a` is closer to `target` than `b`, positive when farther, 0 when equally close.
 */
export interface RoutingMetric {
  compare(target: PeerId, a: PeerId, b: PeerId): number
}

/**
 * Where `get_data` finds objects relay no longer holds (a mempool, a block store): the catalog message for an
 * inventory item, or undefined. Called synchronously on the request path, so it must be cheap.
 */
export interface InventorySource {
  get(kind: 'tx' | 'block', hash: Uint8Array): Message | undefined
}

/** The parts of @chainwire/network relay uses (its public API only); a `Network` fits as it is. */
export interface RelayNetwork
  extends Pick<
      Network,
      | 'peerId'
      | 'peers'
      | 'getPeer'
      | 'trySend'
      | 'send'
      | 'canSend'
      | 'broadcast'
      | 'request'
      | 'handle'
      | 'dial'
      | 'disconnect'
      | 'markUseful'
    >,
    Pick<EventEmitter<NetworkEvents>, 'on' | 'off'> {}

/** What the relay uses from its node. Only `network` is required. */
export interface RelayComponents {
  /** The node's connections. */
  network: RelayNetwork
  /** Every timer and timestamp of the package. @default systemClock */
  clock?: Clock
  /** @default noopLogger */
  logger?: Logger
  /** @default noopMetrics */
  metrics?: Metrics
  /** Peer reputation for `selective` and the gossip score's application term (P5). @default none: relay's own score */
  scores?: PeerScoreView
  /** Where behaviours are reported (a peer-scoring service). @default discards reports */
  misbehaviour?: RelayMisbehaviourSink
  /** Randomness for peer selection and trickle delays, in [0, 1). @default Math.random */
  random?: () => number
  /** Objects `get_data` may serve beyond relay's own cache. @default none */
  inventory?: InventorySource
  /** The DHT metric for direct relay. @default none: reverse paths, then a few random peers */
  routing?: RoutingMetric
}

/** What `publish` did. */
export interface PublishResult {
  /** The message id. */
  readonly id: Uint8Array
  /** Peers the message (or its announcement) was queued for now. */
  readonly peers: number
}

/** Options of `sendDirect`. */
export interface DirectSendOptions {
  /** A topic to tag the envelope with (the target's listeners see it). @default none */
  topic?: string
  /** The hop budget. @default direct.ttl */
  ttl?: number
}

/** What `sendDirect` did: sent to the target itself, forwarded toward it, or no route found. */
export interface DirectSendResult {
  readonly id: Uint8Array
  readonly status: 'delivered-to-neighbour' | 'forwarded' | 'no-route'
  /** The peer(s) the envelope was handed to. */
  readonly via: readonly PeerId[]
}

/** A direct message that reached us as its target. */
export interface DirectMessage {
  readonly id: Uint8Array
  readonly origin: PeerId
  readonly payload: Uint8Array
  readonly topic: string | undefined
  readonly hops: number
  /** The peer that handed it to us. */
  readonly from: PeerId
}

/** Payload of `message:rejected` and `message:ignored`. */
export interface ValidationEvent {
  readonly topic: string
  readonly key: string
  readonly from: PeerId
}

/** Payload of `mesh:graft` and `mesh:prune`. */
export interface MeshEvent {
  readonly topic: string
  readonly peerId: PeerId
  /** Who changed the mesh: we did (`local`), or the peer's GRAFT / PRUNE (`remote`). */
  readonly by: 'local' | 'remote'
}

/** Payload of `peer-exchange`: peers a pruning peer suggested (gossipsub v1.1 PX), for discovery. */
export interface PeerExchangeEvent {
  readonly topic: string
  readonly from: PeerId
  readonly peers: readonly DhtNode[]
}

/** Payload of `peer:graylisted`. */
export interface GraylistEvent {
  readonly peerId: PeerId
  readonly score: number
}

/** The relay's events. */
export type RelayEvents = {
  /** A message from a peer passed validation (delivered once per id). */
  message: (message: RelayedMessage) => void
  'message:rejected': (event: ValidationEvent) => void
  'message:ignored': (event: ValidationEvent) => void
  /** A direct message addressed to us arrived (at most once per id). */
  direct: (message: DirectMessage) => void
  'mesh:graft': (event: MeshEvent) => void
  'mesh:prune': (event: MeshEvent) => void
  'peer-exchange': (event: PeerExchangeEvent) => void
  /** A peer's relay score fell below the graylist threshold: its messages are ignored from now on. */
  'peer:graylisted': (event: GraylistEvent) => void
  /** One heartbeat ran (gossip maintenance, score decay, promise checks); its wall time in ms. */
  heartbeat: (event: { readonly durationMs: number }) => void
}

/** Counters of one topic since start. */
export interface TopicCounters {
  published: number
  accepted: number
  ignored: number
  rejected: number
  duplicate: number
  /** Envelopes past their expiry, or blocks older than `messageExpiration`. */
  expired: number
  /** Envelopes at or over their hop limit. */
  hopLimit: number
  /** Messages dropped because too many validations were running. */
  throttled: number
  /** Copies forwarded to peers (each peer counts). */
  forwarded: number
}

/** Gossip control traffic since start. */
export interface GossipCounters {
  ihaveSent: number
  ihaveReceived: number
  /** IHAVE ids beyond the per-heartbeat budget, not processed. */
  ihaveIgnored: number
  iwantSent: number
  iwantReceived: number
  /** Messages sent in answer to IWANT. */
  iwantServed: number
  /** IWANT ids refused (unknown, or asked more than `gossipRetransmission` times). */
  iwantRefused: number
  idontwantSent: number
  idontwantReceived: number
  graftSent: number
  graftReceived: number
  pruneSent: number
  pruneReceived: number
  /** IWANT ids a peer advertised and did not deliver in time. */
  brokenPromises: number
  /** Sends skipped because the peer said IDONTWANT. */
  skippedByIDontWant: number
  preambleSent: number
  preambleReceived: number
  /** Messages announced in a preamble and not delivered in time. */
  brokenPreambles: number
}

/** Announce-pull traffic since start. */
export interface AnnounceCounters {
  invSent: number
  invReceived: number
  /** Items announced to peers. */
  itemsAnnounced: number
  getDataSent: number
  getDataReceived: number
  /** Items asked for. */
  itemsRequested: number
  /** Items served in answer to get_data. */
  itemsServed: number
  /** Items answered with not_found. */
  itemsNotFound: number
  /** Requests that failed or timed out, and items asked again of another announcer. */
  requestFailures: number
  fallbacks: number
}

/** Direct relay traffic since start. */
export interface DirectCounters {
  sent: number
  forwarded: number
  delivered: number
  noRoute: number
  duplicate: number
  expired: number
  hopLimit: number
  rateLimited: number
}

/** Heartbeat timing since start (wall time). */
export interface HeartbeatStats {
  count: number
  lastMs: number
  maxMs: number
  totalMs: number
}

/**
 * Entries now in each table that grows with what peers send (`status().tables`), so a test or an operator can
 * see every bound hold. Each is capped by the option named.
 */
export interface RelayTableSizes {
  /** Ids asked with IWANT and not yet delivered (`gossip.maxPromises`). */
  readonly promises: number
  /** Messages announced to us in a preamble and not yet delivered (`gossip.maxPromises`). */
  readonly preambles: number
  /** Messages whose mesh was told IDONTWANT, remembered so no peer is told twice (`gossip.maxPromises`). */
  readonly idontwantTold: number
  /** IDONTWANT ids held from all peers (per peer `maxIDontWantPerHeartbeat` x heartbeats in `idontwantTtlMs`). */
  readonly idontwantHeld: number
  /** GRAFT backoffs, all topics (4,096 per topic). */
  readonly backoffs: number
  /** Peers whose gossip score is tracked, connected and retained (`score.maxTrackedPeers`). */
  readonly scoredPeers: number
  /** Announced items tracked (`announce.maxTrackedItems`). */
  readonly announcedItems: number
  /** Items known to peers, all peers (per peer `announce.knownInventorySize`). */
  readonly knownInventory: number
  /** Items queued for announcement, all peers (per peer `announce.maxQueuedPerPeer`). */
  readonly queuedInventory: number
  /** Direct relay: origins whose rate is tracked (`direct.maxOrigins`). */
  readonly directOrigins: number
  /** Direct relay: reverse-path routes (`direct.maxRoutes`). */
  readonly directRoutes: number
}

/** What `status()` returns. */
export interface RelayStatus {
  readonly started: boolean
  readonly topics: Readonly<
    Record<string, TopicCounters & { strategy: TopicStrategy; mesh: number; peers: number }>
  >
  readonly gossip: Readonly<GossipCounters>
  readonly announce: Readonly<AnnounceCounters>
  readonly direct: Readonly<DirectCounters>
  readonly heartbeat: Readonly<HeartbeatStats>
  /** Messages ignored because their topic is not joined. */
  readonly unknownTopic: number
  /** Messages and control ignored because their sender is graylisted. */
  readonly graylisted: number
  /** Entries in the seen-cache and the message cache now. */
  readonly seenEntries: number
  readonly cachedMessages: number
  readonly cachedBytes: number
  /** Validations running now. */
  readonly pendingValidations: number
  /** Entries in every other bounded table. */
  readonly tables: RelayTableSizes
}

/** A node's propagation service. */
export interface Relay extends EventEmitter<RelayEvents> {
  /** Registers the network handlers, joins the configured topics and starts the heartbeat. Idempotent. */
  start(): void
  /** Unregisters everything and clears every timer: nothing is left running. Idempotent. */
  stop(): void
  isStarted(): boolean
  /**
   * Joins a topic (built-in or user-defined) with its strategy and validator, and tells every peer. Throws
   * `ERR_INVALID_OPTIONS` for bad topic options, `ERR_TOO_MANY_TOPICS` past `maxTopics`. Joining a joined
   * topic replaces its options.
   */
  join(topic: string, options?: TopicOptions): void
  /** Leaves a topic (PRUNE to its mesh, unsubscription to every peer). */
  leave(topic: string): void
  /** The joined topics. */
  topics(): string[]
  /**
   * Publishes our own message: a catalog message on a built-in topic, bytes on a user-defined one. It is
   * relayed by the topic's strategy (gossip: flood-publish to peers above the publish threshold). Throws
   * `ERR_NOT_STARTED`, `ERR_UNKNOWN_TOPIC`, `ERR_WRONG_TOPIC`, `ERR_DUPLICATE`.
   */
  publish(topic: string, content: Message | Uint8Array): PublishResult
  /**
   * Sends bytes to a peer we may not be connected to (the seed's `sendDirectRelayMessage`): a relay envelope
   * with origin, target, hops and TTL, routed greedily toward the target. Throws `ERR_NOT_STARTED`,
   * `ERR_INVALID_TARGET`.
   */
  sendDirect(target: PeerId, payload: Uint8Array, options?: DirectSendOptions): DirectSendResult
  /** Sets the validators we learned out of band (peer ids); `validator_set` messages add theirs too. */
  setValidators(peerIds: readonly PeerId[]): void
  /** Our mesh peers on a gossip topic. */
  mesh(topic: string): PeerId[]
  /** A peer's relay score (gossipsub v1.1: P1-P7), as used for the mesh and the graylist. */
  score(peerId: PeerId): number
  /** Whether a peer's score is below the graylist threshold (its messages and control are ignored). */
  isGraylisted(peerId: PeerId): boolean
  /** Counters, mesh sizes, heartbeat timing, cache sizes. */
  status(): RelayStatus
}

/** The gossipsub v1.1 topic score parameters (P1-P4) of one topic. */
export interface TopicScoreOptions {
  /** Weight of the whole topic in the score. @default 1 */
  topicWeight?: number
  /** P1: weight of time in the mesh. @default 0.0333 */
  timeInMeshWeight?: number
  /** P1: one unit of time in the mesh, in ms. @default 1_000 */
  timeInMeshQuantumMs?: number
  /** P1: most units counted. @default 300 */
  timeInMeshCap?: number
  /** P2: weight of first deliveries. @default 1 */
  firstMessageDeliveriesWeight?: number
  /** P2: decay per decay interval. @default 0.99 */
  firstMessageDeliveriesDecay?: number
  /** P2: most first deliveries counted. @default 20 */
  firstMessageDeliveriesCap?: number
  /** P3: weight of the mesh delivery deficit, squared (negative). @default -10 */
  meshMessageDeliveriesWeight?: number
  /** P3: decay per decay interval. @default 0.97 */
  meshMessageDeliveriesDecay?: number
  /** P3: deliveries expected of a mesh peer (decayed count). @default 1 */
  meshMessageDeliveriesThreshold?: number
  /**
   * P3: the threshold never exceeds this share of the topic's own decayed first-delivery count, so a quiet
   * topic asks nothing of its mesh (a fixed threshold prunes every honest peer when nobody publishes).
   * @default 0.1
   */
  meshMessageDeliveriesShare?: number
  /** P3: most deliveries counted. @default 10 */
  meshMessageDeliveriesCap?: number
  /** P3: time in the mesh before the deficit counts, in ms. @default 30_000 */
  meshMessageDeliveriesActivationMs?: number
  /** P3: a copy this soon after the first one still counts as a mesh delivery, in ms. @default 2_000 */
  meshMessageDeliveriesWindowMs?: number
  /** P3b: weight of the sticky penalty a peer pruned with a deficit carries (negative). @default -10 */
  meshFailurePenaltyWeight?: number
  /** P3b: decay per decay interval. @default 0.97 */
  meshFailurePenaltyDecay?: number
  /** P4: weight of invalid messages, squared (negative). @default -10 */
  invalidMessageDeliveriesWeight?: number
  /** P4: decay per decay interval. @default 0.995 */
  invalidMessageDeliveriesDecay?: number
}

/** Options of one topic (`topics.<name>` or `join(name, options)`). */
export interface TopicOptions {
  /** How the topic's messages travel. @default the relay's `relayMode`, but `validator_only` for `consensus` */
  strategy?: TopicStrategy
  /** Decides accept / ignore / reject before anything is relayed. @default accepts everything */
  validator?: MessageValidator
  /**
   * The topic's message ids (32 bytes). Every node of a network must use the same function.
   * @default SHA-256 of the message's msgpack encoding (built-in topics) or of the topic and payload
   */
  messageId?: MessageIdFunction
  /** The topic's score parameters, over the defaults. @default see TopicScoreOptions */
  score?: TopicScoreOptions
}
