/**
 * Initial-sync progress: a bar with blocks, rate and ETA on a terminal (stderr), plain log lines otherwise.
 */
import type { Logger } from '@chainwire/interface'
import type { SyncProgress } from '@chainwire/sync'

/** Renders one progress line: `[#####.....] 1,234/5,000 blocks  82.1 blocks/s  ETA 46 s`. */
export function progressLine(p: SyncProgress, width = 30): string {
  const total = Math.max(p.blocksTotal, 1)
  const done = Math.min(p.blocksDone, total)
  const filled = Math.round((width * done) / total)
  const eta = p.etaMs === undefined ? '?' : formatDuration(p.etaMs)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${total.toLocaleString('en')} blocks  ${p.blocksPerSecond.toFixed(1)} blocks/s  ETA ${eta}`
}

/** `1 h 2 min`, `3 min 4 s`, `5 s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1_000)
  if (s >= 3_600) return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${s} s`
}

/** Shows sync progress while the node is in initial sync. */
export class ProgressReporter {
  private lastLog = 0
  private drawn = false

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  update(p: SyncProgress): void {
    const syncing = (p.state === 'headers' || p.state === 'blocks') && p.blocksTotal > p.blocksDone
    if (this.out.isTTY === true) {
      if (syncing) {
        this.out.write(`\r${progressLine(p, 30)}\x1b[K`)
        this.drawn = true
      } else if (this.drawn) {
        this.out.write('\r\x1b[K')
        this.drawn = false
      }
      return
    }
    if (syncing && this.now() - this.lastLog >= 5_000) {
      this.lastLog = this.now()
      this.logger.info(
        {
          component: 'sync',
          blocksDone: p.blocksDone,
          blocksTotal: p.blocksTotal,
          blocksPerSecond: p.blocksPerSecond,
          etaMs: p.etaMs,
        },
        'initial sync progress',
      )
    }
  }
}
