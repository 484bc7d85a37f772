/**
 * The block producer and the validator: the node's miner (proof of work in a worker thread, paced by
 * `mining.intervalMs`) and its precommits for finality. Both publish through relay; neither has protocol
 * logic of its own.
 */
import { type FullChain, Miner, mineBlock, type Signer, signVote } from '@chainwire/chain'
import type { Clock, Logger } from '@chainwire/interface'
import type { ConsensusVoteData } from '@chainwire/protocol-codec'
import type { Relay } from '@chainwire/relay'
import type { Sync } from '@chainwire/sync'

/** What the producer needs. */
export interface ProducerComponents {
  chain: FullChain
  relay: Relay
  sync: Sync
  clock: Clock
  logger: Logger
  /** Called with every block this node mined and connected. */
  onMined(block: { hash: Uint8Array; height: number }): void
}

/** Mines on the tip while started; a new tip from elsewhere aborts the search and restarts it on the new tip. */
export class BlockProducer {
  private readonly miner = new Miner()
  private running = false
  private attempt: AbortController | undefined
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined

  constructor(
    private readonly c: ProducerComponents,
    private readonly key: Uint8Array,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.c.chain.on('tip', this.onTip)
    this.loop = this.run()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.c.chain.off('tip', this.onTip)
    this.attempt?.abort()
    this.wake?.()
    await this.loop
    await this.miner.stop()
  }

  /** Hashes tried since start. */
  hashes(): number {
    return this.miner.hashes
  }

  private readonly onTip = (): void => {
    this.attempt?.abort()
    this.wake?.()
  }

  private async run(): Promise<void> {
    while (this.running) {
      const wait = this.waitMs()
      if (wait > 0) {
        await this.pause(wait)
        continue
      }
      const attempt = new AbortController()
      this.attempt = attempt
      try {
        const block = await mineBlock(this.c.chain, this.miner, this.key, { signal: attempt.signal })
        const result = await this.c.chain.acceptBlock(block)
        if (result === 'connected') {
          const tip = this.c.chain.tip()
          this.c.relay.publish('blocks', { type: 'new_block', data: { block } })
          this.c.onMined({ hash: tip.hash, height: tip.height })
        } else this.c.logger.warn({ result }, 'mined block not connected')
      } catch (err) {
        if (!attempt.signal.aborted && this.running) {
          this.c.logger.error({ err }, 'mining failed')
          await this.pause(1_000)
        }
      }
    }
  }

  /** How long to wait before mining: during initial sync, and until the tip is `intervalMs` old. */
  private waitMs(): number {
    const state = this.c.sync.state()
    if (state === 'headers' || state === 'blocks') return 500
    if (this.intervalMs === 0) return 0
    const tip = this.c.chain.getHeaderByHeight(this.c.chain.tip().height)
    const age = this.c.clock.now() - (tip?.timestamp ?? 0)
    return Math.max(0, this.intervalMs - age)
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.c.clock.setTimeout(() => done(), ms)
      const done = () => {
        this.c.clock.clearTimeout(timer)
        this.wake = undefined
        resolve()
      }
      this.wake = done
    })
  }
}

/** Signs a precommit for every new tip (once per height) when our key is in the validator set. */
export class Validator {
  private lastHeight = -1

  constructor(
    private readonly c: {
      chain: FullChain
      relay: Relay
      logger: Logger
      networkId: string
      /** Called with each vote signed here once the chain counted it. */
      onVote?: (vote: ConsensusVoteData) => void
    },
    private readonly signer: Signer,
  ) {}

  start(): void {
    this.c.chain.on('tip', this.onTip)
  }

  stop(): void {
    this.c.chain.off('tip', this.onTip)
  }

  private readonly onTip = (tip: { hash: Uint8Array; height: number }): void => {
    if (tip.height <= this.lastHeight || tip.height === 0) return
    this.lastHeight = tip.height
    const vote = signVote({ height: tip.height, blockHash: tip.hash }, this.signer, this.c.networkId)
    void this.c.chain
      .acceptVote(vote)
      .then((result) => {
        if (result === 'counted' || result === 'final') this.c.onVote?.(vote)
        return this.c.relay.publish('consensus', { type: 'consensus_vote', data: vote })
      })
      .catch((err) => this.c.logger.warn({ err }, 'precommit not published'))
  }
}
