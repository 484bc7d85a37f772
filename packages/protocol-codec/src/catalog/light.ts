import { LIMITS } from '../limits'
import { array, bytes, enumOf, hash32, optional, struct, uintSafe } from '../schema'
import { type BlockHeader, blockHeader } from './chain'
import type { SpecTable } from './spec'

/** `get_proof`: asks a full node to prove that a transaction is in a block (for light clients). */
export interface GetProofData {
  blockHash: Uint8Array
  txHash: Uint8Array
}

/** A merkle inclusion proof of a transaction in a block. */
export interface MerkleProof {
  /** The block's header; its `merkleRoot` is what the proof ends at. */
  header: BlockHeader
  /** Position of the transaction in the block. */
  index: number
  /** Sibling hashes from the leaf up to the root, at most `LIMITS.maxProofDepth`. */
  siblings: Uint8Array[]
}

/** `proof`: the inclusion proof, absent when the transaction is not in that block (or unknown). */
export interface ProofData {
  blockHash: Uint8Array
  txHash: Uint8Array
  inclusion?: MerkleProof
}

/** The compact filter types (BIP 158): only `basic` (type 0), over a block's account keys. */
export type FilterType = 'basic'

/**
 * `get_cfilters` (BIP 157 `getcfilters`): the filters of the blocks from `startHeight` up to `stopHash`,
 * at most `LIMITS.maxFiltersPerMessage` blocks.
 */
export interface GetCFiltersData {
  filterType: FilterType
  startHeight: number
  stopHash: Uint8Array
}

/** One block's filter. */
export interface BlockFilterEntry {
  blockHash: Uint8Array
  /** BIP 158 serialisation: CompactSize N, then the Golomb-Rice coded set. */
  filter: Uint8Array
}

/**
 * `cfilters`: the filters asked for, in height order from `startHeight`. BIP 157 sends one `cfilter` message
 * per block; chainwire answers a request with exactly one response, so they come together, cut to what fits
 * in one message (ask again from the next height for the rest). Empty when the range is not served.
 */
export interface CFiltersData {
  filterType: FilterType
  stopHash: Uint8Array
  filters: BlockFilterEntry[]
}

/** `get_cfheaders` (BIP 157 `getcfheaders`): filter hashes from `startHeight` up to `stopHash`. */
export type GetCFHeadersData = GetCFiltersData

/**
 * `cfheaders`: the filter header before `startHeight` and the filter hash of each block up to `stopHash`;
 * the requester chains them (header = double SHA-256 of filter hash || previous header) and compares the
 * result between peers. Without `previousHeader` the range is not served.
 */
export interface CFHeadersData {
  filterType: FilterType
  stopHash: Uint8Array
  previousHeader?: Uint8Array
  filterHashes: Uint8Array[]
}

/** `get_cfcheckpt` (BIP 157 `getcfcheckpt`): the filter header of every 1,000th block up to `stopHash`. */
export interface GetCFCheckptData {
  filterType: FilterType
  stopHash: Uint8Array
}

/** `cfcheckpt`: filter headers at heights 1,000, 2,000, ... up to `stopHash` (empty when not served). */
export interface CFCheckptData {
  filterType: FilterType
  stopHash: Uint8Array
  filterHeaders: Uint8Array[]
}

/** Data types of the light-client messages. */
export interface LightMessages {
  get_proof: GetProofData
  proof: ProofData
  get_cfilters: GetCFiltersData
  cfilters: CFiltersData
  get_cfheaders: GetCFHeadersData
  cfheaders: CFHeadersData
  get_cfcheckpt: GetCFCheckptData
  cfcheckpt: CFCheckptData
}

const filterType = enumOf<FilterType>({ basic: 0 })
/** The range of a `get_cfilters` or `get_cfheaders`: the blocks from a height up to a block. */
const filterRange = struct<GetCFiltersData>({ filterType, startHeight: uintSafe, stopHash: hash32 })

/** Light-client messages. */
export const lightSpecs: SpecTable<LightMessages> = {
  get_proof: {
    code: 0x38,
    kind: 'request',
    response: 'proof',
    summary: 'merkle proof that a transaction is in a block',
    schema: struct<GetProofData>({ blockHash: hash32, txHash: hash32 }),
  },
  proof: {
    code: 0x39,
    kind: 'response',
    summary: 'the inclusion proof (header, index, siblings), or nothing',
    schema: struct<ProofData>({
      blockHash: hash32,
      txHash: hash32,
      inclusion: optional(
        struct<MerkleProof>({
          header: blockHeader,
          index: uintSafe,
          siblings: array(hash32, { max: LIMITS.maxProofDepth }),
        }),
      ),
    }),
  },
  get_cfilters: {
    code: 0x3a,
    kind: 'request',
    response: 'cfilters',
    summary: 'compact block filters (BIP 157) of a range of blocks',
    schema: filterRange,
  },
  cfilters: {
    code: 0x3b,
    kind: 'response',
    summary: 'the filters of the range, in height order (a prefix when they do not fit)',
    schema: struct<CFiltersData>({
      filterType,
      stopHash: hash32,
      filters: array(
        struct<BlockFilterEntry>({ blockHash: hash32, filter: bytes(1, LIMITS.maxFilterBytes) }),
        { max: LIMITS.maxFiltersPerMessage },
      ),
    }),
  },
  get_cfheaders: {
    code: 0x3c,
    kind: 'request',
    response: 'cfheaders',
    summary: 'compact filter hashes (BIP 157) of a range of blocks, to chain into filter headers',
    schema: filterRange,
  },
  cfheaders: {
    code: 0x3d,
    kind: 'response',
    summary: 'the previous filter header and the filter hashes of the range',
    schema: struct<CFHeadersData>({
      filterType,
      stopHash: hash32,
      previousHeader: optional(hash32),
      filterHashes: array(hash32, { max: LIMITS.maxFilterHeadersPerMessage }),
    }),
  },
  get_cfcheckpt: {
    code: 0x3e,
    kind: 'request',
    response: 'cfcheckpt',
    summary: 'filter headers every 1,000 blocks up to a block (BIP 157)',
    schema: struct<GetCFCheckptData>({ filterType, stopHash: hash32 }),
  },
  cfcheckpt: {
    code: 0x3f,
    kind: 'response',
    summary: 'the filter header of every 1,000th block up to the stop block',
    schema: struct<CFCheckptData>({
      filterType,
      stopHash: hash32,
      filterHeaders: array(hash32, { max: LIMITS.maxFilterCheckpoints }),
    }),
  },
}
