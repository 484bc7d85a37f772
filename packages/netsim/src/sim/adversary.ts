import { sample } from '../random/distribution'
import type { Behaviour } from '../scenario/types'
import type { AdversaryHooks } from './types'

/**
 * The hooks of a built-in behaviour (the ones scenario files name). `active` says whether the entry's window
 * is open: the node consults `onMessage` only then, and a spammer publishes only then.
 */
export function behaviourHooks(b: Behaviour, active: () => boolean): AdversaryHooks {
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
            if (active()) ctx.publish('transaction', size, { spam: true })
            timer = clock.setTimeout(tick, ctx.random.exponential(meanMs))
          }
          let timer = clock.setTimeout(tick, ctx.random.exponential(meanMs))
          return () => clock.clearTimeout(timer)
        },
      }
    }
  }
}
