import { formatIp, type IpBytes, parseIp, parseIpv4, parseIpv6, unmapIpv4 } from '@chainwire/interface'

/** The URL schemes chainwire dials (DESIGN.md §4). */
export type AddressScheme = 'tcp' | 'ws' | 'wss' | 'memory'

/** What kind of host an address names. */
export type HostKind = 'ipv4' | 'ipv6' | 'dns' | 'memory'

/** An address in canonical form with its parts. */
export interface ParsedAddress {
  /** The canonical URL: lowercase scheme and host, IPv6 per RFC 5952 in brackets, explicit port. */
  readonly address: string
  readonly scheme: AddressScheme
  /** Canonical host text without brackets: an IP, a lowercase DNS name, or the memory name. */
  readonly host: string
  readonly hostKind: HostKind
  /** The host's bytes when it is an IP literal (IPv4-mapped IPv6 folded to IPv4). */
  readonly ip: IpBytes | undefined
  readonly port: number | undefined
}

/** Longest address accepted, in characters. */
export const MAX_ADDRESS_LENGTH = 256

const DEFAULT_PORT: Record<string, number | undefined> = { ws: 80, wss: 443 }
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/
const MEMORY_NAME = /^[A-Za-z0-9._~-]{1,128}$/

/**
 * Parses `tcp://host:port`, `ws://host[:port][/path]`, `wss://...` and `memory://name` into canonical form;
 * undefined for anything else (user info, query strings, zone ids, port 0 and shorthand IPv4 are refused).
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  if (typeof text !== 'string' || text.length > MAX_ADDRESS_LENGTH) return undefined
  const m = /^([A-Za-z]+):\/\/(.+)$/.exec(text)
  if (m === null) return undefined
  const scheme = (m[1] as string).toLowerCase()
  const rest = m[2] as string
  if (scheme === 'memory') {
    if (!MEMORY_NAME.test(rest)) return undefined
    return {
      address: `memory://${rest}`,
      scheme,
      host: rest,
      hostKind: 'memory',
      ip: undefined,
      port: undefined,
    }
  }
  if (scheme !== 'tcp' && scheme !== 'ws' && scheme !== 'wss') return undefined
  const slash = rest.indexOf('/')
  const authority = slash < 0 ? rest : rest.slice(0, slash)
  let path = slash < 0 ? '' : rest.slice(slash)
  if (path === '/') path = ''
  if (path !== '' && (scheme === 'tcp' || !PATH.test(path))) return undefined

  let hostText: string
  let portText: string | undefined
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    if (close < 0) return undefined
    hostText = authority.slice(1, close)
    const after = authority.slice(close + 1)
    if (after !== '' && !after.startsWith(':')) return undefined
    portText = after === '' ? undefined : after.slice(1)
  } else {
    const colon = authority.lastIndexOf(':')
    hostText = colon < 0 ? authority : authority.slice(0, colon)
    portText = colon < 0 ? undefined : authority.slice(colon + 1)
    if (hostText.includes(':')) return undefined
  }
  let port: number | undefined
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) return undefined
    port = Number(portText)
    if (port < 1 || port > 65_535) return undefined
  } else {
    port = DEFAULT_PORT[scheme]
    if (port === undefined) return undefined
  }

  let ip: IpBytes | undefined
  let host: string
  let hostKind: HostKind
  if (authority.startsWith('[')) {
    const v6 = parseIpv6(hostText)
    if (v6 === undefined) return undefined
    ip = unmapIpv4(v6)
  } else {
    ip = parseIpv4(hostText)
  }
  if (ip !== undefined) {
    host = formatIp(ip)
    hostKind = ip.length === 4 ? 'ipv4' : 'ipv6'
  } else {
    host = hostText.toLowerCase()
    if (!isDnsName(host)) return undefined
    hostKind = 'dns'
  }
  const shown = hostKind === 'ipv6' ? `[${host}]` : host
  return { address: `${scheme}://${shown}:${port}${path}`, scheme, host, hostKind, ip, port }
}

/** True for a syntactically valid lowercase DNS name whose last label is not numeric (never an IP shorthand). */
export function isDnsName(host: string): boolean {
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) return false
  const labels = host.split('.')
  if (labels.some((l) => !LABEL.test(l))) return false
  return !/^[0-9]+$/.test(labels[labels.length - 1] as string)
}

/**
 * The host an IP-or-URL refers to, for bans and gater checks: an IP literal (IPv6 with or without brackets),
 * or the host of an address URL. Undefined when the text is neither.
 */
export function parseHost(text: string): { host: string; ip: IpBytes | undefined } | undefined {
  if (typeof text !== 'string' || text.length > MAX_ADDRESS_LENGTH) return undefined
  if (text.includes('://')) {
    const a = parseAddress(text)
    return a === undefined ? undefined : { host: a.host, ip: a.ip }
  }
  const ip = parseIp(text)
  return ip === undefined ? undefined : { host: formatIp(ip), ip }
}
