import { LIMITS } from '../limits'
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

/**
 * A peer id in its canonical text: `cw` + 52 lowercase base32 characters of a 32-byte Ed25519 key, the
 * last one carrying a single data bit (so it is `a` or `q`). @chainwire/network verifies it against keys.
 */
export const PEER_ID_PATTERN = /^cw[a-z2-7]{51}[aq]$/

/** A peer id (see {@link PEER_ID_PATTERN}). */
export const peerIdString: Schema<string> = stringSchema(
  'peerId',
  54,
  (v) => {
    if (typeof v !== 'string' || !PEER_ID_PATTERN.test(v))
      fail('expected a peer id (cw + 52 base32 characters)')
    return v
  },
  PEER_ID_PATTERN,
)

const SCHEME = /^(tcp|wss?|memory):\/\/(.+)$/i
const MEMORY_NAME = /^[A-Za-z0-9._~-]{1,255}$/
const HOST =
  /^(?:\[[0-9A-Fa-f:.]{2,45}(?:%25[A-Za-z0-9._~-]{1,64})?\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/
const PORT = /^[0-9]{1,5}$/
const PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/

/**
 * True when `s` has the shape of a transport address: `tcp://host:port`, `ws://host[:port][/path]`,
 * `wss://host[:port][/path]` or `memory://name`, with an IPv4, bracketed IPv6 or DNS host, at most
 * `LIMITS.maxAddressBytes` long. It checks the shape only; @chainwire/network parses and canonicalises.
 */
export function isAddress(s: string): boolean {
  if (s.length > LIMITS.maxAddressBytes) return false
  const m = SCHEME.exec(s)
  if (m === null) return false
  const scheme = (m[1] as string).toLowerCase()
  const rest = m[2] as string
  if (scheme === 'memory') return MEMORY_NAME.test(rest)
  const slash = rest.indexOf('/')
  const authority = slash === -1 ? rest : rest.slice(0, slash)
  if (slash !== -1 && (scheme === 'tcp' || !PATH.test(rest.slice(slash)))) return false
  let host: string
  let port: string | undefined
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    if (close === -1) return false
    host = authority.slice(0, close + 1)
    const after = authority.slice(close + 1)
    if (after !== '') {
      if (!after.startsWith(':')) return false
      port = after.slice(1)
    }
  } else {
    const colon = authority.indexOf(':')
    host = colon === -1 ? authority : authority.slice(0, colon)
    port = colon === -1 ? undefined : authority.slice(colon + 1)
  }
  if (!HOST.test(host)) return false
  if (port === undefined) return scheme !== 'tcp'
  return PORT.test(port) && Number(port) <= 65_535
}

/** A transport address URL (see {@link isAddress}). */
export const address: Schema<string> = stringSchema('address', LIMITS.maxAddressBytes, (v) => {
  if (typeof v !== 'string' || !isAddress(v)) fail('expected a tcp://, ws://, wss:// or memory:// address')
  return v
})

/** A transport address, or the empty string for "not known" (the observed address of a hello). */
export const addressOrEmpty: Schema<string> = stringSchema('addressOrEmpty', LIMITS.maxAddressBytes, (v) => {
  if (typeof v !== 'string' || (v !== '' && !isAddress(v))) fail('expected an address or the empty string')
  return v
})
