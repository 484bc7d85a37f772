/**
 * Determinism at scale: 200 nodes of discovery for 60 virtual seconds, twice with one seed and once with
 * another (test/helpers/determinism.ts). Minutes of CPU: run with `pnpm test:scale`.
 */
import { describe, expect, it } from 'vitest'
import { discoveryRunTrace } from './helpers/determinism'

const NODES = 200

describe('discovery in netsim is deterministic, at scale', () => {
  it('200 nodes: the same seed gives the same connections and dials at the same virtual times', async () => {
    const first = await discoveryRunTrace(5, NODES, 60)
    expect(first.split('\n').length).toBeGreaterThan(NODES * 2)
    expect(await discoveryRunTrace(5, NODES, 60)).toBe(first)
    expect(await discoveryRunTrace(6, NODES, 60)).not.toBe(first)
  }, 1_800_000)
})
