import type { Clock } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { blockMessage, txMessage } from './helpers/messages'
import { harness } from './helpers/setup'

describe('flood', () => {
  it('publishes to every subscribed peer, as the catalog type of the topic', () => {
    const h = harness()
    const [a, b, c] = h.peers(3)
    h.peers(1, []) // connected, never subscribed: gets nothing
    const result = h.relay.publish('blocks', blockMessage(1))
    expect(result.peers).toBe(3)
    expect(result.id).toHaveLength(32)
    for (const p of [a, b, c]) expect(h.net.sentTo(p as string, 'new_block')).toHaveLength(1)
    expect(h.net.sentOf('new_block')).toHaveLength(3)
    h.relay.publish('transactions', txMessage(1))
    expect(h.net.sentOf('new_transaction')).toHaveLength(3)
  })

  it('relays a validated message once to every other peer, never back to a sender', async () => {
    const h = harness()
    const [a, b, c, d] = h.peers(4) as [string, string, string, string]
    await h.net.deliver(a, blockMessage(5))
    const firstWave = h.net.sentOf('new_block').map((s) => s.to)
    expect(firstWave.sort()).toEqual([b, c, d].sort())
    h.net.clearSent()
    await h.net.deliver(b, blockMessage(5))
    await h.net.deliver(a, blockMessage(5))
    expect(h.net.sentOf('new_block')).toHaveLength(0)
    const s = h.relay.status().topics.blocks
    expect(s?.accepted).toBe(1)
    expect(s?.duplicate).toBe(2)
    // a sends it twice: reported as a duplicate from the same peer (b's copy is a normal flood duplicate)
    expect(h.reported(a, 'duplicate-message')).toBe(1)
    expect(h.reported(b, 'duplicate-message')).toBe(0)
    expect(h.reported(a, 'first-block-delivery')).toBe(1)
  })

  it('skips peers that delivered the message while it was being validated', async () => {
    let release: (v: 'accept') => void = () => {}
    const h = harness({
      topics: { blocks: { validator: () => new Promise<'accept'>((r) => (release = r)) } },
    })
    const [a, b, c] = h.peers(3) as [string, string, string]
    const done = h.net.deliver(a, blockMessage(9))
    await h.net.deliver(b, blockMessage(9))
    release('accept')
    await done
    await new Promise((r) => setImmediate(r))
    expect(h.net.sentOf('new_block').map((s) => s.to)).toEqual([c])
  })

  it('does not relay what the validator ignores or rejects; reports only rejections', async () => {
    const h = harness({
      topics: {
        blocks: {
          validator: (m) =>
            m.message?.type === 'new_block' && m.message.data.block.header.height === 1 ? 'reject' : 'ignore',
        },
        transactions: {},
      },
    })
    const [a, b] = h.peers(2) as [string, string]
    await h.net.deliver(a, blockMessage(1))
    await h.net.deliver(a, blockMessage(2))
    expect(h.net.sentOf('new_block')).toHaveLength(0)
    expect(h.reported(a, 'bad-block')).toBe(1)
    expect(h.reports.filter((r) => r.behaviour === 'bad-block')).toHaveLength(1)
    const s = h.relay.status().topics.blocks
    expect(s?.rejected).toBe(1)
    expect(s?.ignored).toBe(1)
    void b
  })

  it('a validator that throws or outlives validationTimeoutMs counts as ignore (not the peer fault)', async () => {
    const h = harness({
      validationTimeoutMs: 1_000,
      topics: {
        blocks: { validator: () => new Promise(() => {}) },
        transactions: {
          validator: () => {
            throw new Error('boom')
          },
        },
      },
    })
    const [a] = h.peers(2) as [string, string]
    const pending = h.net.deliver(a, blockMessage(3))
    await h.net.deliver(a, txMessage(3))
    expect(h.relay.status().pendingValidations).toBe(1)
    await h.clock.advanceAsync(1_000)
    await pending
    expect(h.relay.status().topics.blocks?.ignored).toBe(1)
    expect(h.relay.status().topics.transactions?.ignored).toBe(1)
    expect(h.relay.status().pendingValidations).toBe(0)
    expect(h.reports.filter((r) => r.behaviour !== 'duplicate-message')).toHaveLength(0)
  })

  it('the seen-cache is bounded and time-limited: expired ids are new again', async () => {
    const h = harness({ seenCacheSize: 10, messageExpiration: 60_000, cleanupInterval: 10_000 })
    const [a] = h.peers(2) as [string, string]
    for (let i = 0; i < 25; i++) await h.net.deliver(a, txMessage(i))
    expect(h.relay.status().seenEntries).toBe(10)
    await h.net.deliver(a, txMessage(24))
    expect(h.relay.status().topics.transactions?.duplicate).toBe(1)
    await h.clock.advanceAsync(70_000)
    expect(h.relay.status().seenEntries).toBe(0)
    await h.net.deliver(a, txMessage(24))
    expect(h.relay.status().topics.transactions?.accepted).toBe(26)
  })

  it('does not relay a block older than messageExpiration', async () => {
    const h = harness({ messageExpiration: 3_600_000 })
    const [a] = h.peers(3) as [string, string, string]
    await h.net.deliver(a, blockMessage(1, 100, h.clock.now() - 3_700_000))
    expect(h.net.sentOf('new_block')).toHaveLength(0)
    expect(h.relay.status().topics.blocks?.expired).toBe(1)
  })

  it('a full send queue waits instead of dropping the copy', async () => {
    const h = harness()
    const [a, b, c] = h.peers(3) as [string, string, string]
    h.net.full.add(c)
    await h.net.deliver(a, blockMessage(4))
    expect(
      h.net
        .sentOf('new_block')
        .map((s) => s.to)
        .sort(),
    ).toEqual([b, c].sort())
  })

  it('stop() unregisters every handler and listener and clears every timer, validations in flight too', async () => {
    const h = harness({
      relayMode: 'gossip',
      topics: { blocks: { validator: () => new Promise(() => {}) }, transactions: { strategy: 'announce' } },
    })
    const [a] = h.peers(3) as [string]
    void h.net.deliver(a, blockMessage(1))
    h.relay.publish('transactions', txMessage(1))
    expect(h.relay.status().pendingValidations).toBe(1)
    expect(h.net.handlerCount).toBe(1)
    expect(h.clock.pending()).toBeGreaterThan(0)
    h.relay.stop()
    expect(h.net.handlerCount).toBe(0)
    expect(h.clock.pending()).toBe(0)
    expect(h.net.listenerCount('message:new_block')).toBe(0)
    expect(h.net.listenerCount('peer:connected')).toBe(0)
    expect(() => h.relay.publish('blocks', blockMessage(1))).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_STARTED' }),
    )
  })

  it('sends a large message to peers whose queue is full one peer per task; small ones and ready peers at once', async () => {
    // the relay's clock records how many blocks each of its timer tasks sent
    const clock = new ManualClock()
    const perTask: number[] = []
    let net: { sentOf(type: 'new_block'): unknown[] } | undefined
    const blocksSent = (): number => net?.sentOf('new_block').length ?? 0
    const counting: Clock = {
      now: () => clock.now(),
      setTimeout: (fn, ms) =>
        clock.setTimeout(() => {
          const before = blocksSent()
          fn()
          perTask.push(blocksSent() - before)
        }, ms),
      setInterval: (fn, ms) => clock.setInterval(fn, ms),
      clearTimeout: (t) => clock.clearTimeout(t),
      clearInterval: (t) => clock.clearInterval(t),
      sleep: (ms, signal) => clock.sleep(ms, signal),
    }
    const h = harness({}, { clock: counting })
    net = h.net
    const [from, ready, ...full] = h.peers(6) as string[]
    for (const p of full) h.net.full.add(p as string)
    await h.net.deliver(from as string, blockMessage(3, 100_000))
    // the peer with room gets it in the task that relayed it, the full ones one per later task, in order
    expect(h.net.sentOf('new_block').map((s) => s.to)).toEqual([ready])
    await clock.advanceAsync(0)
    expect(h.net.sentOf('new_block').map((s) => s.to)).toEqual([ready, ...full])
    expect(perTask).toEqual(full.map(() => 1))
    // a small message goes to every full peer in the same task (a wait for room, no deferral)
    h.net.clearSent()
    perTask.length = 0
    await h.net.deliver(from as string, blockMessage(4, 2_000))
    expect(
      h.net
        .sentOf('new_block')
        .map((s) => s.to)
        .sort(),
    ).toEqual([ready, ...full].sort())
    await clock.advanceAsync(0)
    expect(perTask).toEqual([])
  })

  it('forgets the large sends still deferred when it stops', async () => {
    const h = harness()
    const [from, ...full] = h.peers(4) as string[]
    for (const p of full) h.net.full.add(p as string)
    await h.net.deliver(from as string, blockMessage(3, 100_000))
    expect(h.net.sentOf('new_block')).toHaveLength(0)
    h.relay.stop()
    await h.clock.advanceAsync(10)
    expect(h.net.sentOf('new_block')).toHaveLength(0)
  })
})
