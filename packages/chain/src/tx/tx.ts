import type { Transaction } from '@chainwire/protocol-codec'
import { ByteWriter, isZero, ZERO_HASH } from '../bytes'
import { sha256d } from '../crypto/sha256'

/** The transaction format version this chain accepts. */
export const TX_VERSION = 1

/** Bytes of a transaction's canonical form without `data`: the smallest transaction. */
export const MIN_TX_BYTES = 4 + 32 + 32 + 8 + 8 + 8 + 4 + 64

const ZERO_SIGNATURE = new Uint8Array(64)
const SIGNING_DOMAIN = new TextEncoder().encode('chainwire/tx/v1')
const utf8 = new TextEncoder()

function writeUnsigned(w: ByteWriter, tx: Transaction): ByteWriter {
  return w
    .u32(tx.version)
    .bytes(tx.from)
    .bytes(tx.to)
    .u64(tx.amount)
    .u64(tx.fee)
    .u64(tx.nonce)
    .varBytes(tx.data)
}

/**
 * The canonical bytes of a transaction, every integer unsigned big-endian: `version` u32, `from` 32, `to`
 * 32, `amount` u64, `fee` u64, `nonce` u64, `data` (u32 length + bytes), `signature` 64. Its size is what
 * block size limits and fee rates count.
 */
export function transactionBytes(tx: Transaction): Uint8Array {
  return writeUnsigned(new ByteWriter(MIN_TX_BYTES + tx.data.length), tx)
    .bytes(tx.signature)
    .finish()
}

/** Size of the canonical form, without building it. */
export function transactionSize(tx: Transaction): number {
  return MIN_TX_BYTES + tx.data.length
}

/**
 * A transaction's hash (its id): double SHA-256 of its canonical bytes, signature included, so a block's
 * merkle root commits to the signatures too.
 */
export function transactionHash(tx: Transaction): Uint8Array {
  return sha256d(transactionBytes(tx))
}

/**
 * What the sender signs: the domain `chainwire/tx/v1`, the network id (so a transaction cannot be replayed
 * on another network), then the canonical fields without the signature.
 */
export function transactionSigningMessage(tx: Transaction, networkId: string): Uint8Array {
  const w = new ByteWriter(64 + MIN_TX_BYTES + tx.data.length)
  w.bytes(SIGNING_DOMAIN).varBytes(utf8.encode(networkId))
  return writeUnsigned(w, tx).finish()
}

/** True for a block's first transaction shape: `from` and `signature` all zero. */
export function isCoinbase(tx: Transaction): boolean {
  return isZero(tx.from) && isZero(tx.signature)
}

/**
 * The coinbase of a block at `height`: pays `amount` (at most the block reward plus the block's fees) to
 * `to`. Its nonce is the height, so two coinbases never share a hash; `data` is free (a miner tag or extra
 * nonce, at most the network's `maxCoinbaseDataBytes`).
 */
export function createCoinbase(
  height: number,
  to: Uint8Array,
  amount: bigint,
  data: Uint8Array = new Uint8Array(0),
): Transaction {
  return {
    version: TX_VERSION,
    from: ZERO_HASH,
    to,
    amount,
    fee: 0n,
    nonce: height,
    data,
    signature: ZERO_SIGNATURE,
  }
}

/** The unsigned fields of a transfer; {@link signTransaction} fills in `version` and `signature`. */
export interface UnsignedTransfer {
  to: Uint8Array
  amount: bigint
  fee: bigint
  nonce: number
  data?: Uint8Array
}

/** Signs a transfer for `networkId` with `signer` (see `createSigner`), which is also the sender. */
export function signTransaction(
  transfer: UnsignedTransfer,
  signer: { publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array },
  networkId: string,
): Transaction {
  const tx: Transaction = {
    version: TX_VERSION,
    from: signer.publicKey,
    to: transfer.to,
    amount: transfer.amount,
    fee: transfer.fee,
    nonce: transfer.nonce,
    data: transfer.data ?? new Uint8Array(0),
    signature: ZERO_SIGNATURE,
  }
  tx.signature = signer.sign(transactionSigningMessage(tx, networkId))
  return tx
}
