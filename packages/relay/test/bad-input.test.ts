import type { PeerId } from '@chainwire/interface'
import { testPeerId } from '@chainwire/interface/testing'
import { encode } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import type { MessageIdFunction, RelayedMessage } from '../src/index'
import { blockHeaderId } from '../src/testing/index'
import { blockMessage, envelope, fakeId } from './helpers/messages'
import { harness } from './helpers/setup'

const bytes = (s: string) => new Uint8Array(Buffer.from(s))
const user = { topics: { chat: {} } }

describe('relay envelopes (bad input)', () => {
  it('hops at or over the ttl: dropped, counted and penalised, never delivered', async () => {
    const h = harness(user)
    const [a, b] = h.peers(2, ['chat']) as [PeerId, PeerId]
    const got: RelayedMessage[] = []
    h.relay.on('message', (m) => got.push(m))
    await h.net.deliver(a, envelope({ origin: b, hops: 3, ttl: 3, topic: 'chat', payload: bytes('x') }))
    await h.net.deliver(a, envelope({ origin: b, hops: 9, ttl: 4, topic: 'chat', payload: bytes('y') }))
    expect(got).toHaveLength(0)
    expect(h.relay.status().topics.chat?.hopLimit).toBe(2)
    expect(h.reported(a, 'protocol-violation')).toBe(2)
    expect(h.net.sentOf('relay')).toHaveLength(0)
  })

  it('an expired envelope is dropped quietly; one claiming too long a life is penalised', async () => {
    const h = harness({ ...user, messageExpiration: 60_000, maxClockSkewMs: 10_000 })
    const [a, b] = h.peers(2, ['chat']) as [PeerId, PeerId]
    const now = h.clock.now()
    await h.net.deliver(
      a,
      envelope({ origin: b, hops: 1, topic: 'chat', payload: bytes('old'), expiresAt: now - 1 }),
    )
    expect(h.relay.status().topics.chat?.expired).toBe(1)
    expect(h.reports).toHaveLength(0)
    await h.net.deliver(
      a,
      envelope({ origin: b, hops: 1, topic: 'chat', payload: bytes('forever'), expiresAt: now + 3_600_000 }),
    )
    expect(h.reported(a, 'protocol-violation')).toBe(1)
    expect(h.relay.status().topics.chat?.accepted).toBe(0)
  })

  it('at hop 0 the envelope must come from its origin', async () => {
    const h = harness(user)
    const [a, b] = h.peers(2, ['chat']) as [PeerId, PeerId]
    await h.net.deliver(a, envelope({ origin: b, hops: 0, topic: 'chat', payload: bytes('forged') }))
    expect(h.reported(a, 'protocol-violation')).toBe(1)
    await h.net.deliver(a, envelope({ origin: a, hops: 0, topic: 'chat', payload: bytes('own') }))
    expect(h.relay.status().topics.chat?.accepted).toBe(1)
  })

  it('an envelope looping between two peers is delivered and relayed once', async () => {
    const h = harness({ ...user, maxRelayHops: 8 })
    const [a, b, origin] = h.peers(3, ['chat']) as [PeerId, PeerId, PeerId]
    const got: number[] = []
    h.relay.on('message', (m) => got.push(m.hops))
    const payload = bytes('round and round')
    await h.net.deliver(a, envelope({ origin, hops: 1, ttl: 8, topic: 'chat', payload }))
    expect(
      h.net
        .sentOf('relay')
        .map((s) => s.to)
        .sort(),
    ).toEqual([b, origin].sort())
    h.net.clearSent()
    // b sends it back to us, then a again, each time one hop further
    await h.net.deliver(b, envelope({ origin, hops: 2, ttl: 8, topic: 'chat', payload }))
    await h.net.deliver(a, envelope({ origin, hops: 3, ttl: 8, topic: 'chat', payload }))
    await h.net.deliver(b, envelope({ origin, hops: 4, ttl: 8, topic: 'chat', payload }))
    expect(got).toEqual([1])
    expect(h.net.sentOf('relay')).toHaveLength(0)
    expect(h.relay.status().topics.chat?.duplicate).toBe(3)
  })

  it('a direct envelope looping between two peers is forwarded once', async () => {
    const h = harness({ maxRelayHops: 8 })
    const [a, b] = h.peers(2) as [PeerId, PeerId]
    const far = testPeerId(434_343)
    const payload = bytes('to far away')
    const e = (hops: number) =>
      envelope({ origin: a, target: far, hops, ttl: 8, payload, expiresAt: h.clock.now() + 10_000 })
    await h.net.deliver(
      a,
      envelope({ origin: a, target: far, hops: 0, ttl: 8, payload, expiresAt: h.clock.now() + 10_000 }),
    )
    expect(h.net.sentOf('relay').map((s) => s.to)).toEqual([b])
    await h.net.deliver(b, e(2))
    await h.net.deliver(a, e(3))
    expect(h.net.sentOf('relay')).toHaveLength(1)
    expect(h.relay.status().direct.duplicate).toBe(2)
  })

  it('an envelope with neither target nor topic, or a payload that is not its topic, is penalised', async () => {
    const h = harness()
    const [a] = h.peers(1) as [PeerId]
    await h.net.deliver(a, envelope({ origin: a, hops: 0, payload: bytes('nowhere') }))
    expect(h.reported(a, 'protocol-violation')).toBe(1)
    await h.net.deliver(
      a,
      envelope({ origin: a, hops: 0, topic: 'consensus', payload: bytes('not msgpack') }),
    )
    await h.net.deliver(
      a,
      envelope({ origin: a, hops: 0, topic: 'consensus', payload: encode(blockMessage(1)) }),
    )
    expect(h.reported(a, 'invalid-message')).toBe(2)
  })
})

describe('message id collisions', () => {
  it('the same payload re-wrapped (other hops, origin, ttl) is the same message', async () => {
    const h = harness({ ...user, maxRelayHops: 8 })
    const [a, b, c] = h.peers(3, ['chat']) as [PeerId, PeerId, PeerId]
    const got: RelayedMessage[] = []
    h.relay.on('message', (m) => got.push(m))
    const payload = bytes('hello')
    await h.net.deliver(a, envelope({ origin: c, hops: 1, ttl: 8, topic: 'chat', payload }))
    await h.net.deliver(b, envelope({ origin: b, hops: 0, ttl: 5, topic: 'chat', payload }))
    expect(got).toHaveLength(1)
    expect(h.relay.status().topics.chat?.duplicate).toBe(1)
  })

  it('a forged block sharing an app id with the real one cannot censor it', async () => {
    // the app's id is the header hash (as a chain's block hash is): altered transactions keep the id
    const headerId: MessageIdFunction = blockHeaderId
    const genuine = blockMessage(7, 500)
    const forged = structuredClone(genuine)
    forged.data.block.transactions[0]!.amount = 1_000_000n
    const isGenuine = (m: RelayedMessage) =>
      m.message?.type === 'new_block' &&
      m.message.data.block.transactions[0]?.amount === genuine.data.block.transactions[0]?.amount
    let release: (() => void) | undefined
    const h = harness({
      topics: {
        blocks: {
          messageId: headerId,
          validator: async (m) => {
            await new Promise<void>((r) => (release = r))
            return isGenuine(m) ? 'accept' : 'reject'
          },
        },
      },
    })
    const [attacker, honest, other] = h.peers(3) as [PeerId, PeerId, PeerId]
    const delivered: RelayedMessage[] = []
    h.relay.on('message', (m) => delivered.push(m))
    // the forgery arrives first; the genuine copy arrives while it is being validated
    const first = h.net.deliver(attacker, forged)
    await h.net.deliver(honest, genuine)
    release?.()
    await first
    for (let i = 0; i < 5 && delivered.length === 0; i++) {
      await new Promise((r) => setImmediate(r))
      release?.()
    }
    expect(delivered).toHaveLength(1)
    expect(isGenuine(delivered[0] as RelayedMessage)).toBe(true)
    expect(h.net.sentTo(other, 'new_block')).toHaveLength(1)
    expect(h.reported(attacker, 'bad-block')).toBe(1)
    expect(h.reported(honest, 'bad-block')).toBe(0)
  })

  it('a rejected id is validated again for another sender, at most maxRevalidations times', async () => {
    let calls = 0
    const validator = (): 'reject' => {
      calls++
      return 'reject'
    }
    const h = harness({ maxRevalidations: 2, topics: { blocks: { validator } } })
    const peers = h.peers(6) as PeerId[]
    for (const p of peers) await h.net.deliver(p, blockMessage(3))
    expect(calls).toBe(3)
    expect(h.relay.status().topics.blocks?.rejected).toBe(3)
    expect(h.relay.status().topics.blocks?.duplicate).toBe(3)
  })
})

describe('memory stays bounded', () => {
  it('10,000 distinct junk envelopes: seen-cache, message cache and pending validations within their limits', async () => {
    const h = harness({
      ...user,
      seenCacheSize: 1_000,
      messageCacheEntries: 500,
      maxPendingValidations: 10,
      topics: { chat: { validator: () => new Promise(() => {}) } },
    })
    const peers = h.peers(20, ['chat']) as PeerId[]
    for (let i = 0; i < 10_000; i++) {
      const p = peers[i % peers.length] as PeerId
      void h.net.deliver(p, envelope({ origin: p, hops: 0, topic: 'chat', payload: fakeId(i) }))
    }
    const s = h.relay.status()
    expect(s.seenEntries).toBeLessThanOrEqual(1_000)
    expect(s.cachedMessages).toBeLessThanOrEqual(500)
    expect(s.pendingValidations).toBe(10)
    expect(s.topics.chat?.throttled).toBe(9_990)
  })

  it('direct envelopes are rate-limited per origin and per neighbour', async () => {
    const h = harness({ direct: { originRate: 1, originBurst: 5, peerRate: 1, peerBurst: 50 } })
    const [a, b] = h.peers(3) as [PeerId, PeerId, PeerId]
    const far = testPeerId(424_242)
    for (let i = 0; i < 20; i++) {
      await h.net.deliver(a, envelope({ origin: b, target: far, hops: 1, ttl: 3, payload: fakeId(i) }))
    }
    expect(h.relay.status().direct.forwarded).toBe(5)
    expect(h.relay.status().direct.rateLimited).toBe(15)
    // forged origins do not help: the neighbour's own bucket (50, of which 20 spent) caps it
    for (let i = 0; i < 100; i++) {
      const origin = `cw${String.fromCharCode(97 + (i % 26)).repeat(26)}${'d'.repeat(25)}a`
      await h.net.deliver(a, envelope({ origin, target: far, hops: 1, ttl: 3, payload: fakeId(1_000 + i) }))
    }
    expect(h.relay.status().direct.forwarded).toBeLessThanOrEqual(5 + 30)
    expect(h.relay.status().direct.rateLimited).toBeGreaterThanOrEqual(15 + 70)
  })
})
