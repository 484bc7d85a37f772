/**
 * @packageDocumentation
 * Helpers to run @chainwire/relay inside a network simulator (netsim's node handles fit structurally): a
 * relay per simulated node that takes over the node's propagation, and the adversarial relays of the
 * gossipsub hardening evaluation (censoring, GRAFT spam, covert flash).
 */
export {
  blockHeaderId,
  type SimNodeLike,
  type SimRelayOptions,
  type SybilBehaviour,
  startSimRelay,
  topicOfWorkload,
} from './sim'
export { joinLater, planSybils, type SybilPlan, type SybilPlanOptions } from './sybils'
export { type RelayTaskKind, type RelayTaskTimes, timeRelayTasks } from './tasks'
