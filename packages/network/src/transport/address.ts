import { isIPv4, isIPv6 } from 'node:net'
import { TransportError } from './errors'

/** The URL schemes chainwire's transports handle, with the trailing colon as in `URL.protocol`. */
export type AddressProtocol = 'tcp:' | 'ws:' | 'wss:' | 'memory:'

/** What a socket address's host is. */
export type HostKind = 'ipv4' | 'ipv6' | 'dns'

/** A parsed `tcp://`, `ws://` or `wss://` address. */
export interface SocketAddress {
  readonly protocol: 'tcp:' | 'ws:' | 'wss:'
  /**
   * The host in canonical form: dotted IPv4, compressed lowercase IPv6 without brackets (a zone keeps its
   * `%zone` suffix, as Node expects), or a lowercase DNS name.
   */
  readonly host: string
  readonly hostKind: HostKind
  /** 0 to 65535; 0 only makes sense for listening. ws/wss default to 80/443 when the URL has no port. */
  readonly port: number
  /** The WebSocket request path, starting with `/` (`/` when the URL has none); always `''` for tcp. */
  readonly path: string
}

/** A parsed `memory://name` address. */
export interface MemoryAddress {
  readonly protocol: 'memory:'
  /** The listener name: 1 to 255 characters from `A-Z a-z 0-9 . _ ~ -`, case-sensitive. */
  readonly name: string
}

/** A parsed transport address. */
export type ParsedAddress = SocketAddress | MemoryAddress

/** Longest address accepted; addresses arrive from peers, so parsing is bounded. */
export const MAX_ADDRESS_LENGTH = 1024

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s
const MEMORY_NAME = /^[A-Za-z0-9._~-]{1,255}$/
const PORT = /^[0-9]{1,5}$/
const ZONE = /^[A-Za-z0-9._~-]{1,64}$/
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const PATH = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/
const MAPPED_DOTTED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/
const DEFAULT_PORT: Record<string, number> = { 'ws:': 80, 'wss:': 443 }

function invalid(address: string, reason: string): TransportError {
  const shown = address.length > 120 ? `${address.slice(0, 120)}...` : address
  return new TransportError('ERR_INVALID_ADDRESS', `invalid address ${JSON.stringify(shown)}: ${reason}`, {
    address: shown,
    reason,
  })
}

/**
 * Parses a transport URL: `tcp://host:port`, `ws://host[:port][/path]`, `wss://host[:port][/path]` or
 * `memory://name`. Hosts are IPv4 literals, bracketed IPv6 literals (`tcp://[::1]:4000`, zones as
 * `[fe80::1%25eth0]`) or DNS names. User info, queries and fragments are rejected. Throws a
 * {@link TransportError} with `ERR_UNSUPPORTED_PROTOCOL` for another scheme and `ERR_INVALID_ADDRESS` for
 * anything malformed.
 */
export function parseAddress(address: string): ParsedAddress {
  if (typeof address !== 'string') throw invalid(String(address), 'not a string')
  if (address.length > MAX_ADDRESS_LENGTH) throw invalid(address, `longer than ${MAX_ADDRESS_LENGTH}`)
  const m = SCHEME.exec(address)
  if (m === null) throw invalid(address, 'expected scheme://...')
  const protocol = `${(m[1] as string).toLowerCase()}:`
  const rest = m[2] as string
  if (protocol === 'memory:') {
    if (!MEMORY_NAME.test(rest)) throw invalid(address, 'memory names are 1-255 of A-Z a-z 0-9 . _ ~ -')
    return { protocol, name: rest }
  }
  if (protocol !== 'tcp:' && protocol !== 'ws:' && protocol !== 'wss:') {
    throw new TransportError('ERR_UNSUPPORTED_PROTOCOL', `unsupported protocol ${protocol}`, {
      address,
      protocol,
    })
  }
  const slash = rest.indexOf('/')
  const authority = slash === -1 ? rest : rest.slice(0, slash)
  const rawPath = slash === -1 ? '' : rest.slice(slash)
  if (/[@?#\s]/.test(authority)) throw invalid(address, 'user info, query or fragment')

  let hostPart: string
  let portPart: string | undefined
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    if (close === -1) throw invalid(address, 'unclosed [')
    hostPart = authority.slice(1, close)
    const after = authority.slice(close + 1)
    if (after !== '') {
      if (!after.startsWith(':')) throw invalid(address, 'garbage after ]')
      portPart = after.slice(1)
    }
  } else {
    const colon = authority.indexOf(':')
    if (colon !== authority.lastIndexOf(':')) throw invalid(address, 'IPv6 hosts must be in brackets')
    hostPart = colon === -1 ? authority : authority.slice(0, colon)
    portPart = colon === -1 ? undefined : authority.slice(colon + 1)
  }

  let host: string
  let hostKind: HostKind
  if (authority.startsWith('[')) {
    host = parseBracketedIPv6(address, hostPart)
    hostKind = 'ipv6'
  } else if (isIPv4(hostPart)) {
    host = hostPart
    hostKind = 'ipv4'
  } else {
    host = parseDnsName(address, hostPart)
    hostKind = 'dns'
  }

  let port: number
  if (portPart === undefined) {
    const fallback = DEFAULT_PORT[protocol]
    if (fallback === undefined) throw invalid(address, 'missing port')
    port = fallback
  } else {
    if (!PORT.test(portPart)) throw invalid(address, 'port must be a decimal number')
    port = Number(portPart)
    if (port > 65535) throw invalid(address, 'port out of range')
  }

  let path: string
  if (protocol === 'tcp:') {
    if (rawPath !== '' && rawPath !== '/') throw invalid(address, 'tcp addresses have no path')
    path = ''
  } else {
    path = rawPath === '' ? '/' : rawPath
    if (!PATH.test(path)) throw invalid(address, 'bad path (no query, fragment or unescaped characters)')
  }
  return { protocol, host, hostKind, port, path }
}

function parseBracketedIPv6(address: string, inner: string): string {
  let ip = inner
  let zone = ''
  const pct = inner.indexOf('%')
  if (pct !== -1) {
    if (inner.slice(pct, pct + 3) !== '%25') throw invalid(address, 'an IPv6 zone is written %25zone')
    ip = inner.slice(0, pct)
    zone = inner.slice(pct + 3)
    if (!ZONE.test(zone)) throw invalid(address, 'bad IPv6 zone')
  }
  if (!isIPv6(ip)) throw invalid(address, 'bad IPv6 literal')
  const canonical = canonicalIPv6(ip)
  return zone === '' ? canonical : `${canonical}%${zone}`
}

function parseDnsName(address: string, name: string): string {
  const lower = name.toLowerCase()
  if (lower.length === 0 || lower.length > 253) throw invalid(address, 'missing or overlong host')
  const labels = lower.split('.')
  for (const label of labels) {
    if (!DNS_LABEL.test(label)) throw invalid(address, 'bad host name')
  }
  // A name whose last label is numeric is a malformed IPv4 literal (`999.1.1.1`, `1.2.3`), not a DNS name.
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string)) throw invalid(address, 'bad IPv4 literal')
  return lower
}

/**
 * The RFC 5952 text of an IPv6 literal: lowercase, longest zero run compressed (WHATWG URL rules), and
 * IPv4-mapped addresses in mixed notation (`::ffff:192.0.2.1`).
 */
function canonicalIPv6(ip: string): string {
  const h = new URL(`http://[${ip}]/`).hostname.slice(1, -1)
  const hex = MAPPED_HEX.exec(h)
  if (hex === null) return h
  const hi = Number.parseInt(hex[1] as string, 16)
  const lo = Number.parseInt(hex[2] as string, 16)
  return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}

/**
 * Formats a parsed address as its canonical URL: IPv6 hosts in brackets, the port always written, a
 * WebSocket path of `/` left out. `formatAddress(parseAddress(a))` is the canonical form of `a`.
 */
export function formatAddress(address: ParsedAddress): string {
  if (address.protocol === 'memory:') return `memory://${address.name}`
  const path = address.protocol === 'tcp:' || address.path === '/' ? '' : address.path
  return `${address.protocol}//${formatHost(address.host)}:${address.port}${path}`
}

/** The canonical form of an address string; throws like {@link parseAddress}. */
export function canonicalAddress(address: string): string {
  return formatAddress(parseAddress(address))
}

/** A host as it appears in a URL authority: IPv6 literals in brackets with the zone escaped as `%25`. */
export function formatHost(host: string): string {
  if (!host.includes(':')) return host
  const pct = host.indexOf('%')
  return pct === -1 ? `[${host}]` : `[${host.slice(0, pct)}%25${host.slice(pct + 1)}]`
}

/**
 * Normalises a host as reported by a socket: IPv4-mapped IPv6 (`::ffff:127.0.0.1`) becomes plain IPv4,
 * other IPv6 literals become their canonical compressed form, brackets are removed and DNS names are
 * lowercased. Used for {@link RawConnection.remoteHost} so per-IP limits see one spelling per host.
 */
export function normalizeHost(host: string): string {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (isIPv4(h)) return h
  const pct = h.indexOf('%')
  const zone = pct === -1 ? '' : h.slice(pct)
  const ip = pct === -1 ? h : h.slice(0, pct)
  if (!isIPv6(ip)) return h.toLowerCase()
  const canonical = canonicalIPv6(ip)
  const mapped = MAPPED_DOTTED.exec(canonical)
  if (mapped !== null) return mapped[1] as string
  return canonical + zone
}

/**
 * Whether a host or address is loopback: `127.0.0.0/8`, `::1`, IPv4-mapped loopback and `localhost`
 * (including `*.localhost`). Accepts a bare host (`::1`, `[::1]`) or a URL; `memory://` addresses are not
 * loopback, and malformed URLs are not either.
 */
export function isLoopback(hostOrAddress: string): boolean {
  let host = hostOrAddress
  if (hostOrAddress.includes('://')) {
    let parsed: ParsedAddress
    try {
      parsed = parseAddress(hostOrAddress)
    } catch {
      return false
    }
    if (parsed.protocol === 'memory:') return false
    host = parsed.host
  }
  const h = normalizeHost(host)
  if (isIPv4(h)) return h.startsWith('127.')
  if (h === '::1') return true
  return h === 'localhost' || h.endsWith('.localhost')
}
