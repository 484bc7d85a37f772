import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import {
  defineScenario,
  loadScenario,
  NetsimError,
  parseScenario,
  Random,
  ScenarioFileError,
  type ScenarioInput,
  ScenarioInvalidError,
} from '../src/index'
import { resolveSelector } from '../src/scenario/selector'
import { parseBandwidth, parseByteSize, parseDuration } from '../src/scenario/units'
import { assignRegions, buildEdges, nodeHost } from '../src/sim/topology'

const base: ScenarioInput = { duration: '10s', nodes: 10 }

/** The path of the ScenarioInvalidError that `input` throws. */
function pathOf(input: unknown): string {
  try {
    defineScenario(input as ScenarioInput)
  } catch (err) {
    expect(ScenarioInvalidError.isInstance(err)).toBe(true)
    expect(NetsimError.isInstance(err)).toBe(true)
    expect((err as NetsimError).code).toBe('ERR_SCENARIO_INVALID')
    return (err as NetsimError).details.path as string
  }
  throw new Error('the scenario validated')
}

describe('units', () => {
  it('parses durations, sizes and bandwidths', () => {
    expect(parseDuration(250)).toBe(250)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('1.5s')).toBe(1_500)
    expect(parseDuration('2m')).toBe(120_000)
    expect(parseDuration('1h')).toBe(3_600_000)
    expect(parseDuration('500us')).toBe(0.5)
    expect(parseDuration('-1')).toBeUndefined()
    expect(parseDuration('10 parsecs')).toBeUndefined()
    expect(parseByteSize('64KB')).toBe(64_000)
    expect(parseByteSize('1KiB')).toBe(1_024)
    expect(parseByteSize('1.5MB')).toBe(1_500_000)
    expect(parseByteSize(12.4)).toBe(12)
    expect(parseByteSize('lots')).toBeUndefined()
    expect(parseBandwidth('1MB/s')).toBe(1_000_000)
    expect(parseBandwidth('100Mbps')).toBe(12_500_000)
    expect(parseBandwidth('512KiB/s')).toBe(524_288)
    expect(parseBandwidth('unlimited')).toBe(Number.POSITIVE_INFINITY)
    expect(parseBandwidth(0)).toBeUndefined()
    expect(parseBandwidth('fast')).toBeUndefined()
  })
})

describe('defineScenario', () => {
  it('fills in every default', () => {
    const s = defineScenario(base)
    expect(s).toMatchObject({
      name: 'scenario',
      seed: 1,
      durationMs: 10_000,
      nodeCount: 10,
      startSpreadMs: 1_000,
      topology: { type: 'random', degree: 8 },
      links: { latency: { distribution: 'fixed', value: 50 }, bandwidth: Number.POSITIVE_INFINITY, loss: 0 },
      workload: [],
      faults: [],
      adversaries: [],
      report: { buckets: 60, cdfPoints: 101 },
    })
    expect(s.regions).toEqual([{ name: 'default', weight: 1, uplink: Number.POSITIVE_INFINITY }])
  })

  it('normalises workload schedules, faults, adversaries and the region matrix', () => {
    const s = defineScenario({
      duration: '60s',
      nodes: {
        count: 20,
        regions: { eu: 1, us: { weight: 1, uplink: '10Mbps' } },
        roles: { validator: 'n0..n3' },
      },
      links: {
        latency: '30ms',
        regions: { eu: { us: { distribution: 'uniform', min: '70ms', max: '90ms' } } },
      },
      workload: [
        { type: 'block', every: '10s', size: '1MB', from: 'role:validator' },
        { type: 'transaction', rate: 2, size: 250, start: '5s', end: '50s' },
        { type: 'transaction', at: ['1s', 2_000], size: 100 },
        { type: 'ping', every: '5s' },
      ],
      faults: [
        { at: '10s', partition: ['region:eu'] },
        { at: '20s', heal: true },
        { at: '12s', cut: ['n1', 'n2..n4'] },
        { at: '14s', heal: ['n1', 'n2..n4'] },
        { at: '15s', crash: { random: 2 } },
        { at: '25s', restart: 'all' },
        { at: '30s', churn: { rate: 0.5, downtime: '3s' } },
      ],
      adversaries: [
        { nodes: 'n5', behaviour: 'drop', probability: 0.5 },
        { nodes: 'n6', behaviour: 'delay', delay: { distribution: 'exponential', mean: '1s' } },
        { nodes: 'n7', behaviour: 'spam', rate: 10 },
        { nodes: 'n8', behaviour: 'lie' },
        { nodes: 'n9', hooks: { onMessage: () => 'drop' }, name: 'blackhole' },
      ],
    })
    expect(s.regions[1]).toEqual({ name: 'us', weight: 1, uplink: 1_250_000 })
    expect(s.regionLinks.get('eu\u0000us')?.latency).toEqual({ distribution: 'uniform', min: 70, max: 90 })
    expect(s.regionLinks.get('us\u0000eu')?.latency).toEqual({ distribution: 'uniform', min: 70, max: 90 })
    expect(s.regionLinks.get('eu\u0000eu')).toBeUndefined()
    expect(s.workload[0]).toMatchObject({
      type: 'block',
      sizeBytes: 1_000_000,
      schedule: { kind: 'every', everyMs: 10_000, startMs: 3_000, endMs: 55_000 },
    })
    expect(s.workload[1]).toMatchObject({
      schedule: { kind: 'rate', perSecond: 2, startMs: 5_000, endMs: 50_000 },
    })
    expect(s.workload[2]).toMatchObject({ schedule: { kind: 'at', timesMs: [1_000, 2_000] } })
    expect(s.faults.map((f) => f.type)).toEqual([
      'partition',
      'heal-all',
      'cut',
      'heal',
      'crash',
      'restart',
      'churn',
    ])
    expect(s.adversaries.map((a) => a.name)).toEqual(['drop', 'delay', 'spam', 'lie', 'blackhole'])
  })

  it('rejects bad fields with a typed error naming the path', () => {
    expect(pathOf({ ...base, duratoin: '1s' })).toBe('duratoin')
    expect(pathOf({ nodes: 3 })).toBe('duration')
    expect(pathOf({ ...base, duration: 'soon' })).toBe('duration')
    expect(pathOf({ ...base, duration: 0 })).toBe('duration')
    expect(pathOf({ ...base, nodes: 0 })).toBe('nodes')
    expect(pathOf({ ...base, nodes: { count: 2.5 } })).toBe('nodes.count')
    expect(pathOf({ ...base, nodes: { count: 5, regions: { eu: -1 } } })).toBe('nodes.regions.eu')
    expect(pathOf({ ...base, nodes: { count: 5, roles: { miner: 'all' } } })).toBe('nodes.roles.miner')
    expect(pathOf({ ...base, nodes: { count: 5, startSpread: '20s' } })).toBe('nodes.startSpread')
    expect(pathOf({ ...base, topology: { type: 'star' } })).toBe('topology.type')
    expect(pathOf({ ...base, topology: { type: 'random', degree: 10 } })).toBe('topology.degree')
    expect(pathOf({ ...base, topology: { type: 'explicit', edges: [[0, 10]] } })).toBe('topology.edges[0][1]')
    expect(pathOf({ ...base, topology: { type: 'explicit', edges: [[1, 1]] } })).toBe('topology.edges[0]')
    expect(pathOf({ ...base, links: { latency: { distribution: 'weibull' } } })).toBe(
      'links.latency.distribution',
    )
    expect(pathOf({ ...base, links: { latency: { distribution: 'uniform', min: 5, max: 1 } } })).toBe(
      'links.latency.max',
    )
    expect(pathOf({ ...base, links: { latency: { distribution: 'pareto', scale: 0, shape: 2 } } })).toBe(
      'links.latency.scale',
    )
    expect(pathOf({ ...base, links: { bandwidth: 'fast' } })).toBe('links.bandwidth')
    expect(pathOf({ ...base, links: { loss: 1 } })).toBe('links.loss')
    expect(pathOf({ ...base, links: { regions: { mars: { default: 5 } } } })).toBe('links.regions.mars')
    expect(pathOf({ ...base, links: { regions: { default: { default: { speed: 1 } } } } })).toBe(
      'links.regions.default.default.speed',
    )
    expect(pathOf({ ...base, workload: [{ type: 'block', size: 10 }] })).toBe('workload[0]')
    expect(pathOf({ ...base, workload: [{ type: 'block', every: '1s' }] })).toBe('workload[0].size')
    expect(pathOf({ ...base, workload: [{ type: 'block', every: '1s', rate: 1, size: 1 }] })).toBe(
      'workload[0]',
    )
    expect(pathOf({ ...base, workload: [{ type: 'block', at: ['20s'], size: 1 }] })).toBe('workload[0].at[0]')
    expect(pathOf({ ...base, workload: [{ type: 'block', every: '1s', size: '5MB' }] })).toBe(
      'workload[0].size',
    )
    expect(pathOf({ ...base, workload: [{ type: 'block', every: '1s', size: 1, from: 'n99' }] })).toBe(
      'workload[0].from',
    )
    expect(pathOf({ ...base, workload: [{ type: 'vote' }] })).toBe('workload[0].type')
    expect(pathOf({ ...base, workload: [{ type: 'ping' }] })).toBe('workload[0].every')
    expect(pathOf({ ...base, faults: [{ at: '1s', crash: 'n1', restart: 'n1' }] })).toBe('faults[0]')
    expect(pathOf({ ...base, faults: [{ crash: 'n1' }] })).toBe('faults[0].at')
    expect(pathOf({ ...base, faults: [{ at: '11s', crash: 'n1' }] })).toBe('faults[0].at')
    expect(pathOf({ ...base, faults: [{ at: '1s', crash: 'region:mars' }] })).toBe('faults[0].crash')
    expect(pathOf({ ...base, faults: [{ at: '1s', partition: ['n0..n20'] }] })).toBe('faults[0].partition[0]')
    expect(pathOf({ ...base, faults: [{ at: '1s', cut: ['n1'] }] })).toBe('faults[0].cut')
    expect(pathOf({ ...base, faults: [{ at: '1s', churn: { rate: 0 } }] })).toBe('faults[0].churn.rate')
    expect(pathOf({ ...base, adversaries: [{ behaviour: 'drop' }] })).toBe('adversaries[0].nodes')
    expect(pathOf({ ...base, adversaries: [{ nodes: 1, behaviour: 'bribe' }] })).toBe(
      'adversaries[0].behaviour',
    )
    expect(pathOf({ ...base, adversaries: [{ nodes: 1, behaviour: 'drop', probability: 2 }] })).toBe(
      'adversaries[0].probability',
    )
    expect(pathOf({ ...base, adversaries: [{ nodes: 1, hooks: { onJoin: () => {} } }] })).toBe(
      'adversaries[0].hooks.onJoin',
    )
    expect(pathOf({ ...base, network: { listen: ['memory://x'] } })).toBe('network.listen')
    expect(pathOf({ ...base, network: { idleTimeoutMs: -1 } })).toBe('network.idleTimeoutMs')
    expect(pathOf({ ...base, network: { maxConnections: 'many' } })).toBe('network.maxConnections')
    expect(pathOf({ ...base, network: { pingIntervalMillis: 5 } })).toBe('network.pingIntervalMillis')
    expect(pathOf({ ...base, report: { buckets: 0 } })).toBe('report.buckets')
    expect(pathOf({ ...base, setup: 'wire relay' })).toBe('setup')
    expect(pathOf(null)).toBe('')
  })
})

describe('scenario files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netsim-scenario-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, text: string): string => {
    const file = join(dir, name)
    writeFileSync(file, text)
    return file
  }

  it('loads the shipped examples (YAML and JSON)', async () => {
    const examples = fileURLToPath(new URL('../scenarios/', import.meta.url))
    for (const name of ['regions.yaml', 'partition-heal.yaml', 'adversaries.json']) {
      const s = await loadScenario(join(examples, name))
      expect(s.durationMs).toBe(60_000)
    }
    // The scale goal's internet: 10,000 nodes in six regions, 20% churn, 25% sybils in four subnets.
    const internet = await loadScenario(join(examples, 'internet-10k.yaml'))
    expect(internet.nodeCount).toBe(10_000)
    expect(internet.regions.map((r) => r.name)).toEqual(['na', 'eu', 'asia', 'sa', 'af', 'oc'])
    expect(internet.subnets.map((x) => x.cidr)).toEqual([
      '44.1.0.0/20',
      '44.1.16.0/20',
      '45.9.0.0/20',
      '45.9.16.0/20',
    ])
    expect(internet.cipher).toBe('null')
    const sybils = internet.adversaries.flatMap((a) => (a.nodes.kind === 'nodes' ? a.nodes.indexes : []))
    expect(new Set(sybils).size).toBe(2_500)
    const churn = internet.faults.find((f) => f.type === 'churn')
    expect(churn?.type === 'churn' && (churn.perSecond * (churn.untilMs - churn.atMs)) / 1_000).toBeCloseTo(
      1_503,
      0,
    )
  })

  it('reads YAML and JSON to the same scenario', async () => {
    const yaml = write('a.yaml', 'duration: 5s\nnodes: 4\ntopology: { type: ring }\n')
    const json = write('a.json', JSON.stringify({ duration: '5s', nodes: 4, topology: { type: 'ring' } }))
    expect(await loadScenario(yaml)).toEqual(await loadScenario(json))
    expect(parseScenario('duration: 5s\nnodes: 4\n', 'yaml').nodeCount).toBe(4)
  })

  it('rejects unparsable files, unknown extensions and missing files with ERR_SCENARIO_FILE', async () => {
    const cases = [
      write('bad.yaml', 'duration: [5s\nnodes: 4\n'),
      write('dup.yaml', 'duration: 5s\nduration: 6s\nnodes: 4\n'),
      write('bad.json', '{ "duration": "5s", '),
      write('scenario.toml', 'duration = "5s"'),
      join(dir, 'missing.yaml'),
    ]
    for (const file of cases) {
      const err = await loadScenario(file).catch((e: unknown) => e)
      expect(ScenarioFileError.isInstance(err)).toBe(true)
      expect((err as NetsimError).code).toBe('ERR_SCENARIO_FILE')
      expect((err as NetsimError).details.file).toBe(file)
    }
  })

  it('names the file and the field of an invalid scenario', async () => {
    const file = write('invalid.yaml', 'duration: 5s\nnodes: 4\nlinks:\n  loss: 2\n')
    const err = await loadScenario(file).catch((e: unknown) => e)
    expect((err as NetsimError).code).toBe('ERR_SCENARIO_INVALID')
    expect((err as NetsimError).details).toMatchObject({ path: 'links.loss', file })
  })
})

describe('topology and placement', () => {
  it('builds a random graph where every node has the degree, dialing about half of it', () => {
    const edges = buildEdges({ type: 'random', degree: 8 }, 200, new Random(1))
    const degree = new Array(200).fill(0)
    const out = new Array(200).fill(0)
    const seen = new Set<string>()
    for (const [a, b] of edges) {
      expect(a).not.toBe(b)
      const key = a < b ? `${a}-${b}` : `${b}-${a}`
      expect(seen.has(key)).toBe(false)
      seen.add(key)
      degree[a]++
      degree[b]++
      out[a]++
    }
    expect(edges.length).toBeGreaterThanOrEqual(795)
    expect(Math.max(...degree)).toBe(8)
    expect(Math.max(...out)).toBeLessThanOrEqual(6)
    expect(buildEdges({ type: 'random', degree: 8 }, 200, new Random(1))).toEqual(edges)
  })

  it('builds rings, full meshes and explicit edges', () => {
    expect(buildEdges({ type: 'ring', neighbours: 1 }, 4, new Random(1))).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 0],
    ])
    const full = buildEdges({ type: 'full' }, 6, new Random(1))
    expect(full).toHaveLength(15)
    expect(new Set(full.map(([a, b]) => (a < b ? `${a}-${b}` : `${b}-${a}`))).size).toBe(15)
    expect(buildEdges({ type: 'explicit', edges: [[0, 2]] }, 3, new Random(1))).toEqual([[0, 2]])
    expect(buildEdges({ type: 'none' }, 3, new Random(1))).toEqual([])
  })

  it('places nodes in regions by weight, in blocks, and gives them distinct /16s', () => {
    const regions = assignRegions(
      [
        { name: 'eu', weight: 2, uplink: 1 },
        { name: 'us', weight: 1, uplink: 1 },
      ],
      10,
    )
    expect(regions).toEqual(['eu', 'eu', 'eu', 'eu', 'eu', 'eu', 'eu', 'us', 'us', 'us'])
    expect(nodeHost(0)).toBe('10.1.0.1')
    expect(nodeHost(1)).toBe('10.2.0.1')
    expect(nodeHost(250)).toBe('10.1.1.1')
    expect(new Set(Array.from({ length: 5_000 }, (_, i) => nodeHost(i))).size).toBe(5_000)
  })

  it('resolves selectors: ranges, regions, roles, unions and seeded random picks', () => {
    const s = defineScenario({
      duration: '10s',
      nodes: { count: 10, regions: { a: 1, b: 1 } },
      faults: [{ at: 1, crash: ['n1', 'n3..n4', 'region:b', { random: 2, from: 'n0..n2' }] }],
    })
    const sel = (s.faults[0] as { nodes: Parameters<typeof resolveSelector>[0] }).nodes
    const ctx = { nodeCount: 10, regionOf: (i: number) => (i < 5 ? 'a' : 'b'), hasRole: () => false }
    const picked = resolveSelector(sel, ctx, new Random(1))
    expect(picked).toEqual(resolveSelector(sel, ctx, new Random(1)))
    expect(picked.filter((i) => i >= 3)).toEqual([3, 4, 5, 6, 7, 8, 9])
    expect(picked.filter((i) => i < 3).length).toBeGreaterThanOrEqual(2)
  })
})
