import { runRelayScenario, STRATEGIES } from './helpers/sim'

const n = Number(process.argv[2] ?? 1000)
const size = process.argv[3] ?? '1MB'
for (const name of (process.argv[4] ?? 'gossip').split(',')) {
  const t = performance.now()
  const r = await runRelayScenario({
    seed: 1,
    options: STRATEGIES[name]!,
    scenario: {
      name,
      duration: '55s',
      nodes: { count: n, startSpread: '5s' },
      topology: { type: 'random', degree: 8 },
      links: { latency: { distribution: 'uniform', min: '10ms', max: '100ms' }, bandwidth: '100Mbps' },
      workload: [{ type: 'block', size, at: ['35s', '43s'], via: name }],
    },
  })
  const v = r.report.summary.byVia?.[name]
  console.log(
    name,
    JSON.stringify({
      delivery: v?.deliveryRatio,
      p50: v?.latencyMs.p50,
      p99: v?.latencyMs.p99,
      dup: v?.duplicatesPerNodePerMessage,
      bytesIn: r.report.summary.bytesInPerNode.mean,
      events: r.stats.events,
      wall: Math.round(performance.now() - t),
    }),
  )
}
