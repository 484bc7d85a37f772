import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createIdentity, createNetwork, type Network } from '@chainwire/network'
import { median } from '../measure'
import type { Suite, SuiteContext } from '../types'

/*
 * chainwire-node (apps/node) as real processes on loopback, against baselines measured in the same run
 * (DESIGN.md §7, issue 18):
 * - propagation: a devnet of `--nodes=N` processes (default 10, one mining every `--block-time=ms`, default
 *   1,000): for each block mined during `--blocks=B` blocks (default 20), the time from the miner's `mined`
 *   event to the last node's `block` event; p50 and p95 against the network's own ping round trip (the median
 *   `latencyMs` of every node's peers) in the same run. The ratio is RTT / p50 (a block costs p50/RTT round
 *   trips to reach everyone; > 1 is impossible, higher is better).
 * - memory: resident memory and V8 heap in use of one idle node with `--peers=P` connected peers (default 100:
 *   in-process chainwire networks dialing it over loopback TCP, all held for `--idle=ms`, default 10,000)
 *   against the same node's with no peer, and the difference per peer.
 * - startup: spawn to listening (ports file written) of `chainwire-node start` from the sources through tsx,
 *   against a bare `node --import tsx` process that exits at once (the interpreter and loader's own cost).
 *
 * `pnpm bench node [propagation] [memory] [startup] [--nodes=N] [--blocks=B] [--block-time=ms] [--peers=P] [--idle=ms]`
 */

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..', '..', '..')
const CLI = join(root, 'apps', 'node', 'src', 'cli.ts')
const NODE_ARGS = ['--import', 'tsx', '--conditions=@chainwire/source']

function arg(ctx: SuiteContext, name: string, fallback: number): number {
  const a = ctx.args.find((x) => x.startsWith(`--${name}=`))
  return a === undefined ? fallback : Number(a.slice(name.length + 3))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(
  f: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    try {
      const v = await f()
      if (v !== undefined) return v
    } catch {
      // not ready yet
    }
    await sleep(50)
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`)
}

// biome-ignore lint/suspicious/noExplicitAny: API answers read field by field
async function get(base: string, path: string): Promise<any> {
  const res = await fetch(`${base}${path}`)
  if (!res.ok) throw new Error(`${path}: ${res.status}`)
  return res.json()
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(kill)
      done()
    })
    child.kill('SIGTERM')
  })
}

interface Event {
  seq: number
  type: string
  at: number
  data: { hash?: string }
}

/** Reads a node's live event stream from now on; `stop()` closes it and answers what arrived. */
function collect(api: string): { stop(): Promise<Event[]> } {
  const abort = new AbortController()
  let text = ''
  const reading = (async () => {
    try {
      const res = await fetch(`${api}/api/events?since=${Number.MAX_SAFE_INTEGER}`, { signal: abort.signal })
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        text += Buffer.from(value).toString('utf8')
      }
    } catch {
      // closed by stop()
    }
  })()
  return {
    async stop() {
      abort.abort()
      await reading
      return text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice(6)) as Event)
    },
  }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number
}

async function propagation(ctx: SuiteContext): Promise<void> {
  const nodes = arg(ctx, 'nodes', 10)
  const blocks = arg(ctx, 'blocks', 20)
  const blockTime = arg(ctx, 'block-time', 1_000)
  const dir = mkdtempSync(join(tmpdir(), 'cw-bench-node-'))
  const child = spawn(
    process.execPath,
    [...NODE_ARGS, CLI, 'devnet', '--nodes', String(nodes), '--block-time', String(blockTime), '--dir', dir],
    { stdio: 'ignore', cwd: root },
  )
  try {
    const file = join(dir, 'devnet.json')
    const devnet = await until(
      () => {
        if (!existsSync(file)) return undefined
        const d = JSON.parse(readFileSync(file, 'utf8')) as { nodes: { api: string; roles: string[] }[] }
        return d.nodes.length === nodes ? d : undefined
      },
      180_000,
      'devnet listening',
    )
    const apis = devnet.nodes.map((n) => n.api)
    const miner = devnet.nodes.find((n) => n.roles.includes('miner'))?.api as string
    // every node connected and on the miner's tip before measuring
    await until(
      async () => {
        const s = await Promise.all(apis.map((a) => get(a, '/api/status')))
        return s.every((x) => x.peers >= 1 && x.height >= 2 && x.tip === s[0].tip) ? true : undefined
      },
      120_000,
      'devnet in sync',
    )
    const streams = apis.map(collect)
    const start = (await get(miner, '/api/status')).height as number
    await until(
      async () => ((await get(miner, '/api/status')).height >= start + blocks ? true : undefined),
      blocks * blockTime * 5 + 60_000,
      'blocks mined',
    )
    await sleep(2_000)
    const all = await Promise.all(streams.map((x) => x.stop()))
    const minerEvents = all[apis.indexOf(miner)] as Event[]
    const mined = minerEvents.filter((e) => e.type === 'mined' && e.data.hash !== undefined)
    const delays: number[] = []
    for (const m of mined) {
      let last = -1
      let everywhere = true
      for (const [i, list] of all.entries()) {
        if (apis[i] === miner) continue
        const got = list.find((e) => e.type === 'block' && e.data.hash === m.data.hash)
        if (got === undefined) everywhere = false
        else last = Math.max(last, got.at - m.at)
      }
      if (everywhere && last >= 0) delays.push(last)
    }
    // network pings every peer every 30 s: wait for the first round trips
    const rtt = await until(
      async () => {
        const rtts: number[] = []
        for (const a of apis)
          for (const p of (await get(a, '/api/peers')) as { latencyMs: number | null }[])
            if (p.latencyMs !== null) rtts.push(p.latencyMs)
        return rtts.length >= apis.length ? median(rtts) : undefined
      },
      60_000,
      'ping round trips',
    )
    if (delays.length === 0) throw new Error(`no block reached every node (${mined.length} mined)`)
    const p50 = quantile(delays, 0.5)
    const p95 = quantile(delays, 0.95)
    const c = `${nodes} processes, ${delays.length} blocks`
    ctx.report({ suite: 'node', case: c, metric: 'ping rtt p50', value: rtt, unit: 'ms' })
    for (const [metric, value] of [
      ['propagation p50 (mined -> every node)', p50],
      ['propagation p95 (mined -> every node)', p95],
    ] as const)
      ctx.report({
        suite: 'node',
        case: c,
        metric,
        value,
        unit: 'ms',
        baseline: 'ping rtt',
        baselineValue: rtt,
        ratio: rtt / value,
      })
  } finally {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Starts one `chainwire-node start` from the sources; resolves with its API and P2P address once it listens. */
async function startNode(dir: string, extra: string[] = []) {
  const t0 = performance.now()
  const child = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      CLI,
      'start',
      '--data-dir',
      dir,
      '--listen',
      'tcp://127.0.0.1:0',
      '--api',
      '127.0.0.1:0',
      '--mdns',
      'off',
      '--log-level',
      'warn',
      '--log-format',
      'json',
      ...extra,
    ],
    { stdio: 'ignore', cwd: root },
  )
  const ports = await until(
    () => {
      const f = join(dir, 'ports.json')
      if (!existsSync(f)) return undefined
      const p = JSON.parse(readFileSync(f, 'utf8')) as { pid: number; api?: string; p2p: string[] }
      return p.pid === child.pid && p.api !== undefined ? p : undefined
    },
    60_000,
    'node listening',
  )
  return { child, api: ports.api as string, p2p: ports.p2p[0] as string, ms: performance.now() - t0 }
}

/** Resident memory and V8 heap in use of a node, from its Prometheus scrape (prom-client's process metrics). */
async function memoryOf(api: string): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${api}/metrics`)).text()
  const read = (name: string) => {
    const m = new RegExp(`^chainwire_${name} (\\S+)$`, 'm').exec(text)
    if (m === null) throw new Error(`no ${name} metric`)
    return Number(m[1])
  }
  return { rss: read('process_resident_memory_bytes'), heap: read('nodejs_heap_size_used_bytes') }
}

/**
 * Eleven reads 300 ms apart: the median resident memory, and the least heap in use (the heap right after a
 * collection, what the node holds live, rather than the garbage between two collections).
 */
async function memoryMedian(api: string): Promise<{ rss: number; heap: number }> {
  const reads: { rss: number; heap: number }[] = []
  for (let i = 0; i < 11; i++) {
    if (i > 0) await sleep(300)
    reads.push(await memoryOf(api))
  }
  return { rss: median(reads.map((r) => r.rss)), heap: Math.min(...reads.map((r) => r.heap)) }
}

async function memory(ctx: SuiteContext): Promise<void> {
  const count = arg(ctx, 'peers', 100)
  const idleMs = arg(ctx, 'idle', 10_000)
  const dir = mkdtempSync(join(tmpdir(), 'cw-bench-node-mem-'))
  // every peer dials from 127.0.0.1: the node admits that many from one IP (and one /16), at once
  const node = await startNode(dir, [
    '--set',
    `limits.maxInboundPerIp=${count + 10}`,
    '--set',
    `limits.maxConnections=${count + 40}`,
    '--set',
    `limits.maxInboundPerNetGroup=${count + 10}`,
    '--set',
    `limits.inboundBurstPerIp=${count + 10}`,
  ])
  const peers: Network[] = []
  try {
    await sleep(3_000)
    const idle = await memoryMedian(node.api)
    for (let i = 0; i < count; i++) {
      const n = createNetwork(
        { identity: createIdentity() },
        { networkId: 'chainwire-devnet', listen: [], roles: ['full'] },
      )
      await n.start()
      peers.push(n)
      await n.dial(node.p2p)
    }
    await sleep(idleMs)
    const connected = (await get(node.api, '/api/status')).peers as number
    const loaded = await memoryMedian(node.api)
    const still = (await get(node.api, '/api/status')).peers as number
    if (Math.min(connected, still) < count)
      throw new Error(`the idle node held ${Math.min(connected, still)} of ${count} peers`)
    const c = `idle node, ${count} peers connected, ${idleMs / 1_000} s idle`
    const mib = (b: number) => b / 1_048_576
    for (const [metric, key] of [
      ['resident memory', 'rss'],
      ['heap used (least of 11 reads)', 'heap'],
    ] as const) {
      ctx.report({
        suite: 'node',
        case: c,
        metric,
        value: mib(loaded[key]),
        unit: 'MiB',
        baseline: 'same node, no peer',
        baselineValue: mib(idle[key]),
        ratio: idle[key] / loaded[key],
      })
      ctx.report({
        suite: 'node',
        case: c,
        metric: `${metric} per peer`,
        value: (loaded[key] - idle[key]) / count / 1024,
        unit: 'KiB',
      })
    }
  } finally {
    await Promise.all(peers.map((p) => p.stop()))
    await stopChild(node.child)
    rmSync(dir, { recursive: true, force: true })
  }
}

async function startup(ctx: SuiteContext): Promise<void> {
  const runs = 3
  const node: number[] = []
  const bare: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await new Promise<void>((done, fail) => {
      const c = spawn(process.execPath, [...NODE_ARGS, '-e', ''], { stdio: 'ignore', cwd: root })
      c.once('exit', () => done())
      c.once('error', fail)
    })
    bare.push(performance.now() - t0)
    const dir = mkdtempSync(join(tmpdir(), 'cw-bench-node-start-'))
    const n = await startNode(dir)
    node.push(n.ms)
    await stopChild(n.child)
    rmSync(dir, { recursive: true, force: true })
  }
  const v = median(node)
  const b = median(bare)
  ctx.report({
    suite: 'node',
    case: `median of ${runs}`,
    metric: 'start-up to listening',
    value: v,
    unit: 'ms',
    baseline: 'bare node + tsx',
    baselineValue: b,
    ratio: b / v,
  })
}

const suite: Suite = {
  name: 'node',
  description:
    'chainwire-node processes on loopback: block propagation vs ping RTT, idle memory with peers, start-up',
  async run(ctx) {
    const picked = ctx.args.filter((a) => !a.startsWith('--'))
    const want = (name: string) => picked.length === 0 || picked.includes(name)
    if (want('startup')) await startup(ctx)
    if (want('memory')) await memory(ctx)
    if (want('propagation')) await propagation(ctx)
  },
}
export default suite
