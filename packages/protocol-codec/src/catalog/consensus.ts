import { LIMITS } from '../limits'
import { array, enumOf, hash32, optional, publicKey, signature, struct, u32, uintSafe } from '../schema'
import { type Block, block } from './chain'
import type { SpecTable } from './spec'

/** The step of a BFT vote (Tendermint's prevote and precommit). */
export type VoteStep = 'prevote' | 'precommit'

/** `consensus_vote`: a validator's signed vote for a block (or for nothing) at a height and round. */
export interface ConsensusVoteData {
  height: number
  /** Round within the height (u32). */
  round: number
  step: VoteStep
  /** The block voted for; absent for a nil vote. */
  blockHash?: Uint8Array
  /** The voting validator's Ed25519 public key. */
  validator: Uint8Array
  /** Signature by `validator` over the other fields. */
  signature: Uint8Array
}

/** `consensus_proposal`: the round's proposer offers a block. */
export interface ConsensusProposalData {
  height: number
  /** Round within the height (u32). */
  round: number
  /** The round in which the proposer saw a polka for this block (Tendermint's valid round), if any. */
  validRound?: number
  block: Block
  /** The proposer's Ed25519 public key. */
  proposer: Uint8Array
  /** Signature by `proposer` over the other fields. */
  signature: Uint8Array
}

/** One validator and its voting power. */
export interface Validator {
  publicKey: Uint8Array
  power: number
}

/** `validator_set`: the validators of an epoch, at most `LIMITS.maxValidators`. */
export interface ValidatorSetData {
  epoch: number
  validators: Validator[]
}

/** Data types of the consensus messages. */
export interface ConsensusMessages {
  consensus_vote: ConsensusVoteData
  consensus_proposal: ConsensusProposalData
  validator_set: ValidatorSetData
}

/** Validator consensus messages (relayed validator-only by @chainwire/relay). */
export const consensusSpecs: SpecTable<ConsensusMessages> = {
  consensus_vote: {
    code: 0x40,
    kind: 'announcement',
    summary: 'a validator vote (prevote/precommit) for a block or nil',
    schema: struct<ConsensusVoteData>({
      height: uintSafe,
      round: u32,
      step: enumOf<VoteStep>({ prevote: 0, precommit: 1 }),
      blockHash: optional(hash32),
      validator: publicKey,
      signature,
    }),
  },
  consensus_proposal: {
    code: 0x41,
    kind: 'announcement',
    summary: "the round proposer's block",
    schema: struct<ConsensusProposalData>({
      height: uintSafe,
      round: u32,
      validRound: optional(u32),
      block,
      proposer: publicKey,
      signature,
    }),
  },
  validator_set: {
    code: 0x42,
    kind: 'announcement',
    summary: 'validators and voting power of an epoch',
    schema: struct<ValidatorSetData>({
      epoch: uintSafe,
      validators: array(struct<Validator>({ publicKey, power: uintSafe }), {
        min: 1,
        max: LIMITS.maxValidators,
      }),
    }),
  },
}
