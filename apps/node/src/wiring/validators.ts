/**
 * What relay asks before it relays anything: the chain decides. A block or transaction the chain takes (or
 * already has) is relayed; a refusal that is the sender's fault (`penalty`) is rejected, which relay reports to
 * peer scoring; anything else (a parent we lack, a full mempool) is ignored without blame.
 */
import { type FullChain, headerHash, isPenalty, transactionHash } from '@chainwire/chain'
import type { PeerId } from '@chainwire/interface'
import type { ConsensusVoteData } from '@chainwire/protocol-codec'
import type { MessageValidator, ValidationResult } from '@chainwire/relay'

type Verdict = 'connected' | 'stored' | 'duplicate' | 'accepted' | { invalid: string; penalty?: boolean }

/** A chain result as a relay verdict. */
export function verdictOf(result: Verdict): ValidationResult {
  if (typeof result === 'string') return 'accept'
  return result.penalty === true ? 'reject' : 'ignore'
}

/** The validators of the built-in topics, backed by the chain. */
export function chainValidators(
  chain: FullChain,
  /** Called with each vote the chain counted for the first time, and the peer it came from. */
  onVote: (vote: ConsensusVoteData, from: PeerId) => void = () => {},
): Record<'blocks' | 'transactions' | 'consensus', MessageValidator> {
  return {
    blocks: async (m) => {
      if (m.message?.type !== 'new_block') return 'reject'
      return verdictOf(await chain.acceptBlock(m.message.data.block))
    },
    transactions: async (m) => {
      if (m.message?.type !== 'new_transaction') return 'reject'
      return verdictOf(await chain.acceptTransaction(m.message.data.transaction))
    },
    consensus: async (m, from) => {
      if (m.message?.type !== 'consensus_vote') return m.message === undefined ? 'reject' : 'ignore'
      const result = await chain.acceptVote(m.message.data)
      if (result === 'ignored') return 'ignore'
      if (result === 'counted' || result === 'final') onVote(m.message.data, from)
      if (typeof result === 'string') return 'accept'
      return isPenalty(result.invalid, 'vote') ? 'reject' : 'ignore'
    },
  }
}

/** Message ids of blocks and transactions: their hashes, so `inv` names what the chain names. */
export const messageIds = {
  blocks: (_topic: string, content: { message?: { type: string; data: unknown } }) =>
    content.message?.type === 'new_block'
      ? headerHash(
          (content.message.data as { block: { header: Parameters<typeof headerHash>[0] } }).block.header,
        )
      : new Uint8Array(32),
  transactions: (_topic: string, content: { message?: { type: string; data: unknown } }) =>
    content.message?.type === 'new_transaction'
      ? transactionHash(
          (content.message.data as { transaction: Parameters<typeof transactionHash>[0] }).transaction,
        )
      : new Uint8Array(32),
}
