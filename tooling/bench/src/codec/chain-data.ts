import type { BlockHeader, Transaction } from '@chainwire/protocol-codec'
import { seeded } from '../measure'

/**
 * Headers and transactions as a real chain has them, from a seeded PRNG so every run of a codec bench
 * measures the same inputs.
 */
export class ChainData {
  private readonly random: () => number

  constructor(seed: number) {
    this.random = seeded(seed)
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.random() * 256)
    return out
  }

  /** A random integer below `max`. */
  int(max: number): number {
    return Math.floor(this.random() * max)
  }

  /** A header: ten-minute spacing, a compact target, a large nonce. */
  header(height: number, prevHash: Uint8Array): BlockHeader {
    return {
      version: 1,
      height,
      prevHash,
      merkleRoot: this.bytes(32),
      timestamp: 1_700_000_000_000 + height * 600_000 + this.int(60_000),
      bits: 0x1d00_ffff - this.int(0xffff),
      nonce: this.int(2 ** 32),
    }
  }

  /** A transfer with a realistic amount and fee, a memo of `memo` bytes and the given account nonce. */
  transaction(memo: number, nonce = this.int(10_000)): Transaction {
    return {
      version: 1,
      from: this.bytes(32),
      to: this.bytes(32),
      amount: BigInt(this.int(50_000)) * 100_000_000n + BigInt(this.int(100_000_000)),
      fee: BigInt(1_000 + this.int(50_000)),
      nonce,
      data: this.bytes(memo),
      signature: this.bytes(64),
    }
  }
}
