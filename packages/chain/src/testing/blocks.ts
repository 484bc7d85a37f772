import type { Block, BlockHeader, Transaction, ValidatorSetData } from '@chainwire/protocol-codec'
import { bigIntToBytes32, toHex } from '../bytes'
import { BlockIndex } from '../chain/block-index'
import { sha256d } from '../crypto/sha256'
import { targetFromBits } from '../header/compact'
import { headerBytes, headerHash } from '../header/header'
import { merkleRoot } from '../merkle'
import { searchNonce } from '../miner/search'
import { createNetwork, type Network } from '../network/network'
import { HeaderFlags } from '../store/store'
import { createCoinbase, transactionHash } from '../tx/tx'

/** Genesis time of test networks: 2026-01-01T00:00:00Z. */
export const TEST_GENESIS_TIME = 1_767_225_600_000

/** Options of {@link createTestNetwork}. */
export interface TestNetworkOptions {
  /** @default 'chainwire-test' */
  id?: string
  /** Block time. @default 1_000 */
  targetBlockTimeMs?: number
  /** LWMA window. @default 10 */
  difficultyWindow?: number
  /** Who the genesis pays. @default the devnet faucet */
  genesisTo?: Uint8Array
  /** What the genesis pays. @default 1_000_000_000n */
  genesisAmount?: bigint
  /** @default 10_000 */
  maxBlockTransactions?: number
  /** @default 50n */
  blockReward?: bigint
  /** Turns finality on. @default undefined */
  validators?: ValidatorSetData
  /**
   * Compact target of the genesis block, which its children keep until the difficulty window fills: a harder
   * one makes each block carry more work (and take longer to solve in process: about 2^k hashes for
   * `bitsFromTarget(2n ** (256n - k))`). @default 0x207fffff (every other hash meets it)
   */
  genesisBits?: number
  /** Header chains with less total work are not followed (anti-DoS of initial sync). @default 0n */
  minimumChainWork?: bigint
  /**
   * Genesis time, ms since the epoch: put it before the start of a virtual clock (a simulator's epoch) so
   * that blocks stamped with that clock are not in the future. @default TEST_GENESIS_TIME
   */
  genesisTimestamp?: number
}

/**
 * A network for tests: 1 s blocks at the easiest target (every other hash meets it) unless `genesisBits`
 * says otherwise, so blocks are solved in process in microseconds; blocks spaced exactly one target time
 * apart keep the genesis difficulty.
 */
export function createTestNetwork(options: TestNetworkOptions = {}): Network {
  return createNetwork({
    id: options.id ?? 'chainwire-test',
    targetBlockTimeMs: options.targetBlockTimeMs ?? 1_000,
    difficultyWindow: options.difficultyWindow ?? 10,
    powLimitBits: 0x207fffff,
    genesisBits: options.genesisBits ?? 0x207fffff,
    genesisTimestamp: options.genesisTimestamp ?? TEST_GENESIS_TIME,
    genesisTo: options.genesisTo,
    genesisAmount: options.genesisAmount ?? 1_000_000_000n,
    blockReward: options.blockReward ?? 50n,
    maxBlockTransactions: options.maxBlockTransactions,
    validators: options.validators,
    minimumChainWork: options.minimumChainWork,
  })
}

/** Solves a header in process (for easy targets; the `Miner` does real work in a worker). */
export function solveHeader(header: BlockHeader): BlockHeader {
  const target = bigIntToBytes32(targetFromBits(header.bits, (1n << 256n) - 1n) as bigint)
  const nonce = searchNonce(headerBytes(header).slice(), target, 0, 100_000_000, sha256d, undefined)
  if (nonce < 0) throw new RangeError('no nonce found: the target is too hard to solve in process')
  return { ...header, nonce }
}

/** Options of {@link BlockBuilder.next}. */
export interface BlockOptions {
  /** @default the parent's timestamp + the target block time */
  timestamp?: number
  /** Who the coinbase pays. @default the builder's miner key */
  miner?: Uint8Array
  coinbaseData?: Uint8Array
  /** Bits other than the retarget's (to build invalid blocks). @default the retarget */
  bits?: number
  /** A coinbase amount other than reward plus fees (to build invalid blocks). @default reward + fees */
  coinbaseAmount?: bigint
}

/**
 * Builds valid blocks on any branch of a network, independently of any chain under test: it keeps its own
 * block index for the retarget and median-time-past. Blocks with the same parent, transactions, miner and
 * timestamp are the same block; pass another `miner` for a competing branch.
 */
export class BlockBuilder {
  private readonly index: BlockIndex
  readonly miner: Uint8Array

  constructor(
    readonly network: Network,
    miner: Uint8Array = new Uint8Array(32).fill(0x4d),
  ) {
    this.index = new BlockIndex(network, HeaderFlags.HAVE_DATA)
    this.miner = miner
  }

  /** A block on `parent` (which this builder made, or the genesis) with these transfers. */
  next(parent: Block, txs: Transaction[] = [], options: BlockOptions = {}): Block {
    const p = this.index.get(headerHash(parent.header))
    if (p === undefined) throw new RangeError(`unknown parent ${toHex(headerHash(parent.header))}`)
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
    const header = solveHeader({
      version: 1,
      height,
      prevHash: p.hash,
      merkleRoot: merkleRoot(transactions.map(transactionHash)).root,
      timestamp: options.timestamp ?? p.header.timestamp + this.network.targetBlockTimeMs,
      bits: options.bits ?? this.index.expectedBits(p),
      nonce: 0,
    })
    const hash = headerHash(header)
    if (this.index.get(hash) === undefined) this.index.add(header, hash, p, HeaderFlags.HAVE_DATA)
    return { header, transactions }
  }

  /** `n` blocks on `parent`, the i-th with the transfers `txsAt(i)`. */
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
