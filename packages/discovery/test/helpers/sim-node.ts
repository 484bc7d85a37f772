import type { SimNodeHandle } from '@chainwire/netsim'
import { createPeerStore, type PeerStore, type PeerStoreDatabase } from '@chainwire/peer-store'
import { createDiscovery, type DiscoveryNetwork, type DiscoveryService } from '../../src/index'

export { fittingNodes } from '../../src/dht/datagram-queries'

/** How the netsim tests wire discovery onto a simulated node. */
export interface SimDiscoveryOptions {
  /** Number of bootstrap nodes: nodes `n0` .. `n<bootstrap-1>` serve peer lists and do not dial. */
  bootstrap: number
  /** Outbound full-relay target of every other node. */
  outbound: number
  /** The peer-store's network grouping (by default each `memory://` name is its own group). */
  groupOf?: (address: string) => string | undefined
  /** The DHT's subnets for its per-subnet limits (by default each `memory://` name is its own subnet). */
  subnetOf?: (address: string) => string | undefined
  /** Outbound block-relay-only target (the network's `maxOutboundBlockRelay` must allow it). @default 0 */
  blockRelay?: number
  /** The peer-store's database; pass one kept across incarnations to keep the table and anchors over restarts. */
  db?: PeerStoreDatabase
  /** The network discovery sees (a wrapper that records dials, say). @default node.network */
  network?: DiscoveryNetwork
  /** The DHT's warm query connections (the network's `maxManual` must leave room for them). @default 6 */
  maxQueryConnections?: number
}

/**
 * Gives a simulated node a peer-store (seeded from the run's randomness, so figures are reproducible) and a
 * discovery service with the short intervals the netsim scenarios use, and starts discovery.
 */
export async function startSimDiscovery(
  node: SimNodeHandle,
  options: SimDiscoveryOptions,
): Promise<{ store: PeerStore; discovery: DiscoveryService; stop: () => void }> {
  const isBoot = node.index < options.bootstrap
  const store = createPeerStore(
    { clock: node.clock, random: () => node.random.next() },
    {
      allowNonRoutable: true,
      dialBackoffBaseMs: 5_000,
      groupOf: options.groupOf,
      ...(options.db === undefined ? {} : { db: options.db }),
      salt: Uint8Array.from({ length: 32 }, () => Math.floor(node.random.next() * 256)),
    },
  )
  await store.open()
  const discovery = createDiscovery(
    {
      clock: node.clock,
      network: options.network ?? node.network,
      peerStore: store,
      random: () => node.random.next(),
    },
    {
      bootstrap: {
        addresses: isBoot ? [] : Array.from({ length: options.bootstrap }, (_, i) => `memory://n${i}`),
        enoughPeers: options.outbound,
        checkIntervalMs: 2_000,
        retryIntervalMs: 5_000,
      },
      pex: isBoot ? { roles: ['bootstrap'], answerOncePerConnection: false } : {},
      dialer: isBoot
        ? { enabled: false }
        : {
            outboundFullRelay: options.outbound,
            outboundBlockRelay: options.blockRelay ?? 0,
            intervalMs: 1_000,
          },
      dht: {
        initialLookupDelayMs: 2_000,
        refreshCheckIntervalMs: 30_000,
        ...(options.subnetOf === undefined ? {} : { subnetOf: options.subnetOf }),
        ...(options.maxQueryConnections === undefined
          ? {}
          : { maxQueryConnections: options.maxQueryConnections }),
      },
    },
  )
  void discovery.start()
  // Slot filling stops first, while the connections are up: it saves the block-relay peers as anchors then.
  const stop = () => void Promise.all([discovery.dialer?.stop(), discovery.stop()]).then(() => store.stop())
  return { store, discovery, stop }
}
