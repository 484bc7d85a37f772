import {
  defineScenario,
  type Report,
  type RunStats,
  readWorkloadMessage,
  runScenario,
  type ScenarioInput,
  type SimNodeHandle,
} from '@chainwire/netsim'
import type { RelayOptions, RelayStatus } from '../../src/index'
import { type SybilBehaviour, startSimRelay } from '../../src/testing/index'

/** One relay configuration measured in netsim. */
export interface SimRun {
  readonly report: Report
  readonly stats: RunStats
  /** Each honest node's relay status at the end. */
  readonly statuses: RelayStatus[]
}

/** What to simulate: a scenario (workload `via` labels name the strategy) and the relay on every node. */
export interface SimRelayScenario {
  readonly scenario: ScenarioInput
  readonly seed: number
  readonly options: RelayOptions
  /** Which nodes are sybils, and what they do. @default none */
  readonly sybil?: (node: SimNodeHandle) => SybilBehaviour | undefined
}

/**
 * Runs a scenario with a real relay on every node (netsim's own flooding replaced), validating workload
 * messages by their tag as honest chainwire nodes would.
 */
export async function runRelayScenario(s: SimRelayScenario): Promise<SimRun> {
  const statuses: RelayStatus[] = []
  const relays = new Map<number, { status(): RelayStatus }>()
  const sybils = new Set<number>()
  const scenario = defineScenario({
    ...s.scenario,
    setup: (node) => {
      const sybil = s.sybil?.(node)
      if (sybil !== undefined) sybils.add(node.index)
      return startSimRelay(node, {
        options: s.options,
        validate: (m) => (readWorkloadMessage(m)?.valid === false ? 'reject' : 'accept'),
        ...(sybil === undefined ? {} : { sybil }),
        onStart: (relay) => relays.set(node.index, relay),
      })
    },
  })
  const { report, stats } = await runScenario(scenario, {
    seed: s.seed,
    onEnd: (nodes) => {
      for (const n of nodes) {
        const r = relays.get(n.index)
        if (r !== undefined && !sybils.has(n.index)) statuses.push(r.status())
      }
    },
  })
  return { report, stats, statuses }
}

/** The relay options of each strategy compared in the tests and the benchmark. */
export const STRATEGIES: Readonly<Record<string, RelayOptions>> = {
  flood: { relayMode: 'flood', topics: { blocks: {}, transactions: {} } },
  gossip: { relayMode: 'gossip', topics: { blocks: {}, transactions: {} } },
  'gossip-no-idontwant': {
    relayMode: 'gossip',
    gossip: { idontwant: false },
    topics: { blocks: {}, transactions: {} },
  },
  announce: { topics: { blocks: { strategy: 'announce' }, transactions: { strategy: 'announce' } } },
}
