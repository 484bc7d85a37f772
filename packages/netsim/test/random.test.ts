import { Xoshiro128 as InterfaceXoshiro128 } from '@chainwire/interface'
import { describe, expect, it } from 'vitest'
import { type Distribution, meanOf, Random, sample, seedState, Xoshiro128 } from '../src/index'

describe('Xoshiro128 (xoshiro128**)', () => {
  it("is @chainwire/interface's generator (reference vectors are tested there)", () => {
    expect(Xoshiro128).toBe(InterfaceXoshiro128)
  })

  it('derives its state from the seed and a label (SHA-256)', () => {
    expect(seedState(1, 'root')).toEqual(seedState('1', 'root'))
    expect(seedState(1, 'root')).not.toEqual(seedState(2, 'root'))
    expect(seedState(1, 'root')).not.toEqual(seedState(1, 'root/x'))
    // Pinned (checked with Python hashlib): changing the seeding changes every simulation.
    expect(seedState(1, 'root')).toEqual([3964382205, 2203959494, 1998896225, 577360444])
  })
})

describe('Random', () => {
  it('gives the same sequence for the same seed, another for another seed', () => {
    const take = (r: Random) => Array.from({ length: 5 }, () => r.uint32())
    expect(take(new Random(7))).toEqual(take(new Random(7)))
    expect(take(new Random(7))).not.toEqual(take(new Random(8)))
    expect(take(new Random('seven'))).toEqual(take(new Random('seven')))
  })

  it('forks independent, reproducible streams', () => {
    const root = new Random(3)
    const a1 = root.fork('a')
    root.uint32()
    const a2 = new Random(3).fork('a')
    expect(a1.uint32()).toBe(a2.uint32())
    expect(new Random(3).fork('a').uint32()).not.toBe(new Random(3).fork('b').uint32())
    expect(root.fork('a').label).toBe('root/a')
  })

  it('draws floats in [0, 1) and integers in range without bias', () => {
    const r = new Random(11)
    const counts = new Array(6).fill(0)
    for (let i = 0; i < 60_000; i++) {
      const x = r.next()
      expect(x >= 0 && x < 1).toBe(true)
      counts[r.int(6)]++
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500)
    expect(() => r.int(0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
    expect(r.int(2 ** 40)).toBeLessThan(2 ** 40)
  })

  it('picks, shuffles, flips coins and fills bytes reproducibly', () => {
    const a = new Random(5)
    const b = new Random(5)
    expect(a.shuffle([1, 2, 3, 4, 5, 6, 7, 8])).toEqual(b.shuffle([1, 2, 3, 4, 5, 6, 7, 8]))
    expect(a.pick(['x', 'y', 'z'])).toBe(b.pick(['x', 'y', 'z']))
    expect(a.bytes(7)).toEqual(b.bytes(7))
    expect(a.bytes(33)).toHaveLength(33)
    expect(a.chance(0)).toBe(false)
    expect(a.chance(1)).toBe(true)
    expect(() => a.pick([])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
    expect([...new Random(5).shuffle([3, 1, 2])].sort()).toEqual([1, 2, 3])
  })
})

describe('distributions', () => {
  const mean = (d: Distribution, n = 40_000): number => {
    const r = new Random(99)
    let s = 0
    for (let i = 0; i < n; i++) s += sample(d, r)
    return s / n
  }

  it('sample around their theoretical means', () => {
    const cases: Distribution[] = [
      { distribution: 'fixed', value: 42 },
      { distribution: 'uniform', min: 10, max: 30 },
      { distribution: 'normal', mean: 100, stddev: 10 },
      { distribution: 'lognormal', median: 50, sigma: 0.5 },
      { distribution: 'pareto', scale: 20, shape: 3 },
      { distribution: 'exponential', mean: 15 },
    ]
    for (const d of cases) expect(Math.abs(mean(d) - meanOf(d)) / meanOf(d)).toBeLessThan(0.03)
  })

  it('clamp to 0 and to max', () => {
    const r = new Random(1)
    for (let i = 0; i < 1_000; i++) {
      const x = sample({ distribution: 'normal', mean: 1, stddev: 100, max: 50 }, r)
      expect(x >= 0 && x <= 50).toBe(true)
      expect(sample({ distribution: 'pareto', scale: 10, shape: 0.5, max: 1_000 }, r)).toBeLessThanOrEqual(
        1_000,
      )
    }
    expect(meanOf({ distribution: 'pareto', scale: 1, shape: 1 })).toBe(Number.POSITIVE_INFINITY)
  })

  it('give a known lognormal median', () => {
    const r = new Random(4)
    const xs = Array.from({ length: 20_001 }, () =>
      sample({ distribution: 'lognormal', median: 80, sigma: 1 }, r),
    )
    xs.sort((a, b) => a - b)
    expect(Math.abs((xs[10_000] as number) - 80) / 80).toBeLessThan(0.05)
  })
})
