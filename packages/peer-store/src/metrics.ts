import type { Counter, Gauge, Metrics } from '@chainwire/interface'

/** The metrics the peer store records, declared once. */
export interface PeerStoreMetrics {
  /** `peer_store_entries{table="new"|"tried"}`: table fill. */
  entries: Gauge
  /** `peer_store_peers`: peer records. */
  peers: Gauge
  /** `peer_store_bans{kind}`: live bans per kind. */
  bans: Gauge
  /** `peer_store_discouraged`: discouraged IPs. */
  discouraged: Gauge
  /** `peer_store_tried_collisions`: pending test-before-evict collisions. */
  collisions: Gauge
  /** `peer_store_promotions_total`: moves to the tried table. */
  promotions: Counter
  /** `peer_store_evictions_total{reason}`: addresses that left the store. */
  evictions: Counter
  /** `peer_store_flushes_total` and `peer_store_flush_records_total`: batches and records written. */
  flushes: Counter
  flushedRecords: Counter
  /** `peer_store_flush_errors_total`. */
  flushErrors: Counter
  /** `peer_store_resets_total`: corrupt databases wiped under `onCorrupt: 'reset'`. */
  resets: Counter
}

/** Declares the peer store's metrics on a registry. */
export function createMetrics(m: Metrics): PeerStoreMetrics {
  return {
    entries: m.gauge({ name: 'peer_store_entries', help: 'Addresses per table', labelNames: ['table'] }),
    peers: m.gauge({ name: 'peer_store_peers', help: 'Peer records' }),
    bans: m.gauge({ name: 'peer_store_bans', help: 'Live bans', labelNames: ['kind'] }),
    discouraged: m.gauge({ name: 'peer_store_discouraged', help: 'Discouraged IPs' }),
    collisions: m.gauge({ name: 'peer_store_tried_collisions', help: 'Pending tried-table collisions' }),
    promotions: m.counter({
      name: 'peer_store_promotions_total',
      help: 'Addresses moved to the tried table',
    }),
    evictions: m.counter({
      name: 'peer_store_evictions_total',
      help: 'Addresses that left the store',
      labelNames: ['reason'],
    }),
    flushes: m.counter({ name: 'peer_store_flushes_total', help: 'Batches written to the database' }),
    flushedRecords: m.counter({ name: 'peer_store_flush_records_total', help: 'Records written or deleted' }),
    flushErrors: m.counter({ name: 'peer_store_flush_errors_total', help: 'Failed batch writes' }),
    resets: m.counter({
      name: 'peer_store_resets_total',
      help: "Corrupt databases wiped (onCorrupt: 'reset')",
    }),
  }
}
