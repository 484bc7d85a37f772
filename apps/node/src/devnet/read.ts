/**
 * `@chainwire/node/devnet`: the devnet folder contract. `chainwire-node devnet --dir D` writes `D/devnet.json`
 * once every node listens and rewrites it when nodes change; other programs (`chainwire-light`, tests) read it
 * with {@link readDevnet}. This module imports no part of the node itself.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NodeError } from '../errors'
import { type ChainParamsJson, networkParamsFromJson, resolveChainParams } from './chain-params'

export { type ChainParamsJson, fromHex, networkParamsFromJson, toHex } from './chain-params'

/** The file name inside the devnet folder. */
export const DEVNET_FILE = 'devnet.json'

/** One node of a devnet. */
export interface DevnetNode {
  name: string
  peerId: string
  dataDir: string
  /** Dialable `tcp://` and `ws://` addresses. */
  p2p: string[]
  /** The node's HTTP API, such as `http://127.0.0.1:40123`. */
  api: string
  pid: number
  roles: string[]
}

/** The content of `devnet.json` (version 1). */
export interface DevnetFile {
  version: 1
  networkId: string
  /** The JSON parameters of @chainwire/chain's `createNetwork` ({@link networkParamsFromJson} converts them). */
  chain: ChainParamsJson
  nodes: DevnetNode[]
}

/** Reads and checks `dir/devnet.json`; throws `NodeError` `ERR_DEVNET` when missing or malformed. */
export async function readDevnet(dir: string): Promise<DevnetFile> {
  let text: string
  try {
    text = await readFile(join(dir, DEVNET_FILE), 'utf8')
  } catch (err) {
    throw new NodeError('ERR_DEVNET', `no ${DEVNET_FILE} in ${dir}`, { dir }, { cause: err })
  }
  return parseDevnet(text)
}

/** Parses and checks the text of a `devnet.json`. */
export function parseDevnet(text: string): DevnetFile {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new NodeError('ERR_DEVNET', `${DEVNET_FILE} is not JSON`, {}, { cause: err })
  }
  const d = doc as Partial<DevnetFile>
  const bad = (field: string): never => {
    throw new NodeError('ERR_DEVNET', `${DEVNET_FILE}: ${field} is missing or malformed`, { field })
  }
  if (typeof d !== 'object' || d === null) return bad('(root)')
  if (d.version !== 1) bad('version')
  if (typeof d.networkId !== 'string') bad('networkId')
  const chain = resolveChainParams(d.chain, 'chain.')
  if (chain.id !== d.networkId) bad('chain.id')
  if (!Array.isArray(d.nodes)) return bad('nodes')
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string')
  for (const [i, n] of d.nodes.entries()) {
    if (typeof n?.name !== 'string') bad(`nodes[${i}].name`)
    if (typeof n.peerId !== 'string') bad(`nodes[${i}].peerId`)
    if (typeof n.dataDir !== 'string') bad(`nodes[${i}].dataDir`)
    if (!strings(n.p2p)) bad(`nodes[${i}].p2p`)
    if (typeof n.api !== 'string') bad(`nodes[${i}].api`)
    if (!Number.isSafeInteger(n.pid)) bad(`nodes[${i}].pid`)
    if (!strings(n.roles)) bad(`nodes[${i}].roles`)
  }
  return { version: 1, networkId: d.networkId as string, chain, nodes: d.nodes as DevnetNode[] }
}

/** The `createNetwork` parameters of a devnet, ready for @chainwire/chain. */
export function devnetNetworkParams(file: DevnetFile) {
  return networkParamsFromJson(file.chain)
}
