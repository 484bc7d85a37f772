import type { BenchResult, Suite } from './types'

/** The suites `pnpm bench <name>` knows; each lives in `src/suites/<name>.ts`. */
const suites: Record<string, () => Promise<{ default: Suite }>> = {
  codec: () => import('./suites/codec'),
  'peer-store': () => import('./suites/peer-store'),
  network: () => import('./suites/network'),
  netsim: () => import('./suites/netsim'),
  discovery: () => import('./suites/discovery'),
  chain: () => import('./suites/chain'),
  relay: () => import('./suites/relay'),
  sync: () => import('./suites/sync'),
  light: () => import('./suites/light'),
  nat: () => import('./suites/nat'),
  node: () => import('./suites/node'),
}

function formatRow(r: BenchResult): string[] {
  const num = (v: number): string =>
    Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3)
  return [
    r.case,
    r.metric,
    `${num(r.value)} ${r.unit}`,
    r.baseline === undefined ? '' : `${r.baseline}: ${num(r.baselineValue ?? 0)} ${r.unit}`,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
  ]
}

function printTable(rows: string[][]): void {
  const head = ['case', 'metric', 'value', 'baseline (same run)', 'ratio (>1 better)']
  const all = [head, ...rows]
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  for (const [n, r] of all.entries()) {
    console.log(r.map((c, i) => c.padEnd(widths[i] as number)).join('  '))
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const json = argv.includes('--json')
  const rest = argv.filter((a) => a !== '--json')
  const name = rest[0]
  const load = name === undefined ? undefined : suites[name]
  if (load === undefined) {
    console.error(`usage: pnpm bench <suite> [--json]\nsuites: ${Object.keys(suites).join(', ')}`)
    process.exit(2)
  }
  const suite = (await load()).default
  const rows: string[][] = []
  if (!json) console.log(`${suite.name}: ${suite.description}\n`)
  await suite.run({
    args: rest.slice(1),
    report: (r) => {
      if (json) console.log(JSON.stringify(r))
      else rows.push(formatRow(r))
    },
  })
  if (!json) printTable(rows)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
