import { AbortError, type Deadline, type PeerId, TimeoutError } from '@chainwire/interface'
import { DialError } from '../errors'
import type { OutboundKind } from '../types'

/** What an outbound upgrade knows about its dial. */
export interface DialContext {
  readonly address: string
  readonly kind: OutboundKind
  readonly peerId: PeerId | undefined
  /** The dial deadline, linked to the caller's signal and to `stop()`. */
  readonly deadline: Deadline
  readonly callerSignal: AbortSignal | undefined
  /** The dial's time limit, for the timeout error. */
  readonly timeoutMs: number
  /** The new connection replaces an open one to the same peer (`DialOptions.replace`). */
  readonly replace: boolean
}

/** The error a dial fails with when its signal aborted (caller, stop or deadline), else undefined. */
export function dialAbortError(dial: DialContext): Error | undefined {
  const signal = dial.deadline.signal
  if (!signal.aborted) return undefined
  if (dial.callerSignal?.aborted === true) {
    return new AbortError('the dial was aborted', { cause: dial.callerSignal.reason })
  }
  if (TimeoutError.isInstance(signal.reason)) {
    return new DialError('ERR_DIAL_TIMEOUT', `dial to ${dial.address} timed out`, {
      address: dial.address,
      timeoutMs: dial.timeoutMs,
    })
  }
  return new AbortError('the network is stopping', { cause: signal.reason })
}
