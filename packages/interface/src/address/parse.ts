import { ChainwireError } from '../errors'
import { formatIp, type IpBytes, parseIp, parseIpv4, parseIpv6, unmapIpv4 } from './ip'

/** The URL schemes chainwire's transports dial and listen on (DESIGN.md §4). */
export type AddressScheme = 'tcp' | 'ws' | 'wss' | 'memory'

/** What an address's host is. */
export type HostKind = 'ipv4' | 'ipv6' | 'dns' | 'memory'

/** A parsed `tcp://`, `ws://` or `wss://` address. */
export interface SocketAddress {
  /** The canonical URL (see {@link parseAddress}). */
  readonly address: string
  readonly scheme: 'tcp' | 'ws' | 'wss'
  /**
   * The host in canonical form, without brackets: dotted IPv4 (IPv4-mapped IPv6 folded to it), RFC 5952
   * IPv6 with `%zone` appended when there is one (the form Node's sockets expect), or a lowercase DNS name
   * without a trailing dot.
   */
  readonly host: string
  readonly hostKind: 'ipv4' | 'ipv6' | 'dns'
  /** The host's bytes when it is an IP literal: 4 for IPv4 (mapped addresses folded), 16 for IPv6. */
  readonly ip: IpBytes | undefined
  /** The IPv6 zone id (`eth0` of `[fe80::1%25eth0]`), when there is one. */
  readonly zone: string | undefined
  /** 0 to 65535 (0 only makes sense for listening; see {@link isDialable}). ws/wss default to 80/443. */
  readonly port: number
  /** The WebSocket request path, starting with `/` (`/` when the URL has none); always `''` for tcp. */
  readonly path: string
}

/** A parsed `memory://name` address (the in-process transport). */
export interface MemoryAddress {
  readonly address: string
  readonly scheme: 'memory'
  /** The listener name: 1 to {@link MAX_MEMORY_NAME_LENGTH} of `A-Z a-z 0-9 . _ ~ -`, case-sensitive. */
  readonly host: string
  readonly hostKind: 'memory'
  readonly ip: undefined
  readonly zone: undefined
  readonly port: undefined
  readonly path: ''
}

/** A parsed transport address. */
export type ParsedAddress = SocketAddress | MemoryAddress

/**
 * The longest address accepted anywhere (wire schema, transports, address book), in characters. Addresses
 * arrive from peers, so parsing is bounded; 300 leaves room for a 253-character DNS name with a port and a
 * short WebSocket path.
 */
export const MAX_ADDRESS_LENGTH = 300
/** The longest `memory://` listener name. */
export const MAX_MEMORY_NAME_LENGTH = 255
/** The longest DNS name (RFC 1035), without the optional trailing dot. */
export const MAX_DNS_NAME_LENGTH = 253

/** Why an address was refused: `ERR_INVALID_ADDRESS` (malformed) or `ERR_UNSUPPORTED_PROTOCOL` (scheme). */
export class AddressError extends ChainwireError<'ERR_INVALID_ADDRESS' | 'ERR_UNSUPPORTED_PROTOCOL'> {}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s
const MEMORY_NAME = /^[A-Za-z0-9._~-]+$/
const PORT = /^[0-9]{1,5}$/
const ZONE = /^[A-Za-z0-9._~-]{1,64}$/
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/
const DEFAULT_PORT: Readonly<Record<string, number>> = { ws: 80, wss: 443 }

/** The outcome of parsing: the address, or why it was refused. */
type Parse = ParsedAddress | { code: 'ERR_INVALID_ADDRESS' | 'ERR_UNSUPPORTED_PROTOCOL'; reason: string }

/**
 * Parses a transport URL: `tcp://host:port`, `ws://host[:port][/path]`, `wss://host[:port][/path]` or
 * `memory://name`. Hosts are IPv4 literals (strict dotted decimal: no octal, hex or shorthand), bracketed IPv6
 * literals (`tcp://[::1]:4000`, zones as `[fe80::1%25eth0]`) or DNS names (case-insensitive, one trailing dot
 * allowed). User info, queries, fragments and whitespace are refused. The canonical form
 * ({@link ParsedAddress.address}) has a lowercase scheme and host, IPv6 in RFC 5952 form in brackets,
 * IPv4-mapped IPv6 written as IPv4, the port always written, and a WebSocket path of `/` left out.
 *
 * Throws an {@link AddressError}; {@link tryParseAddress} returns undefined instead.
 */
export function parseAddress(text: string): ParsedAddress {
  const r = parse(text)
  if ('code' in r) {
    const shown =
      typeof text === 'string' ? (text.length > 120 ? `${text.slice(0, 120)}...` : text) : typeof text
    throw new AddressError(r.code, `invalid address ${JSON.stringify(shown)}: ${r.reason}`, {
      address: shown,
      reason: r.reason,
    })
  }
  return r
}

/** {@link parseAddress} without the throw: undefined for anything it would refuse. */
export function tryParseAddress(text: string): ParsedAddress | undefined {
  const r = parse(text)
  return 'code' in r ? undefined : r
}

/** The canonical form of an address string; throws like {@link parseAddress}. */
export function canonicalAddress(text: string): string {
  return parseAddress(text).address
}

/** True when `text` is an address {@link parseAddress} accepts. */
export function isAddress(text: string): boolean {
  return !('code' in parse(text))
}

/** True for an address that can be dialed: a memory name, or a socket address with a port other than 0. */
export function isDialable(a: ParsedAddress): boolean {
  return a.scheme === 'memory' || a.port !== 0
}

function invalid(reason: string): Parse {
  return { code: 'ERR_INVALID_ADDRESS', reason }
}

function parse(text: string): Parse {
  if (typeof text !== 'string') return invalid('not a string')
  if (text.length > MAX_ADDRESS_LENGTH) return invalid(`longer than ${MAX_ADDRESS_LENGTH} characters`)
  const m = SCHEME.exec(text)
  if (m === null) return invalid('expected scheme://...')
  const scheme = (m[1] as string).toLowerCase()
  const rest = m[2] as string
  if (scheme === 'memory') {
    if (rest.length === 0 || rest.length > MAX_MEMORY_NAME_LENGTH || !MEMORY_NAME.test(rest)) {
      return invalid(`memory names are 1-${MAX_MEMORY_NAME_LENGTH} of A-Z a-z 0-9 . _ ~ -`)
    }
    return {
      address: `memory://${rest}`,
      scheme,
      host: rest,
      hostKind: 'memory',
      ip: undefined,
      zone: undefined,
      port: undefined,
      path: '',
    }
  }
  if (scheme !== 'tcp' && scheme !== 'ws' && scheme !== 'wss') {
    return { code: 'ERR_UNSUPPORTED_PROTOCOL', reason: `unsupported scheme ${scheme}:` }
  }
  const slash = rest.indexOf('/')
  const authority = slash === -1 ? rest : rest.slice(0, slash)
  const rawPath = slash === -1 ? '' : rest.slice(slash)
  if (/[@?#\s]/.test(authority)) return invalid('user info, query, fragment or whitespace')

  let hostText: string
  let portText: string | undefined
  const bracketed = authority.startsWith('[')
  if (bracketed) {
    const close = authority.indexOf(']')
    if (close === -1) return invalid('unclosed [')
    hostText = authority.slice(1, close)
    const after = authority.slice(close + 1)
    if (after !== '') {
      if (!after.startsWith(':')) return invalid('garbage after ]')
      portText = after.slice(1)
    }
  } else {
    const colon = authority.indexOf(':')
    if (colon !== authority.lastIndexOf(':')) return invalid('IPv6 hosts must be in brackets')
    hostText = colon === -1 ? authority : authority.slice(0, colon)
    portText = colon === -1 ? undefined : authority.slice(colon + 1)
  }

  let port: number
  if (portText === undefined) {
    const fallback = DEFAULT_PORT[scheme]
    if (fallback === undefined) return invalid('missing port')
    port = fallback
  } else {
    if (!PORT.test(portText)) return invalid('port must be a decimal number')
    port = Number(portText)
    if (port > 65_535) return invalid('port out of range')
  }

  let path: string
  if (scheme === 'tcp') {
    if (rawPath !== '' && rawPath !== '/') return invalid('tcp addresses have no path')
    path = ''
  } else {
    path = rawPath === '' ? '/' : rawPath
    if (!PATH.test(path)) return invalid('bad path (no query, fragment or unescaped characters)')
  }

  let ip: IpBytes | undefined
  let zone: string | undefined
  let host: string
  let hostKind: SocketAddress['hostKind']
  if (bracketed) {
    let literal = hostText
    const pct = hostText.indexOf('%')
    if (pct !== -1) {
      if (hostText.slice(pct, pct + 3) !== '%25') return invalid('an IPv6 zone is written %25zone')
      literal = hostText.slice(0, pct)
      zone = hostText.slice(pct + 3)
      if (!ZONE.test(zone)) return invalid('bad IPv6 zone')
    }
    const v6 = parseIpv6(literal)
    if (v6 === undefined) return invalid('bad IPv6 literal')
    ip = unmapIpv4(v6)
    if (ip.length === 4) zone = undefined // a zone means nothing on an IPv4 host
    host = zone === undefined ? formatIp(ip) : `${formatIp(ip)}%${zone}`
    hostKind = ip.length === 4 ? 'ipv4' : 'ipv6'
  } else {
    const name = hostText.endsWith('.') ? hostText.slice(0, -1) : hostText
    ip = parseIpv4(name)
    if (ip !== undefined) {
      host = formatIp(ip)
      hostKind = 'ipv4'
    } else {
      const lower = name.toLowerCase()
      const why = dnsNameProblem(lower)
      if (why !== undefined) return invalid(why)
      host = lower
      hostKind = 'dns'
    }
  }
  const shownPath = scheme === 'tcp' || path === '/' ? '' : path
  return {
    address: `${scheme}://${formatHost(host)}:${port}${shownPath}`,
    scheme,
    host,
    hostKind,
    ip,
    zone,
    port,
    path,
  }
}

function dnsNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'missing host'
  if (name.length > MAX_DNS_NAME_LENGTH) return `host longer than ${MAX_DNS_NAME_LENGTH} characters`
  const labels = name.split('.')
  for (const label of labels) if (!DNS_LABEL.test(label)) return 'bad host name'
  // A name whose last label is numeric is a malformed IPv4 literal (`999.1.1.1`, `1.2.3`, `0x7f.1`'s kin).
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string)) return 'bad IPv4 literal'
  return undefined
}

/** True for a syntactically valid lowercase DNS name whose last label is not numeric (never an IP shorthand). */
export function isDnsName(host: string): boolean {
  return typeof host === 'string' && dnsNameProblem(host) === undefined
}

/** A host as it appears in a URL authority: IPv6 literals in brackets with the zone escaped as `%25`. */
export function formatHost(host: string): string {
  if (!host.includes(':')) return host
  const pct = host.indexOf('%')
  return pct === -1 ? `[${host}]` : `[${host.slice(0, pct)}%25${host.slice(pct + 1)}]`
}

/** A bare host: an IP literal (IPv6 with or without brackets, IPv4-mapped folded) or a DNS name. */
export interface ParsedHost {
  /** Canonical text: dotted IPv4, RFC 5952 IPv6 (with `%zone` if one was given), or a lowercase DNS name. */
  readonly host: string
  readonly hostKind: 'ipv4' | 'ipv6' | 'dns'
  readonly ip: IpBytes | undefined
}

/**
 * Reads a bare host as a socket reports it or a user types it (`::ffff:127.0.0.1`, `[::1]`, `fe80::1%eth0`,
 * `Seed.Example.org.`); undefined when it is none of an IP literal or a DNS name.
 */
export function parseHost(text: string): ParsedHost | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ADDRESS_LENGTH) return undefined
  let t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  let zone = ''
  const pct = t.indexOf('%')
  if (pct !== -1 && t.includes(':')) {
    zone = t.slice(pct + 1)
    if (zone.startsWith('25')) zone = zone.slice(2)
    if (!ZONE.test(zone)) return undefined
    t = t.slice(0, pct)
  }
  const ip = parseIp(t)
  if (ip !== undefined) {
    const base = formatIp(ip)
    const host = ip.length === 16 && zone !== '' ? `${base}%${zone}` : base
    return { host, hostKind: ip.length === 4 ? 'ipv4' : 'ipv6', ip }
  }
  if (zone !== '') return undefined
  const name = (t.endsWith('.') ? t.slice(0, -1) : t).toLowerCase()
  return isDnsName(name) ? { host: name, hostKind: 'dns', ip: undefined } : undefined
}
