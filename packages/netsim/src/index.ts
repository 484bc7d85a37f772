/**
 * @packageDocumentation
 * chainwire's network simulator: a deterministic discrete-event scheduler with a virtual clock, seeded
 * randomness, and a simulated transport (latency, bandwidth, loss, queues, cut links, crashes) under the
 * real @chainwire/network. Scenarios are TypeScript (`defineScenario`) or JSON/YAML files; a run
 * (`runScenario`) returns a report that is identical, byte for byte, for the same scenario and seed.
 *
 * ```ts
 * const scenario = defineScenario({ duration: '30s', nodes: 50, workload: [{ type: 'block', every: '5s', size: '50KB' }] })
 * const { report, svg } = await runScenario(scenario, { seed: 1 })
 * ```
 */

/** The generator of every simulation, re-exported from `@chainwire/interface` (its one implementation). */
/** Thrown for an unknown or out-of-range option (`ERR_INVALID_OPTIONS`): interface's one class, re-exported. */
export { InvalidOptionsError, Xoshiro128 } from '@chainwire/interface'
export {
  InvalidArgumentError,
  NetsimError,
  type NetsimErrorCode,
  PunchFailedError,
  ScenarioFileError,
  ScenarioInvalidError,
  SimulationAbortedError,
  SimulationFailedError,
} from './errors'
export { LinkModel, type PairParams } from './links/model'
export {
  NatBox,
  type NatFilteringBehaviour,
  type NatMapping,
  type NatMappingBehaviour,
  type NatSpec,
  natLabel,
} from './links/nat'
export {
  type NatCounters,
  NatLayer,
  type NatWorld,
  type PublicAddress,
  type PunchPortOwner,
} from './links/nat-layer'
export { type PathParams, retransmitTimeoutMs, SerialQueue, serializationNs } from './links/path'
export {
  createSimNetwork,
  SimNetwork,
  type SimNetworkComponents,
  type SimNetworkOptions,
  type TrafficSink,
} from './links/sim-network'
export type { CdfPoint, Quantiles } from './metrics/stats'
export { type Distribution, meanOf, sample } from './random/distribution'
export { Random } from './random/random'
export { seedState } from './random/seed-state'
export { renderSvg } from './report/svg'
export type {
  AdversaryReport,
  DeliverySummary,
  FaultReport,
  MessageReport,
  NodeReport,
  Report,
  TimelinePoint,
  ViaSummary,
} from './report/types'
export { type ReportFiles, reportJson, writeReport } from './report/write'
export { defineScenario } from './scenario/define'
export { loadScenario, parseScenario, type ScenarioFormat } from './scenario/load'
export type {
  AdversaryInput,
  BandwidthInput,
  BehaviourInput,
  ByteSizeInput,
  DistributionInput,
  DurationInput,
  FaultInput,
  LinkInput,
  LinksInput,
  NatEntry,
  NatInput,
  NodeSelectorInput,
  NodesInput,
  PingWorkloadInput,
  PublishWorkloadInput,
  RandomPickInput,
  RegionInput,
  ReportInput,
  Scenario,
  ScenarioInput,
  ScheduleInput,
  SubnetInput,
  SubnetSpec,
  TopologyInput,
  WorkloadInput,
} from './scenario/types'
export { SimClock } from './scheduler/clock'
export type { TimerOwner } from './scheduler/event'
export {
  createScheduler,
  MAX_VIRTUAL_MS,
  NS_PER_MS,
  nextTurn,
  type RunOptions,
  Scheduler,
  type SchedulerOptions,
} from './scheduler/scheduler'
export type { PayloadKind } from './sim/payload'
export { type Propagation, readWorkloadMessage, type WorkloadMessageInfo } from './sim/propagation'
export { parseSimPortAddress, simPortAddress } from './sim/punch-port'
export { type RunScenarioOptions, type RunStats, runScenario, type SimulationResult } from './sim/runner'
export type {
  AdversaryContext,
  AdversaryHooks,
  NodeSetup,
  PropagatedMessage,
  RelayDecision,
  SimNodeHandle,
  SimPort,
} from './sim/types'
export {
  MAX_SEMI_SPACE_MB,
  SEMI_SPACE_KB_PER_NODE,
  semiSpaceMbFor,
  youngGenerationHint,
} from './sim/young-generation'
