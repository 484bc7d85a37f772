/**
 * The real path: discovery on `@chainwire/network` over loopback TCP (port 0). Ten nodes started from one
 * bootstrap node reach their outbound target, let the bootstrap node go, and stay connected without it.
 */
import { systemClock } from '@chainwire/interface'
import { createIdentity, createNetwork, createTcpTransport, type Network } from '@chainwire/network'
import { createPeerStore, type PeerStore } from '@chainwire/peer-store'
import { afterAll, describe, expect, it } from 'vitest'
import { createDiscovery, type DiscoveryNetwork, type DiscoveryService, nodeIdOf } from '../src/index'

const NETWORK_ID = 'chainwire-discovery-test'
const OUTBOUND = 3

interface Node {
  network: Network
  store: PeerStore
  discovery: DiscoveryService
}

const nodes: Node[] = []
let hostCounter = 0
afterAll(async () => {
  for (const n of nodes.splice(0)) {
    await n.discovery.stop()
    await n.network.stop()
    await n.store.stop()
  }
})

async function startNode(role: 'bootstrap' | 'full', bootstrap: string[], withDht = false): Promise<Node> {
  const store = createPeerStore(
    { clock: systemClock },
    { allowNonRoutable: true, dialBackoffBaseMs: 200, dialBackoffMaxMs: 2_000, maxRetries: 1_000 },
  )
  await store.start()
  const network = createNetwork(
    { identity: createIdentity(), transports: [createTcpTransport()], gater: store },
    {
      networkId: NETWORK_ID,
      // each node on its own loopback /16 (all of 127/8 is loopback), so the peer store sees distinct groups
      listen: [`tcp://127.${++hostCounter}.0.1:0`],
      roles: [role],
      maxOutboundFullRelay: OUTBOUND,
      maxOutboundBlockRelay: 0,
      // 9 possible neighbours: at most 6 inbound leaves room for 3 outbound on every member
      ...(role === 'full' ? { maxInbound: 6 } : {}),
      dialBackoff: { baseMs: 200, maxMs: 2_000 },
      // every node is 127.0.0.1: lift the per-IP inbound caps meant for the open internet
      maxInboundPerIp: 1_000,
      maxInboundPerNetGroup: 1_000,
      inboundRatePerIp: 1_000,
      inboundBurstPerIp: 1_000,
    },
  )
  await network.start()
  // the real network satisfies the narrow interface discovery declares
  const net: DiscoveryNetwork = network
  const discovery = createDiscovery(
    { clock: systemClock, network: net, peerStore: store },
    {
      networkId: NETWORK_ID,
      bootstrap: {
        addresses: bootstrap,
        enoughPeers: OUTBOUND,
        // short of the target with no bootstrap connection: ask the bootstrap node again
        minPeers: OUTBOUND,
        checkIntervalMs: 200,
        retryIntervalMs: 1_000,
      },
      dialer:
        role === 'bootstrap'
          ? { enabled: false }
          : {
              outboundFullRelay: OUTBOUND,
              outboundBlockRelay: 0,
              intervalMs: 200,
              feelerIntervalMs: 1_000,
              rotationIntervalMs: 0,
            },
      pex: role === 'bootstrap' ? { roles: ['bootstrap'], answerOncePerConnection: false } : {},
      // 127.0.0.1 is one /24: lift the DHT's per-subnet limits on loopback
      dht: withDht
        ? {
            initialLookupDelayMs: 100,
            requestTimeoutMs: 2_000,
            maxPerSubnetPerBucket: 20,
            maxPerSubnetPerTable: 100,
          }
        : { enabled: false },
      ...(withDht ? { dialer: { enabled: false } } : {}),
    },
  )
  await discovery.start()
  const node = { network, store, discovery }
  nodes.push(node)
  return node
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

const fullRelayOut = (n: Node) =>
  n.network.peers().filter((p) => p.direction === 'outbound' && p.kind === 'full-relay').length

function connectedComponents(list: Node[]): number {
  const ids = new Map(list.map((n, i) => [n.network.peerId, i]))
  const parent = list.map((_, i) => i)
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i] as number)))
  for (const [i, n] of list.entries()) {
    for (const p of n.network.peers()) {
      const j = ids.get(p.peerId)
      if (j !== undefined) parent[find(i)] = find(j)
    }
  }
  return new Set(list.map((_, i) => find(i))).size
}

describe('discovery over loopback TCP', () => {
  it('10 nodes from one bootstrap node fill their outbound slots, release it, and stay connected without it', async () => {
    const boot = await startNode('bootstrap', [])
    const bootAddr = boot.network.listenAddresses()[0] as string
    const members: Node[] = []
    for (let i = 0; i < 10; i++) members.push(await startNode('full', [bootAddr]))
    const started = Date.now()
    await waitFor(() => members.every((m) => fullRelayOut(m) >= OUTBOUND), 60_000).catch((err: Error) => {
      // say where it stood: outbound full-relay / all peers / known peers, per member
      const state = members.map(
        (m) => `${fullRelayOut(m)}/${m.network.peers().length}/${m.store.stats().peers}`,
      )
      throw new Error(`${err.message}: ${state.join(' ')}`)
    })
    const convergedMs = Date.now() - started
    // bootstrap nodes serve address lists and are let go once enough other peers are connected
    await waitFor(
      () =>
        members.every(
          (m) =>
            !m.network.peers().some((p) => p.peerId === boot.network.peerId && p.direction === 'outbound'),
        ),
      10_000,
    )
    expect(connectedComponents(members)).toBe(1)

    await boot.discovery.stop()
    await boot.network.stop()
    await new Promise((r) => setTimeout(r, 1_000))
    expect(members.every((m) => fullRelayOut(m) >= OUTBOUND)).toBe(true)
    expect(connectedComponents(members)).toBe(1)

    expect(convergedMs).toBeLessThan(60_000)
  }, 120_000)

  it('DHT lookups over TCP find a node nobody is connected to, asking it over UDP datagrams', async () => {
    const members: Node[] = []
    for (let i = 0; i < 6; i++) members.push(await startNode('full', [], true))
    // a chain: each node knows only the previous one
    for (let i = 1; i < members.length; i++) {
      await (members[i] as Node).network.dial(
        (members[i - 1] as Node).network.listenAddresses()[0] as string,
        { kind: 'manual' },
      )
    }
    const first = members[0] as Node
    const last = members[members.length - 1] as Node
    await waitFor(() => (last.discovery.dht?.size ?? 0) >= 1, 5_000)
    const result = await last.discovery.dht?.findNode(nodeIdOf(first.network.peerId) as Uint8Array)
    expect(result?.closest[0]?.peerId).toBe(first.network.peerId)
    expect(result?.hops).toBeGreaterThanOrEqual(1)
    // nodes met for the first time were asked by datagram (UDP on the TCP port), with no query connection
    expect(result?.breakdown.datagrams).toBeGreaterThanOrEqual(1)
    expect(result?.breakdown.dials).toBe(0)
    expect(last.network.getPeer(first.network.peerId)).toBeUndefined()
    expect(await last.discovery.dht?.findPeer(first.network.peerId)).toEqual(first.network.listenAddresses())
  }, 30_000)
})
