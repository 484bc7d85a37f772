import { TokenBucket } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { IpRateTable } from '../src/limits/ip-rate-table'
import { netGroupOf } from '../src/limits/net-group'
import { PeerRateLimiter } from '../src/limits/peer-rate-limiter'
import { DEFAULT_RATE_LIMITS } from '../src/options'

describe('TokenBucket', () => {
  it('starts full, refills at its rate and never beyond its burst', () => {
    const clock = new ManualClock()
    const bucket = new TokenBucket(clock, { rate: 2, burst: 4 })
    for (let i = 0; i < 4; i++) expect(bucket.take()).toBe(true)
    expect(bucket.take()).toBe(false)
    clock.advance(499)
    expect(bucket.take()).toBe(false)
    clock.advance(1)
    expect(bucket.take()).toBe(true)
    clock.advance(60_000)
    expect(bucket.available()).toBe(4)
  })

  it('lets an item larger than the burst through when full, then holds back what follows', () => {
    const clock = new ManualClock()
    const bucket = new TokenBucket(clock, { rate: 100, burst: 100 })
    expect(bucket.take(250)).toBe(true)
    expect(bucket.available()).toBe(-150)
    expect(bucket.canTake(1)).toBe(false)
    expect(bucket.waitTime(1)).toBe(1510)
    clock.advance(1_500)
    expect(bucket.take(1)).toBe(false)
    clock.advance(20)
    expect(bucket.take(1)).toBe(true)
  })

  it('the inbound connection default: 0.2/s with a burst of 16', () => {
    const clock = new ManualClock()
    const bucket = new TokenBucket(clock, { rate: 0.2, burst: 16 })
    let passed = 0
    for (let i = 0; i < 200; i++) if (bucket.take()) passed++
    expect(passed).toBe(16)
    clock.advance(5_000)
    expect(bucket.take()).toBe(true)
    expect(bucket.take()).toBe(false)
  })

  it('a zero rate never refills', () => {
    const clock = new ManualClock()
    const bucket = new TokenBucket(clock, { rate: 0, burst: 1 })
    expect(bucket.take()).toBe(true)
    clock.advance(1e9)
    expect(bucket.take()).toBe(false)
    expect(bucket.waitTime()).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('IpRateTable', () => {
  it('keeps at most maxEntries keys, forgetting refilled or least recently used ones first', () => {
    const clock = new ManualClock()
    const table = new IpRateTable(clock, { rate: 1, burst: 2 }, 3)
    expect(table.take('a')).toBe(true)
    expect(table.take('a')).toBe(true)
    expect(table.take('a')).toBe(false)
    table.take('b')
    table.take('c')
    table.take('d')
    expect(table.size).toBe(3)
    for (let i = 0; i < 10_000; i++) table.take(`ip-${i}`)
    expect(table.size).toBe(3)
  })

  it('an empty bucket survives while full ones are evicted', () => {
    const clock = new ManualClock()
    const table = new IpRateTable(clock, { rate: 0.001, burst: 1 }, 2)
    table.take('attacker')
    table.take('x')
    clock.advance(2_000_000)
    table.take('attacker')
    // 'x' refilled long ago; 'attacker' is empty again and must be remembered.
    table.take('y')
    expect(table.take('attacker')).toBe(false)
  })
})

describe('netGroupOf', () => {
  it.each([
    ['203.0.113.7', 'ipv4:203.0'],
    ['203.0.200.1', 'ipv4:203.0'],
    ['10.1.2.3', 'ipv4:10.1'],
    ['::ffff:198.51.100.4', 'ipv4:198.51'],
    ['[::ffff:c633:6404]', 'ipv4:198.51'],
    ['2001:db8:1234::1', 'ipv6:2001:db8'],
    ['2001:0db8:ffff:1::', 'ipv6:2001:db8'],
    ['::1', 'ipv6:0:0'],
    ['fe80::1%eth0', 'ipv6:fe80:0'],
    ['Seed1.Example.COM', 'dns:example.com'],
    ['2002:cb00:7105::1', 'ipv4:203.0'],
    ['not a host', 'host:not a host'],
  ])('%s is in %s', (host, group) => {
    expect(netGroupOf(host)).toBe(group)
  })
})

/** A junk byte bucket that never runs out, for the tests of the other buckets. */
const UNLIMITED_JUNK = { rate: 1e12, burst: 1e12 }

describe('PeerRateLimiter', () => {
  it('drops the excess per class, counts it, and asks for a disconnect once the tolerance is spent', () => {
    const clock = new ManualClock()
    const limits = {
      ...DEFAULT_RATE_LIMITS,
      bulk: { messagesPerSecond: 10, messageBurst: 10, bytesPerSecond: 1e9, byteBurst: 1e9 },
    }
    const limiter = new PeerRateLimiter(clock, limits, { rate: 1, burst: 5 }, UNLIMITED_JUNK)
    const verdicts = Array.from({ length: 20 }, () => limiter.check('bulk', 100))
    expect(verdicts.filter((v) => v === 'accept')).toHaveLength(10)
    expect(verdicts.slice(10, 15)).toEqual(['drop', 'drop', 'drop', 'drop', 'drop'])
    expect(verdicts[15]).toBe('disconnect')
    expect(limiter.dropped.bulk.messages).toBe(10)
    expect(limiter.dropped.bulk.bytes).toBe(1000)
    expect(limiter.dropped.control.messages).toBe(0)
    expect(limiter.droppedMessages()).toBe(10)
    // Other classes have their own buckets.
    expect(limiter.check('blocks', 100)).toBe('accept')
  })

  it('limits bytes as well as messages', () => {
    const clock = new ManualClock()
    const limits = {
      ...DEFAULT_RATE_LIMITS,
      blocks: { messagesPerSecond: 1e6, messageBurst: 1e6, bytesPerSecond: 1000, byteBurst: 1000 },
    }
    const limiter = new PeerRateLimiter(clock, limits, { rate: 10, burst: 100 }, UNLIMITED_JUNK)
    expect(limiter.check('blocks', 800)).toBe('accept')
    expect(limiter.check('blocks', 800)).toBe('drop')
    clock.advance(1_000)
    expect(limiter.check('blocks', 800)).toBe('accept')
  })

  it('charges the bytes of junk too: a few large dropped or invalid messages spend the tolerance that many small ones would not', () => {
    const clock = new ManualClock()
    const limits = {
      ...DEFAULT_RATE_LIMITS,
      blocks: { messagesPerSecond: 1e6, messageBurst: 1e6, bytesPerSecond: 1, byteBurst: 1 },
    }
    const junk = { rate: 1_000_000, burst: 10_000_000 }
    const limiter = new PeerRateLimiter(clock, limits, { rate: 10, burst: 200 }, junk)
    expect(limiter.check('blocks', 1)).toBe('accept')
    // Two 4 MB messages over the byte limit are dropped; the third empties the 10 MB junk budget.
    expect(limiter.check('blocks', 4_000_000)).toBe('drop')
    expect(limiter.check('blocks', 4_000_000)).toBe('drop')
    expect(limiter.check('blocks', 4_000_000)).toBe('disconnect')
    expect(limiter.junkBytes).toBe(12_000_000)
    // The budget refills at its rate; invalid messages are charged the same way, unknown types bytes only.
    clock.advance(10_000)
    expect(limiter.penalize(4_000_000)).toBe(true)
    expect(limiter.chargeJunk(4_000_000)).toBe(true)
    expect(limiter.penalize(4_000_000)).toBe(false)
    // Small junk is charged by the message count as before: 200 tokens, whatever the bytes left.
    const small = new PeerRateLimiter(clock, limits, { rate: 0, burst: 200 }, junk)
    expect(Array.from({ length: 200 }, () => small.penalize(10)).every(Boolean)).toBe(true)
    expect(small.penalize(10)).toBe(false)
  })
})
