import {
  isAddress,
  isPeerId,
  MAX_ADDRESS_LENGTH,
  PEER_ID_LENGTH,
  PEER_ID_PATTERN,
} from '@chainwire/interface'
import type { Schema, StringFormat } from './schema'
import { fail } from './violation'

/**
 * UTF-8 byte length of `s`, or -1 when `s` is not well-formed UTF-16 (a lone surrogate, which would not
 * survive a round trip) or, with `printable`, contains a C0/C1 control character or DEL (kept out of text
 * fields because they end up in logs).
 */
export function utf8Length(s: string, printable: boolean): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) {
      if (printable && (c < 0x20 || c === 0x7f)) return -1
      n += 1
    } else if (c < 0x800) {
      if (printable && c < 0xa0) return -1
      n += 2
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0
      if (d < 0xdc00 || d > 0xdfff) return -1
      i++
      n += 4
    } else {
      n += 3
    }
  }
  return n
}

/** Why a string of `got` UTF-8 bytes is refused where at most `maxBytes` fit (shared with the decoder). */
export function byteLengthReason(maxBytes: number, got: number): string {
  return `expected at most ${maxBytes} UTF-8 bytes, got ${got}`
}

function stringSchema(
  format: StringFormat,
  maxBytes: number,
  check: (v: unknown) => string,
  pattern?: RegExp,
): Schema<string> {
  return {
    desc:
      pattern === undefined
        ? { kind: 'string', format, maxBytes }
        : { kind: 'string', format, maxBytes, pattern },
    toWire: check,
    fromWire: check,
    toJson: check,
    fromJson: check,
  }
}

/** Free human-readable text of at most `maxBytes` UTF-8 bytes, without control characters. */
export function text(maxBytes: number): Schema<string> {
  return stringSchema('text', maxBytes, (v) => {
    if (typeof v !== 'string') fail('expected a string')
    if (v.length > maxBytes) fail(`expected at most ${maxBytes} UTF-8 bytes`)
    const n = utf8Length(v, true)
    if (n < 0) fail('expected well-formed text without control characters')
    if (n > maxBytes) fail(byteLengthReason(maxBytes, n))
    return v
  })
}

/** An ASCII identifier matching `pattern` (which must bound its own length to `maxBytes`). */
export function token(maxBytes: number, pattern: RegExp): Schema<string> {
  return stringSchema(
    'token',
    maxBytes,
    (v) => {
      if (typeof v !== 'string' || v.length > maxBytes || !pattern.test(v))
        fail(`expected a string matching ${pattern}`)
      return v
    },
    pattern,
  )
}

/** A peer id in canonical form: exactly what `isPeerId` of `@chainwire/interface` accepts. */
export const peerIdString: Schema<string> = stringSchema(
  'peerId',
  PEER_ID_LENGTH,
  (v) => {
    if (!isPeerId(v)) fail('expected a peer id (cw + 52 base32 characters)')
    return v
  },
  PEER_ID_PATTERN,
)

/**
 * A transport address URL: exactly what `isAddress` of `@chainwire/interface` accepts (`tcp://`, `ws://`,
 * `wss://` or `memory://`, at most `MAX_ADDRESS_LENGTH` characters), so an address that passes the wire
 * schema is one every other package parses the same way. The text is carried as sent, not canonicalised.
 */
export const address: Schema<string> = stringSchema('address', MAX_ADDRESS_LENGTH, (v) => {
  if (typeof v !== 'string' || !isAddress(v)) fail('expected a tcp://, ws://, wss:// or memory:// address')
  return v
})

/** A transport address, or the empty string for "not known" (the observed address of a hello). */
export const addressOrEmpty: Schema<string> = stringSchema('addressOrEmpty', MAX_ADDRESS_LENGTH, (v) => {
  if (typeof v !== 'string' || (v !== '' && !isAddress(v))) fail('expected an address or the empty string')
  return v
})
