import type { Block, BlockHeader, MerkleProof, Transaction } from '@chainwire/protocol-codec'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { FullChain, HeaderChain } from '../src/index'
import { BlockBuilder, startChain, testNetwork } from './helpers'

/**
 * The `SyncChain` contract of DESIGN.md §8, as `@chainwire/sync` declares it (chain never imports sync; it
 * satisfies the shape structurally). If chain's API drifts from it, this file stops compiling
 * (`tsc -p packages/chain`), and the runtime test below exercises every member once.
 */
export interface SyncChain {
  tip(): { hash: Uint8Array; height: number; work: bigint }
  locator(): Uint8Array[]
  hasHeader(hash: Uint8Array): boolean
  hasBlock(hash: Uint8Array): boolean
  headersAfter(locator: readonly Uint8Array[], stop: Uint8Array | undefined, max: number): BlockHeader[]
  getBlock(hash: Uint8Array): Promise<Block | undefined>
  getBlockRange(from: number, count: number): Promise<Block[]>
  acceptHeaders(
    headers: readonly BlockHeader[],
  ): Promise<{ accepted: number; invalid?: { index: number; code: string } }>
  acceptBlock(block: Block): Promise<'connected' | 'stored' | 'duplicate' | { invalid: string }>
  proof(blockHash: Uint8Array, txHash: Uint8Array): Promise<MerkleProof | undefined>
  readonly minimumChainWork: bigint
  mempoolIds(): Uint8Array[]
  getTransaction(hash: Uint8Array): Transaction | undefined
  acceptTransaction(tx: Transaction): Promise<'accepted' | 'duplicate' | { invalid: string }>
  on(event: 'tip', listener: (tip: { hash: Uint8Array; height: number; work: bigint }) => void): unknown
  on(
    event: 'reorg',
    listener: (e: { depth: number; removed: Uint8Array[]; added: Uint8Array[] }) => void,
  ): unknown
}

/** The header-only part a light client's sync needs, which `HeaderChain` satisfies. */
export type HeaderSyncChain = Pick<
  SyncChain,
  'tip' | 'locator' | 'hasHeader' | 'acceptHeaders' | 'minimumChainWork' | 'on'
>

describe('the SyncChain contract (DESIGN.md §8)', () => {
  it('is satisfied by FullChain, and its header-only part by HeaderChain (type level)', () => {
    expectTypeOf<FullChain>().toExtend<SyncChain>()
    expectTypeOf<HeaderChain>().toExtend<HeaderSyncChain>()
  })

  it('works through the contract alone', async () => {
    const network = testNetwork()
    const full = await startChain(network)
    const chain: SyncChain = full
    const blocks = new BlockBuilder(network).chain(network.genesis, 3)
    const tips: number[] = []
    chain.on('tip', (t) => tips.push(t.height))
    expect(await chain.acceptHeaders(blocks.map((b) => b.header))).toEqual({ accepted: 3 })
    for (const b of blocks) expect(await chain.acceptBlock(b)).toBe('connected')
    expect(chain.tip().height).toBe(3)
    expect(chain.headersAfter(chain.locator().slice(-1), undefined, 10)).toHaveLength(3)
    expect(await chain.getBlockRange(1, 3)).toHaveLength(3)
    expect(chain.minimumChainWork).toBe(0n)
    expect(chain.mempoolIds()).toEqual([])
    expect(tips).toEqual([1, 2, 3])
    await full.stop()
  })
})
