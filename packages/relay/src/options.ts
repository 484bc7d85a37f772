import { type OptionSpec, option, resolveOptions } from '@chainwire/interface'
import { LIMITS, TOPIC_PATTERN } from '@chainwire/protocol-codec'
import { RelayError } from './errors'
import type {
  MessageIdFunction,
  MessageValidator,
  RelayMode,
  TopicOptions,
  TopicScoreOptions,
  TopicStrategy,
} from './types'

/** The gossip mesh (gossipsub v1.1 / v1.2). */
export interface GossipOptions {
  /** Target mesh degree. @default 6 */
  D?: number
  /** Below this many mesh peers the heartbeat grafts more. @default 5 */
  Dlo?: number
  /** Above this many mesh peers the heartbeat prunes down to D. @default 12 */
  Dhi?: number
  /** Peers (outside the mesh) sent IHAVE gossip each heartbeat, at least. @default 6 */
  Dlazy?: number
  /** Mesh peers kept by score when pruning an oversubscribed mesh. @default 4 */
  Dscore?: number
  /** Outbound peers the mesh keeps at least (sybils connecting in cannot fill it). @default 2 */
  Dout?: number
  /** Heartbeat period, in ms. @default 1_000 */
  heartbeatIntervalMs?: number
  /** Heartbeats a message stays answerable to IWANT (the message cache windows). @default 5 */
  historyLength?: number
  /** Heartbeats of message ids gossiped in IHAVE. @default 3 */
  historyGossip?: number
  /** Share of eligible non-mesh peers gossiped to, when more than Dlazy. @default 0.25 */
  gossipFactor?: number
  /** IHAVE ids processed per peer per heartbeat, and most ids per IHAVE we send. @default 5_000 */
  maxIHaveLength?: number
  /** IHAVE messages processed per peer per heartbeat. @default 10 */
  maxIHaveMessages?: number
  /** Time a peer has to deliver what it advertised after our IWANT, in ms. @default 3_000 */
  iwantFollowupMs?: number
  /** Times one message is sent to one peer in answer to IWANT. @default 3 */
  gossipRetransmission?: number
  /** Backoff after a PRUNE, in ms. @default 60_000 */
  pruneBackoffMs?: number
  /** Backoff after leaving a topic, in ms. @default 10_000 */
  unsubscribeBackoffMs?: number
  /** A GRAFT this soon into a backoff is penalised twice. @default 10_000 */
  graftFloodThresholdMs?: number
  /** Peers suggested in a PRUNE (peer exchange). @default 16 */
  prunePeers?: number
  /** Peer exchange: most suggested peers dialed, and only while the topic has fewer than D peers. @default 4 */
  maxPeerExchangeDials?: number
  /** Send our own messages to every topic peer above the publish threshold, not only the mesh. @default true */
  floodPublish?: boolean
  /** Send IDONTWANT (gossipsub v1.2) for received messages of at least `idontwantMinSize` bytes. @default true */
  idontwant?: boolean
  /** Smallest message that earns an IDONTWANT, in bytes. @default 1_024 */
  idontwantMinSize?: number
  /** IDONTWANT ids sent to, and accepted from, one peer per heartbeat (preamble ids too). @default 1_000 */
  maxIDontWantPerHeartbeat?: number
  /**
   * Send a preamble (the message id, in the control lane) just before relaying a message of at least
   * `preambleMinSize` bytes, so the receiver tells its other mesh peers IDONTWANT while the message is still
   * on the wire. @default true
   */
  preamble?: boolean
  /** Smallest message that gets a preamble, in bytes. @default 65_536 */
  preambleMinSize?: number
  /** A peer that announced a message in a preamble and did not deliver it in this long is penalised, in ms. @default 5_000 */
  preambleTimeoutMs?: number
  /** How long a peer's IDONTWANT is honoured, in ms. @default 3_000 */
  idontwantTtlMs?: number
  /**
   * IDONTWANT ids for one peer within this window after the last one go together in one message, so a busy
   * topic stays within the peer's control-message rate limit (network's 20 per second). @default 50
   */
  idontwantBatchMs?: number
  /** Heartbeats between opportunistic grafts. @default 60 */
  opportunisticGraftTicks?: number
  /** Peers grafted by one opportunistic graft. @default 2 */
  opportunisticGraftPeers?: number
  /** Outstanding IWANT promises tracked at most. @default 20_000 */
  maxPromises?: number
}

/** The peer score (gossipsub v1.1) and its thresholds. */
export interface ScoreOptions {
  /** Cap of the positive sum of the topic terms. @default 50 */
  topicScoreCap?: number
  /** P5: weight of the application score (`components.scores`). @default 0.1 */
  appSpecificWeight?: number
  /** P6: weight of peers sharing an IP, squared (negative). @default -5 */
  ipColocationFactorWeight?: number
  /** P6: peers from one IP tolerated. @default 4 */
  ipColocationFactorThreshold?: number
  /** P7: weight of behaviour penalties (broken promises, GRAFT in backoff, IHAVE floods), squared. @default -10 */
  behaviourPenaltyWeight?: number
  /** P7: penalties tolerated. @default 1 */
  behaviourPenaltyThreshold?: number
  /** P7: decay per decay interval. @default 0.99 */
  behaviourPenaltyDecay?: number
  /** Period of the decay of every counter, in ms. @default 1_000 */
  decayIntervalMs?: number
  /** A counter below this is set to 0. @default 0.01 */
  decayToZero?: number
  /** A disconnected peer's score is kept this long (reconnecting does not wipe a penalty), in ms. @default 600_000 */
  retainScoreMs?: number
  /** Peers whose score is tracked at most (connected ones and retained ones). @default 4_096 */
  maxTrackedPeers?: number
  /** Below this no gossip is sent to or accepted from the peer. @default -10 */
  gossipThreshold?: number
  /** Below this our own messages are not flood-published to the peer. @default -50 */
  publishThreshold?: number
  /** Below this everything from the peer is ignored. @default -80 */
  graylistThreshold?: number
  /** Below this the peer is disconnected (`misbehaviour`). @default -100 */
  disconnectThreshold?: number
  /** Peer exchange is accepted only from peers at or above this. @default 10 */
  acceptPXThreshold?: number
  /** An opportunistic graft happens when the mesh's median score is below this. @default 1 */
  opportunisticGraftThreshold?: number
}

/** Announce-pull (inv / get_data / not_found). */
export interface AnnounceOptions {
  /** Mean of the Poisson delay between inv batches to inbound peers (one timer for all of them), in ms. @default 5_000 */
  inboundTrickleMs?: number
  /** Mean of the Poisson delay between inv batches to each outbound peer, in ms. @default 2_000 */
  outboundTrickleMs?: number
  /** Items per inv batch at most (the rest wait for the next one). @default 1_000 */
  maxInvPerTrickle?: number
  /** Items remembered per peer as known to it (never announced to it again). @default 5_000 */
  knownInventorySize?: number
  /** Items waiting to be announced to one peer at most (the oldest are dropped). @default 10_000 */
  maxQueuedPerPeer?: number
  /** A get_data not answered in this long is given up and the items asked of the next announcer, in ms. @default 60_000 */
  getDataTimeoutMs?: number
  /** Inbound announcers are asked only after this delay (outbound peers are preferred), in ms. @default 2_000 */
  inboundRequestDelayMs?: number
  /** Items in flight from one peer at most. @default 100 */
  maxInFlightPerPeer?: number
  /** Announcements tracked per peer at most (more are ignored). @default 5_000 */
  maxAnnouncementsPerPeer?: number
  /** Announced items tracked in all at most. @default 50_000 */
  maxTrackedItems?: number
  /** Items of one get_data looked at (the rest answered not_found). @default 1_000 */
  maxGetDataItems?: number
}

/** Direct relay to a peer we are not connected to. */
export interface DirectOptions {
  /** Hop budget of the envelopes we send. @default the relay's maxRelayHops */
  ttl?: number
  /** Peers an envelope is handed to when no connected peer is closer to the target than we are. @default 2 */
  fanout?: number
  /** Envelopes accepted per second per origin. @default 2 */
  originRate?: number
  /** Burst of envelopes per origin. @default 20 */
  originBurst?: number
  /** Origins whose rate is tracked at most (least recently seen forgotten first). @default 1_024 */
  maxOrigins?: number
  /** Envelopes accepted per second from one neighbour. @default 20 */
  peerRate?: number
  /** Burst of envelopes from one neighbour. @default 100 */
  peerBurst?: number
  /** Reverse-path routes remembered (origin to the neighbour it came through). @default 1_024 */
  maxRoutes?: number
}

/** Options of `createRelay`; every field is optional. */
export interface RelayOptions {
  /** Default strategy of every topic (the seed's relay mode). @default 'flood' */
  relayMode?: RelayMode
  /** Most hops a relay envelope travels (user topics, validator-only consensus, direct relay); 1 to 16. @default 3 */
  maxRelayHops?: number
  /** `selective` relays only to peers whose score is above this. @default 50 */
  relayThreshold?: number
  /** `selective` relays to at least this many peers (the best scored), so a node with few good peers still relays. @default 4 */
  selectiveMinPeers?: number
  /** How long a message id stays in the seen-cache, and the longest life of an envelope, in ms. @default 3_600_000 */
  messageExpiration?: number
  /** Period of the seen-cache cleanup, in ms. @default 300_000 */
  cleanupInterval?: number
  /** Message ids remembered at most (least recently seen forgotten first). @default 100_000 */
  seenCacheSize?: number
  /** Bytes of messages kept for IWANT and get_data at most. @default 67_108_864 */
  messageCacheBytes?: number
  /** Messages kept for IWANT and get_data at most. @default 20_000 */
  messageCacheEntries?: number
  /** How long a message is kept for IWANT and get_data, in ms. @default 120_000 */
  messageCacheMs?: number
  /** Topics joined at most. @default 64 */
  maxTopics?: number
  /** A validator still running after this long counts as `ignore`, in ms. @default 10_000 */
  validationTimeoutMs?: number
  /** Validations running at once at most; more messages are dropped (and may come again). @default 1_024 */
  maxPendingValidations?: number
  /** Times a rejected id is validated again when another peer sends it (an id collision cannot censor). @default 3 */
  maxRevalidations?: number
  /** Envelopes claiming an expiry beyond `messageExpiration` plus this are refused as bogus, in ms. @default 600_000 */
  maxClockSkewMs?: number
  /** The topics joined at start. @default { blocks: {}, transactions: {}, consensus: {} } */
  topics?: Readonly<Record<string, TopicOptions>>
  /** The gossip mesh. @default see GossipOptions */
  gossip?: GossipOptions
  /** The peer score and its thresholds. @default see ScoreOptions */
  score?: ScoreOptions
  /** Announce-pull. @default see AnnounceOptions */
  announce?: AnnounceOptions
  /** Direct relay. @default see DirectOptions */
  direct?: DirectOptions
}

/** A type with every option resolved. */
type Resolved<T> = { -readonly [K in keyof T]-?: Exclude<T[K], undefined> }

export type ResolvedTopicScore = Resolved<TopicScoreOptions>
export type ResolvedGossip = Resolved<GossipOptions>
export type ResolvedScore = Resolved<ScoreOptions>
export type ResolvedAnnounce = Resolved<AnnounceOptions>
export type ResolvedDirect = Omit<Resolved<DirectOptions>, 'ttl'> & { ttl: number | undefined }
export interface ResolvedTopic {
  strategy: TopicStrategy | undefined
  validator: MessageValidator | undefined
  messageId: MessageIdFunction | undefined
  score: ResolvedTopicScore
}
export interface ResolvedOptions
  extends Omit<Resolved<RelayOptions>, 'topics' | 'gossip' | 'score' | 'announce' | 'direct'> {
  topics: Readonly<Record<string, TopicOptions>>
  gossip: ResolvedGossip
  score: ResolvedScore
  announce: ResolvedAnnounce
  direct: ResolvedDirect
}

const positive = { min: 0 }
const ms = (d: number, min = 1) => option.integer(d, { min })
const decay = (d: number) => option.number(d, { min: 0, max: 1 })
const negative = (d: number) => option.number(d, { max: 0 })

const topicScoreSpec: OptionSpec<ResolvedTopicScore> = {
  topicWeight: option.number(1, positive),
  timeInMeshWeight: option.number(0.0333, positive),
  timeInMeshQuantumMs: ms(1_000),
  timeInMeshCap: option.number(300, positive),
  firstMessageDeliveriesWeight: option.number(1, positive),
  firstMessageDeliveriesDecay: decay(0.99),
  firstMessageDeliveriesCap: option.number(20, positive),
  meshMessageDeliveriesWeight: negative(-10),
  meshMessageDeliveriesDecay: decay(0.97),
  meshMessageDeliveriesThreshold: option.number(1, positive),
  meshMessageDeliveriesShare: option.number(0.1, { min: 0, max: 1 }),
  meshMessageDeliveriesCap: option.number(10, positive),
  meshMessageDeliveriesActivationMs: ms(30_000, 0),
  meshMessageDeliveriesWindowMs: ms(2_000, 0),
  meshFailurePenaltyWeight: negative(-10),
  meshFailurePenaltyDecay: decay(0.97),
  invalidMessageDeliveriesWeight: negative(-10),
  invalidMessageDeliveriesDecay: decay(0.995),
}

const STRATEGIES: readonly TopicStrategy[] = ['flood', 'selective', 'validator_only', 'gossip', 'announce']

const topicSpec: OptionSpec<ResolvedTopic> = {
  strategy: option.custom<TopicStrategy | undefined>(undefined, (v) =>
    STRATEGIES.includes(v as TopicStrategy) ? undefined : `must be one of ${STRATEGIES.join(', ')}`,
  ),
  validator: option.callback<MessageValidator | undefined>(undefined),
  messageId: option.callback<MessageIdFunction | undefined>(undefined),
  score: option.group(topicScoreSpec),
}

const gossipSpec: OptionSpec<ResolvedGossip> = {
  D: option.integer(6, { min: 1, max: 64 }),
  Dlo: option.integer(5, { min: 0, max: 64 }),
  Dhi: option.integer(12, { min: 1, max: 128 }),
  Dlazy: option.integer(6, { min: 0, max: 64 }),
  Dscore: option.integer(4, { min: 0, max: 64 }),
  Dout: option.integer(2, { min: 0, max: 64 }),
  heartbeatIntervalMs: ms(1_000, 10),
  historyLength: option.integer(5, { min: 1, max: 100 }),
  historyGossip: option.integer(3, { min: 0, max: 100 }),
  gossipFactor: option.number(0.25, { min: 0, max: 1 }),
  maxIHaveLength: option.integer(LIMITS.maxIHaveIds, { min: 1, max: LIMITS.maxIHaveIds }),
  maxIHaveMessages: option.integer(10, { min: 1 }),
  iwantFollowupMs: ms(3_000),
  gossipRetransmission: option.integer(3, { min: 1 }),
  pruneBackoffMs: ms(60_000, 0),
  unsubscribeBackoffMs: ms(10_000, 0),
  graftFloodThresholdMs: ms(10_000, 0),
  prunePeers: option.integer(16, { min: 0, max: LIMITS.maxPrunePeers }),
  maxPeerExchangeDials: option.integer(4, { min: 0, max: LIMITS.maxPrunePeers }),
  floodPublish: option.boolean(true),
  idontwant: option.boolean(true),
  idontwantMinSize: option.integer(1_024, { min: 0 }),
  maxIDontWantPerHeartbeat: option.integer(1_000, { min: 0, max: 100_000 }),
  preamble: option.boolean(true),
  preambleMinSize: option.integer(65_536, { min: 0 }),
  preambleTimeoutMs: ms(5_000),
  idontwantTtlMs: ms(3_000),
  idontwantBatchMs: ms(50, 0),
  opportunisticGraftTicks: option.integer(60, { min: 1 }),
  opportunisticGraftPeers: option.integer(2, { min: 0, max: 64 }),
  maxPromises: option.integer(20_000, { min: 1 }),
}

const scoreSpec: OptionSpec<ResolvedScore> = {
  topicScoreCap: option.number(50, positive),
  appSpecificWeight: option.number(0.1, positive),
  ipColocationFactorWeight: negative(-5),
  ipColocationFactorThreshold: option.integer(4, { min: 1 }),
  behaviourPenaltyWeight: negative(-10),
  behaviourPenaltyThreshold: option.number(1, positive),
  behaviourPenaltyDecay: decay(0.99),
  decayIntervalMs: ms(1_000, 10),
  decayToZero: option.number(0.01, positive),
  retainScoreMs: ms(600_000, 0),
  maxTrackedPeers: option.integer(4_096, { min: 1 }),
  gossipThreshold: negative(-10),
  publishThreshold: negative(-50),
  graylistThreshold: negative(-80),
  disconnectThreshold: option.number(-100),
  acceptPXThreshold: option.number(10, positive),
  opportunisticGraftThreshold: option.number(1),
}

const announceSpec: OptionSpec<ResolvedAnnounce> = {
  inboundTrickleMs: ms(5_000, 0),
  outboundTrickleMs: ms(2_000, 0),
  maxInvPerTrickle: option.integer(1_000, { min: 1, max: LIMITS.maxInvEntries }),
  knownInventorySize: option.integer(5_000, { min: 1 }),
  maxQueuedPerPeer: option.integer(10_000, { min: 1 }),
  getDataTimeoutMs: ms(60_000),
  inboundRequestDelayMs: ms(2_000, 0),
  maxInFlightPerPeer: option.integer(100, { min: 1, max: LIMITS.maxInvEntries }),
  maxAnnouncementsPerPeer: option.integer(5_000, { min: 1 }),
  maxTrackedItems: option.integer(50_000, { min: 1 }),
  maxGetDataItems: option.integer(1_000, { min: 1, max: LIMITS.maxInvEntries }),
}

const directSpec: OptionSpec<ResolvedDirect> = {
  ttl: option.custom<number | undefined>(undefined, (v) =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= LIMITS.maxRelayTtl
      ? undefined
      : `must be an integer from 1 to ${LIMITS.maxRelayTtl}`,
  ),
  fanout: option.integer(2, { min: 0, max: 16 }),
  originRate: option.number(2, positive),
  originBurst: option.number(20, { min: 1 }),
  maxOrigins: option.integer(1_024, { min: 1 }),
  peerRate: option.number(20, positive),
  peerBurst: option.number(100, { min: 1 }),
  maxRoutes: option.integer(1_024, { min: 1 }),
}

/** The default topics: the three built-ins, each with its default strategy. */
export const DEFAULT_TOPICS: Readonly<Record<string, TopicOptions>> = Object.freeze({
  blocks: {},
  transactions: {},
  consensus: {},
})

const relaySpec: OptionSpec<ResolvedOptions> = {
  relayMode: option.oneOf<RelayMode>('flood', ['flood', 'selective', 'validator_only', 'gossip']),
  maxRelayHops: option.integer(3, { min: 1, max: LIMITS.maxRelayTtl }),
  relayThreshold: option.number(50),
  selectiveMinPeers: option.integer(4, { min: 0 }),
  messageExpiration: ms(3_600_000),
  cleanupInterval: ms(300_000, 10),
  seenCacheSize: option.integer(100_000, { min: 1 }),
  messageCacheBytes: option.integer(64 * 1024 * 1024, { min: 1 }),
  messageCacheEntries: option.integer(20_000, { min: 1 }),
  messageCacheMs: ms(120_000),
  maxTopics: option.integer(64, { min: 1, max: 1_024 }),
  validationTimeoutMs: ms(10_000),
  maxPendingValidations: option.integer(1_024, { min: 1 }),
  maxRevalidations: option.integer(3, { min: 0 }),
  maxClockSkewMs: ms(600_000, 0),
  topics: option.custom<Readonly<Record<string, TopicOptions>>>(DEFAULT_TOPICS, (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object of topics'
    for (const [name, t] of Object.entries(v)) {
      if (!TOPIC_PATTERN.test(name)) return `has an invalid topic name ${JSON.stringify(name)}`
      if (typeof t !== 'object' || t === null || Array.isArray(t)) return `.${name} must be an object`
    }
    return undefined
  }),
  gossip: option.group(gossipSpec),
  score: option.group(scoreSpec),
  announce: option.group(announceSpec),
  direct: option.group(directSpec),
}

const fail = (message: string, details: { option: string; value?: unknown; problem: string }) =>
  new RelayError('ERR_INVALID_OPTIONS', message, details)

/** Resolves the relay's options; throws `ERR_INVALID_OPTIONS` naming the first bad one. */
export function resolveRelayOptions(options: RelayOptions | undefined): ResolvedOptions {
  const o = resolveOptions(relaySpec, options, { prefix: 'options.', error: fail })
  const g = o.gossip
  if (!(g.Dlo <= g.D && g.D <= g.Dhi)) {
    throw fail('options.gossip.D must lie in [Dlo, Dhi]', {
      option: 'options.gossip.D',
      value: g.D,
      problem: 'out of range',
    })
  }
  if (g.Dout >= g.Dlo || g.Dout > g.D / 2) {
    throw fail('options.gossip.Dout must be below Dlo and at most D/2', {
      option: 'options.gossip.Dout',
      value: g.Dout,
      problem: 'out of range',
    })
  }
  if (g.historyGossip > g.historyLength) {
    throw fail('options.gossip.historyGossip must be at most historyLength', {
      option: 'options.gossip.historyGossip',
      value: g.historyGossip,
      problem: 'out of range',
    })
  }
  const s = o.score
  if (
    !(
      s.disconnectThreshold <= s.graylistThreshold &&
      s.graylistThreshold <= s.publishThreshold &&
      s.publishThreshold <= s.gossipThreshold
    )
  ) {
    throw fail('options.score thresholds must satisfy disconnect <= graylist <= publish <= gossip <= 0', {
      option: 'options.score.graylistThreshold',
      value: s.graylistThreshold,
      problem: 'out of order',
    })
  }
  for (const [name, t] of Object.entries(o.topics)) resolveTopicOptions(name, t)
  return o
}

/** Resolves one topic's options; throws `ERR_INVALID_OPTIONS` naming the field (`options.topics.blocks.strategy`). */
export function resolveTopicOptions(name: string, options: TopicOptions | undefined): ResolvedTopic {
  if (!TOPIC_PATTERN.test(name)) {
    throw new RelayError('ERR_UNKNOWN_TOPIC', `invalid topic name ${JSON.stringify(name)}`, { topic: name })
  }
  const t = resolveOptions(topicSpec, options, { prefix: `options.topics.${name}.`, error: fail })
  if (t.strategy === 'announce' && name !== 'blocks' && name !== 'transactions') {
    throw fail(`options.topics.${name}.strategy: announce is for blocks and transactions only`, {
      option: `options.topics.${name}.strategy`,
      value: t.strategy,
      problem: 'announce is for blocks and transactions only',
    })
  }
  return t
}
