/**
 * Validators' precommits for the peers the relay does not serve them to. The relay's `consensus` topic is
 * validator-only (envelopes between validators), so a light client (which verifies finality from votes,
 * DESIGN.md §8) connected to non-validator full nodes, and those full nodes themselves, would never see one.
 * Every vote the chain counts here for the first time (signed here, or received from any peer and verified)
 * is sent once, as a plain `consensus_vote`, to each connected light or full peer that is not a validator,
 * except the peer it came from. A full node that receives it counts it (relay's consensus validator, the
 * chain) and forwards it the same way, so votes reach every light client through any full node.
 *
 * Deduplicated: only a vote the chain had not counted yet is forwarded (a copy is `duplicate`, and relay's
 * seen cache drops repeats before validation), so each vote crosses each connection at most once each way.
 * Bounded: the chain counts only signed votes of the validator set at most `maxVoteHeights` heights above its
 * last final block, and a peer whose send queue is full misses the vote (network's per-peer queue bound).
 */
import type { PeerId } from '@chainwire/interface'
import type { Network, PeerInfo } from '@chainwire/network'
import type { ConsensusVoteData } from '@chainwire/protocol-codec'

/** Whether a peer gets counted votes from this node rather than from the validator-only relay. */
export function wantsForwardedVotes(peer: PeerInfo): boolean {
  const roles = peer.hello.roles
  return (roles.includes('light') || roles.includes('full')) && !roles.includes('validator')
}

/**
 * Returns the function that forwards one newly counted vote (received from `from`, or signed here) to the
 * peers of {@link wantsForwardedVotes}; it answers how many peers it queued the vote for.
 */
export function voteForwarder(network: Network): (vote: ConsensusVoteData, from?: PeerId) => number {
  return (vote, from) =>
    network.broadcast(
      { type: 'consensus_vote', data: vote },
      (peer) => peer.peerId !== from && wantsForwardedVotes(peer),
    )
}
