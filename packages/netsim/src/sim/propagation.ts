import type { Message } from '@chainwire/protocol-codec'
import { readPayload } from './payload'

/**
 * A propagation service that takes over from netsim's built-in flooding on one node (a relay strategy, a
 * sync protocol): wired in `setup` with `node.usePropagation(...)`. Workload messages published on that node
 * go to it, with the workload item's `via` label (which strategy to use), and the node no longer floods what
 * it receives. netsim still counts every `new_block` / `new_transaction` the node's network receives (first
 * receipts, duplicates, latency), whoever sends them.
 */
export interface Propagation {
  /** Publishes a workload message from this node; `via` is the workload item's label, if it has one. */
  publish(message: Message, via: string | undefined): void
}

/** What a workload message says about itself: netsim's id, and whether its tag matches its content. */
export interface WorkloadMessageInfo {
  readonly id: number
  readonly valid: boolean
}

/**
 * Reads a `new_block` / `new_transaction` built by netsim's workload: its id and whether it is intact (a
 * tampered copy's tag does not match). A propagation service uses it to validate what it relays; undefined
 * for any other message.
 */
export function readWorkloadMessage(message: Message): WorkloadMessageInfo | undefined {
  return readPayload(message)
}
