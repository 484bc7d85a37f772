import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import {
  blockFilter,
  createHeaderChain,
  decodeGcs,
  GCS_M,
  hashToRange,
  headerHash,
  type Network,
  transactionSize,
} from '@chainwire/chain'
import { BlockBuilder } from '@chainwire/chain/testing'
import { systemClock } from '@chainwire/interface'
import { createLightClient, type LightDatabase } from '@chainwire/light'
import type { Block, BlockHeader } from '@chainwire/protocol-codec'
import { ClassicLevel } from 'classic-level'
import { collectGarbage, median } from '../measure'
import { fundSenders, networkFrom, networkJson, transferFrom } from '../sync/blocks'
import type { Suite, SuiteContext } from '../types'

/*
 * @chainwire/light against baselines measured in the same run (DESIGN.md §7, issue 20):
 * - sync: header sync of a 100,000-header chain (`--headers=N` to change) from 3 full-node processes over
 *   loopback TCP into the light client on classic-level, against the chain package's own header validation
 *   (HeaderChain.acceptHeaders on classic-level, same headers, same process) (target >= 0.5); time to the
 *   first verified tip; memory per stored header (target <= 120 B) and disk per header.
 * - filters: compact filter bytes per block against the block's size (anchor: BIP 158 filters are about 2 %
 *   of a Bitcoin block), and the false-positive rate of random keys against the theoretical 1/M.
 *
 * `pnpm bench light [sync] [filters] [--headers=N] [--queries=N]`
 */

const here = dirname(fileURLToPath(import.meta.url))
const benchRoot = resolve(here, '..', '..')

function arg(ctx: SuiteContext, name: string, fallback: number): number {
  const a = ctx.args.find((x) => x.startsWith(`--${name}=`))
  return a === undefined ? fallback : Number(a.slice(name.length + 3))
}

/** Runs the full-node script; resolves with its first JSON line (and the process, still running). */
function fullNode(args: string[]): Promise<{ line: Record<string, unknown>; proc: ChildProcess }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@chainwire/source', join('src', 'light', 'full-node.ts'), ...args],
    { cwd: benchRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  return new Promise((resolveLine, reject) => {
    let buf = ''
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      const line = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>
      if (line.error !== undefined) reject(new Error(String(line.error)))
      else resolveLine({ line, proc })
    })
    proc.on('exit', (code) => code !== 0 && code !== null && reject(new Error(`full node exited ${code}`)))
  })
}

function duBytes(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const s = statSync(p)
    total += s.isDirectory() ? duBytes(p) : s.size
  }
  return total
}

const used = (): number => {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

async function sync(ctx: SuiteContext): Promise<void> {
  const n = arg(ctx, 'headers', 100_000)
  const json = networkJson({ id: 'bench-light' })
  const params: Network = networkFrom(json)
  // The full nodes' chain is built once (and kept in the temp dir for later runs): n empty blocks.
  const built = join(tmpdir(), `chainwire-bench-light-${n}-v1`)
  if (!existsSync(join(built, 'done'))) {
    rmSync(built, { recursive: true, force: true })
    const t = performance.now()
    const { proc } = await fullNode(['build', JSON.stringify(json), join(built, 'chain'), String(n)])
    await new Promise((r) => proc.on('exit', r))
    writeFileSync(join(built, 'done'), '')
    console.error(`built ${n} blocks in ${((performance.now() - t) / 1000).toFixed(0)} s (kept in ${built})`)
  }
  const work = mkdtempSync(join(tmpdir(), 'chainwire-bench-light-'))
  const procs: ChildProcess[] = []
  try {
    const addresses: string[] = []
    for (const [i, host] of ['127.1.0.1', '127.2.0.1', '127.3.0.1'].entries()) {
      const dir = join(work, `node-${i}`)
      cpSync(join(built, 'chain'), dir, { recursive: true })
      const { line, proc } = await fullNode(['serve', JSON.stringify(json), dir, host])
      procs.push(proc)
      addresses.push(String(line.address))
    }
    collectGarbage()
    const before = used()
    const dbDir = join(work, 'light')
    const client = createLightClient(
      { chain: params, db: new ClassicLevel(dbDir) as unknown as LightDatabase, clock: systemClock },
      { bootstrap: addresses, headersTimeoutMs: 60_000 },
    )
    const t0 = performance.now()
    let firstTip: number | undefined
    const synced = new Promise<void>((done) =>
      client.on('tip', (tip) => {
        firstTip ??= performance.now() - t0
        if (tip.height === n) done()
      }),
    )
    let headersAt: number | undefined
    let connectedAt: number | undefined
    client.on('header', (tip) => {
      if (tip.height === n) headersAt ??= performance.now() - t0
    })
    client.network.on('peer:connected', () => {
      connectedAt ??= performance.now() - t0
    })
    await client.start()
    await synced
    const syncedAt = performance.now() - t0
    // The rate counts from the first connection (opening the store and dialing are not header sync).
    const seconds = ((headersAt ?? syncedAt) - (connectedAt ?? 0)) / 1000
    const rate = n / seconds
    collectGarbage()
    const heapPerHeader = (used() - before) / n
    const counted = client.chain.memoryBytes().perHeader
    // The same headers, read back, validated by the chain package alone on classic-level.
    const headers: BlockHeader[] = []
    for (let h = 1; h <= n; h++) headers.push((await client.chain.getHeader(h)) as BlockHeader)
    await client.stop()
    const disk = duBytes(dbDir) / n
    const baselineRates: number[] = []
    for (let r = 0; r < 2; r++) {
      const dir = join(work, `baseline-${r}`)
      const hc = createHeaderChain({ clock: systemClock }, { network: params, path: dir })
      await hc.start()
      const t = performance.now()
      for (let i = 0; i < n; i += 2_000) {
        const res = await hc.acceptHeaders(headers.slice(i, i + 2_000))
        if (res.invalid !== undefined) throw new Error('baseline refused headers')
      }
      baselineRates.push(n / ((performance.now() - t) / 1000))
      await hc.stop()
    }
    const baseline = median(baselineRates)
    const label = `header sync, ${n.toLocaleString('en')} headers, 3 full-node processes over loopback TCP`
    ctx.report({
      suite: 'light',
      case: label,
      metric: 'headers per second into classic-level (validated)',
      value: rate,
      unit: 'headers/s',
      baseline: "the chain package's own header validation (HeaderChain on classic-level, same process)",
      baselineValue: baseline,
      ratio: rate / baseline,
    })
    ctx.report({
      suite: 'light',
      case: label,
      metric: 'time to the first verified tip (two groups agree), from start()',
      value: (firstTip ?? 0) / 1000,
      unit: 's',
    })
    ctx.report({
      suite: 'light',
      case: label,
      metric: 'time to the verified tip at the end, from start()',
      value: syncedAt / 1000,
      unit: 's',
    })
    ctx.report({
      suite: 'light',
      case: label,
      metric: 'memory per stored header (heap + array buffers after GC, whole client)',
      value: heapPerHeader,
      unit: 'B',
      baseline: 'target',
      baselineValue: 120,
      ratio: 120 / heapPerHeader,
    })
    ctx.report({
      suite: 'light',
      case: label,
      metric: 'memory per header as the header chain counts it',
      value: counted,
      unit: 'B',
    })
    ctx.report({
      suite: 'light',
      case: label,
      metric: 'disk per header (LevelDB, filter headers included)',
      value: disk,
      unit: 'B',
    })
  } finally {
    for (const p of procs) p.kill('SIGKILL')
    rmSync(work, { recursive: true, force: true })
  }
}

function filters(ctx: SuiteContext): void {
  const queries = arg(ctx, 'queries', 5_000_000)
  const params = networkFrom(networkJson({ id: 'bench-light-filters' }))
  const builder = new BlockBuilder(params)
  const { senders, funding } = fundSenders(params, 2_000, builder)
  const blocks: Block[] = []
  let parent = funding
  // 20 blocks of 100 transfers, each from another sender to another recipient: 200 keys per block.
  for (let b = 0; b < 20; b++) {
    const txs = senders.slice(b * 100, b * 100 + 100).map((s) => transferFrom(params, s))
    parent = builder.next(parent, txs)
    blocks.push(parent)
  }
  const sizes = blocks.map((b) => 96 + b.transactions.reduce((n, tx) => n + transactionSize(tx), 0))
  const filtersOf = blocks.map((b) => blockFilter(b))
  const share = (filtersOf.reduce((n, f) => n + f.length, 0) / sizes.reduce((n, s) => n + s, 0)) * 100
  ctx.report({
    suite: 'light',
    case: 'compact filters, 20 blocks of 100 transfers (102 keys each: 100 senders, the recipient, the miner)',
    metric: 'filter bytes per block, % of the block',
    value: share,
    unit: '%',
    baseline: "BIP 158 on Bitcoin's blocks (about 2 %)",
    baselineValue: 2,
    ratio: 2 / share,
  })
  // False positives: random 32-byte keys hashed into each filter's range, looked up in its decoded set.
  let hits = 0
  const perFilter = Math.ceil(queries / filtersOf.length)
  const key = new Uint8Array(32)
  for (const [i, f] of filtersOf.entries()) {
    const values = new Set(decodeGcs(f))
    const hashKey = headerHash((blocks[i] as Block).header).subarray(0, 16)
    const range = values.size * GCS_M
    for (let q = 0; q < perFilter; q++) {
      for (let j = 0; j < 32; j += 4) new DataView(key.buffer).setUint32(j, (Math.random() * 2 ** 32) >>> 0)
      if (values.has(hashToRange(hashKey, key, range))) hits++
    }
  }
  const rate = hits / (perFilter * filtersOf.length)
  ctx.report({
    suite: 'light',
    case: `compact filters, ${(perFilter * filtersOf.length).toLocaleString('en')} random keys against 20 filters`,
    metric: `false-positive rate (${hits} hits)`,
    value: rate,
    unit: 'per query',
    baseline: 'the theoretical 1/M (M = 784,931)',
    baselineValue: 1 / GCS_M,
    ratio: rate === 0 ? Number.POSITIVE_INFINITY : 1 / GCS_M / rate,
  })
}

const suite: Suite = {
  name: 'light',
  description:
    'the light client: header sync from 3 full-node processes against the chain package’s own validation, memory and disk per header, compact filter size and false positives',
  async run(ctx) {
    const all = ['sync', 'filters']
    const picked = ctx.args.filter((a) => all.includes(a))
    const want = new Set(picked.length > 0 ? picked : all)
    if (want.has('filters')) filters(ctx)
    if (want.has('sync')) await sync(ctx)
  },
}

export default suite
