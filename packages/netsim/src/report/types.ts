import type { NodeRole, PeerId } from '@chainwire/interface'
import type { CdfPoint, Quantiles } from '../metrics/stats'
import type { CipherName } from '../scenario/types'
import type { PayloadKind } from '../sim/payload'

/** Delivery of one kind of flooded message (or all of them). */
export interface DeliverySummary {
  /** Messages published. */
  readonly published: number
  /** (message, target node) pairs: every running honest node but the origin, at publication. */
  readonly targets: number
  /** Pairs reached. */
  readonly delivered: number
  /** delivered / targets; null when there were no targets (nothing to deliver is not 100%). */
  readonly deliveryRatio: number | null
  /** Pairs reached within the report's deadline (`scenario.deadlineMs`) of publication. */
  readonly onTime: number
  /** onTime / targets; null when there were no targets. */
  readonly onTimeRatio: number | null
  /** First-delivery latency over delivered pairs, in ms of virtual time. */
  readonly latencyMs: Quantiles
  /** Encoded size of the messages (framed payload, before Noise), in bytes. */
  readonly messageBytes: Quantiles
}

/**
 * Delivery of the workload messages of one `via` label (one propagation strategy): delivery and latency as
 * in {@link DeliverySummary}, plus what each delivery cost in copies.
 */
export interface ViaSummary extends DeliverySummary {
  /** Copies a target received after its first, per delivered (message, target) pair. */
  readonly duplicatesPerNodePerMessage: number
  /** The same in bytes (duplicate copies times the message's encoded size). */
  readonly duplicateBytesPerNodePerMessage: number
}

/** One flooded message. */
export interface MessageReport {
  readonly id: number
  readonly kind: PayloadKind
  /** Publisher's name. */
  readonly origin: string
  readonly publishedAtMs: number
  /** Requested payload bytes. */
  readonly payloadBytes: number
  /** Encoded size (framed payload, before Noise); 0 if nobody received it. */
  readonly messageBytes: number
  readonly targets: number
  readonly delivered: number
  /** delivered / targets; null when it had no targets. */
  readonly deliveryRatio: number | null
  readonly latencyMs: { readonly p50: number | null; readonly p90: number | null; readonly p99: number | null; readonly max: number | null }
  /** The workload item's label, if it had one. */
  readonly via?: string
  /** Copies its targets received after their first. */
  readonly duplicates: number
}

/** One node over the whole run. */
export interface NodeReport {
  readonly name: string
  readonly peerId: PeerId
  readonly host: string
  readonly region: string
  readonly roles: readonly NodeRole[]
  /** The adversary behaviours it runs (empty for honest nodes). */
  readonly adversary: readonly string[]
  /** Whether it was running at the end. */
  readonly up: boolean
  /** Peers connected at the end. */
  readonly peers: number
  /** The NAT in front of it (`EIM/APDF`: endpoint-independent mapping, address-and-port-dependent filtering ...), absent when public. */
  readonly nat?: string
  /** Bytes in and out on the simulated wire: Noise and framing included, a retransmitted chunk counted once. */
  readonly bytesIn: number
  readonly bytesOut: number
  readonly retransmits: number
  readonly published: number
  readonly received: number
  readonly duplicates: number
  readonly invalid: number
  readonly relayed: number
  readonly connected: number
  readonly disconnected: number
  readonly rejected: number
  readonly misbehaved: number
  readonly crashes: number
  readonly restarts: number
  readonly pingsSent: number
  readonly pingsAnswered: number
  readonly pingsFailed: number
  /** Messages it received first and did not relay (adversaries only). */
  readonly dropped: number
  /** Messages it relayed late (adversaries only). */
  readonly delayed: number
  /** Messages it relayed as tampered copies (adversaries only). */
  readonly tampered: number
}

/** Delivery of the messages published in one window of time. */
export interface TimelinePoint {
  readonly startMs: number
  readonly published: number
  readonly targets: number
  readonly delivered: number
  /** delivered / targets; null when nothing was published in the window, or it had no targets. */
  readonly deliveryRatio: number | null
  /** Pairs reached within the deadline (`scenario.deadlineMs`) of publication. */
  readonly onTime: number
  /** onTime / targets; null as `deliveryRatio`. Drops where a partition, crash or attack slows delivery. */
  readonly onTimeRatio: number | null
  /** The fewest honest nodes running at any moment of the window. */
  readonly honestUp: number
  /** Spam messages adversaries published in the window. */
  readonly spam: number
  /** Messages adversaries dropped, delayed or tampered with in the window. */
  readonly dropped: number
  readonly delayed: number
  readonly tampered: number
}

/** An adversary entry of the scenario: its behaviour (or hooks' name), how many nodes play it, and when. */
export interface AdversaryReport {
  readonly name: string
  readonly nodes: number
  /** The attack window, in virtual ms since the start. */
  readonly startMs: number
  readonly endMs: number
}

/** A fault or lifecycle action, as applied. */
export interface FaultReport {
  readonly atMs: number
  readonly type: string
  /** Names of the nodes concerned (empty for network-wide actions). */
  readonly nodes: readonly string[]
}

/**
 * What a run produces (`report.json`): identical, byte for byte, for the same scenario and seed. Times are
 * virtual ms since the start (nanosecond precision); sizes are bytes.
 */
export interface Report {
  readonly version: 1
  readonly scenario: {
    readonly name: string
    readonly description: string
    readonly seed: number | string
    readonly durationMs: number
    readonly nodes: number
    readonly regions: Readonly<Record<string, number>>
    readonly topology: string
    /** Initial connections (edges dialed at start). */
    readonly edges: number
    readonly adversaries: number
    /** Nodes that are not adversaries: the delivery targets. */
    readonly honestNodes: number
    /** The on-time deadline of deliveries, in ms (`report.deadline`). */
    readonly deadlineMs: number
    /** The Noise transport cipher the nodes used: the real one, or netsim's null cipher. */
    readonly cipher: CipherName
  }
  readonly summary: {
    /** Workload messages (blocks and transactions; spam excluded). */
    readonly messages: DeliverySummary
    readonly byKind: Readonly<Partial<Record<PayloadKind, DeliverySummary>>>
    /** Workload messages per `via` label (absent when no item has one). */
    readonly byVia?: Readonly<Record<string, ViaSummary>>
    /** Receipts of messages a node already had, per node. */
    readonly duplicatesPerNode: Quantiles
    readonly bytesInPerNode: Quantiles
    readonly bytesOutPerNode: Quantiles
    readonly pings: {
      readonly sent: number
      readonly answered: number
      readonly failed: number
      readonly rttMs: Quantiles
    }
    readonly connections: {
      readonly connected: number
      readonly disconnected: number
      readonly rejected: number
      /** Peers per running node at the end. */
      readonly peersAtEnd: Quantiles
    }
    readonly faults: number
    /** What adversaries did to the messages they received first, instead of relaying them at once. */
    readonly adversaryActions: { readonly dropped: number; readonly delayed: number; readonly tampered: number }
    /** Events the scheduler fired (timers, packets, workload and fault actions). */
    readonly events: number
    /** The NATs (`nodes.nat`), absent when every node is public. */
    readonly nat?: {
      /** Nodes behind a NAT. */
      readonly nodes: number
      /** Nodes per NAT type (`EIM/APDF` ...). */
      readonly byType: Readonly<Record<string, number>>
      /** Dials dropped at the target's NAT (unsolicited inbound). */
      readonly filteredDials: number
      /** Hole-punch SYNs dropped at the target's NAT. */
      readonly filteredSyns: number
      /** Connections reset because a NAT mapping they used timed out. */
      readonly expiredConnections: number
      /** Simultaneous opens (hole punches) that connected. */
      readonly punched: number
    }
  }
  readonly messages: readonly MessageReport[]
  readonly nodes: readonly NodeReport[]
  readonly timeline: { readonly bucketMs: number; readonly points: readonly TimelinePoint[] }
  /** Latency CDF of workload messages, per kind and for all: fraction of (message, target) pairs reached by x ms. */
  readonly latencyCdf: Readonly<Record<string, readonly CdfPoint[]>>
  /** The scenario's adversary entries and their windows. */
  readonly adversaries: readonly AdversaryReport[]
  readonly faults: readonly FaultReport[]
}
