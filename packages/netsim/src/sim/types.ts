import type { Clock, NodeRole, PeerId } from '@chainwire/interface'
import type { Network, RawConnection, Transport } from '@chainwire/network'
import type { Message } from '@chainwire/protocol-codec'
import type { NatSpec } from '../links/nat'
import type { Random } from '../random/random'
import type { PayloadKind } from './payload'
import type { Propagation } from './propagation'

/*
 * What scenarios see of a running simulation: node handles, setup functions and adversary hooks. The types
 * live here, apart from the code that implements them (node.ts, adversary.ts), so the scenario types, the
 * nodes and the adversaries can all use them without importing each other.
 */

/** One node as scenario hooks see it: the incarnation that is running now. */
export interface SimNodeHandle {
  /** Index in the scenario, from 0. */
  readonly index: number
  /** `n<index>`. */
  readonly name: string
  /** The address it listens on: `memory://n<index>`. */
  readonly address: string
  readonly peerId: PeerId
  /** Its synthetic IP (`nodes.subnets`, or `10.a.b.c`). */
  readonly host: string
  /**
   * The synthetic IP of the node listening on `address` (`memory://n<i>`, in any spelling with that canonical
   * form), or undefined for any other address: what a peer-store in the simulation needs to group addresses
   * by IP as on the internet.
   */
  hostOf(address: string): string | undefined
  readonly region: string
  readonly roles: readonly NodeRole[]
  /** 0 for the first start, +1 per restart. */
  readonly incarnation: number
  /** The real @chainwire/network of this incarnation. */
  readonly network: Network
  /**
   * The node's memory transport (the one its network runs on): more listeners and raw connections on the
   * same endpoint, through the same links and NAT, such as relay circuits (`memory://<name>` addresses).
   */
  readonly transport: Pick<Transport, 'dial' | 'listen'>
  /** The NAT in front of the node (`nodes.nat`), or undefined when it is publicly reachable. */
  readonly nat: NatSpec | undefined
  /**
   * Opens a punch port: a local port whose NAT mapping a simulated STUN Binding tells and from which a TCP
   * simultaneous open can be made (hole punching). Closed when the incarnation ends.
   */
  openPort(): Promise<SimPort>
  /** Its virtual clock (stops when the node crashes). */
  readonly clock: Clock
  /** Seeded randomness of this incarnation. */
  readonly random: Random
  /**
   * Hands this incarnation's propagation to a service (see {@link Propagation}): workload messages published
   * here go to it, and the built-in flooding stops. Call it from `setup`.
   */
  usePropagation(propagation: Propagation): void
}

/**
 * Wires more services onto each node incarnation (TypeScript scenarios): runs after the network is created,
 * before it starts. May return a cleanup function, run when the incarnation stops or crashes.
 */
export type NodeSetup = (node: SimNodeHandle) => undefined | (() => void) | Promise<undefined | (() => void)>

/** A flooded message as an adversary sees it on first receipt. */
export interface PropagatedMessage {
  readonly id: number
  readonly kind: PayloadKind
  /** The peer it came from. */
  readonly from: PeerId
  /** Framed size in bytes. */
  readonly size: number
  readonly message: Message
}

/**
 * What a node does with a message it received first: relay it to its other peers (what honest nodes do),
 * drop it, relay a tampered copy (same id, a tag that does not match), or relay it after a delay.
 */
export type RelayDecision = 'relay' | 'drop' | 'tamper' | { readonly delayMs: number }

/** What adversary hooks can use. */
export interface AdversaryContext {
  /** The node the hook runs on (its network, clock and seeded randomness). */
  readonly node: SimNodeHandle
  /** Seeded randomness of this adversary on this node. */
  readonly random: Random
  /**
   * Publishes and floods a message from this node, counted as spam (`spam: true`, the default) or as a
   * workload message. Returns its id.
   */
  publish(type: 'block' | 'transaction', payloadBytes: number, options?: { spam?: boolean }): number
}

/**
 * Custom adversarial behaviour (TypeScript scenarios). Hooks run on every incarnation of the node; timers
 * they start must use `ctx.node.clock` so they stop when the node crashes.
 */
export interface AdversaryHooks {
  /** Decides what to do with a message on its first receipt; `undefined` relays it. */
  onMessage?(message: PropagatedMessage, ctx: AdversaryContext): RelayDecision | undefined
  /** Runs when the node has started; may return a function run when it stops or crashes. */
  onStart?(ctx: AdversaryContext): undefined | (() => void)
}

/**
 * A bound local port of a simulated node that dials through one NAT mapping: what a hole punch needs (TCP
 * simultaneous open from a port whose mapping is known). `@chainwire/nat-traversal`'s `PunchPort` has the
 * same shape, so a scenario's `setup` hands these to its hole puncher.
 */
export interface SimPort {
  /** The local port (unique in the run). */
  readonly localPort: number
  /**
   * The address a server on node `server` (an index or its `memory://n<i>` address) sees this port at, as a
   * STUN Binding would tell it: the NAT mapping toward that server is created, and the answer comes one round
   * trip later. Rejects when the NAT has no port left or the server is unknown.
   */
  mappedAddress(server: number | string, options?: { signal?: AbortSignal }): Promise<string>
  /**
   * The simultaneous open: SYNs to every address (each retransmitted after 1 s, 2 s, 4 s ... like TCP's,
   * or 50 ms after a reset) until one connects through both NATs or `signal` aborts.
   */
  connect(remote: readonly string[], signal: AbortSignal): Promise<RawConnection>
  /** Releases the port (connections it made stay open). */
  close(): void
}
