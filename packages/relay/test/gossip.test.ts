import type { PeerId } from '@chainwire/interface'
import type { Message } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import { defaultMessageId, type RelayOptions } from '../src/index'
import { blockMessage, fakeId, txMessage } from './helpers/messages'
import { harness } from './helpers/setup'

const gossip = (extra: RelayOptions = {}): RelayOptions => ({
  relayMode: 'gossip',
  topics: { blocks: {}, transactions: {} },
  ...extra,
})

const idOf = (m: Parameters<typeof defaultMessageId>[1]['message'], topic = 'blocks') =>
  defaultMessageId(topic, { message: m as NonNullable<typeof m> })

describe('gossip mesh', () => {
  it('grafts D peers at the heartbeat and sends them GRAFT', async () => {
    const h = harness(gossip())
    h.peers(10)
    await h.clock.advanceAsync(1_000)
    const mesh = h.relay.mesh('blocks')
    expect(mesh).toHaveLength(6)
    expect(h.net.sentOf('graft').filter((g) => g.message.data.topic === 'blocks')).toHaveLength(6)
  })

  it('flood-publishes our own messages to every topic peer; relays others only to the mesh', async () => {
    const h = harness(gossip())
    const peers = h.peers(10)
    await h.clock.advanceAsync(1_000)
    h.relay.publish('blocks', blockMessage(1))
    expect(h.net.sentOf('new_block')).toHaveLength(10)
    h.net.clearSent()
    const mesh = h.relay.mesh('blocks')
    const outsider = peers.find((p) => !mesh.includes(p)) as PeerId
    await h.net.deliver(outsider, blockMessage(2))
    expect(
      h.net
        .sentOf('new_block')
        .map((s) => s.to)
        .sort(),
    ).toEqual([...mesh].sort())
  })

  it('without flood-publish, our own messages go to the mesh only', async () => {
    const h = harness(gossip({ gossip: { floodPublish: false } }))
    h.peers(10)
    await h.clock.advanceAsync(1_000)
    h.relay.publish('blocks', blockMessage(1))
    expect(h.net.sentOf('new_block')).toHaveLength(6)
  })

  it('gossips recent ids in IHAVE to Dlazy peers outside the mesh, and serves IWANT', async () => {
    const h = harness(gossip({ gossip: { Dlazy: 3 } }))
    const peers = h.peers(12)
    await h.clock.advanceAsync(1_000)
    const mesh = h.relay.mesh('blocks')
    const [from] = mesh as [PeerId]
    const block = blockMessage(3)
    await h.net.deliver(from, block)
    h.net.clearSent()
    await h.clock.advanceAsync(1_000)
    const ihaves = h.net.sentOf('ihave').filter((s) => s.message.data.topic === 'blocks')
    expect(ihaves).toHaveLength(3)
    for (const s of ihaves) {
      expect(mesh).not.toContain(s.to)
      expect(Buffer.from(s.message.data.messageIds[0] as Uint8Array)).toEqual(Buffer.from(idOf(block)))
    }
    const asker = peers.find((p) => !mesh.includes(p)) as PeerId
    h.net.clearSent()
    await h.net.deliver(asker, { type: 'iwant', data: { messageIds: [idOf(block)] } })
    expect(h.net.sentTo(asker, 'new_block')).toHaveLength(1)
  })

  it('IWANT for the same id 100 times: at most gossipRetransmission (3) copies', async () => {
    const h = harness(gossip())
    const [a, b] = h.peers(2) as [PeerId, PeerId]
    const block = blockMessage(4)
    await h.net.deliver(a, block)
    h.net.clearSent()
    const before = h.relay.status()
    for (let i = 0; i < 100; i++)
      await h.net.deliver(b, { type: 'iwant', data: { messageIds: [idOf(block)] } })
    expect(h.net.sentTo(b, 'new_block')).toHaveLength(3)
    const after = h.relay.status()
    expect(after.gossip.iwantServed).toBe(3)
    expect(after.gossip.iwantRefused).toBe(97)
    // bounded: the repeats left no trace beyond the one message's per-peer count
    expect(after.tables).toEqual(before.tables)
    expect([after.seenEntries, after.cachedMessages]).toEqual([before.seenEntries, before.cachedMessages])
    // and IWANT for 5,000 ids we never had costs nothing either
    const unknown = Array.from({ length: 5_000 }, (_, i) => fakeId(50_000 + i))
    await h.net.deliver(b, { type: 'iwant', data: { messageIds: unknown } })
    expect(h.relay.status().tables).toEqual(before.tables)
    expect(h.relay.status().seenEntries).toBe(before.seenEntries)
  })

  it('an IHAVE flood of 15,000 ids in one heartbeat: at most 5,000 processed, and the spammer falls', async () => {
    const h = harness(gossip())
    const [spammer, honest] = h.peers(2) as [PeerId, PeerId]
    const before = h.relay.score(spammer)
    for (let m = 0; m < 3; m++) {
      const messageIds = Array.from({ length: 5_000 }, (_, i) => fakeId(m * 5_000 + i))
      await h.net.deliver(spammer, { type: 'ihave', data: { topic: 'blocks', messageIds } })
    }
    const asked = h.net.sentTo(spammer, 'iwant').reduce((n, m) => n + m.data.messageIds.length, 0)
    expect(asked).toBe(5_000)
    expect(h.relay.status().tables.promises).toBe(5_000)
    expect(h.relay.status().gossip.ihaveIgnored).toBe(10_000)
    expect(h.reported(spammer, 'rate-limit-exceeded')).toBe(1)
    // the 5,000 promises it cannot keep break after iwantFollowupMs: its score falls, it is disconnected
    const graylisted: PeerId[] = []
    h.relay.on('peer:graylisted', (e) => graylisted.push(e.peerId))
    await h.clock.advanceAsync(4_000)
    expect(h.relay.status().gossip.brokenPromises).toBe(5_000)
    expect(h.relay.score(spammer)).toBeLessThan(before - 1_000)
    expect(graylisted).toEqual([spammer])
    expect(h.net.disconnects.map((d) => d.peerId)).toContain(spammer)
    expect(h.relay.score(honest)).toBeGreaterThanOrEqual(0)
    // bounded: the broken promises are gone, and the spammer's ids were never taken as seen
    expect(h.relay.status().tables.promises).toBe(0)
    expect(h.relay.status().seenEntries).toBe(0)
  })

  it('IHAVE floods from many peers: outstanding IWANT promises never exceed gossip.maxPromises', async () => {
    const h = harness(gossip({ gossip: { maxPromises: 2_000 } }))
    const spammers = h.peers(10)
    for (const [k, p] of spammers.entries()) {
      const messageIds = Array.from({ length: 5_000 }, (_, i) => fakeId(100_000 * (k + 1) + i))
      await h.net.deliver(p, { type: 'ihave', data: { topic: 'blocks', messageIds } })
      expect(h.relay.status().tables.promises).toBeLessThanOrEqual(2_000)
    }
    expect(h.relay.status().tables.promises).toBe(2_000)
  })

  it('GRAFT during backoff is penalised and answered with PRUNE', async () => {
    const h = harness(gossip())
    const [p] = h.peers(1) as [PeerId]
    await h.clock.advanceAsync(1_000)
    expect(h.relay.mesh('blocks')).toContain(p)
    await h.net.deliver(p, { type: 'prune', data: { topic: 'blocks', peers: [], backoffMs: 60_000 } })
    expect(h.relay.mesh('blocks')).not.toContain(p)
    // it prunes us; we must not graft it back during the backoff
    h.net.clearSent()
    await h.clock.advanceAsync(5_000)
    expect(h.net.sentTo(p, 'graft')).toHaveLength(0)
    // it grafts us during the backoff it asked for: a penalty (two: within the flood threshold) and a PRUNE
    await h.net.deliver(p, { type: 'graft', data: { topic: 'blocks' } })
    expect(h.relay.mesh('blocks')).not.toContain(p)
    expect(h.net.sentTo(p, 'prune')).toHaveLength(1)
    expect(h.reported(p, 'rate-limit-exceeded')).toBe(1)
    expect(h.relay.score(p)).toBeLessThan(0)
    // it keeps grafting: penalised until graylisted, then its control is ignored (no more PRUNEs to it) and
    // each GRAFT is one more penalty, until it is disconnected; the backoff table held one entry for it
    const backoffs = h.relay.status().tables.backoffs
    expect(backoffs).toBeGreaterThanOrEqual(1)
    for (let i = 0; i < 50 && h.net.getPeer(p) !== undefined; i++) {
      await h.net.deliver(p, { type: 'graft', data: { topic: 'blocks' } })
      expect(h.relay.status().tables.backoffs).toBeLessThanOrEqual(backoffs)
    }
    expect(h.reported(p, 'rate-limit-exceeded')).toBeGreaterThanOrEqual(2)
    expect(h.relay.isGraylisted(p)).toBe(true)
    expect(h.net.sentTo(p, 'prune').length).toBeLessThan(10)
    expect(h.relay.mesh('blocks')).not.toContain(p)
    expect(h.relay.status().graylisted).toBeGreaterThan(0)
    expect(h.net.disconnects).toEqual([{ peerId: p, reason: 'misbehaviour' }])
  })

  it('GRAFT or IHAVE for a topic we did not join is ignored, and creates no state', async () => {
    const h = harness(gossip())
    const [p] = h.peers(1, ['blocks']) as [PeerId]
    await h.clock.advanceAsync(1_000)
    h.net.clearSent()
    const before = h.relay.status()
    for (let i = 0; i < 200; i++) {
      await h.net.deliver(p, { type: 'graft', data: { topic: `unknown-${i}` } })
      await h.net.deliver(p, { type: 'ihave', data: { topic: `unknown-${i}`, messageIds: [fakeId(i)] } })
    }
    expect(h.net.sent).toHaveLength(0)
    expect(h.relay.mesh('unknown-1')).toEqual([])
    expect(h.relay.topics().sort()).toEqual(['blocks', 'transactions'])
    const after = h.relay.status()
    expect(after.seenEntries).toBe(before.seenEntries)
    expect(after.tables).toEqual(before.tables)
    expect(Object.keys(after.topics).sort()).toEqual(['blocks', 'transactions'])
    expect(h.relay.score(p)).toBeGreaterThanOrEqual(0)
  })

  it('a stream of invalid messages: rejected before relay, the peer graylisted, then disconnected', async () => {
    const h = harness(gossip({ topics: { blocks: { validator: () => 'reject' } } }))
    const [bad, other] = h.peers(2) as [PeerId, PeerId]
    await h.clock.advanceAsync(1_000)
    const graylisted: PeerId[] = []
    h.relay.on('peer:graylisted', (e) => graylisted.push(e.peerId))
    for (let i = 0; i < 3; i++) await h.net.deliver(bad, blockMessage(100 + i))
    expect(h.relay.status().topics.blocks?.rejected).toBe(3)
    expect(h.net.sentOf('new_block')).toHaveLength(0)
    expect(graylisted).toEqual([bad])
    expect(h.relay.isGraylisted(bad)).toBe(true)
    expect(h.reported(bad, 'bad-block')).toBe(3)
    // graylisted: what it sends is no longer even validated; it keeps sending, and is disconnected
    for (let i = 0; i < 5 && h.net.getPeer(bad) !== undefined; i++)
      await h.net.deliver(bad, blockMessage(200 + i))
    expect(h.relay.status().topics.blocks?.rejected).toBe(3)
    expect(h.net.disconnects).toEqual([{ peerId: bad, reason: 'misbehaviour' }])
    expect(h.relay.isGraylisted(other)).toBe(false)
    // bounded: only the 3 validated ids are remembered (what a graylisted peer sends is not even seen),
    // nothing was cached for relay, and the disconnected peer's score is the one retained entry beside other
    const s = h.relay.status()
    expect(s.seenEntries).toBe(3)
    expect(s.cachedMessages).toBe(0)
    expect(s.tables.scoredPeers).toBe(2)
  })

  const controls: Record<string, Message> = {
    ihave: { type: 'ihave', data: { topic: 'blocks', messageIds: [fakeId(9_001)] } },
    iwant: { type: 'iwant', data: { messageIds: [fakeId(9_002)] } },
    graft: { type: 'graft', data: { topic: 'blocks' } },
    prune: { type: 'prune', data: { topic: 'blocks', peers: [], backoffMs: 60_000 } },
    idontwant: { type: 'idontwant', data: { messageIds: [fakeId(9_003)] } },
    subscribe: { type: 'subscribe', data: { topics: [{ topic: 'blocks', subscribed: true }] } },
  }

  for (const [type, message] of Object.entries(controls)) {
    it(`a graylisted peer that keeps sending only ${type}: ignored, reported, then disconnected`, async () => {
      const h = harness(gossip({ topics: { blocks: { validator: () => 'reject' } } }))
      const [bad, honest] = h.peers(2) as [PeerId, PeerId]
      await h.clock.advanceAsync(1_000)
      for (let i = 0; i < 3; i++) await h.net.deliver(bad, blockMessage(300 + i))
      expect(h.relay.isGraylisted(bad)).toBe(true)
      expect(h.net.disconnects).toEqual([])
      // from now on it sends control only, one message per heartbeat, as an honest gossiper would
      const handled = h.relay.status().gossip
      let sent = 0
      while (h.net.getPeer(bad) !== undefined && sent < 20) {
        await h.net.deliver(bad, message)
        sent++
        await h.clock.advanceAsync(1_000)
      }
      expect(h.net.disconnects).toEqual([{ peerId: bad, reason: 'misbehaviour' }])
      expect(sent).toBeLessThanOrEqual(5)
      const reports = h.reports.filter((r) => r.peerId === bad && r.behaviour === 'rate-limit-exceeded')
      expect(reports.length).toBe(sent)
      expect(reports[0]?.detail).toBe(`${type} while graylisted`)
      // none of it was acted on: no IWANT asked, no control counted (the heartbeat pruned it from our mesh)
      expect(h.net.sentTo(bad, 'iwant')).toHaveLength(0)
      expect(h.relay.mesh('blocks')).not.toContain(bad)
      const g = h.relay.status().gossip
      expect([g.ihaveReceived, g.iwantReceived, g.graftReceived, g.pruneReceived]).toEqual([
        handled.ihaveReceived,
        handled.iwantReceived,
        handled.graftReceived,
        handled.pruneReceived,
      ])
      // the honest peer, which sends the same control without being graylisted, is untouched
      for (let i = 0; i < 5; i++) await h.net.deliver(honest, message)
      expect(h.reported(honest, 'rate-limit-exceeded')).toBe(0)
      expect(h.net.getPeer(honest)).toBeDefined()
    })
  }

  it('a graylisted peer asking get_data is answered not_found, penalised, then disconnected', async () => {
    const h = harness({ topics: { transactions: { strategy: 'announce', validator: () => 'reject' } } })
    const [bad] = h.peers(1) as [PeerId]
    for (let i = 0; i < 3; i++) await h.net.deliver(bad, txMessage(400 + i))
    expect(h.relay.isGraylisted(bad)).toBe(true)
    const items = [{ kind: 'tx' as const, hash: fakeId(9_100) }]
    let answers = 0
    while (h.net.getPeer(bad) !== undefined && answers < 20) {
      const answer = await h.net.deliver(bad, { type: 'get_data', data: { items } })
      expect(answer).toEqual({ type: 'not_found', data: { items } })
      answers++
    }
    expect(answers).toBeLessThanOrEqual(5)
    expect(h.net.disconnects).toEqual([{ peerId: bad, reason: 'misbehaviour' }])
    expect(h.reported(bad, 'rate-limit-exceeded')).toBe(answers)
    expect(h.relay.status().announce.getDataReceived).toBe(0)
  })

  it('IDONTWANT: sent to the mesh for a large message before validation; honoured when received', async () => {
    let release: (v: 'accept') => void = () => {}
    const h = harness(
      gossip({
        topics: {
          blocks: { validator: () => new Promise<'accept'>((r) => (release = r)) },
          transactions: {},
        },
      }),
    )
    h.peers(8)
    await h.clock.advanceAsync(1_000)
    const mesh = h.relay.mesh('blocks') as PeerId[]
    const [from, quiet] = mesh as [PeerId, PeerId]
    const big = blockMessage(5, 4_000)
    h.net.clearSent()
    // the mesh peer `quiet` already told us it has it
    await h.net.deliver(quiet, { type: 'idontwant', data: { messageIds: [idOf(big)] } })
    const validated = h.net.deliver(from, big)
    const dontWant = h.net.sentOf('idontwant')
    expect(dontWant.map((s) => s.to).sort()).toEqual(mesh.filter((p) => p !== from).sort())
    expect(h.net.sentOf('new_block')).toHaveLength(0) // nothing relayed before validation
    release('accept')
    await validated
    await new Promise((r) => setImmediate(r))
    const relayed = h.net.sentOf('new_block').map((s) => s.to)
    expect(relayed.sort()).toEqual(mesh.filter((p) => p !== from && p !== quiet).sort())
    expect(h.relay.status().gossip.skippedByIDontWant).toBe(1)
    // a small message earns no IDONTWANT
    h.net.clearSent()
    await h.net.deliver(from, txMessage(1, 10))
    expect(h.net.sentOf('idontwant')).toHaveLength(0)
  })

  it('an oversubscribed mesh is pruned to D at the heartbeat, keeping Dout outbound peers, with peer exchange', async () => {
    const h = harness(gossip())
    const inbound = h.peers(14, undefined, { direction: 'inbound' })
    const outbound = h.peers(3, undefined, { direction: 'outbound' })
    for (const p of inbound) await h.net.deliver(p, { type: 'graft', data: { topic: 'blocks' } })
    expect(h.relay.mesh('blocks').length).toBe(12) // Dhi: inbound grafts beyond it are refused
    expect(h.net.sentOf('prune')).toHaveLength(2)
    // first heartbeat: 2 outbound peers grafted (Dout); the next prunes down to D
    await h.clock.advanceAsync(2_000)
    const mesh = h.relay.mesh('blocks')
    expect(mesh).toHaveLength(6)
    expect(mesh.filter((p) => outbound.includes(p)).length).toBeGreaterThanOrEqual(2)
    const prunes = h.net.sentOf('prune').filter((s) => s.message.data.topic === 'blocks')
    expect(prunes.length).toBeGreaterThanOrEqual(6)
    expect(prunes.some((s) => s.message.data.peers.length > 0)).toBe(true)
  })

  it('a mesh peer that delivers nothing while the topic is busy loses its place (P3), honest ones keep theirs', async () => {
    const h = harness(gossip())
    h.peers(8)
    await h.clock.advanceAsync(1_000)
    const mesh = h.relay.mesh('blocks') as PeerId[]
    const censor = mesh[0] as PeerId
    const honest = mesh.slice(1)
    for (let i = 0; i < 60; i++) {
      // every honest mesh peer delivers (first or within the window); the censor never does
      const b = blockMessage(1_000 + i)
      for (const p of honest) await h.net.deliver(p, b)
      await h.clock.advanceAsync(1_000)
    }
    expect(h.relay.score(censor)).toBeLessThan(h.relay.score(honest[0] as PeerId))
    expect(h.relay.mesh('blocks')).not.toContain(censor)
    for (const p of honest) expect(h.relay.mesh('blocks')).toContain(p)
  })

  it('a quiet topic costs honest mesh peers nothing (the P3 threshold scales with traffic)', async () => {
    const h = harness(gossip())
    h.peers(8)
    await h.clock.advanceAsync(1_000)
    const mesh = h.relay.mesh('blocks')
    await h.clock.advanceAsync(300_000)
    expect(h.relay.mesh('blocks').sort()).toEqual([...mesh].sort())
    for (const p of mesh) expect(h.relay.score(p)).toBeGreaterThan(0)
  })

  it('a reconnecting peer keeps its penalties (the score is retained)', async () => {
    const h = harness(gossip({ topics: { blocks: { validator: () => 'reject' } } }))
    const [bad] = h.peers(1) as [PeerId]
    await h.net.deliver(bad, blockMessage(1))
    await h.net.deliver(bad, blockMessage(2))
    const penalised = h.relay.score(bad)
    expect(penalised).toBeLessThan(-20)
    h.net.drop(bad)
    h.net.connect(bad)
    expect(h.relay.score(bad)).toBeCloseTo(penalised, 5)
  })

  it('the heartbeat with 100 peers and 3 topics is measured and bounded by peers x topics', async () => {
    const h = harness({
      relayMode: 'gossip',
      topics: { blocks: {}, transactions: {}, consensus: { strategy: 'gossip' } },
    })
    h.peers(100)
    for (let i = 0; i < 50; i++) {
      h.relay.publish('transactions', txMessage(i))
      await h.clock.advanceAsync(1_000)
    }
    const hb = h.relay.status().heartbeat
    expect(hb.count).toBe(50)
    expect(hb.maxMs).toBeGreaterThan(0)
    expect(hb.totalMs).toBeGreaterThanOrEqual(hb.maxMs)
    for (const t of ['blocks', 'transactions', 'consensus']) expect(h.relay.mesh(t)).toHaveLength(6)
    // the work it sends is bounded: IHAVE to gossipFactor x 94 non-mesh peers (23) of the one busy topic per
    // heartbeat, each with at most historyGossip (3) heartbeats of ids
    const ihaves = h.net.sentOf('ihave')
    expect(ihaves.length).toBeGreaterThan(0)
    expect(ihaves.length).toBeLessThanOrEqual(50 * 23)
    for (const m of ihaves) expect(m.message.data.messageIds.length).toBeLessThanOrEqual(3)
  })

  it('the heartbeat does not send its IHAVE gossip itself: it goes out after it, at most 8 peers a task', async () => {
    const h = harness({
      relayMode: 'gossip',
      topics: { blocks: {}, transactions: {}, consensus: { strategy: 'gossip' } },
    })
    h.peers(100)
    await h.clock.advanceAsync(1_000)
    for (let i = 0; i < 20; i++) {
      h.relay.publish('transactions', txMessage(1_000 + i))
      h.relay.publish('blocks', blockMessage(600 + i, 100))
    }
    h.net.clearSent()
    const duringHeartbeat: number[] = []
    h.relay.on('heartbeat', () => duringHeartbeat.push(h.net.sentOf('ihave').length))
    const batches: number[] = []
    const broadcast = h.net.broadcast.bind(h.net)
    h.net.broadcast = (message, filter) => {
      const n = broadcast(message, filter)
      if (message.type === 'ihave') batches.push(n)
      return n
    }
    await h.clock.advanceAsync(1_000)
    expect(duringHeartbeat).toEqual([0])
    // 2 busy topics, about 23 peers each: 3 tasks a topic, none for more than 8 peers
    expect(h.net.sentOf('ihave').length).toBeGreaterThanOrEqual(2 * 20)
    expect(batches.length).toBeGreaterThanOrEqual(6)
    expect(Math.max(...batches)).toBeLessThanOrEqual(8)
    expect(batches.reduce((a, b) => a + b, 0)).toBe(h.net.sentOf('ihave').length)
    expect(h.relay.status().gossip.ihaveSent).toBeGreaterThanOrEqual(h.net.sentOf('ihave').length)
    // stopping the relay drops the tasks not run yet
    h.relay.stop()
    await h.clock.advanceAsync(1_000)
  })

  it('preamble: a large message is announced to each target just before it is sent; a small one is not', async () => {
    const h = harness(gossip())
    const peers = h.peers(8)
    await h.clock.advanceAsync(1_000)
    h.relay.publish('blocks', blockMessage(1, 100_000))
    for (const p of peers) {
      const types = h.net
        .sentTo(p)
        .map((m) => m.type)
        .filter((t) => t === 'preamble' || t === 'new_block')
      expect(types).toEqual(['preamble', 'new_block'])
    }
    h.net.clearSent()
    h.relay.publish('blocks', blockMessage(2, 2_000))
    expect(h.net.sentOf('preamble')).toHaveLength(0)
  })

  it('preamble: IDONTWANT at once to mesh peers at least as far as the announcer, to the rest when the message is here', async () => {
    const h = harness(gossip({ gossip: { D: 4, Dlo: 3, Dhi: 8, Dout: 1, Dscore: 2 } }))
    const near = h.peers(2, undefined, { latencyMs: 10 })
    const far = h.peers(2, undefined, { latencyMs: 200 })
    const [announcer] = h.peers(1, undefined, { latencyMs: 50 }) as [PeerId]
    for (const p of [...near, ...far]) await h.net.deliver(p, { type: 'graft', data: { topic: 'blocks' } })
    await h.net.deliver(announcer, { type: 'graft', data: { topic: 'blocks' } })
    const big = blockMessage(3, 100_000)
    h.net.clearSent()
    await h.net.deliver(announcer, { type: 'preamble', data: { topic: 'blocks', messageIds: [idOf(big)] } })
    expect(
      h.net
        .sentOf('idontwant')
        .map((s) => s.to)
        .sort(),
    ).toEqual([...far].sort())
    await h.net.deliver(announcer, big)
    const told = h.net.sentOf('idontwant').map((s) => s.to)
    expect(told.sort()).toEqual([...near, ...far].sort())
    expect(h.relay.status().gossip.preambleReceived).toBe(1)
  })

  it('preamble: a message announced and never sent breaks the promise; it is asked of a peer that has it', async () => {
    const h = harness(gossip({ gossip: { preambleTimeoutMs: 2_000 } }))
    h.peers(6, undefined, { latencyMs: 20 })
    await h.clock.advanceAsync(1_000)
    const [liar, holder] = h.relay.mesh('blocks') as [PeerId, PeerId]
    const id = fakeId(42)
    await h.net.deliver(holder, { type: 'idontwant', data: { messageIds: [id] } })
    await h.net.deliver(liar, { type: 'preamble', data: { topic: 'blocks', messageIds: [id] } })
    h.net.clearSent()
    await h.clock.advanceAsync(3_000)
    expect(h.relay.status().gossip.brokenPreambles).toBe(1)
    expect(h.reported(liar, 'timeout')).toBe(1)
    expect(h.net.sentTo(holder, 'iwant').map((m) => Buffer.from(m.data.messageIds[0] as Uint8Array))).toEqual(
      [Buffer.from(id)],
    )
  })

  it('IDONTWANT ids for one peer are batched per idontwantBatchMs (its control-message rate limit holds)', async () => {
    const h = harness(gossip())
    h.peers(8)
    await h.clock.advanceAsync(1_000)
    const [from, other] = h.relay.mesh('transactions') as [PeerId, PeerId]
    h.net.clearSent()
    for (let i = 0; i < 30; i++) await h.net.deliver(from, txMessage(500 + i, 2_000))
    await h.clock.advanceAsync(60)
    const toOther = h.net.sentTo(other, 'idontwant')
    expect(toOther).toHaveLength(2) // the first at once, the other 29 in one batch
    expect(toOther.reduce((n, m) => n + m.data.messageIds.length, 0)).toBe(30)
  })
})
