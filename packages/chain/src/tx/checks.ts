import { LIMITS, type Transaction } from '@chainwire/protocol-codec'
import { isZero } from '../bytes'
import { fail } from '../errors'
import { TX_VERSION } from './tx'

const U64_MAX = 2n ** 64n - 1n
const isBytes = (v: unknown, n: number): v is Uint8Array => v instanceof Uint8Array && v.length === n
const isU64 = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v <= U64_MAX

/**
 * The shape every transaction must have (coinbase included): field types and sizes, u64 amounts, `data`
 * within the codec's `maxTxDataBytes`. Throws `ERR_BAD_TX` or `ERR_AMOUNT_OVERFLOW`.
 */
export function checkTransactionShape(tx: Transaction): void {
  if (
    typeof tx !== 'object' ||
    tx === null ||
    tx.version !== TX_VERSION ||
    !isBytes(tx.from, 32) ||
    !isBytes(tx.to, 32) ||
    !isU64(tx.amount) ||
    !isU64(tx.fee) ||
    !(typeof tx.nonce === 'number' && Number.isSafeInteger(tx.nonce) && tx.nonce >= 0) ||
    !(tx.data instanceof Uint8Array) ||
    tx.data.length > LIMITS.maxTxDataBytes ||
    !isBytes(tx.signature, 64)
  ) {
    fail('ERR_BAD_TX', 'malformed transaction')
  }
  if (tx.amount + tx.fee > U64_MAX) fail('ERR_AMOUNT_OVERFLOW', 'amount + fee above 2^64 - 1')
}

/**
 * The context-free checks of a transfer (not a coinbase), cheap enough for relay: its shape, a real
 * sender (not the coinbase's zero key). The signature is checked separately, through a `SignatureVerifier`,
 * so it can be batched; balances and nonces need the state.
 */
export function checkTransaction(tx: Transaction): void {
  checkTransactionShape(tx)
  if (isZero(tx.from)) fail('ERR_BAD_TX', 'a transfer cannot be sent from the zero key (the coinbase sender)')
}
