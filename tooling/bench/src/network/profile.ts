/*
 * The bulk "stack" case (or another: raw, channel) alone, for profiling each worker:
 *
 *   BENCH_WORKER_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof/{name}' \
 *     npx tsx --conditions=@chainwire/source tooling/bench/src/network/profile.ts [messages] [kind] [rounds]
 *
 * starts a receiver and a sender worker, sends a warm-up round and then `rounds` (7) rounds of `messages`
 * (128) 1 MiB messages of `kind` (stack; also channel, raw, and stack-down / channel-down: the receiver
 * dials), prints the median MB per CPU-second of the busier process, and
 * exits, so each worker writes its .cpuprofile (one per thread: the largest is the main thread). Each round
 * also prints the receiver's garbage collections (major and minor, and their pauses as a share of its CPU);
 * `BENCH_HEAP_MB=N` gives both workers a live heap of N MB first (see `counters.ts`).
 *
 * With kind `handshake`, the first argument is the number of dials per round instead (16 at a time, each by
 * its own dialer node), and it prints the dials per second of each round and their median: the handshake
 * path of chainwire alone (TCP connect + Noise + hello), for profiling the listener and the dialer.
 */

import { startWorker } from './child'
import type { Collections } from './counters'

const messages = Number(process.argv[2] ?? 128)
const kind = process.argv[3] ?? 'stack'
const rounds = Number(process.argv[4] ?? 7)
if (kind === 'handshake') {
  await profileHandshakes(messages, rounds)
  process.exit(0)
}
const receiver = await startWorker('receiver')
const sender = await startWorker('sender')
try {
  if (kind === 'stack-down') {
    await receiver.call('stack-down:connect', { address: await sender.call<string>('stack-down:listen') })
  } else if (kind === 'channel-down') {
    await receiver.call('channel-down:connect', { port: await sender.call<number>('channel-down:listen') })
  } else if (kind === 'stack') {
    await sender.call('stack:connect', { address: await receiver.call<string>('stack:listen') })
  } else {
    await sender.call(`${kind}:connect`, { port: await receiver.call<number>(`${kind}:listen`) })
  }
  let sent = 0
  const rates: number[] = []
  for (let round = 0; round <= rounds; round++) {
    sent += messages * 1_048_576
    const done = receiver.call<number>('wait', { kind, target: sent })
    const [s0, r0] = [await sender.call<number>('cpu'), await receiver.call<number>('cpu')]
    const [sf0, rf0] = [await sender.call<number>('faults'), await receiver.call<number>('faults')]
    const g0 = await receiver.call<Collections>('gc')
    const start = await sender.call<number>(`${kind}:send`, { messages })
    const end = await done
    const [s1, r1] = [await sender.call<number>('cpu'), await receiver.call<number>('cpu')]
    const [sf1, rf1] = [await sender.call<number>('faults'), await receiver.call<number>('faults')]
    const g1 = await receiver.call<Collections>('gc')
    const gcMs = g1.majorMs + g1.minorMs - g0.majorMs - g0.minorMs
    const mb = (messages * 1_048_576) / 1e6
    // round 0 warms up
    if (round > 0) rates.push(mb / (Math.max(s1 - s0, r1 - r0) / 1e3))
    console.log(
      `${kind}: ${(mb / ((end - start) / 1e3)).toFixed(0)} MB/s, sender ${(mb / ((s1 - s0) / 1e3)).toFixed(0)} MB/cpu-s, receiver ${(mb / ((r1 - r0) / 1e3)).toFixed(0)} MB/cpu-s; page faults per MiB: sender ${((sf1 - sf0) / messages).toFixed(0)}, receiver ${((rf1 - rf0) / messages).toFixed(0)}; receiver GC: ${g1.major - g0.major} major, ${g1.minor - g0.minor} minor, ${gcMs.toFixed(0)} ms paused (${((100 * gcMs) / (r1 - r0)).toFixed(0)}% of its CPU)`,
    )
  }
  rates.sort((a, b) => a - b)
  console.log(
    `${kind}: median ${rates[rates.length >> 1]?.toFixed(0)} MB per CPU-second of the busier process`,
  )
} finally {
  await sender.close()
  await receiver.close()
}

async function profileHandshakes(count: number, rounds: number): Promise<void> {
  const listener = await startWorker('listener')
  const dialer = await startWorker('dialer')
  try {
    const address = await listener.call<string>('stack:listen')
    await dialer.call('stack:dialers', { count })
    const rates: number[] = []
    for (let round = 0; round <= rounds; round++) {
      const [d0, l0] = [await dialer.call<number>('cpu'), await listener.call<number>('cpu')]
      const ms = await dialer.call<number>('stack:handshakes', { address, count, concurrency: 16 })
      const [d1, l1] = [await dialer.call<number>('cpu'), await listener.call<number>('cpu')]
      await dialer.call('stack:hangup')
      const rate = count / (ms / 1_000)
      if (round > 0) rates.push(rate)
      const c0 = await listener.call<number>('cpu')
      const cryptoMs = await listener.call<number>('handshake-crypto', { count })
      const c1 = await listener.call<number>('cpu')
      console.log(
        `handshake: ${rate.toFixed(0)} dials/s; CPU ms per dial: dialer ${((d1 - d0) / count).toFixed(2)}, listener ${((l1 - l0) / count).toFixed(2)}; crypto per side ${((c1 - c0) / count).toFixed(2)} (${(cryptoMs / count).toFixed(2)} wall)`,
      )
    }
    rates.sort((a, b) => a - b)
    console.log(`handshake: median ${rates[rates.length >> 1]?.toFixed(0)} dials/s, 16 concurrent`)
  } finally {
    await dialer.close()
    await listener.close()
  }
}
