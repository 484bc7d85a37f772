import { seededRandom } from '@chainwire/interface/testing'
import type { ScenarioInput, SimNodeHandle } from '@chainwire/netsim'
import type { RelayOptions } from '../../src/index'
import type { SybilBehaviour } from '../../src/testing/index'
import { runRelayScenario, type SimRun } from './sim'

/** The gossipsub hardening setup, scaled: honest nodes, sybils that join them, and what the sybils do. */
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
  readonly blockEvery: string
  readonly durationMs: number
  readonly seed: number
  readonly options: RelayOptions
  readonly link?: ScenarioInput['links']
}

const EPOCH = 1_700_000_000_000

/**
 * An honest random graph of degree 8 (each honest node dials 4 honest nodes) plus sybils that each dial
 * `sybilDegree` honest nodes: inbound connections for the honest side, so they take no outbound slot and
 * count against nothing the mesh's Dout relies on. A third of the sybils censor, a third spam GRAFT, a third
 * behave until `flashMs` and then censor and spam at once (covert flash). With `sybils: 0` it is the
 * baseline run on the same honest graph.
 */
export async function runSybilScenario(s: SybilSetup): Promise<SimRun> {
  const random = seededRandom(s.seed * 7_919 + 1)
  const n = s.honest + s.sybils
  const edges: [number, number][] = []
  // honest: a random regular-ish graph, each node dialing 4 distinct others (configuration over a shuffled ring)
  for (let i = 0; i < s.honest; i++) {
    const picked = new Set<number>()
    while (picked.size < 4) {
      const j = Math.floor(random() * s.honest)
      if (j !== i) picked.add(j)
    }
    for (const j of picked) edges.push([i, j])
  }
  const sybilTargets = new Map<number, number[]>()
  for (let k = s.honest; k < n; k++) {
    const picked = new Set<number>()
    while (picked.size < Math.min(s.sybilDegree, s.honest)) picked.add(Math.floor(random() * s.honest))
    sybilTargets.set(k, [...picked])
    if (s.boot === 'cold') for (const j of picked) edges.push([k, j])
  }
  const behaviourOf = (i: number): SybilBehaviour | undefined => {
    if (i < s.honest) return undefined
    const k = (i - s.honest) % 3
    if (k === 0) return { kind: 'censor' }
    if (k === 1) return { kind: 'graft-spam' }
    return { kind: 'covert-flash', atMs: EPOCH + s.flashMs }
  }
  return runRelayScenario({
    seed: s.seed,
    options: s.options,
    scenario: {
      name: `sybils-${s.boot}`,
      duration: s.durationMs,
      nodes: { count: n, startSpread: '2s' },
      topology: { type: 'explicit', edges },
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
          start: s.boot === 'warm' ? s.warmMs + 20_000 : 35_000,
          from: `n0..n${s.honest - 1}`,
          via: 'gossip',
        },
      ],
      ...(s.sybils === 0
        ? {}
        : { adversaries: [{ nodes: `n${s.honest}..n${n - 1}`, name: 'sybil', hooks: {} }] }),
    },
    sybil: (node: SimNodeHandle) => {
      const b = behaviourOf(node.index)
      if (b !== undefined && s.boot === 'warm') {
        // join the honest network once it has settled
        const at = EPOCH + s.warmMs - node.clock.now()
        node.clock.setTimeout(
          () => {
            for (const j of sybilTargets.get(node.index) ?? []) {
              node.network.dial(`memory://n${j}`, { kind: 'manual' }).catch(() => {})
            }
          },
          Math.max(0, at),
        )
      }
      return b
    },
  })
}
