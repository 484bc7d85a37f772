import { Worker } from 'node:worker_threads'
import { AbortError, type OptionSpec, option } from '@chainwire/interface'
import type { BlockHeader } from '@chainwire/protocol-codec'
import { bigIntToBytes32 } from '../bytes'
import { resolveChainOptions } from '../chain/options'
import { ChainError } from '../errors'
import { targetFromBits } from '../header/compact'
import { headerBytes } from '../header/header'
import { MINER_WORKER_SOURCE, type MineJob, type MineResult } from './worker-source'

/** Options of {@link Miner}. */
export interface MinerOptions {
  /**
   * Nonces per job handed to the worker; between jobs the miner checks for cancellation and the caller's
   * event loop is never blocked in any case (the hashing runs in the worker thread).
   * @default 1_000_000
   */
  chunkSize?: number
}

const MINER_OPTIONS: OptionSpec<Required<MinerOptions>> = {
  chunkSize: option.integer(1_000_000, { min: 1 }),
}

interface Pending {
  resolve(r: MineResult): void
  reject(e: unknown): void
}

/**
 * Proof-of-work search in a worker thread (node:worker_threads), so the event loop stays free for the
 * network. `solve` finds a nonce for a header; an `AbortSignal` or `stop()` cancels it within 4,096 hashes.
 * The worker starts with the first `solve` and ends with `stop()`.
 */
export class Miner {
  private worker: Worker | undefined
  private readonly active = new Set<Int32Array>()
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private readonly chunkSize: number
  private stopped = false
  /** Hashes computed since creation. */
  hashes = 0

  constructor(options: MinerOptions = {}) {
    this.chunkSize = resolveChainOptions(MINER_OPTIONS, options).chunkSize
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker
    const w = new Worker(MINER_WORKER_SOURCE, { eval: true })
    w.on('message', (r: MineResult) => {
      const p = this.pending.get(r.id)
      this.pending.delete(r.id)
      if (this.pending.size === 0) w.unref()
      p?.resolve(r)
    })
    w.on('error', (err) => this.failAll(err))
    w.on('exit', () => {
      if (this.worker === w) this.worker = undefined
      this.failAll(new ChainError('ERR_MINER_STOPPED', 'the miner was stopped'))
    })
    w.unref()
    this.worker = w
    return w
  }

  private failAll(err: unknown): void {
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  private run(job: Omit<MineJob, 'id'>): Promise<MineResult> {
    const w = this.ensureWorker()
    const id = ++this.nextId
    return new Promise<MineResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      w.ref()
      w.postMessage({ ...job, id })
    })
  }

  /**
   * Finds a nonce, from `header.nonce` upwards, whose header hash meets the header's `bits`; resolves the
   * header with that nonce, or `undefined` when the nonces up to 2^53 are exhausted (change the timestamp
   * or coinbase and try again). Rejects with `AbortError` when `signal` aborts, `ERR_MINER_STOPPED` after
   * `stop()`, `ERR_BAD_BITS` for bits that do not decode.
   */
  async solve(header: BlockHeader, options: { signal?: AbortSignal } = {}): Promise<BlockHeader | undefined> {
    if (this.stopped) throw new ChainError('ERR_MINER_STOPPED', 'the miner was stopped')
    const target = targetFromBits(header.bits, (1n << 256n) - 1n)
    if (target === undefined) throw new ChainError('ERR_BAD_BITS', 'bits do not decode to a target')
    const { signal } = options
    const flag = new Int32Array(new SharedArrayBuffer(4))
    const onAbort = () => Atomics.store(flag, 0, 1)
    signal?.addEventListener('abort', onAbort, { once: true })
    this.active.add(flag)
    try {
      const bytes = headerBytes(header).slice()
      const targetBytes = bigIntToBytes32(target)
      for (let start = header.nonce; start <= Number.MAX_SAFE_INTEGER; start += this.chunkSize) {
        if (signal?.aborted) throw new AbortError()
        const r = await this.run({
          header: bytes,
          target: targetBytes,
          start,
          count: this.chunkSize,
          stop: flag.buffer as SharedArrayBuffer,
        })
        this.hashes += r.hashes
        if (r.nonce >= 0) return { ...header, nonce: r.nonce }
        if (r.nonce === -2) {
          if (this.stopped) throw new ChainError('ERR_MINER_STOPPED', 'the miner was stopped')
          throw new AbortError()
        }
      }
      return undefined
    } finally {
      this.active.delete(flag)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Cancels any search and ends the worker thread; the miner cannot be used afterwards. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const flag of this.active) Atomics.store(flag, 0, 1)
    const w = this.worker
    this.worker = undefined
    if (w !== undefined) await w.terminate()
    this.failAll(new ChainError('ERR_MINER_STOPPED', 'the miner was stopped'))
  }
}
