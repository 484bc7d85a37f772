import { Duplex } from 'node:stream'
import { TransportError } from './errors'
import type {
  MemoryConnection,
  MemoryEndpoint,
  MemoryLink,
  MemoryPacketType,
  MemoryScheduler,
  MemoryTransmission,
} from './memory-types'

const PENDING = 0
const READY = 1
const DROPPED = 2
type State = typeof PENDING | typeof READY | typeof DROPPED

const EMPTY = new Uint8Array(0)

/** One packet on a {@link Link}: what the scheduler settles with `deliver()` or `drop()`. */
class Transmission implements MemoryTransmission {
  state: State = PENDING
  readonly link: Link
  readonly type: MemoryPacketType
  readonly bytes: Uint8Array
  readonly seq: number

  constructor(link: Link, type: MemoryPacketType, bytes: Uint8Array, seq: number) {
    this.link = link
    this.type = type
    this.bytes = bytes
    this.seq = seq
  }

  get byteLength(): number {
    return this.bytes.byteLength
  }

  deliver(): void {
    this.link.settle(this, READY)
  }

  drop(): void {
    this.link.settle(this, DROPPED)
  }
}

function flushLink(link: Link): void {
  link.flush()
}

/**
 * One direction of a memory connection. Written chunks become {@link Transmission}s in write order; the
 * scheduler (or, without one, the link itself) settles each; settled packets reach the reader strictly in
 * order on the next `process.nextTick`. The writer's callback is held while the bytes in flight plus the
 * reader's buffered bytes reach the reader's high-water mark: that window is the link's backpressure.
 */
export class Link implements MemoryLink {
  readonly connection: MemoryPair
  readonly from: MemoryEndpoint
  readonly to: MemoryEndpoint
  private readonly reader: MemoryStream
  private readonly scheduler: MemoryScheduler | undefined
  private readonly queue: (Transmission | undefined)[] = []
  private head = 0
  private seq = 0
  private inFlight = 0
  private pendingWrite: (() => void) | undefined
  private flushQueued = false
  private readerGone = false

  constructor(
    connection: MemoryPair,
    from: MemoryEndpoint,
    to: MemoryEndpoint,
    reader: MemoryStream,
    scheduler: MemoryScheduler | undefined,
  ) {
    this.connection = connection
    this.from = from
    this.to = to
    this.reader = reader
    this.scheduler = scheduler
  }

  /** Bytes written into this direction and not yet handed to (or dropped before) the reader. */
  get bytesInFlight(): number {
    return this.inFlight
  }

  /** Sends a data packet; `callback` runs once the window has room (at once when it already has). */
  write(bytes: Uint8Array, callback: () => void): void {
    this.send('data', bytes)
    if (this.hasRoom()) callback()
    else this.pendingWrite = callback
  }

  /** Sends the writer's end of stream (FIN) behind the data already written. */
  end(): void {
    this.send('end', EMPTY)
  }

  /** The reader's stream was destroyed: later packets are discarded and the writer is never held again. */
  readerClosed(): void {
    this.readerGone = true
    this.release()
  }

  /** The writer's stream was destroyed: its held write, if any, is forgotten. */
  writerClosed(): void {
    this.pendingWrite = undefined
  }

  /**
   * The reader asked for more (`_read`): release a held write. Node calls `_read` before taking the bytes
   * it is about to consume out of the buffer, so `readableLength` still counts them here; the held write
   * is at most one chunk, and the next write is checked against the window again.
   */
  readerWantsMore(): void {
    const callback = this.pendingWrite
    if (callback === undefined) return
    this.pendingWrite = undefined
    callback()
  }

  /** Releases a held write when the window has room again (after a packet left or the reader closed). */
  release(): void {
    if (this.pendingWrite !== undefined && this.hasRoom()) {
      const callback = this.pendingWrite
      this.pendingWrite = undefined
      callback()
    }
  }

  settle(t: Transmission, state: State): void {
    if (t.state !== PENDING || t.link !== this) return
    t.state = state
    this.queueFlush()
  }

  flush(): void {
    this.flushQueued = false
    const q = this.queue
    while (this.head < q.length) {
      const t = q[this.head] as Transmission
      if (t.state === PENDING) break
      q[this.head++] = undefined
      this.inFlight -= t.byteLength
      if (t.state !== READY || this.readerGone || this.reader.destroyed) continue
      if (t.type === 'data') this.reader.push(t.bytes)
      else this.reader.push(null)
    }
    if (this.head === q.length) {
      q.length = 0
      this.head = 0
    } else if (this.head >= 1024) {
      q.splice(0, this.head)
      this.head = 0
    }
    this.release()
  }

  private send(type: MemoryPacketType, bytes: Uint8Array): void {
    const t = new Transmission(this, type, bytes, this.seq++)
    this.queue.push(t)
    this.inFlight += bytes.byteLength
    if (this.scheduler === undefined) {
      t.state = READY
      this.queueFlush()
      return
    }
    try {
      this.scheduler.transmit(t)
    } catch (err) {
      this.connection.reset(
        new TransportError('ERR_CONNECTION_RESET', 'the memory scheduler threw', {}, { cause: err }),
      )
    }
  }

  private hasRoom(): boolean {
    return this.readerGone || this.inFlight + this.reader.readableLength < this.reader.readableHighWaterMark
  }

  private queueFlush(): void {
    if (this.flushQueued) return
    this.flushQueued = true
    process.nextTick(flushLink, this)
  }
}

/**
 * One end of a memory connection: a Duplex whose writes travel over its outgoing {@link Link} and whose
 * readable side is fed by the incoming one. Like a TCP socket it is not half-open (`allowHalfOpen: false`):
 * after the remote's end of stream is read, it ends its own side. `destroy()` sends an end of stream too
 * (as closing a socket sends FIN) and discards whatever arrives afterwards.
 */
export class MemoryStream extends Duplex {
  private readonly pair: MemoryPair
  private outgoing!: Link
  private incoming!: Link
  private endSent = false

  constructor(pair: MemoryPair, highWaterMark: number) {
    super({ highWaterMark, allowHalfOpen: false })
    this.pair = pair
  }

  /** Wires the two directions; called once by {@link MemoryPair}. */
  attach(outgoing: Link, incoming: Link): void {
    this.outgoing = outgoing
    this.incoming = incoming
  }

  override _read(): void {
    this.incoming.readerWantsMore()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.outgoing.write(chunk, callback)
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.sendEnd()
    callback()
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.sendEnd()
    this.outgoing.writerClosed()
    this.incoming.readerClosed()
    this.pair.sideClosed()
    callback(err)
  }

  private sendEnd(): void {
    if (this.endSent) return
    this.endSent = true
    this.outgoing.end()
  }
}

/** The network's handle on one memory connection: its two streams and two links. */
export class MemoryPair implements MemoryConnection {
  readonly id: number
  readonly dialer: MemoryEndpoint
  readonly listener: MemoryEndpoint
  readonly name: string
  /** The dialer's end. */
  readonly dialerStream: MemoryStream
  /** The listener's end. */
  readonly listenerStream: MemoryStream
  /** Dialer to listener. */
  readonly outbound: Link
  /** Listener to dialer. */
  readonly inbound: Link
  private openSides = 2
  private readonly onClosed: (pair: MemoryPair) => void

  constructor(init: {
    id: number
    dialer: MemoryEndpoint
    listener: MemoryEndpoint
    name: string
    dialerHighWaterMark: number
    listenerHighWaterMark: number
    scheduler: MemoryScheduler | undefined
    onClosed: (pair: MemoryPair) => void
  }) {
    this.id = init.id
    this.dialer = init.dialer
    this.listener = init.listener
    this.name = init.name
    this.onClosed = init.onClosed
    this.dialerStream = new MemoryStream(this, init.dialerHighWaterMark)
    this.listenerStream = new MemoryStream(this, init.listenerHighWaterMark)
    this.outbound = new Link(this, init.dialer, init.listener, this.listenerStream, init.scheduler)
    this.inbound = new Link(this, init.listener, init.dialer, this.dialerStream, init.scheduler)
    this.dialerStream.attach(this.outbound, this.inbound)
    this.listenerStream.attach(this.inbound, this.outbound)
  }

  get closed(): boolean {
    return this.openSides === 0
  }

  reset(error?: Error): void {
    const err = error ?? new TransportError('ERR_CONNECTION_RESET', 'the memory network reset the connection')
    this.dialerStream.destroy(err)
    this.listenerStream.destroy(err)
  }

  /**
   * Destroys both ends of a pair that was never handed to anyone, without an error: nobody listens on its
   * streams yet, so an error event would surface as an uncaught exception.
   */
  discard(): void {
    this.dialerStream.destroy()
    this.listenerStream.destroy()
  }

  /** Called by each stream once, when it is destroyed. */
  sideClosed(): void {
    this.openSides--
    if (this.openSides === 0) this.onClosed(this)
  }
}
