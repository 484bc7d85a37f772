/**
 * The address-hardening attack (test/helpers/hardening-scenario.ts) at scale: 200 honest nodes (8 + 2
 * outbound each) and 100 attackers in one /24, each connecting to 60 honest nodes and announcing 16 listen
 * addresses it does not have (1,600 claims over 1,600 /16s). Minutes of CPU: run with `pnpm test:scale`.
 */
import { describe, expect, it } from 'vitest'
import { expectHardened, runHardeningScenario } from './helpers/hardening-scenario'

describe('discovery in netsim against address poisoning from one /24, at scale', () => {
  it('200 honest nodes, 100 attackers: claims filed under their source, nothing planted, /24 limits, anchors first', async () => {
    const params = {
      honest: 200,
      attackers: 100,
      targetsPerAttacker: 60,
      outbound: 8,
      durationS: 90,
      seed: 7,
    }
    const f = await runHardeningScenario(params)
    console.log(JSON.stringify(f))
    expect(f.honestNodes).toBe(197)
    expectHardened(f, params)
  }, 1_800_000)
})
