import {
  isAddress,
  type NodeRole,
  type OptionField,
  type OptionSpec,
  option,
  resolveOptions as resolveSpec,
} from '@chainwire/interface'
import { CATALOG, DEFAULT_MAX_CLOCK_SKEW_MS, LIMITS, type MessageType } from '@chainwire/protocol-codec'
import { MIN_PACKET_BYTES } from './datagram/packet'
import { NetworkError } from './errors'
import { DEFAULT_MESSAGE_CLASSES, MESSAGE_CLASSES, type MessageClass } from './limits/message-class'
import type { ClassRateLimit } from './limits/peer-rate-limiter'
import { DEFAULT_EVICTION_PROTECTION, type EvictionProtection } from './manager/eviction'
import { DEFAULT_REKEY_SCHEDULE } from './noise/rekey'
import { DEFAULT_SEAL_BYTES_PER_TURN } from './noise/send-budget'
import { DEFAULT_LANE_WEIGHTS, type LaneWeights } from './queue/send-queue'
import type { DatagramOptions, LocalStatus, NetworkOptions } from './types'

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
  sealBytesPerTurn: number
  laneWeights: LaneWeights
  messageClasses: Partial<Record<MessageType, MessageClass>>
  maxInflightRequests: number
  maxInboundRequests: number
  requestTimeoutMs: number
  datagrams: Required<DatagramOptions>
}

/** Most persistent peers kept. */
export const MAX_PERSISTENT_PEERS = 64

const MAX_INT = Number.MAX_SAFE_INTEGER

/** A safe integer of at least `min` (no Infinity: every count and duration here is finite). */
const int = (defaultValue: number, min: number): OptionField<number> =>
  option.integer(defaultValue, { min, max: MAX_INT })

/** A finite number of at least 0. */
const num = (defaultValue: number): OptionField<number> =>
  option.number(defaultValue, { min: 0, max: Number.MAX_VALUE })

/** A rate limit figure: a number of at least 0, Infinity allowed (no limit). */
const rate = (defaultValue: number): OptionField<number> => option.number(defaultValue, { min: 0 })

/** A list option: an array whose every item passes `item`, at most `max` long. */
function list<T>(
  defaultValue: readonly T[],
  max: number,
  item: (v: unknown) => boolean,
): OptionField<readonly T[]> {
  return option.custom<readonly T[]>(defaultValue, (v) => {
    if (!Array.isArray(v)) return 'must be an array'
    if (v.length > max) return `must have at most ${max} entries`
    return v.every(item) ? undefined : 'has an invalid entry'
  })
}

const isString = (v: unknown): boolean => typeof v === 'string'
const isAddressText = (v: unknown): boolean => typeof v === 'string' && isAddress(v)

/** The options as declared (before the fields computed from others); see {@link NetworkOptions}. */
interface DeclaredOptions
  extends Omit<ResolvedOptions, 'maxInbound' | `backoff${string}` | 'roles' | 'capabilities'> {
  maxInbound: number | undefined
  roles: readonly NodeRole[]
  capabilities: readonly string[]
  dialBackoff: { baseMs: number; maxMs: number; jitter: number; maxEntries: number }
}

const SPEC: OptionSpec<DeclaredOptions> = {
  networkId: option.string('chainwire-mainnet', { pattern: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/ }),
  listen: list<string>([], 64, isString),
  announce: option.custom<readonly string[] | undefined>(
    undefined,
    list<string>([], LIMITS.maxListenAddrs, isAddressText).check,
  ),
  roles: list<NodeRole>(['full'], 8, isString),
  userAgent: option.string('chainwire-network/0.1.0'),
  capabilities: list<string>([], 64, isString),
  localStatus: option.custom<LocalStatus>(
    { bestHeight: 0, bestHash: new Uint8Array(32), totalWork: 0n },
    (v) => (typeof v === 'object' && v !== null ? undefined : 'must be an object'),
  ),
  persistentPeers: list<string>([], MAX_PERSISTENT_PEERS, isString),
  maxConnections: int(125, 1),
  maxOutboundFullRelay: int(8, 0),
  maxOutboundBlockRelay: int(2, 0),
  maxFeelers: int(1, 0),
  maxManual: int(8, 0),
  maxInbound: option.custom<number | undefined>(undefined, int(0, 0).check),
  maxInboundPerIp: int(8, 1),
  maxInboundPerNetGroup: int(16, 1),
  maxPendingInbound: int(32, 1),
  inboundRatePerIp: num(0.2),
  inboundBurstPerIp: num(16),
  maxTrackedIps: int(4_096, 1),
  evictionProtection: option.group<EvictionProtection>({
    netGroups: int(DEFAULT_EVICTION_PROTECTION.netGroups, 0),
    lowestPing: int(DEFAULT_EVICTION_PROTECTION.lowestPing, 0),
    recentTransactions: int(DEFAULT_EVICTION_PROTECTION.recentTransactions, 0),
    recentBlocks: int(DEFAULT_EVICTION_PROTECTION.recentBlocks, 0),
    uptimeFraction: option.number(DEFAULT_EVICTION_PROTECTION.uptimeFraction, { min: 0, max: 1 }),
  }),
  dialTimeoutMs: int(10_000, 1),
  handshakeTimeoutMs: int(5_000, 1),
  pingIntervalMs: int(30_000, 1),
  idleTimeoutMs: int(60_000, 1),
  latencyAlpha: option.custom<number>(0.2, (v) =>
    typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'must be in (0, 1]',
  ),
  maxClockSkewMs: num(DEFAULT_MAX_CLOCK_SKEW_MS),
  dialBackoff: option.group({
    baseMs: int(1_000, 0),
    maxMs: int(300_000, 0),
    jitter: option.number(0.3, { min: 0, max: 1 }),
    maxEntries: int(1_024, 1),
  }),
  disconnectLingerMs: int(1_000, 0),
  maxMessageSize: option.integer(LIMITS.maxMessageSize, { min: 1, max: LIMITS.maxMessageSize }),
  sendQueueBytes: int(1_000_000, 1),
  sendQueueGraceMs: int(10_000, 1),
  maxSendWaiters: int(1_024, 0),
  sendTimeoutMs: int(10_000, 1),
  receiveBufferBytes: int(5_000_000, 1),
  rateLimits: option.group(
    Object.fromEntries(
      MESSAGE_CLASSES.map((cls) => {
        const d = DEFAULT_RATE_LIMITS[cls]
        const fields: OptionSpec<ClassRateLimit> = {
          messagesPerSecond: rate(d.messagesPerSecond),
          messageBurst: rate(d.messageBurst),
          bytesPerSecond: rate(d.bytesPerSecond),
          byteBurst: rate(d.byteBurst),
        }
        return [cls, option.group(fields)]
      }),
    ) as OptionSpec<Record<MessageClass, ClassRateLimit>>,
  ),
  rateLimitTolerancePerSecond: num(10),
  rateLimitToleranceBurst: num(200),
  junkBytesPerSecond: num(DEFAULT_JUNK_BYTES_PER_SECOND),
  junkByteBurst: num(DEFAULT_JUNK_BYTE_BURST),
  rekeyAfterMessages: int(DEFAULT_REKEY_SCHEDULE.messages, 1),
  rekeyAfterBytes: int(DEFAULT_REKEY_SCHEDULE.bytes, 1),
  sealBytesPerTurn: int(DEFAULT_SEAL_BYTES_PER_TURN, 1),
  laneWeights: option.group<LaneWeights>({
    blocks: option.integer(DEFAULT_LANE_WEIGHTS.blocks, { min: 1, max: 1_000 }),
    transactions: option.integer(DEFAULT_LANE_WEIGHTS.transactions, { min: 1, max: 1_000 }),
    bulk: option.integer(DEFAULT_LANE_WEIGHTS.bulk, { min: 1, max: 1_000 }),
  }),
  messageClasses: option.custom<Partial<Record<MessageType, MessageClass>>>({}, (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object'
    for (const [type, cls] of Object.entries(v)) {
      if (!Object.hasOwn(CATALOG, type)) return `names an unknown message type ${type}`
      if (!(MESSAGE_CLASSES as readonly unknown[]).includes(cls)) return `gives ${type} an unknown class`
    }
    return undefined
  }),
  maxInflightRequests: int(32, 1),
  maxInboundRequests: int(32, 1),
  requestTimeoutMs: int(10_000, 1),
  datagrams: option.group<Required<DatagramOptions>>({
    enabled: option.boolean(true),
    maxPacketBytes: option.integer(1_280, { min: MIN_PACKET_BYTES, max: 65_507 }),
    ratePerIp: num(20),
    burstPerIp: num(100),
    rate: num(1_000),
    burst: num(2_000),
    maxPending: int(256, 1),
    maxRememberedNonces: int(4_096, 1),
    timeoutMs: int(1_000, 1),
  }),
}

/**
 * Applies the defaults and checks every option with `@chainwire/interface`'s resolver (unknown options are
 * refused); throws `ERR_INVALID_OPTIONS` naming the option (`dialBackoff.jitter`, `rateLimits.blocks.byteBurst`).
 */
export function resolveOptions(options: NetworkOptions): ResolvedOptions {
  const o = resolveSpec(SPEC, options, {
    error: (message, details) =>
      new NetworkError('ERR_INVALID_OPTIONS', `invalid ${message}`, {
        option: details.option,
        value: details.value,
        problem: details.problem,
      }),
  })
  const outbound = o.maxOutboundFullRelay + o.maxOutboundBlockRelay + o.maxFeelers + o.maxManual
  const { dialBackoff, maxInbound, ...rest } = o
  return {
    ...rest,
    listen: [...o.listen],
    announce: o.announce === undefined ? undefined : [...o.announce],
    roles: [...o.roles],
    capabilities: [...o.capabilities],
    persistentPeers: [...o.persistentPeers],
    maxInbound: maxInbound ?? Math.max(0, o.maxConnections - outbound),
    backoffBaseMs: dialBackoff.baseMs,
    backoffMaxMs: dialBackoff.maxMs,
    backoffJitter: dialBackoff.jitter,
    backoffMaxEntries: dialBackoff.maxEntries,
    messageClasses: { ...DEFAULT_MESSAGE_CLASSES, ...o.messageClasses },
  }
}
