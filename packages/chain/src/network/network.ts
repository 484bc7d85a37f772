import { type Block, LIMITS, type ValidatorSetData } from '@chainwire/protocol-codec'
import { fromHex, toHex, ZERO_HASH } from '../bytes'
import { sha256d } from '../crypto/sha256'
import { ChainError } from '../errors'
import { bitsFromTarget, targetFromBits } from '../header/compact'
import { headerHash } from '../header/header'
import { merkleRoot } from '../merkle'
import { createCoinbase, MIN_TX_BYTES, transactionHash } from '../tx/tx'

/**
 * A network's consensus parameters and its genesis block. Everything a node or a light client needs to
 * agree with its peers on which chain is valid; `defineNetwork` checks it.
 */
export interface NetworkDefinition {
  /** The network id peers compare in their hello and that transaction and vote signatures commit to. */
  id: string
  /** The first block; its hash names the network in the store. Not held to the rules of later blocks. */
  genesis: Block
  /** Target time between blocks, in ms (the T of the difficulty retarget). */
  targetBlockTimeMs: number
  /** Blocks in the LWMA difficulty window (N). */
  difficultyWindow: number
  /** The easiest target any block may have, in compact form. */
  powLimitBits: number
  /** How far a block's timestamp may be ahead of our clock, in ms. */
  maxFutureBlockTimeMs: number
  /** New coins a block's coinbase may create, on top of the block's fees. */
  blockReward: bigint
  /** Largest block: 96 header bytes plus the canonical bytes of its transactions. */
  maxBlockBytes: number
  /** Most transactions in a block, coinbase included (at most the codec's `maxTransactionsPerBlock`). */
  maxBlockTransactions: number
  /** Largest `data` of a coinbase. */
  maxCoinbaseDataBytes: number
  /** A header chain with less total work is never followed (anti-DoS for initial sync); 0 to disable. */
  minimumChainWork: bigint
  /**
   * The validators whose precommits finalise blocks; finality is off when absent. A block precommitted by
   * validators holding more than 2/3 of the power is final.
   */
  validators?: ValidatorSetData
}

/** A checked network definition with the values derived from it. */
export interface Network extends NetworkDefinition {
  /** The easiest target, decoded from `powLimitBits`. */
  readonly powLimit: bigint
  /** The genesis block's header hash. */
  readonly genesisHash: Uint8Array
}

function invalid(field: string, reason: string): ChainError {
  return new ChainError('ERR_INVALID_OPTION', `network ${field} ${reason}`, { option: field })
}

const isInt = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max

/** Checks a network definition and derives its pow limit and genesis hash; throws `ERR_INVALID_OPTION`. */
export function defineNetwork(def: NetworkDefinition): Network {
  if (
    typeof def.id !== 'string' ||
    def.id === '' ||
    new TextEncoder().encode(def.id).length > LIMITS.maxNetworkIdBytes
  ) {
    throw invalid('id', `must be 1 to ${LIMITS.maxNetworkIdBytes} bytes`)
  }
  if (!isInt(def.targetBlockTimeMs, 1, 86_400_000))
    throw invalid('targetBlockTimeMs', 'must be 1 ms to 1 day')
  if (!isInt(def.difficultyWindow, 1, 10_000)) throw invalid('difficultyWindow', 'must be 1 to 10,000')
  if (!isInt(def.maxFutureBlockTimeMs, 0, 86_400_000))
    throw invalid('maxFutureBlockTimeMs', 'must be 0 to 1 day')
  if (!isInt(def.maxBlockTransactions, 1, LIMITS.maxTransactionsPerBlock)) {
    throw invalid('maxBlockTransactions', `must be 1 to ${LIMITS.maxTransactionsPerBlock}`)
  }
  if (!isInt(def.maxBlockBytes, 96 + MIN_TX_BYTES, LIMITS.maxMessageSize)) {
    throw invalid('maxBlockBytes', `must be ${96 + MIN_TX_BYTES} to ${LIMITS.maxMessageSize}`)
  }
  if (!isInt(def.maxCoinbaseDataBytes, 0, LIMITS.maxTxDataBytes))
    throw invalid('maxCoinbaseDataBytes', 'out of range')
  if (typeof def.blockReward !== 'bigint' || def.blockReward < 0n || def.blockReward >= 2n ** 64n) {
    throw invalid('blockReward', 'must be a u64 bigint')
  }
  if (typeof def.minimumChainWork !== 'bigint' || def.minimumChainWork < 0n) {
    throw invalid('minimumChainWork', 'must be a bigint >= 0')
  }
  const powLimit = targetFromBits(def.powLimitBits, (1n << 256n) - 1n)
  if (powLimit === undefined) throw invalid('powLimitBits', 'must decode to a positive target')
  if (targetFromBits(def.genesis.header.bits, powLimit) === undefined) {
    throw invalid('genesis', 'bits must decode to a target within powLimitBits')
  }
  if (def.genesis.header.height !== 0 || def.genesis.transactions.length === 0) {
    throw invalid('genesis', 'must be at height 0 with a coinbase')
  }
  const v = def.validators
  if (v !== undefined) {
    if (v.validators.length === 0 || v.validators.length > LIMITS.maxValidators) {
      throw invalid('validators', `must hold 1 to ${LIMITS.maxValidators} validators`)
    }
    const seen = new Set<string>()
    for (const val of v.validators) {
      if (val.publicKey.length !== 32 || !isInt(val.power, 1, 2 ** 40)) {
        throw invalid('validators', 'need 32-byte keys and a power of 1 to 2^40')
      }
      const k = toHex(val.publicKey)
      if (seen.has(k)) throw invalid('validators', 'lists a key twice')
      seen.add(k)
    }
  }
  return Object.freeze({ ...def, powLimit, genesisHash: headerHash(def.genesis.header) })
}

/** What {@link createGenesisBlock} builds from. */
export interface GenesisParams {
  /** Block time in ms since the epoch. */
  timestamp: number
  /** Compact target of the genesis block (its children keep it until the difficulty window fills). */
  bits: number
  /** Who the genesis coinbase pays. @default 32 zero bytes (nobody can spend it) */
  to?: Uint8Array
  /** What it pays. @default 0n */
  amount?: bigint
  /** A message in the coinbase's data. @default '' */
  message?: string
}

/** A genesis block: one coinbase, no proof of work required (it is trusted by its hash). */
export function createGenesisBlock(params: GenesisParams): Block {
  const coinbase = createCoinbase(
    0,
    params.to ?? ZERO_HASH,
    params.amount ?? 0n,
    new TextEncoder().encode(params.message ?? ''),
  )
  return {
    header: {
      version: 1,
      height: 0,
      prevHash: ZERO_HASH,
      merkleRoot: merkleRoot([transactionHash(coinbase)]).root,
      timestamp: params.timestamp,
      bits: params.bits,
      nonce: 0,
    },
    transactions: [coinbase],
  }
}

/** The parameters of {@link createNetwork}; all but `id` have defaults (the devnet's). */
export interface NetworkParams {
  id: string
  /** @default 10_000 */
  targetBlockTimeMs?: number
  /** @default 60 */
  difficultyWindow?: number
  /** @default 0x207fffff (about 2^255: every other hash meets it) */
  powLimitBits?: number
  /** @default DEVNET_GENESIS_BITS */
  genesisBits?: number
  /** @default 1_767_225_600_000 (2026-01-01T00:00:00Z) */
  genesisTimestamp?: number
  /** Who the genesis coinbase pays. @default the devnet faucet's public key */
  genesisTo?: Uint8Array
  /** @default 1_000_000_000_000_000n */
  genesisAmount?: bigint
  /** @default `chainwire genesis <id>` (so networks that differ only by id have different genesis blocks) */
  genesisMessage?: string
  /** @default 300_000 (5 minutes) */
  maxFutureBlockTimeMs?: number
  /** @default 5_000_000_000n */
  blockReward?: bigint
  /** @default 2_000_000 */
  maxBlockBytes?: number
  /** @default 10_000 */
  maxBlockTransactions?: number
  /** @default 100 */
  maxCoinbaseDataBytes?: number
  /** @default 0n */
  minimumChainWork?: bigint
  /** @default undefined (no finality) */
  validators?: ValidatorSetData
}

/**
 * The secret key (32-byte Ed25519 seed) of a well-known devnet account: double SHA-256 of
 * `chainwire devnet <label>`. Published on purpose, like a development chain's prefunded accounts; never
 * use these keys anywhere else.
 */
export function devnetSecret(label: 'faucet' | `validator ${number}`): Uint8Array {
  return sha256d(new TextEncoder().encode(`chainwire devnet ${label}`))
}

/** Public key of `devnetSecret('faucet')`, which the devnet genesis pays. */
export const DEVNET_FAUCET: Uint8Array = fromHex(
  'f8d1053e60b6f219c8f29d5ad3dc361b39bef2014e010d33063a0bb9d57ca013',
)

/** Public keys of `devnetSecret('validator 0')` to `'validator 3'`, the devnet's validators. */
export const DEVNET_VALIDATORS: readonly Uint8Array[] = [
  'be771bb02642d16b3fc074412ab4aecd407669f26254a73f22779851fdf986ba',
  '40f1e572d24a10eaf5341a8ec9fbe46192bbab235847c379ccf991bb8c9e5f94',
  'a2dabf114f081026edb6f5f02291476531a30b7b38fd72ccd458faa81310a1b0',
  '15d8cd7d2c78d8033fec78cc52836949afcbf353f033dd4671219beab4ee0615',
].map(fromHex)

/**
 * Compact target of the devnet genesis: about 2^22 hashes per block, which the worker-thread miner does in
 * about the 10 s target on one core of a laptop (the `chain` benchmark measures its hash rate); LWMA then
 * follows the real hash rate.
 */
export const DEVNET_GENESIS_BITS: number = bitsFromTarget((1n << 256n) / (1n << 22n))

/** Builds and checks a network from parameters, genesis included. */
export function createNetwork(params: NetworkParams): Network {
  return defineNetwork({
    id: params.id,
    genesis: createGenesisBlock({
      timestamp: params.genesisTimestamp ?? 1_767_225_600_000,
      bits: params.genesisBits ?? DEVNET_GENESIS_BITS,
      to: params.genesisTo ?? DEVNET_FAUCET,
      amount: params.genesisAmount ?? 1_000_000_000_000_000n,
      message: params.genesisMessage ?? `chainwire genesis ${params.id}`,
    }),
    targetBlockTimeMs: params.targetBlockTimeMs ?? 10_000,
    difficultyWindow: params.difficultyWindow ?? 60,
    powLimitBits: params.powLimitBits ?? 0x207fffff,
    maxFutureBlockTimeMs: params.maxFutureBlockTimeMs ?? 300_000,
    blockReward: params.blockReward ?? 5_000_000_000n,
    maxBlockBytes: params.maxBlockBytes ?? 2_000_000,
    maxBlockTransactions: params.maxBlockTransactions ?? 10_000,
    maxCoinbaseDataBytes: params.maxCoinbaseDataBytes ?? 100,
    minimumChainWork: params.minimumChainWork ?? 0n,
    validators: params.validators,
  })
}

/**
 * The development network: 10 s blocks at a difficulty one laptop core meets in about that time, a faucet
 * account funded at genesis, and finality by four well-known validators of equal power (three of them
 * finalise a block).
 */
export const devnet: Network = createNetwork({
  id: 'chainwire-devnet',
  validators: { epoch: 0, validators: DEVNET_VALIDATORS.map((publicKey) => ({ publicKey, power: 1 })) },
})

/**
 * A template for a public test network: 60 s blocks, Bitcoin's two-hour future limit, a 90-block LWMA
 * window, no faucet and no finality unless given. Pass your own id, genesis time and bits (and validators
 * to turn finality on).
 */
export function testnet(overrides: Partial<NetworkParams> & { id: string }): Network {
  return createNetwork({
    targetBlockTimeMs: 60_000,
    difficultyWindow: 90,
    maxFutureBlockTimeMs: 7_200_000,
    genesisTo: ZERO_HASH,
    genesisAmount: 0n,
    genesisBits: bitsFromTarget((1n << 256n) / (1n << 30n)),
    powLimitBits: 0x1f00ffff,
    ...overrides,
  })
}
