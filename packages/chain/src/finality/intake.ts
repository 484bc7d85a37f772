import type { ConsensusVoteData } from '@chainwire/protocol-codec'
import type { AcceptVoteResult } from '../chain/types'
import type { SignatureVerifier } from '../crypto/ed25519'
import { codeOf, fail } from '../errors'
import { type Equivocation, type VoteTracker, voteSigningMessage } from './votes'

/** What a chain lends {@link acceptVoteWith}. */
export interface VoteIntake {
  votes: VoteTracker | undefined
  verifier: SignatureVerifier
  networkId: string
  /** The last final height (0 when none). */
  finalHeight(): number
  /** Votes more than `maxVoteHeights` above this height are refused (not held). */
  bestHeight: number
  maxVoteHeights: number
  onEquivocation(evidence: Equivocation): void
  /** Finalises what quorums allow; called after a counted vote. */
  applyQuorums(): Promise<void>
}

/**
 * The one way both chains take a vote: precommits for a block by a validator of the set, within the held
 * heights, with a valid signature, are counted; a second precommit of a validator at a height for another
 * block is an equivocation; prevotes and nil votes are ignored. Never throws.
 */
export async function acceptVoteWith(vote: ConsensusVoteData, intake: VoteIntake): Promise<AcceptVoteResult> {
  try {
    const votes = intake.votes
    if (votes === undefined) fail('ERR_UNKNOWN_VALIDATOR', 'finality is off on this network')
    if (typeof vote !== 'object' || vote === null || !(vote.validator instanceof Uint8Array)) {
      fail('ERR_BAD_VOTE', 'malformed vote')
    }
    if (vote.step !== 'precommit' || vote.blockHash === undefined) return 'ignored'
    if (votes.powerOf(vote.validator) === undefined) fail('ERR_UNKNOWN_VALIDATOR', 'not a validator')
    if (
      !Number.isSafeInteger(vote.height) ||
      !(vote.blockHash instanceof Uint8Array) ||
      vote.blockHash.length !== 32
    ) {
      fail('ERR_BAD_VOTE', 'malformed vote')
    }
    const before = intake.finalHeight()
    if (vote.height <= before) return 'duplicate'
    if (vote.height > intake.bestHeight + intake.maxVoteHeights) {
      fail('ERR_VOTE_OUT_OF_RANGE', 'vote too far above the best header', { height: vote.height })
    }
    const message = voteSigningMessage(vote, intake.networkId)
    const [ok] = await intake.verifier.verify([
      { publicKey: vote.validator, message, signature: vote.signature },
    ])
    if (ok !== true) fail('ERR_BAD_VOTE', 'bad vote signature')
    const outcome = votes.add(vote as ConsensusVoteData & { blockHash: Uint8Array })
    if (outcome.kind === 'duplicate') return 'duplicate'
    if (outcome.kind === 'equivocation') {
      intake.onEquivocation(outcome.evidence)
      return 'equivocation'
    }
    await intake.applyQuorums()
    return intake.finalHeight() >= vote.height && intake.finalHeight() !== before ? 'final' : 'counted'
  } catch (err) {
    return { invalid: codeOf(err) }
  }
}
