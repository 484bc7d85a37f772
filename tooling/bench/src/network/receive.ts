/*
 * The receiving end of the bulk case alone, in one process and on one core, without sockets or a second
 * process: what the stack's receive path adds to the secure channel's, per CPU-second of this process.
 *
 *   node --expose-gc --import tsx --conditions=@chainwire/source tooling/bench/src/network/receive.ts \
 *     [messages] [rounds]
 *
 * Each round runs a real Noise XX handshake (`secureOutbound` / `secureInbound`) over an in-memory pair of
 * streams, seals `messages` (64) 1 MiB `chunk` frames (`encodeFrameParts`, as `send()` queues them) on the
 * initiator's side, keeps the wire bytes in 64 KiB pieces (what an accepted socket reads), and then times
 * only the responder's CPU while it reads them, several ways:
 *
 * - channel: the secure channel's plaintext, counted as it arrives (the bench's "channel" receiver);
 * - channel-copy: the same, each piece copied into a reused buffer of a frame's size (the bench's
 *   "channel-copy" receiver: a bulk consumer that wants each message contiguous);
 * - pieces: the same plaintext through protocol-codec's `FrameDecoder.pushFrames` and `decode`, counted by
 *   `chunkByteLength` (the stack's receive path after Noise: a large chunk is decoded from the decrypted
 *   pieces, not joined);
 * - pieces-copy: "pieces", each chunk copied into a reused buffer with `copyChunkBytes` (the bench's
 *   "stack-copy" receiver, what `ChunkReassembler` does);
 * - stack: the same plaintext through `FrameDecoder.push` and `decode` (the receive path before chunks were
 *   decoded from pieces: reassembly into one `Uint8Array` per message, then decoding);
 * - warm: the same reassembly into one reused buffer instead of a fresh one per message, then `decode`:
 *   not something a node can do (a message's bytes belong to its handlers), but the difference to "stack"
 *   is what a fresh 1 MiB buffer per message costs beyond the copy itself;
 * - alloc: "warm", plus a fresh 1 MiB buffer per message that nothing ever writes (`Buffer.allocUnsafeSlow`):
 *   what allocating the message's buffer costs alone (V8 counts every ArrayBuffer's bytes as external memory
 *   and collects garbage for it), without the copy into cold memory.
 *
 * `BENCH_HEAP_MB=N` gives the process a live heap of N MB of small objects first (see `counters.ts`), as
 * `--heap-mb N` does for the bulk bench's workers.
 *
 * Prints the median MiB per CPU-second of each and the ratios to "channel"; the modes alternate within each
 * round, so they share the machine's load.
 */
import { randomBytes } from 'node:crypto'
import { Duplex } from 'node:stream'
import { systemClock } from '@chainwire/interface'
import { createIdentity, type SecureConnection, secureInbound, secureOutbound } from '@chainwire/network'
import {
  chunkByteLength,
  copyChunkBytes,
  decode,
  encodeFrameParts,
  FrameDecoder,
  type MessageOf,
  partsLength,
} from '@chainwire/protocol-codec'
import { heapBallast } from './counters'
import { chunkMessage } from './limits'

const MIB = 1_048_576
/** Bytes per read handed to the receiver: what Node reads at a time from an accepted socket. */
const READ_BYTES = 64 * 1024
const NETWORK_ID = 'chainwire-bench'

const messages = Number(process.argv[2] ?? 64)
const rounds = Number(process.argv[3] ?? 7)
const payload = randomBytes(MIB)

/**
 * Two connected in-memory streams. Writes to one arrive at the other; `capture` diverts everything `a`
 * writes from then on into a list instead (the wire the receiver reads later).
 */
function streamPair(): { a: Duplex; b: Duplex; capture: () => Buffer[] } {
  let captured: Buffer[] | undefined
  let b: Duplex | undefined
  const a = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      if (captured !== undefined) captured.push(chunk)
      else b?.push(chunk)
      callback()
    },
  })
  b = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      a.push(chunk)
      callback()
    },
  })
  return {
    a,
    b,
    capture: () => {
      captured = []
      return captured
    },
  }
}

/** A fresh channel, `messages` sealed chunk frames on its wire, cut into reads: the receiver and its input. */
async function prepare(): Promise<{
  receiver: SecureConnection
  raw: Duplex
  reads: Buffer[]
  frameBytes: number
}> {
  const { a, b, capture } = streamPair()
  const options = { networkId: NETWORK_ID, clock: systemClock }
  const [sender, receiver] = await Promise.all([
    secureOutbound(a, { ...options, identity: createIdentity() }),
    secureInbound(b, { ...options, identity: createIdentity() }),
  ])
  const wire = capture()
  let frameBytes = 0
  for (let i = 0; i < messages; i++) {
    const parts = encodeFrameParts(chunkMessage(i, payload))
    const size = partsLength(parts)
    if (i > 0 && size !== frameBytes) throw new Error('every frame must have the same size')
    frameBytes = size
    for (const part of parts) sender.stream.write(part)
  }
  await new Promise<void>((resolve) => sender.stream.end(resolve))
  const all = Buffer.concat(wire)
  const reads: Buffer[] = []
  for (let at = 0; at < all.length; at += READ_BYTES) {
    reads.push(Buffer.from(all.subarray(at, Math.min(at + READ_BYTES, all.length))))
  }
  return { receiver, raw: b, reads, frameBytes }
}

type Mode = 'channel' | 'channel-copy' | 'pieces' | 'pieces-copy' | 'stack' | 'warm' | 'alloc'
/** Minor page faults while reading, per mode (fresh memory the kernel maps in on first touch). */
const faultCount = new Map<Mode, number>()

/** CPU ms this process spends reading `reads` through `mode`'s path; checks every byte arrived. */
async function measure(mode: Mode): Promise<{ ms: number; bytes: number }> {
  const { receiver, raw, reads, frameBytes } = await prepare()
  const bytes = frameBytes * messages
  let received = 0
  const frames = new FrameDecoder()
  // One reused buffer for every frame (all the same size): copy each piece in, decode when a frame is in.
  const warm = new Uint8Array(frameBytes)
  let fill = 0
  const onWarm = (piece: Buffer): void => {
    let at = 0
    while (at < piece.length) {
      const take = Math.min(warm.length - fill, piece.length - at)
      warm.set(piece.subarray(at, at + take), fill)
      fill += take
      at += take
      if (fill === warm.length) {
        if (mode === 'alloc') Buffer.allocUnsafeSlow(frameBytes)
        received += (decode(warm.subarray(4)) as MessageOf<'chunk'>).data.bytes.length + (frameBytes - MIB)
        fill = 0
      }
    }
  }
  // The copy modes' reused buffer: a frame's bytes (channel-copy: in stream order, wrapping around).
  const sink = new Uint8Array(frameBytes)
  let sinkFill = 0
  receiver.stream.on('data', (piece: Buffer) => {
    if (mode === 'channel') received += piece.length
    else if (mode === 'channel-copy') {
      let at = 0
      while (at < piece.length) {
        const take = Math.min(sink.length - sinkFill, piece.length - at)
        sink.set(take === piece.length ? piece : piece.subarray(at, at + take), sinkFill)
        sinkFill = (sinkFill + take) % sink.length
        at += take
      }
      received += piece.length
    } else if (mode === 'pieces' || mode === 'pieces-copy') {
      for (const frame of frames.pushFrames(piece)) {
        const data = (decode(frame) as MessageOf<'chunk'>).data
        if (mode === 'pieces-copy') copyChunkBytes(data, sink)
        received += chunkByteLength(data) + (frameBytes - MIB)
      }
    } else if (mode === 'warm' || mode === 'alloc') onWarm(piece)
    else {
      for (const frame of frames.push(piece)) {
        received += (decode(frame) as MessageOf<'chunk'>).data.bytes.length + (frameBytes - MIB)
      }
    }
  })
  await new Promise((resolve) => setImmediate(resolve))
  // Each mode starts from a collected heap: no garbage of the previous one (or of sealing) is charged to it.
  ;(globalThis as { gc?: () => void }).gc?.()
  const faults = process.resourceUsage().minorPageFault
  const start = process.cpuUsage()
  for (const read of reads) raw.push(read)
  const used = process.cpuUsage(start)
  faultCount.set(mode, (faultCount.get(mode) ?? 0) + process.resourceUsage().minorPageFault - faults)
  receiver.close()
  if (received !== bytes) throw new Error(`${mode}: received ${received} of ${bytes} bytes`)
  return { ms: (used.user + used.system) / 1_000, bytes }
}

const modes: Mode[] = ['channel', 'channel-copy', 'pieces', 'pieces-copy', 'stack', 'warm', 'alloc']
const rates = new Map<Mode, number[]>(modes.map((m) => [m, []]))
for (const mode of modes) await measure(mode)
faultCount.clear()
for (let r = 0; r < rounds; r++) {
  for (const mode of modes) {
    const { ms, bytes } = await measure(mode)
    ;(rates.get(mode) as number[]).push(bytes / MIB / (ms / 1_000))
  }
}
if (heapBallast() > 0) console.log(`live heap ballast: ${heapBallast()} objects`)
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1] as number
const channel = median(rates.get('channel') as number[])
for (const mode of modes) {
  const xs = rates.get(mode) as number[]
  console.log(
    `${mode}: median ${median(xs).toFixed(0)} MiB per CPU-second (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}), ${(median(xs) / channel).toFixed(2)} of channel, ${((faultCount.get(mode) ?? 0) / (rounds * messages)).toFixed(0)} page faults per MiB`,
  )
}
