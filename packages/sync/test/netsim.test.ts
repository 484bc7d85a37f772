import type { FullChain } from '@chainwire/chain'
import { BlockBuilder } from '@chainwire/chain/testing'
import { defineScenario, runScenario, type SimNodeHandle } from '@chainwire/netsim'
import type { Block } from '@chainwire/protocol-codec'
import { describe, expect, it } from 'vitest'
import { type PartitionSuspectedEvent, SYNC_CAPABILITIES } from '../src/index'
import { SIM_EPOCH, type SimSyncNode, simNetwork, sizedBlocks, startSyncNode } from './helpers/sim'

/**
 * Sync in netsim (virtual time, simulated links under the real network): the times below are virtual and
 * deterministic, not wall-clock measurements.
 */
describe('sync in netsim', () => {
  const params = simNetwork({ id: 'sync-netsim-ibd' })
  const chain = sizedBlocks(params, 200, 10_000) // 200 blocks of about 10 KB

  /** A fresh node (the last one) syncs `chain` from `seeds` peers whose uplinks are capped at 200 KB/s. */
  async function ibd(seeds: number): Promise<{ doneAtMs: number; servedBy: number[] }> {
    let startedAt = -1
    let doneAtMs = -1
    const servedBy = new Array<number>(seeds).fill(0)
    await runScenario(
      defineScenario({
        name: `ibd from ${seeds}`,
        duration: '40s',
        nodes: { count: seeds + 1, uplink: '200KB/s', startSpread: '0ms' },
        topology: { type: 'explicit', edges: Array.from({ length: seeds }, (_, i) => [seeds, i]) },
        links: { latency: '50ms' },
        network: { capabilities: [...SYNC_CAPABILITIES] },
        setup: async (node: SimNodeHandle) => {
          const fresh = node.index === seeds
          const { chain: c, cleanup } = await startSyncNode(node, params, fresh ? [] : chain)
          if (fresh) {
            node.network.on('peer:connected', () => {
              if (startedAt < 0) startedAt = node.clock.now()
            })
            c.on('tip', (t) => {
              if (t.height === chain.length) doneAtMs = node.clock.now() - startedAt
            })
          } else {
            node.network.on('message:get_blocks', (e) => {
              const d = e.message.data
              servedBy[node.index] =
                (servedBy[node.index] as number) + (d.by === 'hashes' ? d.hashes.length : d.count)
            })
          }
          return cleanup
        },
      }),
      { seed: 1 },
    )
    return { doneAtMs, servedBy }
  }

  it('IBD from 4 peers with capped uplinks is several times faster than from 1, the blocks spread over all 4', async () => {
    const one = await ibd(1)
    const four = await ibd(4)
    expect(one.doneAtMs).toBeGreaterThan(0)
    expect(four.doneAtMs).toBeGreaterThan(0)
    // 2 MB through one 200 KB/s uplink takes about 10 s; four uplinks share it
    expect(one.doneAtMs).toBeGreaterThan(9_000)
    expect(one.doneAtMs / four.doneAtMs).toBeGreaterThan(2.5)
    expect(one.servedBy).toEqual([200])
    for (const n of four.servedBy) expect(n).toBeGreaterThanOrEqual(200 * 0.1)
    expect(four.servedBy.reduce((a, b) => a + b, 0)).toBe(200) // nothing fetched twice
  }, 120_000)

  it('a network of mining nodes split in two: both sides suspect a partition with evidence, and after the heal all converge on the most-work chain', async () => {
    const net = simNetwork({ id: 'sync-netsim-partition' })
    const builder = new BlockBuilder(net)
    const count = 8
    const nodes: (SimSyncNode | undefined)[] = new Array(count).fill(undefined)
    const suspected: { node: number; at: number; event: PartitionSuspectedEvent }[] = []
    const recovered: { node: number; at: number }[] = []
    const bootstrapAsks = new Array<number>(count).fill(0)
    let mining = true
    const reorgs: { node: number; depth: number }[] = []
    let workAtHeal = 0n

    /** Mines on the node's tip at random intervals (about one block per second across the network). */
    const mine = (node: SimNodeHandle, chain: FullChain): (() => void) => {
      const miner = new Uint8Array(32).fill(node.index + 1)
      let timer: ReturnType<typeof node.clock.setTimeout> | undefined
      const next = (): void => {
        timer = node.clock.setTimeout(
          async () => {
            if (mining) {
              const parent = (await chain.getBlock(chain.tip().hash)) as Block
              const timestamp = Math.max(node.clock.now(), parent.header.timestamp + 1)
              await chain.acceptBlock(builder.next(parent, [], { miner, timestamp }))
            }
            next()
          },
          node.random.uniform(2_000, 14_000),
        )
      }
      next()
      return () => node.clock.clearTimeout(timer)
    }

    await runScenario(
      defineScenario({
        name: 'sync partition',
        duration: '135s',
        nodes: { count, startSpread: '0ms' },
        topology: { type: 'full' },
        links: { latency: '40ms' },
        network: { capabilities: [...SYNC_CAPABILITIES], pingIntervalMs: 2_000, idleTimeoutMs: 8_000 },
        faults: [
          { at: '30s', partition: ['n0..n3', 'n4..n7'] },
          { at: '80s', heal: true },
        ],
        setup: async (node: SimNodeHandle) => {
          const n = await startSyncNode(node, net, [], {
            sync: {
              targetBlockTimeMs: net.targetBlockTimeMs,
              staleTipMultiple: 20,
              partitionCheckMs: 1_000,
              peerLossWindowMs: 20_000,
            },
            peerSource: {
              requestOutbound: () => undefined,
              // what a node wires to discovery: here, the other nodes play the bootstrap nodes
              reconnectBootstrap: () => {
                bootstrapAsks[node.index] = (bootstrapAsks[node.index] as number) + 1
                for (let i = 0; i < count; i++) {
                  if (i !== node.index)
                    void node.network.dial(`memory://n${i}`, { force: true }).catch(() => undefined)
                }
              },
            },
          })
          nodes[node.index] = n
          n.chain.on('reorg', (e) => reorgs.push({ node: node.index, depth: e.depth }))
          n.sync.on('partition:suspected', (event) =>
            suspected.push({ node: node.index, at: node.clock.now() - SIM_EPOCH, event }),
          )
          n.sync.on('partition:recovered', () =>
            recovered.push({ node: node.index, at: node.clock.now() - SIM_EPOCH }),
          )
          const stopMining = mine(node, n.chain)
          const stopWhen = node.clock.setTimeout(() => {
            mining = false
          }, 120_000)
          const atHeal = node.clock.setTimeout(() => {
            if (n.chain.tip().work > workAtHeal) workAtHeal = n.chain.tip().work
          }, 80_000 - 1)
          return () => {
            stopMining()
            node.clock.clearTimeout(stopWhen)
            node.clock.clearTimeout(atHeal)
            n.cleanup()
          }
        },
      }),
      { seed: 3 },
    )

    const live = nodes as SimSyncNode[]
    // both sides saw the split: peers lost within the window, with the evidence of it
    for (const side of [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]) {
      const seen = suspected.filter((s) => side.includes(s.node) && s.at > 30_000 && s.at < 80_000)
      expect(seen.length).toBeGreaterThan(0)
      for (const s of seen) {
        expect(s.event.reasons).toContain('peer-loss')
        expect(s.event.evidence.peers).toBeLessThan(s.event.evidence.recentMaxPeers)
        expect(s.event.evidence.groups.length).toBeGreaterThan(0)
      }
    }
    for (const s of suspected) expect(bootstrapAsks[s.node]).toBeGreaterThan(0) // asked for its bootstrap nodes
    // recovered only once the split healed (the peers came back), not when the loss left the window
    for (const s of suspected) {
      const r = recovered.find((x) => x.node === s.node && x.at > s.at)
      expect(r?.at).toBeGreaterThan(80_000)
    }
    // after the heal: one chain everywhere, at least as much work as either side had when the split ended
    const tips = live.map((n) => n.chain.tip())
    for (const t of tips) expect(t).toEqual(tips[0])
    expect((tips[0] as { work: bigint }).work > workAtHeal).toBe(true)
    // the side with less work gave up its branch: deep reorganisations, not just the usual one-block races
    expect(Math.max(...reorgs.map((r) => r.depth))).toBeGreaterThan(3)
  }, 240_000)
})
