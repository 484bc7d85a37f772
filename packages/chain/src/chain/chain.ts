import type { Block, BlockHeader, ConsensusVoteData, Transaction } from '@chainwire/protocol-codec'
import { checkBlockBody } from '../block/checks'
import { toHex } from '../bytes'
import type { SignatureCheck } from '../crypto/ed25519'
import { type ChainErrorCode, codeOf, fail, marksBlockInvalid, refusal } from '../errors'
import { acceptVoteWith } from '../finality/intake'
import type { Equivocation } from '../finality/votes'
import { checkHeader, checkHeaderContext, HEADER_VERSION } from '../header/checks'
import { workFromBits } from '../header/compact'
import { headerHash } from '../header/header'
import type { MempoolEntry } from '../mempool/mempool'
import { blockAccountKeys, EMPTY_ACCOUNT } from '../state/account'
import { applyBlock, revertBlock } from '../state/apply'
import { StateOverlay } from '../state/overlay'
import { ChainBatch, HeaderFlags } from '../store/store'
import { checkTransaction } from '../tx/checks'
import { transactionHash, transactionSigningMessage, transactionSize } from '../tx/tx'
import type { BlockEntry } from './block-index'
import { ChainState } from './chain-state'
import { filterRecord } from './filters'
import { acceptHeaderBatch } from './header-batch'
import { syncMempool } from './mempool-sync'
import { buildTemplate } from './template'
import type {
  AcceptBlockResult,
  AcceptHeadersResult,
  AcceptTransactionResult,
  AcceptVoteResult,
  BlockTemplate,
  MempoolRemovalReason,
} from './types'

const { HAVE_DATA, FAILED } = HeaderFlags

/**
 * The reference ledger: block tree with most-work fork choice, atomic connection and reorgs with undo data,
 * account state, mempool, finality, all persisted through one `abstract-level` database. Every method that
 * changes state runs alone (a queue), so concurrent callers see one order of events.
 */
export class FullChain extends ChainState {
  // ---------------------------------------------------------------- headers

  /** Validates and stores headers (a `headers` message), stopping at the first failure. */
  acceptHeaders(headers: readonly BlockHeader[]): Promise<AcceptHeadersResult> {
    return this.serial.run(async () => {
      const batch = new ChainBatch()
      const now = this.clock.now()
      const result = await acceptHeaderBatch(headers, (header) => this.acceptHeader(header, now, batch).hash)
      await this.store.write(batch)
      await this.applyQuorums()
      return result
    })
  }

  /** One header: known, or checked and added to the index (written with `batch`). Throws `ChainError`. */
  private acceptHeader(header: BlockHeader, now: number, batch: ChainBatch): BlockEntry {
    if (typeof header !== 'object' || header === null || header.version !== HEADER_VERSION) {
      fail('ERR_BAD_VERSION', 'unknown header version')
    }
    let hash: Uint8Array
    try {
      hash = headerHash(header)
    } catch {
      fail('ERR_BAD_BITS', 'malformed header fields')
    }
    const key = toHex(hash)
    const known = this.index.entries.get(key)
    if (known !== undefined) {
      if (known.flags & FAILED) fail(this.invalid.get(key) ?? 'ERR_INVALID_PARENT', 'known invalid block')
      return known
    }
    const remembered = this.invalid.get(key)
    if (remembered !== undefined) fail(remembered, 'known invalid header')
    try {
      checkHeader(header, this.network, hash)
      const parent = this.index.get(header.prevHash)
      if (parent === undefined) {
        if (this.invalid.has(toHex(header.prevHash))) fail('ERR_INVALID_PARENT', 'parent is invalid')
        fail('ERR_UNKNOWN_PARENT', 'unknown parent')
      }
      if (parent.flags & FAILED) fail('ERR_INVALID_PARENT', 'parent is invalid')
      this.checkAboveFinal(parent, header.height)
      checkHeaderContext(
        header,
        {
          parentHash: parent.hash,
          parentHeight: parent.height,
          medianTimePast: this.index.medianTimePast(parent),
          expectedBits: this.index.expectedBits(parent),
          now,
        },
        this.network,
      )
      const best = this.index.bestHeader
      if (this.index.forkHeaderCount >= this.limits.maxForkHeaders && parent !== best) {
        if (parent.work + workFromBits(header.bits) <= best.work)
          fail('ERR_TOO_MANY_FORKS', 'fork header limit reached')
      }
      const entry = this.index.add(header, hash, parent, 0)
      batch.putHeader(hash, header, 0)
      this.counters.headers++
      this.metrics.headers.inc()
      return entry
    } catch (err) {
      const code = codeOf(err)
      if (marksBlockInvalid(code)) {
        this.invalid.set(key, code)
        this.metrics.invalid.inc(1, { code })
        this.emit('block:invalid', { hash, height: header.height, code })
      }
      throw err
    }
  }

  private checkAboveFinal(parent: BlockEntry, height: number): void {
    if (this.final === undefined) return
    const finalEntry = this.index.get(this.final.hash) as BlockEntry
    if (height <= finalEntry.height || this.index.ancestor(parent, finalEntry.height) !== finalEntry) {
      fail('ERR_FORK_BELOW_FINAL', 'the header forks at or below the last final block', {
        final: finalEntry.height,
      })
    }
  }

  // ---------------------------------------------------------------- blocks

  /**
   * Validates a block (header, body, signatures), stores it, and connects the most-work valid chain,
   * reorganising when another branch now leads. State is unchanged when it fails.
   */
  acceptBlock(block: Block): Promise<AcceptBlockResult> {
    return this.serial.run(async () => {
      let entry: BlockEntry
      try {
        if (typeof block !== 'object' || block === null) fail('ERR_BAD_TX', 'not a block')
        const batch = new ChainBatch()
        entry = this.acceptHeader(block.header, this.clock.now(), batch)
        if (entry.flags & HAVE_DATA) return 'duplicate'
        await this.store.write(batch)
      } catch (err) {
        return refusal(codeOf(err), 'block')
      }
      const tip = this.index.tip
      if (entry.work <= tip.work && entry.height + this.limits.maxForkDepth < tip.height) {
        return refusal('ERR_TOO_MANY_FORKS', 'block')
      }
      try {
        const checked = checkBlockBody(block, this.network)
        await this.checkSignatures(block, checked.txHashes)
      } catch (err) {
        const code = codeOf(err)
        if (marksBlockInvalid(code)) await this.markFailed(entry, code)
        return refusal(code, 'block')
      }
      await this.store.write(
        new ChainBatch()
          .putBlock(entry.hash, block)
          .putHeader(entry.hash, entry.header, entry.flags | HAVE_DATA),
      )
      entry.flags |= HAVE_DATA
      this.counters.blocksStored++
      this.recent.set(entry.key, block)
      if (entry.work > tip.work) this.candidates.add(entry)
      await this.activateBestChain()
      await this.applyQuorums()
      if (entry.flags & FAILED) return refusal(this.invalid.get(entry.key) ?? 'ERR_INVALID_PARENT', 'block')
      return this.index.isOnMain(entry) ? 'connected' : 'stored'
    })
  }

  private async checkSignatures(block: Block, txHashes: readonly Uint8Array[]): Promise<void> {
    const checks: SignatureCheck[] = []
    const positions: number[] = []
    for (let i = 1; i < block.transactions.length; i++) {
      if (this.verified.has(toHex(txHashes[i] as Uint8Array))) continue
      const tx = block.transactions[i] as Transaction
      checks.push({
        publicKey: tx.from,
        message: transactionSigningMessage(tx, this.network.id),
        signature: tx.signature,
      })
      positions.push(i)
    }
    if (checks.length === 0) return
    const ok = await this.verifier.verify(checks)
    const bad = ok.findIndex((v) => v !== true)
    if (bad >= 0) fail('ERR_BAD_SIGNATURE', 'bad transaction signature', { index: positions[bad] })
  }

  /** Marks an entry and its known descendants invalid for good, persistently. */
  private async markFailed(entry: BlockEntry, code: ChainErrorCode): Promise<void> {
    const batch = new ChainBatch()
    const failed = new Set<BlockEntry>([entry])
    entry.flags |= FAILED
    batch.putHeader(entry.hash, entry.header, entry.flags)
    const byHeight = [...this.index.entries.values()]
      .filter((e) => e.height > entry.height)
      .sort((a, b) => a.height - b.height)
    for (const e of byHeight) {
      if (e.parent !== undefined && failed.has(e.parent)) {
        failed.add(e)
        e.flags |= FAILED
        batch.putHeader(e.hash, e.header, e.flags)
      }
    }
    for (const e of failed) {
      this.candidates.delete(e)
      this.invalid.set(e.key, e === entry ? code : 'ERR_INVALID_PARENT')
    }
    if (this.index.bestHeader.flags & FAILED) this.index.bestHeader = this.bestValidHeader()
    const parent = entry.parent
    if (parent !== undefined && parent.flags & HAVE_DATA && !this.index.isOnMain(parent))
      this.candidates.add(parent)
    await this.store.write(batch)
    this.log.info(
      { hash: entry.key, height: entry.height, code, descendants: failed.size - 1 },
      'block invalid',
    )
    this.metrics.invalid.inc(1, { code })
    this.emit('block:invalid', { hash: entry.hash, height: entry.height, code })
  }

  private bestValidHeader(): BlockEntry {
    let best = this.index.tip
    for (const e of this.index.entries.values()) {
      if (!(e.flags & FAILED) && (e.work > best.work || (e.work === best.work && e.seq < best.seq))) best = e
    }
    return best
  }

  /** The connectable entry with the most work, preferring the first seen; undefined when the tip leads. */
  private bestCandidate(): BlockEntry | undefined {
    const tip = this.index.tip
    let best: BlockEntry | undefined
    for (const c of [...this.candidates]) {
      if (c.flags & FAILED || c.work <= tip.work) {
        this.candidates.delete(c)
        continue
      }
      if (best !== undefined && (c.work < best.work || (c.work === best.work && c.seq > best.seq))) continue
      if (this.connectable(c)) best = c
    }
    return best
  }

  /** Every block from the active chain to `e` has its body, none failed, and the fork is above the final block. */
  private connectable(e: BlockEntry): boolean {
    let cur: BlockEntry | undefined = e
    while (cur !== undefined && !this.index.isOnMain(cur)) {
      if (!(cur.flags & HAVE_DATA) || cur.flags & FAILED) return false
      cur = cur.parent
    }
    return cur !== undefined && (this.final === undefined || cur.height >= this.final.height)
  }

  protected async activateBestChain(): Promise<void> {
    for (let c = this.bestCandidate(); c !== undefined; c = this.bestCandidate()) await this.switchTo(c)
  }

  /**
   * Makes `target` the tip: reverts the active chain to the fork point with stored undo data and applies
   * the branch, all in one overlay, then writes everything in one batch. A block of the branch that fails
   * is marked invalid and nothing is written.
   */
  private async switchTo(target: BlockEntry): Promise<void> {
    const oldTip = this.index.tip
    const fork = this.index.fork(target, oldTip)
    const removed: BlockEntry[] = []
    for (let e = oldTip; e !== fork; e = e.parent as BlockEntry) removed.push(e)
    const added: BlockEntry[] = []
    for (let e = target; e !== fork; e = e.parent as BlockEntry) added.push(e)
    added.reverse()
    const overlay = new StateOverlay((keys) => this.readAccounts(keys))
    const removedBlocks: Block[] = []
    for (const e of removed) {
      const undo = await this.store.getUndo(e.hash)
      await overlay.prefetch(undo.map((u) => toHex(u.key)))
      revertBlock(undo, overlay)
      removedBlocks.push(await this.bodyOf(e))
    }
    const batch = new ChainBatch()
    const addedBlocks: Block[] = []
    let filterParent = (await this.filterIndex.recordOf(fork)).header
    for (const e of added) {
      const block = await this.bodyOf(e)
      await overlay.prefetch(blockAccountKeys(block))
      this.counters.blocksValidated++
      try {
        batch.putUndo(e.hash, applyBlock(block, overlay, this.network))
      } catch (err) {
        await this.markFailed(e, codeOf(err))
        return
      }
      const filter = filterRecord(block, e.hash, filterParent)
      batch.putFilter(e.hash, filter)
      filterParent = filter.header
      addedBlocks.push(block)
    }
    for (const [, key, account] of overlay.changes()) batch.putAccount(key, account)
    batch.putTip(target.hash)
    await this.store.write(batch)
    // Committed: update memory, then tell the world.
    for (const [hex, , account] of overlay.changes()) this.accounts.set(hex, account ?? null)
    const main = this.index.main
    main.length = fork.height + 1
    for (const e of added) main.push(e)
    for (const c of this.candidates)
      if (c.work <= target.work || this.index.isOnMain(c)) this.candidates.delete(c)
    await syncMempool(
      {
        mempool: this.mempool,
        readAccounts: (hexes) => this.readAccounts(hexes),
        now: this.clock.now(),
        removed: (e, reason) => this.removed(e, reason),
        added: (hash, tx) => this.emit('mempool:added', { hash, tx }),
      },
      removedBlocks,
      addedBlocks,
    )
    for (const e of this.mempool.expire(this.clock.now())) this.removed(e, 'expired')
    removed.forEach((e, i) => {
      this.emit('block:disconnected', { hash: e.hash, height: e.height, block: removedBlocks[i] as Block })
    })
    if (removed.length > 0) {
      this.counters.reorgs++
      this.metrics.reorgs.inc()
      this.metrics.reorgDepth.observe(removed.length)
      this.log.info({ depth: removed.length, fork: fork.height, tip: target.height }, 'reorg')
      this.emit('reorg', {
        depth: removed.length,
        fork: { hash: fork.hash, height: fork.height },
        removed: removed.map((e) => e.hash),
        added: added.map((e) => e.hash),
      })
    }
    added.forEach((e, i) => {
      this.emit('block:connected', { hash: e.hash, height: e.height, block: addedBlocks[i] as Block })
    })
    this.metrics.blocksConnected.inc(added.length)
    this.metrics.blocksDisconnected.inc(removed.length)
    this.metrics.tipHeight.set(target.height)
    this.recordMempool()
    this.emit('tip', this.tip())
  }

  // ---------------------------------------------------------------- mempool

  /**
   * Checks a transaction (shape, signature, nonce, balance, fee rate) and adds it to the mempool; evicts
   * lower fee rates when full. Nothing changes when it fails.
   */
  acceptTransaction(tx: Transaction): Promise<AcceptTransactionResult> {
    return this.serial.run(async () => {
      try {
        checkTransaction(tx)
        if (transactionSize(tx) + 96 + 200 > this.network.maxBlockBytes)
          fail('ERR_BAD_TX', 'transaction too large')
        const hash = transactionHash(tx)
        const key = toHex(hash)
        if (this.mempool.has(key)) return 'duplicate'
        if (!this.verified.has(key)) {
          const [ok] = await this.verifier.verify([
            {
              publicKey: tx.from,
              message: transactionSigningMessage(tx, this.network.id),
              signature: tx.signature,
            },
          ])
          if (ok !== true) fail('ERR_BAD_SIGNATURE', 'bad transaction signature')
          this.verified.set(key, true)
        }
        const now = this.clock.now()
        for (const e of this.mempool.expire(now)) this.removed(e, 'expired')
        const [account] = await this.readAccounts([toHex(tx.from)])
        const result = this.mempool.add(tx, hash, account ?? EMPTY_ACCOUNT, now)
        if (result.kind === 'rejected') {
          this.metrics.transactionsRejected.inc(1, { code: result.code })
          return refusal(result.code, 'transaction')
        }
        if (result.kind === 'replaced') this.removed(result.replaced, 'replaced')
        for (const e of result.evicted) this.removed(e, 'evicted')
        this.emit('mempool:added', { hash, tx })
        this.recordMempool()
        return 'accepted'
      } catch (err) {
        const code = codeOf(err)
        this.metrics.transactionsRejected.inc(1, { code })
        return refusal(code, 'transaction')
      }
    })
  }

  private recordMempool(): void {
    this.metrics.mempoolSize.set(this.mempool.size)
    this.metrics.mempoolBytes.set(this.mempool.bytes)
  }

  private removed(e: MempoolEntry, reason: MempoolRemovalReason): void {
    this.metrics.mempoolRemoved.inc(1, { reason })
    this.emit('mempool:removed', { hash: e.hash, reason })
  }

  /**
   * A block to mine on the tip paying `minerKey`: the highest fee rate transactions that fit, the coinbase
   * with reward plus fees, the retarget's bits and a timestamp of max(now, median-time-past + 1).
   */
  async blockTemplate(
    minerKey: Uint8Array,
    options: { coinbaseData?: Uint8Array } = {},
  ): Promise<BlockTemplate> {
    return this.serial.run(async () =>
      buildTemplate(
        this.index,
        this.mempool,
        this.network,
        this.clock.now(),
        minerKey,
        options.coinbaseData ?? new Uint8Array(0),
      ),
    )
  }

  // ---------------------------------------------------------------- finality

  /**
   * Counts a validator's precommit. A block precommitted by more than 2/3 of the power becomes final once
   * its header is known; if it is not on the active chain the chain switches to it. A second precommit
   * for another block at the same height is reported as an `equivocation`.
   */
  acceptVote(vote: ConsensusVoteData): Promise<AcceptVoteResult> {
    return this.serial.run(() =>
      acceptVoteWith(vote, {
        votes: this.votes,
        verifier: this.verifier,
        networkId: this.network.id,
        finalHeight: () => this.final?.height ?? 0,
        bestHeight: this.index.bestHeader.height,
        maxVoteHeights: this.limits.maxVoteHeights,
        onEquivocation: (e) => this.emit('equivocation', e),
        applyQuorums: () => this.applyQuorums(),
      }),
    )
  }

  /** Finalises the highest block with a quorum whose header is known and whose branch can be connected. */
  private async applyQuorums(): Promise<void> {
    const votes = this.votes
    if (votes === undefined) return
    for (const q of votes.quorums().reverse()) {
      if (this.final !== undefined && q.height <= this.final.height) break
      const e = this.index.get(q.blockHash)
      if (e === undefined || e.height !== q.height || e.flags & FAILED) continue
      if (!this.index.isOnMain(e)) {
        if (!this.connectable(e)) continue
        await this.switchTo(e)
        if (!this.index.isOnMain(e)) continue
      }
      this.final = { hash: e.hash, height: e.height, votes: q.votes }
      await this.store.write(new ChainBatch().putFinality(this.final))
      votes.pruneThrough(e.height)
      this.emit('finalized', { hash: e.hash, height: e.height })
      // Branches that do not contain the final block can never be connected again.
      for (const c of this.candidates) if (!this.index.isAncestor(e, c)) this.candidates.delete(c)
      await this.activateBestChain()
      return
    }
  }
}

export type { Equivocation }
