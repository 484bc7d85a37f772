import { defineScenario, type Scenario } from '@chainwire/netsim'

/**
 * The benchmark's network: `nodes` real @chainwire/network nodes on a random graph of degree 8, each pinging
 * every peer every 10 s, one 250-byte transaction per second flooded to every node, for `seconds` of
 * virtual time (nodes start within the first 5 s).
 */
export function benchScenario(nodes: number, seconds: number): Scenario {
  return defineScenario({
    name: `bench-${nodes}`,
    duration: seconds * 1_000,
    nodes: { count: nodes, startSpread: '5s' },
    topology: { type: 'random', degree: 8 },
    workload: [
      { type: 'ping', every: '10s' },
      { type: 'transaction', rate: 1, size: 250 },
    ],
  })
}
