/**
 * @packageDocumentation
 * NAT traversal for chainwire: observed addresses confirmed by distinct network groups, STUN (client,
 * server, NAT classification), port mapping (PCP, NAT-PMP), reachability by dial-back (AutoNAT v2
 * semantics), relay circuits with Noise end to end (the TURN role), a TURN client (RFC 5766/6062) for the
 * TURN servers operators already run, TCP hole punching over relayed connections (DCUtR semantics) and
 * connection candidates. `createNatTraversal` wires them onto a network;
 * each part is also exported on its own.
 */
import { NatTraversal, type NatTraversalComponents, type NatTraversalOptions } from './nat-traversal'

export { type CandidateResult, type ConnectionCandidate, dialCandidates } from './candidates'
export { NatError, type NatErrorCode } from './errors'
export {
  HolePuncher,
  type HolePuncherComponents,
  type HolePuncherOptions,
  type IgnoredSync,
  type UpgradeResult,
} from './holepunch/hole-puncher'
export {
  isTcpPunchAddress,
  type PunchPort,
  type PunchPortSource,
  StunPunchPortSource,
  tcpPunchPort,
} from './holepunch/punch-port'
export {
  defaultGateway,
  PortMapper,
  type PortMapperEvents,
  type PortMapperOptions,
  type PortMapping,
} from './mapping/port-mapper'
export { type MappingGrant, type MappingRequest, natPmp, PCP_PORT, pcp } from './mapping/protocols'
export {
  NatTraversal,
  type NatTraversalComponents,
  type NatTraversalEvents,
  type NatTraversalOptions,
  RELAY_CAPABILITY,
  type Reachability,
} from './nat-traversal'
export {
  type ObservationOutcome,
  ObservedAddresses,
  type ObservedAddressOptions,
} from './observed/observed-addresses'
export {
  type ObservedAddressEvents,
  ObservedAddressService,
  type ObservedNetwork,
} from './observed/observed-service'
export {
  DialBackServer,
  type DialBackServerComponents,
  type DialBackServerOptions,
  ReachabilityChecker,
  type ReachabilityOptions,
  type ReachabilityResult,
  type ReachabilityStatus,
} from './reachability/dial-back'
export type { CircuitTransport } from './relay/circuit-socket'
export { registerRelayHandlers } from './relay/handlers'
export {
  type HeldReservation,
  RelayClient,
  type RelayClientComponents,
  type RelayClientEvents,
  type RelayClientOptions,
  type RelayedAddress,
} from './relay/relay-client'
export {
  type CircuitEnd,
  RelayServer,
  type RelayServerComponents,
  type RelayServerOptions,
} from './relay/relay-server'
export {
  decodeAddress,
  decodeErrorCode,
  encodeAddress,
  encodeErrorCode,
  mappedAddressOf,
  type StunAddress,
} from './stun/attributes'
export {
  type BindingOptions,
  type BindingResult,
  StunClient,
  type StunClientComponents,
  type StunClientOptions,
  type StunEndpoint,
} from './stun/client'
export {
  attribute,
  type DecodedStunMessage,
  decodeStun,
  type EncodeStunOptions,
  encodeStun,
  isStunMessage,
  longTermKey,
  MAX_STUN_MESSAGE,
  newTransactionId,
  StunAttr,
  type StunAttribute,
  type StunClass,
  type StunMessage,
  StunMethod,
  shortTermKey,
  verifyIntegrity,
} from './stun/message'
export {
  type ClassifyOptions,
  classifyNat,
  type FilteringBehaviour,
  type MappingBehaviour,
  type NatClassification,
} from './stun/nat-type'
export {
  type StunDropReason,
  StunServer,
  type StunServerComponents,
  type StunServerOptions,
} from './stun/server'

/**
 * Creates the NAT traversal of a node on its network. Nothing runs until `start()`.
 *
 * ```ts
 * const nat = createNatTraversal({ network, identity }, { stunServers: [{ host: '198.51.100.1', port: 3478 }] })
 * await nat.start()
 * ```
 */
export function createNatTraversal(
  components: NatTraversalComponents,
  options: NatTraversalOptions = {},
): NatTraversal {
  return new NatTraversal(components, options)
}
