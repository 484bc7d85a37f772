import { AbortError, deadline } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { NetworkError, SendError } from '../src/index'
import { DEFAULT_LANE_WEIGHTS, frameSize, LANE_QUANTUM_BYTES, SendQueue } from '../src/queue/send-queue'

const frame = (size: number, tag = 0): Uint8Array => new Uint8Array(size).fill(tag)

function queue(maxBytes = 1_000, maxWaiters = 4): SendQueue {
  return new SendQueue({ maxBytes, controlAllowanceBytes: 100, maxWaiters })
}

describe('SendQueue', () => {
  it('sends control, then blocks, then transactions, then bulk, FIFO within a class', () => {
    const q = queue()
    q.tryPush(frame(10, 1), 'bulk', 0)
    q.tryPush(frame(10, 2), 'transactions', 0)
    q.tryPush(frame(10, 3), 'blocks', 0)
    q.tryPush(frame(10, 4), 'control', 0)
    q.tryPush(frame(10, 5), 'blocks', 0)
    q.tryPush(frame(10, 6), 'control', 0)
    const order: number[] = []
    for (let f = q.shift(0); f !== undefined; f = q.shift(0)) order.push(f[0] as number)
    expect(order).toEqual([4, 6, 3, 5, 2, 1])
    expect(q.bytes).toBe(0)
    expect(q.length).toBe(0)
  })

  it('is bounded in bytes; control messages get a small allowance beyond the bound', () => {
    const q = queue(100)
    expect(q.tryPush(frame(60), 'bulk', 0)).toBe(true)
    expect(q.tryPush(frame(50), 'blocks', 0)).toBe(false)
    expect(q.saturatedSince).toBe(0)
    expect(q.tryPush(frame(40), 'blocks', 5)).toBe(true)
    expect(q.tryPush(frame(90), 'control', 0)).toBe(true)
    expect(q.tryPush(frame(20), 'control', 0)).toBe(false)
    expect(q.bytes).toBe(190)
  })

  it('queues a frame given as pieces, counting the bytes of all its pieces, and hands the pieces back', () => {
    const q = queue(100)
    const parts = [frame(10, 1), frame(50, 2), frame(5, 3)]
    expect(q.tryPush(parts, 'bulk', 0)).toBe(true)
    expect(q.bytes).toBe(65)
    expect(q.tryPush(frame(40), 'bulk', 0)).toBe(false)
    expect(q.tryPush(frame(35), 'bulk', 0)).toBe(true)
    expect(q.shift(0)).toBe(parts)
    expect(q.bytes).toBe(35)
    expect(frameSize(parts)).toBe(65)
    expect(frameSize(frame(7))).toBe(7)
  })

  it('always accepts one message into an empty queue, however large', () => {
    const q = queue(100)
    expect(q.tryPush(frame(5_000), 'blocks', 0)).toBe(true)
    expect(q.tryPush(frame(1), 'blocks', 0)).toBe(false)
  })

  it('makes senders wait for room, in order, and clears saturation once drained to half', async () => {
    const q = queue(100)
    q.tryPush(frame(80), 'bulk', 0)
    const done: number[] = []
    const a = q.push(frame(50, 1), 'bulk', 1).then(() => done.push(1))
    const b = q.push(frame(10, 2), 'bulk', 2).then(() => done.push(2))
    expect(q.waiting).toBe(2)
    expect(q.saturatedSince).toBe(1)
    // Fairness: a small message may not jump the queue of waiters.
    expect(q.hasRoom(5, 'bulk')).toBe(false)
    q.shift(0)
    await Promise.all([a, b])
    expect(done).toEqual([1, 2])
    // The first shift drained the queue to half before the waiters moved in, and nobody waits any more.
    expect(q.bytes).toBe(60)
    expect(q.saturatedSince).toBeUndefined()
  })

  it('restarts the saturation clock each time the peer drains the queue to half, however much waits behind', async () => {
    const q = queue(100)
    q.tryPush(frame(300), 'blocks', 0)
    const sends = [1, 2, 3].map((t) => q.push(frame(300, t), 'blocks', t))
    expect(q.saturatedSince).toBe(1)
    // The peer reads the first message: the next sender moves in, two still wait, saturated again from now.
    expect(q.shift(10)?.length).toBe(300)
    expect(q.waiting).toBe(2)
    expect(q.saturatedSince).toBe(10)
    q.shift(20)
    expect(q.saturatedSince).toBe(20)
    // The last sender moves in; nobody waits.
    q.shift(30)
    expect(q.waiting).toBe(0)
    expect(q.saturatedSince).toBeUndefined()
    await Promise.all(sends)
  })

  it('a waiting send gives up when its signal aborts', async () => {
    const clock = new ManualClock()
    const q = queue(10)
    q.tryPush(frame(10), 'bulk', 0)
    const timer = deadline(clock, 1_000, undefined, 'send')
    const waiting = q.push(frame(10), 'bulk', 0, timer.signal)
    clock.advance(1_000)
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_TIMEOUT' })
    expect(q.waiting).toBe(0)
    const controller = new AbortController()
    const aborted = q.push(frame(10), 'bulk', 0, controller.signal)
    controller.abort()
    await expect(aborted).rejects.toSatisfy((e: unknown) => AbortError.isInstance(e))
  })

  it('refuses more than maxWaiters waiting senders', async () => {
    const q = queue(10, 1)
    q.tryPush(frame(10), 'bulk', 0)
    void q.push(frame(10), 'bulk', 0).catch(() => {})
    await expect(q.push(frame(10), 'bulk', 0)).rejects.toSatisfy(
      (e: unknown) => SendError.isInstance(e) && e.code === 'ERR_QUEUE_FULL',
    )
  })

  it('close drops everything and fails waiters and later pushes', async () => {
    const q = queue(10)
    q.tryPush(frame(10), 'bulk', 0)
    const waiting = q.push(frame(10), 'bulk', 0)
    const err = new NetworkError('ERR_NOT_CONNECTED', 'gone')
    q.close(err)
    await expect(waiting).rejects.toBe(err)
    await expect(q.push(frame(1), 'bulk', 0)).rejects.toBe(err)
    expect(q.tryPush(frame(1), 'control', 0)).toBe(false)
    expect(q.bytes).toBe(0)
    expect(q.shift(0)).toBeUndefined()
  })

  it('keeps its memory flat over many messages', () => {
    const q = queue(1_000_000)
    for (let i = 0; i < 100_000; i++) {
      q.tryPush(frame(1), 'bulk', 0)
      if (i % 2 === 0) q.shift(0)
    }
    expect(q.length).toBe(50_000)
    while (q.shift(0) !== undefined) {}
    expect(q.bytes).toBe(0)
  })
  it('shares the bandwidth by weight while lanes are busy: sustained blocks cannot starve gossip', () => {
    const q = queue(1e12)
    // Far more of each than one round carries: 64 KiB blocks, 16 KiB transactions, 1 KiB address gossip.
    for (let i = 0; i < 400; i++) q.tryPush(frame(65_536, 1), 'blocks', 0)
    for (let i = 0; i < 800; i++) q.tryPush(frame(16_384, 2), 'transactions', 0)
    for (let i = 0; i < 4_000; i++) q.tryPush(frame(1_024, 3), 'bulk', 0)
    const sent = { 1: 0, 2: 0, 3: 0 } as Record<number, number>
    let total = 0
    let firstBulkAt: number | undefined
    // While all three are busy (the first 5 MB), every prefix is within one round of the weights' shares.
    while (total < 5_000_000) {
      const f = q.shift(0) as Uint8Array
      sent[f[0] as number] = (sent[f[0] as number] as number) + f.length
      total += f.length
      if (f[0] === 3) firstBulkAt ??= total
      const round = 7 * LANE_QUANTUM_BYTES
      expect(sent[1]).toBeGreaterThanOrEqual((4 / 7) * total - round)
      expect(sent[2]).toBeGreaterThanOrEqual((2 / 7) * total - round)
      expect(sent[3]).toBeGreaterThanOrEqual((1 / 7) * total - round)
    }
    // Under strict priority no gossip would leave before the 26 MB of blocks had.
    expect(firstBulkAt).toBeLessThanOrEqual(7 * LANE_QUANTUM_BYTES)
    expect(DEFAULT_LANE_WEIGHTS).toEqual({ blocks: 4, transactions: 2, bulk: 1 })
  })

  it('gives a lane with frames larger than its quantum its share over several rounds, and control goes first', () => {
    const q = new SendQueue({
      maxBytes: 1e12,
      controlAllowanceBytes: 100,
      maxWaiters: 4,
      weights: { blocks: 4, transactions: 2, bulk: 1 },
    })
    for (let i = 0; i < 4; i++) q.tryPush(frame(4_000_000, 1), 'blocks', 0)
    for (let i = 0; i < 10_000; i++) q.tryPush(frame(1_000, 3), 'bulk', 0)
    const order: number[] = []
    let bulkBetween = 0
    for (let n = 0; n < 3_000; n++) {
      if (n === 100) q.tryPush(frame(10, 9), 'control', 0)
      const f = q.shift(0) as Uint8Array
      order.push(f[0] as number)
      if (f[0] === 3 && order.filter((t) => t === 1).length === 1) bulkBetween += f.length
    }
    // The control frame pushed mid-stream leaves next; between the first two 4 MB blocks about a quarter of
    // the bytes (bulk's 1 : 4 against blocks) went to the gossip lane.
    expect(order[100]).toBe(9)
    expect(order.filter((t) => t === 1).length).toBeGreaterThanOrEqual(2)
    expect(bulkBetween).toBeGreaterThanOrEqual(0.2 * 4_000_000)
    expect(bulkBetween).toBeLessThanOrEqual(0.3 * 4_000_000)
  })

  it('refuses lane weights that are not integers in [1, 1000]', () => {
    for (const blocks of [0, 1.5, 1_001]) {
      expect(
        () =>
          new SendQueue({
            maxBytes: 1,
            controlAllowanceBytes: 1,
            maxWaiters: 1,
            weights: { blocks, transactions: 1, bulk: 1 },
          }),
      ).toThrow(NetworkError)
    }
  })
})
