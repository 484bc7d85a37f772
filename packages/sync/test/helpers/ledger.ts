/**
 * A small ledger that implements SyncChain honestly, for sync's tests until @chainwire/chain is wired in:
 * headers linked by real hashes (double SHA-256 of 96 canonical bytes), a work of `bits` per header, a
 * proof-of-work rule it checks (the hash's first byte below 0x80), a merkle root of transaction hashes, a
 * transaction rule (its signature starts with the hash of its body), a block tree with the most-work tip and
 * reorgs, a mempool. It is deliberately plain: every rule is a few lines.
 */
import { createHash } from 'node:crypto'
import type { Block, BlockHeader, MerkleProof, Transaction } from '@chainwire/protocol-codec'
import { EventEmitter } from 'eventemitter3'
import type {
  AcceptBlockResult,
  AcceptHeadersResult,
  AcceptTransactionResult,
  ChainPoint,
  HeaderLinkResult,
  SyncChain,
  SyncChainEvents,
} from '../../src/index'

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const eq = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b)
export const ZERO = new Uint8Array(32)

export function headerBytes(h: BlockHeader): Uint8Array {
  const out = new Uint8Array(96)
  const v = new DataView(out.buffer)
  v.setUint32(0, h.version)
  v.setBigUint64(4, BigInt(h.height))
  out.set(h.prevHash, 12)
  out.set(h.merkleRoot, 44)
  v.setBigUint64(76, BigInt(h.timestamp))
  v.setUint32(84, h.bits)
  v.setBigUint64(88, BigInt(h.nonce))
  return out
}
export const hashHeader = (h: BlockHeader): Uint8Array => sha256(sha256(headerBytes(h)))
export const meetsPow = (hash: Uint8Array): boolean => (hash[0] as number) < 0x80

function txBody(tx: Transaction): Uint8Array {
  const out = new Uint8Array(64 + 24 + tx.data.length)
  const v = new DataView(out.buffer)
  out.set(tx.from, 0)
  out.set(tx.to, 32)
  v.setBigUint64(64, tx.amount)
  v.setBigUint64(72, tx.fee)
  v.setBigUint64(80, BigInt(tx.nonce))
  out.set(tx.data, 88)
  return out
}
export const hashTransaction = (tx: Transaction): Uint8Array =>
  sha256(Buffer.concat([txBody(tx), tx.signature]))
export const txValid = (tx: Transaction): boolean => eq(tx.signature.subarray(0, 32), sha256(txBody(tx)))

/** Merkle root of leaves: pairwise SHA-256, the last leaf of an odd level paired with itself. */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return ZERO
  let level = leaves
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) {
      next.push(sha256(Buffer.concat([level[i] as Uint8Array, level[i + 1] ?? (level[i] as Uint8Array)])))
    }
    level = next
  }
  return level[0] as Uint8Array
}

function merkleBranch(leaves: Uint8Array[], index: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let level = leaves
  let i = index
  while (level.length > 1) {
    out.push(level[i ^ 1] ?? (level[i] as Uint8Array))
    const next: Uint8Array[] = []
    for (let j = 0; j < level.length; j += 2) {
      next.push(sha256(Buffer.concat([level[j] as Uint8Array, level[j + 1] ?? (level[j] as Uint8Array)])))
    }
    level = next
    i >>= 1
  }
  return out
}

/** A valid transaction: `seed` makes it unique, `size` is its data length. */
export function makeTx(seed: number, size = 0): Transaction {
  const from = sha256(Buffer.from(`from ${seed}`))
  const data = new Uint8Array(size)
  for (let i = 0; i < size; i++) data[i] = (seed + i) & 0xff
  const tx: Transaction = {
    version: 1,
    from,
    to: sha256(Buffer.from(`to ${seed}`)),
    amount: BigInt(seed),
    fee: 1n,
    nonce: seed,
    data,
    signature: new Uint8Array(64),
  }
  tx.signature.set(sha256(txBody(tx)))
  return tx
}

/** Mines a block on `parent` (undefined: a genesis block) with these transactions. */
export function mineBlock(
  parent: BlockHeader | undefined,
  transactions: Transaction[],
  options: { bits?: number; timestamp?: number } = {},
): Block {
  const header: BlockHeader = {
    version: 1,
    height: parent === undefined ? 0 : parent.height + 1,
    prevHash: parent === undefined ? ZERO : hashHeader(parent),
    merkleRoot: merkleRoot(transactions.map(hashTransaction)),
    timestamp: options.timestamp ?? (parent === undefined ? 1_700_000_000_000 : parent.timestamp + 1_000),
    bits: options.bits ?? 10,
    nonce: 0,
  }
  while (!meetsPow(hashHeader(header))) header.nonce++
  return { header, transactions }
}

/** `count` blocks on `parent`, each with a reward transaction and `txs` more of `txSize` bytes of data. */
export function mineChain(
  parent: BlockHeader,
  count: number,
  options: { txs?: number; txSize?: number; bits?: number; seed?: number } = {},
): Block[] {
  const out: Block[] = []
  let prev = parent
  let seed = options.seed ?? parent.height * 1_000_003 + 17
  for (let i = 0; i < count; i++) {
    const txs = [makeTx(seed++)]
    for (let j = 0; j < (options.txs ?? 0); j++) txs.push(makeTx(seed++, options.txSize ?? 0))
    const block = mineBlock(prev, txs, { bits: options.bits })
    out.push(block)
    prev = block.header
  }
  return out
}

interface Entry {
  header: BlockHeader
  point: ChainPoint
}

/** The test ledger. */
export class TestLedger extends EventEmitter<SyncChainEvents> implements SyncChain {
  readonly minimumChainWork: bigint
  readonly genesis: Block
  private readonly headers = new Map<string, Entry>()
  private readonly blocks = new Map<string, Block>()
  private readonly invalid = new Set<string>()
  private readonly mempool = new Map<string, Transaction>()
  private headerChain: Uint8Array[] = []
  private blockChain: Uint8Array[] = []
  /** Blocks handed to acceptBlock, counted (to prove nothing is downloaded twice). */
  acceptBlockCalls = 0

  constructor(genesis: Block, options: { minimumChainWork?: bigint } = {}) {
    super()
    this.genesis = genesis
    this.minimumChainWork = options.minimumChainWork ?? 0n
    const hash = hashHeader(genesis.header)
    const point = { hash, height: 0, work: BigInt(genesis.header.bits) }
    this.headers.set(hex(hash), { header: genesis.header, point })
    this.blocks.set(hex(hash), genesis)
    this.headerChain = [hash]
    this.blockChain = [hash]
  }

  /** A ledger holding `blocks` already (a peer that has the chain). */
  static withBlocks(
    genesis: Block,
    blocks: readonly Block[],
    options: { minimumChainWork?: bigint } = {},
  ): TestLedger {
    const ledger = new TestLedger(genesis, options)
    for (const b of blocks) {
      const r = ledger.acceptBlockSync(b)
      if (typeof r === 'object' || r === 'orphan') throw new Error(`bad test chain: ${JSON.stringify(r)}`)
    }
    return ledger
  }

  tip(): ChainPoint {
    return this.point(this.blockChain[this.blockChain.length - 1] as Uint8Array)
  }
  headerTip(): ChainPoint {
    return this.point(this.headerChain[this.headerChain.length - 1] as Uint8Array)
  }
  private point(hash: Uint8Array): ChainPoint {
    return (this.headers.get(hex(hash)) as Entry).point
  }

  locator(from?: Uint8Array): Uint8Array[] {
    const start = from === undefined ? this.headerTip() : this.getHeader(from)?.point
    if (start === undefined) return [this.headerChain[0] as Uint8Array]
    const out: Uint8Array[] = []
    let entry = this.headers.get(hex(start.hash)) as Entry
    let step = 1
    for (;;) {
      out.push(entry.point.hash)
      if (entry.point.height === 0 || out.length >= 100) break
      if (out.length >= 10) step *= 2
      const target = Math.max(0, entry.point.height - step)
      while (entry.point.height > target) entry = this.headers.get(hex(entry.header.prevHash)) as Entry
    }
    if (entry.point.height !== 0) out.push(this.headerChain[0] as Uint8Array)
    return out
  }

  hashHeader(header: BlockHeader): Uint8Array {
    return hashHeader(header)
  }
  hashTransaction(tx: Transaction): Uint8Array {
    return hashTransaction(tx)
  }

  checkHeaderLink(header: BlockHeader, parent: BlockHeader): HeaderLinkResult {
    if (!eq(header.prevHash, hashHeader(parent))) return { invalid: 'bad-prev' }
    if (header.height !== parent.height + 1) return { invalid: 'bad-height' }
    if (header.timestamp <= parent.timestamp) return { invalid: 'time-too-old' }
    if (header.bits < 1) return { invalid: 'bad-bits' }
    if (!meetsPow(hashHeader(header))) return { invalid: 'bad-pow' }
    return { work: BigInt(header.bits) }
  }

  hasHeader(hash: Uint8Array): boolean {
    return this.headers.has(hex(hash))
  }
  getHeader(hash: Uint8Array): Entry | undefined {
    return this.headers.get(hex(hash))
  }
  headerHashAt(height: number): Uint8Array | undefined {
    return this.headerChain[height]
  }
  hasBlock(hash: Uint8Array): boolean {
    return this.blocks.has(hex(hash))
  }
  /** Headers stored (for the presync tests: none of a low-work chain). */
  get headerCount(): number {
    return this.headers.size
  }

  headersAfter(locator: readonly Uint8Array[], stop: Uint8Array | undefined, max: number): BlockHeader[] {
    let start = 1
    for (const h of locator) {
      const e = this.headers.get(hex(h))
      if (e !== undefined && eq(this.headerChain[e.point.height] ?? ZERO, h)) {
        start = e.point.height + 1
        break
      }
    }
    const out: BlockHeader[] = []
    for (let height = start; height < this.headerChain.length && out.length < max; height++) {
      const hash = this.headerChain[height] as Uint8Array
      out.push((this.headers.get(hex(hash)) as Entry).header)
      if (stop !== undefined && eq(hash, stop)) break
    }
    return out
  }

  getBlock(hash: Uint8Array): Block | undefined {
    return this.blocks.get(hex(hash))
  }
  getBlockRange(from: number, count: number): Block[] {
    return this.blockChain.slice(from, from + count).map((h) => this.blocks.get(hex(h)) as Block)
  }

  acceptHeaders(headers: readonly BlockHeader[]): AcceptHeadersResult {
    let accepted = 0
    for (const [index, header] of headers.entries()) {
      const hash = hashHeader(header)
      if (this.invalid.has(hex(hash))) return { accepted, invalid: { index, code: 'known-invalid' } }
      if (this.headers.has(hex(hash))) {
        accepted++
        continue
      }
      const parent = this.headers.get(hex(header.prevHash))
      if (parent === undefined) return { accepted, invalid: { index, code: 'unknown-parent' } }
      const checked = this.checkHeaderLink(header, parent.header)
      if ('invalid' in checked) {
        this.invalid.add(hex(hash))
        return { accepted, invalid: { index, code: checked.invalid } }
      }
      const point = { hash, height: header.height, work: parent.point.work + checked.work }
      this.headers.set(hex(hash), { header, point })
      if (point.work > this.headerTip().work) this.headerChain = this.chainTo(hash, this.headerChain)
      accepted++
    }
    return { accepted }
  }

  acceptBlock(block: Block): AcceptBlockResult {
    return this.acceptBlockSync(block)
  }

  private acceptBlockSync(block: Block): AcceptBlockResult {
    this.acceptBlockCalls++
    const hash = hashHeader(block.header)
    if (this.blocks.has(hex(hash))) return 'duplicate'
    if (!this.blocks.has(hex(block.header.prevHash))) {
      return 'orphan'
    }
    const headerResult = this.acceptHeaders([block.header])
    if (headerResult.invalid !== undefined) return { invalid: headerResult.invalid.code }
    if (!this.checkMerkleRoot(block)) return { invalid: 'bad-merkle-root' }
    if (!block.transactions.every(txValid)) return { invalid: 'bad-transaction' }
    this.blocks.set(hex(hash), block)
    for (const tx of block.transactions) this.mempool.delete(hex(hashTransaction(tx)))
    const point = this.point(hash)
    if (point.work <= this.tip().work) return 'stored'
    const old = this.tip()
    const extends_ = eq(block.header.prevHash, old.hash)
    this.blockChain = this.chainTo(hash, this.blockChain)
    if (!extends_) {
      let fork = this.blockChain.length - 1
      while (fork > 0 && !eq(this.headerChain[fork] ?? ZERO, this.blockChain[fork] as Uint8Array)) fork--
      this.emit('reorg', { fork: this.point(this.blockChain[fork] as Uint8Array), from: old, to: point })
    }
    this.emit('tip', point)
    return 'connected'
  }

  /** The chain of hashes from genesis to `hash`, reusing the common part of `current`. */
  private chainTo(hash: Uint8Array, current: Uint8Array[]): Uint8Array[] {
    const tail: Uint8Array[] = []
    let entry = this.headers.get(hex(hash)) as Entry
    while (!eq(current[entry.point.height] ?? ZERO, entry.point.hash)) {
      tail.push(entry.point.hash)
      entry = this.headers.get(hex(entry.header.prevHash)) as Entry
    }
    return [...current.slice(0, entry.point.height + 1), ...tail.reverse()]
  }

  checkMerkleRoot(block: Block): boolean {
    return eq(merkleRoot(block.transactions.map(hashTransaction)), block.header.merkleRoot)
  }

  proof(blockHash: Uint8Array, txHash: Uint8Array): MerkleProof | undefined {
    const block = this.blocks.get(hex(blockHash))
    if (block === undefined) return undefined
    const leaves = block.transactions.map(hashTransaction)
    const index = leaves.findIndex((l) => eq(l, txHash))
    if (index < 0) return undefined
    return { header: block.header, index, siblings: merkleBranch(leaves, index) }
  }

  mempoolIds(max: number): Uint8Array[] {
    return [...this.mempool.values()].slice(0, max).map(hashTransaction)
  }
  getTransaction(hash: Uint8Array): Transaction | undefined {
    return this.mempool.get(hex(hash))
  }
  hasTransaction(hash: Uint8Array): boolean {
    return this.mempool.has(hex(hash))
  }
  acceptTransaction(tx: Transaction): AcceptTransactionResult {
    const key = hex(hashTransaction(tx))
    if (this.mempool.has(key)) return 'duplicate'
    if (!txValid(tx)) return { rejected: 'bad-signature' }
    this.mempool.set(key, tx)
    return 'accepted'
  }
}

/** Checks a merkle proof the way a light client would. */
export function verifyProof(proof: MerkleProof, txHash: Uint8Array): boolean {
  let node = txHash
  let i = proof.index
  for (const s of proof.siblings) {
    node = sha256(Buffer.concat(i & 1 ? [s, node] : [node, s]))
    i >>= 1
  }
  return eq(node, proof.header.merkleRoot)
}
