import { ManualClock } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { createIdentity } from '../src/index'
import { DialBackoff } from '../src/manager/backoff'
import { keepFirst } from '../src/manager/duplicates'
import { type EvictionCandidate, selectEvictionCandidate } from '../src/manager/eviction'
import { ConnectionSlots } from '../src/manager/slots'
import { resolveOptions } from '../src/options'

let nextId = 1
function candidate(overrides: Partial<EvictionCandidate> = {}): EvictionCandidate {
  const id = nextId++
  return {
    id,
    connectedAt: 1_000 + id,
    minPingMs: 100,
    lastBlockAt: 0,
    lastTxAt: 0,
    netGroup: `ipv4:10.${id}`,
    keyedNetGroup: id,
    preferEvict: false,
    ...overrides,
  }
}

/** No protection at all, so one rule can be tested alone. */
const NONE = { netGroups: 0, lowestPing: 0, recentTransactions: 0, recentBlocks: 0, uptimeFraction: 0 }

describe('selectEvictionCandidate', () => {
  it('evicts nobody when every candidate is protected', () => {
    const few = Array.from({ length: 10 }, () => candidate())
    expect(selectEvictionCandidate(few)).toBeUndefined()
    expect(selectEvictionCandidate([])).toBeUndefined()
  })

  it('evicts the newest connection of the most crowded network group', () => {
    const crowd = [1, 2, 3].map((i) => candidate({ netGroup: 'ipv4:6.6', connectedAt: 5_000 + i }))
    const others = [
      candidate({ netGroup: 'ipv4:1.1', connectedAt: 9_000 }),
      candidate({ netGroup: 'ipv4:2.2' }),
    ]
    expect(selectEvictionCandidate([...crowd, ...others], NONE)).toBe(crowd[2]?.id)
  })

  it('breaks a tie between groups by the newest member', () => {
    const a = [candidate({ netGroup: 'a', connectedAt: 10 }), candidate({ netGroup: 'a', connectedAt: 20 })]
    const b = [candidate({ netGroup: 'b', connectedAt: 15 }), candidate({ netGroup: 'b', connectedAt: 30 })]
    expect(selectEvictionCandidate([...a, ...b], NONE)).toBe(b[1]?.id)
  })

  it('protects the lowest pings', () => {
    const fast = candidate({ netGroup: 'x', minPingMs: 5, connectedAt: 99_999 })
    const slow = [1, 2].map((i) => candidate({ netGroup: 'x', minPingMs: 500, connectedAt: i }))
    expect(selectEvictionCandidate([fast, ...slow], { ...NONE, lowestPing: 1 })).toBe(slow[1]?.id)
  })

  it('protects peers that recently delivered blocks and transactions, and only those', () => {
    const blocky = candidate({ netGroup: 'x', lastBlockAt: 50, connectedAt: 99_999 })
    const txy = candidate({ netGroup: 'x', lastTxAt: 50, connectedAt: 99_998 })
    const idle = candidate({ netGroup: 'x', connectedAt: 10 })
    expect(
      selectEvictionCandidate([blocky, txy, idle], { ...NONE, recentBlocks: 4, recentTransactions: 4 }),
    ).toBe(idle.id)
  })

  it('protects the longest-connected half of what is left', () => {
    const old = candidate({ netGroup: 'x', connectedAt: 1 })
    const young = candidate({ netGroup: 'y', connectedAt: 50 })
    expect(selectEvictionCandidate([old, young], { ...NONE, uptimeFraction: 0.5 })).toBe(young.id)
  })

  it('protects one peer from each of several distinct groups chosen by keyed hash', () => {
    const crowd = Array.from({ length: 5 }, (_, i) =>
      candidate({ netGroup: 'sybil', keyedNetGroup: 1_000, connectedAt: 100 + i }),
    )
    const lone = candidate({ netGroup: 'lone', keyedNetGroup: 1, connectedAt: 99_999 })
    const victim = selectEvictionCandidate([...crowd, lone], { ...NONE, netGroups: 2 })
    // The lone peer's group is protected; the sybil group keeps its oldest and loses its newest.
    expect(victim).toBe(crowd[4]?.id)
  })

  it('evicts a discouraged peer before anyone else', () => {
    const discouraged = candidate({ netGroup: 'x', preferEvict: true, connectedAt: 1 })
    const crowd = [1, 2, 3].map(() => candidate({ netGroup: 'y' }))
    expect(selectEvictionCandidate([discouraged, ...crowd], NONE)).toBe(discouraged.id)
  })

  it('an attacker with many connections from one group cannot evict diverse honest peers', () => {
    const honest = Array.from({ length: 20 }, (_, i) =>
      candidate({
        netGroup: `honest-${i}`,
        keyedNetGroup: i,
        minPingMs: 50 + i,
        connectedAt: i,
        lastBlockAt: i < 4 ? 500 : 0,
      }),
    )
    const sybils = Array.from({ length: 60 }, (_, i) =>
      candidate({ netGroup: 'ipv4:66.66', keyedNetGroup: 777, minPingMs: 300, connectedAt: 10_000 + i }),
    )
    const all = [...honest, ...sybils]
    const honestIds = new Set(honest.map((c) => c.id))
    let pool = all
    for (let round = 0; round < 40; round++) {
      const victim = selectEvictionCandidate(pool)
      expect(victim).toBeDefined()
      expect(honestIds.has(victim as number)).toBe(false)
      pool = pool.filter((c) => c.id !== victim)
    }
  })
})

describe('DialBackoff', () => {
  it('grows exponentially per address up to the maximum, with jitter taken off', () => {
    const clock = new ManualClock()
    let r = 0
    const backoff = new DialBackoff(clock, () => r, {
      baseMs: 1_000,
      maxMs: 10_000,
      jitter: 0.5,
      maxEntries: 10,
    })
    expect(backoff.failure('a')).toBe(1_000)
    expect(backoff.failure('a')).toBe(2_000)
    expect(backoff.failure('a')).toBe(4_000)
    expect(backoff.failure('a')).toBe(8_000)
    expect(backoff.failure('a')).toBe(10_000)
    r = 0.999
    expect(backoff.failure('a')).toBe(5_005)
    expect(backoff.failures('a')).toBe(6)
    expect(backoff.retryAt('a')).toBe(clock.now() + 5_005)
    expect(backoff.retryAt('b')).toBeUndefined()
    clock.advance(5_005)
    expect(backoff.retryAt('a')).toBeUndefined()
    backoff.success('a')
    expect(backoff.failures('a')).toBe(0)
  })

  it('remembers at most maxEntries addresses', () => {
    const clock = new ManualClock()
    const backoff = new DialBackoff(clock, () => 0, {
      baseMs: 1_000,
      maxMs: 10_000,
      jitter: 0,
      maxEntries: 3,
    })
    for (let i = 0; i < 100; i++) backoff.failure(`tcp://10.0.0.${i}:1`)
    expect(backoff.size).toBe(3)
    expect(backoff.retryAt('tcp://10.0.0.99:1')).toBeDefined()
    expect(backoff.retryAt('tcp://10.0.0.0:1')).toBeUndefined()
  })

  it('never overflows after many failures', () => {
    const backoff = new DialBackoff(new ManualClock(), () => 0, {
      baseMs: 1,
      maxMs: 300_000,
      jitter: 0,
      maxEntries: 3,
    })
    let last = 0
    for (let i = 0; i < 2_000; i++) last = backoff.failure('a')
    expect(last).toBe(300_000)
  })
})

describe('keepFirst (duplicate connections)', () => {
  const x = createIdentity().peerId
  const y = createIdentity().peerId
  const [low, high] = x < y ? [x, y] : [y, x]
  const hashA = new Uint8Array([1, 2, 3])
  const hashB = new Uint8Array([1, 2, 4])

  it('both ends keep the connection dialed by the lower peer id', () => {
    // From the low peer's side: its outbound connection was dialed by itself (the lower id).
    const lowOut = { direction: 'outbound' as const, handshakeHash: hashB }
    const lowIn = { direction: 'inbound' as const, handshakeHash: hashA }
    expect(keepFirst(low, high, lowOut, lowIn)).toBe(true)
    expect(keepFirst(low, high, lowIn, lowOut)).toBe(false)
    // From the high peer's side the same connection is inbound.
    const highIn = { direction: 'inbound' as const, handshakeHash: hashB }
    const highOut = { direction: 'outbound' as const, handshakeHash: hashA }
    expect(keepFirst(high, low, highIn, highOut)).toBe(true)
    expect(keepFirst(high, low, highOut, highIn)).toBe(false)
  })

  it('two connections dialed by the same side are decided by the handshake hash', () => {
    const a = { direction: 'outbound' as const, handshakeHash: hashA }
    const b = { direction: 'outbound' as const, handshakeHash: hashB }
    expect(keepFirst(x, y, a, b)).toBe(true)
    expect(keepFirst(x, y, b, a)).toBe(false)
    const aIn = { direction: 'inbound' as const, handshakeHash: hashA }
    const bIn = { direction: 'inbound' as const, handshakeHash: hashB }
    expect(keepFirst(y, x, aIn, bIn)).toBe(true)
  })
})

describe('ConnectionSlots', () => {
  it('caps each outbound kind and the total', () => {
    const slots = new ConnectionSlots(
      resolveOptions({ maxConnections: 5, maxOutboundFullRelay: 2, maxManual: 1 }),
    )
    const a = slots.reserveOutbound('full-relay')
    expect(a).toBeDefined()
    expect(slots.reserveOutbound('full-relay')).toBeDefined()
    expect(slots.reserveOutbound('full-relay')).toBeUndefined()
    expect(slots.reserveOutbound('manual')).toBeDefined()
    expect(slots.reserveOutbound('manual')).toBeUndefined()
    slots.release(a as NonNullable<typeof a>)
    slots.release(a as NonNullable<typeof a>)
    expect(slots.counts()['full-relay']).toBe(1)
    expect(slots.reserveOutbound('full-relay')).toBeDefined()
  })

  it('caps inbound per IP, per group and handshaking, and frees them on release', () => {
    const slots = new ConnectionSlots(
      resolveOptions({ maxInboundPerIp: 2, maxInboundPerNetGroup: 3, maxPendingInbound: 10 }),
    )
    const s1 = slots.reserveInbound('10.0.0.1', 'ipv4:10.0')
    slots.reserveInbound('10.0.0.1', 'ipv4:10.0')
    expect(slots.checkInbound('10.0.0.1', 'ipv4:10.0')).toBe('per_ip')
    expect(slots.checkInbound('10.0.0.2', 'ipv4:10.0')).toBeUndefined()
    slots.reserveInbound('10.0.0.2', 'ipv4:10.0')
    expect(slots.checkInbound('10.0.0.3', 'ipv4:10.0')).toBe('per_net_group')
    expect(slots.checkInbound('10.9.0.3', 'ipv4:10.9')).toBeUndefined()
    expect(slots.pending).toBe(3)
    slots.markOpen(s1)
    expect(slots.pending).toBe(2)
    slots.release(s1)
    expect(slots.checkInbound('10.0.0.1', 'ipv4:10.0')).toBeUndefined()
    const small = new ConnectionSlots(resolveOptions({ maxPendingInbound: 1 }))
    small.reserveInbound('1.1.1.1', 'ipv4:1.1')
    expect(small.checkInbound('2.2.2.2', 'ipv4:2.2')).toBe('pending_full')
  })

  it('knows when the inbound side is full', () => {
    const slots = new ConnectionSlots(resolveOptions({ maxInbound: 1 }))
    const s = slots.reserveInbound('1.1.1.1', 'g')
    expect(slots.inboundFull()).toBe(false)
    slots.markOpen(s)
    expect(slots.inboundFull()).toBe(true)
  })
})
