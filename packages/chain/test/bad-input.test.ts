import type { Block, Transaction } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ChainErrorCode,
  type FullChain,
  headerHash,
  isPenalty,
  marksBlockInvalid,
  merkleRoot,
  transactionHash,
} from '../src/index'
import {
  BlockBuilder,
  chainState,
  GENESIS_TIME,
  replayState,
  solve,
  startChain,
  testNetwork,
  transfer,
  wallet,
} from './helpers'

const chains: FullChain[] = []
afterEach(async () => {
  for (const c of chains.splice(0)) await c.stop()
})

/** Re-roots and re-solves a block after its transactions were changed. */
function reseal(block: Block, transactions: Transaction[]): Block {
  const header = solve({
    ...block.header,
    merkleRoot: merkleRoot(transactions.map(transactionHash)).root,
    nonce: 0,
  })
  return { header, transactions }
}

describe('bad blocks end in a typed code and leave the state unchanged', () => {
  const funded = wallet()
  const network = testNetwork({ genesisTo: funded.key })

  const cases: [string, ChainErrorCode, (b: BlockBuilder, parent: Block) => Block][] = [
    [
      'bad proof of work',
      'ERR_BAD_POW',
      (b, p) => {
        const ok = b.next(p)
        // Find a nonce whose hash misses the target.
        for (let nonce = 0; ; nonce++) {
          const header = { ...ok.header, nonce }
          if ((headerHash(header)[0] as number) >= 0x80) return { ...ok, header }
        }
      },
    ],
    ['bits other than the retarget', 'ERR_BAD_BITS', (b, p) => b.next(p, [], { bits: 0x2000ffff })],
    ['bits above the pow limit', 'ERR_BAD_BITS', (b, p) => b.next(p, [], { bits: 0x2100ffff })],
    [
      'timestamp too far ahead',
      'ERR_TIME_TOO_NEW',
      (b, p) => b.next(p, [], { timestamp: GENESIS_TIME + 90_000_000 }),
    ],
    [
      'timestamp not after median-time-past',
      'ERR_TIME_TOO_OLD',
      (b, p) => b.next(p, [], { timestamp: GENESIS_TIME }),
    ],
    [
      'wrong height',
      'ERR_BAD_HEIGHT',
      (b, p) => {
        const x = b.next(p)
        return { ...x, header: solve({ ...x.header, height: 7 }) }
      },
    ],
    ['unknown parent', 'ERR_UNKNOWN_PARENT', (b, p) => b.next(b.next(p, [], { miner: wallet().key }))],
    [
      'bad merkle root',
      'ERR_BAD_MERKLE_ROOT',
      (b, p) => {
        const x = b.next(p)
        return { ...x, header: solve({ ...x.header, merkleRoot: new Uint8Array(32) }) }
      },
    ],
    [
      'mutated transaction list (CVE-2012-2459)',
      'ERR_MUTATED_BLOCK',
      (b, p) => {
        const w = { ...funded, nonce: 0 }
        const x = b.next(p, [transfer(network, w, wallet().key, 1n), transfer(network, w, wallet().key, 1n)])
        return { ...x, transactions: [...x.transactions, x.transactions[2] as Transaction] }
      },
    ],
    [
      'bad signature',
      'ERR_BAD_SIGNATURE',
      (b, p) => {
        const tx = transfer(network, { ...funded, nonce: 0 }, wallet().key, 1n)
        const sig = tx.signature.slice()
        sig[5] = (sig[5] as number) ^ 1
        return b.next(p, [{ ...tx, signature: sig }])
      },
    ],
    [
      'nonce gap',
      'ERR_NONCE_GAP',
      (b, p) => b.next(p, [transfer(network, { ...funded, nonce: 3 }, wallet().key, 1n)]),
    ],
    [
      'nonce reused',
      'ERR_NONCE_USED',
      (b, p) => {
        const w = { ...funded, nonce: 0 }
        const tx = transfer(network, w, wallet().key, 1n)
        return b.next(p, [tx, { ...transfer(network, { ...funded, nonce: 0 }, wallet().key, 2n) }])
      },
    ],
    [
      'overspend',
      'ERR_INSUFFICIENT_FUNDS',
      (b, p) => b.next(p, [transfer(network, { ...funded, nonce: 0 }, wallet().key, 2_000_000_000n)]),
    ],
    [
      'oversized block',
      'ERR_BLOCK_TOO_LARGE',
      (b, p) => {
        const data = new Uint8Array(60_000)
        const w = { ...funded, nonce: 0 }
        const txs = Array.from({ length: 40 }, () => ({ ...transfer(network, w, wallet().key, 1n), data }))
        return reseal(b.next(p), [b.next(p).transactions[0] as Transaction, ...txs])
      },
    ],
    [
      'duplicate transaction',
      'ERR_DUPLICATE_TX',
      (b, p) => {
        const tx = transfer(network, { ...funded, nonce: 0 }, wallet().key, 1n)
        const other = transfer(network, { ...funded, nonce: 1 }, wallet().key, 1n)
        const x = b.next(p)
        return reseal(x, [x.transactions[0] as Transaction, tx, other, tx])
      },
    ],
    [
      'coinbase paying more than reward plus fees',
      'ERR_BAD_COINBASE',
      (b, p) => b.next(p, [], { coinbaseAmount: 51n }),
    ],
    [
      'second coinbase',
      'ERR_BAD_COINBASE',
      (b, p) => {
        const x = b.next(p)
        return reseal(x, [
          x.transactions[0] as Transaction,
          { ...(x.transactions[0] as Transaction), nonce: 99 },
        ])
      },
    ],
    ['no transactions', 'ERR_EMPTY_BLOCK', (b, p) => ({ ...b.next(p), transactions: [] })],
    [
      'malformed transaction',
      'ERR_BAD_TX',
      (b, p) => {
        const x = b.next(p)
        return {
          ...x,
          transactions: [
            x.transactions[0] as Transaction,
            { ...(x.transactions[0] as Transaction), from: new Uint8Array(31) },
          ],
        }
      },
    ],
  ]

  for (const [name, code, make] of cases) {
    it(name, async () => {
      const chain = await startChain(network)
      chains.push(chain)
      const builder = new BlockBuilder(network)
      const [b1] = builder.chain(network.genesis, 1)
      await chain.acceptBlock(b1 as Block)
      const before = await chainState(chain)
      const tip = chain.tip()
      const bad = make(builder, b1 as Block)
      expect(await chain.acceptBlock(bad)).toEqual({ invalid: code, penalty: isPenalty(code, 'block') })
      expect(chain.tip()).toEqual(tip)
      expect(await chainState(chain)).toEqual(before)
      expect(await chainState(chain)).toEqual(replayState(network, [b1 as Block]))
      // The helpers say what a relay does with it.
      expect(typeof marksBlockInvalid(code)).toBe('boolean')
      expect(isPenalty(code, 'block')).toBe(code !== 'ERR_TIME_TOO_NEW' && code !== 'ERR_UNKNOWN_PARENT')
    })
  }

  it('accepts the honest body of a header after a mutated one (not marked invalid)', async () => {
    const chain = await startChain(network)
    chains.push(chain)
    const builder = new BlockBuilder(network)
    const w = { ...funded, nonce: 0 }
    const honest = builder.next(network.genesis, [
      transfer(network, w, wallet().key, 1n),
      transfer(network, w, wallet().key, 1n),
    ])
    const mutated = {
      ...honest,
      transactions: [...honest.transactions, honest.transactions[2] as Transaction],
    }
    expect(await chain.acceptBlock(mutated)).toEqual({ invalid: 'ERR_MUTATED_BLOCK', penalty: true })
    expect(chain.hasHeader(headerHash(honest.header))).toBe(true)
    expect(await chain.acceptBlock(honest)).toBe('connected')
  })

  it('remembers a block invalid for good and refuses it and its children again', async () => {
    const chain = await startChain(network)
    chains.push(chain)
    const builder = new BlockBuilder(network)
    const bad = builder.next(network.genesis, [transfer(network, { ...funded, nonce: 5 }, wallet().key, 1n)])
    expect(await chain.acceptBlock(bad)).toEqual({ invalid: 'ERR_NONCE_GAP', penalty: true })
    expect(await chain.acceptBlock(bad)).toEqual({ invalid: 'ERR_NONCE_GAP', penalty: true })
    expect(await chain.acceptHeaders([builder.next(bad).header])).toEqual({
      accepted: 0,
      invalid: { index: 0, code: 'ERR_INVALID_PARENT', penalty: true },
    })
  })

  it('never throws on garbage input', async () => {
    const chain = await startChain(network)
    chains.push(chain)
    const junk: unknown[] = [
      null,
      5,
      {},
      { header: {} },
      { header: null, transactions: [] },
      { header: { ...network.genesis.header, height: 1 }, transactions: 'x' },
    ]
    for (const j of junk) {
      const r = await chain.acceptBlock(j as Block)
      expect(r).toHaveProperty('invalid')
    }
    expect(await chain.acceptHeaders([{} as never])).toMatchObject({ accepted: 0 })
    expect(await chain.acceptTransaction({} as never)).toEqual({ invalid: 'ERR_BAD_TX', penalty: true })
    expect(await chain.acceptVote({} as never)).toHaveProperty('invalid')
  })
})
