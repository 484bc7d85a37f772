import type { MessageType } from '@chainwire/protocol-codec'
import type { BuiltinTopic } from '../types'

/** The catalog types each built-in topic carries. */
export const BUILTIN_TOPIC_TYPES: Readonly<Record<BuiltinTopic, readonly MessageType[]>> = Object.freeze({
  blocks: Object.freeze(['new_block'] as MessageType[]),
  transactions: Object.freeze(['new_transaction'] as MessageType[]),
  consensus: Object.freeze(['consensus_vote', 'consensus_proposal', 'validator_set'] as MessageType[]),
})

const topicOfType = new Map<MessageType, BuiltinTopic>()
for (const [topic, types] of Object.entries(BUILTIN_TOPIC_TYPES) as [BuiltinTopic, MessageType[]][]) {
  for (const t of types) topicOfType.set(t, topic)
}

/** The built-in topic a catalog type belongs to, or undefined. */
export function topicOfMessageType(type: MessageType): BuiltinTopic | undefined {
  return topicOfType.get(type)
}

/** Whether `topic` is one of the built-in topics (its messages travel as their own catalog types). */
export function isBuiltinTopic(topic: string): topic is BuiltinTopic {
  return topic === 'blocks' || topic === 'transactions' || topic === 'consensus'
}

/** The catalog types relay carries natively (one handler each). */
export const CARRIED_TYPES: readonly MessageType[] = Object.freeze([...topicOfType.keys()])
