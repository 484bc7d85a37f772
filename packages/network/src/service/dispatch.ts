import { CATALOG, type Message, type MessageType } from '@chainwire/protocol-codec'
import type { Connection } from '../connection/connection'
import { NetworkError } from '../errors'
import { serveRequest } from '../protocol/serve'
import type { MessageHandler } from '../types'
import type { NetworkState } from './state'

/** Types the network answers or consumes itself; `handle` refuses them. */
const RESERVED_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  'hello',
  'ping',
  'pong',
  'disconnect',
  'error',
])

/** Bytes charged per message held by a running handler, on top of its size. */
const HANDLER_OVERHEAD_BYTES = 256

/**
 * Message dispatch: the handler of each message type, and what happens to an accepted announcement or
 * request from a peer: the `message:<type>` event, then its handler (a request served and answered, an
 * async handler holding the peer's receive budget until it settles).
 */
export class MessageDispatch {
  private readonly state: NetworkState
  private readonly handlers = new Map<MessageType, MessageHandler>()

  constructor(state: NetworkState) {
    this.state = state
  }

  /** Registers the handler of a message type; see `Network.handle`. */
  handle<T extends MessageType>(type: T, handler: MessageHandler<T>): () => void {
    const entry = CATALOG[type]
    if (entry === undefined || RESERVED_TYPES.has(type) || entry.kind === 'response') {
      throw new NetworkError('ERR_INVALID_MESSAGE', `${String(type)} cannot have a handler`, {
        type: String(type),
      })
    }
    if (this.handlers.has(type)) {
      throw new NetworkError('ERR_HANDLER_EXISTS', `${type} already has a handler`, { type })
    }
    const h = handler as unknown as MessageHandler
    this.handlers.set(type, h)
    return () => {
      if (this.handlers.get(type) === h) this.handlers.delete(type)
    }
  }

  /** An accepted announcement or request from `conn` (see `ConnectionEvents.message`). */
  dispatch(conn: Connection, message: Message, size: number): void {
    const s = this.state
    s.safeEmit(
      `message:${message.type}` as 'message:hello',
      {
        peerId: conn.peerId,
        message,
        size,
      } as never,
    )
    if (CATALOG[message.type].kind === 'request') {
      serveRequest(conn, message, size, this.handlers.get(message.type), {
        peer: () => s.infoOf(conn),
        refused: () => s.hit('requestsRefused'),
        log: s.log,
        sendTimeoutMs: s.options.sendTimeoutMs,
        clock: s.clock,
        overheadBytes: HANDLER_OVERHEAD_BYTES,
        maxServing: s.options.maxInboundRequests,
      })
      return
    }
    const handler = this.handlers.get(message.type)
    if (handler === undefined) return
    let result: ReturnType<MessageHandler>
    try {
      result = handler(message, s.infoOf(conn))
    } catch (err) {
      s.log.warn({ err, type: message.type }, 'message handler threw')
      return
    }
    if (result instanceof Promise) {
      const held = size + HANDLER_OVERHEAD_BYTES
      conn.hold(held)
      result.then(
        () => conn.release(held),
        (err: unknown) => {
          conn.release(held)
          s.log.warn({ err, type: message.type }, 'message handler failed')
        },
      )
    }
  }
}
