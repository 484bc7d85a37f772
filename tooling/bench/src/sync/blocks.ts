import { readFileSync, writeFileSync } from 'node:fs'
import {
  createSigner,
  fromHex,
  keyPairFromSecret,
  type Network,
  type Signer,
  sha256d,
  signTransaction,
  toHex,
} from '@chainwire/chain'
import { BlockBuilder, createTestNetwork, type TestNetworkOptions } from '@chainwire/chain/testing'
import { type Block, decode, encode, type Transaction } from '@chainwire/protocol-codec'

/** The options of the bench's networks, as JSON (for child processes; bigints as strings). */
export type NetworkJson = Record<string, string | number>

/** A test network from JSON options (see {@link networkJson}). */
export function networkFrom(json: NetworkJson): Network {
  const o: TestNetworkOptions = {}
  for (const [k, v] of Object.entries(json)) {
    ;(o as Record<string, unknown>)[k] =
      k === 'genesisAmount' || k === 'minimumChainWork'
        ? BigInt(v)
        : k === 'genesisTo'
          ? fromHex(String(v))
          : v
  }
  return createTestNetwork(o)
}

/** Test network options as JSON: the genesis pays `labelledSigner('genesis')` (see {@link fundSenders}). */
export function networkJson(options: { id: string; genesisTimestamp?: number }): NetworkJson {
  return {
    ...options,
    genesisTo: toHex(labelledSigner('genesis').publicKey),
    genesisAmount: (10n ** 15n).toString(),
  }
}

/** A signer whose key derives from a label: the same in every process and run. */
export function labelledSigner(label: string): Signer {
  return createSigner(keyPairFromSecret(sha256d(new TextEncoder().encode(`chainwire bench ${label}`))))
}

/** A sender with its next nonce. */
export interface Sender {
  signer: Signer
  nonce: number
}

/** A transfer of 1 from `from` (its nonce moves on), carrying `data`. */
export function transferFrom(network: Network, from: Sender, data = new Uint8Array(0)): Transaction {
  return signTransaction(
    {
      to: new Uint8Array(32).fill(0xee),
      amount: 1n,
      fee: 1_000n + BigInt(data.length),
      nonce: from.nonce++,
      data,
    },
    from.signer,
    network.id,
  )
}

/**
 * `count` senders funded by the genesis key (`genesisTo` must be `labelledSigner('genesis')`'s key), and the
 * block on genesis that pays them, made by `builder` (blocks on it must come from the same builder).
 */
export function fundSenders(
  network: Network,
  count: number,
  builder = new BlockBuilder(network),
): { senders: Sender[]; funding: Block } {
  const genesis: Sender = { signer: labelledSigner('genesis'), nonce: 0 }
  const senders = Array.from({ length: count }, (_, i) => ({
    signer: labelledSigner(`sender ${i}`),
    nonce: 0,
  }))
  const funding = builder.next(
    network.genesis,
    senders.map((s) =>
      signTransaction(
        { to: s.signer.publicKey, amount: 10n ** 12n, fee: 1_000n, nonce: genesis.nonce++ },
        genesis.signer,
        network.id,
      ),
    ),
  )
  return { senders, funding }
}

/** Writes blocks as length-prefixed `new_block` messages (the codec's bytes). */
export function writeBlocks(file: string, blocks: readonly Block[]): void {
  const parts: Uint8Array[] = []
  for (const block of blocks) {
    const bytes = encode({ type: 'new_block', data: { block } })
    const len = new Uint8Array(4)
    new DataView(len.buffer).setUint32(0, bytes.length)
    parts.push(len, bytes)
  }
  writeFileSync(file, Buffer.concat(parts))
}

/** Reads what {@link writeBlocks} wrote. */
export function readBlocks(file: string): Block[] {
  const buf = readFileSync(file)
  const out: Block[] = []
  for (let at = 0; at < buf.length; ) {
    const len = buf.readUInt32BE(at)
    const m = decode(new Uint8Array(buf.buffer, buf.byteOffset + at + 4, len))
    if (m.type !== 'new_block') throw new Error('not a block')
    out.push(m.data.block)
    at += 4 + len
  }
  return out
}
