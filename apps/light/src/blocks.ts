import { equalBytes, headerHash, merkleRootMatches } from '@chainwire/chain'
import type { Block } from '@chainwire/protocol-codec'
import type { LightContext } from './context'
import type { LightPeer } from './peers'

/**
 * Downloads one block by hash and checks it against the header we verified: the same header hash and a
 * merkle root that its transactions hash to. A peer that sends another block, or a body that does not
 * match, is banned and the next peer is asked. Undefined when no peer had it.
 */
export async function fetchVerifiedBlock(
  ctx: LightContext,
  hash: Uint8Array,
  peers: readonly LightPeer[] = ctx.peers.spread(),
): Promise<Block | undefined> {
  for (const peer of peers) {
    if (ctx.signal.aborted) return undefined
    let block: Block | undefined
    try {
      const res = await ctx.request(peer, { type: 'block_request', data: { by: 'hash', hash } })
      if (res.type !== 'block_response') continue
      block = res.data.block
    } catch {
      continue
    }
    if (block === undefined) continue
    if (!equalBytes(headerHash(block.header), hash) || !merkleRootMatches(block)) {
      ctx.ban(
        peer.peerId,
        'bad-block',
        'a block that is not the one asked for, or a body that does not match',
      )
      continue
    }
    return block
  }
  return undefined
}
