import type { Clock, Logger, PeerId } from '@chainwire/interface'
import type { Message } from '@chainwire/protocol-codec'
import type { MessageStore, StoredMessage } from './cache/message-store'
import type { SeenCache, SeenEntry } from './cache/seen-cache'
import type { RelayMetrics } from './metrics'
import type { ResolvedOptions, ResolvedTopicScore } from './options'
import type { PeerTable, RelayPeer } from './peers/peer-table'
import type { PeerScore } from './score/peer-score'
import type {
  AnnounceCounters,
  DirectCounters,
  GossipCounters,
  InventorySource,
  MessageIdFunction,
  MessageValidator,
  RelayBehaviour,
  RelayEvents,
  RelayNetwork,
  RoutingMetric,
  TopicCounters,
  TopicStrategy,
} from './types'

/** A joined topic. */
export interface TopicState {
  readonly name: string
  strategy: TopicStrategy
  validator: MessageValidator | undefined
  messageId: MessageIdFunction | undefined
  score: ResolvedTopicScore
  readonly counters: TopicCounters
}

/** How one propagation strategy plugs into the relay pipeline. */
export interface Strategy {
  /** Our own message: send it (or its announcement); returns the peers it was queued for. */
  publish(topic: TopicState, message: StoredMessage): number
  /** A validated message from `exclude[0]`: relay it to the peers that should get it (never to `exclude`). */
  forward(topic: TopicState, message: StoredMessage, exclude: readonly PeerId[]): number
  /** A message arrived for the first time (before validation). */
  received?(topic: TopicState, message: { key: string; id: Uint8Array; size: number }, from: PeerId): void
  /** A copy of a message we already had arrived from `from`. */
  duplicate?(topic: TopicState, key: string, from: PeerId, entry: SeenEntry): void
  /** The topic was joined or its strategy changed to this one. */
  joined?(topic: TopicState): void
  /** The topic was left or its strategy changed away from this one. */
  left?(topic: TopicState): void
}

/** Everything the parts of the relay share; built once by the service. */
export interface RelayContext {
  readonly network: RelayNetwork
  readonly self: PeerId
  readonly clock: Clock
  readonly random: () => number
  readonly options: ResolvedOptions
  readonly log: Logger
  readonly peers: PeerTable
  readonly score: PeerScore
  readonly store: MessageStore
  readonly seen: SeenCache
  readonly metrics: RelayMetrics
  readonly routing: RoutingMetric | undefined
  readonly inventory: InventorySource | undefined
  readonly gossipCounters: GossipCounters
  readonly announceCounters: AnnounceCounters
  readonly directCounters: DirectCounters
  /** A joined topic, or undefined. */
  topic(name: string): TopicState | undefined
  /** Reports a behaviour to the misbehaviour sink. */
  report(peer: PeerId, behaviour: RelayBehaviour, detail: string): void
  /** Adds behaviour penalties (P7) and reports them, checking the graylist and disconnect thresholds. */
  penalise(peer: PeerId, behaviour: RelayBehaviour, detail: string, count?: number): void
  /** Checks a peer's score against the graylist and disconnect thresholds (events, disconnect). */
  checkPeer(peer: PeerId): void
  /** Whether everything from the peer is ignored now. */
  isGraylisted(peer: PeerId): boolean
  /**
   * Queues `message` for each peer (encoded once for all that have room now; a waiting send for the
   * others); returns how many it was queued for or is waiting for.
   */
  sendTo(peers: Iterable<PeerId>, message: Message, size: number): number
  /** Queues `message` for one peer only if its queue has room now. */
  sendNow(peer: PeerId, message: Message): boolean
  /** Emits a relay event. */
  emit<E extends keyof RelayEvents>(event: E, ...args: Parameters<RelayEvents[E]>): void
  /** Peers that may get a topic's messages now (subscribed and connected). */
  topicPeers(topic: string): RelayPeer[]
}
