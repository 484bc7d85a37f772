import { fail } from './violation'

const HEX = /^(?:[0-9a-fA-F]{2})*$/

/** Lowercase hex of `bytes` (no prefix), as the JSON view writes every binary field. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/**
 * Parses even-length hex (either case, no prefix) into a plain `Uint8Array`. `maxBytes` bounds the work
 * before any allocation, so a huge JSON string is rejected without being decoded.
 */
export function fromHex(text: unknown, maxBytes: number): Uint8Array {
  if (typeof text !== 'string') fail('expected a hex string')
  if (text.length > maxBytes * 2) fail(`expected at most ${maxBytes} bytes of hex`)
  if (!HEX.test(text)) fail('expected an even-length hex string')
  const buf = Buffer.from(text, 'hex')
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}
