import { describe, expect, it } from 'vitest'
import {
  exponentialDelay,
  InvalidOptionsError,
  isPeerId,
  LruMap,
  linkSignals,
  option,
  resolveOptions,
  shuffled,
  sipHash24,
  TimeoutError,
  TokenBucket,
  Xoshiro128,
} from '../src'
import { advanceUntil, ManualClock, seededRandom, settle, testPeerId } from '../src/testing'

describe('resolveOptions', () => {
  interface Resolved {
    k: number
    rate: number
    mode: 'flood' | 'gossip'
    enabled: boolean
    name: string
    dht: { alpha: number; bucket: number }
  }
  const spec = {
    k: option.integer(20, { min: 1, max: 64 }),
    rate: option.number(0.1, { min: 0 }),
    mode: option.oneOf<'flood' | 'gossip'>('gossip', ['flood', 'gossip']),
    enabled: option.boolean(true),
    name: option.string('node', { maxLength: 8 }),
    dht: option.group({ alpha: option.integer(3, { min: 1 }), bucket: option.integer(20, { min: 1 }) }),
  }

  it('applies defaults, including nested groups, and keeps given values', () => {
    expect(resolveOptions<Resolved>(spec, undefined)).toEqual({
      k: 20,
      rate: 0.1,
      mode: 'gossip',
      enabled: true,
      name: 'node',
      dht: { alpha: 3, bucket: 20 },
    })
    const r = resolveOptions<Resolved>(spec, { k: 8, mode: 'flood', dht: { alpha: 5 } })
    expect(r).toMatchObject({ k: 8, mode: 'flood', dht: { alpha: 5, bucket: 20 } })
  })

  it.each([
    [{ k: 0 }, 'k'],
    [{ k: 1.5 }, 'k'],
    [{ k: Number.NaN }, 'k'],
    [{ rate: -1 }, 'rate'],
    [{ mode: 'validator_only' }, 'mode'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ name: 'a-very-long-name' }, 'name'],
    [{ dht: { alpha: 0 } }, 'dht.alpha'],
    [{ dht: 3 }, 'dht'],
    [{ kk: 3 }, 'kk'],
    [{ dht: { alpah: 3 } }, 'dht.alpah'],
  ])('%j fails with ERR_INVALID_OPTIONS naming %s', (given, name) => {
    try {
      resolveOptions<Resolved>(spec, given, { prefix: 'options.' })
      expect.unreachable()
    } catch (err) {
      expect(InvalidOptionsError.isInstance(err)).toBe(true)
      expect((err as InvalidOptionsError).code).toBe('ERR_INVALID_OPTIONS')
      expect((err as InvalidOptionsError).details.option).toBe(`options.${name}`)
    }
  })

  it('a package can throw its own error class', () => {
    class MyError extends InvalidOptionsError {}
    expect(() => resolveOptions<Resolved>(spec, { k: -1 }, { error: (m, d) => new MyError(m, d) })).toThrow(
      MyError,
    )
  })
})

describe('LruMap', () => {
  it('keeps at most max entries and forgets the least recently used', () => {
    const evicted: string[] = []
    const m = new LruMap<string, number>(3, (k) => evicted.push(k))
    m.set('a', 1).set('b', 2).set('c', 3)
    m.get('a') // a is now the most recent
    m.set('d', 4)
    expect([...m.keys()]).toEqual(['c', 'a', 'd'])
    expect(evicted).toEqual(['b'])
    expect(m.peek('c')).toBe(3)
    m.set('e', 5) // peek did not refresh c
    expect(m.has('c')).toBe(false)
    for (let i = 0; i < 10_000; i++) m.set(`k${i}`, i)
    expect(m.size).toBe(3)
  })

  it('keeps nothing with a bound of 0, and refuses a negative bound', () => {
    const forgotten: string[] = []
    const off = new LruMap<string, number>(0, (k) => forgotten.push(k))
    off.set('a', 1)
    expect(off.size).toBe(0)
    expect(off.get('a')).toBeUndefined()
    expect(forgotten).toEqual(['a'])
    expect(() => new LruMap(-1)).toThrow(RangeError)
  })
})

describe('TokenBucket', () => {
  it('refills on the injected clock, allows one oversized take into debt, and budgets without debt', () => {
    const clock = new ManualClock()
    const b = new TokenBucket(clock, { rate: 10, burst: 5 })
    expect(b.take(8)).toBe(true) // larger than the burst, bucket full: passes into debt
    expect(b.available()).toBe(-3)
    expect(b.take(1)).toBe(false)
    expect(b.waitTime(1)).toBe(400)
    clock.advance(400)
    expect(b.take(1)).toBe(true)
    const budget = new TokenBucket(clock, { rate: 0.1, burst: 1_000, initial: 1 })
    expect(budget.takeUpTo(10)).toBe(1)
    expect(budget.takeUpTo(10)).toBe(0)
    budget.add(100)
    expect(budget.takeUpTo(1_000)).toBe(100)
    clock.advance(20_000)
    expect(budget.takeUpTo(10)).toBe(2)
  })
})

describe('linkSignals', () => {
  it('aborts with the first parent reason and detaches on clear', () => {
    const a = new AbortController()
    const b = new AbortController()
    const linked = linkSignals(a.signal, undefined, b.signal)
    b.abort('why')
    expect(linked.signal.aborted).toBe(true)
    expect(linked.signal.reason).toBe('why')
    const early = linkSignals(AbortSignal.abort('now'))
    expect(early.signal.reason).toBe('now')
    const detached = linkSignals(a.signal)
    detached.clear()
    a.abort()
    expect(detached.signal.aborted).toBe(false)
  })
})

describe('test helpers', () => {
  it('settle runs the clock until work settles; advanceUntil gives up with a TimeoutError', async () => {
    const clock = new ManualClock()
    const start = clock.now()
    const value = await settle(
      clock,
      clock.sleep(1_234).then(() => 'done'),
    )
    expect(value).toBe('done')
    expect(clock.now() - start).toBeGreaterThanOrEqual(1_234)
    await expect(
      settle(
        clock,
        clock.sleep(10).then(() => Promise.reject(new Error('x'))),
      ),
    ).rejects.toThrow('x')
    await expect(advanceUntil(clock, () => false, { maxMs: 100 })).rejects.toSatisfy((e) =>
      TimeoutError.isInstance(e),
    )
  })

  it('seeded randomness repeats and test peer ids are canonical', () => {
    const r1 = seededRandom(7)
    const r2 = seededRandom(7)
    expect([r1(), r1()]).toEqual([r2(), r2()])
    const ids = new Set(Array.from({ length: 1_000 }, (_, i) => testPeerId(i)))
    expect(ids.size).toBe(1_000)
    for (const id of ids) expect(isPeerId(id)).toBe(true)
    expect(isPeerId('cwdecay')).toBe(false)
    expect(isPeerId(`${testPeerId(1).slice(0, -1)}b`)).toBe(false)
  })
})

describe('Xoshiro128 (xoshiro128**)', () => {
  it('reproduces the reference implementation', () => {
    // Outputs of Blackman and Vigna's xoshiro128starstar.c from these states.
    const a = new Xoshiro128([1, 2, 3, 4])
    expect(Array.from({ length: 8 }, () => a.nextUint32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ])
    const b = new Xoshiro128([0xdeadbeef, 0x01234567, 0x89abcdef, 0xfeedface])
    expect(Array.from({ length: 6 }, () => b.nextUint32())).toEqual([
      2576977298, 1162350735, 3441682048, 1347432117, 3370940770, 2425394401,
    ])
  })

  it('never starts from the all-zero state', () => {
    const g = new Xoshiro128([0, 0, 0, 0])
    expect(g.state()).not.toEqual([0, 0, 0, 0])
    expect(g.nextUint32()).not.toBe(g.nextUint32())
  })

  it('seeds from a number through splitmix32, and seededRandom is that generator', () => {
    // splitmix32 from 0: its first four outputs are the state (checked with a Python implementation).
    expect(Xoshiro128.fromSeed(0).state()).toEqual([1684164658, 3653269916, 2939563536, 2141751570])
    expect(Xoshiro128.fromSeed(1).state()).not.toEqual(Xoshiro128.fromSeed(2).state())
    const g = Xoshiro128.fromSeed(42)
    const r = seededRandom(42)
    for (let i = 0; i < 100; i++) {
      const x = r()
      expect(x).toBe(g.nextFloat())
      expect(x >= 0 && x < 1).toBe(true)
    }
  })
})

describe('shuffled and exponentialDelay', () => {
  it('shuffles a copy, repeatably for a seed, keeping every item', () => {
    const items = Array.from({ length: 50 }, (_, i) => i)
    const a = shuffled(items, seededRandom(1))
    expect(a).not.toEqual(items)
    expect([...a].sort((x, y) => x - y)).toEqual(items)
    expect(shuffled(items, seededRandom(1))).toEqual(a)
    expect(items[0]).toBe(0)
  })

  it('draws exponential delays of the given mean', () => {
    const random = seededRandom(2)
    let sum = 0
    for (let i = 0; i < 20_000; i++) sum += exponentialDelay(2_000, random)
    expect(sum / 20_000).toBeGreaterThan(1_900)
    expect(sum / 20_000).toBeLessThan(2_100)
    expect(exponentialDelay(0, random)).toBe(0)
  })
})

describe('sipHash24', () => {
  it('matches the reference vectors of the SipHash paper (key 00..0f)', () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => i)
    const hex = (n: number): string => {
      const data = Uint8Array.from({ length: n }, (_, i) => i)
      const { hi, lo } = sipHash24(key, data)
      const out = new Uint8Array(8)
      new DataView(out.buffer).setUint32(0, lo, true)
      new DataView(out.buffer).setUint32(4, hi, true)
      return Buffer.from(out).toString('hex')
    }
    expect(hex(0)).toBe('310e0edd47db6f72')
    expect(hex(15)).toBe('e545be4961ca29a1')
    expect(hex(63)).toBe('724506eb4c328a95')
  })
})
