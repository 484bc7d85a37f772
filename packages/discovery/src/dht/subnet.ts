import { parseAddress } from '@chainwire/peer-store'

/**
 * The subnet an address counts against for the DHT's per-subnet limits: the IPv4 /24, the IPv6 /48, a DNS
 * name's whole host, a `memory://` name itself. Undefined for an address that does not parse.
 */
export function subnetOf(address: string): string | undefined {
  const parsed = parseAddress(address)
  if (parsed === undefined) return undefined
  const ip = parsed.ip
  if (ip === undefined) return `${parsed.hostKind}:${parsed.host}`
  if (ip.length === 4) return `ipv4:${ip[0]}.${ip[1]}.${ip[2]}`
  return `ipv6:${Buffer.from(ip.subarray(0, 6)).toString('hex')}`
}
