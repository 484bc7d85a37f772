import {
  currentNode,
  LIBP2P_WORKER,
  node24,
  startWorker,
  type Worker,
  type WorkerNode,
} from '../network/child'
import type { Collections } from '../network/counters'
import { libp2pSupport, type Major } from '../network/libp2p'
import { medianOfRuns, Rounds } from '../network/rounds'
import type { BenchResult, Suite, SuiteContext } from '../types'

/*
 * chainwire's connections against their physical limits and js-libp2p, every figure a ratio against a
 * baseline measured in the same run (DESIGN.md §7). Every case runs between two worker processes, the
 * sender and the receiver, each with a core of its own; this process only directs them. chainwire, raw TCP
 * and the bounds run in one pair (`src/network/worker.ts`), js-libp2p in another (`libp2p-worker.ts`): a
 * garbage collection marks the whole heap of its process, so each implementation is measured in processes
 * that hold only its own modules and state. The rounds alternate the cases of both pairs (one pair idles
 * while the other runs).
 *
 * - bulk: 1 MiB application messages over TCP loopback. "stack" is chainwire's whole path: `createNetwork`,
 *   `send()` of `chunk` messages (bulk class, 1 MiB payload; the receiver's bulk rate limit raised), the send
 *   queue, framing, Noise, and on the far side decryption, frame reassembly, decoding and validation, the
 *   rate limiter and the `message:chunk` event. "channel" is the Noise secure channel alone
 *   (`secureOutbound`/`secureInbound`) carrying the codec's framing (a 4-byte length, then the message).
 *   Their receivers count what arrives (the stack's chunks by `chunkByteLength`: a large chunk arrives as
 *   its decrypted pieces and is never joined). The `-copy` cases (`stack-copy`, `channel-copy`, and their
 *   `-down`) run the same transfers to receivers that copy every message into a reassembly buffer of a
 *   message's size, reused for every message: the channel's stream pieces as they come, the stack's chunks
 *   with `copyChunkBytes` (what a bulk consumer such as `ChunkReassembler` does with them).
 *   Baselines: node:crypto ChaCha20-Poly1305 sealing the same bytes in Noise-sized messages on one core
 *   (the design's physical limit: a sender cannot go faster than it seals), a raw TCP socket pair between
 *   the same processes, and js-libp2p (tcp + noise + yamux; `src/network/libp2p.ts`) twice: one stream
 *   carrying 1 MiB writes counted as bytes arrive (a byte stream, like "channel"), and one stream carrying
 *   1 MiB messages framed as libp2p's own protocols frame theirs (it-length-prefixed in 2.x, `lpStream` in
 *   3.x), each handed to the application whole and contiguous (the stack's workload). Then js-libp2p 3
 *   against js-libp2p 2, each workload and direction.
 * - handshake: dials per second until the peer is usable, chainwire (TCP connect + Noise XX + hello, until
 *   `dial()` resolves: 'peer:connected') against js-libp2p (connect + multistream-select + noise + yamux,
 *   until identify completed), one at a time and 16 at a time, same processes.
 *
 * js-libp2p 2 is measured on any Node, js-libp2p 3 when the workers run Node >= 22 (on Node 20 its rows are
 * skipped, with the reason printed on stderr): `--node24` runs the workers on the Node 24 binary of
 * `npx -y node@24` (so does running the whole bench on Node 24). Rows whose workers did not run Node 20, the
 * Node the network README's figures are stated for, carry their Node in the case name (`, node 24`).
 * - memory: RSS of a listener process per idle established inbound connection (after a GC), chainwire's
 *   full stack against bare TCP sockets, each with 1,000 connections from a second process.
 *
 * - bulk-gc (only when asked for): the bulk cases again, every process started with
 *   `--no-concurrent-array-buffer-sweeping`.
 *
 * `pnpm bench network [bulk] [handshake] [memory] [bulk-gc] [--rounds N] [--runs N] [--node24] [--heap-mb N]`
 * (bulk, handshake and memory by default). `--heap-mb N` gives every worker process a live heap of N MB of
 * small objects before it measures anything, standing in for the state a node holds (its chain, its peer
 * tables): V8 sizes its collection limits by the live heap, and bulk transfer collects far more often in a
 * bare process than in one holding tens of MB (see the network README). `--runs N` repeats the bulk and handshake parts N times, each with fresh
 * worker processes, and reports every figure as the median over the runs (each run's figure being itself the
 * median of its rounds): `--runs 5` gives the medians over 5 runs that the targets are stated in.
 */

const SUITE = 'network'
/** 1 MiB messages per bulk round and case. */
const BULK_MESSAGES = 128
const BULK_ROUNDS = 11
const HANDSHAKE_ROUNDS = 7
const SEQUENTIAL_DIALS = 40
const CONCURRENT_DIALS = 64
const CONCURRENCY = 16
const MEMORY_CONNECTIONS = 1_000
/** Handshake sides of crypto timed per round for the crypto-only bound. */
const CRYPTO_SIDES = 200
/** Connections made before the first RSS reading, so code and caches are warm. */
const MEMORY_WARMUP = 50

const MB = 1e6

function option(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name)
  if (i === -1) return fallback
  const v = Number(args[i + 1])
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} takes a positive number`)
  return v
}

/**
 * V8's background sweeping of ArrayBuffers, when the machine is busy, falls behind the buffers node:crypto
 * and the sockets allocate (one per Noise message and per read): the freed memory still counts as external,
 * and V8 starts full garbage collections for it (about 26 per GB sent instead of 1-2). Sweeping them on the
 * main thread avoids that; the bulk cases run a second time with this node flag in every process.
 */
const SWEEP_FLAG = '--no-concurrent-array-buffer-sweeping'

/** Where the workers run, and which js-libp2p majors run there (2 always; 3 on Node >= 22). */
interface Setup {
  node: WorkerNode
  majors: readonly Major[]
}

/** The prefix of a js-libp2p major's cases in the workers (`libp2p.ts`, `worker.ts`). */
const prefixOf = (major: Major): string => (major === 2 ? 'libp2p' : `libp2p${major}`)
/** The js-libp2p cases of the bulk part of one major: one stream and whole messages, both directions. */
const libp2pKinds = (major: Major): string[] =>
  ['', '-msg', '-down', '-msg-down'].map((s) => `${prefixOf(major)}${s}`)
const libp2pStack = (major: Major): string => `js-libp2p ${major} tcp+noise+yamux`
const libp2pMessages = (major: Major): string =>
  `js-libp2p ${major}, whole 1 MiB messages (${major === 2 ? 'it-length-prefixed' : 'lpStream'})`

async function bulk(
  ctx: SuiteContext,
  rounds: number,
  setup: Setup,
  flags: readonly string[] = [],
): Promise<void> {
  const tuned = flags.length > 0
  const { sender, receiver } = await startPair('', flags, setup.node)
  const lib =
    setup.majors.length > 0 ? await startPair('libp2p ', flags, setup.node, LIBP2P_WORKER) : undefined
  /** The pair of processes that runs `kind`. */
  const pairOf = (kind: string): Pair => (kind.startsWith('libp2p') ? (lib as Pair) : { sender, receiver })
  try {
    await sender.call('raw:connect', { port: await receiver.call<number>('raw:listen') })
    // The plain cases count what arrives; the copy cases (`-copy`) copy every message into a reused
    // reassembly buffer, as a bulk consumer does (worker.ts).
    for (const consumer of ['', '-copy']) {
      const [channel, stack] = [`channel${consumer}`, `stack${consumer}`]
      await sender.call(`${channel}:connect`, { port: await receiver.call<number>(`${channel}:listen`) })
      await sender.call(`${stack}:connect`, { address: await receiver.call<string>(`${stack}:listen`) })
      // The download direction: the receiver dials the sender.
      await receiver.call(`${channel}-down:connect`, {
        port: await sender.call<number>(`${channel}-down:listen`),
      })
      await receiver.call(`${stack}-down:connect`, {
        address: await sender.call<string>(`${stack}-down:listen`),
      })
    }
    for (const major of setup.majors) {
      const p = prefixOf(major)
      const { sender: s, receiver: r } = lib as Pair
      const address = await r.call<string>(`${p}:listen`)
      await s.call(`${p}:connect`, { address })
      await s.call(`${p}-msg:connect`, { address })
      await r.call(`${p}-down:connect`, { address: await s.call<string>(`${p}-down:listen`) })
    }

    const bytes = BULK_MESSAGES * 1_048_576
    const kinds = [
      'raw',
      'channel',
      'stack',
      'channel-down',
      'stack-down',
      'channel-copy',
      'stack-copy',
      'channel-copy-down',
      'stack-copy-down',
      ...setup.majors.flatMap(libp2pKinds),
    ]
    const sent: Record<string, number> = Object.fromEntries(kinds.map((k) => [k, 0]))
    const r = new Rounds()
    const cpu = async (pair: Pair = { sender, receiver }): Promise<[number, number]> =>
      Promise.all([pair.sender.call<number>('cpu'), pair.receiver.call<number>('cpu')])
    /**
     * Bytes/s of one transfer: from the sender's first write to the receiver's last byte. Also records
     * `cpu:<kind>`, the bytes per CPU-second of the busier process: what the pair would move with a free
     * core each, whatever else runs on the machine.
     */
    const transfer =
      (kind: string, messages = BULK_MESSAGES) =>
      async (): Promise<number> => {
        sent[kind] = (sent[kind] as number) + messages * 1_048_576
        const pair = pairOf(kind)
        const g0 = await pair.receiver.call<Collections>('gc')
        const [s0, r0] = await cpu(pair)
        const done = pair.receiver.call<number>('wait', { kind, target: sent[kind] })
        const start = await pair.sender.call<number>(`${kind}:send`, { messages })
        const end = await done
        const [s1, r1] = await cpu(pair)
        const g1 = await pair.receiver.call<Collections>('gc')
        const n = messages * 1_048_576
        r.record(`cpu:${kind}`, n / (Math.max(s1 - s0, r1 - r0) / 1_000))
        r.record(`cores:${kind}`, (s1 - s0 + (r1 - r0)) / (end - start))
        r.record(`sender:${kind}`, n / ((s1 - s0) / 1_000))
        r.record(`receiver:${kind}`, n / ((r1 - r0) / 1_000))
        r.record(`majors:${kind}`, ((g1.major - g0.major) * 1e9) / n)
        r.record(`gc:${kind}`, (g1.majorMs + g1.minorMs - g0.majorMs - g0.minorMs) / (r1 - r0))
        return n / ((end - start) / 1_000)
      }
    const seal = async (): Promise<number> => {
      const [s0] = await cpu()
      const ms = await sender.call<number>('seal', { messages: BULK_MESSAGES })
      const [s1] = await cpu()
      r.record('cpu:seal', bytes / ((s1 - s0) / 1_000))
      return bytes / (ms / 1_000)
    }
    // Warm-up: JIT, socket buffers, js-libp2p's stream window.
    for (const kind of kinds) await transfer(kind, BULK_MESSAGES)()
    await seal()
    r.samples.clear()

    await Rounds.run({ seal, ...Object.fromEntries(kinds.map((k) => [k, transfer(k)])) }, rounds, r)
    // The cheapest encrypted pipeline these two processes could run: per byte, one ChaCha20-Poly1305 pass
    // plus what moving it through a raw socket costs the busier side (the receiver: reading is dearer
    // than writing on loopback). Opening costs what sealing does, so either end is bound by this.
    // `bound` uses sealing's throughput (wall clock: right on an idle machine), `cpu:bound` its bytes per
    // CPU-second (right on a busy one too): the per-CPU-second rows compare with the latter only.
    const seals = r.samples.get('seal') as number[]
    const cpuSeals = r.samples.get('cpu:seal') as number[]
    const raws = r.samples.get('cpu:raw') as number[]
    for (let i = 0; i < seals.length; i++) {
      r.record('bound', 1 / (1 / (seals[i] as number) + 1 / (raws[i] as number)))
      r.record('cpu:bound', 1 / (1 / (cpuSeals[i] as number) + 1 / (raws[i] as number)))
    }
    const row = (
      c: string,
      metric: string,
      candidate: string,
      baseline: string,
      label: string,
    ): BenchResult => ({
      suite: SUITE,
      case: c,
      metric,
      value: r.median(candidate) / MB,
      unit: 'MB/s',
      baseline: label,
      baselineValue: r.median(baseline) / MB,
      ratio: r.ratio(candidate, baseline),
    })
    const seal1 = 'node:crypto ChaCha20-Poly1305 seal, 1 core'
    const raw2 = 'raw TCP, 2 processes'
    const down = (kind: string): string => (kind.endsWith('-down') ? '-down' : '')
    const dials = (kind: string): string => (kind.endsWith('-down') ? ', receiver dials' : '')
    /** A js-libp2p major's case in the same direction as `kind`: one byte stream. */
    const streamBaseline = (kind: string, major: Major): [string, string] => [
      `${prefixOf(major)}${down(kind)}`,
      `${libp2pStack(major)}${dials(kind)}`,
    ]
    /** ... and whole messages. */
    const msgBaseline = (kind: string, major: Major): [string, string] => [
      `${prefixOf(major)}-msg${down(kind)}`,
      `${libp2pMessages(major)}${dials(kind)}`,
    ]
    const stacks = (kind: string): boolean => kind.startsWith('stack')
    /** Rows of `kind` against every js-libp2p major in the same direction: throughput and per CPU-second. */
    const againstLibp2p = (c: string, kind: string): void => {
      for (const major of setup.majors) {
        const baselines = [streamBaseline(kind, major)]
        if (stacks(kind)) baselines.push(msgBaseline(kind, major))
        for (const [b, label] of baselines) {
          ctx.report(row(c, 'throughput', kind, b, label))
          ctx.report(row(c, 'MB per CPU-second', `cpu:${kind}`, `cpu:${b}`, label))
        }
      }
    }
    if (tuned) {
      for (const kind of ['stack', 'channel', 'stack-down', 'channel-down'] as const) {
        const c = `bulk 1 MiB, ${kind}, node ${flags.join(' ')}`
        ctx.report(row(c, 'throughput', kind, 'seal', seal1))
        ctx.report(row(c, 'MB per CPU-second', `cpu:${kind}`, 'cpu:seal', seal1))
        againstLibp2p(c, kind)
      }
      return
    }
    // The targets of the issue, first: the channel against the per-byte bound (>= 0.9) and the whole stack
    // against the channel in the same direction (>= 0.85).
    for (const [kind, channel] of [
      ['channel', undefined],
      ['channel-down', undefined],
      ['stack', 'channel'],
      ['stack-down', 'channel-down'],
      ['stack-copy', 'channel-copy'],
      ['stack-copy-down', 'channel-copy-down'],
    ] as const) {
      const c = `bulk 1 MiB, ${kind}`
      if (channel === undefined) {
        ctx.report(row(c, 'throughput, target >= 0.9', kind, 'bound', 'seal + raw TCP per-byte CPU, 1 core'))
        ctx.report(
          row(
            c,
            'MB per CPU-second, target >= 0.9',
            `cpu:${kind}`,
            'cpu:bound',
            'the same bound, per CPU-second',
          ),
        )
      } else {
        const copies = kind.includes('-copy') ? ', each message copied into a reused buffer' : ''
        const label = `secure channel alone, ${kind.endsWith('-down') ? 'receiver dials' : 'sender dials'}${copies}`
        ctx.report(row(c, 'throughput, target >= 0.85', kind, channel, label))
        ctx.report(row(c, 'MB per CPU-second', `cpu:${kind}`, `cpu:${channel}`, label))
      }
    }
    for (const kind of ['stack', 'channel', 'stack-down', 'channel-down'] as const) {
      const c = `bulk 1 MiB, ${kind}`
      ctx.report(row(c, 'throughput', kind, 'seal', seal1))
      if (stacks(kind)) ctx.report(row(c, 'throughput', kind, 'bound', 'seal + raw TCP per-byte CPU, 1 core'))
      ctx.report(row(c, 'throughput', kind, 'raw', raw2))
      ctx.report(row(c, 'MB per CPU-second', `cpu:${kind}`, 'cpu:seal', seal1))
      ctx.report(
        row(c, 'MB per CPU-second', `cpu:${kind}`, 'cpu:bound', 'seal + raw TCP per-byte CPU, 1 core'),
      )
      againstLibp2p(c, kind)
    }
    // js-libp2p 3 against 2, the same workload and direction in the same run.
    if (setup.majors.includes(3)) {
      for (const kind of libp2pKinds(3)) {
        const workload = kind.includes('-msg') ? libp2pMessages(2) : libp2pStack(2)
        const [b, label] = [kind.replace(prefixOf(3), prefixOf(2)), `${workload}${dials(kind)}`]
        const c = `bulk 1 MiB, ${kind}`
        ctx.report(row(c, 'throughput', kind, b, label))
        ctx.report(row(c, 'MB per CPU-second', `cpu:${kind}`, `cpu:${b}`, label))
      }
    }
    // Diagnostics: how much CPU the pair got. A pair that wants two cores and gets one (other work on the
    // machine) moves half of what its MB per CPU-second allows.
    // Then each end's MB per CPU-second (which one bounds the pair), and the receiver's garbage
    // collections: major (mark-compact) collections per GB received and the share of its CPU spent paused
    // in collections of either kind.
    for (const kind of kinds) {
      const c = `bulk 1 MiB, ${kind}`
      ctx.report({
        suite: SUITE,
        case: c,
        metric: 'CPU used by sender + receiver',
        value: r.median(`cores:${kind}`),
        unit: 'cores',
      })
      ctx.report({
        suite: SUITE,
        case: c,
        metric: 'sender MB per CPU-second',
        value: r.median(`sender:${kind}`) / MB,
        unit: 'MB/s',
      })
      ctx.report({
        suite: SUITE,
        case: c,
        metric: 'receiver MB per CPU-second',
        value: r.median(`receiver:${kind}`) / MB,
        unit: 'MB/s',
      })
      ctx.report({
        suite: SUITE,
        case: c,
        metric: 'receiver major GCs per GB',
        value: r.median(`majors:${kind}`),
        unit: 'GCs',
      })
      ctx.report({
        suite: SUITE,
        case: c,
        metric: 'receiver CPU paused in GC',
        value: 100 * r.median(`gc:${kind}`),
        unit: '%',
      })
    }
  } finally {
    await Promise.all([sender.close(), receiver.close(), lib?.sender.close(), lib?.receiver.close()])
  }
}

/** A sender and a receiver worker (in the handshake part: the dialer and the listener). */
interface Pair {
  sender: Worker
  receiver: Worker
}

/** Starts a pair of workers running `file` (chainwire's worker by default); `name` prefixes their names. */
async function startPair(
  name: string,
  flags: readonly string[],
  node: WorkerNode,
  file?: string,
): Promise<Pair> {
  const receiver = await startWorker(`${name}receiver`, flags, node, file)
  const sender = await startWorker(`${name}sender`, flags, node, file)
  return { sender, receiver }
}

async function handshakes(ctx: SuiteContext, rounds: number, setup: Setup): Promise<void> {
  const listener = await startWorker('listener', [], setup.node)
  const dialer = await startWorker('dialer', [], setup.node)
  const lib = setup.majors.length > 0 ? await startPair('libp2p ', [], setup.node, LIBP2P_WORKER) : undefined
  /** The listener and the dialer of `kind`: js-libp2p's in a pair of their own. */
  const pairOf = (kind: string): { listener: Worker; dialer: Worker } =>
    kind.startsWith('libp2p')
      ? { listener: (lib as Pair).receiver, dialer: (lib as Pair).sender }
      : { listener, dialer }
  try {
    // One dialer node per dial of a batch: a node keeps one connection per peer, so a second dial by the same
    // node would find the first connection instead of making one.
    const dialers = Math.max(SEQUENTIAL_DIALS, CONCURRENT_DIALS)
    const addresses = new Map<string, string>()
    const kinds = ['stack', ...setup.majors.map(prefixOf)]
    for (const kind of kinds) {
      const pair = pairOf(kind)
      addresses.set(kind, await pair.listener.call<string>(`${kind}:listen`))
      await pair.dialer.call(`${kind}:dialers`, { count: dialers })
    }
    const r = new Rounds()
    const cpu = async (): Promise<[number, number]> =>
      Promise.all([dialer.call<number>('cpu'), listener.call<number>('cpu')])
    /**
     * Dials per second of one batch. For chainwire also records `cpu:<name>`: dials per CPU-second of the
     * busier process (connections closed after the reading), what the pair would do with a free core each.
     */
    const dials =
      (kind: string, count: number, concurrency: number, name?: string) => async (): Promise<number> => {
        const [d0, l0] = await cpu()
        const ms = await pairOf(kind).dialer.call<number>(`${kind}:handshakes`, {
          address: addresses.get(kind),
          count,
          concurrency,
        })
        if (kind === 'stack') {
          const [d1, l1] = await cpu()
          if (name !== undefined) r.record(`cpu:${name}`, count / (Math.max(d1 - d0, l1 - l0) / 1_000))
          await dialer.call('stack:hangup')
        }
        return count / (ms / 1_000)
      }
    /** Handshake sides per second of crypto alone, on the listener's core (and per CPU-second of it). */
    const crypto = async (): Promise<number> => {
      const c0 = await listener.call<number>('cpu')
      const ms = await listener.call<number>('handshake-crypto', { count: CRYPTO_SIDES })
      const c1 = await listener.call<number>('cpu')
      r.record('cpu:crypto', CRYPTO_SIDES / ((c1 - c0) / 1_000))
      return CRYPTO_SIDES / (ms / 1_000)
    }
    for (const kind of kinds) await dials(kind, CONCURRENCY, CONCURRENCY)()
    await crypto()
    r.samples.clear()
    await Rounds.run(
      {
        ...Object.fromEntries(
          kinds.flatMap((kind) => [
            [`${kind}Seq`, dials(kind, SEQUENTIAL_DIALS, 1, `${kind}Seq`)],
            [`${kind}Par`, dials(kind, CONCURRENT_DIALS, CONCURRENCY, `${kind}Par`)],
          ]),
        ),
        crypto,
      },
      rounds,
      r,
    )
    // The crypto-only bounds: one at a time, the two sides' crypto runs in series (XX alternates between
    // them), so a dial takes two sides' worth; many at a time, each process spends one side per handshake
    // on its own core, so the pair completes one handshake per side's worth.
    for (const sides of r.samples.get('crypto') as number[]) {
      r.record('boundSeq', sides / 2)
      r.record('boundPar', sides)
    }
    const identify = (major: Major): string => `js-libp2p ${major} connect + identify`
    const bound = 'crypto-only bound: X25519 keygen + 3 DH + Ed25519 sign + verify per side'
    for (const [c, a, mode, bb] of [
      ['handshake, sequential', 'stackSeq', 'Seq', 'boundSeq'],
      [`handshake, ${CONCURRENCY} concurrent`, 'stackPar', 'Par', 'boundPar'],
    ] as const) {
      const row = (
        baselineName: string,
        label: string,
        candidate: string = a,
        cc: string = c,
        metric = 'connect+Noise+hello',
      ): BenchResult => ({
        suite: SUITE,
        case: cc,
        metric,
        value: r.median(candidate),
        unit: 'dials/s',
        baseline: label,
        baselineValue: r.median(baselineName),
        ratio: r.ratio(candidate, baselineName),
      })
      for (const major of setup.majors) ctx.report(row(`${prefixOf(major)}${mode}`, identify(major)))
      ctx.report(row(bb, `${bound}${bb === 'boundSeq' ? ', both sides in series' : ', one side per core'}`))
      // Per CPU-second of the busier process against crypto sides per CPU-second: the same ratio without
      // the machine's other load (what is not crypto, in CPU terms).
      ctx.report({
        suite: SUITE,
        case: c,
        metric: 'connect+Noise+hello per CPU-second',
        value: r.median(`cpu:${a}`),
        unit: 'dials/s',
        baseline: `${bound}, per CPU-second`,
        baselineValue: r.median('cpu:crypto'),
        ratio: r.ratio(`cpu:${a}`, 'cpu:crypto'),
      })
      // js-libp2p 3 against 2, the same dials in the same run.
      if (setup.majors.includes(3)) {
        const v3 = `${prefixOf(3)}${mode}`
        ctx.report(row(`${prefixOf(2)}${mode}`, identify(2), v3, `${c}, js-libp2p 3`, 'connect+identify'))
      }
    }
  } finally {
    await Promise.all([dialer.close(), listener.close(), lib?.sender.close(), lib?.receiver.close()])
  }
}

interface Memory {
  rss: number
  heap: number
}

/** Memory per connection: the first `MEMORY_CONNECTIONS` on a warm listener, and as many more on top. */
interface PerConnection {
  first: Memory
  more: Memory
}

/**
 * RSS and JS heap per connection in a fresh listener process (after a full GC) as idle inbound connections
 * from a second process accumulate: `first` is the delta from a listener with `MEMORY_WARMUP` connections to
 * one with `MEMORY_CONNECTIONS` more, which includes V8 growing its heap spaces once; `more` is the delta of
 * the next `MEMORY_CONNECTIONS`, the marginal cost.
 */
async function memoryPerConnection(kind: 'stack' | 'raw', node: WorkerNode): Promise<PerConnection> {
  const listener = await startWorker(`${kind} listener`, [], node)
  const dialer = await startWorker(`${kind} dialer`, [], node)
  try {
    const target =
      kind === 'stack'
        ? { address: await listener.call<string>('stack:listen') }
        : { port: await listener.call<number>('raw:listen') }
    let open = 0
    const add = async (n: number): Promise<Memory> => {
      await dialer.call(`${kind}:hold`, { ...target, count: n })
      open += n
      for (let i = 0; ; i++) {
        if ((await listener.call<number>(`${kind}:peers`)) >= open) break
        if (i === 200) throw new Error(`${kind}: ${open} connections not established`)
        await new Promise((r) => setTimeout(r, 50))
      }
      return listener.call<Memory>('rss')
    }
    const per = (a: Memory, b: Memory): Memory => ({
      rss: (b.rss - a.rss) / MEMORY_CONNECTIONS,
      heap: (b.heap - a.heap) / MEMORY_CONNECTIONS,
    })
    const m0 = await add(MEMORY_WARMUP)
    const m1 = await add(MEMORY_CONNECTIONS)
    const m2 = await add(MEMORY_CONNECTIONS)
    return { first: per(m0, m1), more: per(m1, m2) }
  } finally {
    await Promise.all([dialer.close(), listener.close()])
  }
}

async function memory(ctx: SuiteContext, node: WorkerNode): Promise<void> {
  const stack = await memoryPerConnection('stack', node)
  const raw = await memoryPerConnection('raw', node)
  const kb = (n: number): number => n / 1024
  const report = (c: string, metric: string, a: number, b: number, baseline = 'raw TCP socket'): void =>
    ctx.report({
      suite: SUITE,
      case: c,
      metric,
      value: kb(a),
      unit: 'KB',
      baseline,
      baselineValue: kb(b),
      ratio: b / a,
    })
  const first = `memory, ${MEMORY_CONNECTIONS} idle inbound`
  const more = `memory, ${MEMORY_CONNECTIONS} more (marginal)`
  report(first, 'RSS per connection', stack.first.rss, raw.first.rss)
  report(first, 'RSS per connection vs 64 KB target', stack.first.rss, 64 * 1024, 'target')
  report(first, 'JS heap per connection', stack.first.heap, raw.first.heap)
  report(more, 'RSS per connection', stack.more.rss, raw.more.rss)
  report(more, 'JS heap per connection', stack.more.heap, raw.more.heap)
}

/**
 * The Node the figures of packages/network/README.md are stated for: the floor of the packages'
 * `engines.node`. Rows measured with workers on any other Node carry it in their case name (`, node 24`).
 */
const PROJECT_NODE = 20

/** `ctx`, with `, node <major>` appended to every case when the workers do not run on `PROJECT_NODE`. */
function tagged(ctx: SuiteContext, node: WorkerNode): SuiteContext {
  const major = Number(node.version.split('.')[0])
  if (major === PROJECT_NODE) return ctx
  return { args: ctx.args, report: (r) => ctx.report({ ...r, case: `${r.case}, node ${major}` }) }
}

const suite: Suite = {
  name: SUITE,
  description:
    'chainwire over TCP loopback between two processes: bulk throughput vs ChaCha20-Poly1305 sealing, raw TCP and js-libp2p; handshakes/s vs js-libp2p; RSS per idle connection vs raw sockets',
  async run(outer: SuiteContext): Promise<void> {
    const parts = outer.args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a))
    const all = parts.length === 0
    const runs = option(outer.args, '--runs', 1)
    // Every worker (both pairs) holds this live heap, read by `src/network/counters.ts` at start-up.
    const heapMb = outer.args.includes('--heap-mb') ? option(outer.args, '--heap-mb', 0) : 0
    process.env.BENCH_HEAP_MB = String(heapMb)
    if (heapMb > 0) console.error(`network: every worker holds a live heap of ${heapMb} MB of small objects`)
    const node = outer.args.includes('--node24') ? node24() : currentNode
    const majors: Major[] = [2]
    const unsupported = libp2pSupport(3, node.version)
    if (unsupported === undefined) majors.push(3)
    const setup: Setup = { node, majors }
    const ctx = tagged(outer, node)
    const libp2pParts = all || parts.some((p) => p === 'bulk' || p === 'bulk-gc' || p === 'handshake')
    console.error(`network: workers on Node ${node.version} (${node.path})`)
    if (unsupported !== undefined && libp2pParts) {
      console.error(
        `network: js-libp2p 3 rows skipped: ${unsupported}. \`pnpm bench network --node24\` runs them.`,
      )
    }
    if (all || parts.includes('bulk')) {
      await medianOfRuns(ctx, runs, (c) => bulk(c, option(ctx.args, '--rounds', BULK_ROUNDS), setup))
    }
    if (parts.includes('bulk-gc')) {
      await medianOfRuns(ctx, runs, (c) =>
        bulk(c, option(ctx.args, '--rounds', BULK_ROUNDS), setup, [SWEEP_FLAG]),
      )
    }
    if (all || parts.includes('handshake')) {
      await medianOfRuns(ctx, runs, (c) =>
        handshakes(c, option(ctx.args, '--rounds', HANDSHAKE_ROUNDS), setup),
      )
    }
    if (all || parts.includes('memory')) await memory(ctx, node)
  },
}

export default suite
