/**
 * Sync in netsim: each simulated node runs a real `@chainwire/chain` (memory-level) and a real sync on its
 * virtual clock, wired through netsim's `setup` hook. Chain work on memory-level settles in microtasks, so it
 * finishes within the turn netsim gives each event (blocks here carry fewer than the 64 signatures that would
 * send verification to the thread pool).
 */
import {
  createChain,
  createSigner,
  devnetSecret,
  type FullChain,
  keyPairFromSecret,
  type Network,
  signTransaction,
} from '@chainwire/chain'
import { BlockBuilder, createTestNetwork, type TestNetworkOptions } from '@chainwire/chain/testing'
import type { SimNodeHandle } from '@chainwire/netsim'
import type { Block } from '@chainwire/protocol-codec'
import { createSync, type PeerSource, type Sync, type SyncOptionsInit } from '../../src/index'

/** netsim's default virtual epoch (its `createScheduler` `epochMs`): node clocks start there. */
export const SIM_EPOCH = 1_700_000_000_000

/** A test network whose genesis is a day before netsim's epoch, so blocks stamped by node clocks are valid. */
export function simNetwork(options: TestNetworkOptions = {}): Network {
  return createTestNetwork({ genesisTimestamp: SIM_EPOCH - 86_400_000, ...options })
}

/**
 * `n` blocks of about `bytes` each on the genesis, the same in every run: each carries one transfer from the
 * devnet faucet (a published key) whose `data` fills the block.
 */
export function sizedBlocks(network: Network, n: number, bytes: number): Block[] {
  const faucet = createSigner(keyPairFromSecret(devnetSecret('faucet')))
  const to = new Uint8Array(32).fill(5)
  const data = new Uint8Array(Math.max(0, bytes - 400)).fill(7)
  let nonce = 0
  return new BlockBuilder(network).chain(network.genesis, n, () => [
    signTransaction({ to, amount: 1n, fee: 1_000n, nonce: nonce++, data }, faucet, network.id),
  ])
}

/** A node's chain and sync, made by {@link startSyncNode}. */
export interface SimSyncNode {
  readonly chain: FullChain
  readonly sync: Sync
}

/** Starts a chain (holding `preload`) and a sync on a netsim node; returns them and the cleanup for netsim. */
export async function startSyncNode(
  node: SimNodeHandle,
  network: Network,
  preload: readonly Block[],
  options: { sync?: SyncOptionsInit; peerSource?: PeerSource } = {},
): Promise<SimSyncNode & { cleanup: () => void }> {
  const chain = createChain({ clock: node.clock }, { network })
  await chain.start()
  for (const b of preload) await chain.acceptBlock(b)
  const sync = createSync(
    {
      network: node.network,
      chain,
      clock: node.clock,
      random: () => node.random.next(),
      peerSource: options.peerSource,
    },
    options.sync,
  )
  sync.start()
  return {
    chain,
    sync,
    cleanup: () => {
      sync.stop()
      void chain.stop()
    },
  }
}
