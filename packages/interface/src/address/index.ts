/**
 * @packageDocumentation
 * chainwire's one source of truth for transport addresses, hosts, network groups and DHT subnets. Every
 * package parses, canonicalises and groups through these functions, so every defence counts the same groups.
 */
export { dhtSubnet, embeddedIpv4, type GroupInput, ipGroup, networkGroup } from './group'
export { formatIp, type IpBytes, inPrefix, maskIp, parseIp, parseIpv4, parseIpv6, unmapIpv4 } from './ip'
export {
  AddressError,
  type AddressScheme,
  canonicalAddress,
  formatHost,
  type HostKind,
  isAddress,
  isDialable,
  isDnsName,
  MAX_ADDRESS_LENGTH,
  MAX_DNS_NAME_LENGTH,
  MAX_MEMORY_NAME_LENGTH,
  type MemoryAddress,
  type ParsedAddress,
  type ParsedHost,
  parseAddress,
  parseHost,
  type SocketAddress,
  tryParseAddress,
} from './parse'
export { isLoopback, isRoutable } from './routable'
