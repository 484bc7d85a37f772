import { AbortError, deadline, linkSignals } from '@chainwire/interface'
import { DialError, HandshakeError } from '../errors'
import type { Slot } from '../manager/slots'
import { canonicalAddress, type RawConnection } from '../transport/index'
import type { DialOptions, PeerInfo } from '../types'
import { type DialContext, dialAbortError } from './dial-context'
import type { HandshakePath } from './handshake'
import type { NetworkState } from './state'

/**
 * Outbound dials: the checks before a dial (transport, gater, our own id, an existing connection, backoff,
 * a free slot of the kind), the dial deadline linked to the caller and to `stop()`, the transport connect,
 * then the handshake path; failures back the address off.
 */
export class Dialer {
  private readonly state: NetworkState
  private readonly handshake: HandshakePath

  constructor(state: NetworkState, handshake: HandshakePath) {
    this.state = state
    this.handshake = handshake
  }

  async dial(address: string, options: DialOptions = {}): Promise<PeerInfo> {
    const s = this.state
    s.assertStarted()
    const target = canonicalAddress(address)
    if (!s.transports.canHandle(target)) {
      throw new DialError('ERR_NO_TRANSPORT', `no transport handles ${target}`, { address: target })
    }
    if (s.gater !== undefined && !s.gater.allowDial(target)) {
      s.hit('gaterDenied')
      throw new DialError('ERR_DIAL_DENIED', `the gater refused ${target}`, { address: target })
    }
    if (options.peerId !== undefined) {
      if (options.peerId === s.peerId) {
        throw new HandshakeError('ERR_SELF_CONNECTION', 'refusing to dial our own peer id', {
          address: target,
        })
      }
      const existing = s.peersById.get(options.peerId)
      if (existing !== undefined) return s.infoOf(existing)
    }
    if (options.force !== true) {
      const retryAt = s.backoff.retryAt(target)
      if (retryAt !== undefined) {
        s.hit('dialBackoff')
        throw new DialError('ERR_DIAL_BACKOFF', `${target} failed recently; retry after ${retryAt}`, {
          address: target,
          retryAt,
        })
      }
    }
    try {
      const peer = await this.runOutbound(target, options, (slot, dial) => this.connect(target, slot, dial))
      s.backoff.success(target)
      return peer
    } catch (err) {
      if (countsAsDialFailure(err)) s.backoff.failure(target)
      throw err
    }
  }

  /**
   * Upgrades an outbound connection another component opened (a relayed circuit, a punched socket): it takes
   * an outbound slot of `options.kind` like a dial; on failure the connection is closed. No backoff: there is
   * no address we dialed.
   */
  async upgradeOutbound(raw: RawConnection, options: DialOptions = {}): Promise<PeerInfo> {
    try {
      return await this.runOutbound(raw.remoteAddress, options, (slot, dial) =>
        this.handshake.upgrade(raw, slot, dial),
      )
    } catch (err) {
      raw.close()
      throw err
    }
  }

  /**
   * Takes an outbound slot of the dial's kind and runs `open` (a transport connect, or the upgrade of a
   * given connection) under the dial deadline, linked to the caller's signal and to `stop()`.
   */
  private async runOutbound(
    target: string,
    options: DialOptions,
    open: (slot: Slot, dial: DialContext) => Promise<PeerInfo>,
  ): Promise<PeerInfo> {
    const s = this.state
    const kind = options.kind ?? 'manual'
    const slot = s.slots.reserveOutbound(kind)
    if (slot === undefined) {
      s.hit('outboundFull')
      throw new DialError('ERR_CONNECTION_LIMIT', `no free ${kind} slot`, { kind })
    }
    s.updateGauges()
    const stopper = s.trackInflight()
    const linked = linkSignals(options.signal, stopper.signal)
    const timer = deadline(s.clock, s.options.dialTimeoutMs, linked.signal, `dial ${target}`)
    const dial: DialContext = {
      address: target,
      kind,
      peerId: options.peerId,
      deadline: timer,
      callerSignal: options.signal,
      timeoutMs: s.options.dialTimeoutMs,
      replace: options.replace === true,
    }
    const task = open(slot, dial)
    s.track(task)
    try {
      return await task
    } finally {
      timer.clear()
      linked.clear()
      s.inflight.delete(stopper)
    }
  }

  private async connect(address: string, slot: Slot, dial: DialContext): Promise<PeerInfo> {
    const s = this.state
    let raw: RawConnection
    try {
      raw = await s.transports.dial(address, { signal: dial.deadline.signal })
    } catch (err) {
      s.slots.release(slot)
      s.updateGauges()
      throw dialAbortError(dial) ?? err
    }
    return this.handshake.upgrade(raw, slot, dial)
  }
}

/** Whether a failed dial should back its address off (not for cancellations, limits or the gater). */
function countsAsDialFailure(err: unknown): boolean {
  if (AbortError.isInstance(err)) return false
  if (DialError.isInstance(err)) return err.code === 'ERR_DIAL_TIMEOUT'
  if (HandshakeError.isInstance(err)) return err.code !== 'ERR_PEER_DENIED'
  return true
}
