import { LIMITS } from '../limits'
import { array, hash32, optional, struct, uintSafe } from '../schema'
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

/** Data types of the light-client messages. */
export interface LightMessages {
  get_proof: GetProofData
  proof: ProofData
}

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
}
