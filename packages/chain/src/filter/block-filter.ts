import type { Block } from '@chainwire/protocol-codec'
import { isZero } from '../bytes'
import { sha256d } from '../crypto/sha256'
import { headerHash } from '../header/header'
import { BASIC_FILTER, buildGcs, filterKey, gcsMatchAny } from './gcs'

/**
 * The items of a block's basic filter: every account key the block's transactions send from or pay to, once
 * each, in first-appearance order. The coinbase's zero sender is left out, as BIP 158 leaves out empty
 * scripts: no wallet watches it. chainwire's accounts play the part of Bitcoin's scripts.
 */
export function blockFilterItems(block: Block): Uint8Array[] {
  const seen = new Set<string>()
  const out: Uint8Array[] = []
  for (const tx of block.transactions) {
    for (const key of [tx.from, tx.to]) {
      if (isZero(key)) continue
      const k = String.fromCharCode(...key)
      if (seen.has(k)) continue
      seen.add(k)
      out.push(key)
    }
  }
  return out
}

/**
 * The basic compact filter of a block (BIP 158 semantics over account keys): a Golomb-coded set with
 * P = 19 and M = 784,931 keyed by the first 16 bytes of the block hash.
 */
export function blockFilter(block: Block, blockHash: Uint8Array = headerHash(block.header)): Uint8Array {
  return buildGcs(filterKey(blockHash), blockFilterItems(block), BASIC_FILTER)
}

/** True when the filter of block `blockHash` may hold one of `keys` (a member always does). */
export function filterMatchesAny(
  filter: Uint8Array,
  blockHash: Uint8Array,
  keys: readonly Uint8Array[],
): boolean {
  return gcsMatchAny(filter, filterKey(blockHash), keys, BASIC_FILTER)
}

/** A filter's hash: double SHA-256 of its bytes. */
export function filterHash(filter: Uint8Array): Uint8Array {
  return sha256d(filter)
}

/**
 * The filter header chaining a block's filter to its parent's (BIP 157): double SHA-256 of the filter hash
 * followed by the previous filter header; the genesis block's previous header is 32 zero bytes. Two peers
 * that agree on a filter header agree on every filter below it.
 */
export function filterHeader(filterHashValue: Uint8Array, previousHeader: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64)
  buf.set(filterHashValue)
  buf.set(previousHeader, 32)
  return sha256d(buf)
}

/** The block filter checkpoint interval of BIP 157 (`cfcheckpt`): one filter header every 1,000 blocks. */
export const FILTER_CHECKPOINT_INTERVAL = 1_000
