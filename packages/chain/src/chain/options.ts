import { type OptionSpec, option, resolveOptions } from '@chainwire/interface'
import { ChainError } from '../errors'

/** Options of a full chain (`createChain`) besides the network, the store and the mempool. */
export interface ChainLimitsOptions {
  /** Accounts of the committed state kept in memory (reads past it go to the store). @default 100_000 */
  accountCacheSize?: number
  /** Hashes of headers and blocks found invalid, remembered to refuse them cheaply. @default 10_000 */
  invalidCacheSize?: number
  /** Transaction hashes whose signature was verified (the mempool's work reused by blocks). @default 100_000 */
  signatureCacheSize?: number
  /**
   * Headers kept off the best header chain (forks). At the limit a header that does not make its branch the
   * best is refused with `ERR_TOO_MANY_FORKS`.
   * @default 10_000
   */
  maxForkHeaders?: number
  /**
   * Bodies of side-branch blocks are stored only within this many heights below the tip (and above the
   * last final block); deeper ones are refused with `ERR_TOO_MANY_FORKS` until their branch leads.
   * @default 288
   */
  maxForkDepth?: number
  /** Heights above the last final block whose precommits are held. @default 256 */
  maxVoteHeights?: number
  /** Recently accepted block bodies kept in memory for connection (saves a store read). @default 32 */
  recentBlocks?: number
}

export type ResolvedChainLimits = Required<ChainLimitsOptions>

/** The full chain's limits: defaults and bounds (a size of 0 turns a cache off). */
export const CHAIN_LIMITS: OptionSpec<ResolvedChainLimits> = {
  accountCacheSize: option.integer(100_000, { min: 0 }),
  invalidCacheSize: option.integer(10_000, { min: 0 }),
  signatureCacheSize: option.integer(100_000, { min: 0 }),
  maxForkHeaders: option.integer(10_000, { min: 0 }),
  maxForkDepth: option.integer(288, { min: 0 }),
  maxVoteHeights: option.integer(256, { min: 1 }),
  recentBlocks: option.integer(32, { min: 0 }),
}

/** Limits of a header-only chain (`createHeaderChain`). */
export interface HeaderChainLimits {
  /** Headers kept off the best chain (forks); past it a header that does not lead is refused. @default 1_000 */
  maxForkHeaders: number
  /** Hashes of invalid headers remembered. @default 1_000 */
  invalidCacheSize: number
  /** Heights above the last final block whose precommits are held. @default 256 */
  maxVoteHeights: number
}

/** The header-only chain's limits: defaults and bounds. */
export const HEADER_CHAIN_LIMITS: OptionSpec<HeaderChainLimits> = {
  maxForkHeaders: option.integer(1_000, { min: 0 }),
  invalidCacheSize: option.integer(1_000, { min: 0 }),
  maxVoteHeights: option.integer(256, { min: 1 }),
}

/**
 * Resolves options against a spec with `@chainwire/interface`'s `resolveOptions` (the one resolver of
 * chainwire), throwing this package's `ChainError` `ERR_INVALID_OPTION` with `details.option` naming the
 * field (`prefix` + its name).
 */
export function resolveChainOptions<T>(spec: OptionSpec<T>, given: unknown, prefix = ''): T {
  return resolveOptions(spec, given, {
    prefix,
    error: (message, details) => new ChainError('ERR_INVALID_OPTION', message, details),
  })
}
