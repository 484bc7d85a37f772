import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Report } from './types'

/** The files {@link writeReport} wrote. */
export interface ReportFiles {
  readonly json: string
  readonly svg: string
}

/** Serialises a report as `report.json` writes it: two-space indented JSON and a final newline. */
export function reportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

/** Writes `report.json` and `report.svg` into `dir` (created if needed). */
export async function writeReport(dir: string, result: { report: Report; svg: string }): Promise<ReportFiles> {
  await mkdir(dir, { recursive: true })
  const files = { json: join(dir, 'report.json'), svg: join(dir, 'report.svg') }
  await writeFile(files.json, reportJson(result.report))
  await writeFile(files.svg, result.svg)
  return files
}
