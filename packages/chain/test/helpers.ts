import { ManualClock } from '@chainwire/interface/testing'
import type { Block, Transaction } from '@chainwire/protocol-codec'
import { MemoryLevel } from 'memory-level'
import {
  type ChainOptions,
  createChain,
  createSigner,
  type FullChain,
  generateKeyPair,
  type Network,
  type Signer,
  signTransaction,
  toHex,
} from '../src/index'
import {
  BlockBuilder,
  createTestNetwork,
  solveHeader,
  TEST_GENESIS_TIME,
  type TestNetworkOptions,
} from '../src/testing/index'
import { type Account, applyBlockForTest } from './internals'

/** Genesis time of the test networks. */
export const GENESIS_TIME = TEST_GENESIS_TIME
/** Block time of the test networks. */
export const T = 1_000

/** A test network (see `createTestNetwork` of `@chainwire/chain/testing`). */
export function testNetwork(options: TestNetworkOptions = {}): Network {
  return createTestNetwork(options)
}

/** A clock a day after genesis, so block timestamps of test chains are never in the future. */
export function testClock(): ManualClock {
  return new ManualClock({ start: GENESIS_TIME + 86_400_000 })
}

/** A started in-memory chain on `network`. */
export async function startChain(
  network: Network,
  clock = testClock(),
  options: ChainOptions = {},
): Promise<FullChain> {
  const chain = createChain({ clock }, { network, db: new MemoryLevel(), ...options })
  await chain.start()
  return chain
}

export { BlockBuilder, solveHeader as solve }

/** A funded wallet for tests. */
export interface Wallet {
  signer: Signer
  key: Uint8Array
  nonce: number
}

export function wallet(): Wallet {
  const signer = createSigner(generateKeyPair())
  return { signer, key: signer.publicKey, nonce: 0 }
}

/** A transfer from `from` (advancing its nonce). */
export function transfer(
  network: Network,
  from: Wallet,
  to: Uint8Array,
  amount: bigint,
  fee = 200n,
): Transaction {
  return signTransaction({ to, amount, fee, nonce: from.nonce++ }, from.signer, network.id)
}

/** The state after replaying `blocks` (genesis first) with the chain's own rules. */
export function replayState(network: Network, blocks: readonly Block[]): Map<string, Account> {
  const state = new Map<string, Account>()
  const g = network.genesis.transactions[0] as Transaction
  if (g.amount > 0n) state.set(toHex(g.to), { balance: g.amount, nonce: 0 })
  for (const b of blocks) applyBlockForTest(b, state, network)
  return state
}

/** The whole committed state of a chain. */
export async function chainState(chain: FullChain): Promise<Map<string, Account>> {
  const out = new Map<string, Account>()
  for await (const [k, a] of chain.allAccounts()) out.set(toHex(k), a)
  return out
}

/** The active chain's blocks from height 1 to the tip. */
export async function activeBlocks(chain: FullChain): Promise<Block[]> {
  const out: Block[] = []
  for (let h = 1; h <= chain.tip().height; h++) out.push((await chain.getBlockByHeight(h)) as Block)
  return out
}
