/**
 * The four address-hardening rules, each against the public API on a fake network with a manual clock:
 * addresses a peer announces are filed under the connection they came over; anchors are dialed before
 * anything from the table; a third party's `nodes` reply never plants an address for a node it names; and
 * the DHT's per-/24 limits count the connection's real remote address, not a claimed listen address.
 */
import { ManualClock, seededRandom, settle, testPeerId } from '@chainwire/interface/testing'
import { createPeerStore, type PeerStore } from '@chainwire/peer-store'
import type { Message } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bucketIndex,
  createDht,
  createDialer,
  createPeerExchange,
  type DialKind,
  type KademliaDht,
  nodeIdOf,
} from '../src/index'
import { FakeHub, type FakeNetwork } from './helpers/fake-network'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function openStore(clock: ManualClock): Promise<PeerStore> {
  const store = createPeerStore({ clock }, { allowNonRoutable: true, salt: new Uint8Array(32).fill(3) })
  await store.open()
  cleanup.push(() => store.stop())
  return store
}

/** Our node at tcp://30.0.0.1:9333 on a fake network with `latencyMs` per hop, and its peer store. */
async function ourNode(latencyMs: number, peerId?: string) {
  const clock = new ManualClock()
  const hub = new FakeHub(clock, latencyMs)
  const me = hub.add('tcp://30.0.0.1:9333', peerId === undefined ? {} : { peerId })
  const store = await openStore(clock)
  return { clock, hub, me, store }
}

async function startDht(
  clock: ManualClock,
  me: FakeNetwork,
  store?: PeerStore,
  k?: number,
): Promise<KademliaDht> {
  const dht = createDht(
    { clock, network: me, ...(store === undefined ? {} : { peerStore: store }) },
    { requestTimeoutMs: 500, initialLookupDelayMs: 60_000, ...(k === undefined ? {} : { k }) },
  )
  await dht.start()
  cleanup.push(() => dht.stop())
  return dht
}

describe('hello listen addresses (issue 11, item 1)', () => {
  it('are filed under the group of the connection they came over, with the announcing peer as source', async () => {
    const { clock, hub, me, store } = await ourNode(0)
    const pex = createPeerExchange({ clock, network: me, peerStore: store }, { requestOnConnect: false })
    await pex.start()
    cleanup.push(() => pex.stop())
    // 64 inbound peers, all connecting from 66.66.0.0/16, each claiming 8 listen addresses in 8 other /16s
    const claims: string[] = []
    for (let i = 0; i < 64; i++) {
      const own = Array.from({ length: 8 }, (_, j) => `tcp://${1 + ((i * 8 + j) % 99)}.${i}.${j}.1:9333`)
      claims.push(...own)
      const attacker = hub.add(`tcp://66.66.${i}.1:40000`, { announce: own })
      await attacker.dial(me.address, { kind: 'full-relay' })
    }
    const buckets = new Set<number>()
    const stored = claims.map((c) => store.getAddress(c)).filter((info) => info !== undefined)
    expect(stored.length).toBeGreaterThan(claims.length / 2) // the rest collided in the source's 64 buckets
    for (const info of stored) {
      expect(info.source).toEqual({ peerId: info.peerId, group: 'ipv4:66.66' })
      for (const b of info.buckets) buckets.add(b)
    }
    // one source group reaches at most 64 of the 1,024 new buckets (filed under their own groups: ~400)
    expect(buckets.size).toBeLessThanOrEqual(64)
  })
})

describe('anchors after a restart (issue 11, item 2)', () => {
  it('are dialed before any dial from the table, and the table waits until they connected', async () => {
    const { clock, hub, me, store } = await ourNode(5)
    const nodes: FakeNetwork[] = []
    for (let i = 0; i < 20; i++) {
      const n = hub.add(`tcp://30.${10 + i}.0.1:9333`)
      nodes.push(n)
      store.addAddresses(n.peerId, [n.address], { source: { address: 'tcp://31.0.0.1:9333' } })
    }
    const anchors = nodes.slice(0, 2).map((n) => ({ peerId: n.peerId, address: n.address }))
    store.saveAnchors(anchors)
    const order: { address: string; kind: DialKind | undefined; anchorsConnected: number }[] = []
    const dial = me.dial.bind(me)
    me.dial = (address, options) => {
      const anchorsConnected = anchors.filter((a) => me.conns.has(a.peerId)).length
      order.push({ address, kind: options?.kind, anchorsConnected })
      return dial(address, options)
    }
    const dialer = createDialer(
      { clock, network: me, peerStore: store },
      {
        outboundFullRelay: 8,
        outboundBlockRelay: 2,
        maxPendingDials: 4,
        intervalMs: 100,
        feelerIntervalMs: 0,
      },
    )
    await dialer.start()
    cleanup.push(() => dialer.stop())
    await clock.advanceAsync(3_000)
    expect(order.slice(0, 2).map((d) => [d.address, d.kind])).toEqual(
      anchors.map((a) => [a.address, 'block-relay']),
    )
    const firstFromTable = order.find((d) => d.kind === 'full-relay')
    expect(firstFromTable?.anchorsConnected).toBe(2)
    expect(me.peers().filter((p) => p.kind === 'full-relay')).toHaveLength(8)
  })
})

const EMPTY_NODES: Message = { type: 'nodes', data: { nodes: [] } }

describe('a third party naming a node in its nodes reply (issue 11, item 3)', () => {
  async function setup() {
    const r = seededRandom(62)
    const { clock, hub, me, store } = await ourNode(5, testPeerId(r))
    const victim = hub.add('tcp://20.1.0.1:9333', { peerId: testPeerId(r) })
    const attacker = hub.add('tcp://66.6.0.1:9333', { peerId: testPeerId(r) })
    const asker = hub.add('tcp://40.1.0.1:9333', { peerId: testPeerId(r) })
    const planted = 'tcp://66.6.6.6:9333'
    victim.responder = (msg): Message | undefined => (msg.type === 'find_node' ? EMPTY_NODES : undefined)
    attacker.responder = (msg): Message | undefined =>
      msg.type === 'find_node'
        ? { type: 'nodes', data: { nodes: [{ peerId: victim.peerId, addrs: [planted] }] } }
        : undefined
    const dht = await startDht(clock, me, store, 2)
    const lookup = (target: Uint8Array) => settle(clock, dht.findNode(target))
    const served = async (): Promise<string[]> => {
      const reply = await settle(
        clock,
        asker.request(me.peerId, {
          type: 'find_node',
          data: { target: nodeIdOf(victim.peerId) as Uint8Array },
        }),
      )
      return reply.type === 'nodes'
        ? reply.data.nodes.filter((n) => n.peerId === victim.peerId).flatMap((n) => n.addrs)
        : []
    }
    /** We dial the victim (as `victimKind`) and the attacker; the asker connects to us. */
    const connect = async (victimKind: DialKind) => {
      await settle(clock, me.dial(victim.address, { kind: victimKind }))
      await settle(clock, me.dial(attacker.address, { kind: 'full-relay' }))
      await settle(clock, asker.dial(me.address, { kind: 'full-relay' }))
      await clock.advanceAsync(100)
    }
    /** The victim's proven address is what the table holds and serves; the planted one is nowhere. */
    const expectOnlyProven = async () => {
      expect(dht.table.get(victim.peerId)?.addrs).toEqual([victim.address])
      expect(await served()).toEqual([victim.address])
      expect(store.getAddress(planted)).toBeUndefined()
    }
    return { victim, dht, lookup, connect, expectOnlyProven, clock }
  }

  it('never moves a verified contact’s proven address, and what we serve and store stays proven', async () => {
    const s = await setup()
    await s.connect('full-relay')
    expect(s.dht.table.get(s.victim.peerId)?.addrs).toEqual([s.victim.address])
    // the victim missed a liveness check (kept: its bucket has no replacement), so lookups start elsewhere
    s.dht.table.markFailed(s.victim.peerId)
    await s.lookup(nodeIdOf(s.victim.peerId) as Uint8Array)
    expect(s.dht.table.get(s.victim.peerId)?.failures).toBe(0) // it answered again, over its connection
    await s.expectOnlyProven()
  })

  it('admits a connected node that is not in the table only at what its connection proves', async () => {
    const s = await setup()
    await s.connect('feeler') // connected, but a feeler never enters the table
    expect(s.dht.table.get(s.victim.peerId)).toBeUndefined()
    await s.lookup(nodeIdOf(s.victim.peerId) as Uint8Array)
    await s.expectOnlyProven()
    expect(await settle(s.clock, s.dht.findPeer(s.victim.peerId))).toEqual([s.victim.address])
  })
})

describe('the DHT per-subnet limits (issue 11, item 4)', () => {
  it('count the /24 an inbound peer really connects from, not the /24s it claims', async () => {
    const r = seededRandom(61)
    const { clock, hub, me, store } = await ourNode(5, testPeerId(r))
    const self = nodeIdOf(me.peerId) as Uint8Array
    const dht = await startDht(clock, me, store)
    // 6 inbound peers of one bucket, all from 44.1.5.0/24, each claiming a listen address in another /24
    const attackers: FakeNetwork[] = []
    while (attackers.length < 6) {
      const peerId = testPeerId(r)
      if (bucketIndex(self, nodeIdOf(peerId) as Uint8Array) !== 0) continue
      const i = attackers.length
      const a = hub.add(`tcp://44.1.5.${10 + i}:40000`, { peerId, announce: [`tcp://77.${i}.0.1:9333`] })
      a.responder = (msg) => (msg.type === 'find_node' ? EMPTY_NODES : undefined) // a live DHT node
      attackers.push(a)
    }
    for (const a of attackers) await settle(clock, a.dial(me.address, { kind: 'full-relay' }))
    await clock.advanceAsync(2_000)
    expect(me.requests.get('find_node')).toBe(6) // each answered our verification
    const admitted = attackers.map((a) => dht.table.get(a.peerId)).filter((c) => c !== undefined)
    expect(admitted).toHaveLength(2) // maxPerSubnetPerBucket
    for (const c of admitted) {
      expect(c.subnet).toBe('ipv4:44.1.5')
      expect(c.addrs).toEqual([]) // the claim is not proven: kept to dial, never served
      expect(c.claimed).toHaveLength(1)
    }
    // nothing of theirs is served, and the store has their claims only under their connection's source
    const asker = hub.add('tcp://40.1.0.1:9333')
    await settle(clock, asker.dial(me.address, { kind: 'full-relay' }))
    const reply = await settle(clock, asker.request(me.peerId, { type: 'find_node', data: { target: self } }))
    const named = reply.type === 'nodes' ? reply.data.nodes.map((n) => n.peerId) : []
    for (const a of attackers) expect(named).not.toContain(a.peerId)
    for (const a of attackers) expect(store.getPeer(a.peerId)).toBeUndefined()
  })
})
