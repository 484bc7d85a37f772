import { createHash } from 'node:crypto'
import type { PeerId } from '@chainwire/interface'
import { encode, type Message } from '@chainwire/protocol-codec'
import { RelayError } from '../errors'
import type { MessageIdFunction, TopicContent } from '../types'

/** Bytes of a message id (the `hash32` of ihave / iwant / idontwant / inv). */
export const MESSAGE_ID_BYTES = 32

const ZERO = Uint8Array.of(0)

/**
 * The default message id: SHA-256 of the message's msgpack encoding (`{ type, data }`) on a built-in topic,
 * of the topic's UTF-8 name, a zero byte and the payload on a user-defined topic. Content-addressed: two
 * different messages never share an id, and the envelope around a payload (hops, ttl, origin) is not part of
 * it, so a copy re-wrapped by a relay is the same message.
 */
export function defaultMessageId(topic: string, content: TopicContent): Uint8Array {
  const h = createHash('sha256')
  if (content.message !== undefined) {
    const m = content.message
    h.update(encode({ type: m.type, data: m.data } as Message))
  } else {
    h.update(topic).update(ZERO).update(content.payload)
  }
  return new Uint8Array(h.digest())
}

/**
 * The id of a direct message: SHA-256 over a domain tag, origin, target, expiry and payload, so the same
 * envelope looping back is recognised, and one origin's two sends of the same bytes are not.
 */
export function directMessageId(
  origin: PeerId,
  target: PeerId,
  expiresAt: number | undefined,
  payload: Uint8Array,
): Uint8Array {
  const expiry = Buffer.alloc(8)
  expiry.writeBigUInt64BE(BigInt(expiresAt ?? 0))
  return new Uint8Array(
    createHash('sha256')
      .update('chainwire-direct')
      .update(ZERO)
      .update(origin)
      .update(ZERO)
      .update(target)
      .update(expiry)
      .update(payload)
      .digest(),
  )
}

/** Runs a topic's id function and checks it returned 32 bytes (`ERR_BAD_MESSAGE_ID` otherwise). */
export function messageIdOf(
  fn: MessageIdFunction | undefined,
  topic: string,
  content: TopicContent,
): Uint8Array {
  const id = (fn ?? defaultMessageId)(topic, content)
  if (!(id instanceof Uint8Array) || id.byteLength !== MESSAGE_ID_BYTES) {
    throw new RelayError('ERR_BAD_MESSAGE_ID', `the message id function of ${topic} must return 32 bytes`, {
      topic,
    })
  }
  return id
}

/** A message id as lowercase hex: the key of every table. */
export function idKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
}

/** The 32 bytes of a hex key. */
export function idOfKey(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'hex'))
}
