import type { ScenarioInput, SimNodeHandle } from '@chainwire/netsim'
import type { RelayOptions } from '../../src/index'
import { joinLater, planSybils } from '../../src/testing/index'
import { runRelayScenario, type SimRun } from './sim'

/** The gossipsub hardening setup, scaled: honest nodes, sybils that join them (see `planSybils`). */
export interface SybilSetup {
  readonly honest: number
  readonly sybils: number
  /** Peers each sybil connects to (all honest). */
  readonly sybilDegree: number
  /** `cold`: the sybils are there from the start; `warm`: they join once the honest network has settled. */
  readonly boot: 'cold' | 'warm'
  /** Virtual time the warm network runs before the sybils join. */
  readonly warmMs: number
  /** When covert-flash sybils turn, as virtual time since the start. */
  readonly flashMs: number
  readonly blockSize: string
  /** First block, as virtual time since the start. @default 35 s (cold: the nodes know their round trips), warmMs + 20 s (warm) */
  readonly blockStartMs?: number
  readonly blockEvery: string
  readonly durationMs: number
  readonly seed: number
  readonly options: RelayOptions
  readonly link?: ScenarioInput['links']
  /** Noise transport cipher (netsim's `'null'` gives the same report for less CPU). @default 'chacha20-poly1305' */
  readonly cipher?: ScenarioInput['cipher']
}

const EPOCH = 1_700_000_000_000

/** Runs the sybil setup (or, with `sybils: 0`, the baseline on the same honest graph) with gossip relays. */
export async function runSybilScenario(s: SybilSetup): Promise<SimRun> {
  const n = s.honest + s.sybils
  const plan = planSybils({
    honest: s.honest,
    sybils: s.sybils,
    sybilDegree: s.sybilDegree,
    boot: s.boot,
    flashAt: EPOCH + s.flashMs,
    seed: s.seed,
  })
  return runRelayScenario({
    seed: s.seed,
    options: s.options,
    scenario: {
      name: `sybils-${s.boot}`,
      ...(s.cipher === undefined ? {} : { cipher: s.cipher }),
      duration: s.durationMs,
      nodes: { count: n, startSpread: '2s' },
      topology: { type: 'explicit', edges: plan.edges.map(([a, b]) => [a, b] as [number, number]) },
      links: s.link ?? {
        latency: { distribution: 'uniform', min: '10ms', max: '100ms' },
        bandwidth: '100Mbps',
      },
      network: { maxInbound: 200 },
      workload: [
        {
          type: 'block',
          size: s.blockSize,
          every: s.blockEvery,
          start: s.blockStartMs ?? (s.boot === 'warm' ? s.warmMs + 20_000 : 35_000),
          from: `n0..n${s.honest - 1}`,
          via: 'gossip',
        },
      ],
      ...(s.sybils === 0
        ? {}
        : { adversaries: [{ nodes: `n${s.honest}..n${n - 1}`, name: 'sybil', hooks: {} }] }),
    },
    sybil: (node: SimNodeHandle) => {
      const b = plan.behaviour(node.index)
      if (b !== undefined && s.boot === 'warm') joinLater(node, plan, EPOCH + s.warmMs)
      return b
    },
  })
}
