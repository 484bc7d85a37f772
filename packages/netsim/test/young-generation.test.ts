import { describe, expect, it } from 'vitest'
import { MAX_SEMI_SPACE_MB, semiSpaceMbFor, youngGenerationHint } from '../src/index'

describe('semiSpaceMbFor', () => {
  it("keeps V8's default up to 512 nodes, then 32 KB per node in powers of two, capped", () => {
    expect([0, 1, 100, 512].map(semiSpaceMbFor)).toEqual([0, 0, 0, 0])
    expect(semiSpaceMbFor(513)).toBe(32)
    expect(semiSpaceMbFor(1_000)).toBe(32)
    expect(semiSpaceMbFor(1_025)).toBe(64)
    expect(semiSpaceMbFor(2_000)).toBe(64)
    expect(semiSpaceMbFor(5_000)).toBe(MAX_SEMI_SPACE_MB)
    expect(semiSpaceMbFor(100_000)).toBe(MAX_SEMI_SPACE_MB)
    expect(semiSpaceMbFor(Number.NaN)).toBe(0)
  })
})

describe('youngGenerationHint', () => {
  it('names the flag for a large network run without it', () => {
    expect(youngGenerationHint(2_000, [], undefined)).toBe(
      'hint: 2,000 nodes run faster with a larger young generation: NODE_OPTIONS=--max-semi-space-size=64',
    )
    expect(youngGenerationHint(2_000, ['--expose-gc'], '--enable-source-maps')).toContain('=64')
  })

  it('says nothing for a small network, or when the flag is given on the command line or in NODE_OPTIONS', () => {
    expect(youngGenerationHint(100, [], undefined)).toBeUndefined()
    expect(youngGenerationHint(2_000, ['--max-semi-space-size=16'], undefined)).toBeUndefined()
    expect(youngGenerationHint(2_000, ['--max_semi_space_size=32'], undefined)).toBeUndefined()
    expect(youngGenerationHint(2_000, [], '--enable-source-maps --max-semi-space-size=64')).toBeUndefined()
  })
})
