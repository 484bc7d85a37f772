import type { NodeRole } from '@chainwire/interface'
import { LIMITS } from '../limits'
import {
  address,
  addressOrEmpty,
  array,
  enumOf,
  hash32,
  optional,
  struct,
  text,
  token,
  u32,
  u256,
  uintSafe,
} from '../schema'
import { nodeRoles } from './chain'
import type { SpecTable } from './spec'

/**
 * Why a peer closes the connection, sent in `disconnect`. The names are the API and JSON values; each has a
 * stable wire code ({@link DISCONNECT_REASON_CODES}).
 */
export const DisconnectReason = Object.freeze({
  /** The peer sent something the protocol forbids. */
  ProtocolError: 'protocol_error',
  /** The hello names another network. */
  NetworkMismatch: 'network_mismatch',
  /** The hello's protocol version is below our minimum. */
  IncompatibleVersion: 'incompatible_version',
  /** We connected to ourselves. */
  SelfConnection: 'self_connection',
  /** A connection with this peer already exists. */
  Duplicate: 'duplicate',
  /** The hello's timestamp is too far from our clock. */
  ClockSkew: 'clock_skew',
  /** No free connection slot. */
  TooManyPeers: 'too_many_peers',
  /** The peer is banned. */
  Banned: 'banned',
  /** The peer exceeded a rate limit. */
  RateLimited: 'rate_limited',
  /** The peer did not answer or send in time. */
  Timeout: 'timeout',
  /** This node is shutting down. */
  Shutdown: 'shutdown',
  /** The connection was evicted to make room for a better peer. */
  Evicted: 'evicted',
  /** The handshake was malformed or out of order. */
  BadHandshake: 'bad_handshake',
  /** The peer's score fell below the disconnect threshold. */
  Misbehaviour: 'misbehaviour',
  /** The peer offers nothing we need (roles, capabilities, chain). */
  NotUseful: 'not_useful',
  /** The local operator asked for the disconnect. */
  Requested: 'requested',
} as const)

/** A disconnect reason name (see {@link DisconnectReason}). */
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason]

/** Wire codes of the disconnect reasons; stable, never renumbered. */
export const DISCONNECT_REASON_CODES: Readonly<Record<DisconnectReason, number>> = Object.freeze({
  protocol_error: 1,
  network_mismatch: 2,
  incompatible_version: 3,
  self_connection: 4,
  duplicate: 5,
  clock_skew: 6,
  too_many_peers: 7,
  banned: 8,
  rate_limited: 9,
  timeout: 10,
  shutdown: 11,
  evicted: 12,
  bad_handshake: 13,
  misbehaviour: 14,
  not_useful: 15,
  requested: 16,
})

/** Why a request failed, sent in `error`. Each has a stable wire code ({@link PROTOCOL_ERROR_CODES}). */
export const ProtocolErrorCode = Object.freeze({
  /** The request is malformed or asks for something out of range. */
  BadRequest: 'bad_request',
  /** The responder does not support this request (role or capability missing). */
  Unsupported: 'unsupported',
  /** Too many requests; retry later. */
  RateLimited: 'rate_limited',
  /** The responder is overloaded; retry later or elsewhere. */
  Busy: 'busy',
  /** The answer would exceed a size limit. */
  TooLarge: 'too_large',
  /** The responder could not answer in time. */
  Timeout: 'timeout',
  /** The responder failed for a reason of its own. */
  Internal: 'internal',
} as const)

/** A protocol error code name (see {@link ProtocolErrorCode}). */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode]

/** Wire codes of the protocol error codes; stable, never renumbered. */
export const PROTOCOL_ERROR_CODES: Readonly<Record<ProtocolErrorCode, number>> = Object.freeze({
  bad_request: 1,
  unsupported: 2,
  rate_limited: 3,
  busy: 4,
  too_large: 5,
  timeout: 6,
  internal: 7,
})

/** The first message each way on a connection (DESIGN.md §4, handshake). */
export interface HelloData {
  /** The sender's protocol version (u32); see `PROTOCOL_VERSION` and `isCompatibleVersion`. */
  version: number
  /** Network (chain) id, such as `chainwire-mainnet`: 1-64 of `A-Z a-z 0-9 . _ : -`. */
  networkId: string
  /** The sender's roles: 1 to 4 distinct. */
  roles: NodeRole[]
  /** Height of the sender's best block. */
  bestHeight: number
  /** Hash of the sender's best block (32 bytes). */
  bestHash: Uint8Array
  /** Accumulated proof of work of the sender's best chain (up to 2^256 - 1). */
  totalWork: bigint
  /** Addresses the sender accepts connections on, at most `LIMITS.maxListenAddrs`. */
  listenAddrs: string[]
  /** The address the sender sees for the receiver, or `''` when it has none (some memory transports). */
  observedAddr: string
  /** Software name and version, at most `LIMITS.maxUserAgentBytes` UTF-8 bytes, no control characters. */
  userAgent: string
  /** The sender's clock at sending, in ms since the epoch; see `checkClockSkew`. */
  timestamp: number
  /** Optional protocol features the sender supports, such as `compact-blocks`: distinct, at most 32. */
  capabilities: string[]
}

/** `ping` and `pong`: a nonce the pong echoes. */
export interface PingData {
  nonce: number
}

/** `pong`: echoes the ping's nonce. */
export type PongData = PingData

/** `disconnect`: the reason the sender is closing the connection. */
export interface DisconnectData {
  reason: DisconnectReason
  /** Human-readable detail, at most `LIMITS.maxTextBytes` UTF-8 bytes. */
  message?: string
}

/** `error`: the answer to a request that failed; its envelope id is the request's, when it has one. */
export interface ErrorData {
  code: ProtocolErrorCode
  /** Human-readable detail, at most `LIMITS.maxTextBytes` UTF-8 bytes. */
  message?: string
}

/** Data types of the connection-control messages. */
export interface ControlMessages {
  hello: HelloData
  ping: PingData
  pong: PongData
  disconnect: DisconnectData
  error: ErrorData
}

const NETWORK_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/
const CAPABILITY = /^[a-z0-9][a-z0-9._/-]{0,63}$/
const ping = struct<PingData>({ nonce: uintSafe })

/** Connection-control messages: handshake, liveness, disconnect and errors. */
export const controlSpecs: SpecTable<ControlMessages> = {
  hello: {
    code: 0x01,
    kind: 'announcement',
    summary:
      'handshake: version, network, roles, best block and work, addresses, user agent, time, capabilities',
    schema: struct<HelloData>({
      version: u32,
      networkId: token(LIMITS.maxNetworkIdBytes, NETWORK_ID),
      roles: nodeRoles,
      bestHeight: uintSafe,
      bestHash: hash32,
      totalWork: u256,
      listenAddrs: array(address, { max: LIMITS.maxListenAddrs }),
      observedAddr: addressOrEmpty,
      userAgent: text(LIMITS.maxUserAgentBytes),
      timestamp: uintSafe,
      capabilities: array(token(LIMITS.maxCapabilityBytes, CAPABILITY), {
        max: LIMITS.maxCapabilities,
        order: 'unique',
      }),
    }),
  },
  ping: {
    code: 0x02,
    kind: 'request',
    response: 'pong',
    summary: 'liveness probe with a nonce',
    schema: ping,
  },
  pong: { code: 0x03, kind: 'response', summary: "echoes the ping's nonce", schema: ping },
  disconnect: {
    code: 0x04,
    kind: 'announcement',
    summary: 'the sender closes the connection, with a reason code',
    schema: struct<DisconnectData>({
      reason: enumOf(DISCONNECT_REASON_CODES),
      message: optional(text(LIMITS.maxTextBytes)),
    }),
  },
  error: {
    code: 0x05,
    kind: 'response',
    summary: 'a request failed: error code and text (envelope id = the request id, if any)',
    schema: struct<ErrorData>({
      code: enumOf(PROTOCOL_ERROR_CODES),
      message: optional(text(LIMITS.maxTextBytes)),
    }),
  },
}
