/**
 * The real ledger for sync's tests: `@chainwire/chain`'s full chain (memory-level) on a fast test network,
 * valid blocks from its `BlockBuilder`, and signed transfers from funded wallets.
 */
import {
  createChain,
  createSigner,
  type FullChain,
  generateKeyPair,
  headerHash,
  type Network,
  type Signer,
  signTransaction,
  toHex,
} from '@chainwire/chain'
import {
  BlockBuilder,
  createTestNetwork,
  TEST_GENESIS_TIME,
  type TestNetworkOptions,
} from '@chainwire/chain/testing'
import type { Clock } from '@chainwire/interface'
import type { Block, BlockHeader, Transaction } from '@chainwire/protocol-codec'

/** Virtual start time of the tests: a day after the test networks' genesis, so no test block is in the future. */
export const NOW = TEST_GENESIS_TIME + 86_400_000

/** A key that can sign transfers, with its next nonce. */
export interface Wallet {
  readonly signer: Signer
  readonly key: Uint8Array
  nonce: number
}

export function wallet(): Wallet {
  const signer = createSigner(generateKeyPair())
  return { signer, key: signer.publicKey, nonce: 0 }
}

/** A test network whose genesis funds `faucet`, and a builder of valid blocks on it. */
export interface Fixture {
  readonly network: Network
  readonly faucet: Wallet
  readonly builder: BlockBuilder
}

export function fixture(options: TestNetworkOptions = {}): Fixture {
  const faucet = wallet()
  const network = createTestNetwork({ genesisTo: faucet.key, genesisAmount: 10n ** 15n, ...options })
  return { network, faucet, builder: new BlockBuilder(network) }
}

/** A transfer of `amount` from `from` (its nonce moves on) with a fee the mempool accepts. */
export function transfer(
  network: Network,
  from: Wallet,
  to: Uint8Array,
  amount = 1n,
  fee = 1_000n,
): Transaction {
  return signTransaction({ to, amount, fee, nonce: from.nonce++ }, from.signer, network.id)
}

/** `n` blocks on `parent` (the genesis by default), each with `txs` transfers from the faucet. */
export function blocks(fx: Fixture, n: number, options: { txs?: number; parent?: Block } = {}): Block[] {
  const sink = new Uint8Array(32).fill(9)
  return fx.builder.chain(options.parent ?? fx.network.genesis, n, () =>
    Array.from({ length: options.txs ?? 0 }, () => transfer(fx.network, fx.faucet, sink)),
  )
}

/** A started full chain (memory-level) holding `connect` (which must all connect). */
export async function chainWith(
  fx: Fixture,
  clock: Clock,
  connect: readonly Block[] = [],
): Promise<FullChain> {
  const chain = createChain({ clock }, { network: fx.network })
  await chain.start()
  for (const b of connect) {
    const r = await chain.acceptBlock(b)
    if (r !== 'connected') throw new Error(`block ${b.header.height} did not connect: ${JSON.stringify(r)}`)
  }
  return chain
}

/**
 * Headers of a list of blocks as a `get_headers` answer (Bitcoin's rules: after the first locator hash it
 * knows, or after the genesis), for hostile test peers that serve a chain without validating it.
 */
export function headersAfter(
  network: Network,
  chain: readonly Block[],
  locator: readonly Uint8Array[],
  max = 2_000,
): BlockHeader[] {
  const index = new Map<string, number>([[toHex(network.genesisHash), 0]])
  for (const b of chain) index.set(toHex(headerHash(b.header)), b.header.height)
  let from = 0
  for (const h of locator) {
    const at = index.get(toHex(h))
    if (at !== undefined) {
      from = at
      break
    }
  }
  const first = chain.findIndex((b) => b.header.height === from + 1)
  return first < 0 ? [] : chain.slice(first, first + max).map((b) => b.header)
}
