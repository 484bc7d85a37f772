/**
 * @packageDocumentation
 * chainwire's reference ledger: the chain a full node and a light client run. Headers with double-SHA-256
 * proof of work and LWMA retargeting, Bitcoin's merkle tree and proofs, signed account transfers with a
 * coinbase reward, a block tree with most-work fork choice and atomic reorgs, a bounded fee-rate mempool,
 * BFT finality by a validator set, everything persisted in one `abstract-level` database; a header-only
 * chain for light clients; a miner in a worker thread. It satisfies `@chainwire/sync`'s `SyncChain`
 * structurally and imports only `@chainwire/interface` and `@chainwire/protocol-codec`.
 */
import { type Clock, type Logger, type Metrics, noopLogger, noopMetrics } from '@chainwire/interface'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { FullChain } from './chain/chain'
import {
  CHAIN_LIMITS,
  type ChainLimitsOptions,
  HEADER_CHAIN_LIMITS,
  type HeaderChainLimits,
  resolveChainOptions,
} from './chain/options'
import { createNodeVerifier, type SignatureVerifier } from './crypto/ed25519'
import { ChainError } from './errors'
import { HeaderChain } from './header-chain/header-chain'
import { Mempool, type MempoolOptions } from './mempool/mempool'
import { devnet, type Network } from './network/network'
import type { ChainDatabase } from './store/store'

export { type CheckedBlock, checkBlockBody, merkleRootMatches } from './block/checks'
export { equalBytes, fromHex, toHex } from './bytes'
export { FullChain } from './chain/chain'
export type { ChainLimitsOptions, HeaderChainLimits } from './chain/options'
export type {
  AcceptBlockResult,
  AcceptHeadersResult,
  AcceptTransactionResult,
  AcceptVoteResult,
  BlockTemplate,
  ChainEvents,
  ChainStats,
  ChainTip,
  FinalBlock,
  MempoolRemovalReason,
  Refusal,
  ReorgEvent,
} from './chain/types'
export {
  createNodeVerifier,
  createSigner,
  generateKeyPair,
  type KeyPair,
  keyPairFromSecret,
  type NodeVerifierOptions,
  type SignatureCheck,
  type SignatureVerifier,
  type Signer,
} from './crypto/ed25519'
export { type HashBackend, hashBackend, sha256, sha256d, useHashBackend } from './crypto/sha256'
export {
  ChainError,
  type ChainErrorCode,
  type CheckedKind,
  isPenalty,
  marksBlockInvalid,
} from './errors'
export {
  blockFilter,
  blockFilterItems,
  FILTER_CHECKPOINT_INTERVAL,
  filterHash,
  filterHeader,
  filterMatchesAny,
} from './filter/block-filter'
export {
  BASIC_FILTER,
  buildGcs,
  decodeGcs,
  filterKey,
  GCS_M,
  GCS_P,
  type GcsParams,
  gcsCount,
  gcsMatchAny,
  hashToRange,
  readCompactSize,
  writeCompactSize,
} from './filter/gcs'
export {
  type Equivocation,
  type Quorum,
  signVote,
  VoteTracker,
  voteSigningMessage,
} from './finality/votes'
export {
  checkHeader,
  checkHeaderContext,
  checkHeaderLink,
  HEADER_VERSION,
  type HeaderContext,
  type HeaderLinkResult,
} from './header/checks'
export { bitsFromTarget, decodeBits, targetFromBits, workFromBits, workFromTarget } from './header/compact'
export {
  advanceWindow,
  type DifficultyParams,
  type DifficultyWindow,
  EMPTY_WINDOW,
  medianTimePast,
  nextBits,
  nextTarget,
  solveTime,
} from './header/difficulty'
export { HEADER_BYTES, HEADER_NONCE_OFFSET, headerBytes, headerFromBytes, headerHash } from './header/header'
export { checkProofOfWork, hashMeetsTarget } from './header/pow'
export {
  Mempool,
  type MempoolAddResult,
  type MempoolEntry,
  type MempoolOptions,
  type MempoolRejection,
} from './mempool/mempool'
export {
  createMerkleProof,
  type MerkleRoot,
  merkleBranch,
  merkleRoot,
  rootFromBranch,
  verifyMerkleProof,
} from './merkle'
export {
  createGenesisBlock,
  createNetwork,
  DEVNET_FAUCET,
  DEVNET_GENESIS_BITS,
  DEVNET_VALIDATORS,
  defineNetwork,
  devnet,
  devnetSecret,
  type GenesisParams,
  type Network,
  type NetworkDefinition,
  type NetworkParams,
  testnet,
} from './network/network'
export { type Account, blockAccountKeys, EMPTY_ACCOUNT } from './state/account'
export { type ChainDatabase, STORE_FORMAT_VERSION } from './store/store'
export { checkTransaction, checkTransactionShape } from './tx/checks'
export {
  createCoinbase,
  isCoinbase,
  MIN_TX_BYTES,
  signTransaction,
  TX_VERSION,
  transactionBytes,
  transactionHash,
  transactionSigningMessage,
  transactionSize,
  type UnsignedTransfer,
} from './tx/tx'

/** What a full chain needs from its host. */
export interface ChainComponents {
  /** Block templates' timestamps, the future-time limit, mempool expiry. */
  clock: Clock
  /** @default noopLogger */
  logger?: Logger
  /** Counters and gauges named `chainwire_chain_*` (see the README). @default noopMetrics */
  metrics?: Metrics
  /** Ed25519 signature checks of transactions and votes. @default createNodeVerifier() (node:crypto) */
  verifier?: SignatureVerifier
}

/** Options of {@link createChain}. */
export interface ChainOptions extends ChainLimitsOptions {
  /** The network whose rules and genesis the chain follows. @default devnet */
  network?: Network
  /** Directory of a classic-level (LevelDB) database. Mutually exclusive with `db`. @default undefined */
  path?: string
  /**
   * Any `abstract-level` database, such as `new MemoryLevel()` in tests or a sublevel of the node's database.
   * The chain opens it in `start()` and closes it in `stop()`.
   * @default a fresh memory-level database when `path` is not given either
   */
  db?: ChainDatabase
  /** Mempool bounds and policy. @default see `MempoolOptions` */
  mempool?: MempoolOptions
}

/**
 * Creates a full chain; call `start()` before use and `stop()` after. The store is created on first start
 * (with the genesis state) and reopened afterwards.
 */
export function createChain(components: ChainComponents, options: ChainOptions = {}): FullChain {
  const { network = devnet, path, db, mempool, ...limits } = options
  if (path !== undefined && db !== undefined) {
    throw new ChainError('ERR_INVALID_OPTION', 'chain options path and db are mutually exclusive', {
      option: 'path',
    })
  }
  const database =
    db ?? ((path !== undefined ? new ClassicLevel(path) : new MemoryLevel()) as unknown as ChainDatabase)
  return new FullChain({
    clock: components.clock,
    logger: components.logger ?? noopLogger,
    metrics: components.metrics ?? noopMetrics,
    verifier: components.verifier ?? createNodeVerifier(),
    network,
    db: database,
    limits: resolveChainOptions(CHAIN_LIMITS, limits),
    mempool: new Mempool(mempool),
  })
}
export { HeaderChain, type HeaderChainEvents } from './header-chain/header-chain'
export { HEADER_STORE_FORMAT_VERSION } from './header-chain/header-store'
export { mineBlock } from './miner/mine'
export { Miner, type MinerOptions } from './miner/miner'
export { searchNonce } from './miner/search'

/** What a header-only chain needs from its host. */
export interface HeaderChainComponents {
  /** The future-time limit of headers. */
  clock: Clock
  /** Ed25519 checks of validator precommits. @default createNodeVerifier() (node:crypto) */
  verifier?: SignatureVerifier
}

/** Options of {@link createHeaderChain}. */
export interface HeaderChainOptions extends Partial<HeaderChainLimits> {
  /** @default devnet */
  network?: Network
  /** Directory of a classic-level database. Mutually exclusive with `db`. @default undefined */
  path?: string
  /** Any `abstract-level` database. @default a fresh memory-level database when `path` is not given either */
  db?: ChainDatabase
}

/** Creates a header-only chain for a light client; `start()` before use, `stop()` after. */
export function createHeaderChain(
  components: HeaderChainComponents,
  options: HeaderChainOptions = {},
): HeaderChain {
  const { network = devnet, path, db, ...given } = options
  if (path !== undefined && db !== undefined) {
    throw new ChainError('ERR_INVALID_OPTION', 'header chain options path and db are mutually exclusive', {
      option: 'path',
    })
  }
  const limits = resolveChainOptions(HEADER_CHAIN_LIMITS, given)
  return new HeaderChain({
    clock: components.clock,
    verifier: components.verifier ?? createNodeVerifier(),
    network,
    db: db ?? ((path !== undefined ? new ClassicLevel(path) : new MemoryLevel()) as unknown as ChainDatabase),
    limits,
  })
}
export { createRelayChecks, type RelayChecks, type RelayVerdict } from './relay-checks'
