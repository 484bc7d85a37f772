import { CATALOG, type Message, type MessageType } from '../../src'
import { entryOfType } from '../../src/catalog/catalog'
import { MsgpackWriter } from '../../src/codec/writer'
import type { AnySchema } from '../../src/schema'

/** The wire form of a message's data (positional arrays), as the encoder would write it. */
export function wireOf(msg: Message): unknown {
  return (entryOfType(msg.type) as { schema: AnySchema }).schema.toWire(msg.data)
}

/** Writes any envelope `[code, id, data]` as msgpack without validating it, to feed decode() bad data. */
export function rawEnvelope(type: MessageType | number, id: unknown, data: unknown): Uint8Array {
  const w = new MsgpackWriter()
  w.begin(0, 64_000_000)
  w.writeArrayHeader(3)
  w.write(typeof type === 'number' ? type : CATALOG[type].code)
  w.write(id ?? null)
  w.write(data)
  return w.finish()
}

/** Writes any value as msgpack without validating it. */
export function rawValue(value: unknown): Uint8Array {
  const w = new MsgpackWriter()
  w.begin(0, 64_000_000)
  w.write(value)
  return w.finish()
}
