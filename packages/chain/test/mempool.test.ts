import type { Block, Transaction } from '@chainwire/protocol-codec'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type FullChain,
  Mempool,
  type MempoolAddResult,
  type MempoolEntry,
  type MempoolRemovalReason,
  toHex,
  transactionHash,
  transactionSize,
} from '../src/index'
import { BlockBuilder, startChain, testClock, testNetwork, transfer, type Wallet, wallet } from './helpers'

const network = testNetwork()
const rich = { balance: 10n ** 15n, nonce: 0 }

function tx(
  from: Wallet,
  fee: bigint,
  opts: { amount?: bigint; nonce?: number } = {},
): [Transaction, Uint8Array] {
  const t = transfer(
    network,
    opts.nonce === undefined ? from : { ...from, nonce: opts.nonce },
    wallet().key,
    opts.amount ?? 1n,
    fee,
  )
  return [t, transactionHash(t)]
}

const rejected = (r: MempoolAddResult): string | undefined => (r.kind === 'rejected' ? r.code : undefined)
const evicted = (r: MempoolAddResult): MempoolEntry[] => (r.kind === 'rejected' ? [] : r.evicted)

describe('Mempool', () => {
  it('chains a sender’s nonces, refusing gaps, reuse and overspending', () => {
    const pool = new Mempool()
    const a = wallet()
    const [t0, h0] = tx(a, 1_000n)
    const [t2, h2] = tx(a, 1_000n, { nonce: 2 })
    expect(pool.add(t0, h0, rich, 0).kind).toBe('added')
    expect(rejected(pool.add(t2, h2, rich, 0))).toBe('ERR_NONCE_GAP')
    const [old, hOld] = tx(wallet(), 1_000n)
    expect(rejected(pool.add(old, hOld, { balance: 10n ** 9n, nonce: 3 }, 0))).toBe('ERR_NONCE_USED')
    const b = wallet()
    const [b0, hb0] = tx(b, 300n, { amount: 500n })
    const [b1, hb1] = tx(b, 300n, { amount: 500n })
    pool.add(b0, hb0, { balance: 1_500n, nonce: 0 }, 0)
    expect(rejected(pool.add(b1, hb1, { balance: 1_500n, nonce: 0 }, 0))).toBe('ERR_INSUFFICIENT_FUNDS')
    expect(pool.pendingNonce(toHex(a.key))).toBe(1)
    expect(pool.size).toBe(2)
  })

  it('refuses fee rates below the minimum and replacements that do not pay 10% more', () => {
    const pool = new Mempool({ minFeeRate: 2 })
    const a = wallet()
    const [cheap, hc] = tx(a, 100n, { nonce: 0 })
    expect(rejected(pool.add(cheap, hc, rich, 0))).toBe('ERR_FEE_TOO_LOW')
    const [t, h] = tx(a, 1_000n, { nonce: 0 })
    pool.add(t, h, rich, 0)
    const [low, hl] = tx(a, 1_050n, { nonce: 0 })
    expect(rejected(pool.add(low, hl, rich, 0))).toBe('ERR_REPLACEMENT_UNDERPAID')
    const [bump, hb] = tx(a, 1_100n, { nonce: 0 })
    const r = pool.add(bump, hb, rich, 0)
    expect(r.kind).toBe('replaced')
    expect(pool.has(toHex(h))).toBe(false)
    expect(pool.has(toHex(hb))).toBe(true)
    expect(pool.size).toBe(1)
  })

  it('evicts the lowest fee rate when full, and refuses what pays less than the lowest', () => {
    const pool = new Mempool({ maxCount: 3 })
    const made = [500n, 900n, 700n].map((fee) => tx(wallet(), fee))
    for (const [t, h] of made) pool.add(t, h, rich, 0)
    const [poor, hp] = tx(wallet(), 400n)
    expect(rejected(pool.add(poor, hp, rich, 0))).toBe('ERR_FEE_TOO_LOW')
    const [better, hbt] = tx(wallet(), 800n)
    const r = pool.add(better, hbt, rich, 0)
    expect(evicted(r).map((e) => e.tx.fee)).toEqual([500n])
    expect([...pool.entries()].map((e) => e.tx.fee).sort()).toEqual([700n, 800n, 900n])
  })

  it('evicts the end of a nonce chain, never the middle, and respects a byte bound', () => {
    const size = transactionSize(tx(wallet(), 1n)[0])
    const pool = new Mempool({ maxBytes: size * 3 })
    const a = wallet()
    const [a0, h0] = tx(a, 5_000n)
    const [a1, h1] = tx(a, 400n)
    const [a2, h2] = tx(a, 300n)
    pool.add(a0, h0, rich, 0)
    pool.add(a1, h1, rich, 0)
    pool.add(a2, h2, rich, 0)
    const [x, hx] = tx(wallet(), 350n)
    const r = pool.add(x, hx, rich, 0)
    expect(evicted(r).map((e) => e.tx.nonce)).toEqual([2])
    expect(pool.bytes).toBeLessThanOrEqual(size * 3)
    expect(pool.pendingNonce(toHex(a.key))).toBe(2)
  })

  it('limits transactions per sender', () => {
    const pool = new Mempool({ maxPerSender: 2 })
    const a = wallet()
    pool.add(...tx(a, 500n), rich, 0)
    pool.add(...tx(a, 500n), rich, 0)
    expect(rejected(pool.add(...tx(a, 500n), rich, 0))).toBe('ERR_SENDER_LIMIT')
  })

  it('expires old transactions with their successors', () => {
    const pool = new Mempool({ expiryMs: 1_000 })
    const a = wallet()
    pool.add(...tx(a, 500n), rich, 0)
    pool.add(...tx(a, 500n), rich, 500)
    pool.add(...tx(wallet(), 500n), rich, 900)
    expect(pool.expire(1_200).map((e) => e.tx.nonce)).toEqual([1, 0])
    expect(pool.size).toBe(1)
  })

  it('selects by fee rate while keeping each sender’s nonce order', () => {
    const pool = new Mempool()
    const a = wallet()
    const b = wallet()
    pool.add(...tx(a, 300n), rich, 0)
    pool.add(...tx(a, 9_000n), rich, 0)
    pool.add(...tx(b, 1_000n), rich, 0)
    const picked = pool.select(1_000_000, 10).map((e) => [e.sender === toHex(a.key) ? 'a' : 'b', e.tx.nonce])
    expect(picked).toEqual([
      ['b', 0],
      ['a', 0],
      ['a', 1],
    ])
    expect(pool.select(1_000_000, 1)).toHaveLength(1)
  })

  it('revalidates a sender against a new account: drops mined, stale and unaffordable transactions', () => {
    const pool = new Mempool()
    const a = wallet()
    for (let i = 0; i < 4; i++) pool.add(...tx(a, 500n, { amount: 1_000n }), rich, 0)
    const dropped = pool.revalidateSender(toHex(a.key), { balance: 1_600n, nonce: 2 })
    expect(dropped.map((e) => e.tx.nonce).sort()).toEqual([0, 1, 3])
    expect(pool.pendingNonce(toHex(a.key))).toBe(3)
  })

  it('stays within its bounds whatever is sent (100 senders into a pool of 10)', () => {
    const pool = new Mempool({ maxCount: 10 })
    for (let i = 0; i < 100; i++) {
      pool.add(...tx(wallet(), BigInt(200 + ((i * 7919) % 5_000))), rich, 0)
      expect(pool.size).toBeLessThanOrEqual(10)
    }
    const fees = [...pool.entries()].map((e) => Number(e.tx.fee))
    expect(Math.min(...fees)).toBeGreaterThan(4_000)
  })
})

describe('the chain’s mempool', () => {
  const chains: FullChain[] = []
  afterEach(async () => {
    for (const c of chains.splice(0)) await c.stop()
  })

  it('admits signed transactions, mines them into templates, and drops them once mined', async () => {
    const funded = wallet()
    const net = testNetwork({ genesisTo: funded.key })
    const chain = await startChain(net, testClock())
    chains.push(chain)
    const removed: MempoolRemovalReason[] = []
    chain.on('mempool:removed', (e) => removed.push(e.reason))
    const bob = wallet()
    const t1 = transfer(net, funded, bob.key, 10n)
    const t2 = transfer(net, funded, bob.key, 10n)
    expect(await chain.acceptTransaction(t1)).toBe('accepted')
    expect(await chain.acceptTransaction(t1)).toBe('duplicate')
    expect(await chain.acceptTransaction(t2)).toBe('accepted')
    expect(await chain.nextNonce(funded.key)).toBe(2)
    const forged = { ...transfer(net, { ...funded, nonce: 2 }, bob.key, 10n), amount: 11n }
    expect(await chain.acceptTransaction(forged)).toEqual({ invalid: 'ERR_BAD_SIGNATURE', penalty: true })
    const otherNet = testNetwork({ id: 'another-network', genesisTo: funded.key })
    expect(await chain.acceptTransaction(transfer(otherNet, { ...funded, nonce: 2 }, bob.key, 1n))).toEqual({
      invalid: 'ERR_BAD_SIGNATURE',
      penalty: true,
    })
    const template = await chain.blockTemplate(wallet().key)
    expect(template.transactions.slice(1)).toEqual([t1, t2])
    expect(template.fees).toBe(400n)
    const builder = new BlockBuilder(net)
    const block = builder.next(net.genesis, [t1])
    expect(await chain.acceptBlock(block)).toBe('connected')
    expect(chain.mempoolIds().map(toHex)).toEqual([toHex(transactionHash(t2))])
    expect(removed).toEqual(['mined'])
    expect(chain.getTransaction(transactionHash(t2))).toEqual(t2)
  })

  it('expires transactions on the injected clock when the tip moves', async () => {
    const funded = wallet()
    const net = testNetwork({ genesisTo: funded.key })
    const clock = testClock()
    const chain = await startChain(net, clock, { mempool: { expiryMs: 60_000 } })
    chains.push(chain)
    const reasons: MempoolRemovalReason[] = []
    chain.on('mempool:removed', (e) => reasons.push(e.reason))
    await chain.acceptTransaction(transfer(net, funded, wallet().key, 1n))
    clock.advance(61_000)
    await chain.acceptBlock(new BlockBuilder(net).next(net.genesis))
    expect(chain.mempoolIds()).toEqual([])
    expect(reasons).toEqual(['expired'])
  })

  it('puts transactions of blocks abandoned in a reorg back, unless the new branch has them', async () => {
    const funded = wallet()
    const net = testNetwork({ genesisTo: funded.key })
    const chain = await startChain(net, testClock())
    chains.push(chain)
    const builder = new BlockBuilder(net)
    const t0 = transfer(net, funded, wallet().key, 1n)
    const t1 = transfer(net, funded, wallet().key, 1n)
    const t2 = transfer(net, funded, wallet().key, 1n)
    const [a1, a2] = builder.chain(net.genesis, 2, (i) => (i === 0 ? [t0, t1] : [t2]))
    await chain.acceptBlock(a1 as Block)
    await chain.acceptBlock(a2 as Block)
    const other = wallet().key
    const b1 = builder.next(net.genesis, [t0], { miner: other })
    const b2 = builder.next(b1, [], { miner: other })
    const b3 = builder.next(b2, [], { miner: other })
    for (const b of [b1, b2, b3]) await chain.acceptBlock(b)
    expect(chain.tip().height).toBe(3)
    expect(chain.mempoolIds().map(toHex).sort()).toEqual(
      [t1, t2].map((t) => toHex(transactionHash(t))).sort(),
    )
    expect(await chain.nextNonce(funded.key)).toBe(3)
  })
})
