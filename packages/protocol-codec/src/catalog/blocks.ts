import { LIMITS } from '../limits'
import { array, bool, bytes, hash32, optional, struct, u32, u64, uint, uintSafe, union } from '../schema'
import { type Block, type BlockHeader, block, blockHeader, type Transaction, transaction } from './chain'
import type { SpecTable } from './spec'

/** `new_block`: announces a whole block. */
export interface NewBlockData {
  block: Block
}

/** `get_headers`: headers after the first locator hash the responder knows (Bitcoin's getheaders). */
export interface GetHeadersData {
  /** Hashes from the requester's tip back towards genesis, densest near the tip; at most 101. */
  locator: Uint8Array[]
  /** Stop after the header with this hash (when absent, send as many as `limit` allows). */
  stop?: Uint8Array
  /** At most this many headers, 1 to `LIMITS.maxHeadersPerMessage` (the maximum when absent). */
  limit?: number
}

/** `headers`: consecutive headers, at most `LIMITS.maxHeadersPerMessage`. */
export interface HeadersData {
  headers: BlockHeader[]
}

/** `get_blocks`: blocks by a height range or by hashes, at most `LIMITS.maxBlocksPerMessage`. */
export type GetBlocksData =
  | {
      by: 'range' /** First height. */
      from: number /** 1 to `LIMITS.maxBlocksPerMessage`. */
      count: number
    }
  | { by: 'hashes' /** 1 to `LIMITS.maxBlocksPerMessage` block hashes. */; hashes: Uint8Array[] }

/** `blocks`: the requested blocks the responder has, in request order. */
export interface BlocksData {
  blocks: Block[]
}

/** `block_request`: one block, by hash or by height on the responder's best chain. */
export type BlockRequestData = { by: 'hash'; hash: Uint8Array } | { by: 'height'; height: number }

/** `block_response`: the block, absent when the responder does not have it. */
export interface BlockResponseData {
  block?: Block
}

/** A transaction sent in full inside a compact block, at its index in the block. */
export interface PrefilledTransaction {
  index: number
  transaction: Transaction
}

/**
 * `compact_block` (BIP 152): a header, 6-byte short ids of the transactions the receiver probably has, and
 * the ones it probably lacks in full.
 */
export interface CompactBlockData {
  header: BlockHeader
  /** Salt of the short-id hash (u64). */
  nonce: bigint
  /** Short ids, 6 bytes each, concatenated in block order (prefilled transactions skipped). */
  shortIds: Uint8Array
  /** Transactions sent in full, indexes strictly ascending and within the block. */
  prefilled: PrefilledTransaction[]
}

/**
 * `send_compact` (BIP 152's `sendcmpct`): the sender accepts compact blocks of `version`; with `highBandwidth`
 * it asks the receiver to push each new block as a `compact_block` before validating it fully, otherwise to
 * announce it first (`inv`) and send the compact block on `get_data`. Sent again to change the mode.
 */
export interface SendCompactData {
  /** True: push compact blocks unasked (at most 3 peers per node get this); false: announce first. */
  highBandwidth: boolean
  /** Compact block version (u32); this catalog defines version 1. */
  version: number
}

/** `get_block_txs`: the transactions of a compact block the receiver could not rebuild. */
export interface GetBlockTxsData {
  blockHash: Uint8Array
  /** Indexes in the block, strictly ascending, at most `LIMITS.maxTransactionsPerBlock`. */
  indexes: number[]
}

/** `block_txs`: the asked-for transactions, in the order of the request's indexes. */
export interface BlockTxsData {
  blockHash: Uint8Array
  transactions: Transaction[]
}

/**
 * `compact_block_request`: the compact block of one block, by hash. How a peer in BIP 152's low-bandwidth
 * mode fetches a block announced by `inv` or `headers` (Bitcoin's `getdata(MSG_CMPCT_BLOCK)`), as its own
 * request so that `get_data` stays with transaction relay.
 */
export interface CompactBlockRequestData {
  hash: Uint8Array
}

/** `compact_block_response`: the compact block, absent when the responder does not have the block. */
export interface CompactBlockResponseData {
  compact?: CompactBlockData
}

/** Data types of the block messages. */
export interface BlockMessages {
  new_block: NewBlockData
  get_headers: GetHeadersData
  headers: HeadersData
  get_blocks: GetBlocksData
  blocks: BlocksData
  block_request: BlockRequestData
  block_response: BlockResponseData
  send_compact: SendCompactData
  compact_block: CompactBlockData
  get_block_txs: GetBlockTxsData
  block_txs: BlockTxsData
  compact_block_request: CompactBlockRequestData
  compact_block_response: CompactBlockResponseData
}

const maxTx = LIMITS.maxTransactionsPerBlock
const maxBlocks = LIMITS.maxBlocksPerMessage

const compactBlock = struct<CompactBlockData>(
  {
    header: blockHeader,
    nonce: u64,
    shortIds: bytes(0, 6 * maxTx, 6),
    prefilled: array(struct<PrefilledTransaction>({ index: uint(maxTx - 1), transaction }), { max: maxTx }),
  },
  (v) => {
    const count = v.shortIds.length / 6 + v.prefilled.length
    if (count > maxTx) return { reason: `more than ${maxTx} transactions in total` }
    let last = -1
    for (const p of v.prefilled) {
      if (p.index <= last || p.index >= count) {
        return { field: 'prefilled', reason: 'indexes must be strictly ascending and within the block' }
      }
      last = p.index
    }
    return undefined
  },
)

/** Block propagation and block download messages. */
export const blockSpecs: SpecTable<BlockMessages> = {
  new_block: {
    code: 0x20,
    kind: 'announcement',
    summary: 'announces a whole block',
    schema: struct<NewBlockData>({ block }),
  },
  get_headers: {
    code: 0x21,
    kind: 'request',
    response: 'headers',
    summary: 'headers after a block locator, up to a stop hash',
    schema: struct<GetHeadersData>({
      locator: array(hash32, { max: LIMITS.maxLocatorHashes }),
      stop: optional(hash32),
      limit: optional(uint(LIMITS.maxHeadersPerMessage, 1)),
    }),
  },
  headers: {
    code: 0x22,
    kind: 'response',
    summary: 'consecutive block headers',
    schema: struct<HeadersData>({ headers: array(blockHeader, { max: LIMITS.maxHeadersPerMessage }) }),
  },
  get_blocks: {
    code: 0x23,
    kind: 'request',
    response: 'blocks',
    summary: 'blocks by height range or by hashes',
    schema: union<GetBlocksData>('by', {
      range: { code: 0, schema: struct({ from: uintSafe, count: uint(maxBlocks, 1) }) },
      hashes: { code: 1, schema: struct({ hashes: array(hash32, { min: 1, max: maxBlocks }) }) },
    }),
  },
  blocks: {
    code: 0x24,
    kind: 'response',
    summary: 'the requested blocks the responder has',
    schema: struct<BlocksData>({ blocks: array(block, { max: maxBlocks }) }),
  },
  block_request: {
    code: 0x25,
    kind: 'request',
    response: 'block_response',
    summary: 'one block by hash or height',
    schema: union<BlockRequestData>('by', {
      hash: { code: 0, schema: struct({ hash: hash32 }) },
      height: { code: 1, schema: struct({ height: uintSafe }) },
    }),
  },
  block_response: {
    code: 0x26,
    kind: 'response',
    summary: 'the block, or nothing when unknown',
    schema: struct<BlockResponseData>({ block: optional(block) }),
  },
  send_compact: {
    code: 0x27,
    kind: 'announcement',
    summary: 'compact block negotiation: version and high- or low-bandwidth mode (BIP 152 sendcmpct)',
    schema: struct<SendCompactData>({ highBandwidth: bool, version: u32 }),
  },
  compact_block: {
    code: 0x28,
    kind: 'announcement',
    summary: 'header + short transaction ids + prefilled transactions (BIP 152)',
    schema: compactBlock,
  },
  get_block_txs: {
    code: 0x29,
    kind: 'request',
    response: 'block_txs',
    summary: 'transactions of a compact block by index',
    schema: struct<GetBlockTxsData>({
      blockHash: hash32,
      indexes: array(uint(maxTx - 1), { min: 1, max: maxTx, order: 'ascending' }),
    }),
  },
  block_txs: {
    code: 0x2a,
    kind: 'response',
    summary: 'the requested transactions of a compact block',
    schema: struct<BlockTxsData>({ blockHash: hash32, transactions: array(transaction, { max: maxTx }) }),
  },
  compact_block_request: {
    code: 0x2b,
    kind: 'request',
    response: 'compact_block_response',
    summary: 'the compact block of one block by hash (BIP 152 low-bandwidth mode)',
    schema: struct<CompactBlockRequestData>({ hash: hash32 }),
  },
  compact_block_response: {
    code: 0x2c,
    kind: 'response',
    summary: 'the compact block, or nothing when the block is unknown',
    schema: struct<CompactBlockResponseData>({ compact: optional(compactBlock) }),
  },
}
