import type { Network } from '@chainwire/network'
import { describe, expect, it } from 'vitest'
import {
  type AdversaryHooks,
  defineScenario,
  NetsimError,
  runScenario,
  type ScenarioInput,
  type SimNodeHandle,
  SimulationAbortedError,
} from '../src/index'

/** A line n0 - n1 - n2 - n3 - n4: every message from n0 must pass through every node. */
const line: ScenarioInput = {
  duration: '12s',
  nodes: { count: 5, startSpread: 0 },
  topology: {
    type: 'explicit',
    edges: [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ],
  },
  workload: [{ type: 'transaction', at: ['4s', '5s', '6s'], size: 100, from: 'n0' }],
}

describe('flooding over the real network', () => {
  it('delivers every message to every node, each hop one latency', async () => {
    const { report } = await runScenario(defineScenario(line), { seed: 1 })
    const m = report.summary.messages
    expect(m).toMatchObject({ published: 3, targets: 12, delivered: 12, deliveryRatio: 1 })
    expect(m.latencyMs.min).toBe(50)
    expect(m.latencyMs.max).toBe(200)
    expect(report.nodes.map((n) => n.received)).toEqual([0, 3, 3, 3, 3])
    expect(report.nodes.map((n) => n.relayed)).toEqual([0, 3, 3, 3, 0])
    expect(report.nodes.map((n) => n.duplicates)).toEqual([0, 0, 0, 0, 0])
  })

  it('counts duplicates when several peers relay the same message', async () => {
    const { report } = await runScenario(
      defineScenario({
        duration: '10s',
        nodes: 6,
        topology: { type: 'full' },
        workload: [{ type: 'block', at: ['5s'], size: 1_000 }],
      }),
      { seed: 1 },
    )
    expect(report.summary.messages.deliveryRatio).toBe(1)
    // In a full mesh of 6, each of the 5 receivers hears the block from the origin and from 4 relays.
    expect(report.nodes.reduce((s, n) => s + n.duplicates, 0)).toBeGreaterThan(0)
    expect(report.summary.messages.messageBytes.min).toBeGreaterThan(1_000)
  })
})

describe('faults', () => {
  it('holds messages across a partition and delivers them when it heals', async () => {
    const { report } = await runScenario(
      defineScenario({
        duration: '30s',
        nodes: { count: 10, startSpread: 0 },
        topology: { type: 'ring' },
        workload: [{ type: 'transaction', at: ['6s'], size: 100, from: 'n0' }],
        faults: [
          { at: '5s', partition: ['n0..n4', 'n5..n9'] },
          { at: '15s', heal: true },
        ],
      }),
      { seed: 1 },
    )
    const msg = report.messages[0]
    expect(msg?.deliveryRatio).toBe(1)
    expect(msg?.latencyMs.max).toBeGreaterThanOrEqual(9_000)
    expect(report.summary.messages.latencyMs.min).toBe(50)
  })

  it('delivers nothing across a partition that never heals', async () => {
    const { report } = await runScenario(
      defineScenario({
        duration: '20s',
        nodes: { count: 10, startSpread: 0 },
        topology: { type: 'ring' },
        workload: [{ type: 'transaction', at: ['6s'], size: 100, from: 'n0' }],
        faults: [{ at: '5s', partition: ['n0..n4'] }],
      }),
      { seed: 1 },
    )
    expect(report.messages[0]).toMatchObject({ targets: 9, delivered: 4 })
  })

  it('crashes a node (its peers lose it, it is not a target while down) and restarts it', async () => {
    const { report } = await runScenario(
      defineScenario({
        duration: '30s',
        nodes: { count: 8, startSpread: 0 },
        topology: { type: 'full' },
        workload: [{ type: 'transaction', at: ['8s', '20s'], size: 100, from: 'n0' }],
        faults: [
          { at: '5s', crash: 'n3' },
          { at: '10s', restart: 'n3' },
        ],
      }),
      { seed: 1 },
    )
    const n3 = report.nodes[3]
    expect(n3).toMatchObject({ crashes: 1, restarts: 1, up: true, peers: 7 })
    expect(report.messages.map((m) => m.targets)).toEqual([6, 7])
    expect(report.messages.map((m) => m.deliveryRatio)).toEqual([1, 1])
    for (const n of report.nodes.filter((x) => x.name !== 'n3')) {
      expect(n.disconnected).toBeGreaterThanOrEqual(1)
      expect(n.peers).toBe(7)
    }
  })

  it('churns nodes at a rate and brings them back', async () => {
    const { report } = await runScenario(
      defineScenario({
        duration: '40s',
        nodes: 12,
        topology: { type: 'random', degree: 4 },
        faults: [{ at: '5s', churn: { until: '25s', rate: 0.5, downtime: '3s' } }],
      }),
      { seed: 1 },
    )
    const crashes = report.faults.filter((f) => f.type === 'churn-crash').length
    expect(crashes).toBeGreaterThan(3)
    expect(report.faults.filter((f) => f.type === 'churn-restart').length).toBe(crashes)
    expect(report.nodes.reduce((s, n) => s + n.crashes, 0)).toBe(crashes)
    expect(report.nodes.every((n) => n.up)).toBe(true)
  })

  it('cuts and heals single links', async () => {
    const { report } = await runScenario(
      defineScenario({
        ...line,
        duration: '20s',
        workload: [{ type: 'transaction', at: ['4s'], size: 100, from: 'n0' }],
        faults: [
          { at: '3s', cut: ['n2', 'n3'] },
          { at: '9s', heal: ['n2', 'n3'] },
        ],
      }),
      { seed: 1 },
    )
    expect(report.messages[0]?.deliveryRatio).toBe(1)
    expect(report.messages[0]?.latencyMs.max).toBeGreaterThanOrEqual(5_000)
  })
})

describe('adversaries', () => {
  it('drop: a node that relays nothing cuts the line', async () => {
    const { report } = await runScenario(
      defineScenario({ ...line, adversaries: [{ nodes: 'n2', behaviour: 'drop' }] }),
      { seed: 1 },
    )
    // n2 is not a target (adversaries are excluded); n1 gets everything, n3 and n4 nothing.
    expect(report.summary.messages).toMatchObject({ targets: 9, delivered: 3 })
    expect(report.nodes[2]).toMatchObject({ adversary: ['drop'], received: 3, relayed: 0 })
  })

  it('lie: tampered copies are rejected and not relayed', async () => {
    const { report } = await runScenario(
      defineScenario({ ...line, adversaries: [{ nodes: 'n2', behaviour: 'lie' }] }),
      { seed: 1 },
    )
    expect(report.nodes[3]).toMatchObject({ invalid: 3, received: 0, relayed: 0 })
    expect(report.nodes[4]?.received).toBe(0)
  })

  it('delay: relays late', async () => {
    const { report } = await runScenario(
      defineScenario({ ...line, adversaries: [{ nodes: 'n1', behaviour: 'delay', delay: '2s' }] }),
      { seed: 1 },
    )
    expect(report.summary.messages.deliveryRatio).toBe(1)
    // n0 -> n1 (50 ms), held 2 s, then three more hops to n4.
    expect(report.summary.messages.latencyMs.max).toBe(2_200)
  })

  it('spam: floods junk that is reported apart from the workload', async () => {
    const { report } = await runScenario(
      defineScenario({ ...line, adversaries: [{ nodes: 'n4', behaviour: 'spam', rate: 5, size: 50 }] }),
      { seed: 1 },
    )
    expect(report.summary.byKind.spam?.published).toBeGreaterThan(20)
    expect(report.summary.messages.published).toBe(3)
    expect(report.nodes[4]?.published).toBe(report.summary.byKind.spam?.published)
  })

  it('runs custom TypeScript hooks on every incarnation', async () => {
    const started: string[] = []
    const seen: number[] = []
    const hooks: AdversaryHooks = {
      onStart: (ctx) => {
        started.push(`${ctx.node.name}#${ctx.node.incarnation}`)
        return undefined
      },
      onMessage: (message) => {
        seen.push(message.id)
        return message.id === 2 ? 'drop' : undefined
      },
    }
    const { report } = await runScenario(
      defineScenario({
        ...line,
        adversaries: [{ nodes: 'n1', hooks, name: 'selective' }],
        faults: [
          { at: '1s', crash: 'n1' },
          { at: '2s', restart: 'n1' },
        ],
      }),
      { seed: 1 },
    )
    expect(started).toEqual(['n1#0', 'n1#1'])
    expect(seen).toEqual([1, 2, 3])
    expect(report.nodes[1]?.adversary).toEqual(['selective'])
    expect(report.messages.map((m) => m.delivered)).toEqual([3, 0, 3])
  })
})

describe('setup hooks and errors', () => {
  it('runs setup on every node incarnation before it starts, and its cleanup when it stops', async () => {
    const calls: string[] = []
    const networks = new Set<Network>()
    await runScenario(
      defineScenario({
        ...line,
        faults: [
          { at: '1s', crash: 'n0' },
          { at: '2s', restart: 'n0' },
        ],
        setup: (node: SimNodeHandle) => {
          calls.push(`setup ${node.name}#${node.incarnation} started=${node.network.isStarted()}`)
          networks.add(node.network)
          return () => calls.push(`cleanup ${node.name}#${node.incarnation}`)
        },
      }),
      { seed: 1 },
    )
    expect(calls.filter((c) => c.startsWith('setup'))).toHaveLength(6)
    expect(calls).toContain('setup n0#1 started=false')
    expect(calls).toContain('cleanup n0#0')
    expect(calls.filter((c) => c.startsWith('cleanup'))).toHaveLength(6)
    expect(networks.size).toBe(6)
    for (const n of networks) expect(n.isStarted()).toBe(false)
  })

  it('a crashed incarnation emits nothing more: its peers see the loss, it does not', async () => {
    const events: string[] = []
    await runScenario(
      defineScenario({
        ...line,
        faults: [{ at: '3s', crash: 'n1' }],
        setup: (node: SimNodeHandle) => {
          node.network.on('peer:disconnected', (e) => {
            events.push(
              `${node.clock.now() - 1_700_000_000_000} ${node.name}#${node.incarnation} lost ${e.peer.remoteAddress}`,
            )
          })
          return undefined
        },
      }),
      { seed: 1 },
    )
    const beforeEnd = events.filter((e) => Number(e.split(' ')[0]) < 12_000)
    expect(beforeEnd.filter((e) => e.includes('n1#0'))).toEqual([])
    expect(beforeEnd.filter((e) => e.includes('lost memory://n1'))).toHaveLength(2)
    expect(beforeEnd.every((e) => Number(e.split(' ')[0]) === 3_050)).toBe(true)
  })

  it('fails with ERR_SIMULATION_FAILED when a hook throws', async () => {
    const err = await runScenario(
      defineScenario({
        ...line,
        setup: () => {
          throw new Error('no relay today')
        },
      }),
    ).catch((e: unknown) => e)
    expect(NetsimError.isInstance(err)).toBe(true)
    expect((err as NetsimError).code).toBe('ERR_SIMULATION_FAILED')
  })

  it('stops with ERR_SIMULATION_ABORTED through its signal', async () => {
    const controller = new AbortController()
    controller.abort()
    const err = await runScenario(defineScenario(line), { signal: controller.signal }).catch(
      (e: unknown) => e,
    )
    expect(SimulationAbortedError.isInstance(err)).toBe(true)
  })
})
