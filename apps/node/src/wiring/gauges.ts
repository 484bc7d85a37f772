/**
 * The node's own gauges, read at scrape time: peers by direction, heights, mempool, sync state, finality,
 * bans; and the connection success counter from discovery's dials.
 */
import type { FullChain } from '@chainwire/chain'
import type { DiscoveryService } from '@chainwire/discovery'
import type { Clock } from '@chainwire/interface'
import type { Network } from '@chainwire/network'
import type { PeerStore } from '@chainwire/peer-store'
import type { Sync } from '@chainwire/sync'
import type { PrometheusMetrics } from '../metrics'

/** The parts of a node the gauges read. */
export interface GaugeSource {
  network: Network
  chain: FullChain
  sync: Sync
  peerStore: PeerStore
  discovery: DiscoveryService
  clock: Clock
  startedAt: number
}

const SYNC_STATES = ['idle', 'headers', 'blocks', 'synced'] as const

/** Binds the node's state to gauges in the registry. */
export class NodeGauges {
  constructor(private readonly node: GaugeSource) {}

  attach(metrics: PrometheusMetrics): void {
    const { node } = this
    const peers = metrics.gauge({ name: 'node_peers', help: 'Connected peers', labelNames: ['direction'] })
    const height = metrics.gauge({ name: 'node_tip_height', help: 'Height of the active chain tip' })
    const headers = metrics.gauge({ name: 'node_header_height', help: 'Height of the best header chain' })
    const mempool = metrics.gauge({ name: 'node_mempool_transactions', help: 'Transactions in the mempool' })
    const state = metrics.gauge({
      name: 'node_sync_state',
      help: 'Sync state (1 for the current one)',
      labelNames: ['state'],
    })
    const final = metrics.gauge({
      name: 'node_finalized_height',
      help: 'Height of the last final block (-1: none)',
    })
    const bans = metrics.gauge({ name: 'node_banned', help: 'Bans held by the address book' })
    const uptime = metrics.gauge({ name: 'node_uptime_seconds', help: 'Seconds since the node started' })
    const dials = metrics.counter({
      name: 'node_dials_total',
      help: 'Outbound dials by discovery, by result',
      labelNames: ['result'],
    })
    node.discovery.on('dial:done', (e) => dials.inc(1, { result: e.ok ? 'ok' : 'failed' }))
    metrics.beforeScrape(() => {
      const list = node.network.peers()
      peers.set(list.filter((p) => p.direction === 'inbound').length, { direction: 'inbound' })
      peers.set(list.filter((p) => p.direction === 'outbound').length, { direction: 'outbound' })
      height.set(node.chain.tip().height)
      headers.set(node.chain.bestHeader().height)
      mempool.set(node.chain.stats().mempoolSize)
      const now = node.sync.state()
      for (const s of SYNC_STATES) state.set(s === now ? 1 : 0, { state: s })
      final.set(node.chain.finalized()?.height ?? -1)
      bans.set(node.peerStore.listBans().length)
      uptime.set((node.clock.now() - node.startedAt) / 1_000)
    })
  }
}
