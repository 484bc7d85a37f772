import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createChain, type FullChain, headerHash, type Network } from '@chainwire/chain'
import { BlockBuilder, solveHeader } from '@chainwire/chain/testing'
import { systemClock } from '@chainwire/interface'
import { ManualClock } from '@chainwire/interface/testing'
import { defineScenario, runScenario, type SimNodeHandle } from '@chainwire/netsim'
import { createIdentity, createMemoryNetwork, createMemoryTransport, createNetwork } from '@chainwire/network'
import { type Block, decode, encode, type Transaction } from '@chainwire/protocol-codec'
import { createSync, PRESYNC_BYTES_PER_HEADER, SYNC_CAPABILITIES, type Sync } from '@chainwire/sync'
import { collectGarbage, median } from '../measure'
import {
  fundSenders,
  labelledSigner,
  networkFrom,
  networkJson,
  type Sender,
  transferFrom,
  writeBlocks,
} from '../sync/blocks'
import { SIM_EPOCH, syncOnNode } from '../sync/sim'
import type { Suite, SuiteContext } from '../types'

/*
 * @chainwire/sync against baselines measured in the same run (DESIGN.md §7, issue 15):
 * - ibd: initial block download of 2,000 blocks of about 100 KB in netsim (virtual time, 50 ms links, every
 *   seed's uplink capped at 2 MB/s) from 4 seeds against from 1 seed (target: >= 3.5x);
 * - tcp: IBD between two real processes over loopback TCP (a classic-level node syncing 1,000 blocks of 50
 *   transfers) against the chain's own validation speed of the same blocks in a fresh process (target 0.6);
 * - compact: bytes of the compact block (and any block_txs round trip) a synced peer with a warm mempool
 *   receives for a 2,000-transaction block, against the full block's bytes (target <= 3%);
 * - relay: share of compact blocks rebuilt without a round trip in a netsim network of 20 mining nodes that
 *   flood real transactions (target >= 90%);
 * - presync: heap per peer while 8 peers feed low-work header chains, measured after GC, against the bound the
 *   README documents.
 * `pnpm bench sync [ibd] [tcp] [compact] [relay] [presync]` (all by default).
 */

const here = dirname(fileURLToPath(import.meta.url))
const benchRoot = resolve(here, '..', '..')

// ---------------------------------------------------------------- ibd (netsim)

/** Virtual ms from the fresh node's first connection to its tip at `blocks.length`, from `seeds` seeds. */
async function ibdInNetsim(network: Network, seedChain: FullChain, height: number, seeds: number) {
  let started = -1
  let done = -1
  let requested = 0
  const wall = performance.now()
  await runScenario(
    defineScenario({
      name: `sync bench: IBD from ${seeds}`,
      duration: '400s',
      nodes: { count: seeds + 1, uplink: '2MB/s', startSpread: '0ms' },
      topology: { type: 'explicit', edges: Array.from({ length: seeds }, (_, i) => [seeds, i]) },
      links: { latency: '50ms' },
      network: { networkId: network.id, capabilities: [...SYNC_CAPABILITIES] },
      setup: async (node: SimNodeHandle) => {
        const fresh = node.index === seeds
        const n = await syncOnNode(node, network, fresh ? {} : { chain: seedChain })
        if (fresh) {
          node.network.on('peer:connected', () => {
            if (started < 0) started = node.clock.now()
          })
          n.chain.on('tip', (t) => {
            if (t.height === height) {
              done = node.clock.now()
              requested = n.sync.stats().blocksRequested
            }
          })
        }
        return n.cleanup
      },
    }),
    { seed: 1 },
  )
  if (done < 0) throw new Error(`IBD from ${seeds} did not complete in the simulated time`)
  return { seconds: (done - started) / 1000, requested, wallSeconds: (performance.now() - wall) / 1000 }
}

async function ibd(ctx: SuiteContext): Promise<void> {
  const network = networkFrom(networkJson({ id: 'bench-sync-ibd', genesisTimestamp: SIM_EPOCH - 86_400_000 }))
  const genesisKey: Sender = { signer: labelledSigner('genesis'), nonce: 0 }
  // two transfers of 49,800 data bytes each (a transaction carries at most 65,536)
  const data = new Uint8Array(49_800).fill(0x5a)
  const blocks = new BlockBuilder(network).chain(network.genesis, 2_000, () => [
    transferFrom(network, genesisKey, data),
    transferFrom(network, genesisKey, data),
  ])
  // every seed serves the same chain: one instance (loaded once) is shared by the seed nodes
  const seedChain = createChain({ clock: new ManualClock({ start: SIM_EPOCH }) }, { network })
  await seedChain.start()
  for (const b of blocks) await seedChain.acceptBlock(b)
  const bytes = encode({ type: 'new_block', data: { block: blocks[0] as Block } }).length
  const one = await ibdInNetsim(network, seedChain, blocks.length, 1)
  const four = await ibdInNetsim(network, seedChain, blocks.length, 4)
  await seedChain.stop()
  const kb = Math.round(bytes / 1000)
  ctx.report({
    suite: 'sync',
    case: `IBD in netsim, 2,000 blocks of ${kb} KB, uplinks 2 MB/s, 4 peers`,
    metric: 'virtual time to the tip',
    value: four.seconds,
    unit: 's',
    baseline: '1 peer',
    baselineValue: one.seconds,
    ratio: one.seconds / four.seconds,
  })
  ctx.report({
    suite: 'sync',
    case: 'IBD in netsim, 4 peers',
    metric: 'blocks requested per block (1 = nothing fetched twice)',
    value: four.requested / blocks.length,
    unit: 'x',
  })
  ctx.report({
    suite: 'sync',
    case: 'IBD in netsim, wall time of the two simulations',
    metric: 'wall time (1 peer, 4 peers)',
    value: one.wallSeconds + four.wallSeconds,
    unit: 's',
  })
}

// ---------------------------------------------------------------- tcp (two processes)

function child(args: string[]): { proc: ChildProcess; next: () => Promise<Record<string, unknown>> } {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@chainwire/source', join('src', 'sync', 'node-process.ts'), ...args],
    { cwd: benchRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const lines: Record<string, unknown>[] = []
  const waiting: ((v: Record<string, unknown>) => void)[] = []
  let buf = ''
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString()
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const v = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>
      buf = buf.slice(nl + 1)
      const w = waiting.shift()
      if (w !== undefined) w(v)
      else lines.push(v)
    }
  })
  const next = () =>
    new Promise<Record<string, unknown>>((ok, fail) => {
      const v = lines.shift()
      if (v !== undefined) return ok(v)
      waiting.push(ok)
      proc.once('exit', (code) => fail(new Error(`${args[0]} exited with ${code}`)))
    }).then((v) => {
      if ('error' in v) throw new Error(String(v.error))
      return v
    })
  return { proc, next }
}

async function tcp(ctx: SuiteContext): Promise<void> {
  const json = networkJson({ id: 'bench-sync-tcp' })
  const network = networkFrom(json)
  const builder = new BlockBuilder(network)
  const { senders, funding } = fundSenders(network, 50, builder)
  const blocks = [funding]
  for (let i = 1; i < 1_000; i++) {
    blocks.push(
      builder.next(
        blocks[i - 1] as Block,
        senders.map((s) => transferFrom(network, s)),
      ),
    )
  }
  const dir = mkdtempSync(join(tmpdir(), 'chainwire-bench-sync-'))
  try {
    const file = join(dir, 'blocks.bin')
    writeBlocks(file, blocks)
    const netArg = JSON.stringify(json)
    const validator = child(['validate', netArg, file, join(dir, 'validate')])
    const validated = await validator.next()
    const seed = child(['seed', netArg, file])
    try {
      const { address } = await seed.next()
      const syncer = child(['sync', netArg, join(dir, 'sync'), address as string, String(blocks.length)])
      const synced = await syncer.next()
      const v = validated.blocksPerSecond as number
      const s = synced.blocksPerSecond as number
      ctx.report({
        suite: 'sync',
        case: 'IBD over loopback TCP, two processes, 1,000 blocks of 50 transfers, classic-level',
        metric: 'blocks per second',
        value: s,
        unit: 'blocks/s',
        baseline: "the chain's own validation of the same blocks (one process, classic-level)",
        baselineValue: v,
        ratio: s / v,
      })
    } finally {
      seed.proc.kill('SIGKILL')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------- compact (bytes)

/** Two real nodes over the memory transport; the receiver's mempool holds `txs`; returns what it received. */
async function compactBytes(network: Network, builder: BlockBuilder, funding: Block[], txs: Transaction[]) {
  const memory = createMemoryNetwork()
  const clock = new ManualClock({ start: Date.now() })
  const make = async (name: string) => {
    const chain = createChain({ clock }, { network })
    await chain.start()
    for (const b of funding) await chain.acceptBlock(b)
    const net = createNetwork(
      { identity: createIdentity(), transports: [createMemoryTransport({ network: memory })] },
      { networkId: network.id, listen: [`memory://${name}`], capabilities: [...SYNC_CAPABILITIES] },
    )
    await net.start()
    const sync = createSync({ network: net, chain })
    sync.start()
    return { chain, net, sync }
  }
  const a = await make('a')
  const b = await make('b')
  for (const tx of txs) await b.chain.acceptTransaction(tx)
  await b.net.dial('memory://a')
  await waitUntil(() => a.sync.state() === 'synced' && b.sync.state() === 'synced')
  const block = builder.next(funding[funding.length - 1] as Block, txs)
  await a.chain.acceptBlock(block)
  await waitUntil(() => b.chain.tip().height === block.header.height)
  const messagesIn = (b.net.getNetworkStatus().peers[0]?.messagesIn ?? {}) as Record<
    string,
    { bytes: number } | undefined
  >
  const inBytes = (t: string) => messagesIn[t]?.bytes ?? 0
  const received =
    inBytes('inv') + inBytes('compact_block') + inBytes('compact_block_response') + inBytes('block_txs')
  const full = encode({ type: 'new_block', data: { block } }).length
  const stats = b.sync.stats()
  for (const n of [a, b]) {
    n.sync.stop()
    await n.net.stop()
    await n.chain.stop()
  }
  return { received, full, roundTrips: stats.compactRoundTrips + stats.compactFallbacks }
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 6_000) throw new Error('condition not met within 60 s')
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function compact(ctx: SuiteContext): Promise<void> {
  for (const memo of [0, 100]) {
    const network = networkFrom(networkJson({ id: `bench-sync-compact-${memo}` }))
    const builder = new BlockBuilder(network)
    const { senders, funding } = fundSenders(network, 40, builder)
    const txs = senders.flatMap((s) =>
      Array.from({ length: 50 }, () => transferFrom(network, s, new Uint8Array(memo).fill(1))),
    )
    const r = await compactBytes(network, builder, [funding], txs)
    const txBytes = Math.round(
      encode({ type: 'new_transaction', data: { transaction: txs[0] as Transaction } }).length,
    )
    ctx.report({
      suite: 'sync',
      case: `compact block, 2,000 transfers of ${txBytes} B${memo > 0 ? ` (a ${memo}-byte memo)` : ''}, warm mempool`,
      metric: 'bytes received for the block (inv, compact block, block_txs) / full block bytes',
      value: (100 * r.received) / r.full,
      unit: '%',
      baseline: 'full block',
      baselineValue: 100,
      ratio: r.full / r.received,
    })
  }
}

// ---------------------------------------------------------------- relay (netsim share without round trip)

async function relay(ctx: SuiteContext): Promise<void> {
  const network = networkFrom(
    networkJson({ id: 'bench-sync-relay', genesisTimestamp: SIM_EPOCH - 86_400_000 }),
  )
  const count = 20
  // 200 senders funded over 4 blocks of 50 (fewer than 64 signatures per block keeps verification synchronous)
  const { senders, funding } = fundSenders(network, 200)
  const builder = new BlockBuilder(network)
  const fundingBlocks: Block[] = []
  let parent = network.genesis
  for (let i = 0; i < 4; i++) {
    parent = builder.next(parent, funding.transactions.slice(1 + i * 50, 1 + (i + 1) * 50))
    fundingBlocks.push(parent)
  }
  const syncs: Sync[] = []
  let txCount = 0
  await runScenario(
    defineScenario({
      name: 'sync bench: compact block relay',
      duration: '330s',
      nodes: { count, startSpread: '0ms' },
      topology: { type: 'random', degree: 6 },
      links: { latency: { distribution: 'lognormal', median: '40ms', sigma: 0.5, max: '300ms' } },
      network: { networkId: network.id, capabilities: [...SYNC_CAPABILITIES] },
      setup: async (node: SimNodeHandle) => {
        const n = await syncOnNode(node, network, { preload: fundingBlocks })
        syncs.push(n.sync)
        // transaction flooding (what @chainwire/relay does in a node): accept, then pass on to the others
        const flood = async (tx: Transaction, from: string | undefined) => {
          if ((await n.chain.acceptTransaction(tx)) !== 'accepted') return
          node.network.broadcast(
            { type: 'new_transaction', data: { transaction: tx } },
            (p) => p.peerId !== from,
          )
        }
        node.network.on('message:new_transaction', (e) => void flood(e.message.data.transaction, e.peerId))
        const timers: ReturnType<typeof node.clock.setTimeout>[] = []
        const every = (mean: number, fn: () => void | Promise<void>, start = 30_000) => {
          const next = (delay: number) => {
            const t = node.clock.setTimeout(async () => {
              if (node.clock.now() - SIM_EPOCH < 300_000) await fn()
              next(-Math.log(1 - node.random.next()) * mean)
            }, delay)
            timers.push(t)
          }
          next(start + node.random.next() * mean)
        }
        // about 3 transactions a second and one block every 10 s across the network
        every(count * 333, async () => {
          const sender = senders[node.random.int(senders.length)] as Sender
          txCount++
          await flood(transferFrom(network, sender), undefined)
        })
        const minerKey = new Uint8Array(32).fill(node.index + 1)
        every(count * 10_000, async () => {
          const t = await n.chain.blockTemplate(minerKey)
          await n.chain.acceptBlock({ header: solveHeader(t.header), transactions: t.transactions })
        })
        return () => {
          for (const t of timers) node.clock.clearTimeout(t)
          n.cleanup()
        }
      },
    }),
    { seed: 5 },
  )
  let rebuilt = 0
  let roundTrips = 0
  let fallbacks = 0
  for (const s of syncs) {
    const st = s.stats()
    rebuilt += st.compactReconstructed
    roundTrips += st.compactRoundTrips
    fallbacks += st.compactFallbacks
  }
  const all = rebuilt + roundTrips + fallbacks
  ctx.report({
    suite: 'sync',
    case: `compact block relay in netsim, ${count} mining nodes, ${txCount} transactions flooded, 300 s`,
    metric: 'compact blocks rebuilt without a round trip',
    value: (100 * rebuilt) / Math.max(1, all),
    unit: '%',
    baseline: 'target',
    baselineValue: 90,
    ratio: (100 * rebuilt) / Math.max(1, all) / 90,
  })
  ctx.report({
    suite: 'sync',
    case: 'compact block relay in netsim',
    metric: 'compact blocks received (rebuilt / get_block_txs / full block)',
    value: all,
    unit: `(${rebuilt} / ${roundTrips} / ${fallbacks})`,
  })
}

// ---------------------------------------------------------------- presync (memory per peer)

/** Heap plus array buffers (decoded bytes may be views that keep a whole message alive), after GC. */
const heapNow = (): number => {
  collectGarbage()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/**
 * Heap per peer while `peers` flooders hold a victim in presync: each serves a chain of 40,000 headers far
 * below the minimum work, answers 10 `get_headers` (20,000 headers) and then stops answering. The heap is
 * measured after GC once every peer is connected and asked (before any header), and again at the pause (real
 * time on the memory transport: the flood takes well under the 15 s request deadline).
 */
async function presyncHeap(peers: number) {
  const json = networkJson({ id: 'bench-sync-presync' })
  const network = networkFrom(json)
  const victimNet = networkFrom({ ...json, minimumChainWork: (10n ** 9n).toString() })
  const all = new BlockBuilder(network).chain(network.genesis, 40_000).map((b) => b.header)
  const heightOf = new Map(all.map((h, i) => [Buffer.from(headerHash(h)).toString('hex'), i + 1]))
  const clock = systemClock
  const memory = createMemoryNetwork()
  const answers = 10
  let asked = 0
  let answered = 0
  let release!: () => void
  const released = new Promise<void>((r) => {
    release = r
  })
  const stops: (() => Promise<void>)[] = []
  for (let i = 0; i < peers; i++) {
    const net = createNetwork(
      { identity: createIdentity(), clock, transports: [createMemoryTransport({ network: memory })] },
      {
        networkId: network.id,
        listen: [`memory://f${i}`],
        localStatus: {
          bestHeight: all.length,
          bestHash: headerHash(all[all.length - 1] as (typeof all)[0]),
          totalWork: 10n ** 12n,
        },
      },
    )
    let count = 0
    net.handle('get_headers', async (m) => {
      if (count++ === 0) {
        asked++
        await released
      }
      if (count > answers) await new Promise(() => undefined) // stops answering (its request times out later)
      answered++
      const from = heightOf.get(Buffer.from(m.data.locator[0] ?? new Uint8Array(32)).toString('hex')) ?? 0
      return { type: 'headers', data: { headers: all.slice(from, from + 2_000) } }
    })
    await net.start()
    stops.push(() => net.stop())
  }
  const victimChain = createChain({ clock }, { network: victimNet })
  await victimChain.start()
  const victimNetwork = createNetwork(
    { identity: createIdentity(), clock, transports: [createMemoryTransport({ network: memory })] },
    { networkId: network.id, listen: ['memory://victim'] },
  )
  await victimNetwork.start()
  const sync = createSync({ network: victimNetwork, chain: victimChain, clock })
  sync.start()
  for (let i = 0; i < peers; i++) await victimNetwork.dial(`memory://f${i}`)
  await waitUntil(() => asked === peers)
  const base = heapNow()
  release()
  await waitUntil(() => answered === peers * answers)
  await new Promise((r) => setTimeout(r, 20)) // the last answers processed
  const held = heapNow()
  const result = {
    perPeer: (held - base) / peers,
    countedPerPeer: sync.presyncMemoryBytes() / peers,
    presynced: sync.stats().headersPresynced,
    stored: victimChain.stats().headers,
  }
  sync.stop()
  await victimNetwork.stop()
  await victimChain.stop()
  for (const stop of stops) await stop()
  return result
}

/**
 * Heap bytes per decoded header as the redownload buffer holds it: 15 messages of 2,000 headers, each encoded
 * and decoded after the first measurement, so their wire bytes count only if the decoded headers keep them.
 */
function bufferedHeaderBytes(): number {
  const network = networkFrom(networkJson({ id: 'bench-sync-buffer' }))
  const headers = new BlockBuilder(network).chain(network.genesis, 2_000).map((b) => b.header)
  const base = heapNow()
  const held: unknown[] = []
  for (let i = 0; i < 15; i++) held.push(decode(encode({ type: 'headers', data: { headers } })))
  const after = heapNow()
  return held.length > 0 ? (after - base) / (15 * headers.length) : 0
}

async function presync(ctx: SuiteContext): Promise<void> {
  const bound = 16_777_216 / 64 / 8 + 1_536 * PRESYNC_BYTES_PER_HEADER
  const runs = [await presyncHeap(8), await presyncHeap(8), await presyncHeap(8)]
  const perPeer = median(runs.map((r) => r.perPeer))
  ctx.report({
    suite: 'sync',
    case: 'low-work header flood, 8 peers, 20,000 headers each (presync)',
    metric: `heap per flooding peer after GC (sync counts ${Math.round(median(runs.map((r) => r.countedPerPeer)))} B; ${runs[0]?.presynced} headers checked, ${runs[0]?.stored} stored)`,
    value: perPeer,
    unit: 'B',
    baseline: 'documented bound',
    baselineValue: bound,
    ratio: bound / Math.max(1, perPeer),
  })
  const perHeader = median([bufferedHeaderBytes(), bufferedHeaderBytes(), bufferedHeaderBytes()])
  ctx.report({
    suite: 'sync',
    case: 'redownload buffer, 30,000 headers decoded from 15 headers messages',
    metric: 'heap per buffered header after GC',
    value: perHeader,
    unit: 'B',
    baseline: 'PRESYNC_BYTES_PER_HEADER (what the bound assumes)',
    baselineValue: PRESYNC_BYTES_PER_HEADER,
    ratio: PRESYNC_BYTES_PER_HEADER / perHeader,
  })
}

const suite: Suite = {
  name: 'sync',
  description:
    '@chainwire/sync: IBD in netsim and over TCP, compact blocks, presync memory (same-run baselines)',
  async run(ctx) {
    const all = ['ibd', 'tcp', 'compact', 'relay', 'presync']
    const pick = ctx.args.filter((a) => all.includes(a))
    const want = new Set(pick.length > 0 ? pick : all)
    if (want.has('compact')) await compact(ctx)
    if (want.has('presync')) await presync(ctx)
    if (want.has('tcp')) await tcp(ctx)
    if (want.has('relay')) await relay(ctx)
    if (want.has('ibd')) await ibd(ctx)
  },
}

export default suite
