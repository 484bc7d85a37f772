import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Network as ChainNetwork,
  createChain,
  createSigner,
  type FullChain,
  generateKeyPair,
  type Signer,
  signTransaction,
} from '@chainwire/chain'
import { BlockBuilder, createTestNetwork } from '@chainwire/chain/testing'
import { systemClock } from '@chainwire/interface'
import { createIdentity, createNetwork, type Network } from '@chainwire/network'
import type { Block, Transaction, ValidatorSetData } from '@chainwire/protocol-codec'
import { type CompactFilterSource, createSync, SYNC_CAPABILITIES, type Sync } from '@chainwire/sync'
import { ClassicLevel } from 'classic-level'
import {
  createLightClient,
  type LightClient,
  type LightClientOptions,
  type LightDatabase,
} from '../src/index'

/** A funded wallet of the test network. */
export interface Wallet {
  signer: Signer
  key: Uint8Array
  nonce: number
}

export function wallet(): Wallet {
  const signer = createSigner(generateKeyPair())
  return { signer, key: signer.publicKey, nonce: 0 }
}

export function pay(network: ChainNetwork, from: Wallet, to: Uint8Array, amount: bigint): Transaction {
  return signTransaction({ to, amount, fee: 200n, nonce: from.nonce++ }, from.signer, network.id)
}

/**
 * A test network whose genesis funds `faucet`, and a chain of `n` blocks on it where block 3 pays alice from
 * the faucet and block 7 (when there is one) has alice pay bob.
 */
export function scenario(n: number, id = 'light-test', validators?: ValidatorSetData) {
  const faucet = wallet()
  const alice = wallet()
  const bob = wallet()
  const network = createTestNetwork({ id, genesisTo: faucet.key, validators })
  const builder = new BlockBuilder(network)
  const paid = pay(network, faucet, alice.key, 100_000n)
  const spent = pay(network, alice, bob.key, 1_000n)
  const blocks = builder.chain(network.genesis, n, (i) => (i === 2 ? [paid] : i === 6 ? [spent] : []))
  return { network, builder, blocks, faucet, alice, bob, paid, spent }
}

/** A full node assembled from the packages: chain + network (TCP on loopback, port 0) + sync serving filters. */
export interface FullNode {
  chain: FullChain
  network: Network
  sync: Sync
  address: string
  stop(): Promise<void>
}

const running: { stop(): Promise<void> }[] = []
const dirs: string[] = []

/** Stops everything the helpers started and removes their temp dirs. */
export async function cleanup(): Promise<void> {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => {})
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
}

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'chainwire-light-'))
  dirs.push(d)
  return d
}

export async function fullNode(
  network: ChainNetwork,
  blocks: readonly Block[],
  options: { host?: string; filters?: (chain: FullChain) => CompactFilterSource; claimWork?: bigint } = {},
): Promise<FullNode> {
  const chain = createChain({ clock: systemClock }, { network })
  await chain.start()
  for (const b of blocks) await chain.acceptBlock(b)
  const tip = chain.tip()
  const net = createNetwork(
    { identity: createIdentity() },
    {
      networkId: network.id,
      listen: [`tcp://${options.host ?? '127.0.0.1'}:0`],
      capabilities: [...SYNC_CAPABILITIES],
      localStatus: { bestHeight: tip.height, bestHash: tip.hash, totalWork: tip.work },
    },
  )
  await net.start()
  const sync = createSync({ network: net, chain, filters: options.filters?.(chain) ?? chain })
  sync.start()
  const node: FullNode = {
    chain,
    network: net,
    sync,
    address: net.listenAddresses()[0] as string,
    stop: async () => {
      sync.stop()
      await net.stop()
      await chain.stop()
    },
  }
  running.push(node)
  return node
}

/** A light client on `dir` (classic-level) or in memory, started. */
export async function lightClient(
  network: ChainNetwork,
  options: Partial<LightClientOptions> = {},
  dir?: string,
): Promise<LightClient> {
  const db = dir === undefined ? undefined : (new ClassicLevel(join(dir, 'db')) as unknown as LightDatabase)
  const client = createLightClient(
    { chain: network, db },
    { headersTimeoutMs: 2_000, requestTimeoutMs: 2_000, ...options },
  )
  await client.start()
  running.push(client)
  return client
}

/** Resolves when `check()` holds, polling every 20 ms; rejects after `ms`. */
export async function until(check: () => boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
