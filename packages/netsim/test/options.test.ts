import { getEventListeners } from 'node:events'
import { InvalidOptionsError } from '@chainwire/interface'
import { describe, expect, it } from 'vitest'
import {
  defineScenario,
  nextTurn,
  Random,
  runScenario,
  Scheduler,
  SimNetwork,
  SimulationAbortedError,
} from '../src/index'
import { uniformLinks } from './helpers/links'

/** The option an `ERR_INVALID_OPTIONS` error names, or what else was thrown. */
async function refusedOption(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (err) {
    if (!InvalidOptionsError.isInstance(err)) return err
    expect(err.code).toBe('ERR_INVALID_OPTIONS')
    return err.details.option
  }
  return 'accepted'
}

const small = defineScenario({
  duration: '2s',
  nodes: { count: 2, startSpread: 0 },
  topology: { type: 'full' },
})

describe('options are resolved by the shared resolver of @chainwire/interface', () => {
  it('Scheduler: defaults, and ERR_INVALID_OPTIONS naming the bad option', async () => {
    expect(new Scheduler().epochMs).toBe(1_700_000_000_000)
    expect(new Scheduler({ epochMs: 0 }).epochMs).toBe(0)
    expect(await refusedOption(() => new Scheduler({ epochMs: -1 }))).toBe('epochMs')
    expect(await refusedOption(() => new Scheduler({ epochMs: 1.5 }))).toBe('epochMs')
    expect(await refusedOption(() => new Scheduler({ settle: 5 as unknown as () => Promise<void> }))).toBe(
      'settle',
    )
    expect(await refusedOption(() => new Scheduler({ epoch: 1 } as never))).toBe('epoch')
    const s = new Scheduler()
    expect(await refusedOption(() => s.run(10, { progressEvery: 0 }))).toBe('progressEvery')
    expect(await refusedOption(() => s.run(10, { signal: 'stop' as unknown as AbortSignal }))).toBe('signal')
    expect(await refusedOption(() => s.run(10, { progressEvery: 5 }))).toBe('accepted')
  })

  it('settles with the given function, by default one event-loop turn', async () => {
    let settled = 0
    const s = new Scheduler({
      settle: () => {
        settled++
        return nextTurn()
      },
    })
    s.schedule(1, () => {})
    await s.run(2)
    expect(settled).toBe(3) // before the first event, after it, and at the end
  })

  it('SimNetwork: maxRetransmits is an integer >= 0 (Infinity: never give up)', async () => {
    const scheduler = new Scheduler()
    const model = uniformLinks(2)
    const make = (maxRetransmits: number) => () =>
      new SimNetwork({ scheduler, model, random: new Random(2) }, { maxRetransmits })
    expect(await refusedOption(make(-1))).toBe('maxRetransmits')
    expect(await refusedOption(make(2.5))).toBe('maxRetransmits')
    expect(await refusedOption(make(Number.POSITIVE_INFINITY))).toBe('accepted')
  })

  it('runScenario: refuses bad options before building anything', async () => {
    expect(await refusedOption(() => runScenario(small, { seed: {} as unknown as number }))).toBe('seed')
    expect(await refusedOption(() => runScenario(small, { seed: Number.NaN }))).toBe('seed')
    expect(await refusedOption(() => runScenario(small, { shutdownGraceMs: -1 }))).toBe('shutdownGraceMs')
    expect(await refusedOption(() => runScenario(small, { onEnd: 'x' as never }))).toBe('onEnd')
    expect(await refusedOption(() => runScenario(small, { sed: 1 } as never))).toBe('sed')
  })

  it("runScenario: a signal aborts the run, and the run leaves no listener on the caller's signal", async () => {
    const controller = new AbortController()
    const { report } = await runScenario(small, { seed: 1, signal: controller.signal })
    expect(report.summary.connections.connected).toBe(2)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)

    const aborting = new AbortController()
    const err = await runScenario(
      defineScenario({
        duration: '2s',
        nodes: { count: 2, startSpread: 0 },
        setup: (node) => {
          if (node.index === 1) aborting.abort()
          return undefined
        },
      }),
      { signal: aborting.signal },
    ).catch((e: unknown) => e)
    expect(SimulationAbortedError.isInstance(err)).toBe(true)
    expect(getEventListeners(aborting.signal, 'abort')).toHaveLength(0)
  })
})
