import type { Duplex } from 'node:stream'
import type { Clock, Logger, PeerId, TimerHandle } from '@chainwire/interface'
import {
  CATALOG,
  CodecError,
  type DisconnectReason,
  decode,
  encodeFrame,
  encodeFrameParts,
  FrameDecoder,
  type FramePieces,
  type HelloData,
  type Message,
  type MessageType,
} from '@chainwire/protocol-codec'
import { NetworkError } from '../errors'
import type { MessageClass } from '../limits/message-class'
import { netGroupOf } from '../limits/net-group'
import { type DroppedCount, PeerRateLimiter } from '../limits/peer-rate-limiter'
import { NoiseError, type SecureConnection } from '../noise/index'
import type { ResolvedOptions } from '../options'
import { peekId, peekType } from '../protocol/envelope-peek'
import { RequestTracker } from '../protocol/request-tracker'
import { frameSize, type OutFrame, SendQueue } from '../queue/send-queue'
import { type Direction, type RawConnection, TransportError } from '../transport/index'
import type { ConnectionKind, DisconnectInitiator, NetworkBehaviour, TrafficCount } from '../types'

/** Bytes charged per message held for a handler, on top of its size: the decoded object's own weight. */
export const MESSAGE_OVERHEAD_BYTES = 256
/** Room control messages get beyond the send queue bound. */
const CONTROL_ALLOWANCE_BYTES = 64 * 1024
/** Expired request ids remembered to recognise late responses. */
const RECENT_REQUEST_IDS = 64
/** The envelope bytes `peekType` and `peekId` read (array header, type code, an id of up to 32 bits). */
const ENVELOPE_LEAD_BYTES = 7

/** Bytes the first message (a hello, or a disconnect) may take, frame header included. */
const FIRST_MESSAGE_LIMIT = Math.max(CATALOG.hello.maxSize, CATALOG.disconnect.maxSize) + 4
/** Reports of one behaviour about one connection are sent at most this often. */
const REPORT_INTERVAL_MS = 1_000

/** The life of a connection after Noise: waiting for hello, open, closing (disconnect flushing), closed. */
export type ConnectionState = 'handshake' | 'open' | 'closing' | 'closed'

/** Events a connection counts, for status and metrics. */
export type ConnectionCounter =
  | 'messagesRateLimited'
  | 'rateLimitDisconnects'
  | 'invalidMessages'
  | 'lateResponses'
  | 'unknownResponses'
  | 'sendQueueStalls'
  | 'idleTimeouts'

/** The options a connection reads: a narrow view of the network's resolved options (see `NetworkOptions`). */
export type ConnectionOptions = Pick<
  ResolvedOptions,
  | 'maxMessageSize'
  | 'sendQueueBytes'
  | 'maxSendWaiters'
  | 'laneWeights'
  | 'rateLimits'
  | 'rateLimitTolerancePerSecond'
  | 'rateLimitToleranceBurst'
  | 'junkBytesPerSecond'
  | 'junkByteBurst'
  | 'maxInflightRequests'
  | 'pingIntervalMs'
  | 'idleTimeoutMs'
  | 'disconnectLingerMs'
  | 'latencyAlpha'
  | 'sendQueueGraceMs'
  | 'receiveBufferBytes'
>

/** What a connection uses from its node: the clock of every timer, ping nonces, and where to log. */
export interface ConnectionComponents {
  readonly clock: Clock
  /** Numbers in [0, 1), for ping nonces. */
  readonly random: () => number
  readonly logger: Logger
}

/** What a connection tells the network that owns it. */
export interface ConnectionEvents {
  /** The traffic class of a message type. */
  classOf(type: MessageType): MessageClass
  /** The first message of the connection (or the reason none could be read). */
  handshakeMessage(conn: Connection, message: Message | CodecError): void
  /** An accepted announcement or request after the handshake. */
  message(conn: Connection, message: Message, size: number): void
  /** Counts an event. */
  count(counter: ConnectionCounter, cls?: MessageClass): void
  /** Reports misbehaviour of the connection's peer. */
  report(conn: Connection, behaviour: NetworkBehaviour, detail: string): void
  /** The connection started closing: forget it as a peer. Called once. */
  closing(conn: Connection): void
  /** Bytes moved, for metrics. */
  traffic(direction: 'in' | 'out', type: MessageType | undefined, bytes: number): void
}

/** How a connection ended. */
export interface CloseInfo {
  readonly reason: DisconnectReason | 'closed'
  readonly initiator: DisconnectInitiator
  readonly message: string | undefined
  readonly error: Error | undefined
}

/** What a connection is created from. */
export interface ConnectionInit {
  readonly id: number
  readonly raw: RawConnection
  readonly secure: SecureConnection
  readonly kind: ConnectionKind
  readonly dialedAddress: string | undefined
}

/**
 * One authenticated connection after Noise: message framing on the secure stream, the bounded receive path
 * (pausing the stream while handlers are backlogged), the prioritised bounded send queue, rate limits,
 * request tracking, keep-alive pings with latency, and the idle and stalled-reader timeouts. The owning
 * network decides what messages mean; this class only moves, meters and guards them.
 */
export class Connection {
  readonly id: number
  readonly peerId: PeerId
  readonly direction: Direction
  readonly remoteAddress: string
  readonly remoteHost: string
  readonly netGroup: string
  readonly dialedAddress: string | undefined
  readonly handshakeHash: Uint8Array
  kind: ConnectionKind
  state: ConnectionState = 'handshake'
  hello: HelloData | undefined
  connectedAt = 0
  latencyMs: number | undefined
  minLatencyMs: number | undefined
  lastBlockAt = 0
  lastTxAt = 0
  bytesIn = 0
  bytesOut = 0
  invalidMessages = 0
  /** Peer requests being served now. */
  serving = 0
  closeInfo: CloseInfo | undefined
  readonly messagesIn = new Map<MessageType, TrafficCount>()
  readonly messagesOut = new Map<MessageType, TrafficCount>()
  readonly queue: SendQueue
  readonly limiter: PeerRateLimiter
  readonly requests: RequestTracker
  /** Resolves once the transport connection is gone. */
  readonly closed: Promise<void>

  private readonly clock: Clock
  private readonly random: () => number
  private readonly options: ConnectionOptions
  private readonly events: ConnectionEvents
  private readonly raw: RawConnection
  private readonly secure: SecureConnection
  private readonly stream: Duplex
  private readonly decoder: FrameDecoder
  private readonly log: Logger
  private heldBytes = 0
  private paused = false
  /** Frames decoded from the last chunk while reading was paused (at most one stream chunk's worth). */
  private backlog: Array<Uint8Array | FramePieces> = []
  private backlogBytes = 0
  private lastMessageAt: number
  private pingTimer: TimerHandle | undefined
  private idleTimer: TimerHandle | undefined
  private stallTimer: TimerHandle | undefined
  private lingerTimer: TimerHandle | undefined
  private pinging = false
  private streamError: Error | undefined
  private resolveClosed!: () => void
  private readonly lastReport = new Map<NetworkBehaviour, number>()

  constructor(
    components: ConnectionComponents,
    options: ConnectionOptions,
    events: ConnectionEvents,
    init: ConnectionInit,
  ) {
    this.clock = components.clock
    this.random = components.random
    this.options = options
    this.events = events
    this.id = init.id
    this.raw = init.raw
    this.secure = init.secure
    this.kind = init.kind
    this.dialedAddress = init.dialedAddress
    this.peerId = init.secure.remotePeerId
    this.direction = init.secure.direction
    this.handshakeHash = init.secure.handshakeHash
    this.remoteAddress = init.raw.remoteAddress
    this.remoteHost = init.raw.remoteHost
    this.netGroup = netGroupOf(init.raw.remoteHost)
    this.stream = init.secure.stream
    this.log = components.logger
    const o = options
    this.decoder = new FrameDecoder({ maxMessageSize: o.maxMessageSize })
    this.queue = new SendQueue({
      maxBytes: o.sendQueueBytes,
      controlAllowanceBytes: CONTROL_ALLOWANCE_BYTES,
      maxWaiters: o.maxSendWaiters,
      weights: o.laneWeights,
    })
    this.limiter = new PeerRateLimiter(
      this.clock,
      o.rateLimits,
      { rate: o.rateLimitTolerancePerSecond, burst: o.rateLimitToleranceBurst },
      { rate: o.junkBytesPerSecond, burst: o.junkByteBurst },
    )
    this.requests = new RequestTracker(this.clock, {
      maxInflight: o.maxInflightRequests,
      recentLimit: RECENT_REQUEST_IDS,
      onTimeout: (type) => {
        if (type !== 'ping') this.report('timeout', `${type} request timed out`)
      },
    })
    this.lastMessageAt = this.clock.now()
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve
    })
    this.stream.on('data', this.onData)
    this.stream.on('drain', this.onDrain)
    this.stream.on('error', this.onError)
    this.stream.on('close', this.onClose)
    if (this.stream.destroyed) queueMicrotask(this.onClose)
  }

  /**
   * Bytes received and not yet handled: the partial frame, frames held back while reading is paused, and
   * messages held by running handlers.
   */
  get receiveBufferedBytes(): number {
    return this.decoder.bufferedBytes + this.backlogBytes + this.heldBytes
  }

  /** Whether reading from the peer is paused because its handler backlog is full. */
  get readPaused(): boolean {
    return this.paused
  }

  /** Messages dropped by rate limits, per class. */
  get rateLimited(): Readonly<Record<MessageClass, DroppedCount>> {
    return this.limiter.dropped
  }

  /** Whether the connection is still handshaking or open (not closing or closed). */
  isLive(): boolean {
    return this.state === 'handshake' || this.state === 'open'
  }

  /** The traffic class of a message type. */
  classOf(type: MessageType): MessageClass {
    return this.events.classOf(type)
  }

  /** Whether a message of this size and class would be queued now. */
  canSend(size: number, cls: MessageClass): boolean {
    return this.state !== 'closing' && this.state !== 'closed' && this.queue.hasRoom(size, cls)
  }

  /** Queues an encoded frame if there is room; false otherwise (and the stall clock starts). */
  trySend(frame: OutFrame, type: MessageType, cls: MessageClass, size = frameSize(frame)): boolean {
    if (this.state === 'closing' || this.state === 'closed') return false
    if (!this.queue.tryPush(frame, cls, this.clock.now(), size)) {
      this.watchStall()
      return false
    }
    this.countOut(type, size)
    this.pump()
    return true
  }

  /** Queues an encoded frame, waiting for room until `signal` aborts. */
  async send(
    frame: OutFrame,
    type: MessageType,
    cls: MessageClass,
    signal?: AbortSignal,
    size = frameSize(frame),
  ): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') throw notConnected(this.peerId)
    const push = this.queue.push(frame, cls, this.clock.now(), signal, size)
    if (this.queue.saturatedSince !== undefined) this.watchStall()
    await push
    this.countOut(type, size)
    this.pump()
  }

  /** Encodes and queues a message of the network's own (control traffic), ignoring a full queue. */
  sendControl(message: Message): void {
    this.trySend(encodeFrame(message), message.type, 'control')
  }

  /** Sends a request and resolves with its response; see {@link RequestTracker}. */
  async request(
    message: Message,
    expected: MessageType,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    internal = false,
  ): Promise<Message> {
    if (this.state !== 'open') throw notConnected(this.peerId)
    const {
      id,
      response,
      signal: deadline,
    } = this.requests.begin(message.type, expected, timeoutMs, signal, internal)
    try {
      const frame = encodeFrameParts({ ...message, id } as Message)
      await this.send(frame, message.type, this.events.classOf(message.type), deadline)
    } catch (err) {
      this.requests.cancel(id, err as Error)
    }
    return response
  }

  /** Moves the connection to `open`: starts keep-alive pings and the idle timer. */
  open(kind: ConnectionKind, hello: HelloData): void {
    if (this.state !== 'handshake') return
    this.state = 'open'
    this.kind = kind
    this.hello = hello
    this.connectedAt = this.clock.now()
    this.lastMessageAt = this.connectedAt
    this.pingTimer = this.clock.setInterval(() => this.keepAlive(), this.options.pingIntervalMs)
    this.armIdle()
  }

  /** Holds `bytes` of receive budget while a handler runs; reading pauses when the budget is spent. */
  hold(bytes: number): void {
    this.heldBytes += bytes
    this.updateFlow()
  }

  /** Returns budget taken with {@link hold}. */
  release(bytes: number): void {
    this.heldBytes = Math.max(0, this.heldBytes - bytes)
    this.updateFlow()
  }

  /**
   * Closes the connection. With a `reason`, a `disconnect` message is sent first (when the stream can still
   * carry it) and given `disconnectLingerMs` to flush; without one the transport is torn down at once.
   * `error` is what made us close, if anything failed (it defaults to the stream's error). Resolves once
   * closed.
   */
  close(
    reason: DisconnectReason | undefined,
    initiator: DisconnectInitiator = 'local',
    message?: string,
    error: Error | undefined = this.streamError,
  ): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return this.closed
    this.state = 'closing'
    this.closeInfo = { reason: reason ?? 'closed', initiator, message, error }
    this.clearTimers()
    const err = notConnected(this.peerId)
    this.requests.close(err)
    this.queue.close(err)
    this.heldBytes = 0
    this.backlog = []
    this.backlogBytes = 0
    this.events.closing(this)
    const stream = this.stream
    if (reason !== undefined && initiator === 'local' && !stream.destroyed && stream.writable) {
      try {
        const data = message === undefined ? { reason } : { reason, message: truncate(message) }
        const frame = encodeFrame({ type: 'disconnect', data })
        stream.write(frame)
        this.countOut('disconnect', frame.length)
        stream.end()
      } catch (e) {
        this.log.debug({ err: e }, 'could not send disconnect')
        this.destroy()
        return this.closed
      }
      // Read (and discard) until the remote closes too, but no longer than the linger.
      if (this.paused) stream.resume()
      this.lingerTimer = this.clock.setTimeout(() => this.destroy(), this.options.disconnectLingerMs)
    } else {
      this.destroy()
    }
    return this.closed
  }

  /** Tears the transport down at once. */
  destroy(): void {
    if (this.state !== 'closing' && this.state !== 'closed') {
      void this.close(undefined, 'local')
      return
    }
    this.secure.close()
    this.raw.close()
  }

  /** Records a pong's round trip into the latency average. */
  recordRoundTrip(rtt: number): void {
    const alpha = this.options.latencyAlpha
    this.latencyMs = this.latencyMs === undefined ? rtt : alpha * rtt + (1 - alpha) * this.latencyMs
    this.minLatencyMs = this.minLatencyMs === undefined ? rtt : Math.min(this.minLatencyMs, rtt)
  }

  /** Reports a behaviour, at most once per second per behaviour for this connection. */
  report(behaviour: NetworkBehaviour, detail: string): void {
    const now = this.clock.now()
    const last = this.lastReport.get(behaviour)
    if (last !== undefined && now - last < REPORT_INTERVAL_MS) return
    this.lastReport.set(behaviour, now)
    this.events.report(this, behaviour, detail)
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.state === 'closing' || this.state === 'closed') return
    this.bytesIn += chunk.length
    // A large chunk comes as the decrypted pieces it arrived in (decoded without joining them).
    let frames: Array<Uint8Array | FramePieces>
    try {
      frames = this.decoder.pushFrames(chunk)
    } catch (err) {
      const error = err as CodecError
      if (this.state === 'handshake') {
        this.events.handshakeMessage(this, error)
      } else {
        this.report('protocol-violation', `${error.code}: ${error.message}`)
        void this.close('protocol_error', 'local', 'frame too large', error)
      }
      return
    }
    if (
      this.state === 'handshake' &&
      frames.length === 0 &&
      this.decoder.bufferedBytes > FIRST_MESSAGE_LIMIT
    ) {
      // The first message must be a hello or a disconnect: no reason to buffer more than the larger of them.
      this.events.handshakeMessage(
        this,
        new CodecError('ERR_FRAME_TOO_LARGE', 'the first message is larger than a hello can be', {
          bufferedBytes: this.decoder.bufferedBytes,
          limit: FIRST_MESSAGE_LIMIT,
        }),
      )
      return
    }
    for (const frame of frames) {
      if (this.paused) {
        this.backlog.push(frame)
        this.backlogBytes += frame.length
      } else if (this.isLive()) {
        this.onFrame(frame)
        this.updateFlow()
      }
    }
  }

  /** Handles frames held back while reading was paused; stops again if the budget is spent again. */
  private drainBacklog(): void {
    while (this.backlog.length > 0 && !this.paused && this.isLive()) {
      const frame = this.backlog.shift() as Uint8Array | FramePieces
      this.backlogBytes -= frame.length
      this.onFrame(frame)
      this.checkBudget()
    }
  }

  private onFrame(frame: Uint8Array | FramePieces): void {
    const size = frame.length
    if (this.state === 'handshake') {
      let first: Message | CodecError
      try {
        first = decode(frame)
      } catch (err) {
        first = err as CodecError
      }
      this.lastMessageAt = this.clock.now()
      this.countIn(CodecError.isInstance(first) ? undefined : first.type, size)
      this.events.handshakeMessage(this, first)
      return
    }
    // Rate limits are charged before decoding, on the type the envelope's first bytes name (an unknown or
    // unreadable type is charged to bulk); responses are exempt here: they are matched to our requests after
    // decoding, and only unrequested ones cost the peer.
    const lead = frame instanceof Uint8Array ? frame : frame.bytes(0, Math.min(size, ENVELOPE_LEAD_BYTES))
    const peeked = peekType(lead)
    if (peeked === undefined) {
      if (!this.admit('bulk', 'unknown type', size)) return
    } else if (
      CATALOG[peeked].kind !== 'response' &&
      !this.admit(this.events.classOf(peeked), peeked, size)
    ) {
      return
    }
    let message: Message
    try {
      message = decode(frame)
    } catch (err) {
      this.invalid(err as CodecError, lead, size, peeked)
      return
    }
    this.lastMessageAt = this.clock.now()
    const kind = CATALOG[message.type].kind
    if (kind === 'response') {
      this.onResponse(message, size)
      return
    }
    this.countIn(message.type, size)
    switch (message.type) {
      case 'ping':
        this.sendControl({ type: 'pong', id: message.id, data: { nonce: message.data.nonce } })
        return
      case 'disconnect':
        void this.close(message.data.reason, 'remote', message.data.message)
        return
      case 'hello':
        this.report('protocol-violation', 'hello after the handshake')
        return
      default:
        this.events.message(this, message, size)
    }
  }

  /** Charges a message to the rate limits; false when it is dropped (or the peer disconnected). */
  private admit(cls: MessageClass, type: string, size: number): boolean {
    const verdict = this.limiter.check(cls, size)
    if (verdict === 'accept') return true
    this.events.count('messagesRateLimited', cls)
    this.report('rate-limit-exceeded', `${type}: over the ${cls} limit`)
    if (verdict === 'disconnect') this.junkExhausted('rate_limited', `far over the ${cls} rate limit`)
    return false
  }

  /**
   * A message that did not decode. A type from a newer catalog is ignored and counted (DESIGN.md §6; it
   * was charged to the bulk limits) and costs only its bytes of the junk budget; anything else is reported
   * and costs the tolerance budgets like a dropped message. A response that names one of our outstanding
   * requests fails that request at once (`ERR_INVALID_RESPONSE`, the codec error as its cause).
   */
  private invalid(error: CodecError, lead: Uint8Array, size: number, peeked: MessageType | undefined): void {
    this.invalidMessages++
    this.events.count('invalidMessages')
    this.events.traffic('in', undefined, size)
    if (error.code === 'ERR_UNKNOWN_TYPE') {
      if (!this.limiter.chargeJunk(size))
        this.junkExhausted('rate_limited', 'too many unknown messages', error)
      return
    }
    let detail = `${error.code}: ${error.message}`
    if (peeked !== undefined && CATALOG[peeked].kind === 'response') {
      const id = peekId(lead)
      if (id !== undefined && this.requests.fail(id, error) === 'failed') {
        detail = `invalid ${peeked} answering request ${id}: ${detail}`
      }
    }
    this.report('invalid-message', detail)
    if (!this.limiter.penalize(size)) this.junkExhausted('protocol_error', 'too many invalid messages', error)
  }

  /**
   * Disconnects a peer that spent its tolerance for junk, and reports it as a `protocol-violation` (not
   * subject to the once-a-second limit of `report`: the per-message reports of a burst stop at one a second,
   * while spending the whole budget is one act that the misbehaviour sink must see).
   */
  private junkExhausted(reason: DisconnectReason, text: string, error?: Error): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.events.count('rateLimitDisconnects')
    this.events.report(this, 'protocol-violation', `spent its junk tolerance: ${text}`)
    void this.close(reason, 'local', text, error)
  }

  private onResponse(message: Message, size: number): void {
    const outcome = this.requests.settle(message)
    if (outcome === 'matched') {
      this.countIn(message.type, size)
      return
    }
    if (outcome === 'mismatched') {
      this.countIn(message.type, size)
      this.report('protocol-violation', `request answered with ${message.type}`)
      return
    }
    this.events.count(outcome === 'late' ? 'lateResponses' : 'unknownResponses')
    if (outcome === 'unknown') this.report('unrequested-message', `${message.type} answers nothing we asked`)
    // A late answer was asked for (it costs a token, not its bytes); an unrequested one is junk.
    if (!this.limiter.penalize(outcome === 'late' ? 0 : size)) {
      this.junkExhausted('rate_limited', 'too many unrequested responses')
    }
  }

  private keepAlive(): void {
    if (this.state !== 'open' || this.pinging) return
    this.pinging = true
    const sentAt = this.clock.now()
    const nonce = Math.floor(this.random() * 0x1_0000_0000)
    this.request({ type: 'ping', data: { nonce } }, 'pong', this.options.idleTimeoutMs, undefined, true)
      .then(
        () => this.recordRoundTrip(this.clock.now() - sentAt),
        () => {},
      )
      .finally(() => {
        this.pinging = false
      })
  }

  private armIdle(): void {
    const clock = this.clock
    const idle = this.options.idleTimeoutMs
    this.idleTimer = clock.setTimeout(
      () => {
        this.idleTimer = undefined
        if (this.state !== 'open') return
        const silent = clock.now() - this.lastMessageAt
        if (silent >= idle) {
          this.events.count('idleTimeouts')
          void this.close('timeout', 'local', `no message for ${idle} ms`)
        } else {
          this.armIdle()
        }
      },
      Math.max(1, idle - (clock.now() - this.lastMessageAt)),
    )
  }

  /** Starts the stalled-reader timer when the send queue is saturated. */
  private watchStall(): void {
    if (this.stallTimer !== undefined || this.state === 'closing' || this.state === 'closed') return
    const clock = this.clock
    const grace = this.options.sendQueueGraceMs
    const since = this.queue.saturatedSince ?? clock.now()
    this.stallTimer = clock.setTimeout(
      () => {
        this.stallTimer = undefined
        const at = this.queue.saturatedSince
        if (at === undefined || this.state === 'closing' || this.state === 'closed') return
        if (clock.now() - at >= grace) {
          this.events.count('sendQueueStalls')
          void this.close('timeout', 'local', 'send queue stayed full')
        } else {
          this.watchStall()
        }
      },
      Math.max(1, since + grace - clock.now()),
    )
  }

  private pump(): void {
    const stream = this.stream
    while (!stream.writableNeedDrain && !stream.destroyed && stream.writable) {
      const frame = this.queue.shift(this.clock.now())
      if (frame === undefined) return
      if (frame instanceof Uint8Array) {
        this.bytesOut += frame.length
        stream.write(frame)
      } else {
        for (let i = 0; i < frame.length; i++) {
          const part = frame[i] as Uint8Array
          this.bytesOut += part.length
          stream.write(part)
        }
      }
    }
  }

  /**
   * Pauses reading when the receive budget is spent; when it is back under, handles the frames held back
   * and resumes reading from the stream.
   */
  private updateFlow(): void {
    if (!this.checkBudget() && this.paused && this.isLive()) {
      this.paused = false
      this.drainBacklog()
      if (!this.paused && this.isLive()) this.stream.resume()
    }
  }

  /**
   * Pauses when over budget; returns whether it is over. The budget counts the partial frame and what
   * handlers hold; the backlog is not counted here (it only shrinks by being handled), so the total held is
   * at most the budget plus one stream chunk.
   */
  private checkBudget(): boolean {
    const over = this.decoder.bufferedBytes + this.heldBytes > this.options.receiveBufferBytes
    if (over && !this.paused && this.isLive()) {
      this.paused = true
      this.stream.pause()
    }
    return over
  }

  private countIn(type: MessageType | undefined, size: number): void {
    if (type !== undefined) {
      const t = this.messagesIn.get(type)
      if (t === undefined) this.messagesIn.set(type, { messages: 1, bytes: size })
      else {
        t.messages++
        t.bytes += size
      }
    }
    this.events.traffic('in', type, size)
  }

  private countOut(type: MessageType, size: number): void {
    const t = this.messagesOut.get(type)
    if (t === undefined) this.messagesOut.set(type, { messages: 1, bytes: size })
    else {
      t.messages++
      t.bytes += size
    }
    this.events.traffic('out', type, size)
  }

  private clearTimers(): void {
    const clock = this.clock
    clock.clearInterval(this.pingTimer)
    clock.clearTimeout(this.idleTimer)
    clock.clearTimeout(this.stallTimer)
    this.pingTimer = this.idleTimer = this.stallTimer = undefined
  }

  private readonly onDrain = (): void => {
    this.pump()
  }

  /**
   * The secure stream failed. What we detected ourselves (a message that did not authenticate, an
   * impossible Noise frame, exhausted nonces) closes as ours, `protocol_error` with the error; a transport
   * failure (reset, cut mid-message) is left to 'close', which reports it as the remote's with the error.
   */
  private readonly onError = (err: Error): void => {
    this.streamError ??= err
    if (isLocalChannelFailure(err)) void this.close('protocol_error', 'local', err.message, err)
  }

  private readonly onClose = (): void => {
    if (this.state === 'closed') return
    if (this.state !== 'closing') void this.close(undefined, 'remote')
    this.state = 'closed'
    this.clock.clearTimeout(this.lingerTimer)
    this.lingerTimer = undefined
    this.clearTimers()
    this.stream.off('data', this.onData)
    this.stream.off('drain', this.onDrain)
    this.raw.close()
    this.resolveClosed()
  }
}

/**
 * Whether a secure-stream error is one this side detected in what it received (not a transport failure): a
 * Noise message that did not authenticate, an impossible Noise frame, exhausted nonces, or a transport frame
 * the remote had no right to send (a WebSocket text frame, or one `ws` refused: `WS_ERR_*`).
 */
function isLocalChannelFailure(err: Error): boolean {
  if (TransportError.isInstance(err)) return err.code === 'ERR_INVALID_FRAME'
  if (!NoiseError.isInstance(err)) return false
  if (err.code === 'ERR_CONNECTION_CLOSED') {
    const code = (err.cause as { code?: unknown } | undefined)?.code
    return typeof code === 'string' && code.startsWith('WS_ERR_')
  }
  return (
    err.code === 'ERR_NOISE_DECRYPT' || err.code === 'ERR_NOISE_FRAME' || err.code === 'ERR_NONCE_EXHAUSTED'
  )
}

function notConnected(peerId: PeerId): NetworkError {
  return new NetworkError('ERR_NOT_CONNECTED', `not connected to ${peerId}`, { peerId })
}

function truncate(text: string): string {
  return Buffer.byteLength(text) <= 200 ? text : `${text.slice(0, 190)}...`
}
