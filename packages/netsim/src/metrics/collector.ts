import type { TrafficSink } from '../links/sim-network'
import type { PayloadKind } from '../sim/payload'

/** Everything counted about one node over the run (all incarnations). */
export interface NodeCounters {
  bytesIn: number
  bytesOut: number
  /** Chunks this node sent that were lost or tail-dropped and retransmitted. */
  retransmits: number
  /** Flooded messages published here. */
  published: number
  /** First receipts of flooded messages (valid ones). */
  received: number
  /** Receipts of messages this node already had. */
  duplicates: number
  /** Receipts rejected as tampered. */
  invalid: number
  /** Messages this node forwarded (first receipts it relayed). */
  relayed: number
  /** `peer:connected` events. */
  connected: number
  /** `peer:disconnected` events. */
  disconnected: number
  /** `connection:rejected` events (dials or inbound connections that never became peers). */
  rejected: number
  /** `peer:misbehaved` events (this node reported a peer). */
  misbehaved: number
  crashes: number
  restarts: number
  pingsSent: number
  pingsAnswered: number
  pingsFailed: number
  /** Messages this (adversarial) node received first and did not relay. */
  dropped: number
  /** Messages it relayed late. */
  delayed: number
  /** Messages it relayed as tampered copies. */
  tampered: number
}

/** What an adversarial node did with a message instead of relaying it at once. */
export type AdversaryAction = 'dropped' | 'delayed' | 'tampered'

/** One flooded message as tracked: when and where it was published, who had to get it, who did. */
export interface MessageRecord {
  readonly id: number
  readonly kind: PayloadKind
  readonly origin: number
  /** Virtual ns since the start. */
  readonly publishedNs: number
  readonly payloadBytes: number
  /** Framed size on the wire (before Noise), set by the first receipt. */
  wireBytes: number
  /** Per node: 0 not a target, 1 a target not reached yet, 2 reached. */
  readonly state: Uint8Array
  targets: number
  delivered: number
  /** First-delivery latencies of targets, in ms, in delivery order. */
  readonly latenciesMs: number[]
  /** The workload item's label (the propagation strategy it asked for), if any. */
  readonly via: string | undefined
  /** Receipts by targets that already had it. */
  duplicates: number
}

/** A fault or lifecycle action applied during the run. */
export interface FaultRecord {
  readonly atMs: number
  readonly type: string
  readonly nodes: readonly number[]
}

function emptyCounters(): NodeCounters {
  return {
    bytesIn: 0,
    bytesOut: 0,
    retransmits: 0,
    published: 0,
    received: 0,
    duplicates: 0,
    invalid: 0,
    relayed: 0,
    connected: 0,
    disconnected: 0,
    rejected: 0,
    misbehaved: 0,
    crashes: 0,
    restarts: 0,
    pingsSent: 0,
    pingsAnswered: 0,
    pingsFailed: 0,
    dropped: 0,
    delayed: 0,
    tampered: 0,
  }
}

/**
 * Collects what a run measures: traffic per node (as the simulated transport sees it, Noise and framing
 * included), every flooded message's deliveries, ping round trips and node events. Everything is keyed by
 * virtual time, so it is identical across runs of the same seed.
 */
export class MetricsCollector implements TrafficSink {
  readonly nodes: NodeCounters[] = []
  readonly messages: MessageRecord[] = []
  readonly pingRttsMs: number[] = []
  readonly faults: FaultRecord[] = []
  /** When adversaries dropped, delayed or tampered with a message (virtual ns), per action. */
  readonly adversaryActionsNs: Readonly<Record<AdversaryAction, number[]>> = {
    dropped: [],
    delayed: [],
    tampered: [],
  }
  /** Honest nodes running, as a step function: `honestRunning[k]` from `honestChangesNs[k]` on. */
  readonly honestChangesNs: number[] = []
  readonly honestRunning: number[] = []
  private honestNow = 0
  private readonly byId = new Map<number, MessageRecord>()
  private readonly nodeCount: number
  private nextId = 1

  constructor(nodeCount: number) {
    this.nodeCount = nodeCount
    for (let i = 0; i < nodeCount; i++) this.nodes.push(emptyCounters())
  }

  sent(node: number, bytes: number): void {
    ;(this.nodes[node] as NodeCounters).bytesOut += bytes
  }

  received(node: number, bytes: number): void {
    ;(this.nodes[node] as NodeCounters).bytesIn += bytes
  }

  retransmitted(node: number): void {
    ;(this.nodes[node] as NodeCounters).retransmits++
  }

  /** Counts a node event. */
  count(node: number, counter: keyof NodeCounters, by = 1): void {
    ;(this.nodes[node] as NodeCounters)[counter] += by
  }

  /**
   * Registers a message about to be published by `origin` at `nowNs`; `isTarget(i)` says which nodes must
   * get it (running honest nodes other than the origin). Returns its id.
   */
  publish(
    kind: PayloadKind,
    origin: number,
    nowNs: number,
    payloadBytes: number,
    isTarget: (node: number) => boolean,
    via?: string,
  ): MessageRecord {
    const state = new Uint8Array(this.nodeCount)
    let targets = 0
    for (let i = 0; i < this.nodeCount; i++) {
      if (i !== origin && isTarget(i)) {
        state[i] = 1
        targets++
      }
    }
    const record: MessageRecord = {
      id: this.nextId++,
      kind,
      origin,
      publishedNs: nowNs,
      payloadBytes,
      wireBytes: 0,
      state,
      targets,
      delivered: 0,
      latenciesMs: [],
      via,
      duplicates: 0,
    }
    this.messages.push(record)
    this.byId.set(record.id, record)
    this.count(origin, 'published')
    return record
  }

  /** The record of a message id, if netsim published it. */
  message(id: number): MessageRecord | undefined {
    return this.byId.get(id)
  }

  /**
   * A node received a flooded message. Returns 'first' for its first receipt (a delivery, if it was a
   * target), 'duplicate' otherwise; tampered copies are 'invalid' and deliver nothing.
   */
  receipt(
    node: number,
    id: number,
    nowNs: number,
    wireBytes: number,
    valid: boolean,
    firstForNode: boolean,
  ): 'first' | 'duplicate' | 'invalid' {
    const c = this.nodes[node] as NodeCounters
    if (!valid) {
      c.invalid++
      return 'invalid'
    }
    if (!firstForNode) {
      c.duplicates++
      const record = this.byId.get(id)
      if (record !== undefined && record.state[node] !== 0) record.duplicates++
      return 'duplicate'
    }
    c.received++
    const record = this.byId.get(id)
    if (record !== undefined) {
      if (record.wireBytes === 0) record.wireBytes = wireBytes
      if (record.state[node] === 1) {
        record.state[node] = 2
        record.delivered++
        record.latenciesMs.push(roundNs((nowNs - record.publishedNs) / 1_000_000))
      }
    }
    return 'first'
  }

  /** An adversarial node dropped, delayed or tampered with a message it received first. */
  adversary(node: number, action: AdversaryAction, nowNs: number): void {
    ;(this.nodes[node] as NodeCounters)[action]++
    this.adversaryActionsNs[action].push(nowNs)
  }

  /** An honest node started running (`+1`: started or restarted) or stopped (`-1`: crashed). */
  honestRunningChanged(delta: 1 | -1, nowNs: number): void {
    this.honestNow += delta
    const last = this.honestChangesNs.length - 1
    if (last >= 0 && this.honestChangesNs[last] === nowNs) this.honestRunning[last] = this.honestNow
    else {
      this.honestChangesNs.push(nowNs)
      this.honestRunning.push(this.honestNow)
    }
  }

  /** Records a ping round trip (ms). */
  ping(rttMs: number): void {
    this.pingRttsMs.push(rttMs)
  }

  /** Records a fault or lifecycle action. */
  fault(atMs: number, type: string, nodes: readonly number[]): void {
    this.faults.push({ atMs: roundNs(atMs), type, nodes: [...nodes] })
  }
}

/** Rounds ms to whole nanoseconds, so values print without binary noise. */
export function roundNs(ms: number): number {
  return Math.round(ms * 1_000_000) / 1_000_000
}
