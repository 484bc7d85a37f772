import { defineScenario, runScenario } from '@chainwire/netsim'
import { startSimDiscovery } from './sim-node'

const BOOTSTRAP = 3
const OUTBOUND = 4

/**
 * Runs `nodes` nodes of discovery (3 bootstrap nodes, 4 outbound each) for `durationS` virtual seconds and
 * returns every node's connections at the end (peer, direction, kind) and every dial with its virtual time,
 * as one string: the same seed must give the same string.
 */
export async function discoveryRunTrace(seed: number, nodes: number, durationS: number): Promise<string> {
  const events: string[] = []
  let end = ''
  const scenario = defineScenario({
    name: 'discovery-determinism',
    duration: `${durationS}s`,
    nodes: { count: nodes, roles: { bootstrap: `n0..n${BOOTSTRAP - 1}` }, startSpread: '5s' },
    topology: { type: 'none' },
    links: { latency: { distribution: 'uniform', min: '10ms', max: '80ms' } },
    network: { maxOutboundFullRelay: OUTBOUND, maxOutboundBlockRelay: 0, maxInbound: 32 },
    setup: async (node) => {
      const { discovery, stop } = await startSimDiscovery(node, { bootstrap: BOOTSTRAP, outbound: OUTBOUND })
      discovery.on('dial:done', (e) => events.push(`${node.clock.now()} ${node.index} ${e.address} ${e.ok}`))
      return stop
    },
  })
  await runScenario(scenario, {
    seed,
    onEnd: (all) => {
      end = all
        .map((n) =>
          n.network
            .peers()
            .map((p) => `${p.peerId}/${p.direction}/${p.kind}`)
            .sort()
            .join(','),
        )
        .join('\n')
    },
  })
  return `${end}\n${events.join('\n')}`
}
