import { ChainwireError } from '@chainwire/interface'

/**
 * The stable codes of {@link ChainError}. Validation codes name the rule that failed (the README's rules
 * table lists them); `marksBlockInvalid` and `isPenalty` say what each failure means for a block and a peer.
 */
export type ChainErrorCode =
  // ---- headers ----
  /** The header's hash is above the target its `bits` encode. */
  | 'ERR_BAD_POW'
  /** `bits` does not decode to a positive target within the network's limit, or differs from the retarget. */
  | 'ERR_BAD_BITS'
  /** The timestamp is more than the network's future limit ahead of our clock (not permanent). */
  | 'ERR_TIME_TOO_NEW'
  /** The timestamp is not after the median of the previous 11 blocks. */
  | 'ERR_TIME_TOO_OLD'
  /** The height is not the parent's plus one. */
  | 'ERR_BAD_HEIGHT'
  /** The parent header is unknown (not permanent: it may arrive later). */
  | 'ERR_UNKNOWN_PARENT'
  /** The parent, or an ancestor, is known to be invalid. */
  | 'ERR_INVALID_PARENT'
  /** The header or block version is not one this network accepts. */
  | 'ERR_BAD_VERSION'
  /** The header would fork the chain at or below the last final block. */
  | 'ERR_FORK_BELOW_FINAL'
  /** A header of a batch does not link to the previous one. */
  | 'ERR_NOT_CONTINUOUS'
  /** Too many headers off the best chain are kept already (not permanent). */
  | 'ERR_TOO_MANY_FORKS'
  /** A genesis block or header that is not the network's. */
  | 'ERR_BAD_GENESIS'
  // ---- blocks ----
  /** The merkle root of the transactions is not the header's. */
  | 'ERR_BAD_MERKLE_ROOT'
  /** The transaction list was mutated to the same merkle root (CVE-2012-2459; not permanent). */
  | 'ERR_MUTATED_BLOCK'
  /** The block is larger than the network allows, in bytes or transactions. */
  | 'ERR_BLOCK_TOO_LARGE'
  /** The same transaction appears twice in a block. */
  | 'ERR_DUPLICATE_TX'
  /** The first transaction is not a well-formed coinbase, a later one is, or it pays too much. */
  | 'ERR_BAD_COINBASE'
  /** The block has no transactions (it needs at least the coinbase). */
  | 'ERR_EMPTY_BLOCK'
  // ---- transactions ----
  /** The transaction's Ed25519 signature does not verify. */
  | 'ERR_BAD_SIGNATURE'
  /** The nonce is above the sender's next nonce (a gap). */
  | 'ERR_NONCE_GAP'
  /** The nonce was used already (below the sender's next nonce). */
  | 'ERR_NONCE_USED'
  /** The sender cannot pay amount plus fee (with the transactions before it). */
  | 'ERR_INSUFFICIENT_FUNDS'
  /** The transaction is larger than allowed, or malformed (wrong field sizes, zero amount and fee). */
  | 'ERR_BAD_TX'
  /** A balance would pass 2^64 - 1. */
  | 'ERR_AMOUNT_OVERFLOW'
  // ---- mempool ----
  /** The fee rate is below the mempool's minimum, or too low to evict anything from a full pool. */
  | 'ERR_FEE_TOO_LOW'
  /** A replacement (same sender and nonce) does not pay enough more than the transaction it replaces. */
  | 'ERR_REPLACEMENT_UNDERPAID'
  /** The sender already has the maximum number of pending transactions. */
  | 'ERR_SENDER_LIMIT'
  // ---- finality ----
  /** A vote's signature does not verify, it is not a precommit, or it is malformed. */
  | 'ERR_BAD_VOTE'
  /** A vote from a key that is not in the validator set. */
  | 'ERR_UNKNOWN_VALIDATOR'
  /** A vote for a height too far from what the chain can use (not permanent). */
  | 'ERR_VOTE_OUT_OF_RANGE'
  // ---- compact block filters ----
  /** A compact block filter that does not parse (a count beyond its bits, a truncated stream). */
  | 'ERR_BAD_FILTER'
  // ---- store and life cycle ----
  /** The store was written by a newer format version. */
  | 'ERR_STORE_VERSION'
  /** The store belongs to another network (another genesis). */
  | 'ERR_STORE_FOREIGN'
  /** A stored record does not parse, or the stored tip is missing. */
  | 'ERR_STORE_CORRUPT'
  /** A method that needs the store was called before `start()` or after `stop()`. */
  | 'ERR_NOT_STARTED'
  /** An option or a network definition is out of range. */
  | 'ERR_INVALID_OPTION'
  /** The miner was stopped while solving. */
  | 'ERR_MINER_STOPPED'

/**
 * The one error class of `@chainwire/chain`: branch on `code` (stable), read `details` for context, and use
 * `ChainError.isInstance` rather than `instanceof` so errors from another copy of the package are recognised.
 */
export class ChainError extends ChainwireError<ChainErrorCode> {}

/** Failures after which a block's hash is not remembered as invalid: the same header may be valid later. */
const KEEPS_HASH: ReadonlySet<ChainErrorCode> = new Set<ChainErrorCode>([
  'ERR_TIME_TOO_NEW',
  'ERR_UNKNOWN_PARENT',
  'ERR_TOO_MANY_FORKS',
  'ERR_MUTATED_BLOCK',
  'ERR_BAD_MERKLE_ROOT',
  'ERR_BAD_TX',
  'ERR_NOT_STARTED',
])

/**
 * True when a block (or header) that failed with `code` is invalid for good, so its hash and descendants
 * are remembered as invalid. False when the failure depends on timing or our state (the parent may arrive,
 * our clock may catch up) or the body does not match the header (a mutated or corrupted transaction list:
 * the honest body of the same header may still arrive, CVE-2012-2459).
 */
export function marksBlockInvalid(code: ChainErrorCode): boolean {
  return !KEEPS_HASH.has(code)
}

/** What kind of object was checked, for {@link isPenalty}. */
export type CheckedKind = 'header' | 'block' | 'transaction' | 'vote'

const NO_PENALTY: Readonly<Record<CheckedKind, ReadonlySet<ChainErrorCode>>> = {
  header: new Set(['ERR_TIME_TOO_NEW', 'ERR_UNKNOWN_PARENT', 'ERR_TOO_MANY_FORKS', 'ERR_NOT_STARTED']),
  block: new Set(['ERR_TIME_TOO_NEW', 'ERR_UNKNOWN_PARENT', 'ERR_TOO_MANY_FORKS', 'ERR_NOT_STARTED']),
  transaction: new Set([
    'ERR_FEE_TOO_LOW',
    'ERR_REPLACEMENT_UNDERPAID',
    'ERR_SENDER_LIMIT',
    'ERR_NONCE_GAP',
    'ERR_NONCE_USED',
    'ERR_INSUFFICIENT_FUNDS',
    'ERR_NOT_STARTED',
  ]),
  vote: new Set(['ERR_VOTE_OUT_OF_RANGE', 'ERR_NOT_STARTED']),
}

/**
 * True when a peer that sent an object failing with `code` misbehaved (relay and sync report it to peer
 * scoring). False for failures an honest peer can cause: a slightly fast clock, a parent we lack, a full
 * mempool, a transaction that a block has made stale in the meantime.
 */
export function isPenalty(code: ChainErrorCode, kind: CheckedKind): boolean {
  return !NO_PENALTY[kind].has(code)
}

/** The refusal of an accept method: the code, and whether the sender of a `kind` failing with it misbehaved. */
export function refusal(
  code: ChainErrorCode,
  kind: CheckedKind,
): { invalid: ChainErrorCode; penalty: boolean } {
  return { invalid: code, penalty: isPenalty(code, kind) }
}

/** Shorthand used by the validators. */
export function fail(code: ChainErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new ChainError(code, message, details)
}

/** The `ChainError` code of a failure; anything else is a bug and is rethrown. */
export function codeOf(err: unknown): ChainErrorCode {
  if (ChainError.isInstance(err)) return err.code
  throw err
}
