/**
 * `nodes.subnets`: chosen nodes get synthetic IPs from given subnets, the real network sees those IPs as the
 * remote hosts of their connections, and `hostOf` maps a node's `memory://n<i>` address to its IP.
 */
import { describe, expect, it } from 'vitest'
import {
  defineScenario,
  NetsimError,
  parseScenario,
  runScenario,
  type ScenarioInput,
  type SimNodeHandle,
} from '../src/index'

const base: ScenarioInput = {
  duration: '6s',
  nodes: {
    count: 8,
    startSpread: 0,
    subnets: [
      { nodes: 'n4..n7', cidr: '44.1.0.0/16' },
      { nodes: ['n1', 'n2'], cidr: '45.7.3.0/24' },
    ],
  },
  topology: { type: 'full' },
}

function codeAndPath(fn: () => unknown): { code?: string; path?: unknown } {
  try {
    fn()
  } catch (err) {
    if (NetsimError.isInstance(err)) return { code: err.code, path: err.details?.path }
    throw err
  }
  return {}
}

async function runError(input: ScenarioInput): Promise<{ code?: string; path?: unknown }> {
  try {
    await runScenario(defineScenario(input), { seed: 1 })
  } catch (err) {
    if (NetsimError.isInstance(err)) return { code: err.code, path: err.details?.path }
    throw err
  }
  return {}
}

describe('nodes.subnets', () => {
  it('gives the chosen nodes consecutive IPs of their subnet; the network sees them as remote hosts', async () => {
    const hosts = new Map<number, string>()
    const mapped = new Map<string, string | undefined>()
    const remote = new Map<string, string>()
    const { report } = await runScenario(
      defineScenario({
        ...base,
        setup: (node) => {
          hosts.set(node.index, node.host)
          if (node.index === 0) {
            for (const a of [
              'memory://n5',
              'memory://n2',
              'memory://n3',
              'memory://n8',
              'memory://n05',
              'memory://x1',
              'MEMORY://n5',
              'memory://N5',
              'tcp://1.2.3.4:1',
              'not an address',
            ]) {
              mapped.set(a, node.hostOf(a))
            }
          }
          return undefined
        },
      }),
      {
        seed: 1,
        onEnd: (nodes: readonly SimNodeHandle[]) => {
          for (const p of nodes[0]?.network.peers() ?? []) remote.set(p.peerId, p.remoteHost)
          for (const n of nodes) if (n.index !== 0) expect(remote.get(n.peerId)).toBe(n.host)
        },
      },
    )
    expect([...hosts.entries()].sort((a, b) => a[0] - b[0]).map(([, h]) => h)).toEqual([
      '10.1.0.1',
      '45.7.3.1',
      '45.7.3.2',
      '10.4.0.1',
      '44.1.0.1',
      '44.1.0.2',
      '44.1.0.3',
      '44.1.0.4',
    ])
    expect(report.nodes.map((n) => n.host)).toEqual(
      [...hosts.entries()].sort((a, b) => a[0] - b[0]).map(([, h]) => h),
    )
    expect(remote.size).toBe(7)
    expect(Object.fromEntries(mapped)).toEqual({
      'memory://n5': '44.1.0.2',
      'memory://n2': '45.7.3.2',
      'memory://n3': '10.4.0.1',
      'memory://n8': undefined,
      'memory://n05': undefined,
      'memory://x1': undefined,
      // The canonical form names node n5 (schemes are case-insensitive, memory names are not).
      'MEMORY://n5': '44.1.0.2',
      'memory://N5': undefined,
      'tcp://1.2.3.4:1': undefined,
      'not an address': undefined,
    })
  })

  it('reads subnets from YAML and JSON', () => {
    const yaml = parseScenario(
      `duration: 5s
nodes:
  count: 10
  subnets:
    - { nodes: 'n0..n4', cidr: 44.1.0.0/16 }
    - nodes: [7, 8]
      cidr: 45.2.0.0/16
`,
      'yaml',
    )
    const json = parseScenario(
      JSON.stringify({
        duration: '5s',
        nodes: {
          count: 10,
          subnets: [
            { nodes: 'n0..n4', cidr: '44.1.0.0/16' },
            { nodes: [7, 8], cidr: '45.2.0.0/16' },
          ],
        },
      }),
      'json',
    )
    for (const s of [yaml, json]) {
      expect(s.subnets.map((x) => [x.cidr, x.base, x.prefix])).toEqual([
        ['44.1.0.0/16', 44 * 2 ** 24 + 1 * 2 ** 16, 16],
        ['45.2.0.0/16', 45 * 2 ** 24 + 2 * 2 ** 16, 16],
      ])
    }
  })

  it('rejects bad subnets with the path of the field', async () => {
    const withSubnets = (subnets: unknown): ScenarioInput =>
      ({ duration: '5s', nodes: { count: 8, subnets } }) as unknown as ScenarioInput
    const invalid = { code: 'ERR_SCENARIO_INVALID' }
    expect(codeAndPath(() => defineScenario(withSubnets({})))).toMatchObject({
      ...invalid,
      path: 'nodes.subnets',
    })
    for (const cidr of [
      '44.1.0.0',
      '44.1.0.0/33',
      '44.1.0.0/7',
      '44.1.0.0/31',
      '300.1.0.0/16',
      '44.01.0.0/16',
      '44.1.0/16',
      'a.b.c.d/16',
      '44.1.0.1/16',
    ]) {
      expect(codeAndPath(() => defineScenario(withSubnets([{ nodes: 'n1', cidr }])))).toMatchObject({
        ...invalid,
        path: 'nodes.subnets[0].cidr',
      })
    }
    expect(
      codeAndPath(() =>
        defineScenario(
          withSubnets([
            { nodes: 'n1', cidr: '44.0.0.0/8' },
            { nodes: 'n2', cidr: '44.1.0.0/16' },
          ]),
        ),
      ),
    ).toMatchObject({ ...invalid, path: 'nodes.subnets[1].cidr' })
    expect(codeAndPath(() => defineScenario(withSubnets([{ cidr: '44.1.0.0/16' }])))).toMatchObject({
      ...invalid,
      path: 'nodes.subnets[0].nodes',
    })
    expect(
      codeAndPath(() => defineScenario(withSubnets([{ nodes: 'n9', cidr: '44.1.0.0/16' }]))),
    ).toMatchObject({ ...invalid, path: 'nodes.subnets[0].nodes' })
    expect(
      codeAndPath(() => defineScenario(withSubnets([{ nodes: 'n1', cidr: '44.1.0.0/16', mask: 1 }]))),
    ).toMatchObject({ ...invalid, path: 'nodes.subnets[0].mask' })

    // checked when the selectors are resolved, at the start of a run
    expect(await runError(withSubnets([{ nodes: 'n0..n4', cidr: '44.1.0.0/30' }]))).toMatchObject({
      ...invalid,
      path: 'nodes.subnets[0].nodes',
    })
    expect(
      await runError(
        withSubnets([
          { nodes: 'n0..n2', cidr: '44.1.0.0/16' },
          { nodes: 'n2', cidr: '45.1.0.0/16' },
        ]),
      ),
    ).toMatchObject({ ...invalid, path: 'nodes.subnets[1].nodes' })
    // n5 would get 10.1.0.1, which is n0's default IP
    expect(await runError(withSubnets([{ nodes: 'n5', cidr: '10.1.0.0/16' }]))).toMatchObject({
      ...invalid,
      path: 'nodes.subnets',
    })
  })
})
