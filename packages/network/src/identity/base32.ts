import { IdentityError } from './errors'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/**
 * Encodes bytes as lowercase RFC 4648 base32 without padding: the text encoding of peer ids. Written out here
 * (it is a dozen lines) so the package needs no codec dependency for it.
 */
export function base32Encode(bytes: Uint8Array): string {
  let out = ''
  let acc = 0
  let bits = 0
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | (bytes[i] as number)) & 0xfff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(acc >>> bits) & 31]
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31]
  return out
}

/**
 * Decodes lowercase unpadded RFC 4648 base32. Strict, so every byte string has exactly one accepted text:
 * uppercase, padding, impossible lengths and non-zero trailing bits are rejected with `ERR_INVALID_BASE32`.
 */
export function base32Decode(text: string): Uint8Array {
  const rem = text.length % 8
  if (rem === 1 || rem === 3 || rem === 6) throw invalid('impossible base32 length', text.length)
  const out = new Uint8Array(Math.floor((text.length * 5) / 8))
  let acc = 0
  let bits = 0
  let j = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? (DECODE[c] as number) : -1
    if (v < 0) throw invalid('invalid base32 character', text.length)
    acc = ((acc << 5) | v) & 0xfff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[j++] = (acc >>> bits) & 0xff
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw invalid('non-zero trailing bits', text.length)
  return out
}

function invalid(message: string, length: number): IdentityError {
  return new IdentityError('ERR_INVALID_BASE32', message, { length })
}
