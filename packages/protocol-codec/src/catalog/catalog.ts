import { LIMITS } from '../limits'
import { type AnySchema, maxWireSize, type WireShape, wireShape } from '../schema'
import { type BlockMessages, blockSpecs } from './blocks'
import { type ConsensusMessages, consensusSpecs } from './consensus'
import { type ControlMessages, controlSpecs } from './control'
import { type GossipMessages, gossipSpecs } from './gossip'
import { type InventoryMessages, inventorySpecs } from './inventory'
import { type LightMessages, lightSpecs } from './light'
import { type NatMessages, natSpecs } from './nat'
import { type PeerMessages, peerSpecs } from './peers'
import type { MessageKind, MessageSpec } from './spec'
import { type StatusMessages, statusSpecs } from './status'
import { type TransactionMessages, transactionSpecs } from './transactions'

/** The data type of every message type, keyed by its name. */
export interface MessageDataMap
  extends ControlMessages,
    PeerMessages,
    InventoryMessages,
    BlockMessages,
    TransactionMessages,
    LightMessages,
    ConsensusMessages,
    GossipMessages,
    NatMessages,
    StatusMessages {}

/** The name of a message type, such as `'hello'`; the numeric code is used only on the wire. */
export type MessageType = keyof MessageDataMap

/** The data of message type `T`, such as `MessageData<'hello'>`. */
export type MessageData<T extends MessageType> = MessageDataMap[T]

/** A message of type `T`: its name, an optional request id and its data. */
export interface MessageOf<T extends MessageType> {
  type: T
  /** Request id (u32), shared by a request and its response. */
  id?: number
  data: MessageDataMap[T]
}

/** Any chainwire message, discriminated by `type`. */
export type Message = { [K in MessageType]: MessageOf<K> }[MessageType]

/** A catalog row: everything the protocol says about one message type. */
export interface CatalogEntry<T extends MessageType = MessageType> {
  /** The message type's name. */
  readonly type: T
  /** Its stable wire code (below 128). */
  readonly code: number
  /** Request, response or announcement. */
  readonly kind: MessageKind
  /** For requests, the type of the response (a request may also be answered by `error`). */
  readonly response: MessageType | undefined
  /** Largest envelope of this type, in bytes; larger ones are rejected with `ERR_MESSAGE_TOO_LARGE`. */
  readonly maxSize: number
  /** One line describing it. */
  readonly summary: string
}

/** A catalog row with its compiled schema (internal to the package). */
export interface CompiledEntry extends CatalogEntry {
  readonly schema: AnySchema
  /** What its data must look like on the wire, checked before anything is decoded. */
  readonly shape: WireShape
}

/** Bytes an envelope adds around the data: array header, type code and request id, in their longest forms. */
export const ENVELOPE_OVERHEAD = 5 + 9 + 9

const specs: { readonly [K in MessageType]: MessageSpec<MessageDataMap[K]> } = {
  ...controlSpecs,
  ...peerSpecs,
  ...inventorySpecs,
  ...blockSpecs,
  ...transactionSpecs,
  ...lightSpecs,
  ...consensusSpecs,
  ...gossipSpecs,
  ...natSpecs,
  ...statusSpecs,
}

function compile(): { byType: Map<string, CompiledEntry>; byCode: (CompiledEntry | undefined)[] } {
  const byType = new Map<string, CompiledEntry>()
  const byCode: (CompiledEntry | undefined)[] = new Array(128).fill(undefined)
  for (const [type, spec] of Object.entries(specs) as [MessageType, MessageSpec<unknown>][]) {
    if (!Number.isInteger(spec.code) || spec.code < 0 || spec.code > 127 || byCode[spec.code] !== undefined) {
      throw new Error(`catalog: bad or duplicate code ${spec.code} for ${type}`)
    }
    if (
      (spec.kind === 'request') !== (spec.response !== undefined) ||
      (spec.response && !(spec.response in specs))
    ) {
      throw new Error(`catalog: ${type} must name a known response exactly when it is a request`)
    }
    const entry: CompiledEntry = Object.freeze({
      type,
      code: spec.code,
      kind: spec.kind,
      response: spec.response as MessageType | undefined,
      maxSize: Math.min(LIMITS.maxMessageSize, ENVELOPE_OVERHEAD + maxWireSize(spec.schema)),
      summary: spec.summary,
      schema: spec.schema,
      shape: wireShape(spec.schema),
    })
    byType.set(type, entry)
    byCode[spec.code] = entry
  }
  return { byType, byCode }
}

const compiled = compile()

/**
 * Containers nested in the deepest envelope of the catalog, the envelope itself included: msgpack arrays on
 * the wire, objects and arrays in the JSON view (a struct or union is one level in both, bytes and big
 * integers none). Nothing deeper can be a valid message.
 */
export const MAX_ENVELOPE_DEPTH = 1 + Math.max(...[...compiled.byType.values()].map((e) => e.shape.depth))

/** The compiled entry of a message type name, or undefined (internal). */
export function entryOfType(type: unknown): CompiledEntry | undefined {
  return typeof type === 'string' ? compiled.byType.get(type) : undefined
}

/** The compiled entry of a wire code, or undefined (internal). */
export function entryOfCode(code: number): CompiledEntry | undefined {
  return compiled.byCode[code]
}

/**
 * The message catalog (DESIGN.md §4): every message type with its wire code, kind, paired response, maximum
 * encoded size and summary, keyed by name.
 */
export const CATALOG: { readonly [K in MessageType]: CatalogEntry<K> } = Object.freeze(
  Object.fromEntries(
    [...compiled.byType].map(([type, e]) => [
      type,
      Object.freeze({
        type: e.type,
        code: e.code,
        kind: e.kind,
        response: e.response,
        maxSize: e.maxSize,
        summary: e.summary,
      }),
    ]),
  ),
) as { readonly [K in MessageType]: CatalogEntry<K> }

/** Every message type name, in wire-code order. */
export const MESSAGE_TYPES: readonly MessageType[] = Object.freeze(
  compiled.byCode.filter((e): e is CompiledEntry => e !== undefined).map((e) => e.type),
)

/** True when `value` names a message type of the catalog. */
export function isMessageType(value: unknown): value is MessageType {
  return entryOfType(value) !== undefined
}

/** The message type of a wire code, or `undefined` for a code the catalog does not have. */
export function messageTypeOfCode(code: number): MessageType | undefined {
  return Number.isInteger(code) && code >= 0 && code < 128 ? compiled.byCode[code]?.type : undefined
}
