import type { PeerId } from '@chainwire/interface'
import type { StoredMessage } from '../cache/message-store'
import type { RelayContext, Strategy, TopicState } from '../context'
import type { RelayPeer } from '../peers/peer-table'
import type { PeerScoreView } from '../types'

/**
 * The push strategies: every validated message goes at once to the chosen peers of its topic, never back to
 * a peer that sent it.
 *
 * - `flood`: every subscribed peer.
 * - `selective`: peers whose score (the app's `PeerScoreView`, else relay's own) is above `relayThreshold`;
 *   when fewer than `selectiveMinPeers` are, the best scored of the others (not banned) fill up to it, so a
 *   node whose peers are all new still relays.
 * - `validator_only`: subscribed peers that announced the `validator` role or belong to the validator set we
 *   learned; the envelope's hop limit bounds how far it goes.
 */
export class PushStrategy implements Strategy {
  private readonly ctx: RelayContext
  private readonly scores: PeerScoreView | undefined
  private readonly validators: ReadonlySet<PeerId>

  constructor(ctx: RelayContext, scores: PeerScoreView | undefined, validators: ReadonlySet<PeerId>) {
    this.ctx = ctx
    this.scores = scores
    this.validators = validators
  }

  publish(topic: TopicState, message: StoredMessage): number {
    return this.send(topic, message, [])
  }

  forward(topic: TopicState, message: StoredMessage, exclude: readonly PeerId[]): number {
    return this.send(topic, message, exclude)
  }

  /** The peers a message of `topic` goes to, `exclude` left out. */
  targets(topic: TopicState, exclude: readonly PeerId[]): PeerId[] {
    const candidates = this.ctx
      .topicPeers(topic.name)
      .filter((p) => !exclude.includes(p.id) && !this.ctx.isGraylisted(p.id))
    switch (topic.strategy) {
      case 'selective':
        return this.selective(candidates)
      case 'validator_only':
        return candidates.filter((p) => this.isValidator(p)).map((p) => p.id)
      default:
        return candidates.map((p) => p.id)
    }
  }

  /** Whether a peer counts as a validator: by its hello role, or by the validator set. */
  isValidator(peer: RelayPeer): boolean {
    return peer.isValidatorByRole || this.validators.has(peer.id)
  }

  private send(topic: TopicState, message: StoredMessage, exclude: readonly PeerId[]): number {
    const targets = this.targets(topic, exclude).filter((id) => {
      const peer = this.ctx.peers.get(id)
      return peer === undefined || !peer.doesNotWant(message.key, this.ctx.clock.now())
    })
    return this.ctx.sendTo(targets, message.wire, message.size)
  }

  private selective(candidates: RelayPeer[]): PeerId[] {
    const scoreOf = (id: PeerId): number =>
      this.scores === undefined ? this.ctx.score.score(id) : this.scores.getScore(id)
    const threshold = this.ctx.options.relayThreshold
    const scored = candidates
      .filter((p) => this.scores?.isBanned?.(p.id) !== true)
      .map((p) => ({ id: p.id, score: scoreOf(p.id) }))
    const above = scored.filter((s) => s.score > threshold)
    const floor = this.ctx.options.selectiveMinPeers
    if (above.length >= floor) return above.map((s) => s.id)
    const rest = scored
      .filter((s) => s.score <= threshold)
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    return [...above, ...rest.slice(0, floor - above.length)].map((s) => s.id)
  }
}
