import type { PeerId } from '@chainwire/interface'
import type { MessageType } from '@chainwire/protocol-codec'
import type { Connection } from './connection/connection'
import { MESSAGE_CLASSES, type MessageClass } from './limits/message-class'
import type {
  ConnectionKind,
  LimitCounters,
  NetworkStatus,
  PeerInfo,
  PeerStatus,
  TrafficCount,
} from './types'

/** A zeroed {@link LimitCounters}. */
export function emptyLimitCounters(): LimitCounters {
  return {
    inboundRateLimited: 0,
    inboundPerIp: 0,
    inboundPerNetGroup: 0,
    inboundPending: 0,
    inboundFull: 0,
    gaterDenied: 0,
    evictions: 0,
    outboundFull: 0,
    dialBackoff: 0,
    handshakeTimeouts: 0,
    handshakeFailures: 0,
    messagesRateLimited: 0,
    rateLimitDisconnects: 0,
    invalidMessages: 0,
    sendQueueFull: 0,
    sendQueueStalls: 0,
    lateResponses: 0,
    unknownResponses: 0,
    requestsRefused: 0,
    idleTimeouts: 0,
  }
}

/** What {@link buildStatus} reads. */
export interface StatusInput {
  peerId: PeerId
  networkId: string
  started: boolean
  listenAddresses: string[]
  connections: readonly (readonly [PeerInfo, Connection])[]
  counts: Record<ConnectionKind, number>
  pendingHandshakes: number
  limits: LimitCounters
}

/** Assembles a {@link NetworkStatus} snapshot (copies: later traffic does not change it). */
export function buildStatus(input: StatusInput): NetworkStatus {
  return {
    peerId: input.peerId,
    networkId: input.networkId,
    started: input.started,
    listenAddresses: input.listenAddresses,
    peers: input.connections.map(([info, conn]) => peerStatus(info, conn)),
    connections: { ...input.counts },
    pendingHandshakes: input.pendingHandshakes,
    limits: { ...input.limits },
  }
}

function peerStatus(info: PeerInfo, conn: Connection): PeerStatus {
  const rateLimited = {} as Record<MessageClass, TrafficCount>
  for (const cls of MESSAGE_CLASSES) {
    const d = conn.rateLimited[cls]
    rateLimited[cls] = { messages: d.messages, bytes: d.bytes }
  }
  return {
    ...info,
    netGroup: conn.netGroup,
    bytesIn: conn.bytesIn,
    bytesOut: conn.bytesOut,
    messagesIn: copyTraffic(conn.messagesIn),
    messagesOut: copyTraffic(conn.messagesOut),
    rateLimited,
    invalidMessages: conn.invalidMessages,
    junkBytes: conn.limiter.junkBytes,
    sendQueueBytes: conn.queue.bytes,
    receiveBufferedBytes: conn.receiveBufferedBytes,
    inflightRequests: conn.requests.inflight,
    servingRequests: conn.serving,
  }
}

function copyTraffic(
  map: ReadonlyMap<MessageType, TrafficCount>,
): Partial<Record<MessageType, TrafficCount>> {
  const out: Partial<Record<MessageType, TrafficCount>> = {}
  for (const [type, t] of map) out[type] = { messages: t.messages, bytes: t.bytes }
  return out
}
