import { AbortError, deadline } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import { NetworkError, SendError } from '../src/index'
import { frameSize, SendQueue } from '../src/queue/send-queue'

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
    for (let f = q.shift(); f !== undefined; f = q.shift()) order.push(f[0] as number)
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
    expect(q.shift()).toBe(parts)
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
    q.shift()
    await Promise.all([a, b])
    expect(done).toEqual([1, 2])
    expect(q.bytes).toBe(60)
    expect(q.saturatedSince).toBe(1)
    q.shift()
    expect(q.saturatedSince).toBeUndefined()
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
    expect(q.shift()).toBeUndefined()
  })

  it('keeps its memory flat over many messages', () => {
    const q = queue(1_000_000)
    for (let i = 0; i < 100_000; i++) {
      q.tryPush(frame(1), 'bulk', 0)
      if (i % 2 === 0) q.shift()
    }
    expect(q.length).toBe(50_000)
    while (q.shift() !== undefined) {}
    expect(q.bytes).toBe(0)
  })
})
