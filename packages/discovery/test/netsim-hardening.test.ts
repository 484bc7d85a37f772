/**
 * The address-hardening attack (test/helpers/hardening-scenario.ts) at a size that runs in about 15 s of CPU:
 * 24 honest nodes (4 + 2 outbound each), 24 attackers in one /24 connecting to every honest node.
 * `netsim-hardening.scale.test.ts` runs it with 200 honest nodes and 100 attackers. Every threshold below
 * fails on the code before issue 11's fixes (figures of both in the discovery README).
 */
import { describe, expect, it } from 'vitest'
import { expectHardened, runHardeningScenario } from './helpers/hardening-scenario'

describe('discovery in netsim against address poisoning from one /24', () => {
  it('24 honest nodes, 24 attackers: claims filed under their source, nothing planted, /24 limits, anchors first', async () => {
    const params = { honest: 24, attackers: 24, targetsPerAttacker: 21, outbound: 4, durationS: 24, seed: 5 }
    const f = await runHardeningScenario(params)
    console.log(JSON.stringify(f))
    expect(f.honestNodes).toBe(21)
    expectHardened(f, params)
  }, 300_000)
})
