import type { SyncProgress, SyncState } from './types'

/** Weight of the newest interval in the smoothed block rate. */
const RATE_ALPHA = 0.3

/** Turns successive (time, height) readings into a smoothed rate and an ETA, for `progress` events. */
export class ProgressMeter {
  private lastAt: number | undefined
  private lastHeight = 0
  private rate = 0

  /** The progress now, from the header and block heights and what peers claim. */
  measure(
    now: number,
    state: SyncState,
    heights: { header: number; block: number; claimed: number },
  ): SyncProgress {
    if (this.lastAt !== undefined && now > this.lastAt) {
      const sample = (Math.max(0, heights.block - this.lastHeight) * 1000) / (now - this.lastAt)
      this.rate = this.rate === 0 ? sample : this.rate * (1 - RATE_ALPHA) + sample * RATE_ALPHA
    }
    this.lastAt = now
    this.lastHeight = heights.block
    const left = heights.header - heights.block
    return {
      state,
      headersDone: heights.header,
      headersTotal: Math.max(heights.header, heights.claimed),
      blocksDone: heights.block,
      blocksTotal: heights.header,
      blocksPerSecond: this.rate,
      etaMs: left <= 0 ? 0 : this.rate > 0 ? Math.round((left / this.rate) * 1000) : undefined,
    }
  }
}
