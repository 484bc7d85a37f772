import type { BlockHeader, MerkleProof } from '@chainwire/protocol-codec'
import { equalBytes } from './bytes'
import { sha256d } from './crypto/sha256'

/*
 * Bitcoin's merkle tree over transaction hashes: pairs hashed with double SHA-256 (left || right), a level
 * of odd length pairs its last hash with itself. That odd-node rule lets two different transaction lists
 * share a root (CVE-2012-2459: repeat the last one or two hashes); `merkleRoot` reports such a list as
 * `mutated`, and block validation rejects it without marking the block hash invalid, because the honest
 * list with the same header may still arrive. No `node:` import: light clients verify proofs in browsers.
 *
 * A leaf is a transaction hash and an inner node hashes 64 bytes; a transaction's canonical form is at
 * least 160 bytes, so no transaction can pose as an inner node.
 */

const pair = new Uint8Array(64)

function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  pair.set(left, 0)
  pair.set(right, 32)
  return sha256d(pair)
}

/** The root of a merkle tree, and whether its leaves are a duplicate-subtree mutation. */
export interface MerkleRoot {
  root: Uint8Array
  /** Two equal hashes were paired at some level: the list is a CVE-2012-2459 mutation (or holds a duplicate). */
  mutated: boolean
}

/**
 * The merkle root of `leaves` (32-byte hashes, at least one), as Bitcoin's ComputeMerkleRoot, with its
 * mutation flag.
 */
export function merkleRoot(leaves: readonly Uint8Array[]): MerkleRoot {
  if (leaves.length === 0) throw new RangeError('a merkle tree needs at least one leaf')
  let level = leaves.slice()
  let mutated = false
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Uint8Array
      const right = level[i + 1]
      if (right !== undefined && equalBytes(left, right)) mutated = true
      next.push(hashPair(left, right ?? left))
    }
    level = next
  }
  return { root: level[0] as Uint8Array, mutated }
}

/**
 * The sibling hashes proving that the leaf at `index` is in the tree of `leaves`, from the leaf up to the
 * root (what protocol-codec's `MerkleProof.siblings` carries). The sibling of an odd level's last node is
 * the node itself.
 */
export function merkleBranch(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is not in a tree of ${leaves.length}`)
  }
  const siblings: Uint8Array[] = []
  let level = leaves.slice()
  let i = index
  while (level.length > 1) {
    siblings.push((level[i ^ 1] ?? level[i]) as Uint8Array)
    const next: Uint8Array[] = []
    for (let j = 0; j < level.length; j += 2) {
      const left = level[j] as Uint8Array
      next.push(hashPair(left, level[j + 1] ?? left))
    }
    level = next
    i >>= 1
  }
  return siblings
}

/** The root that `leaf` at `index` with these `siblings` leads to. */
export function rootFromBranch(leaf: Uint8Array, index: number, siblings: readonly Uint8Array[]): Uint8Array {
  let node = leaf
  let i = index
  for (const sibling of siblings) {
    node = i & 1 ? hashPair(sibling, node) : hashPair(node, sibling)
    i = Math.floor(i / 2)
  }
  return node
}

/** Builds the codec's `MerkleProof` of the transaction at `index` of a block with these transaction hashes. */
export function createMerkleProof(
  header: BlockHeader,
  txHashes: readonly Uint8Array[],
  index: number,
): MerkleProof {
  return { header, index, siblings: merkleBranch(txHashes, index) }
}

/**
 * True when `proof` shows `txHash` under `proof.header.merkleRoot`. The caller still has to check that the
 * header is on its chain (a light client: `HeaderChain.hasHeader(headerHash(proof.header))`). The index must
 * fit the proof's depth, so one proof cannot name two positions.
 */
export function verifyMerkleProof(proof: MerkleProof, txHash: Uint8Array): boolean {
  if (txHash.length !== 32 || proof.siblings.length > 64) return false
  if (proof.index >= 2 ** proof.siblings.length) return false
  return equalBytes(rootFromBranch(txHash, proof.index, proof.siblings), proof.header.merkleRoot)
}
