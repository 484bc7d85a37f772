import type { ConsensusVoteData, ValidatorSetData, VoteStep } from '@chainwire/protocol-codec'
import { ByteWriter, toHex } from '../bytes'

const DOMAIN = new TextEncoder().encode('chainwire/vote/v1')
const STEP_CODE: Record<VoteStep, number> = { prevote: 0, precommit: 1 }

/**
 * What a validator signs: the domain `chainwire/vote/v1`, the network id, then height u64, round u32, step
 * u8, and the block hash (a zero byte for nil, else a one byte and 32 bytes).
 */
export function voteSigningMessage(
  vote: Omit<ConsensusVoteData, 'signature'>,
  networkId: string,
): Uint8Array {
  const w = new ByteWriter(128)
    .bytes(DOMAIN)
    .varBytes(new TextEncoder().encode(networkId))
    .u64(vote.height)
    .u32(vote.round)
    .u8(STEP_CODE[vote.step] ?? 255)
    .bytes(vote.validator)
  if (vote.blockHash === undefined) w.u8(0)
  else w.u8(1).bytes(vote.blockHash)
  return w.finish()
}

/** Signs a vote as `signer` (a validator) for `networkId`. */
export function signVote(
  vote: { height: number; round?: number; step?: VoteStep; blockHash?: Uint8Array },
  signer: { publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array },
  networkId: string,
): ConsensusVoteData {
  const unsigned: Omit<ConsensusVoteData, 'signature'> = {
    height: vote.height,
    round: vote.round ?? 0,
    step: vote.step ?? 'precommit',
    validator: signer.publicKey,
  }
  if (vote.blockHash !== undefined) unsigned.blockHash = vote.blockHash
  return { ...unsigned, signature: signer.sign(voteSigningMessage(unsigned, networkId)) }
}

/** Two precommits by one validator for different blocks at one height: proof that it equivocated. */
export interface Equivocation {
  validator: Uint8Array
  height: number
  votes: [ConsensusVoteData, ConsensusVoteData]
}

/** A block that gathered precommits of more than 2/3 of the power. */
export interface Quorum {
  height: number
  blockHash: Uint8Array
  votes: ConsensusVoteData[]
}

interface Tally {
  power: number
  votes: ConsensusVoteData[]
}

interface HeightVotes {
  /** Each validator's first precommit at this height. */
  byValidator: Map<string, ConsensusVoteData>
  /** Power behind each block hash. */
  tallies: Map<string, Tally>
}

/** What {@link VoteTracker.add} made of a precommit whose signature was checked. */
export type VoteOutcome =
  | { kind: 'duplicate' }
  | { kind: 'counted'; quorum?: Quorum }
  | { kind: 'equivocation'; evidence: Equivocation }

/**
 * Precommits of one validator set, per height: tallies the power behind each block, reports the first
 * quorum (more than 2/3 of the total power) and detects equivocation. Bounded: it only holds heights its
 * caller lets in (above the last final block, at most `maxHeights` of them), and at most one vote per
 * validator per height.
 */
export class VoteTracker {
  readonly totalPower: number
  private readonly power = new Map<string, number>()
  private readonly heights = new Map<number, HeightVotes>()

  constructor(
    set: ValidatorSetData,
    private readonly maxHeights: number,
  ) {
    let total = 0
    for (const v of set.validators) {
      this.power.set(toHex(v.publicKey), v.power)
      total += v.power
    }
    this.totalPower = total
  }

  /** True when `power` is more than 2/3 of the total. */
  isQuorum(power: number): boolean {
    return power * 3 > this.totalPower * 2
  }

  powerOf(validator: Uint8Array): number | undefined {
    return this.power.get(toHex(validator))
  }

  /** Counts a checked precommit for a block. */
  add(vote: ConsensusVoteData & { blockHash: Uint8Array }): VoteOutcome {
    const validator = toHex(vote.validator)
    const power = this.power.get(validator) ?? 0
    let h = this.heights.get(vote.height)
    if (h === undefined) {
      if (this.heights.size >= this.maxHeights) {
        // Drop the highest height held: the lowest ones are the next to finalise.
        const highest = Math.max(...this.heights.keys())
        if (highest < vote.height) return { kind: 'duplicate' }
        this.heights.delete(highest)
      }
      h = { byValidator: new Map(), tallies: new Map() }
      this.heights.set(vote.height, h)
    }
    const block = toHex(vote.blockHash)
    const first = h.byValidator.get(validator)
    if (first !== undefined) {
      if (first.blockHash !== undefined && toHex(first.blockHash) === block) return { kind: 'duplicate' }
      return {
        kind: 'equivocation',
        evidence: { validator: vote.validator, height: vote.height, votes: [first, vote] },
      }
    }
    h.byValidator.set(validator, vote)
    let tally = h.tallies.get(block)
    if (tally === undefined) h.tallies.set(block, (tally = { power: 0, votes: [] }))
    const before = tally.power
    tally.power += power
    tally.votes.push(vote)
    if (!this.isQuorum(before) && this.isQuorum(tally.power)) {
      return {
        kind: 'counted',
        quorum: { height: vote.height, blockHash: vote.blockHash, votes: [...tally.votes] },
      }
    }
    return { kind: 'counted' }
  }

  /** The quorum for a block at a height, if its precommits reached one. */
  quorumFor(height: number, blockHash: Uint8Array): Quorum | undefined {
    const tally = this.heights.get(height)?.tallies.get(toHex(blockHash))
    if (tally === undefined || !this.isQuorum(tally.power)) return undefined
    return { height, blockHash, votes: [...tally.votes] }
  }

  /** Every quorum held, lowest height first. */
  quorums(): Quorum[] {
    const out: Quorum[] = []
    for (const [height, h] of [...this.heights].sort((a, b) => a[0] - b[0])) {
      for (const tally of h.tallies.values()) {
        const first = tally.votes[0]
        if (first?.blockHash !== undefined && this.isQuorum(tally.power)) {
          out.push({ height, blockHash: first.blockHash, votes: [...tally.votes] })
        }
      }
    }
    return out
  }

  /** Forgets heights at or below `height` (the new last final block). */
  pruneThrough(height: number): void {
    for (const h of this.heights.keys()) if (h <= height) this.heights.delete(h)
  }

  /** Heights held. */
  get heightCount(): number {
    return this.heights.size
  }
}
