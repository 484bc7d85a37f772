/**
 * The adaptive stall timeout of block download (Bitcoin Core since 0.21): it starts at `initialMs`, doubles
 * each time a peer is caught stalling (up to `maxMs`), and shrinks by 15% per block connected (never below
 * `initialMs`). On a slow link the first stall raises the bar for every peer instead of disconnecting them
 * one after another.
 */
export class StallTimeout {
  private current: number

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    this.current = initialMs
  }

  /** The timeout now, in ms. */
  get ms(): number {
    return this.current
  }

  /** A peer stalled: double. */
  stalled(): void {
    this.current = Math.min(this.maxMs, this.current * 2)
  }

  /** A block connected: shrink toward the initial value. */
  flowed(): void {
    this.current = Math.max(this.initialMs, Math.floor(this.current * 0.85))
  }
}
