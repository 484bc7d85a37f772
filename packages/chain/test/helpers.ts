import { ManualClock } from '@chainwire/interface/testing'
import type { Block, BlockHeader, Transaction, ValidatorSetData } from '@chainwire/protocol-codec'
import { MemoryLevel } from 'memory-level'
import {
  type ChainOptions,
  createChain,
  createCoinbase,
  createNetwork,
  createSigner,
  type FullChain,
  generateKeyPair,
  headerBytes,
  headerHash,
  merkleRoot,
  type Network,
  type Signer,
  searchNonce,
  sha256d,
  signTransaction,
  targetFromBits,
  toHex,
  transactionHash,
} from '../src/index'
import { type Account, applyBlockForTest, BlockIndex, bigIntToBytes32, HeaderFlags } from './internals'

/** Genesis time of the test networks. */
export const GENESIS_TIME = 1_767_225_600_000
/** Block time of the test networks. */
export const T = 1_000

/** A test network: 1 s blocks, every other hash meets the target, a 10-block LWMA window. */
export function testNetwork(
  options: { validators?: ValidatorSetData; genesisTo?: Uint8Array; id?: string } = {},
): Network {
  return createNetwork({
    id: options.id ?? 'chainwire-test',
    targetBlockTimeMs: T,
    difficultyWindow: 10,
    powLimitBits: 0x207fffff,
    genesisBits: 0x207fffff,
    genesisTimestamp: GENESIS_TIME,
    genesisTo: options.genesisTo,
    genesisAmount: 1_000_000_000n,
    blockReward: 50n,
    validators: options.validators,
  })
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

/** Solves a header in process (test networks need a couple of hashes). */
export function solve(header: BlockHeader): BlockHeader {
  const target = bigIntToBytes32(targetFromBits(header.bits, (1n << 256n) - 1n) as bigint)
  const nonce = searchNonce(headerBytes(header).slice(), target, 0, 1_000_000, sha256d, undefined)
  if (nonce < 0) throw new Error('no nonce')
  return { ...header, nonce }
}

/**
 * Builds blocks on any branch of a test network, independently of the chain under test: it keeps its own
 * block index for the retarget and median-time-past.
 */
export class BlockBuilder {
  readonly index: BlockIndex
  readonly blocks = new Map<string, Block>()
  readonly miner: Uint8Array

  constructor(readonly network: Network) {
    this.index = new BlockIndex(network, HeaderFlags.HAVE_DATA)
    this.blocks.set(toHex(network.genesisHash), network.genesis)
    this.miner = generateKeyPair().publicKey
  }

  get genesis(): Block {
    return this.network.genesis
  }

  /** A valid block on `parent` with these transfers (`timestamp` defaults to the parent's + T). */
  next(
    parent: Block,
    txs: Transaction[] = [],
    options: {
      timestamp?: number
      miner?: Uint8Array
      coinbaseData?: Uint8Array
      bits?: number
      coinbaseAmount?: bigint
    } = {},
  ): Block {
    const p = this.index.get(headerHash(parent.header))
    if (p === undefined) throw new Error('unknown parent')
    const height = p.height + 1
    let fees = 0n
    for (const tx of txs) fees += tx.fee
    const coinbase = createCoinbase(
      height,
      options.miner ?? this.miner,
      options.coinbaseAmount ?? this.network.blockReward + fees,
      options.coinbaseData,
    )
    const transactions = [coinbase, ...txs]
    const header = solve({
      version: 1,
      height,
      prevHash: p.hash,
      merkleRoot: merkleRoot(transactions.map(transactionHash)).root,
      timestamp: options.timestamp ?? p.header.timestamp + T,
      bits: options.bits ?? this.index.expectedBits(p),
      nonce: 0,
    })
    const block = { header, transactions }
    const hash = headerHash(header)
    if (this.index.get(hash) === undefined) this.index.add(header, hash, p, HeaderFlags.HAVE_DATA)
    this.blocks.set(toHex(hash), block)
    return block
  }

  /** `n` blocks on `parent`, each with the transfers `txsAt(i)` returns. */
  chain(
    parent: Block,
    n: number,
    txsAt: (i: number) => Transaction[] = () => [],
    miner?: Uint8Array,
  ): Block[] {
    const out: Block[] = []
    let p = parent
    for (let i = 0; i < n; i++) {
      p = this.next(p, txsAt(i), { miner })
      out.push(p)
    }
    return out
  }
}

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
