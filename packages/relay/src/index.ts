/**
 * @packageDocumentation
 * chainwire's propagation layer: one `Relay` service with topics (blocks, transactions, consensus and your
 * own), a strategy per topic (`flood`, `selective`, `validator_only`, `gossip`: a gossipsub v1.1/v1.2 mesh,
 * or `announce`: inv / get_data pull), a validator per topic that decides before anything is relayed, a
 * bounded time-limited seen-cache, the gossipsub peer score fed to peer-scoring as behaviours, and direct
 * relay to a peer we are not connected to. It uses @chainwire/network's public API only.
 *
 * ```ts
 * const relay = createRelay({ network, clock, scores: scoring.view, misbehaviour: scoring }, { relayMode: 'gossip' })
 * relay.join('blocks', { validator: (m) => (chain.check(m.message) ? 'accept' : 'reject') })
 * relay.start()
 * relay.publish('blocks', { type: 'new_block', data: { block } })
 * ```
 */
import type { RelayOptions } from './options'
import { RelayService } from './relay'
import type { Relay, RelayComponents } from './types'

export { RelayError, type RelayErrorCode } from './errors'
export { defaultMessageId, directMessageId, MESSAGE_ID_BYTES } from './message/id'
export { BUILTIN_TOPIC_TYPES } from './message/topics'
export {
  type AnnounceOptions,
  DEFAULT_TOPICS,
  type DirectOptions,
  type GossipOptions,
  type RelayOptions,
  type ScoreOptions,
} from './options'
export type {
  AnnounceCounters,
  BuiltinTopic,
  DirectCounters,
  DirectMessage,
  DirectSendOptions,
  DirectSendResult,
  GossipCounters,
  GraylistEvent,
  HeartbeatStats,
  InventorySource,
  MeshEvent,
  MessageIdFunction,
  MessageValidator,
  PeerExchangeEvent,
  PeerScoreView,
  PublishResult,
  Relay,
  RelayBehaviour,
  RelayComponents,
  RelayEvents,
  RelayedMessage,
  RelayMisbehaviourSink,
  RelayMode,
  RelayNetwork,
  RelayStatus,
  RelayTableSizes,
  RoutingMetric,
  TopicContent,
  TopicCounters,
  TopicOptions,
  TopicScoreOptions,
  TopicStrategy,
  ValidationEvent,
  ValidationResult,
} from './types'

/**
 * Creates a node's relay. Nothing runs until `start()`. Throws `ERR_INVALID_OPTIONS` naming the first bad
 * option.
 */
export function createRelay(components: RelayComponents, options: RelayOptions = {}): Relay {
  return new RelayService(components, options)
}
