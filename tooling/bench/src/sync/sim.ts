import { createChain, type FullChain, type Network } from '@chainwire/chain'
import type { SimNodeHandle } from '@chainwire/netsim'
import { createSync, type Sync, type SyncOptionsInit } from '@chainwire/sync'

/** netsim's default virtual epoch: node clocks start there, so the bench networks' genesis is a day before. */
export const SIM_EPOCH = 1_700_000_000_000

/**
 * A real chain (memory-level, on the node's virtual clock, holding `preload`) or a given one, and a real sync
 * on a netsim node; returns them with netsim's cleanup. Chain work on memory-level settles in microtasks, so it
 * completes within the turn netsim gives each event.
 */
export async function syncOnNode(
  node: SimNodeHandle,
  network: Network,
  options: {
    chain?: FullChain
    preload?: readonly import('@chainwire/protocol-codec').Block[]
    sync?: SyncOptionsInit
  } = {},
): Promise<{ chain: FullChain; sync: Sync; cleanup: () => void }> {
  const own = options.chain === undefined
  const chain = options.chain ?? createChain({ clock: node.clock }, { network })
  if (own) await chain.start()
  for (const b of options.preload ?? []) await chain.acceptBlock(b)
  const sync = createSync(
    { network: node.network, chain, clock: node.clock, random: () => node.random.next() },
    options.sync,
  )
  sync.start()
  return {
    chain,
    sync,
    cleanup: () => {
      sync.stop()
      if (own) void chain.stop()
    },
  }
}
