import {
  isDialable,
  type ParsedAddress,
  type ParsedHost,
  parseHost,
  tryParseAddress,
} from '@chainwire/interface'

/**
 * The address book's view of `@chainwire/interface`'s one address parser: which addresses it stores, and
 * which text names a host. The rules themselves (syntax, canonical form, groups, routability) live there.
 */

/** An address the book can store: one the parser accepts and that can be dialed (port 0 only listens). */
export function storableAddress(text: string): ParsedAddress | undefined {
  const a = tryParseAddress(text)
  return a !== undefined && isDialable(a) ? a : undefined
}

/**
 * The host that an address URL or a bare IP literal names, for bans, discouragement, sources and
 * exclusions. A bare DNS name is not a host here: as bare text it is indistinguishable from a peer id, so
 * DNS hosts are always given as an address URL.
 */
export function hostOf(text: string): ParsedAddress | ParsedHost | undefined {
  if (typeof text !== 'string') return undefined
  if (text.includes('://')) return tryParseAddress(text)
  const h = parseHost(text)
  return h?.ip === undefined ? undefined : h
}
