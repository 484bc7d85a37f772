import type { PeerId } from '@chainwire/interface'
import { MemoryMetrics, testPeerId } from '@chainwire/interface/testing'
import { createIdentity } from '@chainwire/network'
import { describe, expect, it } from 'vitest'
import { createRelay, type PeerExchangeEvent } from '../src/index'
import { FakeNetwork } from './helpers/fake-network'
import { blockMessage, subscribe, txMessage, voteMessage } from './helpers/messages'
import { harness } from './helpers/setup'

const code = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (err) {
    return (err as { code?: unknown; details?: { option?: unknown } }).code === 'ERR_INVALID_OPTIONS'
      ? (err as { details: { option: unknown } }).details.option
      : (err as { code?: unknown }).code
  }
  return undefined
}

describe('options and errors', () => {
  it('a bad option throws ERR_INVALID_OPTIONS naming it', () => {
    const net = new FakeNetwork()
    expect(code(() => createRelay({ network: net }, { relayMode: 'shout' as never }))).toBe(
      'options.relayMode',
    )
    expect(code(() => createRelay({ network: net }, { maxRelayHops: 17 }))).toBe('options.maxRelayHops')
    expect(code(() => createRelay({ network: net }, { gossip: { D: 20 } }))).toBe('options.gossip.D')
    expect(code(() => createRelay({ network: net }, { gossip: { Dout: 4 } }))).toBe('options.gossip.Dout')
    expect(code(() => createRelay({ network: net }, { score: { graylistThreshold: -5 } }))).toBe(
      'options.score.graylistThreshold',
    )
    expect(code(() => createRelay({ network: net }, { topics: { chat: { strategy: 'announce' } } }))).toBe(
      'options.topics.chat.strategy',
    )
    expect(code(() => createRelay({ network: net }, { topics: { 'bad topic': {} } }))).toBe('options.topics')
    expect(
      code(() => createRelay({ network: net }, { topics: { blocks: { score: { topicWeight: -1 } } } })),
    ).toBe('options.topics.blocks.score.topicWeight')
    expect(code(() => createRelay({ network: net }, { colour: 'blue' } as never))).toBe('options.colour')
  })

  it('publish: unknown topic, wrong content, duplicates', () => {
    const h = harness({ topics: { blocks: {}, chat: {} } })
    expect(code(() => h.relay.publish('nope', new Uint8Array(1)))).toBe('ERR_UNKNOWN_TOPIC')
    expect(code(() => h.relay.publish('blocks', txMessage(1)))).toBe('ERR_WRONG_TOPIC')
    expect(code(() => h.relay.publish('blocks', new Uint8Array(3)))).toBe('ERR_WRONG_TOPIC')
    expect(code(() => h.relay.publish('chat', blockMessage(1)))).toBe('ERR_WRONG_TOPIC')
    h.relay.publish('chat', new Uint8Array([1, 2, 3]))
    expect(code(() => h.relay.publish('chat', new Uint8Array([1, 2, 3])))).toBe('ERR_DUPLICATE')
    expect(code(() => h.relay.publish('blocks', blockMessage(1)))).toBe(undefined)
  })

  it('a topic id function that returns other than 32 bytes is refused', () => {
    const h = harness({ topics: { chat: { messageId: () => new Uint8Array(5) } } })
    expect(code(() => h.relay.publish('chat', new Uint8Array(1)))).toBe('ERR_BAD_MESSAGE_ID')
  })
})

describe('topics at run time', () => {
  it('join and leave tell every peer; a peer that leaves a topic gets none of its messages', async () => {
    const h = harness({ topics: { blocks: {} } })
    const [a, b] = h.peers(2, ['blocks', 'chat']) as [PeerId, PeerId]
    h.net.clearSent()
    h.relay.join('chat')
    expect(h.net.sentOf('subscribe').map((s) => s.message.data.topics)).toEqual([
      [{ topic: 'chat', subscribed: true }],
      [{ topic: 'chat', subscribed: true }],
    ])
    await h.net.deliver(b, { type: 'subscribe', data: { topics: [{ topic: 'chat', subscribed: false }] } })
    h.relay.publish('chat', new Uint8Array([9]))
    expect(h.net.sentOf('relay').map((s) => s.to)).toEqual([a])
    h.relay.leave('chat')
    expect(h.relay.topics()).toEqual(['blocks'])
    expect(h.net.sentOf('subscribe').at(-1)?.message.data.topics).toEqual([
      { topic: 'chat', subscribed: false },
    ])
    expect(code(() => h.relay.publish('chat', new Uint8Array([8])))).toBe('ERR_UNKNOWN_TOPIC')
  })

  it('at most maxTopics topics', () => {
    const h = harness({ maxTopics: 2, topics: { blocks: {} } })
    h.relay.join('a')
    expect(code(() => h.relay.join('b'))).toBe('ERR_TOO_MANY_TOPICS')
  })

  it('validators set out of band and from a received validator_set are both targets', async () => {
    const h = harness()
    const known = createIdentity()
    const fromSet = createIdentity()
    for (const id of [known.peerId, fromSet.peerId]) {
      h.net.connect(id)
      await h.net.deliver(id, subscribe('consensus'))
    }
    const [plain] = h.peers(1) as [PeerId]
    h.relay.setValidators([known.peerId])
    await h.net.deliver(plain, {
      type: 'validator_set',
      data: { epoch: 2, validators: [{ publicKey: fromSet.publicKey, power: 1 }] },
    })
    h.net.clearSent()
    h.relay.publish('consensus', voteMessage(1, new Uint8Array(32).fill(3)))
    expect(
      h.net
        .sentOf('relay')
        .map((s) => s.to)
        .sort(),
    ).toEqual([known.peerId, fromSet.peerId].sort())
  })
})

describe('score terms', () => {
  it('P6: more than 4 peers from one IP score negative and are not grafted', async () => {
    const h = harness({ relayMode: 'gossip', topics: { blocks: {} } })
    const crowd = h.peers(6, ['blocks'], { host: '10.9.9.9' })
    const [loner] = h.peers(1, ['blocks']) as [PeerId]
    for (const p of crowd) expect(h.relay.score(p)).toBeLessThan(0)
    expect(h.relay.score(loner)).toBe(0)
    await h.clock.advanceAsync(1_000)
    expect(h.relay.mesh('blocks')).toEqual([loner])
  })

  it('P5 and opportunistic grafting: a mesh of poor peers takes in better ones every 60 heartbeats', async () => {
    const app = new Map<PeerId, number>()
    const h = harness(
      {
        relayMode: 'gossip',
        topics: { blocks: {} },
        gossip: { D: 4, Dlo: 3, Dhi: 8, Dout: 1, Dscore: 2 },
        score: { opportunisticGraftThreshold: 5 },
      },
      { scores: { getScore: (p) => app.get(p) ?? 0 } },
    )
    // the first four form the mesh: after 60 s in it their score (P1: 2) is below the threshold of 5
    const poor = h.peers(4, ['blocks'])
    await h.clock.advanceAsync(1_000)
    expect(h.relay.mesh('blocks').sort()).toEqual([...poor].sort())
    const good = h.peers(3, ['blocks'])
    for (const p of good) app.set(p, 80)
    await h.clock.advanceAsync(58_000)
    expect(h.relay.mesh('blocks').filter((p) => good.includes(p))).toHaveLength(0)
    await h.clock.advanceAsync(2_000)
    expect(h.relay.mesh('blocks').filter((p) => good.includes(p))).toHaveLength(2)
  })

  it('peer exchange on PRUNE: believed from a well-scored peer, dialed while the topic is short of peers', async () => {
    const app = new Map<PeerId, number>()
    const h = harness(
      { relayMode: 'gossip', topics: { blocks: {} } },
      { scores: { getScore: (p) => app.get(p) ?? 0 } },
    )
    const [trusted, stranger] = h.peers(2, ['blocks']) as [PeerId, PeerId]
    app.set(trusted, 100)
    const events: PeerExchangeEvent[] = []
    h.relay.on('peer-exchange', (e) => events.push(e))
    const px = [1, 2, 3].map((i) => ({ peerId: testPeerId(50_000 + i), addrs: [`memory://px${i}`] }))
    await h.net.deliver(stranger, { type: 'prune', data: { topic: 'blocks', peers: px } })
    expect(events).toHaveLength(0)
    await h.net.deliver(trusted, { type: 'prune', data: { topic: 'blocks', peers: px } })
    expect(events.map((e) => e.peers.length)).toEqual([3])
    expect(h.net.dials).toEqual(['memory://px1', 'memory://px2', 'memory://px3'])
  })
})

describe('metrics', () => {
  it('records messages by topic and outcome, gossip control, mesh size and heartbeats', async () => {
    const metrics = new MemoryMetrics()
    const h = harness({ relayMode: 'gossip', topics: { blocks: {} } }, { metrics })
    const [a] = h.peers(8, ['blocks']) as [PeerId]
    await h.clock.advanceAsync(1_000)
    await h.net.deliver(a, blockMessage(1))
    await h.net.deliver(a, blockMessage(1))
    h.relay.publish('blocks', blockMessage(2))
    await h.clock.advanceAsync(1_000)
    expect(metrics.get('chainwire_relay_messages_total', { topic: 'blocks', outcome: 'accepted' })).toBe(1)
    expect(metrics.get('chainwire_relay_messages_total', { topic: 'blocks', outcome: 'duplicate' })).toBe(1)
    expect(metrics.get('chainwire_relay_messages_total', { topic: 'blocks', outcome: 'published' })).toBe(1)
    expect(metrics.get('chainwire_relay_mesh_peers', { topic: 'blocks' })).toBe(6)
    expect(metrics.get('chainwire_relay_gossip_control_total', { type: 'graft', direction: 'out' })).toBe(6)
    expect(metrics.observations('chainwire_relay_heartbeat_seconds').length).toBe(2)
  })
})
