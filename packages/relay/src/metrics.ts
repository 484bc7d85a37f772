import type { Counter, Gauge, Histogram, Metrics } from '@chainwire/interface'

/** What relay records (apps bind `Metrics` to prom-client; the names are the Prometheus series). */
export class RelayMetrics {
  /** Messages per topic and outcome (published, accepted, ignored, rejected, duplicate, expired, hop_limit, throttled). */
  readonly messages: Counter
  /** Copies of messages queued for peers, per topic. */
  readonly forwarded: Counter
  /** Mesh peers per gossip topic. */
  readonly meshPeers: Gauge
  /** Gossip control messages per type (ihave, iwant, idontwant, graft, prune) and direction. */
  readonly control: Counter
  /** IWANT promises broken. */
  readonly brokenPromises: Counter
  /** Heartbeat wall time, in seconds. */
  readonly heartbeat: Histogram
  /** Announce-pull items per event (announced, requested, served, not_found, failed). */
  readonly inventory: Counter
  /** Direct relay envelopes per outcome (sent, forwarded, delivered, no_route, duplicate, expired, hop_limit, rate_limited). */
  readonly direct: Counter
  /** Peers that fell below the graylist threshold. */
  readonly graylisted: Counter

  constructor(m: Metrics) {
    this.messages = m.counter({
      name: 'chainwire_relay_messages_total',
      help: 'relayed messages by topic and outcome',
      labelNames: ['topic', 'outcome'],
    })
    this.forwarded = m.counter({
      name: 'chainwire_relay_forwarded_total',
      help: 'copies of messages queued for peers, by topic',
      labelNames: ['topic'],
    })
    this.meshPeers = m.gauge({
      name: 'chainwire_relay_mesh_peers',
      help: 'peers in the gossip mesh, by topic',
      labelNames: ['topic'],
    })
    this.control = m.counter({
      name: 'chainwire_relay_gossip_control_total',
      help: 'gossip control messages by type and direction',
      labelNames: ['type', 'direction'],
    })
    this.brokenPromises = m.counter({
      name: 'chainwire_relay_broken_promises_total',
      help: 'message ids a peer advertised in IHAVE and did not deliver after IWANT',
    })
    this.heartbeat = m.histogram({
      name: 'chainwire_relay_heartbeat_seconds',
      help: 'wall time of one relay heartbeat',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1],
    })
    this.inventory = m.counter({
      name: 'chainwire_relay_inventory_items_total',
      help: 'announce-pull items by event',
      labelNames: ['event'],
    })
    this.direct = m.counter({
      name: 'chainwire_relay_direct_total',
      help: 'direct relay envelopes by outcome',
      labelNames: ['outcome'],
    })
    this.graylisted = m.counter({
      name: 'chainwire_relay_graylisted_total',
      help: 'peers whose relay score fell below the graylist threshold',
    })
  }
}
