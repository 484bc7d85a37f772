import { natLabel } from '../links/nat'
import type { NatCounters } from '../links/nat-layer'
import type { MessageRecord, MetricsCollector } from '../metrics/collector'
import { cdf, quantiles, round6 } from '../metrics/stats'
import type { CipherName, Scenario } from '../scenario/types'
import type { SimNode } from '../sim/node'
import type { PayloadKind } from '../sim/payload'
import type { DeliverySummary, MessageReport, NodeReport, Report, TimelinePoint, ViaSummary } from './types'

/** What the report is built from: the scenario, the nodes, what was collected. */
export interface ReportInput {
  readonly scenario: Scenario
  readonly seed: number | string
  /** The Noise transport cipher the run used. */
  readonly cipher: CipherName
  readonly nodes: readonly SimNode[]
  readonly metrics: MetricsCollector
  readonly edges: number
  readonly events: number
  /** Nodes each adversary entry of the scenario resolved to, in scenario order. */
  readonly adversaryCounts: readonly number[]
  /** What the NATs did (the simulated network's counters). */
  readonly nat: NatCounters
}

/** `part / whole`, or null when there is no whole (no targets: nothing to deliver is not 100%). */
function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : round6(part / whole)
}

/** Deliveries of `r` within `deadlineMs` of its publication. */
function onTimeOf(r: MessageRecord, deadlineMs: number): number {
  let k = 0
  for (const l of r.latenciesMs) if (l <= deadlineMs) k++
  return k
}

function delivery(records: readonly MessageRecord[], deadlineMs: number): DeliverySummary {
  let targets = 0
  let delivered = 0
  let onTime = 0
  const latencies: number[] = []
  const sizes: number[] = []
  for (const r of records) {
    targets += r.targets
    delivered += r.delivered
    onTime += onTimeOf(r, deadlineMs)
    for (const l of r.latenciesMs) latencies.push(l)
    if (r.wireBytes > 0) sizes.push(r.wireBytes)
  }
  return {
    published: records.length,
    targets,
    delivered,
    deliveryRatio: ratio(delivered, targets),
    onTime,
    onTimeRatio: ratio(onTime, targets),
    latencyMs: quantiles(latencies),
    messageBytes: quantiles(sizes),
  }
}

function viaSummary(records: readonly MessageRecord[], deadlineMs: number): ViaSummary {
  const d = delivery(records, deadlineMs)
  let dups = 0
  let dupBytes = 0
  for (const r of records) {
    dups += r.duplicates
    dupBytes += r.duplicates * r.wireBytes
  }
  return {
    ...d,
    duplicatesPerNodePerMessage: d.delivered === 0 ? 0 : round6(dups / d.delivered),
    duplicateBytesPerNodePerMessage: d.delivered === 0 ? 0 : round6(dupBytes / d.delivered),
  }
}

function messageReport(r: MessageRecord, nodes: readonly SimNode[]): MessageReport {
  const q = quantiles(r.latenciesMs)
  return {
    id: r.id,
    kind: r.kind,
    origin: (nodes[r.origin] as SimNode).name,
    publishedAtMs: r.publishedNs / 1_000_000,
    payloadBytes: r.payloadBytes,
    messageBytes: r.wireBytes,
    targets: r.targets,
    delivered: r.delivered,
    deliveryRatio: ratio(r.delivered, r.targets),
    latencyMs: { p50: q.p50, p90: q.p90, p99: q.p99, max: q.max },
    ...(r.via === undefined ? {} : { via: r.via }),
    duplicates: r.duplicates,
  }
}

/** Builds the report of a finished run (before the nodes are stopped). */
export function buildReport(input: ReportInput): Report {
  const { scenario, nodes, metrics } = input
  const deadlineMs = scenario.report.deadlineMs
  const workload = metrics.messages.filter((m) => m.kind !== 'spam')
  const byKind: Partial<Record<PayloadKind, DeliverySummary>> = {}
  for (const kind of ['block', 'transaction', 'spam'] as const) {
    const of = metrics.messages.filter((m) => m.kind === kind)
    if (of.length > 0) byKind[kind] = delivery(of, deadlineMs)
  }
  const byVia: Record<string, ViaSummary> = {}
  for (const via of [...new Set(workload.flatMap((m) => (m.via === undefined ? [] : [m.via])))].sort()) {
    byVia[via] = viaSummary(workload.filter((m) => m.via === via), deadlineMs)
  }
  const regions: Record<string, number> = {}
  for (const r of scenario.regions) regions[r.name] = 0
  for (const n of nodes) regions[n.region] = (regions[n.region] ?? 0) + 1

  const nodeReports: NodeReport[] = nodes.map((n) => {
    const c = metrics.nodes[n.index] as MetricsCollector['nodes'][number]
    return {
      name: n.name,
      peerId: n.identity.peerId,
      host: n.host,
      region: n.region,
      roles: [...n.roles],
      adversary: n.adversaryNames,
      up: n.up,
      peers: n.peerCount(),
      ...(n.nat === undefined ? {} : { nat: natLabel(n.nat) }),
      ...c,
    }
  })
  const natTypes: Record<string, number> = {}
  for (const n of nodes) if (n.nat !== undefined) natTypes[natLabel(n.nat)] = (natTypes[natLabel(n.nat)] ?? 0) + 1
  const natNodes = Object.values(natTypes).reduce((a, b) => a + b, 0)
  const pings = metrics.nodes.reduce(
    (acc, c) => ({
      sent: acc.sent + c.pingsSent,
      answered: acc.answered + c.pingsAnswered,
      failed: acc.failed + c.pingsFailed,
    }),
    { sent: 0, answered: 0, failed: 0 },
  )
  const sum = (k: 'connected' | 'disconnected' | 'rejected'): number =>
    metrics.nodes.reduce((s, c) => s + c[k], 0)

  const latencyCdf: Record<string, ReturnType<typeof cdf>> = {}
  const points = scenario.report.cdfPoints
  const allLatencies: number[] = []
  let allTargets = 0
  for (const kind of ['block', 'transaction'] as const) {
    const of = workload.filter((m) => m.kind === kind)
    if (of.length === 0) continue
    const lat = of.flatMap((m) => m.latenciesMs)
    const targets = of.reduce((s, m) => s + m.targets, 0)
    latencyCdf[kind] = cdf(lat, targets, points)
    for (const l of lat) allLatencies.push(l)
    allTargets += targets
  }
  if (Object.keys(latencyCdf).length > 1) latencyCdf.all = cdf(allLatencies, allTargets, points)

  return {
    version: 1,
    scenario: {
      name: scenario.name,
      description: scenario.description,
      seed: input.seed,
      durationMs: scenario.durationMs,
      nodes: nodes.length,
      regions,
      topology: describeTopology(scenario.topology),
      edges: input.edges,
      adversaries: nodes.filter((n) => n.adversarial).length,
      honestNodes: nodes.filter((n) => !n.adversarial).length,
      deadlineMs,
      cipher: input.cipher,
    },
    summary: {
      messages: delivery(workload, deadlineMs),
      byKind,
      ...(Object.keys(byVia).length === 0 ? {} : { byVia }),
      duplicatesPerNode: quantiles(metrics.nodes.map((c) => c.duplicates)),
      bytesInPerNode: quantiles(metrics.nodes.map((c) => c.bytesIn)),
      bytesOutPerNode: quantiles(metrics.nodes.map((c) => c.bytesOut)),
      pings: { ...pings, rttMs: quantiles(metrics.pingRttsMs) },
      connections: {
        connected: sum('connected'),
        disconnected: sum('disconnected'),
        rejected: sum('rejected'),
        peersAtEnd: quantiles(nodes.filter((n) => n.up).map((n) => n.peerCount())),
      },
      faults: metrics.faults.length,
      adversaryActions: {
        dropped: metrics.adversaryActionsNs.dropped.length,
        delayed: metrics.adversaryActionsNs.delayed.length,
        tampered: metrics.adversaryActionsNs.tampered.length,
      },
      events: input.events,
      ...(natNodes === 0
        ? {}
        : { nat: { nodes: natNodes, byType: sortedRecord(natTypes), ...input.nat } }),
    },
    messages: metrics.messages.map((m) => messageReport(m, nodes)),
    nodes: nodeReports,
    timeline: timeline(metrics, scenario.durationMs, scenario.report.buckets, deadlineMs),
    latencyCdf,
    adversaries: scenario.adversaries.map((a, k) => ({
      name: a.name,
      nodes: input.adversaryCounts[k] ?? 0,
      startMs: a.startMs,
      endMs: a.endMs,
    })),
    faults: metrics.faults.map((f) => ({
      atMs: f.atMs,
      type: f.type,
      nodes: f.nodes.map((i) => (nodes[i] as SimNode).name),
    })),
  }
}

/** Per window of publication time: delivery, on-time delivery, honest nodes up and what adversaries did. */
function timeline(
  metrics: MetricsCollector,
  durationMs: number,
  buckets: number,
  deadlineMs: number,
): { bucketMs: number; points: TimelinePoint[] } {
  const bucketMs = durationMs / buckets
  const bucketOf = (ns: number): number => Math.min(buckets - 1, Math.floor(ns / 1_000_000 / bucketMs))
  const acc = Array.from({ length: buckets }, () => ({
    published: 0,
    targets: 0,
    delivered: 0,
    onTime: 0,
    spam: 0,
    dropped: 0,
    delayed: 0,
    tampered: 0,
  }))
  for (const r of metrics.messages) {
    const b = acc[bucketOf(r.publishedNs)] as (typeof acc)[number]
    if (r.kind === 'spam') {
      b.spam++
      continue
    }
    b.published++
    b.targets += r.targets
    b.delivered += r.delivered
    b.onTime += onTimeOf(r, deadlineMs)
  }
  for (const action of ['dropped', 'delayed', 'tampered'] as const) {
    for (const ns of metrics.adversaryActionsNs[action]) (acc[bucketOf(ns)] as (typeof acc)[number])[action]++
  }
  const up = honestUpByBucket(metrics, buckets, bucketMs)
  return {
    bucketMs: round6(bucketMs),
    points: acc.map((b, k) => {
      const has = b.published > 0 && b.targets > 0
      return {
        startMs: round6(k * bucketMs),
        published: b.published,
        targets: b.targets,
        delivered: b.delivered,
        deliveryRatio: has ? round6(b.delivered / b.targets) : null,
        onTime: b.onTime,
        onTimeRatio: has ? round6(b.onTime / b.targets) : null,
        honestUp: up[k] as number,
        spam: b.spam,
        dropped: b.dropped,
        delayed: b.delayed,
        tampered: b.tampered,
      }
    }),
  }
}

/** The fewest honest nodes running at any moment of each window (a step function walked once). */
function honestUpByBucket(metrics: MetricsCollector, buckets: number, bucketMs: number): number[] {
  const times = metrics.honestChangesNs
  const values = metrics.honestRunning
  const out: number[] = []
  let k = 0
  let level = 0
  for (let b = 0; b < buckets; b++) {
    const startNs = b * bucketMs * 1_000_000
    const endNs = (b + 1) * bucketMs * 1_000_000
    // The level in force at the window's start, then every level the window passes through.
    while (k < times.length && (times[k] as number) <= startNs) level = values[k++] as number
    let low = level
    while (k < times.length && (times[k] as number) < endNs) {
      level = values[k++] as number
      if (level < low) low = level
    }
    out.push(low)
  }
  return out
}

function describeTopology(t: Scenario['topology']): string {
  switch (t.type) {
    case 'random':
      return `random (degree ${t.degree})`
    case 'ring':
      return `ring (${t.neighbours} neighbour${t.neighbours === 1 ? '' : 's'} each way)`
    case 'full':
      return 'full mesh'
    case 'explicit':
      return `explicit (${t.edges.length} edges)`
    case 'none':
      return 'none'
  }
}

/** The same record with its keys in order (a report is byte-for-byte reproducible). */
function sortedRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
