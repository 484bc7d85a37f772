/**
 * NAT models on the simulated links: unsolicited inbound dropped, outbound through mappings that time out,
 * and TCP simultaneous open from punch ports working or failing as the two NATs' behaviours allow.
 */
import type { RawConnection } from '@chainwire/network'
import { describe, expect, it } from 'vitest'
import { defineScenario, type NatInput, parseScenario, runScenario, type SimNodeHandle } from '../src/index'

type NatType = Omit<NatInput, 'nodes'>
const EIM_APDF: NatType = { mapping: 'endpoint-independent', filtering: 'address-and-port' }
const EIM_ADF: NatType = { mapping: 'endpoint-independent', filtering: 'address' }
const EIM_EIF: NatType = { mapping: 'endpoint-independent', filtering: 'endpoint-independent' }
const EDM_APDF: NatType = { mapping: 'endpoint-dependent', filtering: 'address-and-port' }

describe('NAT models', () => {
  it('drops dials into a NATed node and lets its own dials out', async () => {
    const { report } = await runScenario(
      defineScenario({
        duration: '20s',
        nodes: { count: 4, startSpread: 0, nat: [{ nodes: ['n1', 'n3'], ...EIM_APDF }] },
        // n0 -> n1: into a NAT (never connects); n3 -> n2: out of one (connects)
        topology: {
          type: 'explicit',
          edges: [
            [0, 1],
            [3, 2],
          ],
        },
      }),
      { seed: 1 },
    )
    const byName = new Map(report.nodes.map((n) => [n.name, n]))
    expect(byName.get('n1')?.nat).toBe('EIM/APDF')
    expect(byName.get('n0')?.nat).toBeUndefined()
    expect(byName.get('n0')?.peers).toBe(0)
    expect(byName.get('n1')?.peers).toBe(0)
    expect(byName.get('n2')?.peers).toBe(1)
    expect(byName.get('n3')?.peers).toBe(1)
    expect(report.summary.nat).toMatchObject({ nodes: 2, byType: { 'EIM/APDF': 2 } })
    expect(report.summary.nat?.filteredDials).toBeGreaterThan(0)
  })

  it('a mapping that times out breaks the idle connection through it; traffic within the timeout keeps it', async () => {
    const run = async (timeout: string) =>
      (
        await runScenario(
          defineScenario({
            duration: '60s',
            nodes: { count: 2, startSpread: 0, nat: [{ nodes: 'n1', ...EIM_APDF, timeout }] },
            topology: { type: 'explicit', edges: [[1, 0]] },
            network: { pingIntervalMs: 20_000, idleTimeoutMs: 120_000 },
          }),
          { seed: 1 },
        )
      ).report
    const short = await run('5s')
    expect(short.summary.nat?.expiredConnections).toBeGreaterThan(0)
    expect(short.summary.connections.disconnected).toBeGreaterThan(0)
    const long = await run('30s')
    expect(long.summary.nat?.expiredConnections).toBe(0)
    expect(long.summary.connections.disconnected).toBe(0)
  })

  it('is part of the scenario format, checked strictly', () => {
    const s = parseScenario(
      [
        'duration: 10s',
        'nodes:',
        '  count: 10',
        '  nat:',
        "    - { nodes: 'n0..n4', mapping: endpoint-independent, filtering: address-and-port, timeout: 5m }",
        "    - { nodes: 'n5', mapping: endpoint-dependent, filtering: address }",
      ].join('\n'),
      'yaml',
    )
    expect(s.nats.map((n) => n.nat)).toEqual([
      { mapping: 'endpoint-independent', filtering: 'address-and-port', timeoutMs: 300_000 },
      { mapping: 'endpoint-dependent', filtering: 'address', timeoutMs: 7_440_000 },
    ])
    const bad = (nat: string) => () =>
      parseScenario(`{"duration":"1s","nodes":{"count":2,"nat":[${nat}]}}`, 'json')
    expect(bad('{"nodes":"n0","mapping":"cone","filtering":"address"}')).toThrowError(
      expect.objectContaining({
        code: 'ERR_SCENARIO_INVALID',
        details: expect.objectContaining({ path: 'nodes.nat[0].mapping' }),
      }),
    )
    expect(
      bad('{"nodes":"n0","mapping":"endpoint-dependent","filtering":"address","timeout":"1ms"}'),
    ).toThrowError(
      expect.objectContaining({ details: expect.objectContaining({ path: 'nodes.nat[0].timeout' }) }),
    )
    expect(bad('{"nodes":"n0","mapping":"endpoint-dependent","filtering":"address","port":1}')).toThrowError(
      expect.objectContaining({ code: 'ERR_SCENARIO_INVALID' }),
    )
  })
})

/**
 * Runs n1 and n2 (behind the given NATs, or public when undefined) through a hole punch: each opens a punch
 * port, learns its mapping from n0 (a STUN server's view), and both connect to each other at the same time
 * (the addresses are exchanged out of band, as a relay would carry them). Resolves with what each side got.
 */
async function punch(a: NatType | undefined, b: NatType | undefined, skewMs = 0) {
  const nat: NatInput[] = []
  if (a !== undefined) nat.push({ nodes: 'n1', ...a })
  if (b !== undefined) nat.push({ nodes: 'n2', ...b })
  const addresses = new Map<number, (address: string) => void>()
  const exchanged = [1, 2].map((i) => new Promise<string>((resolve) => addresses.set(i, resolve)))
  const outcome: Record<number, string> = {}
  const punchFrom = async (node: SimNodeHandle): Promise<void> => {
    await node.clock.sleep(3_000)
    const port = await node.openPort()
    const mine = await port.mappedAddress(0)
    addresses.get(node.index)?.(mine)
    const theirs = await (exchanged[node.index === 1 ? 1 : 0] as Promise<string>)
    // n2 starts its open `skewMs` after n1 (a relay's sync arrives late)
    if (node.index === 2 && skewMs > 0) await node.clock.sleep(skewMs)
    const controller = new AbortController()
    const timer = node.clock.setTimeout(() => controller.abort(), 8_000)
    try {
      const conn: RawConnection = await port.connect([theirs], controller.signal)
      outcome[node.index] = `connected ${conn.remoteHost}`
      conn.close()
    } catch (err) {
      outcome[node.index] = (err as { code?: string }).code ?? 'error'
    } finally {
      node.clock.clearTimeout(timer)
      port.close()
    }
  }
  const { report } = await runScenario(
    defineScenario({
      duration: '20s',
      nodes: { count: 3, startSpread: 0, nat },
      topology: { type: 'none' },
      links: { latency: { distribution: 'uniform', min: '10ms', max: '60ms' } },
      setup: (node) => {
        if (node.index !== 0) void punchFrom(node)
        return undefined
      },
    }),
    { seed: 3 },
  )
  return { outcome, report }
}

describe('hole punching through NAT models', () => {
  it('connects two endpoint-independent NATs (port-restricted both sides) in one simultaneous open', async () => {
    const { outcome, report } = await punch(EIM_APDF, EIM_APDF)
    expect(outcome[1]).toMatch(/^connected /)
    expect(outcome[2]).toMatch(/^connected /)
    expect(report.summary.nat?.punched).toBe(1)
  })

  it('connects restricted and full-cone NATs, and a NATed node to a public one', async () => {
    expect((await punch(EIM_EIF, EIM_ADF, 400)).outcome).toEqual({
      1: expect.stringMatching(/^connected /),
      2: expect.stringMatching(/^connected /),
    })
    expect((await punch(EIM_APDF, undefined)).outcome[1]).toMatch(/^connected /)
  })

  it('fails when one side is symmetric (endpoint-dependent mapping): the peer aims at the wrong port', async () => {
    const { outcome, report } = await punch(EDM_APDF, EIM_APDF)
    expect(outcome[1]).toBe('ERR_ABORTED')
    expect(outcome[2]).toBe('ERR_ABORTED')
    expect(report.summary.nat?.punched).toBe(0)
    expect(report.summary.nat?.filteredSyns).toBeGreaterThan(0)
  })

  it('a SYN that arrives before the peer has sent its own is filtered and retransmitted a second later', async () => {
    const { outcome, report } = await punch(EIM_APDF, EIM_APDF, 500)
    expect(outcome[1]).toMatch(/^connected /)
    expect(outcome[2]).toMatch(/^connected /)
    expect(report.summary.nat?.filteredSyns).toBeGreaterThan(0)
    expect(report.summary.nat?.punched).toBe(1)
  })
})
