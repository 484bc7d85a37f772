import type { NodeRole } from '@chainwire/interface'
import { DEFAULT_MAX_CLOCK_SKEW_MS, isAddress, LIMITS, type MessageType } from '@chainwire/protocol-codec'
import { NetworkError } from './errors'
import type { LocalStatus, NetworkOptions } from './index'
import { DEFAULT_MESSAGE_CLASSES, MESSAGE_CLASSES, type MessageClass } from './limits/message-class'
import type { ClassRateLimit } from './limits/peer-rate-limiter'
import { DEFAULT_EVICTION_PROTECTION, type EvictionProtection } from './manager/eviction'
import { DEFAULT_REKEY_SCHEDULE } from './noise/rekey'
import { DEFAULT_LANE_WEIGHTS, type LaneWeights } from './queue/send-queue'

/**
 * Default inbound limits per peer and class. Generous for honest traffic (a block download of 16 MB/s from
 * one peer, 500 transactions a second) and far below what a flood sends; a single message larger than a
 * byte burst still passes when the bucket is full.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<MessageClass, Readonly<ClassRateLimit>>> = Object.freeze({
  control: Object.freeze({
    messagesPerSecond: 20,
    messageBurst: 100,
    bytesPerSecond: 256 * 1024,
    byteBurst: 1024 * 1024,
  }),
  blocks: Object.freeze({
    messagesPerSecond: 200,
    messageBurst: 1_000,
    bytesPerSecond: 16 * 1024 * 1024,
    byteBurst: 32 * 1024 * 1024,
  }),
  transactions: Object.freeze({
    messagesPerSecond: 500,
    messageBurst: 2_000,
    bytesPerSecond: 4 * 1024 * 1024,
    byteBurst: 8 * 1024 * 1024,
  }),
  bulk: Object.freeze({
    messagesPerSecond: 50,
    messageBurst: 200,
    bytesPerSecond: 4 * 1024 * 1024,
    byteBurst: 8 * 1024 * 1024,
  }),
})

/** Default of `junkBytesPerSecond`: junk bytes forgiven per second (256 KiB). */
export const DEFAULT_JUNK_BYTES_PER_SECOND = 256 * 1024
/** Default of `junkByteBurst`: junk bytes tolerated in a burst (16 MiB, four messages of the largest size). */
export const DEFAULT_JUNK_BYTE_BURST = 16 * 1024 * 1024

/** Every option with its default applied (see {@link NetworkOptions} for each one). */
export interface ResolvedOptions {
  networkId: string
  listen: readonly string[]
  announce: readonly string[] | undefined
  roles: NodeRole[]
  userAgent: string
  capabilities: string[]
  localStatus: LocalStatus
  persistentPeers: readonly string[]
  maxConnections: number
  maxOutboundFullRelay: number
  maxOutboundBlockRelay: number
  maxFeelers: number
  maxManual: number
  maxInbound: number
  maxInboundPerIp: number
  maxInboundPerNetGroup: number
  maxPendingInbound: number
  inboundRatePerIp: number
  inboundBurstPerIp: number
  maxTrackedIps: number
  evictionProtection: EvictionProtection
  dialTimeoutMs: number
  handshakeTimeoutMs: number
  pingIntervalMs: number
  idleTimeoutMs: number
  latencyAlpha: number
  maxClockSkewMs: number
  backoffBaseMs: number
  backoffMaxMs: number
  backoffJitter: number
  backoffMaxEntries: number
  disconnectLingerMs: number
  maxMessageSize: number
  sendQueueBytes: number
  sendQueueGraceMs: number
  maxSendWaiters: number
  sendTimeoutMs: number
  receiveBufferBytes: number
  rateLimits: Record<MessageClass, ClassRateLimit>
  rateLimitTolerancePerSecond: number
  rateLimitToleranceBurst: number
  junkBytesPerSecond: number
  junkByteBurst: number
  rekeyAfterMessages: number
  rekeyAfterBytes: number
  laneWeights: LaneWeights
  messageClasses: Partial<Record<MessageType, MessageClass>>
  maxInflightRequests: number
  maxInboundRequests: number
  requestTimeoutMs: number
}

/** Most persistent peers kept. */
export const MAX_PERSISTENT_PEERS = 64

/** Applies the defaults and checks every option; throws `ERR_INVALID_OPTIONS`. */
export function resolveOptions(options: NetworkOptions): ResolvedOptions {
  const o = options ?? {}
  const maxConnections = int('maxConnections', o.maxConnections, 125, 1)
  const maxOutboundFullRelay = int('maxOutboundFullRelay', o.maxOutboundFullRelay, 8, 0)
  const maxOutboundBlockRelay = int('maxOutboundBlockRelay', o.maxOutboundBlockRelay, 2, 0)
  const maxFeelers = int('maxFeelers', o.maxFeelers, 1, 0)
  const maxManual = int('maxManual', o.maxManual, 8, 0)
  const outbound = maxOutboundFullRelay + maxOutboundBlockRelay + maxFeelers + maxManual
  const maxInbound = int('maxInbound', o.maxInbound, Math.max(0, maxConnections - outbound), 0)
  const networkId = o.networkId ?? 'chainwire-mainnet'
  if (typeof networkId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(networkId)) {
    throw invalid('networkId', networkId)
  }
  const rateLimits = {} as Record<MessageClass, ClassRateLimit>
  for (const cls of MESSAGE_CLASSES) {
    const merged = { ...DEFAULT_RATE_LIMITS[cls], ...o.rateLimits?.[cls] }
    for (const [k, v] of Object.entries(merged)) {
      if (typeof v !== 'number' || !(v >= 0)) throw invalid(`rateLimits.${cls}.${k}`, v)
    }
    rateLimits[cls] = merged
  }
  const announce = o.announce === undefined ? undefined : [...o.announce]
  for (const a of announce ?? []) if (!isAddress(a)) throw invalid('announce', a)
  if ((announce?.length ?? 0) > LIMITS.maxListenAddrs) throw invalid('announce', announce?.length)
  const persistentPeers = [...(o.persistentPeers ?? [])]
  if (persistentPeers.length > MAX_PERSISTENT_PEERS) throw invalid('persistentPeers', persistentPeers.length)
  const latencyAlpha = o.latencyAlpha ?? 0.2
  if (!(latencyAlpha > 0 && latencyAlpha <= 1)) throw invalid('latencyAlpha', latencyAlpha)
  const jitter = o.dialBackoff?.jitter ?? 0.3
  if (!(jitter >= 0 && jitter <= 1)) throw invalid('dialBackoff.jitter', jitter)
  const maxMessageSize = int('maxMessageSize', o.maxMessageSize, LIMITS.maxMessageSize, 1)
  if (maxMessageSize > LIMITS.maxMessageSize) throw invalid('maxMessageSize', maxMessageSize)
  return {
    networkId,
    listen: [...(o.listen ?? [])],
    announce,
    roles: [...(o.roles ?? ['full'])],
    userAgent: o.userAgent ?? 'chainwire-network/0.1.0',
    capabilities: [...(o.capabilities ?? [])],
    localStatus: o.localStatus ?? { bestHeight: 0, bestHash: new Uint8Array(32), totalWork: 0n },
    persistentPeers,
    maxConnections,
    maxOutboundFullRelay,
    maxOutboundBlockRelay,
    maxFeelers,
    maxManual,
    maxInbound,
    maxInboundPerIp: int('maxInboundPerIp', o.maxInboundPerIp, 8, 1),
    maxInboundPerNetGroup: int('maxInboundPerNetGroup', o.maxInboundPerNetGroup, 16, 1),
    maxPendingInbound: int('maxPendingInbound', o.maxPendingInbound, 32, 1),
    inboundRatePerIp: num('inboundRatePerIp', o.inboundRatePerIp, 0.2),
    inboundBurstPerIp: num('inboundBurstPerIp', o.inboundBurstPerIp, 16),
    maxTrackedIps: int('maxTrackedIps', o.maxTrackedIps, 4_096, 1),
    evictionProtection: { ...DEFAULT_EVICTION_PROTECTION, ...o.evictionProtection },
    dialTimeoutMs: int('dialTimeoutMs', o.dialTimeoutMs, 10_000, 1),
    handshakeTimeoutMs: int('handshakeTimeoutMs', o.handshakeTimeoutMs, 5_000, 1),
    pingIntervalMs: int('pingIntervalMs', o.pingIntervalMs, 30_000, 1),
    idleTimeoutMs: int('idleTimeoutMs', o.idleTimeoutMs, 60_000, 1),
    latencyAlpha,
    maxClockSkewMs: num('maxClockSkewMs', o.maxClockSkewMs, DEFAULT_MAX_CLOCK_SKEW_MS),
    backoffBaseMs: int('dialBackoff.baseMs', o.dialBackoff?.baseMs, 1_000, 0),
    backoffMaxMs: int('dialBackoff.maxMs', o.dialBackoff?.maxMs, 300_000, 0),
    backoffJitter: jitter,
    backoffMaxEntries: int('dialBackoff.maxEntries', o.dialBackoff?.maxEntries, 1_024, 1),
    disconnectLingerMs: int('disconnectLingerMs', o.disconnectLingerMs, 1_000, 0),
    maxMessageSize,
    sendQueueBytes: int('sendQueueBytes', o.sendQueueBytes, 1_000_000, 1),
    sendQueueGraceMs: int('sendQueueGraceMs', o.sendQueueGraceMs, 10_000, 1),
    maxSendWaiters: int('maxSendWaiters', o.maxSendWaiters, 1_024, 0),
    sendTimeoutMs: int('sendTimeoutMs', o.sendTimeoutMs, 10_000, 1),
    receiveBufferBytes: int('receiveBufferBytes', o.receiveBufferBytes, 5_000_000, 1),
    rateLimits,
    rateLimitTolerancePerSecond: num('rateLimitTolerancePerSecond', o.rateLimitTolerancePerSecond, 10),
    rateLimitToleranceBurst: num('rateLimitToleranceBurst', o.rateLimitToleranceBurst, 200),
    junkBytesPerSecond: num('junkBytesPerSecond', o.junkBytesPerSecond, DEFAULT_JUNK_BYTES_PER_SECOND),
    junkByteBurst: num('junkByteBurst', o.junkByteBurst, DEFAULT_JUNK_BYTE_BURST),
    rekeyAfterMessages: int('rekeyAfterMessages', o.rekeyAfterMessages, DEFAULT_REKEY_SCHEDULE.messages, 1),
    rekeyAfterBytes: int('rekeyAfterBytes', o.rekeyAfterBytes, DEFAULT_REKEY_SCHEDULE.bytes, 1),
    laneWeights: {
      blocks: weight('blocks', o.laneWeights?.blocks),
      transactions: weight('transactions', o.laneWeights?.transactions),
      bulk: weight('bulk', o.laneWeights?.bulk),
    },
    messageClasses: { ...DEFAULT_MESSAGE_CLASSES, ...o.messageClasses },
    maxInflightRequests: int('maxInflightRequests', o.maxInflightRequests, 32, 1),
    maxInboundRequests: int('maxInboundRequests', o.maxInboundRequests, 32, 1),
    requestTimeoutMs: int('requestTimeoutMs', o.requestTimeoutMs, 10_000, 1),
  }
}

function int(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < min) throw invalid(name, v)
  return v
}

function weight(cls: keyof LaneWeights, value: number | undefined): number {
  const v = int(`laneWeights.${cls}`, value, DEFAULT_LANE_WEIGHTS[cls], 1)
  if (v > 1_000) throw invalid(`laneWeights.${cls}`, v)
  return v
}

function num(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(name, v)
  return v
}

function invalid(name: string, value: unknown): NetworkError {
  return new NetworkError('ERR_INVALID_OPTIONS', `invalid option ${name}: ${String(value)}`, {
    option: name,
    value: typeof value === 'number' || typeof value === 'string' ? value : String(value),
  })
}
