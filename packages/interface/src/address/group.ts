import { formatIp, type IpBytes, maskIp } from './ip'
import { type ParsedAddress, type ParsedHost, parseHost, tryParseAddress } from './parse'

/** What a group or subnet can be computed of: a parsed address, a parsed host, or either as text. */
export type GroupInput = ParsedAddress | ParsedHost | string

/**
 * The network group of an address or host: the unit of eclipse resistance. One operator can cheaply hold many
 * addresses inside one group but few groups, so every defence that counts operators counts groups: network's
 * per-group inbound cap and eviction diversity, and peer-store's buckets and dial diversity. They all call this
 * one function, so an attacker is the same group to each of them.
 *
 * - IPv4: the /16 (`ipv4:203.0`).
 * - IPv6: the /32 (`ipv6:2001:db8`), as Bitcoin Core's `CNetAddr::GetGroup`; Hurricane Electric's
 *   2001:470::/32 uses the /36 (`ipv6:2001:470::/36`) because it hands out /48s to anyone.
 * - IPv6 that embeds an IPv4 address: IPv4-mapped (`::ffff:a.b.c.d`, folded when parsed), 6to4 (2002::/16),
 *   Teredo (2001::/32, the client address inverted) and NAT64 (64:ff9b::/96) count as the /16 of that IPv4
 *   address, because that is who really controls them.
 * - DNS names: the registrable domain, approximated as the last two labels (`dns:example.org` for
 *   `seed1.example.org`), because a domain's owner controls every name under it; a public suffix such as
 *   `co.uk` lumps unrelated owners together, which only makes the defences more conservative.
 * - `memory://name`: each name is its own group (`memory:name`).
 *
 * A zone id is ignored. Text that is neither an address nor a host gives undefined.
 */
export function networkGroup(input: GroupInput): string | undefined {
  const h = hostOf(input)
  if (h === undefined) return undefined
  if (h.ip !== undefined) return ipGroup(h.ip)
  if (h.hostKind === 'memory') return `memory:${h.host}`
  return `dns:${h.host.split('.').slice(-2).join('.')}`
}

/**
 * The subnet an address counts against in the DHT's per-subnet limits (DESIGN.md §5: <= 2 per /24 per bucket,
 * <= 10 per /24 per table): the IPv4 /24 (`ipv4:203.0.113`), the IPv6 /48 (`ipv6:2001:db8:1`), IPv6 that
 * embeds IPv4 as that IPv4's /24 (as in {@link networkGroup}), a DNS name's whole host (`dns:a.example.org`),
 * a memory name itself. Always inside the address's {@link networkGroup}. Undefined for unparsable text.
 */
export function dhtSubnet(input: GroupInput): string | undefined {
  const h = hostOf(input)
  if (h === undefined) return undefined
  if (h.ip === undefined) return `${h.hostKind}:${h.host}`
  const ip = embeddedIpv4(h.ip) ?? h.ip
  if (ip.length === 4) return `ipv4:${ip[0]}.${ip[1]}.${ip[2]}`
  return `ipv6:${words(ip, 3)}`
}

/** The group of an IP's bytes (see {@link networkGroup}). */
export function ipGroup(ip: IpBytes): string {
  const embedded = embeddedIpv4(ip)
  if (embedded !== undefined) return ipGroup(embedded)
  if (ip.length === 4) return `ipv4:${ip[0]}.${ip[1]}`
  if (ip[0] === 0x20 && ip[1] === 0x01 && ip[2] === 0x04 && ip[3] === 0x70) {
    return `ipv6:${formatIp(maskIp(ip, 36))}/36`
  }
  return `ipv6:${words(ip, 2)}`
}

/** The IPv4 address a 16-byte 6to4, Teredo, NAT64 or IPv4-mapped address carries, if it is one. */
export function embeddedIpv4(ip: IpBytes): IpBytes | undefined {
  if (ip.length !== 16) return undefined
  if (ip[0] === 0x20 && ip[1] === 0x02) return ip.slice(2, 6) // 6to4: 2002:AABB:CCDD::/48
  if (ip[0] === 0x20 && ip[1] === 0x01 && ip[2] === 0 && ip[3] === 0) {
    return ip.slice(12, 16).map((b) => b ^ 0xff) // Teredo: the client's address, inverted, in the last 32 bits
  }
  if (startsWith(ip, NAT64) || startsWith(ip, MAPPED)) return ip.slice(12, 16)
  return undefined
}

const NAT64 = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]
const MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

function startsWith(ip: IpBytes, prefix: readonly number[]): boolean {
  for (let i = 0; i < prefix.length; i++) if (ip[i] !== prefix[i]) return false
  return true
}

/** The first `n` 16-bit words of an IPv6 address in hex, joined by colons. */
function words(ip: IpBytes, n: number): string {
  const out: string[] = []
  for (let i = 0; i < n; i++)
    out.push((((ip[2 * i] as number) << 8) | (ip[2 * i + 1] as number)).toString(16))
  return out.join(':')
}

function hostOf(input: GroupInput): { host: string; hostKind: string; ip: IpBytes | undefined } | undefined {
  if (typeof input !== 'string') return input
  return input.includes('://') ? tryParseAddress(input) : parseHost(input)
}
