import type { NodeRole } from '@chainwire/interface'
import type { NetworkOptions } from '@chainwire/network'
import type { NatFilteringBehaviour, NatMappingBehaviour, NatSpec } from '../links/nat'
import type { Distribution } from '../random/distribution'
import type { AdversaryHooks, NodeSetup } from '../sim/types'

/** A duration: ms as a number, or a string with a unit: `'250ms'`, `'1.5s'`, `'2m'`, `'1h'`. */
export type DurationInput = number | string
/** A size: bytes as a number, or a string: `'512B'`, `'64KB'`, `'1MB'`, `'1KiB'`, `'4MiB'`. */
export type ByteSizeInput = number | string
/**
 * A bandwidth: bytes per second as a number, or a string: `'1MB/s'`, `'512KiB/s'`, `'100Mbps'`, `'1Gbps'`,
 * or `'unlimited'`.
 */
export type BandwidthInput = number | string

/** A distribution as written in a scenario: its parameters are durations. */
export type DistributionInput =
  | { distribution: 'fixed'; value: DurationInput }
  | { distribution: 'uniform'; min: DurationInput; max: DurationInput }
  | { distribution: 'normal'; mean: DurationInput; stddev: DurationInput; max?: DurationInput }
  | { distribution: 'lognormal'; median: DurationInput; sigma: number; max?: DurationInput }
  | { distribution: 'pareto'; scale: DurationInput; shape: number; max?: DurationInput }
  | { distribution: 'exponential'; mean: DurationInput; max?: DurationInput }

/**
 * Which nodes: an index (`3`), a name (`'n3'`), a range (`'n0..n49'`, both ends included), a region
 * (`'region:eu'`), a role (`'role:validator'`), `'all'`, a list of any of these, or `{ random: k, from? }`:
 * k nodes drawn with the scenario seed (from `from`, default all).
 */
export type NodeSelectorInput =
  | number
  | string
  | RandomPickInput
  | readonly (number | string | RandomPickInput)[]

/** `k` nodes drawn with the scenario seed from `from` (default all). */
export interface RandomPickInput {
  random: number
  from?: NodeSelectorInput
}

/** The parameters of a link (both directions between two nodes). */
export interface LinkInput {
  /** One-way propagation delay, drawn once per node pair. @default '50ms' */
  latency?: DurationInput | DistributionInput
  /** Extra delay drawn per chunk (order is still kept: a byte stream never reorders). @default none */
  jitter?: DurationInput | DistributionInput
  /** Serialization rate of each direction. @default 'unlimited' */
  bandwidth?: BandwidthInput
  /** Probability that one transmission of a chunk is lost and must be retransmitted. @default 0 */
  loss?: number
  /** Bytes a queue holds waiting for serialization (tail drop beyond, costing a retransmission). @default '4MB' */
  buffer?: ByteSizeInput
}

/** Link models: defaults and a region matrix. */
export interface LinksInput extends LinkInput {
  /**
   * Per region pair overrides: `regions.eu.us` is a latency (duration or distribution) or a partial
   * {@link LinkInput}. Symmetric: `eu.us` also gives `us.eu` unless that is set too. @default {}
   */
  regions?: Record<string, Record<string, DurationInput | DistributionInput | LinkInput>>
}

/** A region as listed under `nodes.regions`. */
export interface RegionInput {
  /** Share of the nodes placed in this region (weights are normalised). @default 1 */
  weight?: number
  /** Upload bandwidth of each node of the region, shared by all its links. @default links.uplink */
  uplink?: BandwidthInput
}

/** The node population. */
export interface NodesInput {
  /** How many nodes (named `n0` .. `n<count-1>`). Required. */
  count: number
  /** Regions and their weights; nodes fill them in order (`n0..` the first region). @default { default: 1 } */
  regions?: Record<string, number | RegionInput>
  /** Roles per node selector; nodes not listed are `['full']`. @default {} */
  roles?: Partial<Record<NodeRole, NodeSelectorInput>>
  /** Upload bandwidth of every node, shared by all its links. @default 'unlimited' */
  uplink?: BandwidthInput
  /** Nodes start at uniformly random times within this window from t = 0. @default '1s' */
  startSpread?: DurationInput
  /**
   * Synthetic IPs: the nodes of each entry get consecutive addresses of its IPv4 subnet (the first node,
   * lowest index first, the subnet's address + 1), instead of the default `10.a.b.c`. Subnets must not
   * overlap, a node may be in one entry only, and a subnet must hold its nodes. @default []
   */
  subnets?: readonly SubnetInput[]
  /**
   * NATs: the nodes of each entry sit behind a home router of that type (one router per node, its public IP
   * the node's synthetic IP). Nobody can dial them; their outbound connections go through NAT mappings that
   * time out; hole punching works or fails as the two NATs' behaviours allow. A node may be in one entry
   * only. @default [] (every node publicly reachable)
   */
  nat?: readonly NatInput[]
}

/** Nodes behind one kind of NAT. */
export interface NatInput {
  /** Which nodes. */
  nodes: NodeSelectorInput
  /** `endpoint-independent` (cone NATs, Linux MASQUERADE) or `endpoint-dependent` (symmetric). Required. */
  mapping: NatMappingBehaviour
  /** `endpoint-independent` (full cone), `address` (restricted) or `address-and-port` (port-restricted). Required. */
  filtering: NatFilteringBehaviour
  /** A mapping idle (no packet either way) for this long is removed. @default '124m' (RFC 5382's minimum for established TCP, 2 h 4 min) */
  timeout?: DurationInput
}

/** Nodes placed in one IPv4 subnet. */
export interface SubnetInput {
  /** Which nodes. */
  nodes: NodeSelectorInput
  /** The subnet, `a.b.c.d/p` with the host bits zero and `p` from 8 to 30, such as `'44.1.0.0/16'`. */
  cidr: string
}

/** Initial connections: each edge is dialed by its first node and kept (persistent peers). */
export type TopologyInput =
  | { type: 'random'; degree: number }
  | { type: 'ring'; neighbours?: number }
  | { type: 'full' }
  | { type: 'explicit'; edges: readonly (readonly [number | string, number | string])[] }
  | { type: 'none' }

/** When a repeated workload item runs. */
export interface ScheduleInput {
  /** A fixed period. */
  every?: DurationInput
  /** Poisson arrivals: events per second across the network. */
  rate?: number
  /** Explicit times. */
  at?: readonly DurationInput[]
  /** First possible time. @default '0s' (after the start spread for `every`) */
  start?: DurationInput
  /** Last possible time. @default the scenario's duration */
  end?: DurationInput
}

/** Messages published and flooded by the nodes. */
export interface PublishWorkloadInput extends ScheduleInput {
  /** `block`: a `new_block` (a block 'mined' by the node); `transaction`: a `new_transaction`. */
  type: 'block' | 'transaction'
  /** Payload bytes (the encoded message is a little larger; the report gives the real size). */
  size: ByteSizeInput
  /** Who publishes: a node selector; each event picks one of them at random. @default any running honest node */
  from?: NodeSelectorInput
  /**
   * A label for how the messages propagate (1-64 characters), handed to each node's propagation service
   * (`usePropagation`) and reported per label (`summary.byVia`). @default none
   */
  via?: string
}

/** Every node pings every connected peer. */
export interface PingWorkloadInput {
  type: 'ping'
  /** Period of each node's ping round. */
  every: DurationInput
  /** @default '0s' */
  start?: DurationInput
  /** @default the scenario's duration */
  end?: DurationInput
}

/** One workload item. */
export type WorkloadInput = PublishWorkloadInput | PingWorkloadInput

/** A fault at a time. */
export type FaultInput =
  | { at: DurationInput; partition: readonly NodeSelectorInput[] }
  | { at: DurationInput; heal: true | 'all' | readonly [NodeSelectorInput, NodeSelectorInput] }
  | { at: DurationInput; cut: readonly [NodeSelectorInput, NodeSelectorInput] }
  | { at: DurationInput; crash: NodeSelectorInput }
  | { at: DurationInput; restart: NodeSelectorInput }
  | {
      at: DurationInput
      churn: {
        /** End of the churn window. @default the scenario's duration */
        until?: DurationInput
        /** Crashes per second across the network (Poisson). */
        rate: number
        /** How long a churned node stays down. @default '10s' */
        downtime?: DurationInput | DistributionInput
        /** Nodes that may churn. @default all honest nodes */
        nodes?: NodeSelectorInput
      }
    }

/** A built-in adversary behaviour, as named in scenario files. */
export type BehaviourInput =
  | { behaviour: 'drop'; probability?: number }
  | { behaviour: 'delay'; delay: DurationInput | DistributionInput }
  | { behaviour: 'spam'; rate: number; size?: ByteSizeInput }
  | { behaviour: 'lie'; probability?: number }

/** Adversarial nodes: a built-in behaviour, or (TypeScript only) hook functions. */
export type AdversaryInput = {
  nodes: NodeSelectorInput
  /** When the attack starts: before it the nodes behave honestly (they relay). @default '0s' */
  start?: DurationInput
  /** When it ends: after it they behave honestly again. @default the scenario's duration */
  end?: DurationInput
} & (BehaviourInput | { hooks: AdversaryHooks; name?: string })

/** How the report summarises. */
export interface ReportInput {
  /** Buckets of the delivery-over-time series. @default 60 */
  buckets?: number
  /** Points of each latency CDF. @default 101 */
  cdfPoints?: number
  /**
   * A delivery counts as on time when it arrives within this of publication: the timeline's `onTimeRatio`,
   * which drops where a partition, a crash or an attack slows messages down even if they arrive later.
   * @default '1s'
   */
  deadline?: DurationInput
}

/**
 * The AEAD that seals the nodes' Noise transport messages: `'chacha20-poly1305'`, the real cipher, or
 * `'null'`, which copies the plaintext and appends a zero tag of the real size. Frames have the same sizes
 * either way, so a run is the same run (same report but for this field), only cheaper; the handshake always
 * runs the real cipher.
 */
export type CipherName = 'chacha20-poly1305' | 'null'

/** A scenario as written: in TypeScript (`defineScenario`) or a JSON/YAML file. */
export interface ScenarioInput {
  /** @default 'scenario' */
  name?: string
  /** @default '' */
  description?: string
  /** Seed when the run gives none. @default 1 */
  seed?: number | string
  /** Virtual time simulated. Required. */
  duration: DurationInput
  /** The nodes: a count or a {@link NodesInput}. */
  nodes: number | NodesInput
  /** @default { type: 'random', degree: 8 } */
  topology?: TopologyInput
  /** @default latency 50 ms, unlimited bandwidth, no loss */
  links?: LinksInput
  /** @default [] */
  workload?: readonly WorkloadInput[]
  /** @default [] */
  faults?: readonly FaultInput[]
  /** @default [] */
  adversaries?: readonly AdversaryInput[]
  /**
   * @chainwire/network options for every node (listen, persistent peers and identity are netsim's). Plain
   * values only in files. @default netsim sizes the connection slots to the topology
   */
  network?: NetworkOptions
  /**
   * TypeScript only: @chainwire/network options for one node, merged over `network` (an adversary that
   * announces listen addresses it does not have, say). Listen, persistent peers and identity stay netsim's.
   * @default none: every node runs with `network`
   */
  networkFor?: (node: {
    readonly index: number
    readonly name: string
    readonly host: string
  }) => NetworkOptions | undefined
  /** @default {} */
  report?: ReportInput
  /** Noise transport cipher of every node (see {@link CipherName}). @default 'chacha20-poly1305' */
  cipher?: CipherName
  /**
   * TypeScript only: runs for each node incarnation after its network is created and before it starts, to
   * wire more real services (discovery, relay, sync) onto `node.network`. May return a cleanup function.
   */
  setup?: NodeSetup
}

// ------------------------------------------------------------------------------------- normalised forms

/** A node selector after validation: resolved against the node list when the run starts. */
export type NodeSelector =
  | { readonly kind: 'nodes'; readonly indexes: readonly number[] }
  | { readonly kind: 'region'; readonly region: string }
  | { readonly kind: 'role'; readonly role: NodeRole }
  | { readonly kind: 'all' }
  | { readonly kind: 'union'; readonly of: readonly NodeSelector[] }
  | { readonly kind: 'random'; readonly count: number; readonly from: NodeSelector }

/** Resolved link parameters (ms, bytes, bytes/s). */
export interface LinkSpec {
  readonly latency: Distribution
  readonly jitter: Distribution | undefined
  readonly bandwidth: number
  readonly loss: number
  readonly bufferBytes: number
}

/** A region after validation. */
export interface RegionSpec {
  readonly name: string
  readonly weight: number
  readonly uplink: number
}

/** A schedule after validation: exactly one of every / rate / at. */
export type Schedule =
  | { readonly kind: 'every'; readonly everyMs: number; readonly startMs: number; readonly endMs: number }
  | { readonly kind: 'rate'; readonly perSecond: number; readonly startMs: number; readonly endMs: number }
  | { readonly kind: 'at'; readonly timesMs: readonly number[] }

/** A workload item after validation. */
export type Workload =
  | {
      readonly type: 'block' | 'transaction'
      readonly sizeBytes: number
      readonly from: NodeSelector | undefined
      readonly schedule: Schedule
      readonly via: string | undefined
    }
  | { readonly type: 'ping'; readonly everyMs: number; readonly startMs: number; readonly endMs: number }

/** A fault after validation. */
export type Fault =
  | { readonly type: 'partition'; readonly atMs: number; readonly groups: readonly NodeSelector[] }
  | { readonly type: 'heal-all'; readonly atMs: number }
  | { readonly type: 'heal'; readonly atMs: number; readonly a: NodeSelector; readonly b: NodeSelector }
  | { readonly type: 'cut'; readonly atMs: number; readonly a: NodeSelector; readonly b: NodeSelector }
  | { readonly type: 'crash'; readonly atMs: number; readonly nodes: NodeSelector }
  | { readonly type: 'restart'; readonly atMs: number; readonly nodes: NodeSelector }
  | {
      readonly type: 'churn'
      readonly atMs: number
      readonly untilMs: number
      readonly perSecond: number
      readonly downtime: Distribution
      readonly nodes: NodeSelector | undefined
    }

/** A built-in behaviour after validation. */
export type Behaviour =
  | { readonly behaviour: 'drop'; readonly probability: number }
  | { readonly behaviour: 'delay'; readonly delay: Distribution }
  | { readonly behaviour: 'spam'; readonly perSecond: number; readonly sizeBytes: number }
  | { readonly behaviour: 'lie'; readonly probability: number }

/** An adversary after validation. */
export interface Adversary {
  readonly nodes: NodeSelector
  /** A name for the report: the behaviour, or the hooks' `name`. */
  readonly name: string
  readonly behaviour: Behaviour | undefined
  readonly hooks: AdversaryHooks | undefined
  /** The attack window, in virtual ms: `onMessage` is consulted and spam published only within it. */
  readonly startMs: number
  readonly endMs: number
}

/** A validated scenario with every default filled in: what {@link runScenario} takes. */
/** A validated `nodes.nat` entry. */
export interface NatEntry {
  readonly nodes: NodeSelector
  readonly nat: NatSpec
}

/** A validated `nodes.subnets` entry. */
export interface SubnetSpec {
  readonly nodes: NodeSelector
  /** As written, `a.b.c.d/p`. */
  readonly cidr: string
  /** The subnet's first address as an unsigned 32-bit number. */
  readonly base: number
  readonly prefix: number
}

export interface Scenario {
  readonly name: string
  readonly description: string
  readonly seed: number | string
  readonly durationMs: number
  readonly nodeCount: number
  readonly regions: readonly RegionSpec[]
  readonly roles: readonly { readonly role: NodeRole; readonly nodes: NodeSelector }[]
  /** `nodes.subnets`: the subnet's first address as a 32-bit number and its prefix length. */
  readonly subnets: readonly SubnetSpec[]
  /** `nodes.nat`: who is behind which NAT. */
  readonly nats: readonly NatEntry[]
  readonly startSpreadMs: number
  readonly topology:
    | { readonly type: 'random'; readonly degree: number }
    | { readonly type: 'ring'; readonly neighbours: number }
    | { readonly type: 'full' }
    | { readonly type: 'explicit'; readonly edges: readonly (readonly [number, number])[] }
    | { readonly type: 'none' }
  readonly links: LinkSpec
  /** Overrides per region pair, keyed `a\u0000b` (both orders present). */
  readonly regionLinks: ReadonlyMap<string, LinkSpec>
  readonly workload: readonly Workload[]
  readonly faults: readonly Fault[]
  readonly adversaries: readonly Adversary[]
  readonly network: NetworkOptions
  readonly networkFor: ScenarioInput['networkFor']
  readonly report: { readonly buckets: number; readonly cdfPoints: number; readonly deadlineMs: number }
  readonly cipher: CipherName
  readonly setup: NodeSetup | undefined
}
