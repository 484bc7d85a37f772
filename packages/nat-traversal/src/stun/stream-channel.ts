import type { Socket } from 'node:net'
import { AbortError, type Clock, deadline } from '@chainwire/interface'
import { NatError } from '../errors'
import {
  type DecodedStunMessage,
  decodeStun,
  type EncodeStunOptions,
  encodeStun,
  HEADER_LENGTH,
  MAX_STUN_MESSAGE,
  type StunMessage,
} from './message'
import { decodeAttributeError, matchResponse } from './response'

/** Transactions waiting for a response on one channel at most. */
export const MAX_PENDING_STREAM_TRANSACTIONS = 16

interface Pending {
  readonly request: StunMessage
  readonly verifyKey: Uint8Array | undefined
  readonly resolve: (m: DecodedStunMessage) => void
  readonly reject: (err: Error) => void
}

/**
 * STUN over a TCP connection (RFC 5389 §7.2.2: messages back to back, each sized by its header). Matches
 * responses to requests by transaction id, hands indications to `onIndication`, and closes the connection
 * on anything that is not a well-formed STUN message. `detach()` stops framing and returns the bytes read
 * past the last message, for a TURN data connection that turns into a raw byte pipe after ConnectionBind.
 */
export class StunStreamChannel {
  readonly socket: Socket
  private readonly clock: Clock
  private readonly pending = new Map<string, Pending>()
  private buffer: Buffer = Buffer.alloc(0)
  private detached = false
  private closedError: Error | undefined
  /** Called with every indication received (TURN ConnectionAttempt ...). */
  onIndication: ((message: DecodedStunMessage) => void) | undefined
  /** Called once when the connection closes or is closed for bad input. */
  onClose: ((err: Error) => void) | undefined

  constructor(socket: Socket, clock: Clock) {
    this.socket = socket
    this.clock = clock
    socket.on('data', this.onData)
    socket.on('close', this.onSocketClose)
    socket.on('error', () => {})
  }

  /**
   * Sends a request and resolves with its success response (integrity checked when `verifyKey` is given);
   * rejects with `ERR_STUN_ERROR_RESPONSE`, `ERR_STUN_TIMEOUT`, `ERR_CIRCUIT_FAILED` (connection closed) or
   * an `AbortError`.
   */
  request(
    message: StunMessage,
    options: { timeoutMs: number; encode?: EncodeStunOptions; verifyKey?: Uint8Array; signal?: AbortSignal },
  ): Promise<DecodedStunMessage> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError)
    if (this.pending.size >= MAX_PENDING_STREAM_TRANSACTIONS) {
      return Promise.reject(new NatError('ERR_INVALID_OPTIONS', 'too many STUN transactions in flight'))
    }
    const key = Buffer.from(message.transactionId).toString('hex')
    const timer = deadline(this.clock, options.timeoutMs, options.signal, 'STUN transaction')
    return new Promise<DecodedStunMessage>((resolve, reject) => {
      const done = (): void => {
        this.pending.delete(key)
        timer.clear()
        timer.signal.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        done()
        reject(
          options.signal?.aborted === true
            ? new AbortError('the STUN transaction was aborted', { cause: options.signal.reason })
            : new NatError('ERR_STUN_TIMEOUT', 'no STUN response on the TCP connection', {
                timeoutMs: options.timeoutMs,
              }),
        )
      }
      this.pending.set(key, {
        request: message,
        verifyKey: options.verifyKey,
        resolve: (m) => {
          done()
          resolve(m)
        },
        reject: (err) => {
          done()
          reject(err)
        },
      })
      if (timer.signal.aborted) return onAbort()
      timer.signal.addEventListener('abort', onAbort, { once: true })
      this.socket.write(encodeStun(message, options.encode))
    })
  }

  /** Sends a message that expects no response (an indication). */
  send(message: StunMessage, encode?: EncodeStunOptions): void {
    if (this.closedError === undefined) this.socket.write(encodeStun(message, encode))
  }

  /** Stops reading STUN; returns the bytes already read past the last message. The socket stays open. */
  detach(): Buffer {
    this.detached = true
    this.socket.removeListener('data', this.onData)
    this.socket.removeListener('close', this.onSocketClose)
    const rest = this.buffer
    this.buffer = Buffer.alloc(0)
    this.failPending(new NatError('ERR_CIRCUIT_FAILED', 'the STUN channel was detached'))
    return rest
  }

  /** Closes the connection; pending transactions fail. */
  close(err?: Error): void {
    this.socket.destroy()
    this.onSocketClose(err)
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    while (!this.detached && this.buffer.length >= HEADER_LENGTH) {
      const size = HEADER_LENGTH + this.buffer.readUInt16BE(2)
      if (size > MAX_STUN_MESSAGE) {
        this.close(new NatError('ERR_STUN_MALFORMED', 'STUN message over the size limit on a TCP connection'))
        return
      }
      if (this.buffer.length < size) return
      const bytes = new Uint8Array(this.buffer.subarray(0, size))
      this.buffer = this.buffer.subarray(size)
      let message: DecodedStunMessage
      try {
        message = decodeStun(bytes)
      } catch (err) {
        this.close(err as Error)
        return
      }
      this.dispatch(message)
    }
  }

  private dispatch(message: DecodedStunMessage): void {
    if (message.cls === 'indication') {
      this.onIndication?.(message)
      return
    }
    const pending = this.pending.get(Buffer.from(message.transactionId).toString('hex'))
    if (pending === undefined) return
    const verdict = matchResponse(pending.request, message, pending.verifyKey)
    if (verdict === 'error') pending.reject(decodeAttributeError(message))
    else if (verdict === 'success') pending.resolve(message)
  }

  private readonly onSocketClose = (err?: Error): void => {
    if (this.closedError !== undefined) return
    this.closedError = new NatError('ERR_CIRCUIT_FAILED', 'the STUN connection closed', {}, { cause: err })
    this.failPending(this.closedError)
    this.onClose?.(this.closedError)
  }

  private failPending(err: Error): void {
    for (const p of [...this.pending.values()]) p.reject(err)
  }
}
