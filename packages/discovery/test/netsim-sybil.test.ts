/**
 * Sybils on the real network package inside netsim: 30% of the nodes answer every `find_node` only with the
 * sybils closest to the target, answer `get_peers` with a flood of 1,000 addresses (their own and made-up
 * ones) and dial honest nodes to get into their tables. Honest lookups must still find the true closest
 * honest node, and honest nodes' outbound sets must stay one per network group. The figures are printed for
 * the README.
 */
import { randomBytes } from 'node:crypto'
import type { PeerId } from '@chainwire/interface'
import { defineScenario, runScenario, type SimNodeHandle } from '@chainwire/netsim'
import { peerIdFromPublicKey } from '@chainwire/network'
import { describe, expect, it } from 'vitest'
import { compareDistance, nodeIdOf } from '../src/index'
import { startSimDiscovery } from './helpers/sim-node'

const NODES = Number(process.env.DISCOVERY_SYBIL_NODES ?? 200)
const BOOTSTRAP = 3
const OUTBOUND = 8
const SYBILS = Math.round(NODES * 0.3)
/** Sybils are the last 30% of the nodes. */
const isSybil = (index: number): boolean => index >= NODES - SYBILS

describe('discovery in netsim with 30% sybils', () => {
  it(`${NODES} nodes, ${SYBILS} sybils: honest lookups find the true closest honest node, outbound sets stay diverse`, async () => {
    const ids = new Map<number, { peerId: PeerId; nodeId: Uint8Array }>()
    const lookups: { ok: boolean; hops: number }[] = []
    let t0: number | undefined
    let outbound: { groups: number; peers: number; sybils: number }[] = []
    const sybilIds = new Set<PeerId>()
    // made-up identities the sybils gossip (nobody listens at their addresses)
    const fakes = Array.from({ length: 1_000 - SYBILS }, (_, i) => ({
      peerId: peerIdFromPublicKey(randomBytes(32)),
      addrs: [`memory://fake${i}`],
      roles: ['full' as const],
    }))
    const scenario = defineScenario({
      name: 'discovery-sybil',
      duration: '90s',
      nodes: { count: NODES, roles: { bootstrap: `n0..n${BOOTSTRAP - 1}` }, startSpread: '10s' },
      topology: { type: 'none' },
      links: { latency: { distribution: 'uniform', min: '10ms', max: '80ms' } },
      network: { maxOutboundFullRelay: OUTBOUND, maxOutboundBlockRelay: 0, maxInbound: 64 },
      setup: async (node) => {
        t0 ??= node.clock.now()
        ids.set(node.index, { peerId: node.peerId, nodeId: nodeIdOf(node.peerId) as Uint8Array })
        if (isSybil(node.index)) {
          sybilIds.add(node.peerId)
          const sybils = () =>
            [...ids.entries()]
              .filter(([i]) => isSybil(i))
              .map(([i, x]) => ({ ...x, addrs: [`memory://n${i}`] }))
          const offFind = node.network.handle('find_node', (msg, peer) => ({
            type: 'nodes',
            data: {
              nodes: sybils()
                .filter((s) => s.peerId !== peer.peerId)
                .sort((a, b) => compareDistance(msg.data.target, a.nodeId, b.nodeId))
                .slice(0, 16)
                .map((s) => ({ peerId: s.peerId, addrs: s.addrs })),
            },
          }))
          const offPeers = node.network.handle('get_peers', () => ({
            type: 'peers',
            data: {
              peers: [
                ...sybils().map((s) => ({ peerId: s.peerId, addrs: s.addrs, roles: ['full' as const] })),
                ...fakes,
              ]
                .slice(0, 1_000)
                .map((p) => ({ ...p, lastSeen: node.clock.now() })),
            },
          }))
          // get into honest tables: connect to the bootstrap nodes and to random honest nodes
          const targets = [0, 1, 2]
          while (targets.length < OUTBOUND) {
            const j = BOOTSTRAP + Math.floor(node.random.next() * (NODES - SYBILS - BOOTSTRAP))
            if (!targets.includes(j)) targets.push(j)
          }
          for (const j of targets) {
            void node.network.dial(`memory://n${j}`, { kind: 'full-relay' }).catch(() => undefined)
          }
          return () => {
            offFind()
            offPeers()
          }
        }
        const { discovery, stop } = await startSimDiscovery(node, {
          bootstrap: BOOTSTRAP,
          outbound: OUTBOUND,
        })
        let timer: ReturnType<typeof node.clock.setInterval> | undefined
        if (node.index >= BOOTSTRAP && node.index < BOOTSTRAP + 3) {
          // three honest probers look up random ids every 2 s from 40 s on
          timer = node.clock.setInterval(() => {
            if (node.clock.now() - (t0 ?? 0) < 40_000) return
            const target = new Uint8Array(32)
            for (let i = 0; i < 32; i++) target[i] = Math.floor(node.random.next() * 256)
            const truth = [...ids.entries()]
              .filter(([i, x]) => !isSybil(i) && x.peerId !== node.peerId)
              .map(([, x]) => x)
              .sort((a, b) => compareDistance(target, a.nodeId, b.nodeId))[0]?.peerId
            discovery.dht
              ?.findNode(target)
              .then((r) => lookups.push({ ok: r.closest.some((c) => c.peerId === truth), hops: r.hops }))
              .catch(() => lookups.push({ ok: false, hops: 0 }))
          }, 2_000)
        }
        return () => {
          if (timer !== undefined) node.clock.clearInterval(timer)
          stop()
        }
      },
    })
    await runScenario(scenario, {
      seed: 11,
      onEnd: (nodes: readonly SimNodeHandle[]) => {
        outbound = nodes
          .filter((n) => n.index >= BOOTSTRAP && !isSybil(n.index))
          .map((n) => {
            const out = n.network.peers().filter((p) => p.direction === 'outbound' && p.kind === 'full-relay')
            return {
              peers: out.length,
              groups: new Set(out.map((p) => p.dialedAddress)).size,
              sybils: out.filter((p) => sybilIds.has(p.peerId)).length,
            }
          })
      },
    })
    const ok = lookups.filter((l) => l.ok).length
    const peers = outbound.reduce((s, o) => s + o.peers, 0)
    const sybilShare = outbound.reduce((s, o) => s + o.sybils, 0) / Math.max(1, peers)
    // the figures quoted in the README
    console.log(
      JSON.stringify({
        nodes: NODES,
        sybils: SYBILS,
        lookups: lookups.length,
        foundTrueClosestHonest: ok / Math.max(1, lookups.length),
        honestNodes: outbound.length,
        outboundMedian: [...outbound.map((o) => o.peers)].sort((a, b) => a - b)[outbound.length >> 1],
        everyOutboundInItsOwnGroup: outbound.every((o) => o.groups === o.peers),
        sybilShareOfOutbound: sybilShare,
      }),
    )
    expect(lookups.length).toBeGreaterThan(40)
    expect(ok / lookups.length).toBeGreaterThanOrEqual(0.9)
    expect(outbound.every((o) => o.groups === o.peers)).toBe(true)
    expect(sybilShare).toBeLessThan(0.3)
  }, 600_000)
})
