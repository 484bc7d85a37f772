import { AbortError, type Deadline, deadline, TimeoutError } from '@chainwire/interface'
import { CodecError, type DisconnectReason, type HelloData, type Message } from '@chainwire/protocol-codec'
import {
  type CloseInfo,
  Connection,
  type ConnectionEvents,
  type ConnectionOptions,
} from '../connection/connection'
import { DialError, HandshakeError, type HandshakeErrorCode } from '../errors'
import { buildHello, checkHello } from '../handshake/hello'
import { keepFirst } from '../manager/duplicates'
import type { Slot } from '../manager/slots'
import {
  DH_LENGTH,
  NoiseError,
  type SecureChannelOptions,
  type SecureConnection,
  secureInbound,
  secureOutbound,
  x25519KeyPairFromPrivateKey,
} from '../noise/index'
import type { RawConnection } from '../transport/index'
import type { NetworkBehaviour, PeerInfo, RejectReason } from '../types'
import type { InboundAdmission } from './admission'
import { type DialContext, dialAbortError } from './dial-context'
import type { NetworkState } from './state'

/** A connection past Noise, waiting for the remote hello. */
interface PendingHandshake {
  readonly conn: Connection
  readonly slot: Slot
  readonly dial: DialContext | undefined
  /** Replaces an open connection to the same peer instead of duplicate resolution. */
  readonly replace: boolean
  readonly deadline: Deadline
  settled: boolean
  readonly resolve: (peer: PeerInfo) => void
  readonly reject: (err: Error) => void
  readonly onAbort: () => void
}

/**
 * The upgrade of a transport connection into a peer: Noise XX, then the hello exchange, under one deadline;
 * then duplicates, inbound room (through {@link InboundAdmission}) and admission as an open peer. Every way
 * it can fail is counted, announced (`connection:rejected`) and turned into the typed error the dial rejects
 * with. It also settles what a closing connection leaves behind: its pending handshake, its slot, its peer.
 */
export class HandshakePath {
  private readonly state: NetworkState
  private readonly admission: InboundAdmission
  private readonly events: ConnectionEvents
  private readonly connectionOptions: ConnectionOptions
  private readonly handshakes = new Map<number, PendingHandshake>()

  constructor(state: NetworkState, admission: InboundAdmission, events: ConnectionEvents) {
    this.state = state
    this.admission = admission
    this.events = events
    const o = state.options
    this.connectionOptions = {
      maxMessageSize: o.maxMessageSize,
      sendQueueBytes: o.sendQueueBytes,
      maxSendWaiters: o.maxSendWaiters,
      laneWeights: o.laneWeights,
      rateLimits: o.rateLimits,
      rateLimitTolerancePerSecond: o.rateLimitTolerancePerSecond,
      rateLimitToleranceBurst: o.rateLimitToleranceBurst,
      junkBytesPerSecond: o.junkBytesPerSecond,
      junkByteBurst: o.junkByteBurst,
      maxInflightRequests: o.maxInflightRequests,
      pingIntervalMs: o.pingIntervalMs,
      idleTimeoutMs: o.idleTimeoutMs,
      disconnectLingerMs: o.disconnectLingerMs,
      latencyAlpha: o.latencyAlpha,
      sendQueueGraceMs: o.sendQueueGraceMs,
      receiveBufferBytes: o.receiveBufferBytes,
    }
  }

  /** Runs Noise then the hello exchange under one deadline; resolves once the peer is admitted. */
  async upgrade(
    raw: RawConnection,
    slot: Slot,
    dial: DialContext | undefined,
    replaceInbound = false,
  ): Promise<PeerInfo> {
    const s = this.state
    // An outbound handshake runs under its dial's deadline (which stop() aborts); an inbound one gets its own
    // controller in `inflight`.
    const stopper = dial === undefined ? s.trackInflight() : undefined
    const parent = dial?.deadline.signal ?? (stopper as AbortController).signal
    const timer = deadline(s.clock, s.options.handshakeTimeoutMs, parent, 'handshake')
    let conn: Connection | undefined
    try {
      let secure: SecureConnection
      try {
        const secureOptions: SecureChannelOptions = {
          identity: s.identity,
          networkId: s.networkId,
          clock: s.clock,
          // `timer` is the deadline of Noise and hello together: the channel sets none of its own.
          handshakeTimeoutMs: Number.POSITIVE_INFINITY,
          signal: timer.signal,
          expectedPeerId: dial?.peerId,
          logger: s.log,
          rekey: s.rekey,
          sendBudget: s.sendBudget,
          ...(s.entropy === undefined
            ? {}
            : {
                staticKey: s.noiseStaticKey,
                ephemeralKey: x25519KeyPairFromPrivateKey(s.entropy(DH_LENGTH)),
              }),
          ...(s.transportAead === undefined ? {} : { transportAead: s.transportAead }),
        }
        secure = await (raw.direction === 'outbound'
          ? secureOutbound(raw, secureOptions)
          : secureInbound(raw, secureOptions))
      } catch (err) {
        throw this.noiseFailed(raw, err, timer, dial)
      }
      conn = new Connection(
        { clock: s.clock, random: s.random, logger: s.log },
        this.connectionOptions,
        this.events,
        { id: s.nextConnectionId++, raw, secure, kind: slot.kind, dialedAddress: dial?.address },
      )
      s.connections.set(conn.id, conn)
      s.slotOf.set(conn.id, slot)
      const c = conn
      void conn.closed.then(() => s.connections.delete(c.id))
      return await this.exchangeHello(conn, slot, timer, dial, dial?.replace ?? replaceInbound)
    } finally {
      timer.clear()
      if (stopper !== undefined) s.inflight.delete(stopper)
      if (conn === undefined) {
        s.slots.release(slot)
        s.updateGauges()
      }
    }
  }

  /** The connection's first message (hello, or a disconnect, or something that failed to decode). */
  handshakeMessage(conn: Connection, message: Message | CodecError): void {
    const pending = this.handshakes.get(conn.id)
    if (pending === undefined || pending.settled) return
    if (CodecError.isInstance(message)) {
      this.fail(
        pending,
        'bad_handshake',
        'ERR_HANDSHAKE_FAILED',
        `malformed hello (${message.code})`,
        'handshake-failure',
      )
      return
    }
    if (message.type === 'disconnect') {
      this.settle(pending)
      const { reason, message: text } = message.data
      const error = new HandshakeError(
        'ERR_REMOTE_DISCONNECT',
        `the peer disconnected during the handshake: ${reason}`,
        { reason, message: text, peerId: conn.peerId },
      )
      this.state.rejected(conn.direction, conn.remoteAddress, conn.peerId, 'remote_disconnect', error)
      void conn.close(reason, 'remote', text)
      pending.reject(error)
      return
    }
    if (message.type !== 'hello') {
      this.fail(
        pending,
        'bad_handshake',
        'ERR_HANDSHAKE_FAILED',
        `the first message is ${message.type}, not hello`,
        'handshake-failure',
      )
      return
    }
    const rejection = checkHello(message.data, this.state.options, this.state.clock.now())
    if (rejection !== undefined) {
      this.fail(pending, rejection.reason, rejection.code, rejection.detail, rejection.behaviour)
      return
    }
    this.admit(pending, message.data)
  }

  /**
   * A connection started closing: fails its handshake if one is pending, hands its slot back, and forgets it
   * as a peer (`peer:disconnected`). Returns whether it was an open peer.
   */
  closing(conn: Connection): boolean {
    const s = this.state
    const info = conn.closeInfo as CloseInfo
    const pending = this.handshakes.get(conn.id)
    if (pending !== undefined && !pending.settled) {
      this.settle(pending)
      const error = new HandshakeError(
        'ERR_CONNECTION_CLOSED',
        'the connection closed during the handshake',
        {
          peerId: conn.peerId,
          remoteAddress: conn.remoteAddress,
        },
        { cause: info.error },
      )
      s.rejected(conn.direction, conn.remoteAddress, conn.peerId, 'handshake_failed', error)
      pending.reject(error)
    }
    const slot = s.slotOf.get(conn.id)
    if (slot !== undefined) {
      s.slots.release(slot)
      s.slotOf.delete(conn.id)
    }
    let wasPeer = false
    if (s.peersById.get(conn.peerId) === conn) {
      wasPeer = true
      s.peersById.delete(conn.peerId)
      s.openByKind[conn.kind]--
      s.metrics.disconnects.inc(1, { reason: info.reason, initiator: info.initiator })
      s.log.debug(
        { peer: conn.peerId, reason: info.reason, initiator: info.initiator, err: info.error },
        'peer disconnected',
      )
      s.safeEmit('peer:disconnected', {
        peer: s.infoOf(conn),
        reason: info.reason,
        initiator: info.initiator,
        ...(info.message === undefined ? {} : { message: info.message }),
        ...(info.error === undefined ? {} : { error: info.error }),
      })
    }
    s.updateGauges()
    return wasPeer
  }

  /** Maps a failed Noise handshake to the error to throw, counting and announcing it. */
  private noiseFailed(
    raw: RawConnection,
    err: unknown,
    timer: Deadline,
    dial: DialContext | undefined,
  ): Error {
    const s = this.state
    raw.close()
    let error = err instanceof Error ? err : new Error(String(err))
    let reason: RejectReason = 'handshake_failed'
    const aborted = dial !== undefined ? dialAbortError(dial) : undefined
    if (aborted !== undefined) {
      error = aborted
      reason = DialError.isInstance(aborted) ? 'handshake_timeout' : 'aborted'
    } else if (
      (timer.signal.aborted && TimeoutError.isInstance(timer.signal.reason)) ||
      (NoiseError.isInstance(err) && err.code === 'ERR_HANDSHAKE_TIMEOUT')
    ) {
      error = new HandshakeError(
        'ERR_HANDSHAKE_TIMEOUT',
        `handshake did not finish within ${s.options.handshakeTimeoutMs} ms`,
        { remoteAddress: raw.remoteAddress, timeoutMs: s.options.handshakeTimeoutMs },
        { cause: err },
      )
      reason = 'handshake_timeout'
    } else if (!s.started) {
      error = new AbortError('the network is stopping', { cause: err })
      reason = 'shutdown'
    } else if (
      raw.direction === 'outbound' &&
      NoiseError.isInstance(err) &&
      err.code === 'ERR_NOISE_DECRYPT'
    ) {
      // The prologue binds the network id: a responder of another network is the usual reason message 2
      // does not decrypt (the other is tampering on the path). The Noise error stays as the cause.
      error = new HandshakeError(
        'ERR_NETWORK_MISMATCH',
        `${raw.remoteAddress} is not on network ${s.networkId} with our rekey schedule (the Noise handshake did not decrypt)`,
        { remoteAddress: raw.remoteAddress, networkId: s.networkId },
        { cause: err },
      )
      reason = 'network_mismatch'
    }
    s.rejected(raw.direction, raw.remoteAddress, undefined, reason, error)
    return error
  }

  private exchangeHello(
    conn: Connection,
    slot: Slot,
    timer: Deadline,
    dial: DialContext | undefined,
    replace: boolean,
  ): Promise<PeerInfo> {
    const s = this.state
    return new Promise<PeerInfo>((resolve, reject) => {
      const pending: PendingHandshake = {
        conn,
        slot,
        dial,
        replace,
        deadline: timer,
        settled: false,
        resolve,
        reject,
        onAbort: () => this.aborted(pending),
      }
      this.handshakes.set(conn.id, pending)
      if (timer.signal.aborted) {
        pending.onAbort()
        return
      }
      timer.signal.addEventListener('abort', pending.onAbort, { once: true })
      if (conn.peerId === s.peerId) {
        this.fail(pending, 'self_connection', 'ERR_SELF_CONNECTION', 'connected to ourselves', undefined)
        return
      }
      if (s.gater !== undefined && !s.gater.allowPeer(conn.peerId)) {
        this.fail(pending, 'banned', 'ERR_PEER_DENIED', 'the gater refused the peer', undefined)
        return
      }
      // Inbound capacity is settled once the peer is authenticated and before our hello: a full node
      // refuses with `too_many_peers` as the first message, or evicts someone for the newcomer.
      if (!this.makeInboundRoom(pending)) return
      const hello = buildHello(s.options, s.local, s.announced(), conn.remoteAddress, s.clock.now())
      conn.sendControl({ type: 'hello', data: hello })
    })
  }

  private aborted(pending: PendingHandshake): void {
    if (pending.settled) return
    const s = this.state
    const aborted = pending.dial !== undefined ? dialAbortError(pending.dial) : undefined
    if (aborted !== undefined || !s.started) {
      this.settle(pending)
      const error = aborted ?? new AbortError('the network is stopping')
      s.rejected(pending.conn.direction, pending.conn.remoteAddress, pending.conn.peerId, 'aborted', error)
      void pending.conn.close(s.started ? 'timeout' : 'shutdown', 'local')
      pending.reject(error)
      return
    }
    this.fail(
      pending,
      'timeout',
      'ERR_HANDSHAKE_TIMEOUT',
      `no hello within ${s.options.handshakeTimeoutMs} ms`,
      undefined,
    )
  }

  private fail(
    pending: PendingHandshake,
    reason: DisconnectReason,
    code: HandshakeErrorCode,
    detail: string,
    behaviour: NetworkBehaviour | undefined,
  ): void {
    if (pending.settled) return
    this.settle(pending)
    const conn = pending.conn
    if (behaviour !== undefined) this.state.report(conn.peerId, behaviour, detail)
    const error = new HandshakeError(code, detail, {
      reason,
      peerId: conn.peerId,
      remoteAddress: conn.remoteAddress,
    })
    this.state.rejected(conn.direction, conn.remoteAddress, conn.peerId, rejectReasonOf(reason), error)
    void conn.close(reason, 'local', detail)
    pending.reject(error)
  }

  private settle(pending: PendingHandshake): void {
    pending.settled = true
    this.handshakes.delete(pending.conn.id)
    pending.deadline.signal.removeEventListener('abort', pending.onAbort)
  }

  /** Room for an inbound newcomer, or its handshake failed with `too_many_peers`; false when failed. */
  private makeInboundRoom(pending: PendingHandshake): boolean {
    if (this.admission.makeRoom(pending.conn)) return true
    this.fail(pending, 'too_many_peers', 'ERR_HANDSHAKE_FAILED', 'no free inbound slot', undefined)
    return false
  }

  /**
   * A connection replaced by a new one (`DialOptions.replace`) is no longer the peer's. The end that dialed
   * the new connection admits it last (it needs the other end's hello, which that end sends once Noise is
   * done and then admits at once), so it closes the old connection now; the other end leaves it to that
   * close (which cannot arrive before it admitted) and closes it itself only if nothing came within a
   * handshake timeout. Closing at once on both ends could reach the dialing end before it admitted, and look
   * like the peer left.
   */
  private retire(old: Connection, replacement: Connection): void {
    const s = this.state
    if (replacement.direction === 'outbound') {
      void old.close('duplicate', 'local', 'replaced by a new connection')
      return
    }
    const timer = s.clock.setTimeout(
      () => void old.close('duplicate', 'local', 'replaced by a new connection'),
      s.options.handshakeTimeoutMs,
    )
    void old.closed.then(() => s.clock.clearTimeout(timer))
  }

  /** Admits a connection whose hello checked out: duplicates, inbound capacity and eviction, then open. */
  private admit(pending: PendingHandshake, hello: HelloData): void {
    const s = this.state
    const conn = pending.conn
    const existing = s.peersById.get(conn.peerId)
    if (existing !== undefined) {
      if (!pending.replace && !keepFirst(s.peerId, conn.peerId, conn, existing)) {
        this.settle(pending)
        s.rejected(conn.direction, conn.remoteAddress, conn.peerId, 'duplicate')
        void conn.close('duplicate', 'local', 'already connected')
        pending.resolve(s.infoOf(existing))
        return
      }
      if (!pending.replace) void existing.close('duplicate', 'local', 'replaced by a simultaneous connection')
    }
    // Checked again: another newcomer may have taken the room made for this one.
    if (!this.makeInboundRoom(pending)) return
    this.settle(pending)
    s.slots.markOpen(pending.slot)
    conn.open(pending.slot.kind, hello)
    s.peersById.set(conn.peerId, conn)
    // Retired once the new connection is the peer's: its close is then no longer the peer's disconnect (so
    // it is no longer counted as an open peer here).
    if (pending.replace && existing !== undefined) {
      s.openByKind[existing.kind]--
      this.retire(existing, conn)
    }
    s.openByKind[conn.kind]++
    s.updateGauges()
    const peer = s.infoOf(conn)
    s.log.debug({ peer: conn.peerId, direction: conn.direction, kind: conn.kind }, 'peer connected')
    s.safeEmit('peer:connected', { peer })
    pending.resolve(peer)
    if (conn.kind === 'feeler') void conn.close('requested', 'local', 'feeler connection')
  }
}

/** The rejection reason recorded for a handshake ended with disconnect reason `reason`. */
function rejectReasonOf(reason: DisconnectReason): RejectReason {
  switch (reason) {
    case 'network_mismatch':
    case 'incompatible_version':
    case 'self_connection':
    case 'clock_skew':
      return reason
    case 'banned':
      return 'gater'
    case 'too_many_peers':
      return 'inbound_full'
    case 'timeout':
      return 'handshake_timeout'
    case 'shutdown':
      return 'shutdown'
    default:
      return 'handshake_failed'
  }
}
