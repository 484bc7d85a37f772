/**
 * Validators' precommits for light peers. The relay's `consensus` topic is validator-only, so a light client
 * (which verifies finality from votes, DESIGN.md §8) would never see one: every vote this node signs or counts
 * for the first time is also sent, as a plain `consensus_vote`, to each connected light peer whose send queue
 * has room (network's per-peer queue bound applies; a full queue drops the vote for that peer).
 */
import type { Network } from '@chainwire/network'
import type { ConsensusVoteData } from '@chainwire/protocol-codec'

/** Returns the function that forwards one vote to the light peers; it answers how many peers it queued for. */
export function lightVoteForwarder(network: Network): (vote: ConsensusVoteData) => number {
  return (vote) =>
    network.broadcast(
      { type: 'consensus_vote', data: vote },
      (peer) => peer.hello.roles.includes('light') && !peer.hello.roles.includes('full'),
    )
}
