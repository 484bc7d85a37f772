import { equalBytes, headerHash, verifyMerkleProof } from '@chainwire/chain'
import type { MerkleProof } from '@chainwire/protocol-codec'
import type { LightContext } from './context'
import { LightClientError } from './errors'
import type { TransactionVerification } from './types'

/**
 * Proves that a transaction is in a block of the best header chain: asks peers for `get_proof` in turn and
 * checks each answer against the header already verified. A proof for another block or one whose merkle
 * path does not lead to the header's root gets the peer banned and the next peer is asked; a peer that does
 * not have the transaction is not at fault.
 */
export async function verifyTransaction(
  ctx: LightContext,
  txHash: Uint8Array,
  blockHash: Uint8Array,
): Promise<TransactionVerification> {
  const { chain } = ctx
  if (chain.heightOf(blockHash) === undefined) {
    throw new LightClientError('ERR_NOT_IN_BEST_CHAIN', 'the block is not on the best header chain')
  }
  let absent = 0
  for (const peer of ctx.peers.spread()) {
    if (ctx.signal.aborted) break
    let inclusion: MerkleProof | undefined
    try {
      const res = await ctx.request(peer, { type: 'get_proof', data: { blockHash, txHash } })
      if (res.type !== 'proof') continue
      inclusion = res.data.inclusion
    } catch {
      continue
    }
    if (inclusion === undefined) {
      absent++
      continue
    }
    if (!equalBytes(headerHash(inclusion.header), blockHash)) {
      ctx.ban(peer.peerId, 'bad-proof', 'a proof against another block than the one asked for')
      continue
    }
    if (!verifyMerkleProof(inclusion, txHash)) {
      ctx.ban(peer.peerId, 'bad-proof', 'a merkle path that does not lead to the header’s root')
      continue
    }
    const height = chain.heightOf(blockHash)
    if (height === undefined || !chain.verifyProof(inclusion, txHash)) {
      throw new LightClientError('ERR_NOT_IN_BEST_CHAIN', 'the block left the best header chain')
    }
    return {
      txHash,
      blockHash,
      height,
      index: inclusion.index,
      confirmations: chain.tip().height - height + 1,
      final: height <= chain.finalized().height,
      verified: height <= ctx.verifiedHeight(),
      proof: inclusion,
      peerId: peer.peerId,
    }
  }
  if (absent > 0) throw new LightClientError('ERR_TX_NOT_FOUND', 'no peer has the transaction in that block')
  throw new LightClientError('ERR_NO_PEERS', 'no connected peer answered')
}
