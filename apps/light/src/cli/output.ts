import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { toHex } from '@chainwire/chain'
import type { LightProgress } from '../types'

/** JSON with bytes as hex and bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v instanceof Uint8Array ? toHex(v) : typeof v === 'bigint' ? v.toString() : v,
  )
}

/** Where a command writes: JSON lines on stdout with `--json`, text otherwise (the progress bar on a terminal). */
export class Output {
  private barShown = false

  constructor(
    private readonly json: boolean,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  /** One event: a JSON line, or `text` (the progress bar is cleared first). */
  event(event: string, data: Record<string, unknown>, text: string): void {
    if (this.json) {
      this.out.write(`${toJson({ event, ...data })}\n`)
      return
    }
    this.clearBar()
    this.out.write(`${text}\n`)
  }

  /** The header sync progress bar (terminals only; JSON lines otherwise). */
  progress(p: LightProgress): void {
    if (this.json) {
      this.out.write(`${toJson({ event: 'progress', ...p })}\n`)
      return
    }
    if (!this.err.isTTY) return
    const width = 30
    const share = p.target === 0 ? 1 : Math.min(1, p.headers / p.target)
    const full = Math.round(share * width)
    const bar = `${'#'.repeat(full)}${'.'.repeat(width - full)}`
    this.err.write(
      `\r[${bar}] headers ${p.headers}/${p.target} (${(share * 100).toFixed(1)}%) verified ${p.verified} filters ${Math.max(0, p.filterHeaders)} peers ${p.peers} `,
    )
    this.barShown = true
  }

  private clearBar(): void {
    if (!this.barShown) return
    this.err.write('\r\x1b[2K')
    this.barShown = false
  }
}

/** Writes `status.json` in the data dir atomically (what `chainwire-light status` reads). */
export function writeStatusFile(dataDir: string, status: unknown): void {
  const path = join(dataDir, 'status.json')
  writeFileSync(`${path}.tmp`, `${toJson(status)}\n`)
  renameSync(`${path}.tmp`, path)
}
