import { inPrefix } from './ip'
import type { ParsedAddress, ParsedHost } from './parse'
import { parseHost, tryParseAddress } from './parse'

type Range = readonly [net: readonly number[], prefix: number]

/** IPv4 ranges that are not reachable on the public internet (RFC 1918, 5737, 6598, 3927, 2544 ...). */
const V4: readonly Range[] = [
  [[0], 8], // "this" network
  [[10], 8], // RFC 1918
  [[100, 64], 10], // RFC 6598 carrier-grade NAT
  [[127], 8], // loopback
  [[169, 254], 16], // RFC 3927 link-local
  [[172, 16], 12], // RFC 1918
  [[192, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2], 24], // RFC 5737 documentation
  [[192, 168], 16], // RFC 1918
  [[198, 18], 15], // RFC 2544 benchmarking
  [[198, 51, 100], 24], // RFC 5737 documentation
  [[203, 0, 113], 24], // RFC 5737 documentation
  [[224], 4], // multicast
  [[240], 4], // reserved and broadcast
]

/** IPv6 ranges that are not reachable on the public internet. */
const V6: readonly Range[] = [
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 128], // unspecified
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128], // loopback
  [[0x20, 0x01, 0x00, 0x10], 28], // RFC 4843 ORCHID
  [[0x20, 0x01, 0x00, 0x20], 28], // RFC 7343 ORCHIDv2
  [[0x20, 0x01, 0x0d, 0xb8], 32], // RFC 3849 documentation
  [[0xfc], 7], // RFC 4193 unique local
  [[0xfe, 0x80], 10], // link-local
  [[0xff], 8], // multicast
]

const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa']

/**
 * True when an address can be reached across the public internet. `memory://` addresses always count as
 * routable (they only exist inside one process, where a test or simulation put them on purpose).
 */
export function isRoutable(a: ParsedAddress | ParsedHost): boolean {
  if (a.hostKind === 'memory') return true
  if (a.hostKind === 'dns') return a.host !== 'localhost' && !LOCAL_SUFFIXES.some((s) => a.host.endsWith(s))
  const ip = a.ip as Uint8Array
  const ranges = ip.length === 4 ? V4 : V6
  return !ranges.some(([net, prefix]) => inPrefix(ip, net, prefix))
}

/**
 * Whether a host or address is loopback: `127.0.0.0/8`, `::1`, IPv4-mapped loopback and `localhost` (and
 * `*.localhost`). Accepts a bare host (`::1`, `[::1]`) or a URL; `memory://` addresses and text that parses as
 * neither are not loopback.
 */
export function isLoopback(hostOrAddress: string): boolean {
  const h = hostOrAddress.includes('://') ? tryParseAddress(hostOrAddress) : parseHost(hostOrAddress)
  if (h === undefined || h.hostKind === 'memory') return false
  if (h.ip !== undefined) return h.ip.length === 4 ? h.ip[0] === 127 : h.host === '::1'
  return h.host === 'localhost' || h.host.endsWith('.localhost')
}
