import { networkGroup, type ParsedAddress } from '@chainwire/interface'
import { hostOf } from './address'

/**
 * A caller's own grouping (see `PeerStoreOptions.groupOf`): called with a canonical address URL, or with a
 * bare IP when a source or an exclusion is given as one; undefined falls back to the built-in grouping.
 */
export type GroupOf = (address: string) => string | undefined

/** The longest group name a custom grouping may return (stored with every relayed address). */
export const MAX_GROUP_LENGTH = 200

/**
 * The `groupingId` of the built-in grouping, `@chainwire/interface`'s `networkGroup`, stored with the table
 * geometry. It names what `networkGroup` returns for every address the book can hold: when that changes for
 * some stored address, this id changes with it, so databases written before re-bucket at load.
 */
export const BUILTIN_GROUPING_ID = 'builtin'

/** Derives the network groups of addresses, with the caller's grouping first when there is one. */
export interface Grouper {
  /** The group of a parsed address. */
  ofAddress(a: ParsedAddress): string
  /** The group of an IP or address URL; undefined if it is neither. */
  ofText(text: string): string | undefined
}

/** The built-in group of a parsed address: `networkGroup` of @chainwire/interface. */
export function groupOfAddress(a: ParsedAddress): string {
  return networkGroup(a) as string
}

/**
 * The built-in group of whoever an IP or address URL names; undefined for anything else (a bare DNS name
 * included: see `hostOf`).
 */
export function groupOfText(text: string): string | undefined {
  const h = hostOf(text)
  return h === undefined ? undefined : networkGroup(h)
}

/** The built-in grouping: interface's {@link networkGroup}, the group every chainwire defence counts. */
export const BUILTIN_GROUPER: Grouper = { ofAddress: groupOfAddress, ofText: groupOfText }

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
    ofAddress: (a) => custom(a.address) ?? groupOfAddress(a),
    ofText: (text) => {
      const h = hostOf(text)
      if (h === undefined) return undefined
      const key = 'address' in h ? h.address : h.host
      return custom(key) ?? networkGroup(h)
    },
  }
}
