import type { BehaviourEffect, PeerBehaviour } from './types'

/**
 * The default effect of each behaviour, in sub-score points added to the counters it moves (each counter
 * saturates at ±100 and decays toward 0). Rewards are small and earned often; penalties are large and rare,
 * so one bad block bans a peer with no positive history while a well-established peer survives one. The
 * README explains each row.
 */
export const DEFAULT_BEHAVIOUR_WEIGHTS: Readonly<Record<PeerBehaviour, BehaviourEffect>> = deepFreeze({
  /** A valid block we did not have yet. */
  'good-block': { blocks: 2 },
  /** A valid block, and this peer was the first to deliver it (report instead of `good-block`). */
  'first-block-delivery': { blocks: 5 },
  /** A block that fails validation (proof of work, merkle root, transactions). */
  'bad-block': { blocks: -100, behaviour: -50 },
  /** A valid transaction we did not have yet. */
  'good-transaction': { transactions: 0.5 },
  /** A transaction that fails validation. */
  'bad-transaction': { transactions: -20, behaviour: -5 },
  /** A request answered in time with the data asked for. */
  'useful-response': { behaviour: 2 },
  /** The same message twice from the same peer (not the normal duplicates of a flood from different peers). */
  'duplicate-message': { behaviour: -1 },
  /** A response or data message that answers nothing we asked. */
  'unrequested-message': { behaviour: -5 },
  /** A request to the peer that was not answered before its deadline. */
  timeout: { behaviour: -2 },
  /** The peer exceeded a message or byte rate limit. */
  'rate-limit-exceeded': { behaviour: -10 },
  /** A message that does not decode or fails its schema. */
  'invalid-message': { behaviour: -20 },
  /** The handshake failed through the peer's fault (bad signature, wrong network, malformed hello). */
  'handshake-failure': { behaviour: -25 },
  /** A message that breaks the protocol's rules (wrong state, oversized frame, forbidden field). */
  'protocol-violation': { behaviour: -50 },
})

/** Every behaviour name, in the order of {@link DEFAULT_BEHAVIOUR_WEIGHTS}. */
export const PEER_BEHAVIOURS: readonly PeerBehaviour[] = Object.freeze(
  Object.keys(DEFAULT_BEHAVIOUR_WEIGHTS) as PeerBehaviour[],
)

/** True if `value` is one of the {@link PEER_BEHAVIOURS}. */
export function isPeerBehaviour(value: unknown): value is PeerBehaviour {
  return typeof value === 'string' && Object.hasOwn(DEFAULT_BEHAVIOUR_WEIGHTS, value)
}

function deepFreeze<T extends Record<string, object>>(table: T): Readonly<T> {
  for (const value of Object.values(table)) Object.freeze(value)
  return Object.freeze(table)
}
