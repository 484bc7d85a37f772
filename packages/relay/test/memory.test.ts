/**
 * Several real @chainwire/network nodes on the memory transport (Noise, hello, send queues, the real message
 * events), each with its relay, on one manual clock.
 */
import { createIdentity } from '@chainwire/network'
import { createPeerScoring } from '@chainwire/peer-scoring'
import type { Message } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import { blockMessage, fakeId, txMessage, voteMessage } from './helpers/messages'
import { TestCluster, type TestNode } from './helpers/nodes'

let cluster: TestCluster
afterEach(async () => {
  await cluster.stop()
})

async function ring(n: number, options: Parameters<TestCluster['add']>[1]): Promise<TestNode[]> {
  cluster = new TestCluster()
  const nodes: TestNode[] = []
  for (let i = 0; i < n; i++) nodes.push(await cluster.add(`n${i}`, options))
  for (let i = 0; i < n; i++) {
    await cluster.connect(nodes[i] as TestNode, nodes[(i + 1) % n] as TestNode)
    if (i % 2 === 0) await cluster.connect(nodes[i] as TestNode, nodes[(i + 3) % n] as TestNode)
  }
  return nodes
}

describe('relay over real networks (memory transport)', () => {
  it('gossip: the mesh forms and a published block reaches every node exactly once', async () => {
    const nodes = await ring(8, { relayMode: 'gossip', gossip: { D: 3, Dlo: 2, Dhi: 5, Dout: 1, Dlazy: 2 } })
    await cluster.advance(3_000)
    for (const n of nodes) expect(n.relay.mesh('blocks').length).toBeGreaterThanOrEqual(2)
    const origin = nodes[0] as TestNode
    origin.relay.publish('blocks', blockMessage(1, 5_000, cluster.clock.now()))
    await cluster.advance(2_000)
    for (const n of nodes.slice(1)) {
      expect(n.got.filter((m) => m.topic === 'blocks')).toHaveLength(1)
    }
    expect(origin.got).toHaveLength(0)
  })

  it('flood: transactions reach every node; duplicates are counted, never delivered twice', async () => {
    const nodes = await ring(6, { relayMode: 'flood' })
    for (let i = 0; i < 5; i++) (nodes[i] as TestNode).relay.publish('transactions', txMessage(i))
    await cluster.advance(1_000)
    for (const [i, n] of nodes.entries()) {
      const txs = n.got.filter((m) => m.topic === 'transactions')
      expect(txs).toHaveLength(i < 5 ? 4 : 5)
    }
    const dups = nodes.reduce((s, n) => s + (n.relay.status().topics.transactions?.duplicate ?? 0), 0)
    expect(dups).toBeGreaterThan(0)
  })

  it('announce-pull: a transaction spreads by inv and get_data over trickle delays', async () => {
    const nodes = await ring(6, { topics: { transactions: { strategy: 'announce' } } })
    ;(nodes[0] as TestNode).relay.publish('transactions', txMessage(42))
    await cluster.advance(40_000, 500)
    for (const n of nodes.slice(1)) expect(n.got.map((m) => m.message?.type)).toEqual(['new_transaction'])
    const requested = nodes.reduce((s, n) => s + n.relay.status().announce.itemsRequested, 0)
    expect(requested).toBe(5) // one request per node that lacked it
    const full = nodes.reduce(
      (s, n) =>
        s +
        n.network
          .getNetworkStatus()
          .peers.reduce((x, p) => x + (p.messagesIn.new_transaction?.messages ?? 0), 0),
      0,
    )
    expect(full).toBe(5) // announce-pull never sends the body twice
  })

  it('direct relay reaches a node three hops away along a line, once', async () => {
    cluster = new TestCluster()
    const line: TestNode[] = []
    for (let i = 0; i < 4; i++) line.push(await cluster.add(`d${i}`, { maxRelayHops: 3 }))
    for (let i = 0; i < 3; i++) await cluster.connect(line[i] as TestNode, line[i + 1] as TestNode)
    const got: string[] = []
    ;(line[3] as TestNode).relay.on('direct', (m) => got.push(Buffer.from(m.payload).toString()))
    const r = (line[0] as TestNode).relay.sendDirect(
      (line[3] as TestNode).network.peerId,
      new Uint8Array(Buffer.from('hello d3')),
    )
    expect(r.status).toBe('forwarded')
    await cluster.advance(500)
    expect(got).toEqual(['hello d3'])
    expect((line[1] as TestNode).relay.status().direct.forwarded).toBe(1)
    expect((line[2] as TestNode).relay.status().direct.forwarded).toBe(1)
  })

  it('validator-only: consensus reaches validators and never full nodes', async () => {
    cluster = new TestCluster()
    const v = [] as TestNode[]
    for (let i = 0; i < 3; i++) v.push(await cluster.add(`v${i}`, {}, { roles: ['full', 'validator'] }))
    const full = await cluster.add('f0')
    await cluster.connect(v[0] as TestNode, v[1] as TestNode)
    await cluster.connect(v[1] as TestNode, v[2] as TestNode)
    await cluster.connect(full, v[1] as TestNode)
    await cluster.connect(full, v[0] as TestNode)
    ;(v[0] as TestNode).relay.publish('consensus', voteMessage(10, createIdentity().publicKey))
    await cluster.advance(500)
    expect((v[1] as TestNode).got.map((m) => m.message?.type)).toEqual(['consensus_vote'])
    expect((v[2] as TestNode).got.map((m) => m.hops)).toEqual([1])
    expect(full.got).toHaveLength(0)
  })

  it('a graylisted peer that keeps sending only control is disconnected and reported to peer-scoring', async () => {
    cluster = new TestCluster()
    const scoring = createPeerScoring({ clock: cluster.clock })
    const victim = await cluster.add(
      'victim',
      { relayMode: 'gossip', topics: { blocks: { validator: () => 'reject' } } },
      { components: { misbehaviour: scoring } },
    )
    const bad = await cluster.add('bad', { relayMode: 'gossip', topics: { blocks: {} } })
    await cluster.connect(bad, victim)
    await cluster.advance(2_000)
    // from here on the bad node speaks through its network only: three invalid blocks, then only control
    bad.relay.stop()
    const badId = bad.network.peerId
    for (let i = 0; i < 3; i++)
      await bad.network.send(victim.network.peerId, blockMessage(500 + i, 2_000, cluster.clock.now()))
    await cluster.settle()
    expect(victim.relay.isGraylisted(badId)).toBe(true)
    expect(victim.network.getPeer(badId)).toBeDefined()
    const control: Message[] = [
      { type: 'ihave', data: { topic: 'blocks', messageIds: [fakeId(1)] } },
      { type: 'graft', data: { topic: 'blocks' } },
      { type: 'iwant', data: { messageIds: [fakeId(2)] } },
      { type: 'prune', data: { topic: 'blocks', peers: [], backoffMs: 60_000 } },
    ]
    let sent = 0
    while (victim.network.getPeer(badId) !== undefined && sent < 20) {
      await bad.network.send(victim.network.peerId, control[sent % control.length] as Message)
      sent++
      await cluster.advance(1_000)
    }
    expect(victim.network.getPeer(badId)).toBeUndefined()
    expect(bad.network.getPeer(victim.network.peerId)).toBeUndefined()
    expect(sent).toBeLessThanOrEqual(5)
    const kinds = scoring.explain(badId).events.map((e) => e.kind)
    expect(kinds.filter((k) => k === 'bad-block')).toHaveLength(3)
    expect(kinds).toContain('rate-limit-exceeded')
    expect(victim.relay.status().gossip.ihaveReceived).toBe(0)
  })
})
