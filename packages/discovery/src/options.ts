import type { BootstrapOptions } from './bootstrap/options'
import type { DhtOptions } from './dht/options'
import type { DialerOptions } from './dialer/options'
import type { DnsSeedOptions } from './dns/dns-seeds'
import type { MdnsOptions } from './mdns/mdns'
import type { PexOptions } from './pex/options'

/** Options of {@link createDiscovery}; every field is optional. */
export interface DiscoveryOptions {
  /** The network id, announced and checked in mDNS answers. @default 'chainwire-mainnet' */
  networkId?: string
  /** What kind of network this is; mDNS is on by default only on `'dev'` networks. @default 'mainnet' */
  networkKind?: 'mainnet' | 'testnet' | 'dev'
  /** Bootstrap nodes and when to let go of them. */
  bootstrap?: BootstrapOptions
  /** Peer exchange (`get_peers` / `peers`). */
  pex?: PexOptions
  /** The Kademlia DHT; `enabled: false` leaves it out. @default enabled */
  dht?: DhtOptions & { enabled?: boolean }
  /** mDNS on the LAN. */
  mdns?: MdnsOptions
  /** DNS seeds. */
  dns?: DnsSeedOptions
  /** Outbound slot filling; `enabled: false` leaves it out (a bootstrap-only node, say). @default enabled */
  dialer?: DialerOptions & { enabled?: boolean }
}
