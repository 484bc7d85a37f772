import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Network } from '@chainwire/chain'
import { LightClientError } from '../errors'
import { networkFromJson } from './chain-params'

/** One node of a devnet, as `devnet.json` lists it. */
export interface DevnetNode {
  readonly name: string
  readonly peerId: string
  readonly dataDir: string
  /** Its P2P addresses (tcp:// and ws://). */
  readonly p2p: readonly string[]
  readonly api: string
  readonly pid: number
  readonly roles: readonly string[]
}

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
 * Reads `<dir>/devnet.json`, the file the full node's `pnpm start` writes: `{ version: 1, networkId, chain
 * (createNetwork's parameters as JSON), nodes: [{ name, peerId, dataDir, p2p, api, pid, roles }] }`.
 * Throws `LightClientError` `ERR_NO_DEVNET` ("start the devnet first: pnpm start") when it is missing or
 * does not validate.
 */
export async function readDevnet(dir: string): Promise<Devnet> {
  const file = join(dir, 'devnet.json')
  let json: unknown
  try {
    json = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new LightClientError('ERR_NO_DEVNET', `no readable ${file}: ${START_FIRST}`, { cause: err })
  }
  const bad = (what: string): never => {
    throw new LightClientError('ERR_NO_DEVNET', `${file}: ${what}; ${START_FIRST}`)
  }
  const d = json as { version?: unknown; networkId?: unknown; chain?: unknown; nodes?: unknown }
  if (d.version !== 1) bad('version must be 1')
  if (typeof d.networkId !== 'string' || d.networkId === '') bad('networkId must be a string')
  if (!Array.isArray(d.nodes) || d.nodes.length === 0) bad('no nodes')
  const nodes = (d.nodes as unknown[]).map((n, i) => {
    const node = n as Partial<DevnetNode>
    if (typeof node !== 'object' || node === null) bad(`nodes[${i}] is not an object`)
    if (!Array.isArray(node.p2p) || !node.p2p.every((a) => typeof a === 'string')) bad(`nodes[${i}].p2p`)
    return node as DevnetNode
  })
  let chain: Network
  try {
    chain = networkFromJson(d.chain)
  } catch (err) {
    return bad(`chain: ${(err as Error).message}`)
  }
  const bootstrap = nodes
    .map((n) => n.p2p.find((a) => a.startsWith('tcp://')) ?? n.p2p[0])
    .filter((a): a is string => a !== undefined)
  return { networkId: d.networkId as string, chain, nodes, bootstrap }
}
