import { networkGroup } from '@chainwire/interface'

/**
 * The network group of a connection's remote host, the unit of the per-group inbound cap and of eviction
 * diversity: `networkGroup` of @chainwire/interface (IPv4 /16, IPv6 /32, embedded IPv4 as that IPv4's /16,
 * a DNS name's registrable domain), the same group peer-store's buckets and the DHT count. A remote host is
 * always an IP a socket reported; text that is not a host at all is a group of its own (`host:<text>`).
 */
export function netGroupOf(host: string): string {
  return networkGroup(host) ?? `host:${host.toLowerCase()}`
}
