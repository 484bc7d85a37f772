import { LIMITS } from '../limits'
import {
  array,
  bool,
  bytes,
  hash32,
  optional,
  peerIdString,
  struct,
  token,
  u32,
  uint,
  uintSafe,
} from '../schema'
import { type DhtNode, dhtNode } from './chain'
import type { SpecTable } from './spec'

/**
 * `relay`: an envelope that carries an encoded message across several hops (validator-only flooding,
 * messages for a peer we are not connected to). Relays increment `hops` and drop the envelope when
 * `hops` reaches `ttl`.
 */
export interface RelayData {
  /** The peer that created the envelope. */
  origin: string
  /** The final recipient; absent for a broadcast. */
  target?: string
  /** Hops travelled so far, 0 to `LIMITS.maxRelayTtl`. */
  hops: number
  /** Hop budget set by the origin, 1 to `LIMITS.maxRelayTtl`. */
  ttl: number
  /** Gossip topic the payload belongs to, if any. */
  topic?: string
  /** The carried message, an encoded envelope (decode it with `decode`). */
  payload: Uint8Array
  /**
   * When the envelope expires, in ms since the epoch on the origin's clock: relays drop it after this (and
   * may drop one that claims a time too far ahead). Absent: no expiry beyond the hop budget.
   */
  expiresAt?: number
}

/**
 * `preamble`: the sender is about to send these messages of a topic to the receiver (sent just before a large
 * message, in the control lane, so it arrives long before the message itself): the receiver tells its other
 * mesh peers IDONTWANT at once, instead of after the whole message arrived (gossipsub v1.3's preamble).
 */
export interface PreambleData {
  topic: string
  /** 1 to `LIMITS.maxIDontWantIds` message ids. */
  messageIds: Uint8Array[]
}

/** One change of a peer's topic subscriptions (gossipsub SUBOPTS). */
export interface Subscription {
  topic: string
  /** true: the sender joined the topic; false: it left it. */
  subscribed: boolean
}

/**
 * `subscribe`: the topics the sender joins or leaves (gossipsub's subscription announcements). Sent once after
 * the handshake with every joined topic, then on each change; a peer gets a topic's messages only once it is
 * known to have joined it.
 */
export interface SubscribeData {
  /** 1 to `LIMITS.maxSubscriptions` changes, applied in order (a topic listed twice: the last one counts). */
  topics: Subscription[]
}

/** `ihave`: gossip message ids the sender has seen on a topic (gossipsub IHAVE). */
export interface IHaveData {
  topic: string
  /** 1 to `LIMITS.maxIHaveIds` 32-byte message ids. */
  messageIds: Uint8Array[]
}

/** `iwant`: asks for gossip messages by id (gossipsub IWANT); they come as their own messages. */
export interface IWantData {
  /** 1 to `LIMITS.maxIWantIds` message ids. */
  messageIds: Uint8Array[]
}

/** `graft`: the sender adds the receiver to its mesh for a topic. */
export interface GraftData {
  topic: string
}

/** `prune`: the sender removes the receiver from its mesh for a topic, with peer exchange and a backoff. */
export interface PruneData {
  topic: string
  /** Other peers to try (gossipsub v1.1 peer exchange), at most `LIMITS.maxPrunePeers`. */
  peers: DhtNode[]
  /** Do not graft again on this topic for this long. */
  backoffMs?: number
}

/** `idontwant`: the sender already has these messages; do not forward them to it (gossipsub v1.2). */
export interface IDontWantData {
  /** 1 to `LIMITS.maxIDontWantIds` message ids. */
  messageIds: Uint8Array[]
}

/** Data types of the relay and gossip-control messages. */
export interface GossipMessages {
  relay: RelayData
  ihave: IHaveData
  iwant: IWantData
  graft: GraftData
  prune: PruneData
  idontwant: IDontWantData
  subscribe: SubscribeData
  preamble: PreambleData
}

/** A gossip topic: 1-64 of `A-Z a-z 0-9 . _ : / -`, starting with a letter or digit. */
export const TOPIC_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/
const topic = token(LIMITS.maxTopicBytes, TOPIC_PATTERN)
const messageIds = (max: number) => array(hash32, { min: 1, max })

/** Multi-hop relay envelope and gossip mesh control. */
export const gossipSpecs: SpecTable<GossipMessages> = {
  relay: {
    code: 0x48,
    kind: 'announcement',
    summary: 'multi-hop envelope: origin, target, hops, ttl, topic, payload, expiry',
    schema: struct<RelayData>({
      origin: peerIdString,
      target: optional(peerIdString),
      hops: uint(LIMITS.maxRelayTtl),
      ttl: uint(LIMITS.maxRelayTtl, 1),
      topic: optional(topic),
      payload: bytes(0, LIMITS.maxRelayPayloadBytes),
      expiresAt: optional(uintSafe),
    }),
  },
  ihave: {
    code: 0x50,
    kind: 'announcement',
    summary: 'gossip: message ids seen on a topic',
    schema: struct<IHaveData>({ topic, messageIds: messageIds(LIMITS.maxIHaveIds) }),
  },
  iwant: {
    code: 0x51,
    kind: 'announcement',
    summary: 'gossip: asks for messages by id',
    schema: struct<IWantData>({ messageIds: messageIds(LIMITS.maxIWantIds) }),
  },
  graft: {
    code: 0x52,
    kind: 'announcement',
    summary: 'gossip: joins the receiver to the mesh of a topic',
    schema: struct<GraftData>({ topic }),
  },
  prune: {
    code: 0x53,
    kind: 'announcement',
    summary: 'gossip: leaves the mesh of a topic, with peer exchange and backoff',
    schema: struct<PruneData>({
      topic,
      peers: array(dhtNode, { max: LIMITS.maxPrunePeers }),
      backoffMs: optional(u32),
    }),
  },
  idontwant: {
    code: 0x54,
    kind: 'announcement',
    summary: 'gossip: message ids the sender already has',
    schema: struct<IDontWantData>({ messageIds: messageIds(LIMITS.maxIDontWantIds) }),
  },
  preamble: {
    code: 0x56,
    kind: 'announcement',
    summary: 'gossip: messages of a topic about to be sent to the receiver',
    schema: struct<PreambleData>({ topic, messageIds: messageIds(LIMITS.maxIDontWantIds) }),
  },
  subscribe: {
    code: 0x55,
    kind: 'announcement',
    summary: 'gossip: topics the sender joins or leaves',
    schema: struct<SubscribeData>({
      topics: array(struct<Subscription>({ topic, subscribed: bool }), {
        min: 1,
        max: LIMITS.maxSubscriptions,
      }),
    }),
  },
}
