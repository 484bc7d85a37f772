import { LIMITS } from '../limits'
import { array, bool, hash32, optional, struct } from '../schema'
import { type Transaction, transaction } from './chain'
import type { SpecTable } from './spec'

/** `new_transaction`: relays one transaction. */
export interface NewTransactionData {
  transaction: Transaction
}

/** `get_transaction`: one transaction by hash (from the mempool or the chain). */
export interface GetTransactionData {
  hash: Uint8Array
}

/** `transaction_data`: the transaction, absent when the responder does not have it. */
export interface TransactionResponseData {
  transaction?: Transaction
}

/**
 * `mempool_sync`: the hashes of the sender's mempool transactions (BIP 35's mempool answer), sent after the
 * handshake to peers that announce the `mempool` capability; the receiver asks for what it lacks with
 * `get_data`.
 */
export interface MempoolSyncData {
  /** At most `LIMITS.maxMempoolSyncHashes` transaction hashes. */
  hashes: Uint8Array[]
  /** True when another `mempool_sync` with more hashes follows. */
  more: boolean
}

/** Data types of the transaction messages. */
export interface TransactionMessages {
  new_transaction: NewTransactionData
  get_transaction: GetTransactionData
  transaction_data: TransactionResponseData
  mempool_sync: MempoolSyncData
}

/** Transaction relay and mempool messages. */
export const transactionSpecs: SpecTable<TransactionMessages> = {
  new_transaction: {
    code: 0x30,
    kind: 'announcement',
    summary: 'relays one transaction',
    schema: struct<NewTransactionData>({ transaction }),
  },
  get_transaction: {
    code: 0x31,
    kind: 'request',
    response: 'transaction_data',
    summary: 'one transaction by hash',
    schema: struct<GetTransactionData>({ hash: hash32 }),
  },
  transaction_data: {
    code: 0x32,
    kind: 'response',
    summary: 'the transaction, or nothing when unknown',
    schema: struct<TransactionResponseData>({ transaction: optional(transaction) }),
  },
  mempool_sync: {
    code: 0x33,
    kind: 'announcement',
    summary: "hashes of the sender's mempool, paged",
    schema: struct<MempoolSyncData>({
      hashes: array(hash32, { max: LIMITS.maxMempoolSyncHashes }),
      more: bool,
    }),
  },
}
