import type { Block, Transaction } from '@chainwire/protocol-codec'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { headerHash, merkleRoot, toHex, transactionHash } from '../src/index'
import {
  activeBlocks,
  BlockBuilder,
  chainState,
  replayState,
  solve,
  startChain,
  testNetwork,
  transfer,
  type Wallet,
  wallet,
} from './helpers'

const funded = wallet()
const network = testNetwork({ genesisTo: funded.key })
const others = [wallet().key, wallet().key, wallet().key]

type Kind = 'valid' | 'overspend' | 'bad-signature' | 'nonce-gap' | 'bad-merkle' | 'mutated' | 'coinbase'

/** One step: extend the branch ending at block number `parent` (mod the blocks made so far) with a block of `kind`. */
const step = fc.record({
  parent: fc.nat(),
  kind: fc.constantFrom<Kind>(
    'valid',
    'valid',
    'valid',
    'valid',
    'overspend',
    'bad-signature',
    'nonce-gap',
    'bad-merkle',
    'mutated',
    'coinbase',
  ),
  txs: fc.integer({ min: 0, max: 2 }),
  miner: fc.integer({ min: 0, max: 2 }),
})

describe('property: any sequence of valid and invalid blocks on competing branches', () => {
  it('leaves the state equal to replaying the best branch from genesis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const chain = await startChain(network)
        try {
          const builder = new BlockBuilder(network)
          // Valid blocks made so far, each with its branch's next nonce of the funded wallet.
          const made: { block: Block; nonce: number }[] = [{ block: network.genesis, nonce: 0 }]
          const validHeights: number[] = [0]
          const validHashes = new Set<string>()
          for (const s of steps) {
            const base = made[s.parent % made.length] as { block: Block; nonce: number }
            const w: Wallet = { ...funded, nonce: base.nonce }
            const txs: Transaction[] = []
            for (let i = 0; i < s.txs; i++)
              txs.push(transfer(network, w, others[i] as Uint8Array, 1_000n + BigInt(i)))
            const miner = others[s.miner] as Uint8Array
            let block: Block
            switch (s.kind) {
              case 'overspend':
                block = builder.next(base.block, [transfer(network, { ...w }, miner, 10n ** 12n)], { miner })
                break
              case 'bad-signature': {
                const t = transfer(network, { ...w }, miner, 1n)
                block = builder.next(base.block, [{ ...t, amount: 2n }], { miner })
                break
              }
              case 'nonce-gap':
                block = builder.next(
                  base.block,
                  [transfer(network, { ...w, nonce: w.nonce + 1 }, miner, 1n)],
                  { miner },
                )
                break
              case 'bad-merkle': {
                const b = builder.next(base.block, txs, { miner })
                block = {
                  ...b,
                  header: solve({
                    ...b.header,
                    merkleRoot: merkleRoot([transactionHash(b.transactions[0] as Transaction)]).root,
                  }),
                }
                if (b.transactions.length === 1)
                  block = { ...b, header: solve({ ...b.header, merkleRoot: new Uint8Array(32) }) }
                break
              }
              case 'mutated': {
                const two = [
                  transfer(network, { ...w }, miner, 1n),
                  transfer(network, { ...w, nonce: w.nonce + 1 }, miner, 1n),
                ]
                const b = builder.next(base.block, two, { miner })
                block = { ...b, transactions: [...b.transactions, b.transactions[2] as Transaction] }
                break
              }
              case 'coinbase':
                block = builder.next(base.block, txs, { miner, coinbaseAmount: 10n ** 6n })
                break
              default:
                block = builder.next(base.block, txs, { miner })
                made.push({ block, nonce: w.nonce })
                validHeights.push(block.header.height)
            }
            const r = await chain.acceptBlock(block)
            if (s.kind === 'valid') expect(['connected', 'stored', 'duplicate']).toContain(r)
            else expect(r).not.toBe('connected') // a state-invalid block on a trailing branch may be stored, never connected
            if (s.kind === 'valid') validHashes.add(toHex(headerHash(block.header)))
          }
          // Every block has the same work, so the best branch is a longest valid one.
          expect(chain.tip().height).toBe(Math.max(...validHeights))
          const best = await activeBlocks(chain)
          for (const b of best) expect(validHashes.has(toHex(headerHash(b.header)))).toBe(true)
          expect(await chainState(chain)).toEqual(replayState(network, best))
          expect(toHex(headerHash((best.at(-1) ?? network.genesis).header))).toBe(toHex(chain.tip().hash))
        } finally {
          await chain.stop()
        }
      }),
      { numRuns: 40 },
    )
  })
})
