/**
 * @packageDocumentation
 * chainwire's persistent, eclipse-resistant address book: Bitcoin Core's addrman model (salted new and tried
 * bucket tables, test-before-evict, terrible-address rules) keyed by peer id, plus anchors, bans and
 * discouragement, opaque metadata for other services, and gater helpers for the network package. State is
 * kept in any `abstract-level` database (LevelDB on disk by default) with batched, consistent writes.
 */
import type { ParsedAddress } from '@chainwire/interface'
import { storableAddress } from './address'
import { groupOfAddress, groupOfText } from './grouping'
import { DefaultPeerStore } from './peer-store'
import type { PeerStore, PeerStoreComponents, PeerStoreOptions } from './types'

export {
  type AddressScheme,
  type HostKind,
  isRoutable,
  type ParsedAddress,
} from '@chainwire/interface'
export type { GroupOf } from './grouping'

/**
 * An address the store accepts, in canonical form, or undefined: `tryParseAddress` of @chainwire/interface,
 * refusing port 0 (not dialable).
 * @deprecated Use `tryParseAddress` and `isDialable` from @chainwire/interface, the one address parser.
 */
export const parseAddress: (text: string) => ParsedAddress | undefined = storableAddress

/**
 * The built-in network group of a parsed address.
 * @deprecated Use `networkGroup` from @chainwire/interface, the one grouping every defence counts.
 */
export const addressGroup: (address: ParsedAddress) => string = groupOfAddress

/**
 * The built-in network group of an IP or address URL; undefined for anything else.
 * @deprecated Use `networkGroup` from @chainwire/interface.
 */
export const groupOfHost: (text: string) => string | undefined = groupOfText
export { PeerStoreError, type PeerStoreErrorCode } from './errors'
export { destroyPeerStore, repairPeerStore } from './storage/recovery'
export type * from './types'

/**
 * Creates a peer store. Call `start()` (or `open()` for a store without timers) before using it, and
 * `stop()` when done.
 */
export function createPeerStore(components: PeerStoreComponents, options: PeerStoreOptions = {}): PeerStore {
  return new DefaultPeerStore(components, options)
}
