import type { Socket as UdpSocket } from 'node:dgram'
import { AbortError, type Clock, deadline, type TimerHandle } from '@chainwire/interface'
import { NatError } from '../errors'
import {
  type DecodedStunMessage,
  decodeStun,
  type EncodeStunOptions,
  encodeStun,
  isStunMessage,
  type StunMessage,
} from './message'
import { decodeAttributeError, matchResponse } from './response'

/** Retransmission schedule of a STUN transaction over UDP (RFC 5389 §7.2.1). */
export interface UdpRetransmission {
  /** First retransmission timeout, doubled after each try. @default 500 */
  rtoMs: number
  /** Requests sent at most (the first plus retransmissions). @default 7 */
  maxRequests: number
  /** Deadline of the whole transaction. @default 9_500 */
  timeoutMs: number
}

/** RFC 5389's defaults: RTO 500 ms, Rc 7, and Rm x RTO after the last request (39.5 s) cut to 9.5 s. */
export const DEFAULT_UDP_RETRANSMISSION: UdpRetransmission = { rtoMs: 500, maxRequests: 7, timeoutMs: 9_500 }

/** Where a response came from, with the response. */
export interface UdpResponse {
  readonly message: DecodedStunMessage
  readonly from: { host: string; port: number }
  /** Time from the first request to the response, in ms. */
  readonly rttMs: number
}

/**
 * Runs one STUN request/response transaction on a bound UDP socket: sends `request`, retransmits on the RFC
 * schedule, and resolves with the first response whose transaction id matches (and whose integrity matches
 * when `verifyKey` is given). Datagrams that are not STUN, not for this transaction, or malformed are
 * ignored, so an attacker who can reach the port cannot end the transaction early. Rejects with
 * `ERR_STUN_TIMEOUT`, `ERR_STUN_ERROR_RESPONSE` or an `AbortError`.
 */
export function udpTransaction(
  socket: UdpSocket,
  server: { host: string; port: number },
  request: StunMessage,
  options: {
    clock: Clock
    retransmission?: Partial<UdpRetransmission>
    encode?: EncodeStunOptions
    verifyKey?: Uint8Array
    signal?: AbortSignal
  },
): Promise<UdpResponse> {
  const { clock } = options
  const schedule = { ...DEFAULT_UDP_RETRANSMISSION, ...options.retransmission }
  const bytes = encodeStun(request, options.encode)
  const started = clock.now()
  const timer = deadline(clock, schedule.timeoutMs, options.signal, 'STUN transaction')
  return new Promise<UdpResponse>((resolve, reject) => {
    let sent = 0
    let rto = schedule.rtoMs
    let retransmit: TimerHandle | undefined
    const finish = (err: Error | undefined, value?: UdpResponse): void => {
      clock.clearTimeout(retransmit)
      timer.clear()
      timer.signal.removeEventListener('abort', onAbort)
      socket.removeListener('message', onMessage)
      if (err !== undefined) reject(err)
      else resolve(value as UdpResponse)
    }
    const send = (): void => {
      if (sent >= schedule.maxRequests) return
      sent++
      socket.send(bytes, server.port, server.host, () => {})
      if (sent < schedule.maxRequests) {
        retransmit = clock.setTimeout(send, rto)
        rto *= 2
      }
    }
    const onMessage = (data: Buffer, rinfo: { address: string; port: number }): void => {
      if (!isStunMessage(data)) return
      let message: DecodedStunMessage
      try {
        message = decodeStun(new Uint8Array(data))
      } catch {
        return
      }
      const verdict = matchResponse(request, message, options.verifyKey)
      if (verdict === 'ignore') return
      if (verdict === 'error') {
        finish(decodeAttributeError(message))
        return
      }
      finish(undefined, {
        message,
        from: { host: rinfo.address, port: rinfo.port },
        rttMs: clock.now() - started,
      })
    }
    const onAbort = (): void => {
      const reason = timer.signal.reason
      finish(
        options.signal?.aborted === true
          ? new AbortError('the STUN transaction was aborted', { cause: reason })
          : new NatError('ERR_STUN_TIMEOUT', `no STUN response from ${server.host}:${server.port}`, {
              server: `${server.host}:${server.port}`,
              requests: sent,
            }),
      )
    }
    if (timer.signal.aborted) {
      onAbort()
      return
    }
    timer.signal.addEventListener('abort', onAbort, { once: true })
    socket.on('message', onMessage)
    send()
  })
}
