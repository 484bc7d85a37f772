import type { Counter, Gauge, Histogram, Metrics } from '@chainwire/interface'

/** The metrics a full chain records (names prefixed `chainwire_chain_`). */
export interface ChainMetrics {
  headers: Counter
  blocksConnected: Counter
  blocksDisconnected: Counter
  /** Labels: `code`. */
  invalid: Counter
  reorgs: Counter
  reorgDepth: Histogram
  tipHeight: Gauge
  mempoolSize: Gauge
  mempoolBytes: Gauge
  /** Labels: `reason` (mined, replaced, evicted, expired, invalid). */
  mempoolRemoved: Counter
  /** Labels: `code`. */
  transactionsRejected: Counter
}

/** Declares the chain's metrics on a registry (no-op by default). */
export function chainMetrics(m: Metrics): ChainMetrics {
  const p = 'chainwire_chain_'
  return {
    headers: m.counter({ name: `${p}headers_total`, help: 'headers added to the block tree' }),
    blocksConnected: m.counter({
      name: `${p}blocks_connected_total`,
      help: 'blocks connected to the active chain',
    }),
    blocksDisconnected: m.counter({
      name: `${p}blocks_disconnected_total`,
      help: 'blocks disconnected by reorgs',
    }),
    invalid: m.counter({
      name: `${p}invalid_total`,
      help: 'headers and blocks found invalid',
      labelNames: ['code'],
    }),
    reorgs: m.counter({ name: `${p}reorgs_total`, help: 'reorganisations of the active chain' }),
    reorgDepth: m.histogram({
      name: `${p}reorg_depth`,
      help: 'blocks disconnected per reorg',
      buckets: [1, 2, 3, 6, 10, 30, 100],
    }),
    tipHeight: m.gauge({ name: `${p}tip_height`, help: 'height of the active tip' }),
    mempoolSize: m.gauge({ name: `${p}mempool_transactions`, help: 'transactions in the mempool' }),
    mempoolBytes: m.gauge({ name: `${p}mempool_bytes`, help: 'canonical bytes in the mempool' }),
    mempoolRemoved: m.counter({
      name: `${p}mempool_removed_total`,
      help: 'transactions that left the mempool',
      labelNames: ['reason'],
    }),
    transactionsRejected: m.counter({
      name: `${p}transactions_rejected_total`,
      help: 'transactions refused',
      labelNames: ['code'],
    }),
  }
}
