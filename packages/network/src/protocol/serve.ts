import { type Clock, deadline, type Logger } from '@chainwire/interface'
import { CATALOG, encodeFrameParts, type Message, type ProtocolErrorCode } from '@chainwire/protocol-codec'
import type { Connection } from '../connection/connection'
import type { HandlerResult, MessageHandler, PeerInfo } from '../types'

/** What serving a request needs from the network. */
export interface ServeContext {
  /** The peer's info, for the handler. */
  peer(): PeerInfo
  /** Counts a request refused as busy. */
  refused(): void
  readonly log: Logger
  readonly clock: Clock
  /** How long a response may wait for room in the peer's send queue. */
  readonly sendTimeoutMs: number
  /** Receive budget charged per held message on top of its size. */
  readonly overheadBytes: number
  /** Requests served concurrently per peer at most. */
  readonly maxServing: number
}

/**
 * Serves one request from a peer: refuses it with `error: busy` when the peer already has `maxServing`
 * requests being served, with `error: unsupported` when no handler is registered, and otherwise runs the
 * handler and sends its response (id set to the request's) or `error: internal` when the handler throws or
 * returns something that is not a valid answer. The request's bytes count against the peer's receive budget
 * until the response is queued.
 */
export function serveRequest(
  conn: Connection,
  request: Message,
  size: number,
  handler: MessageHandler | undefined,
  ctx: ServeContext,
): void {
  const id = request.id
  if (id === undefined) {
    conn.report('protocol-violation', `${request.type} request without an id`)
    return
  }
  const fail = (code: ProtocolErrorCode, message?: string): void => {
    conn.sendControl({ type: 'error', id, data: message === undefined ? { code } : { code, message } })
  }
  if (conn.serving >= ctx.maxServing) {
    ctx.refused()
    fail('busy')
    return
  }
  if (handler === undefined) {
    fail('unsupported')
    return
  }
  const expected = CATALOG[request.type].response
  const held = size + ctx.overheadBytes
  conn.serving++
  conn.hold(held)
  const peer = ctx.peer()
  void (async () => {
    let response: HandlerResult
    try {
      response = await handler(request, peer)
    } catch (err) {
      ctx.log.warn({ err, type: request.type }, 'request handler threw')
      fail('internal')
      return
    }
    if (response === undefined || (response.type !== expected && response.type !== 'error')) {
      ctx.log.warn({ type: request.type, got: response?.type }, 'request handler returned no valid response')
      fail('internal')
      return
    }
    let frame: Uint8Array[]
    try {
      frame = encodeFrameParts({ ...response, id } as Message)
    } catch (err) {
      ctx.log.warn({ err, type: request.type }, 'request handler returned a response that does not encode')
      fail('internal')
      return
    }
    const cls = conn.classOf(response.type)
    if (conn.trySend(frame, response.type, cls)) return
    // No link to the network's stop signal: stopping closes the connection, whose queue rejects every
    // waiting sender, so one listener per waiting response on a shared signal is not needed.
    const timer = deadline(ctx.clock, ctx.sendTimeoutMs, undefined, 'response')
    try {
      await conn.send(frame, response.type, cls, timer.signal)
    } catch (err) {
      ctx.log.debug({ err, type: response.type }, 'response not sent')
    } finally {
      timer.clear()
    }
  })().finally(() => {
    conn.serving--
    conn.release(held)
  })
}
