import type { PeerId } from '@chainwire/interface'
import type { Message } from '@chainwire/protocol-codec'
import { sample } from '../random/distribution'
import type { Random } from '../random/random'
import type { Behaviour } from '../scenario/types'
import type { SimNodeHandle } from './node'
import type { PayloadKind } from './payload'

/** A flooded message as an adversary sees it on first receipt. */
export interface PropagatedMessage {
  readonly id: number
  readonly kind: PayloadKind
  /** The peer it came from. */
  readonly from: PeerId
  /** Framed size in bytes. */
  readonly size: number
  readonly message: Message
}

/**
 * What a node does with a message it received first: relay it to its other peers (what honest nodes do),
 * drop it, relay a tampered copy (same id, a tag that does not match), or relay it after a delay.
 */
export type RelayDecision = 'relay' | 'drop' | 'tamper' | { readonly delayMs: number }

/** What adversary hooks can use. */
export interface AdversaryContext {
  /** The node the hook runs on (its network, clock and seeded randomness). */
  readonly node: SimNodeHandle
  /** Seeded randomness of this adversary on this node. */
  readonly random: Random
  /**
   * Publishes and floods a message from this node, counted as spam (`spam: true`, the default) or as a
   * workload message. Returns its id.
   */
  publish(type: 'block' | 'transaction', payloadBytes: number, options?: { spam?: boolean }): number
}

/**
 * Custom adversarial behaviour (TypeScript scenarios). Hooks run on every incarnation of the node; timers
 * they start must use `ctx.node.clock` so they stop when the node crashes.
 */
export interface AdversaryHooks {
  /** Decides what to do with a message on its first receipt; `undefined` relays it. */
  onMessage?(message: PropagatedMessage, ctx: AdversaryContext): RelayDecision | undefined
  /** Runs when the node has started; may return a function run when it stops or crashes. */
  onStart?(ctx: AdversaryContext): undefined | (() => void)
}

/** The hooks of a built-in behaviour (the ones scenario files name). */
export function behaviourHooks(b: Behaviour): AdversaryHooks {
  switch (b.behaviour) {
    case 'drop':
      return { onMessage: (_m, ctx) => (ctx.random.chance(b.probability) ? 'drop' : 'relay') }
    case 'lie':
      return { onMessage: (_m, ctx) => (ctx.random.chance(b.probability) ? 'tamper' : 'relay') }
    case 'delay':
      return { onMessage: (_m, ctx) => ({ delayMs: sample(b.delay, ctx.random) }) }
    case 'spam': {
      const meanMs = 1_000 / b.perSecond
      const size = b.sizeBytes
      return {
        onStart: (ctx) => {
          const clock = ctx.node.clock
          const tick = (): void => {
            ctx.publish('transaction', size, { spam: true })
            timer = clock.setTimeout(tick, ctx.random.exponential(meanMs))
          }
          let timer = clock.setTimeout(tick, ctx.random.exponential(meanMs))
          return () => clock.clearTimeout(timer)
        },
      }
    }
  }
}
