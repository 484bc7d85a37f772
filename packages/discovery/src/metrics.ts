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
  /** `discovery_dht_queries_total{result}`: `warm`, `dialed`, or why the query failed. */
  dhtQueries: Counter
  /** `discovery_dht_dial_ms`: clock time of a query's dial (connection, Noise handshake, hello). */
  dhtDialMs: Histogram
  /** `discovery_dht_evictions_total{replaced}`: contacts that stopped answering and left the table. */
  dhtEvictions: Counter
  /** `discovery_dht_table_fill`: contacts over the room of the buckets up to the deepest non-empty one. */
  tableFill: Gauge
  /** `discovery_dht_table_stale_share`: contacts that failed their last query or were silent too long. */
  tableStale: Gauge
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
    dhtQueries: metrics.counter({
      name: 'discovery_dht_queries_total',
      help: 'DHT queries: over a warm connection, after a dial, or failed (by cause)',
      labelNames: ['result'],
    }),
    dhtDialMs: metrics.histogram({
      name: 'discovery_dht_dial_ms',
      help: 'Clock time of the dial a DHT query needed',
      buckets: [50, 100, 200, 400, 800, 1_600, 3_200, 6_400],
    }),
    dhtEvictions: metrics.counter({
      name: 'discovery_dht_evictions_total',
      help: 'DHT contacts that stopped answering and left the table (replaced or not)',
      labelNames: ['replaced'],
    }),
    tableFill: metrics.gauge({
      name: 'discovery_dht_table_fill',
      help: 'DHT contacts over the room of the buckets up to the deepest non-empty one (0 to 1)',
    }),
    tableStale: metrics.gauge({
      name: 'discovery_dht_table_stale_share',
      help: 'Share of DHT contacts that failed their last query or are silent past the liveness interval',
    }),
  }
}
