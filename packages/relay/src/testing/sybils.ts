import type { Clock } from '@chainwire/interface'
import { seededRandom } from '@chainwire/interface/testing'
import type { RelayNetwork } from '../types'
import type { SybilBehaviour } from './sim'

/** Options of {@link planSybils}. */
export interface SybilPlanOptions {
  /** Honest nodes: `n0` .. `n<honest - 1>`. */
  readonly honest: number
  /** Sybils: the next `sybils` nodes. */
  readonly sybils: number
  /** Honest peers each honest node dials (its degree is about twice this). @default 4 */
  readonly honestDials?: number
  /** Honest nodes each sybil dials. */
  readonly sybilDegree: number
  /** `cold`: sybils dial at start (in the topology); `warm`: they dial later ({@link joinLater}). */
  readonly boot: 'cold' | 'warm'
  /** When covert-flash sybils turn, on the nodes' clocks (ms since the epoch). */
  readonly flashAt: number
  /** Seeds the topology. */
  readonly seed: number
}

/** The topology and the roles of a sybil experiment. */
export interface SybilPlan {
  /** `[from, to]`: from dials to (netsim's explicit topology). */
  readonly edges: readonly (readonly [number, number])[]
  /** The honest nodes each sybil dials (at start when cold, through {@link joinLater} when warm). */
  readonly targets: ReadonlyMap<number, readonly number[]>
  /** What node `i` does: undefined for honest nodes. */
  behaviour(i: number): SybilBehaviour | undefined
}

/**
 * The gossipsub v1.1 hardening setup (its "sybil" evaluation), for any simulator with an explicit topology:
 * an honest random graph (each honest node dials `honestDials` others), and sybils that each dial
 * `sybilDegree` honest nodes, so they are inbound peers of the honest side and never fill the outbound part
 * of a mesh (Dout). A third of the sybils censor, a third also spam GRAFT, a third behave until `flashAt` and
 * then do both at once (covert flash).
 */
export function planSybils(o: SybilPlanOptions): SybilPlan {
  const random = seededRandom(o.seed * 7_919 + 1)
  const dials = o.honestDials ?? 4
  const edges: [number, number][] = []
  for (let i = 0; i < o.honest; i++) {
    const picked = new Set<number>()
    while (picked.size < Math.min(dials, o.honest - 1)) {
      const j = Math.floor(random() * o.honest)
      if (j !== i) picked.add(j)
    }
    for (const j of picked) edges.push([i, j])
  }
  const targets = new Map<number, number[]>()
  for (let k = o.honest; k < o.honest + o.sybils; k++) {
    const picked = new Set<number>()
    while (picked.size < Math.min(o.sybilDegree, o.honest)) picked.add(Math.floor(random() * o.honest))
    targets.set(k, [...picked])
    if (o.boot === 'cold') for (const j of picked) edges.push([k, j])
  }
  return {
    edges,
    targets,
    behaviour: (i) => {
      if (i < o.honest || i >= o.honest + o.sybils) return undefined
      const k = (i - o.honest) % 3
      if (k === 0) return { kind: 'censor' }
      if (k === 1) return { kind: 'graft-spam' }
      return { kind: 'covert-flash', atMs: o.flashAt }
    },
  }
}

/** A warm-boot sybil dials its targets (`memory://n<j>`, netsim's addresses) at `at` on its clock. */
export function joinLater(
  node: { readonly index: number; readonly network: Pick<RelayNetwork, 'dial'>; readonly clock: Clock },
  plan: SybilPlan,
  at: number,
): void {
  node.clock.setTimeout(
    () => {
      for (const j of plan.targets.get(node.index) ?? []) {
        node.network.dial(`memory://n${j}`, { kind: 'manual' }).catch(() => {})
      }
    },
    Math.max(0, at - node.clock.now()),
  )
}
