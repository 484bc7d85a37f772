import type { Network } from '@chainwire/chain'
import { type DevnetNode, readDevnet as readDevnetFile } from '@chainwire/node/devnet'
import { LightClientError } from '../errors'
import { networkFromJson } from './chain-params'

export type { DevnetNode } from '@chainwire/node/devnet'

/** What the light client takes from a devnet folder. */
export interface Devnet {
  readonly networkId: string
  /** The chain network rebuilt from the folder's parameters (same genesis as the nodes). */
  readonly chain: Network
  readonly nodes: readonly DevnetNode[]
  /** One P2P address per node (tcp:// preferred). */
  readonly bootstrap: readonly string[]
}

const START_FIRST = 'start the devnet first: pnpm start'

/**
 * Reads `<dir>/devnet.json` with the full node's own reader (`@chainwire/node/devnet`, the one definition of
 * the devnet folder) and derives what the light client needs: the chain network and one bootstrap address per
 * node. Throws `LightClientError` `ERR_NO_DEVNET` ("start the devnet first: pnpm start") when the file is
 * missing or does not validate.
 */
export async function readDevnet(dir: string): Promise<Devnet> {
  let file: Awaited<ReturnType<typeof readDevnetFile>>
  let chain: Network
  try {
    file = await readDevnetFile(dir)
    chain = networkFromJson(file.chain)
  } catch (err) {
    throw new LightClientError('ERR_NO_DEVNET', `${(err as Error).message}; ${START_FIRST}`, { cause: err })
  }
  if (file.nodes.length === 0) {
    throw new LightClientError('ERR_NO_DEVNET', `${dir}: the devnet lists no nodes; ${START_FIRST}`)
  }
  const bootstrap = file.nodes
    .map((n) => n.p2p.find((a) => a.startsWith('tcp://')) ?? n.p2p[0])
    .filter((a): a is string => a !== undefined)
  return { networkId: file.networkId, chain, nodes: file.nodes, bootstrap }
}
