import { LIMITS } from '../limits'
import { array, struct } from '../schema'
import { type InvItem, invItem } from './chain'
import type { SpecTable } from './spec'

/** `inv`, `get_data`, `not_found`: a list of inventory entries. */
export interface InventoryData {
  /** At most `LIMITS.maxInvEntries` (at least one in `inv` and `get_data`). */
  items: InvItem[]
}

/** Data types of the inventory messages. */
export interface InventoryMessages {
  inv: InventoryData
  get_data: InventoryData
  not_found: InventoryData
}

const nonEmpty = struct<InventoryData>({ items: array(invItem, { min: 1, max: LIMITS.maxInvEntries }) })

/**
 * Inventory messages (Bitcoin's inv/getdata/notfound). The objects a `get_data` finds are sent as their own
 * announcements (`new_block`, `new_transaction`, `compact_block`); the `not_found` that answers it lists the
 * rest (possibly none) and closes the request.
 */
export const inventorySpecs: SpecTable<InventoryMessages> = {
  inv: {
    code: 0x18,
    kind: 'announcement',
    summary: 'announces transactions and blocks by hash',
    schema: nonEmpty,
  },
  get_data: {
    code: 0x19,
    kind: 'request',
    response: 'not_found',
    summary: 'asks for announced objects; found ones come as their own messages',
    schema: nonEmpty,
  },
  not_found: {
    code: 0x1a,
    kind: 'response',
    summary: 'the requested objects the responder does not have (closes a get_data)',
    schema: struct<InventoryData>({ items: array(invItem, { max: LIMITS.maxInvEntries }) }),
  },
}
