import { type MessageType, messageTypeOfCode } from '@chainwire/protocol-codec'

/*
 * What the first bytes of a msgpack envelope `[code, id | nil, data]` say, read without decoding it: the
 * rate limits charge a message before it is decoded, and a response that fails to decode is still matched
 * to its request by id. chainwire's encoder writes the array header as fixarray 3, the code as a positive
 * fixint and the id as nil or the smallest unsigned integer form; anything else reads as unknown here.
 */

/** The message type an envelope's first bytes name (fixarray 3, then a fixint code), if any. */
export function peekType(frame: Uint8Array): MessageType | undefined {
  if (frame.length < 2 || frame[0] !== 0x93) return undefined
  const code = frame[1] as number
  return code < 0x80 ? messageTypeOfCode(code) : undefined
}

/** The request id an envelope carries after its type code (a msgpack uint of up to 32 bits), if any. */
export function peekId(frame: Uint8Array): number | undefined {
  if (frame.length < 3 || frame[0] !== 0x93 || (frame[1] as number) >= 0x80) return undefined
  const tag = frame[2] as number
  if (tag < 0x80) return tag
  const n = frame.length
  switch (tag) {
    case 0xcc:
      return n >= 4 ? (frame[3] as number) : undefined
    case 0xcd:
      return n >= 5 ? ((frame[3] as number) << 8) | (frame[4] as number) : undefined
    case 0xce:
      return n >= 7
        ? (frame[3] as number) * 0x100_0000 +
            (((frame[4] as number) << 16) | ((frame[5] as number) << 8) | (frame[6] as number))
        : undefined
    default:
      return undefined
  }
}
