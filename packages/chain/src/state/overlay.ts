import { fromHex } from '../bytes'
import type { Account } from './account'
import type { StateAccess } from './apply'

/** Reads committed accounts by key (cache, then store). */
export type AccountLoader = (keys: readonly string[]) => Promise<(Account | undefined)[]>

/**
 * Uncommitted account changes over the committed state: what a block or a whole reorg writes in memory
 * before one atomic batch commits it (or a failure discards it).
 */
export class StateOverlay implements StateAccess {
  private readonly values = new Map<string, Account | undefined>()
  /** Keys changed, with their raw bytes, for the commit. */
  readonly changed = new Map<string, Uint8Array>()

  constructor(private readonly load: AccountLoader) {}

  /** Makes sure every key can be read synchronously. */
  async prefetch(keys: readonly string[]): Promise<void> {
    const missing = keys.filter((k) => !this.values.has(k))
    if (missing.length === 0) return
    const got = await this.load(missing)
    for (let i = 0; i < missing.length; i++) {
      const k = missing[i] as string
      if (!this.values.has(k)) this.values.set(k, got[i])
    }
  }

  get(hex: string): Account | undefined {
    if (!this.values.has(hex)) throw new RangeError(`account ${hex} read before it was loaded`)
    return this.values.get(hex)
  }

  set(hex: string, key: Uint8Array, account: Account | undefined): void {
    this.values.set(hex, account)
    this.changed.set(hex, key)
  }

  /** Changed accounts and their new values (`undefined`: delete). */
  *changes(): Generator<[string, Uint8Array, Account | undefined]> {
    for (const [hex, key] of this.changed) yield [hex, key ?? fromHex(hex), this.values.get(hex)]
  }
}
