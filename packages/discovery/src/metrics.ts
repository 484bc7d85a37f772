import { type Counter, type Gauge, type Histogram, type Metrics, noopMetrics } from '@chainwire/interface'

/** The metrics discovery records. */
export interface DiscoveryMetrics {
  /** `discovery_peers_discovered_total{method}`. */
  discovered: Counter
  /** `discovery_rejected_total{reason}`: replies and messages dropped for breaking a limit. */
  rejected: Counter
  /** `discovery_pex_addresses_dropped_total{reason}`: gossiped addresses over the rate limit. */
  addrDropped: Counter
  /** `discovery_lookup_hops`. */
  lookupHops: Histogram
  /** `discovery_lookup_duration_ms`. */
  lookupDuration: Histogram
  /** `discovery_dht_table_entries`. */
  tableEntries: Gauge
  /** `discovery_dials_total{kind,result}`. */
  dials: Counter
}

/** Declares the discovery metrics in a registry (declaring twice returns the same metrics). */
export function discoveryMetrics(metrics: Metrics = noopMetrics): DiscoveryMetrics {
  return {
    discovered: metrics.counter({
      name: 'discovery_peers_discovered_total',
      help: 'Peers whose addresses were learned, per method',
      labelNames: ['method'],
    }),
    rejected: metrics.counter({
      name: 'discovery_rejected_total',
      help: 'Replies and messages dropped for breaking a protocol limit',
      labelNames: ['reason'],
    }),
    addrDropped: metrics.counter({
      name: 'discovery_pex_addresses_dropped_total',
      help: 'Gossiped addresses dropped by the per-peer rate limit',
      labelNames: ['reason'],
    }),
    lookupHops: metrics.histogram({
      name: 'discovery_lookup_hops',
      help: 'Depth of the closest node found by a DHT lookup',
      buckets: [1, 2, 3, 4, 5, 6, 8, 10, 15, 20],
    }),
    lookupDuration: metrics.histogram({
      name: 'discovery_lookup_duration_ms',
      help: 'Clock time of a DHT lookup',
    }),
    tableEntries: metrics.gauge({
      name: 'discovery_dht_table_entries',
      help: 'Entries in the DHT routing table',
    }),
    dials: metrics.counter({
      name: 'discovery_dials_total',
      help: 'Outbound dials started by discovery, per kind and result',
      labelNames: ['kind', 'result'],
    }),
  }
}
