import type { PeerId } from '@chainwire/interface'
import type { InvItem, Message, MessageOf } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import { defaultMessageId, type RelayOptions } from '../src/index'
import { blockMessage, fakeId, txMessage } from './helpers/messages'
import { harness } from './helpers/setup'

const announce = (extra: RelayOptions = {}): RelayOptions => ({
  topics: { blocks: { strategy: 'announce' }, transactions: { strategy: 'announce' } },
  ...extra,
})
const txId = (n: number) => defaultMessageId('transactions', { message: txMessage(n) })
const invOf = (...ids: Uint8Array[]): Message => ({
  type: 'inv',
  data: { items: ids.map((hash) => ({ kind: 'tx' as const, hash })) },
})
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const itemsOf = (m: MessageOf<'get_data'> | MessageOf<'inv'>) => m.data.items.map((i: InvItem) => hex(i.hash))

describe('announce-pull: announcing', () => {
  it('announces transactions in Poisson trickles: outbound peers each ~2 s, inbound peers together ~5 s', async () => {
    const h = harness(announce())
    const out = h.peers(4, undefined, { direction: 'outbound' }) as PeerId[]
    const inb = h.peers(4, undefined, { direction: 'inbound' }) as PeerId[]
    for (let i = 0; i < 200; i++) {
      h.relay.publish('transactions', txMessage(i))
      await h.clock.advanceAsync(500)
    }
    await h.clock.advanceAsync(60_000)
    // every peer heard of every transaction exactly once
    for (const p of [...out, ...inb]) {
      const items = h.net.sentTo(p, 'inv').flatMap(itemsOf)
      expect(items).toHaveLength(200)
      expect(new Set(items).size).toBe(200)
    }
    // batches: outbound peers get more, smaller ones than inbound peers (means 2 s vs 5 s over 100 s)
    const batches = (p: PeerId) => h.net.sentTo(p, 'inv').length
    const outMean = out.reduce((n, p) => n + batches(p), 0) / out.length
    const inMean = inb.reduce((n, p) => n + batches(p), 0) / inb.length
    expect(outMean).toBeGreaterThan(35) // ~50 trickles of mean 2 s over ~100 s
    expect(outMean).toBeLessThan(65)
    expect(inMean).toBeGreaterThan(12) // ~20 of mean 5 s
    expect(inMean).toBeLessThan(30)
    // inbound peers share one timer: their batches go out at the same instants
    expect(new Set(inb.map(batches)).size).toBe(1)
  })

  it('never announces an item to a peer that sent or announced it', async () => {
    const h = harness(announce())
    const [a, b, c] = h.peers(3) as [PeerId, PeerId, PeerId]
    await h.net.deliver(b, invOf(txId(5)))
    await h.net.deliver(a, txMessage(5))
    await h.clock.advanceAsync(30_000)
    expect(h.net.sentTo(a, 'inv')).toHaveLength(0)
    expect(h.net.sentTo(b, 'inv')).toHaveLength(0)
    expect(h.net.sentTo(c, 'inv').flatMap(itemsOf)).toEqual([hex(txId(5))])
  })

  it('announces blocks at once', async () => {
    const h = harness(announce())
    h.peers(3)
    h.relay.publish('blocks', blockMessage(1))
    expect(h.net.sentOf('inv')).toHaveLength(3)
    expect(h.net.sentOf('inv')[0]?.message.data.items[0]?.kind).toBe('block')
    expect(h.net.sentOf('new_block')).toHaveLength(0)
  })
})

describe('announce-pull: fetching', () => {
  it('asks an outbound announcer at once; an inbound one only after inboundRequestDelayMs', async () => {
    const h = harness(announce())
    h.net.onRequest = () => new Promise<Message>(() => {}) // nobody answers in this test
    const [inb] = h.peers(1, undefined, { direction: 'inbound' }) as [PeerId]
    const [out] = h.peers(1, undefined, { direction: 'outbound' }) as [PeerId]
    await h.net.deliver(inb, invOf(txId(1)))
    expect(h.net.sentOf('get_data')).toHaveLength(0)
    // an outbound peer announces it within the delay: it is asked instead
    await h.clock.advanceAsync(1_000)
    await h.net.deliver(out, invOf(txId(1)))
    expect(h.net.sentOf('get_data').map((s) => s.to)).toEqual([out])
    // an item only an inbound peer has: asked after 2 s
    await h.net.deliver(inb, invOf(txId(2)))
    await h.clock.advanceAsync(1_900)
    expect(h.net.sentTo(inb, 'get_data')).toHaveLength(0)
    await h.clock.advanceAsync(200)
    expect(h.net.sentTo(inb, 'get_data').flatMap(itemsOf)).toEqual([hex(txId(2))])
  })

  it('one get_data in flight per item; not_found or a timeout falls back to the next announcer', async () => {
    const h = harness(announce({ announce: { getDataTimeoutMs: 5_000 } }))
    const [a, b, c] = h.peers(3) as [PeerId, PeerId, PeerId]
    let open: () => void = () => {}
    const gate = new Promise<void>((r) => (open = r))
    const answers = new Map<PeerId, (m: Message) => Promise<Message>>()
    h.net.onRequest = (peer, m) => gate.then(() => (answers.get(peer) as (m: Message) => Promise<Message>)(m))
    // a has nothing; b's request fails (as a timeout would); c delivers
    answers.set(a, async (m) => ({
      type: 'not_found',
      data: { items: (m as MessageOf<'get_data'>).data.items },
    }))
    answers.set(b, () => Promise.reject(new Error('request timed out')))
    answers.set(c, async () => {
      await h.net.deliver(c, txMessage(9))
      return { type: 'not_found', data: { items: [] } }
    })
    await h.net.deliver(a, invOf(txId(9)))
    await h.net.deliver(b, invOf(txId(9)))
    await h.net.deliver(c, invOf(txId(9)))
    const asked = () => h.net.sentOf('get_data').map((s) => s.to)
    expect(asked()).toEqual([a])
    open()
    for (let i = 0; i < 10 && asked().length < 3; i++) await h.clock.advanceAsync(100)
    expect(asked()).toEqual([a, b, c])
    expect(h.relay.status().topics.transactions?.accepted).toBe(1)
    const s = h.relay.status().announce
    expect(s.fallbacks).toBe(2)
    expect(s.itemsRequested).toBe(3)
  })

  it('serves get_data: found items as their own messages, the rest in not_found (and asks the inventory)', async () => {
    const extra = txMessage(77)
    const h = harness(announce(), {
      inventory: { get: (kind, hash) => (kind === 'tx' && hex(hash) === hex(txId(77)) ? extra : undefined) },
    })
    const [a] = h.peers(1) as [PeerId]
    h.relay.publish('transactions', txMessage(1))
    const answer = await h.net.deliver(a, {
      type: 'get_data',
      id: 1,
      data: { items: [txId(1), txId(77), fakeId(5)].map((hash) => ({ kind: 'tx' as const, hash })) },
    })
    expect(h.net.sentTo(a, 'new_transaction').map((m) => m.data.transaction.nonce)).toEqual([1, 77])
    expect((answer as MessageOf<'not_found'>).data.items.map((i) => hex(i.hash))).toEqual([hex(fakeId(5))])
  })

  it('tracks at most maxAnnouncementsPerPeer items per peer and maxTrackedItems in all', async () => {
    const h = harness(
      announce({
        announce: { maxAnnouncementsPerPeer: 100, maxTrackedItems: 150, inboundRequestDelayMs: 60_000 },
      }),
    )
    const [spam, other] = h.peers(2, undefined, { direction: 'inbound' }) as [PeerId, PeerId]
    await h.net.deliver(spam, invOf(...Array.from({ length: 5_000 }, (_, i) => fakeId(i))))
    await h.net.deliver(other, invOf(...Array.from({ length: 100 }, (_, i) => fakeId(10_000 + i))))
    await h.clock.advanceAsync(61_000)
    const asked = (p: PeerId) => h.net.sentTo(p, 'get_data').flatMap(itemsOf).length
    expect(asked(spam)).toBeLessThanOrEqual(100)
    expect(asked(spam) + asked(other)).toBeLessThanOrEqual(150)
  })
})
