import { type OptionField, type OptionSpec, option } from '@chainwire/interface'
import type { BootstrapOptions } from './bootstrap/options'
import type { DhtOptions } from './dht/options'
import type { DialerOptions } from './dialer/options'
import type { DnsSeedOptions } from './dns/dns-seeds'
import type { MdnsOptions } from './mdns/mdns'
import type { PexOptions } from './pex/options'
import { resolveServiceOptions } from './util/options'

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

/** A group of a service's options: an object (resolved by the service itself), or absent. */
function group<V extends object>(): OptionField<V> {
  return option.custom<V>({} as V, (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'must be an object',
  )
}

/** The spec of {@link DiscoveryOptions}: the network's name and kind; each service checks its own group. */
const SPEC: OptionSpec<Required<DiscoveryOptions>> = {
  networkId: option.string('chainwire-mainnet', { maxLength: 64 }),
  networkKind: option.oneOf<'mainnet' | 'testnet' | 'dev'>('mainnet', ['mainnet', 'testnet', 'dev']),
  bootstrap: group(),
  pex: group(),
  dht: group(),
  mdns: group(),
  dns: group(),
  dialer: group(),
}

/**
 * Checks the top level of {@link DiscoveryOptions} (unknown keys, the network's name and kind, each group an
 * object) and returns them with the two network defaults applied; the groups are left for their services.
 */
export function resolveDiscoveryOptions(o: DiscoveryOptions = {}): DiscoveryOptions {
  const r = resolveServiceOptions(SPEC, o, 'discovery')
  return { ...o, networkId: r.networkId, networkKind: r.networkKind }
}
