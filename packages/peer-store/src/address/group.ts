import { formatIp, type IpBytes, maskIp, parseIp } from '@chainwire/interface'
import { type ParsedAddress, parseAddress } from './parse'

/**
 * The network group of an address: the unit of eclipse resistance. One operator can cheaply hold many
 * addresses inside one group, but few groups, so buckets, dial diversity and the tried table are all keyed
 * by group.
 *
 * - IPv4: the /16 (`ipv4:203.0`).
 * - IPv6: the /32 (`ipv6:2001:db8`); Hurricane Electric's 2001:470::/36 uses the /36 because it hands out
 *   /48s to anyone; 6to4 (2002::/16), Teredo (2001::/32) and NAT64 (64:ff9b::/96) use the /16 of the IPv4
 *   address they embed, since that is who really controls them.
 * - DNS names: the last two labels (`dns:example.com`), because the owner of a domain controls every
 *   subdomain of it; a public suffix such as `co.uk` lumps unrelated owners together, which only makes the
 *   store more conservative.
 * - `memory://name`: each name is its own group (`memory:name`); the in-process network has no topology an
 *   attacker could exploit.
 */
export function addressGroup(a: ParsedAddress): string {
  if (a.ip !== undefined) return ipGroup(a.ip)
  if (a.hostKind === 'memory') return `memory:${a.host}`
  const labels = a.host.split('.')
  return `dns:${labels.slice(-2).join('.')}`
}

/** The group of an IP (see {@link addressGroup}). */
export function ipGroup(ip: IpBytes): string {
  if (ip.length === 4) return `ipv4:${ip[0]}.${ip[1]}`
  const embedded = embeddedIpv4(ip)
  if (embedded !== undefined) return ipGroup(embedded)
  if (ip[0] === 0x20 && ip[1] === 0x01 && ip[2] === 0x04 && ip[3] === 0x70) {
    return `ipv6:${formatIp(maskIp(ip, 36))}/36`
  }
  const w = (i: number): string => (((ip[i] as number) << 8) | (ip[i + 1] as number)).toString(16)
  return `ipv6:${w(0)}:${w(2)}`
}

/** The IPv4 address a 6to4, Teredo or NAT64 IPv6 address carries, if it is one. */
function embeddedIpv4(ip: IpBytes): IpBytes | undefined {
  if (ip[0] === 0x20 && ip[1] === 0x02) return ip.slice(2, 6)
  if (ip[0] === 0x20 && ip[1] === 0x01 && ip[2] === 0 && ip[3] === 0)
    return ip.slice(12, 16).map((b) => b ^ 0xff)
  const nat64 = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]
  if (nat64.every((b, i) => ip[i] === b)) return ip.slice(12, 16)
  return undefined
}

/** The group of whoever told us about an address, from its IP or address URL; undefined if unparsable. */
export function groupOfHost(text: string): string | undefined {
  if (text.includes('://')) {
    const a = parseAddress(text)
    return a === undefined ? undefined : addressGroup(a)
  }
  const ip = parseIp(text)
  return ip === undefined ? undefined : ipGroup(ip)
}

/**
 * A caller's own grouping (see `PeerStoreOptions.groupOf`): called with a canonical address URL, or with a
 * bare IP when a source or an exclusion is given as one; undefined falls back to the built-in grouping.
 */
export type GroupOf = (address: string) => string | undefined

/** The longest group name a custom grouping may return (stored with every relayed address). */
export const MAX_GROUP_LENGTH = 200

/** Derives the network groups of addresses, with the caller's grouping first when there is one. */
export interface Grouper {
  /** The group of a parsed address. */
  ofAddress(a: ParsedAddress): string
  /** The group of an IP or address URL; undefined if it is neither. */
  ofText(text: string): string | undefined
}

/** The built-in grouping ({@link addressGroup}, {@link groupOfHost}). */
export const BUILTIN_GROUPER: Grouper = { ofAddress: addressGroup, ofText: groupOfHost }

/**
 * A grouper that asks `groupOf` first. A custom group is prefixed with `custom:` so it never equals a
 * built-in group by accident; `groupOf` must return a non-empty string of at most {@link MAX_GROUP_LENGTH}
 * characters, or undefined (`onInvalid` builds the error thrown otherwise).
 */
export function customGrouper(
  groupOf: GroupOf,
  onInvalid: (address: string, value: unknown) => Error,
): Grouper {
  const custom = (address: string): string | undefined => {
    const g = groupOf(address)
    if (g === undefined) return undefined
    if (typeof g !== 'string' || g === '' || g.length > MAX_GROUP_LENGTH) throw onInvalid(address, g)
    return `custom:${g}`
  }
  return {
    ofAddress: (a) => custom(a.address) ?? addressGroup(a),
    ofText: (text) => {
      if (text.includes('://')) {
        const a = parseAddress(text)
        return a === undefined ? undefined : (custom(a.address) ?? addressGroup(a))
      }
      const ip = parseIp(text)
      if (ip === undefined) return undefined
      return custom(formatIp(ip)) ?? ipGroup(ip)
    },
  }
}
