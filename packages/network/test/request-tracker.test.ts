import { AbortError } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { CodecError, encode } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import { NetworkError, RequestError } from '../src/index'
import { peekId, peekType } from '../src/protocol/envelope-peek'
import { RequestTracker } from '../src/protocol/request-tracker'

function tracker(clock: ManualClock, maxInflight = 2): { t: RequestTracker; timeouts: string[] } {
  const timeouts: string[] = []
  const t = new RequestTracker(clock, {
    maxInflight,
    recentLimit: 4,
    onTimeout: (type) => timeouts.push(type),
  })
  return { t, timeouts }
}

describe('RequestTracker', () => {
  it('matches a response by id', async () => {
    const clock = new ManualClock()
    const { t } = tracker(clock)
    const { id, response } = t.begin('get_peers', 'peers', 1_000, undefined, false)
    expect(t.inflight).toBe(1)
    expect(t.settle({ type: 'peers', id, data: { peers: [] } })).toBe('matched')
    await expect(response).resolves.toMatchObject({ type: 'peers', id })
    expect(t.inflight).toBe(0)
    expect(clock.pending()).toBe(0)
  })

  it('times out on the injected clock, then recognises the late response', async () => {
    const clock = new ManualClock()
    const { t, timeouts } = tracker(clock)
    const { id, response } = t.begin('get_peers', 'peers', 1_000, undefined, false)
    clock.advance(999)
    expect(t.size).toBe(1)
    clock.advance(1)
    await expect(response).rejects.toSatisfy(
      (e: unknown) => RequestError.isInstance(e) && e.code === 'ERR_REQUEST_TIMEOUT',
    )
    expect(timeouts).toEqual(['get_peers'])
    expect(t.settle({ type: 'peers', id, data: { peers: [] } })).toBe('late')
    expect(t.settle({ type: 'peers', id: 999_999, data: { peers: [] } })).toBe('unknown')
    expect(t.settle({ type: 'peers', data: { peers: [] } })).toBe('unknown')
  })

  it('enforces the in-flight limit, internal requests aside', () => {
    const clock = new ManualClock()
    const { t } = tracker(clock, 2)
    t.begin('get_peers', 'peers', 1_000, undefined, false).response.catch(() => {})
    t.begin('get_peers', 'peers', 1_000, undefined, false).response.catch(() => {})
    expect(() => t.begin('get_peers', 'peers', 1_000, undefined, false)).toThrow(
      expect.objectContaining({ code: 'ERR_TOO_MANY_REQUESTS' }),
    )
    t.begin('ping', 'pong', 1_000, undefined, true).response.catch(() => {})
    expect(t.size).toBe(3)
    expect(t.inflight).toBe(2)
  })

  it('rejects on an error response, and on a response of the wrong type', async () => {
    const clock = new ManualClock()
    const { t } = tracker(clock)
    const a = t.begin('get_peers', 'peers', 1_000, undefined, false)
    expect(t.settle({ type: 'error', id: a.id, data: { code: 'busy' } })).toBe('matched')
    await expect(a.response).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED', details: { code: 'busy' } })
    const b = t.begin('get_peers', 'peers', 1_000, undefined, false)
    expect(t.settle({ type: 'pong', id: b.id, data: { nonce: 1 } })).toBe('mismatched')
    await expect(b.response).rejects.toMatchObject({ code: 'ERR_BAD_RESPONSE' })
  })

  it('aborts with the caller signal and fails everything on close', async () => {
    const clock = new ManualClock()
    const { t, timeouts } = tracker(clock)
    const controller = new AbortController()
    const a = t.begin('get_peers', 'peers', 1_000, controller.signal, false)
    controller.abort()
    await expect(a.response).rejects.toSatisfy((e: unknown) => AbortError.isInstance(e))
    expect(timeouts).toEqual([])
    const b = t.begin('get_peers', 'peers', 1_000, undefined, false)
    const err = new NetworkError('ERR_NOT_CONNECTED', 'gone')
    t.close(err)
    await expect(b.response).rejects.toBe(err)
    expect(() => t.begin('get_peers', 'peers', 1_000, undefined, false)).toThrow(err)
    expect(clock.pending()).toBe(0)
  })

  it('never hands out an id that is outstanding or recently expired', () => {
    const clock = new ManualClock()
    const { t } = tracker(clock, 100)
    const ids = new Set<number>()
    for (let i = 0; i < 50; i++) {
      const r = t.begin('get_peers', 'peers', 1_000, undefined, false)
      r.response.catch(() => {})
      expect(ids.has(r.id)).toBe(false)
      ids.add(r.id)
    }
  })
  it('fails an outstanding request with ERR_INVALID_RESPONSE and its cause; a second late answer is unknown', async () => {
    const clock = new ManualClock()
    const { t } = tracker(clock)
    const { id, response } = t.begin('get_peers', 'peers', 1_000, undefined, false)
    const cause = new CodecError('ERR_SCHEMA', 'peers: not an array')
    expect(t.fail(id, cause)).toBe('failed')
    await expect(response).rejects.toSatisfy(
      (e: unknown) => RequestError.isInstance(e) && e.code === 'ERR_INVALID_RESPONSE' && e.cause === cause,
    )
    expect(t.inflight).toBe(0)
    expect(clock.pending()).toBe(0)
    // The id is now expired: one answer to it is late, a repeat is unrequested.
    expect(t.settle({ type: 'peers', id, data: { peers: [] } })).toBe('late')
    expect(t.settle({ type: 'peers', id, data: { peers: [] } })).toBe('unknown')
    expect(t.fail(12345, cause)).toBe('unknown')
  })
})

describe('envelope peeking', () => {
  it.each([0, 1, 127, 128, 255, 256, 65_535, 65_536, 0xffff_ffff])(
    'reads request id %i the way the encoder writes it',
    (id) => {
      const bytes = encode({ type: 'peers', id, data: { peers: [] } })
      expect(peekType(bytes)).toBe('peers')
      expect(peekId(bytes)).toBe(id)
    },
  )

  it('reads no id from an envelope without one, or from bytes that are not an envelope', () => {
    expect(peekId(encode({ type: 'ping', data: { nonce: 1 } }))).toBeUndefined()
    expect(peekId(Uint8Array.of(0x93, 0x01))).toBeUndefined()
    expect(peekId(Uint8Array.of(0x93, 0x01, 0xce, 0x00))).toBeUndefined()
    expect(peekId(Uint8Array.of(0x92, 0x01, 0x05))).toBeUndefined()
    expect(peekType(Uint8Array.of(0x93, 0xcc, 0x05))).toBeUndefined()
  })
})
