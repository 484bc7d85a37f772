import { deadline, type PeerId, TimeoutError } from '@chainwire/interface'
import { CATALOG, encodeFrameParts, type Message, partsLength } from '@chainwire/protocol-codec'
import { NetworkError, SendError } from '../errors'
import type { MessageClass } from '../limits/message-class'
import type { PeerInfo, RequestOptions, SendOptions } from '../types'
import type { NetworkState } from './state'

/**
 * Sending to peers: queueing (waiting for room or not), broadcasting one encoding to many, requests and
 * pings. Messages are encoded once, checked against `maxMessageSize`, and queued in their traffic class.
 */
export class Messaging {
  private readonly state: NetworkState

  constructor(state: NetworkState) {
    this.state = state
  }

  async send(peerId: PeerId, message: Message, options: SendOptions = {}): Promise<void> {
    const s = this.state
    const conn = s.openConnection(peerId)
    const { frame, size } = this.encode(message)
    const cls = s.classOf(message.type)
    if (conn.trySend(frame, message.type, cls, size)) return
    const timeoutMs = options.timeoutMs ?? s.options.sendTimeoutMs
    // The queue is full: the caller waits for room, under a deadline armed only now (the fast path above
    // allocates no signal and no timer) and cleared however the wait ends. A caller signal that is already
    // aborted is refused by the queue at once, so it needs no deadline either.
    const timer =
      options.signal?.aborted === true ? undefined : deadline(s.clock, timeoutMs, options.signal, 'send')
    try {
      await conn.send(frame, message.type, cls, timer?.signal ?? options.signal, size)
    } catch (err) {
      if (TimeoutError.isInstance(err) && options.signal?.aborted !== true) {
        s.hit('sendQueueFull')
        throw new SendError('ERR_QUEUE_FULL', `the send queue of ${peerId} stayed full for ${timeoutMs} ms`, {
          peerId,
          timeoutMs,
        })
      }
      if (SendError.isInstance(err)) s.hit('sendQueueFull')
      throw err
    } finally {
      timer?.clear()
    }
  }

  trySend(peerId: PeerId, message: Message): boolean {
    const s = this.state
    const conn = s.peersById.get(peerId)
    if (conn === undefined || conn.state !== 'open') return false
    const { frame, size } = this.encode(message)
    const ok = conn.trySend(frame, message.type, s.classOf(message.type), size)
    if (!ok) s.hit('sendQueueFull')
    return ok
  }

  canSend(peerId: PeerId, size = 0, cls: MessageClass = 'bulk'): boolean {
    const conn = this.state.peersById.get(peerId)
    return conn !== undefined && conn.state === 'open' && conn.canSend(size, cls)
  }

  broadcast(message: Message, filter?: (peer: PeerInfo) => boolean): number {
    const s = this.state
    const { frame, size } = this.encode(message)
    const cls = s.classOf(message.type)
    let sent = 0
    for (const conn of s.peersById.values()) {
      if (conn.state !== 'open') continue
      if (cls === 'transactions' && conn.kind === 'block-relay') continue
      if (filter !== undefined && !filter(s.infoOf(conn))) continue
      if (conn.trySend(frame, message.type, cls, size)) sent++
      else s.hit('sendQueueFull')
    }
    return sent
  }

  async request(peerId: PeerId, message: Message, options: RequestOptions = {}): Promise<Message> {
    const s = this.state
    const entry = CATALOG[message.type]
    if (entry?.kind !== 'request' || entry.response === undefined) {
      throw new NetworkError('ERR_INVALID_MESSAGE', `${String(message.type)} is not a request type`, {
        type: String(message.type),
      })
    }
    const conn = s.openConnection(peerId)
    return conn.request(
      message,
      entry.response,
      options.timeoutMs ?? s.options.requestTimeoutMs,
      options.signal,
    )
  }

  async ping(peerId: PeerId, options: RequestOptions = {}): Promise<number> {
    const s = this.state
    const conn = s.openConnection(peerId)
    const nonce = Math.floor(s.random() * 0x1_0000_0000)
    const sentAt = s.clock.now()
    await conn.request(
      { type: 'ping', data: { nonce } },
      'pong',
      options.timeoutMs ?? s.options.requestTimeoutMs,
      options.signal,
    )
    const rtt = s.clock.now() - sentAt
    conn.recordRoundTrip(rtt)
    s.metrics.pingRtt.observe(rtt)
    return rtt
  }

  /**
   * Encodes a message for sending: large byte fields are referenced, not copied (see `encodeFrameParts`), so
   * they must not change until written out.
   */
  private encode(message: Message): { frame: Uint8Array[]; size: number } {
    const maxMessageSize = this.state.options.maxMessageSize
    const frame = encodeFrameParts(message)
    const size = partsLength(frame)
    if (size - 4 > maxMessageSize) {
      throw new NetworkError('ERR_INVALID_MESSAGE', `${message.type} is over maxMessageSize`, {
        type: message.type,
        size: size - 4,
        maxMessageSize,
      })
    }
    return { frame, size }
  }
}
