/**
 * @packageDocumentation
 * chainwire's transports: TCP, WebSocket (ws/wss) and an in-process memory network with a scheduler hook
 * for the network simulator, plus address parsing and a scheme-routing registry. Each yields
 * {@link RawConnection}s whose `stream` the secure channel runs on.
 */

export {
  formatHost,
  type HostKind,
  isLoopback,
  MAX_ADDRESS_LENGTH,
  type MemoryAddress,
  type ParsedAddress,
  type SocketAddress,
} from '@chainwire/interface'
export {
  type AddressProtocol,
  canonicalAddress,
  formatAddress,
  normalizeHost,
  parseAddress,
} from './address'
export { TransportError, type TransportErrorCode } from './errors'
export {
  createMemoryTransport,
  type MemoryTransport,
  type MemoryTransportComponents,
  type MemoryTransportOptions,
} from './memory'
export { allocatedHost, createMemoryNetwork, MemoryNetwork } from './memory-network'
export type {
  MemoryConnection,
  MemoryDatagram,
  MemoryDialAttempt,
  MemoryEndpoint,
  MemoryLink,
  MemoryNetworkOptions,
  MemoryPacketType,
  MemoryScheduler,
  MemoryTransmission,
} from './memory-types'
export { createTcpTransport, type TcpTransportComponents, type TcpTransportOptions } from './tcp'
export type {
  DatagramReceiver,
  DatagramSocket,
  DatagramSource,
  Direction,
  Listener,
  RawConnection,
  ReadSink,
  Transport,
} from './transport'
export { createTransports, type Transports } from './transports'
export {
  createWebSocketTransport,
  DEFAULT_WS_MAX_PAYLOAD,
  type WebSocketTlsOptions,
  type WebSocketTransportComponents,
  type WebSocketTransportOptions,
} from './websocket'
