import type { PeerId } from '@chainwire/interface'
import { createIdentity } from '@chainwire/network'
import { decode, encode } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import { blockMessage, envelope, subscribe, voteMessage } from './helpers/messages'
import { harness } from './helpers/setup'

describe('selective', () => {
  it('relays only to peers scored above relayThreshold', async () => {
    const scores = new Map<PeerId, number>()
    const h = harness(
      { relayMode: 'selective', relayThreshold: 50, selectiveMinPeers: 2 },
      { scores: { getScore: (p) => scores.get(p) ?? 0 } },
    )
    const [src, good1, good2, good3, low] = h.peers(5) as PeerId[]
    scores
      .set(good1 as PeerId, 80)
      .set(good2 as PeerId, 60)
      .set(good3 as PeerId, 51)
      .set(low as PeerId, 50)
    await h.net.deliver(src as PeerId, blockMessage(1))
    expect(
      h.net
        .sentOf('new_block')
        .map((s) => s.to)
        .sort(),
    ).toEqual([good1, good2, good3].sort())
  })

  it('with fewer good peers than the floor, the best scored of the rest fill up to it (banned never)', async () => {
    const scores = new Map<PeerId, number>()
    const banned = new Set<PeerId>()
    const h = harness(
      { relayMode: 'selective', relayThreshold: 50, selectiveMinPeers: 3 },
      { scores: { getScore: (p) => scores.get(p) ?? 0, isBanned: (p) => banned.has(p) } },
    )
    const [src, good, mid, worse, worst, outlaw] = h.peers(6) as PeerId[]
    scores
      .set(good as PeerId, 90)
      .set(mid as PeerId, 30)
      .set(worse as PeerId, 10)
      .set(worst as PeerId, -20)
      .set(outlaw as PeerId, 45)
    banned.add(outlaw as PeerId)
    const r = h.relay.publish('blocks', blockMessage(2))
    expect(r.peers).toBe(3)
    expect(
      h.net
        .sentOf('new_block')
        .map((s) => s.to)
        .sort(),
    ).toEqual([good, mid, worse].sort())
    expect(h.net.sentTo(src as PeerId, 'new_block')).toHaveLength(0)
    expect(h.net.sentTo(worst as PeerId, 'new_block')).toHaveLength(0)
    expect(h.net.sentTo(outlaw as PeerId, 'new_block')).toHaveLength(0)
  })
})

describe('validator-only', () => {
  it('sends consensus messages only to validators (by hello role or by the validator set), in hop-limited envelopes', async () => {
    const h = harness({ maxRelayHops: 3 })
    const [full] = h.peers(1)
    const [byRole] = h.peers(1, undefined, { roles: ['full', 'validator'] })
    const known = createIdentity()
    h.net.connect(known.peerId)
    await h.net.deliver(known.peerId, subscribe('consensus'))
    // the validator set names `known`: it becomes a target
    h.relay.publish('consensus', {
      type: 'validator_set',
      data: { epoch: 1, validators: [{ publicKey: known.publicKey, power: 10 }] },
    })
    h.net.clearSent()
    h.relay.publish('consensus', voteMessage(1, new Uint8Array(32).fill(1)))
    const sent = h.net.sentOf('relay')
    expect(sent.map((s) => s.to).sort()).toEqual([byRole, known.peerId].sort())
    const env = sent[0]?.message.data
    expect(env?.topic).toBe('consensus')
    expect(env?.hops).toBe(0)
    expect(env?.ttl).toBe(3)
    expect(decode(env?.payload as Uint8Array).type).toBe('consensus_vote')
    expect(h.net.sentTo(full as PeerId, 'relay')).toHaveLength(0)
  })

  it('forwards a received envelope with one more hop, and not past the hop limit', async () => {
    const h = harness({ maxRelayHops: 3 })
    const [origin] = h.peers(1, undefined, { roles: ['validator'] }) as PeerId[]
    const [v2, v3] = h.peers(2, undefined, { roles: ['validator'] }) as PeerId[]
    const vote = (n: number) => encode(voteMessage(n, new Uint8Array(32).fill(2)))
    await h.net.deliver(
      origin as PeerId,
      envelope({ origin: origin as PeerId, hops: 0, ttl: 3, topic: 'consensus', payload: vote(1) }),
    )
    const fwd = h.net.sentOf('relay')
    expect(fwd.map((s) => s.to).sort()).toEqual([v2, v3].sort())
    expect(fwd[0]?.message.data.hops).toBe(1)
    h.net.clearSent()
    // at hop 2 of 3: delivered here, relayed no further
    const got: number[] = []
    h.relay.on('message', (m) => got.push(m.hops))
    await h.net.deliver(
      v2 as PeerId,
      envelope({ origin: origin as PeerId, hops: 2, ttl: 3, topic: 'consensus', payload: vote(2) }),
    )
    expect(got).toEqual([2])
    expect(h.net.sentOf('relay')).toHaveLength(0)
    expect(h.relay.status().topics.consensus?.hopLimit).toBe(1)
  })
})
