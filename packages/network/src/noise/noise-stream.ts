import { Duplex, finished } from 'node:stream'
import { ChainwireError, type Logger } from '@chainwire/interface'
import type { RawConnection, ReadSink } from '../transport/transport'
import { type CipherState, MAX_NOISE_MESSAGE, TAG_LENGTH } from './cipher-state'
import { NoiseError } from './errors'
import { type FrameDecoder, LENGTH_PREFIX } from './frame-decoder'
import { MessageReader } from './message-reader'
import { DEFAULT_REKEY_SCHEDULE, RekeyCounter, type RekeySchedule } from './rekey'
import type { BudgetWaiter, SendBudget } from './send-budget'

/** The most application bytes one Noise transport message carries (65535 minus the tag). */
export const MAX_PLAINTEXT = MAX_NOISE_MESSAGE - TAG_LENGTH

/** Plaintext encrypted per burst before checking the socket for backpressure. */
const WRITE_BATCH = 256 * 1024
/** Frames whose ciphertext is at most this big are written as one buffer (a copy is cheaper than 3 writes). */
const COALESCE_LIMIT = 16 * 1024
const EMPTY = Buffer.alloc(0)

/** What {@link NoiseStream} needs from a finished handshake. */
export interface NoiseStreamInit {
  /** The encrypted byte stream (a socket, or any Duplex). */
  readonly raw: Duplex
  readonly send: CipherState
  readonly receive: CipherState
  /** Bytes that arrived after the last handshake message, still to be decrypted. */
  readonly decoder: FrameDecoder
  readonly logger: Logger
  /** The transport connection `raw` belongs to, closed when this stream is destroyed. */
  readonly connection?: RawConnection
  /** When each direction rekeys; both ends must use the same. @default DEFAULT_REKEY_SCHEDULE */
  readonly rekey?: RekeySchedule
  /**
   * The plaintext this stream may seal per event-loop turn, shared with the node's other streams; once it is
   * spent, sealing goes on in a later turn. @default undefined (no limit)
   */
  readonly budget?: SendBudget
}

/**
 * The stream each raw stream feeds. Listeners are shared functions that look their stream up here instead of
 * closures per connection, which keeps an idle connection small.
 */
const owners = new WeakMap<Duplex, NoiseStream>()

/** Plaintext handed to the socket in order, in messages of at most {@link MAX_PLAINTEXT} bytes. */
interface Outgoing {
  readonly chunks: readonly Buffer[]
  index: number
  offset: number
}

/**
 * The plaintext side of a secure connection: a byte Duplex whose writes are split into Noise transport
 * messages (2-byte big-endian length prefix, at most 65535 bytes on the wire) and whose reads are the
 * decrypted messages. Standard stream backpressure applies both ways: `write()` returns false until 'drain'
 * (the socket is only fed 256 KB of ciphertext ahead of what it accepted), and a paused or full readable side
 * pauses the socket.
 *
 * Ciphertext is decrypted as it arrives (see {@link MessageReader}); a message's plaintext is pushed once its
 * tag verified. On a transport connection with {@link RawConnection.setReadSink} (dialed TCP), the stream
 * takes the socket's reads straight from the socket's reused read buffer.
 *
 * Any failure (bad tag, impossible frame, nonce exhaustion, the socket failing or closing mid-frame) destroys
 * the stream with a {@link NoiseError}, readable in 'error', in `stream.errored` and in 'close'. The stream
 * keeps its own 'error' listener, so an error nobody listens for never becomes an uncaught exception.
 */
export class NoiseStream extends Duplex implements ReadSink, BudgetWaiter {
  private readonly raw: Duplex
  private readonly sendCipher: CipherState
  private readonly sendRekey: RekeyCounter
  private readonly receiveRekey: RekeyCounter
  private readonly reader: MessageReader
  private readonly logger: Logger
  private readonly connection: RawConnection | undefined
  private readonly budget: SendBudget | undefined
  private rawPaused = false
  private rawEnded = false
  private readEnded = false
  /** Small writes waiting to be sealed together (at most one message's worth, until the turn's check phase). */
  private queue: Buffer[] = []
  private queued = 0
  private flushScheduled = false
  /** Plaintext being sealed and written; set while the socket is full. */
  private outgoing: Outgoing | undefined
  /** The callback of the last write, withheld while the socket is full (that is the backpressure). */
  private held: ((err?: Error | null) => void) | undefined
  /** The `_final` callback, waiting for everything queued to be written. */
  private ending: ((err?: Error | null) => void) | undefined

  constructor(init: NoiseStreamInit) {
    super({ allowHalfOpen: false, decodeStrings: true })
    this.raw = init.raw
    this.sendCipher = init.send
    const schedule = init.rekey ?? DEFAULT_REKEY_SCHEDULE
    this.sendRekey = new RekeyCounter(schedule)
    this.receiveRekey = new RekeyCounter(schedule)
    this.reader = new MessageReader(init.receive, this.receiveRekey)
    this.logger = init.logger
    this.connection = init.connection
    this.budget = init.budget
    this.on('error', NoiseStream.onOwnError)
    owners.set(this.raw, this)
    this.raw.on('data', NoiseStream.onRawData)
    this.raw.on('end', NoiseStream.onRawEnd)
    this.raw.on('error', NoiseStream.onRawError)
    this.raw.on('close', NoiseStream.onRawClose)
    this.raw.on('drain', NoiseStream.onRawDrain)
    // Bytes that came with the last handshake message, then (on dialed TCP) reads straight from the socket.
    // Anything still in the socket's readable buffer arrives through 'data' before any later read does.
    for (const chunk of init.decoder.drain()) this.receive(chunk)
    this.connection?.setReadSink?.(this)
  }

  /** How many times each direction replaced its key (see {@link RekeySchedule}). */
  get rekeys(): { readonly sent: number; readonly received: number } {
    return { sent: this.sendRekey.rekeys, received: this.receiveRekey.rekeys }
  }

  override _read(): void {
    if (!this.rawPaused) return
    this.rawPaused = false
    if (!this.rawEnded && !this.destroyed) this.raw.resume()
  }

  /**
   * Decrypts one read of the socket (all of it: `bytes` may be a view of a reused buffer) and pushes the
   * plaintext of the messages it completes. False when the readable side is full: the socket is paused
   * until it is read. Called by the transport connection ({@link ReadSink}) or for each 'data' chunk.
   */
  receive(bytes: Buffer): boolean {
    if (this.destroyed) return false
    const out: Buffer[] = []
    let failure: Error | undefined
    try {
      this.reader.read(bytes, out)
    } catch (err) {
      failure = wrapError(err)
    }
    let more = true
    for (let i = 0; i < out.length && !this.destroyed; i++) more = this.push(out[i])
    if (failure !== undefined) {
      this.destroy(failure)
      return false
    }
    if (!more && !this.rawPaused && !this.destroyed) {
      this.rawPaused = true
      this.raw.pause()
    }
    return !this.rawPaused && !this.destroyed
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.accept(chunk)
    this.held = callback
    this.pump(false)
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (err?: Error | null) => void,
  ): void {
    for (const c of chunks) this.accept(c.chunk)
    this.held = callback
    this.pump(false)
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.ending = callback
    this.pump(true)
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const raw = this.raw
    raw.off('data', NoiseStream.onRawData)
    raw.off('end', NoiseStream.onRawEnd)
    raw.off('close', NoiseStream.onRawClose)
    raw.off('drain', NoiseStream.onRawDrain)
    // The raw 'error' listener stays (it ignores errors once this stream is gone from `owners`): a late
    // socket error must not become an uncaught exception.
    owners.delete(raw)
    this.connection?.setReadSink?.(undefined)
    this.reader.clear()
    this.queue = []
    this.queued = 0
    this.outgoing = undefined
    if (!raw.destroyed) raw.destroy()
    try {
      this.connection?.close(err ?? undefined)
    } catch {
      // A transport's close must not throw; the socket is destroyed above either way.
    }
    const reason = err ?? closedError('the stream was destroyed')
    const held = this.held
    const ending = this.ending
    this.held = undefined
    this.ending = undefined
    held?.(reason)
    ending?.(reason)
    callback(err)
  }

  private accept(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.queue.push(chunk)
    this.queued += chunk.length
  }

  /**
   * Moves queued plaintext to the socket as far as its backpressure (and the send budget) allows. Less than one
   * message's worth is kept until the check phase of this event-loop turn (`setImmediate`, or `force`), so the
   * small writes of a turn (a burst of announcements, or a node relaying many messages read from many
   * sockets) leave as one Noise message and one socket write instead of one each; on an in-process
   * connection ({@link RawConnection.inProcess}) until the next tick. The held write callback is released
   * only when the socket is not full.
   */
  private pump(force: boolean): void {
    if (this.destroyed) return
    try {
      for (;;) {
        if (this.outgoing !== undefined && !this.sendOutgoing(this.outgoing)) return
        if (this.queued === 0) break
        if (!force && this.ending === undefined && this.queued < MAX_PLAINTEXT) break
        this.outgoing = { chunks: this.queue, index: 0, offset: 0 }
        this.queue = []
        this.queued = 0
      }
    } catch (err) {
      this.destroy(wrapError(err))
      return
    }
    if (this.queued > 0 && !this.flushScheduled) {
      this.flushScheduled = true
      // in process (the memory transport) a write costs no system call: the next tick, which keeps the
      // timing that simulators driving the memory transport settle on
      if (this.connection?.inProcess === true) process.nextTick(NoiseStream.onTick, this)
      else setImmediate(NoiseStream.onTick, this)
    }
    const held = this.held
    this.held = undefined
    held?.()
    if (this.ending !== undefined && this.queued === 0 && this.outgoing === undefined) {
      const ending = this.ending
      this.ending = undefined
      this.endRaw(ending)
    }
  }

  /**
   * Seals and writes `w` in bursts while the socket has room and the send budget lasts. True once all of it
   * is handed over and the socket is below its high-water mark; false to wait for 'drain' or for the budget
   * (see {@link resumeSealing}).
   */
  private sendOutgoing(w: Outgoing): boolean {
    const raw = this.raw
    const budget = this.budget
    if (raw.destroyed || raw.writableEnded) throw closedError('the connection is closed')
    while (!raw.writableNeedDrain) {
      if (w.index >= w.chunks.length) {
        this.outgoing = undefined
        return true
      }
      if (budget !== undefined && !budget.availableTo(this)) {
        budget.wait(this)
        return false
      }
      raw.cork()
      try {
        let burst = 0
        while (burst < WRITE_BATCH && w.index < w.chunks.length) {
          const n = this.writeFrame(w)
          burst += n
          if (budget !== undefined) {
            budget.spend(n, this)
            if (!budget.availableTo(this)) break
          }
        }
      } finally {
        raw.uncork()
      }
    }
    return false
  }

  /** The send budget has room again (a later turn): sealing goes on where it stopped. */
  resumeSealing(): void {
    this.pump(false)
  }

  private endRaw(callback: (err?: Error | null) => void): void {
    const raw = this.raw
    if (raw.destroyed) {
      callback(closedError('the connection closed before the stream ended'))
      return
    }
    if (!raw.writableEnded) raw.end()
    finished(raw, { readable: false }, (err) => {
      callback(err ? wrapError(err) : null)
    })
  }

  /** Gathers up to one message of plaintext from the pending chunks, seals it and writes it; returns its size. */
  private writeFrame(w: Outgoing): number {
    const parts: Buffer[] = []
    let length = 0
    while (length < MAX_PLAINTEXT && w.index < w.chunks.length) {
      const chunk = w.chunks[w.index] as Buffer
      const n = Math.min(chunk.length - w.offset, MAX_PLAINTEXT - length)
      if (n > 0) {
        parts.push(w.offset === 0 && n === chunk.length ? chunk : chunk.subarray(w.offset, w.offset + n))
        length += n
      }
      w.offset += n
      if (w.offset >= chunk.length) {
        w.index++
        w.offset = 0
      }
    }
    if (length === 0) return 0
    const sealed: Buffer[] = []
    this.sendCipher.encryptParts(EMPTY, parts.length > 2 ? [Buffer.concat(parts, length)] : parts, sealed)
    if (this.sendRekey.count(length)) this.sendCipher.rekey()
    const wire = length + TAG_LENGTH
    const raw = this.raw
    if (wire <= COALESCE_LIMIT) {
      const frame = Buffer.allocUnsafe(LENGTH_PREFIX + wire)
      frame.writeUInt16BE(wire, 0)
      let at = LENGTH_PREFIX
      for (const s of sealed) {
        frame.set(s, at)
        at += s.length
      }
      raw.write(frame)
    } else {
      const prefix = Buffer.allocUnsafe(LENGTH_PREFIX)
      prefix.writeUInt16BE(wire, 0)
      raw.write(prefix)
      for (const s of sealed) raw.write(s)
    }
    return length
  }

  /** The socket ended: the stream ends too, unless it stopped in the middle of a message. */
  private rawEnd(): void {
    this.rawEnded = true
    if (this.readEnded || this.destroyed) return
    if (this.reader.inMessage) {
      this.destroy(closedError('the connection ended in the middle of a Noise message'))
    } else {
      this.readEnded = true
      this.push(null)
    }
  }

  private static onRawData(this: Duplex, chunk: Buffer): void {
    owners.get(this)?.receive(chunk)
  }

  private static onRawEnd(this: Duplex): void {
    owners.get(this)?.rawEnd()
  }

  private static onRawError(this: Duplex, err: Error): void {
    const stream = owners.get(this)
    if (stream !== undefined && !stream.destroyed) stream.destroy(wrapError(err))
  }

  private static onRawClose(this: Duplex): void {
    const stream = owners.get(this)
    // After a clean end the buffered plaintext is still delivered; without one the stream is cut short. So is
    // a stream with writes still waiting for the socket: no 'drain' will ever come to release them.
    if (stream !== undefined && !stream.destroyed && (!stream.rawEnded || stream.writing())) {
      stream.destroy(closedError('the connection closed'))
    }
  }

  /** Whether plaintext or a write callback is still waiting to be handed to the socket. */
  private writing(): boolean {
    return (
      this.outgoing !== undefined || this.queued > 0 || this.held !== undefined || this.ending !== undefined
    )
  }

  private static onRawDrain(this: Duplex): void {
    owners.get(this)?.pump(false)
  }

  private static onTick(stream: NoiseStream): void {
    stream.flushScheduled = false
    stream.pump(true)
  }

  private static onOwnError(this: NoiseStream, err: Error): void {
    this.logger.debug({ err }, 'secure connection failed')
  }
}

function closedError(message: string): NoiseError {
  return new NoiseError('ERR_CONNECTION_CLOSED', message)
}

/** Keeps chainwire errors as they are and wraps anything else (socket errors) as `ERR_CONNECTION_CLOSED`. */
export function wrapError(err: unknown): Error {
  if (ChainwireError.isInstance(err)) return err
  return new NoiseError(
    'ERR_CONNECTION_CLOSED',
    'the connection failed',
    { errno: (err as NodeJS.ErrnoException | undefined)?.code },
    { cause: err },
  )
}
