import { createHash } from 'node:crypto'
import type { Clock } from '@chainwire/interface'
import { encode, type Message } from '@chainwire/protocol-codec'
import type { RelayOptions } from '../options'
import { RelayService } from '../relay'
import type { Relay, RelayComponents, RelayNetwork, TopicContent, ValidationResult } from '../types'

/** The parts of a simulated node the adapter uses; netsim's `SimNodeHandle` fits as it is. */
export interface SimNodeLike {
  readonly network: RelayNetwork
  readonly clock: Clock
  readonly random: { next(): number }
  /** Hands the node's propagation to a service (netsim: workload messages go to `publish`). */
  usePropagation(propagation: { publish(message: Message, via: string | undefined): void }): void
}

/**
 * What an adversarial relay does (the gossipsub v1.1 evaluation's sybils): `censor` joins meshes and gossips
 * like anyone but never relays a message; `graft-spam` censors and also GRAFTs every peer on every topic each
 * heartbeat, backoff or not; `covert-flash` behaves honestly (earning score) until `atMs` on the node's
 * clock, then censors and spams GRAFT all at once.
 */
export type SybilBehaviour =
  | { readonly kind: 'censor' }
  | { readonly kind: 'graft-spam' }
  | { readonly kind: 'covert-flash'; readonly atMs: number }

/** Options of {@link startSimRelay}. */
export interface SimRelayOptions {
  /** The relay's options (the strategy of each topic). @default {} */
  readonly options?: RelayOptions
  /** Extra components (scores, misbehaviour sink, routing). @default none */
  readonly components?: Partial<RelayComponents>
  /** Validates workload messages (netsim: `readWorkloadMessage(m)?.valid`). @default accepts everything */
  readonly validate?: (message: Message) => ValidationResult
  /** Makes this node an adversary. @default honest */
  readonly sybil?: SybilBehaviour
  /** Called with the relay once it is started (to read its status at the end). */
  readonly onStart?: (relay: Relay) => void
}

/**
 * The id of a block as a chain gives it: SHA-256 of its header's msgpack encoding (the simulated relays use it
 * on the blocks topic unless the options set another). The default content hash would encode and hash the
 * whole block for every copy received: the same figures in virtual time, a multiple of the CPU at 1 MB.
 */
export function blockHeaderId(_topic: string, content: TopicContent): Uint8Array {
  const m = content.message
  const h = createHash('sha256')
  if (m?.type === 'new_block')
    h.update(
      encode({ type: 'new_block', data: { block: { header: m.data.block.header, transactions: [] } } }),
    )
  else if (m !== undefined) h.update(encode(m))
  else h.update(content.payload)
  return new Uint8Array(h.digest())
}

/** The built-in topic of a workload message (`new_block`: blocks, `new_transaction`: transactions). */
export function topicOfWorkload(message: Message): 'blocks' | 'transactions' {
  return message.type === 'new_block' ? 'blocks' : 'transactions'
}

/**
 * Starts a relay on a simulated node and hands it the node's propagation: workload messages are published on
 * their built-in topic (whose strategy the options set). Returns the cleanup that stops it (netsim runs it
 * when the node crashes or the run ends).
 */
export function startSimRelay(node: SimNodeLike, o: SimRelayOptions = {}): () => void {
  const clock = node.clock
  const sybil = o.sybil
  const honestUntil =
    sybil === undefined ? Number.POSITIVE_INFINITY : sybil.kind === 'covert-flash' ? sybil.atMs : 0
  const validate = o.validate ?? (() => 'accept' as const)
  const validator = (m: { message: Message | undefined }): ValidationResult => {
    if (clock.now() >= honestUntil) return 'ignore' // a censor: takes everything, relays nothing
    return m.message === undefined ? 'accept' : validate(m.message)
  }
  const base = o.options ?? {}
  const topics: Record<string, NonNullable<RelayOptions['topics']>[string]> = {}
  for (const [name, t] of Object.entries(base.topics ?? { blocks: {}, transactions: {} })) {
    topics[name] = name === 'blocks' ? { messageId: blockHeaderId, ...t, validator } : { ...t, validator }
  }
  const relay = new RelayService(
    { network: node.network, clock, random: () => node.random.next(), ...o.components },
    { ...base, topics },
  )
  relay.start()
  node.usePropagation({
    publish: (message) => {
      if (clock.now() >= honestUntil) return
      try {
        relay.publish(topicOfWorkload(message), message)
      } catch {
        // a node that already saw the message (or has not joined the topic) does not publish it again
      }
    },
  })
  let spam: ReturnType<Clock['setInterval']> | undefined
  if (sybil !== undefined && sybil.kind !== 'censor') {
    const every = base.gossip?.heartbeatIntervalMs ?? 1_000
    spam = clock.setInterval(() => {
      if (clock.now() < honestUntil) return
      for (const peer of node.network.peers()) {
        for (const topic of relay.topics())
          node.network.trySend(peer.peerId, { type: 'graft', data: { topic } })
      }
    }, every)
  }
  o.onStart?.(relay)
  return () => {
    clock.clearInterval(spam)
    relay.stop()
  }
}
