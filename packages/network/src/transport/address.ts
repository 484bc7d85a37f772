import {
  AddressError,
  type MemoryAddress,
  type ParsedAddress,
  parseHost,
  parseAddress as parseSharedAddress,
  type SocketAddress,
} from '@chainwire/interface'
import { TransportError } from './errors'

/**
 * The transports' door to `@chainwire/interface`'s one address parser: the same syntax, canonical form and
 * length limit as every other package, with refusals raised as the {@link TransportError}s (`ERR_INVALID_ADDRESS`,
 * `ERR_UNSUPPORTED_PROTOCOL`) that dial and listen callers catch.
 */

/** The URL schemes chainwire's transports handle, with the trailing colon as in `URL.protocol`. */
export type AddressProtocol = 'tcp:' | 'ws:' | 'wss:' | 'memory:'

/**
 * Parses a transport URL with interface's `parseAddress` (see there for the rules); throws a
 * {@link TransportError} with the parser's code (`ERR_UNSUPPORTED_PROTOCOL` for another scheme,
 * `ERR_INVALID_ADDRESS` for anything malformed).
 */
export function parseAddress(address: string): ParsedAddress {
  try {
    return parseSharedAddress(address)
  } catch (err) {
    if (!AddressError.isInstance(err)) throw err
    const shown =
      typeof address === 'string' && address.length > 120 ? `${address.slice(0, 120)}...` : address
    throw new TransportError(
      err.code,
      err.message,
      { ...err.details, address: String(shown) },
      { cause: err },
    )
  }
}

/** The canonical form of an address string; throws like {@link parseAddress}. */
export function canonicalAddress(address: string): string {
  return parseAddress(address).address
}

/**
 * The canonical URL of a parsed address (its `address` field).
 * @deprecated Read `address` of the parsed address.
 */
export function formatAddress(address: ParsedAddress): string {
  return address.address
}

/**
 * A host as a socket reports it, in canonical form: IPv4-mapped IPv6 folded to IPv4, other IPv6 in RFC 5952
 * form (a zone kept), brackets removed, DNS names lowercased (interface's `parseHost`); text that is no host
 * comes back lowercased. Every remote host goes through it, so per-IP limits see one spelling per host.
 */
export function normalizeHost(host: string): string {
  return parseHost(host)?.host ?? host.toLowerCase()
}

/** The `URL.protocol` form (`tcp:`) of a parsed address's scheme, which transports are routed by. */
export function protocolOf(address: ParsedAddress): AddressProtocol {
  return `${address.scheme}:`
}

/** Parses an address a transport must handle as one of `schemes`; else `ERR_UNSUPPORTED_PROTOCOL`. */
export function parseFor<S extends ParsedAddress['scheme']>(
  address: string,
  transport: string,
  schemes: readonly S[],
): Extract<SocketAddress | MemoryAddress, { scheme: S }> {
  const parsed = parseAddress(address)
  if (!(schemes as readonly string[]).includes(parsed.scheme)) {
    throw new TransportError(
      'ERR_UNSUPPORTED_PROTOCOL',
      `the ${transport} transport cannot handle ${address}`,
      {
        address,
        protocol: protocolOf(parsed),
      },
    )
  }
  return parsed as Extract<SocketAddress | MemoryAddress, { scheme: S }>
}
