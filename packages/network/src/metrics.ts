import type { Counter, Gauge, Histogram, Metrics } from '@chainwire/interface'

/** The metrics the network records. */
export interface NetworkMetrics {
  /** Open connections, by `kind`. */
  peers: Gauge
  /** Connections in their handshake. */
  pendingHandshakes: Gauge
  /** Messages, by `direction` (in/out) and `type` (`invalid` for undecodable input). */
  messages: Counter
  /** Framed bytes, by `direction`. */
  bytes: Counter
  /** Connections refused before becoming peers, by `reason`. */
  rejected: Counter
  /** Limits hit, by `limit` (the field names of `LimitCounters`). */
  limits: Counter
  /** Peers disconnected, by `reason` and `initiator`. */
  disconnects: Counter
  /** Misbehaviour reports, by `behaviour`. */
  misbehaviour: Counter
  /** Ping round trips, in ms. */
  pingRtt: Histogram
  /** Messages dropped by rate limits, by `class`. */
  rateLimited: Counter
  /**
   * Datagram packets, by `result`: `sent` (our requests), `served` (requests answered), `answered` (answers
   * accepted), or why one was dropped (`malformed`, `network`, `rate-limited`, `replay`, `unhandled`,
   * `invalid`, `too-large`, `bad-signature`, `wrong-source`, `unexpected`).
   */
  datagrams: Counter
}

/** Declares the network's metrics on a registry. */
export function createNetworkMetrics(metrics: Metrics): NetworkMetrics {
  return {
    peers: metrics.gauge({ name: 'network_peers', help: 'Open connections by kind', labelNames: ['kind'] }),
    pendingHandshakes: metrics.gauge({
      name: 'network_pending_handshakes',
      help: 'Connections in their Noise or hello handshake',
    }),
    messages: metrics.counter({
      name: 'network_messages_total',
      help: 'Messages received and queued for sending, by type',
      labelNames: ['direction', 'type'],
    }),
    bytes: metrics.counter({
      name: 'network_bytes_total',
      help: 'Framed message bytes received and queued for sending',
      labelNames: ['direction'],
    }),
    rejected: metrics.counter({
      name: 'network_connections_rejected_total',
      help: 'Connections that never became peers, by reason',
      labelNames: ['reason'],
    }),
    limits: metrics.counter({
      name: 'network_limits_hit_total',
      help: 'Connection, rate, queue and request limits hit',
      labelNames: ['limit'],
    }),
    disconnects: metrics.counter({
      name: 'network_disconnects_total',
      help: 'Peers disconnected, by reason and initiator',
      labelNames: ['reason', 'initiator'],
    }),
    misbehaviour: metrics.counter({
      name: 'network_misbehaviour_total',
      help: 'Misbehaviour reports sent to the sink, by behaviour',
      labelNames: ['behaviour'],
    }),
    pingRtt: metrics.histogram({
      name: 'network_ping_rtt_ms',
      help: 'Ping round trips in ms',
      buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    }),
    rateLimited: metrics.counter({
      name: 'network_rate_limited_total',
      help: 'Messages dropped by per-peer rate limits, by class',
      labelNames: ['class'],
    }),
    datagrams: metrics.counter({
      name: 'network_datagrams_total',
      help: 'Datagram requests sent and served, answers accepted, and packets dropped by reason',
      labelNames: ['result'],
    }),
  }
}
