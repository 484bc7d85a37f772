/**
 * @packageDocumentation
 * chainwire's connection layer: transports (tcp, ws/wss, memory), the Noise XX secure channel, the `hello`
 * handshake, the connection manager (limits, eviction, backoff, persistent peers), per-peer rate limits,
 * prioritised bounded send queues, request/response and network status. `createNetwork` is the entry point.
 */

import { NetworkService } from './network'
import type { Network, NetworkComponents, NetworkOptions } from './types'

export type { DisconnectReason, HelloData, Message, MessageOf, MessageType } from '@chainwire/protocol-codec'
export {
  DialError,
  type DialErrorCode,
  type GeneralErrorCode,
  HandshakeError,
  type HandshakeErrorCode,
  NetworkError,
  type NetworkErrorCode,
  RequestError,
  type RequestErrorCode,
  SendError,
  type SendErrorCode,
} from './errors'
export {
  createIdentity,
  IDENTITY_KEY_FILE,
  type Identity,
  IdentityError,
  type IdentityErrorCode,
  identityFromPrivateKey,
  isPeerId,
  type LoadIdentityOptions,
  loadOrCreateIdentity,
  PEER_ID_LENGTH,
  PEER_ID_PREFIX,
  peerIdFromPublicKey,
  publicKeyFromPeerId,
  sign,
  verify,
} from './identity/index'
export { DEFAULT_MESSAGE_CLASSES, MESSAGE_CLASSES, type MessageClass } from './limits/message-class'
export { netGroupOf } from './limits/net-group'
export type { ClassRateLimit, RateVerdict } from './limits/peer-rate-limiter'
export { DEFAULT_EVICTION_PROTECTION, type EvictionProtection } from './manager/eviction'
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_REKEY_SCHEDULE,
  DEFAULT_SEAL_BYTES_PER_TURN,
  NoiseError,
  type NoiseErrorCode,
  type RekeySchedule,
  type SecureChannelOptions,
  type SecureConnection,
  SendBudget,
  secureInbound,
  secureOutbound,
} from './noise/index'
export {
  type AeadOpener,
  type AeadSealer,
  CHACHA20_POLY1305,
  type TransportAead,
} from './noise/transport-aead'
export { DEFAULT_JUNK_BYTE_BURST, DEFAULT_JUNK_BYTES_PER_SECOND, DEFAULT_RATE_LIMITS } from './options'
export { DEFAULT_LANE_WEIGHTS, LANE_QUANTUM_BYTES, type LaneWeights } from './queue/send-queue'
export {
  type AddressProtocol,
  allocatedHost,
  canonicalAddress,
  createMemoryNetwork,
  createMemoryTransport,
  createTcpTransport,
  createTransports,
  createWebSocketTransport,
  type DatagramReceiver,
  type DatagramSocket,
  type DatagramSource,
  DEFAULT_WS_MAX_PAYLOAD,
  type Direction,
  formatAddress,
  formatHost,
  type HostKind,
  isLoopback,
  type Listener,
  MAX_ADDRESS_LENGTH,
  type MemoryAddress,
  type MemoryConnection,
  type MemoryDatagram,
  type MemoryDialAttempt,
  type MemoryEndpoint,
  type MemoryLink,
  MemoryNetwork,
  type MemoryNetworkOptions,
  type MemoryPacketType,
  type MemoryScheduler,
  type MemoryTransmission,
  type MemoryTransport,
  type MemoryTransportComponents,
  type MemoryTransportOptions,
  normalizeHost,
  type ParsedAddress,
  parseAddress,
  type RawConnection,
  type ReadSink,
  type SocketAddress,
  type TcpTransportComponents,
  type TcpTransportOptions,
  type Transport,
  TransportError,
  type TransportErrorCode,
  type Transports,
  type WebSocketTlsOptions,
  type WebSocketTransportComponents,
  type WebSocketTransportOptions,
} from './transport/index'
export type * from './types'

/**
 * Creates a node's network. Nothing runs until `start()`. Throws `ERR_INVALID_OPTIONS` for options out of
 * range.
 *
 * ```ts
 * const network = createNetwork({ identity: createIdentity() }, { listen: ['tcp://0.0.0.0:7000'] })
 * await network.start()
 * ```
 */
export function createNetwork(components: NetworkComponents, options: NetworkOptions = {}): Network {
  return new NetworkService(components, options)
}
