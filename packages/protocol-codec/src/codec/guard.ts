import { CodecError } from '../errors'

/** Deepest array nesting the guard lets through; the catalog's deepest value is far shallower. */
export const MAX_NESTING = 16

const stack = new Float64Array(MAX_NESTING + 1)

function truncated(offset: number, need: number): CodecError {
  return new CodecError('ERR_TRUNCATED', `msgpack ends before offset ${offset + need}`, { offset, need })
}

function malformed(offset: number, reason: string): CodecError {
  return new CodecError('ERR_MALFORMED', `malformed msgpack at offset ${offset}: ${reason}`, {
    offset,
    reason,
  })
}

/**
 * Checks, without allocating, that `b` is exactly one msgpack value made only of what chainwire sends:
 * nil, booleans, integers, floats, strings, byte strings and arrays nested at most {@link MAX_NESTING}
 * deep, every declared length within the remaining bytes, and nothing after the value.
 *
 * It runs before msgpackr sees peer bytes, because msgpackr's decoder honours record definitions and its
 * built-in extensions (Error, RegExp, Set, typed arrays, bundled strings, big integers) whatever its
 * options say: a few megabytes of record definitions cost hundreds of milliseconds of CPU, and
 * deep nesting overflows the stack. Maps, extensions and the reserved byte are rejected outright.
 */
export function checkWireBytes(b: Uint8Array): void {
  const end = b.length
  let pos = 0
  let depth = 0
  let remaining = 1
  for (;;) {
    if (remaining === 0) {
      if (depth === 0) break
      remaining = stack[--depth] as number
      continue
    }
    remaining--
    if (pos >= end) throw truncated(pos, 1)
    const t = b[pos++] as number
    if (t < 0x80 || t >= 0xe0) continue
    let skip = 0
    let count = -1
    if (t <= 0x8f) throw malformed(pos - 1, 'maps are not used')
    if (t <= 0x9f) {
      count = t & 0x0f
    } else if (t <= 0xbf) {
      skip = t & 0x1f
    } else {
      switch (t) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          continue
        case 0xc4:
        case 0xd9:
          if (pos + 1 > end) throw truncated(pos, 1)
          skip = b[pos++] as number
          break
        case 0xc5:
        case 0xda:
          if (pos + 2 > end) throw truncated(pos, 2)
          skip = ((b[pos] as number) << 8) | (b[pos + 1] as number)
          pos += 2
          break
        case 0xc6:
        case 0xdb:
          if (pos + 4 > end) throw truncated(pos, 4)
          skip = readU32(b, pos)
          pos += 4
          break
        case 0xcc:
        case 0xd0:
          skip = 1
          break
        case 0xcd:
        case 0xd1:
          skip = 2
          break
        case 0xca:
        case 0xce:
        case 0xd2:
          skip = 4
          break
        case 0xcb:
        case 0xcf:
        case 0xd3:
          skip = 8
          break
        case 0xdc:
          if (pos + 2 > end) throw truncated(pos, 2)
          count = ((b[pos] as number) << 8) | (b[pos + 1] as number)
          pos += 2
          break
        case 0xdd:
          if (pos + 4 > end) throw truncated(pos, 4)
          count = readU32(b, pos)
          pos += 4
          break
        case 0xde:
        case 0xdf:
          throw malformed(pos - 1, 'maps are not used')
        case 0xc1:
          throw malformed(pos - 1, 'reserved byte 0xc1')
        default:
          throw malformed(pos - 1, 'extension types are not used')
      }
    }
    if (count >= 0) {
      // every element takes at least one byte, so a longer declared count can never be satisfied
      if (count > end - pos) throw truncated(pos, count)
      if (depth === MAX_NESTING) throw malformed(pos - 1, `arrays nested deeper than ${MAX_NESTING}`)
      stack[depth++] = remaining
      remaining = count
    } else {
      if (skip > end - pos) throw truncated(pos, skip)
      pos += skip
    }
  }
  if (pos !== end) throw malformed(pos, `${end - pos} bytes after the value`)
}

function readU32(b: Uint8Array, pos: number): number {
  return (
    (b[pos] as number) * 0x100_0000 +
    (((b[pos + 1] as number) << 16) | ((b[pos + 2] as number) << 8) | (b[pos + 3] as number))
  )
}
