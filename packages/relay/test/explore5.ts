import { STRATEGIES } from './helpers/sim'
import { runSybilScenario } from './helpers/sybil'

const honest = Number(process.argv[2] ?? 100)
const sybils = Number(process.argv[3] ?? 25)
const size = process.argv[4] ?? '256KB'
for (const boot of (process.argv[5] ?? 'base,cold,warm').split(',')) {
  const t = performance.now()
  const r = await runSybilScenario({
    honest,
    sybils: boot === 'base' ? 0 : sybils,
    sybilDegree: 8,
    boot: boot === 'warm' ? 'warm' : 'cold',
    warmMs: 40_000,
    flashMs: boot === 'warm' ? 75_000 : 60_000,
    blockSize: size,
    blockEvery: '5s',
    durationMs: boot === 'warm' ? 120_000 : 100_000,
    seed: 1,
    options: STRATEGIES.gossip,
  })
  const v = r.report.summary.byVia?.gossip
  const g = r.statuses.reduce(
    (a, s) => ({
      graft: a.graft + s.gossip.graftSent,
      prune: a.prune + s.gossip.pruneSent,
      broken: a.broken + s.gossip.brokenPreambles + s.gossip.brokenPromises,
      iwant: a.iwant + s.gossip.iwantServed,
      gray: a.gray + s.graylisted,
    }),
    { graft: 0, prune: 0, broken: 0, iwant: 0, gray: 0 },
  )
  console.log(
    boot,
    JSON.stringify({
      delivery: v?.deliveryRatio,
      p50: v?.latencyMs.p50,
      p90: v?.latencyMs.p90,
      p99: v?.latencyMs.p99,
      dup: v?.duplicatesPerNodePerMessage,
      n: v?.published,
      ...g,
      wall: Math.round(performance.now() - t),
    }),
  )
}
