import type { PeerId } from '@chainwire/interface'
import { testPeerId } from '@chainwire/interface/testing'
import { describe, expect, it } from 'vitest'
import type { DirectMessage, RoutingMetric } from '../src/index'
import { envelope } from './helpers/messages'
import { harness } from './helpers/setup'

const bytes = (s: string) => new Uint8Array(Buffer.from(s))

/** A toy metric for tests: peers are closer the longer the prefix they share with the target. */
const prefixMetric: RoutingMetric = {
  compare(target, a, b) {
    const common = (x: string) => {
      let i = 0
      while (i < x.length && x[i] === target[i]) i++
      return i
    }
    return common(b) - common(a)
  },
}

describe('direct relay', () => {
  it('sends straight to a connected target, with origin, target, hops 0, the ttl and an expiry', () => {
    const h = harness({ maxRelayHops: 4 })
    const [t] = h.peers(2) as [PeerId, PeerId]
    const r = h.relay.sendDirect(t, bytes('hi'))
    expect(r.status).toBe('delivered-to-neighbour')
    expect(r.via).toEqual([t])
    const env = h.net.sentTo(t, 'relay')[0]?.data
    expect(env).toMatchObject({ origin: h.net.peerId, target: t, hops: 0, ttl: 4 })
    expect(env?.expiresAt).toBe(h.clock.now() + 3_600_000)
  })

  it('routes greedily: to the connected peer closest to the target by the DHT metric', () => {
    const h = harness({}, { routing: prefixMetric })
    const target = `cwzzzz${testPeerId(1).slice(6)}`
    const near = `cwzzz${testPeerId(2).slice(5)}`
    const far = testPeerId(3)
    h.net.connect(near)
    h.net.connect(far)
    const r = h.relay.sendDirect(target, bytes('x'))
    expect(r).toMatchObject({ status: 'forwarded', via: [near] })
  })

  it('routes back along the reverse path of an envelope from the target', async () => {
    const h = harness({ maxRelayHops: 5 })
    const [x] = h.peers(3) as [PeerId, PeerId, PeerId]
    const far = testPeerId(777)
    // an envelope from `far` to someone else came through x: x is a way to far
    await h.net.deliver(
      x,
      envelope({
        origin: far,
        target: testPeerId(778),
        hops: 1,
        ttl: 5,
        payload: bytes('via x'),
        expiresAt: h.clock.now() + 1_000,
      }),
    )
    h.net.clearSent()
    const r = h.relay.sendDirect(far, bytes('reply'))
    expect(r).toMatchObject({ status: 'forwarded', via: [x] })
  })

  it('delivers an envelope addressed to us once, as a direct event', async () => {
    const h = harness()
    const [a, b] = h.peers(2) as [PeerId, PeerId]
    const got: DirectMessage[] = []
    h.relay.on('direct', (m) => got.push(m))
    const e = (hops: number, from: PeerId) =>
      h.net.deliver(
        from,
        envelope({
          origin: a,
          target: h.net.peerId,
          hops,
          ttl: 3,
          topic: 'rpc',
          payload: bytes('ping'),
          expiresAt: h.clock.now() + 5_000,
        }),
      )
    await e(0, a)
    await e(1, b)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ origin: a, topic: 'rpc', hops: 0, from: a })
    expect(Buffer.from(got[0]?.payload as Uint8Array).toString()).toBe('ping')
    expect(h.net.sentOf('relay')).toHaveLength(0)
  })

  it('without a route: no-route; bad targets are refused', () => {
    const h = harness()
    expect(h.relay.sendDirect(testPeerId(5), bytes('x')).status).toBe('no-route')
    expect(() => h.relay.sendDirect(h.net.peerId, bytes('x'))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_TARGET' }),
    )
    expect(() => h.relay.sendDirect('cw123', bytes('x'))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_TARGET' }),
    )
  })
})
