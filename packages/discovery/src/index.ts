/**
 * @packageDocumentation
 * chainwire's peer discovery: bootstrap nodes, peer exchange (`get_peers` / `peers`) under per-peer rate
 * limits, a Kademlia DHT (`find_node` / `nodes`) with per-subnet limits and optional identity proof of work,
 * mDNS on the LAN, DNS seeds, and outbound slot filling (full-relay and block-relay-only targets, feelers,
 * rotation, anchors, persistent peers). `createDiscovery` wires them all; each service also has its own
 * factory.
 */
import { Bootstrap, type BootstrapComponents } from './bootstrap/bootstrap'
import type { BootstrapOptions } from './bootstrap/options'
import type { BaseComponents } from './components'
import { KademliaDht } from './dht/dht'
import type { DhtOptions } from './dht/options'
import { type DialerComponents, OutboundDialer } from './dialer/dialer'
import type { DialerOptions } from './dialer/options'
import { type DiscoveryComponents, DiscoveryService } from './discovery'
import { type DnsSeedComponents, type DnsSeedOptions, DnsSeeds } from './dns/dns-seeds'
import { type MdnsComponents, MdnsDiscovery, type MdnsOptions } from './mdns/mdns'
import type { DiscoveryOptions } from './options'
import type { PexOptions } from './pex/options'
import { PeerExchange, type PexComponents } from './pex/pex'

export { Bootstrap, type BootstrapComponents, otherPeers, shouldRelease } from './bootstrap/bootstrap'
export type { BootstrapOptions } from './bootstrap/options'
export type {
  BaseComponents,
  DialKind,
  DiscoveryBehaviour,
  DiscoveryDialCandidate,
  DiscoveryHandler,
  DiscoveryNetwork,
  DiscoveryPeer,
  DiscoveryPeerStore,
  MisbehaviourReporter,
} from './components'
export { type DhtComponents, KademliaDht } from './dht/dht'
export {
  type DhtLookupResult,
  emptyBreakdown,
  iterativeLookup,
  type LookupBreakdown,
  type LookupParams,
  type LookupPeer,
  type LookupQuery,
  type LookupResult,
} from './dht/lookup'
export {
  bucketIndex,
  compareDistance,
  leadingZeroBits,
  meetsDifficulty,
  NODE_ID_BITS,
  NODE_ID_BYTES,
  nodeIdOf,
  proofOfWorkBits,
  randomIdInBucket,
  sha256,
  xorDistance,
} from './dht/node-id'
export type { DhtOptions } from './dht/options'
export type { QueryFailure } from './dht/query-connections'
export {
  type AddContactOptions,
  type AddOutcome,
  type Contact,
  RoutingTable,
  type RoutingTableOptions,
} from './dht/routing-table'
export { type DialerComponents, OutboundDialer } from './dialer/dialer'
export type { DialerOptions } from './dialer/options'
export { countOutbound, pickRotation, type SlotState, type SlotTargets, slotsToFill } from './dialer/slots'
export { type DiscoveryComponents, DiscoveryService } from './discovery'
export { type DnsSeedComponents, type DnsSeedOptions, DnsSeeds } from './dns/dns-seeds'
export { addressesFromRecords, type SeedRecords } from './dns/records'
export type { DnsResolver } from './dns/resolver'
export { DiscoveryError, type DiscoveryErrorCode } from './errors'
export type {
  DialDoneEvent,
  DiscoveryEvents,
  DiscoveryMethod,
  LookupDoneEvent,
  PeerDiscoveredEvent,
  ReplyRejectedEvent,
} from './events'
export {
  type MdnsComponents,
  MdnsDiscovery,
  type MdnsOptions,
  type MdnsRecord,
  type MulticastDns,
  parseTxt,
} from './mdns/mdns'
export type { DiscoveryOptions } from './options'
export type { PexOptions } from './pex/options'
export { MAX_PEERS_PER_MESSAGE, PeerExchange, type PexComponents } from './pex/pex'

/**
 * Creates every discovery method wired together: peer exchange, the DHT, bootstrap, outbound slot filling,
 * mDNS (on by default only on dev networks) and DNS seeds. Nothing runs until `start()`; `stop()` leaves
 * nothing running. Throws `ERR_INVALID_OPTIONS` for options out of range.
 */
export function createDiscovery(
  components: DiscoveryComponents,
  options: DiscoveryOptions = {},
): DiscoveryService {
  return new DiscoveryService(components, options)
}

/** Creates the Kademlia DHT alone. */
export function createDht(components: BaseComponents, options: DhtOptions = {}): KademliaDht {
  return new KademliaDht(components, options)
}

/** Creates peer exchange alone. */
export function createPeerExchange(components: PexComponents, options: PexOptions = {}): PeerExchange {
  return new PeerExchange(components, options)
}

/** Creates the bootstrap service alone (it needs a `requestPeers`, which peer exchange provides). */
export function createBootstrap(components: BootstrapComponents, options: BootstrapOptions = {}): Bootstrap {
  return new Bootstrap(components, options)
}

/** Creates outbound slot filling alone. */
export function createDialer(components: DialerComponents, options: DialerOptions = {}): OutboundDialer {
  return new OutboundDialer(components, options)
}

/** Creates mDNS discovery alone. */
export function createMdnsDiscovery(components: MdnsComponents, options: MdnsOptions = {}): MdnsDiscovery {
  return new MdnsDiscovery(components, options)
}

/** Creates a DNS seed resolver. */
export function createDnsSeeds(components: DnsSeedComponents, options: DnsSeedOptions = {}): DnsSeeds {
  return new DnsSeeds(components, options)
}
