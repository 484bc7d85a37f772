import type { Schema } from '../schema'

/**
 * What a message is for: a `request` expects exactly one `response` with the same envelope id (its
 * catalog `response` type, or `error`); an `announcement` is unsolicited and needs no answer.
 */
export type MessageKind = 'request' | 'response' | 'announcement'

/** How one area of the catalog declares a message type (its name is the key it is declared under). */
export interface MessageSpec<T> {
  /** Stable wire code, below 128 so it is a single msgpack byte. Never reused. */
  readonly code: number
  readonly kind: MessageKind
  /** For a request: the message type that answers it. */
  readonly response?: string
  readonly schema: Schema<T>
  /** One line for documentation. */
  readonly summary: string
}

/** The specs of one catalog area, keyed by message type, each typed by its data. */
export type SpecTable<M> = { readonly [K in keyof M]: MessageSpec<M[K]> }
