import { ChainError } from '../errors'
import type { MempoolOptions } from '../mempool/mempool'

/**
 * Options of a full chain (`createChain`). Every field has a default; `resolveChainOptions` checks them.
 * (One small file, so a shared option resolver can replace it.)
 */
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

const DEFAULTS: ResolvedChainLimits = {
  accountCacheSize: 100_000,
  invalidCacheSize: 10_000,
  signatureCacheSize: 100_000,
  maxForkHeaders: 10_000,
  maxForkDepth: 288,
  maxVoteHeights: 256,
  recentBlocks: 32,
}

/** Applies defaults and checks ranges (integers >= 0, `maxVoteHeights` >= 1); throws `ERR_INVALID_OPTION`. */
export function resolveChainLimits(options: ChainLimitsOptions): ResolvedChainLimits {
  const out = { ...DEFAULTS }
  for (const name of Object.keys(DEFAULTS) as (keyof ResolvedChainLimits)[]) {
    const v = options[name]
    if (v === undefined) continue
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || (name === 'maxVoteHeights' && v < 1)) {
      throw new ChainError('ERR_INVALID_OPTION', `chain option ${name} must be an integer >= 0`, {
        option: name,
      })
    }
    out[name] = v
  }
  return out
}

export type { MempoolOptions }
