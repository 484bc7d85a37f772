import type { Duplex } from 'node:stream'
import {
  AbortError,
  type AbortOptions,
  type Clock,
  type Deadline,
  deadline,
  type Logger,
  noopLogger,
  type PeerId,
  TimeoutError,
} from '@chainwire/interface'
import type { Identity } from '../identity/index'
import type { Direction, RawConnection } from '../transport/transport'
import { NoiseError } from './errors'
import { FrameDecoder, LENGTH_PREFIX } from './frame-decoder'
import { createHandshakePayload, encodeHandshakePayload, verifyHandshakePayload } from './handshake-payload'
import { HandshakeState } from './handshake-state'
import { NoiseStream } from './noise-stream'
import { checkRekeySchedule, DEFAULT_REKEY_SCHEDULE, type RekeySchedule } from './rekey'
import type { SendBudget } from './send-budget'
import type { TransportAead } from './transport-aead'
import { generateX25519KeyPair, type X25519KeyPair } from './x25519'

/** Default of {@link SecureChannelOptions.handshakeTimeoutMs}. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000
/**
 * The largest handshake message accepted, in bytes. chainwire's are 32, 193 and 161 bytes; the margin leaves
 * room for a later payload version while keeping what an unauthenticated peer can make us buffer tiny.
 */
export const MAX_HANDSHAKE_MESSAGE = 1024
/** The prologue is this string, the network id, a newline and the rekey schedule, UTF-8 encoded. */
export const PROLOGUE_PREFIX = 'chainwire/noise/2\n'

const EMPTY = Buffer.alloc(0)

/** Options of {@link secureOutbound} and {@link secureInbound}. */
export interface SecureChannelOptions extends AbortOptions {
  /** Our long-term identity; its key signs our Noise static key in the handshake payload. */
  identity: Identity
  /**
   * The network (chain) id, bound into the prologue: peers of different networks fail the handshake with
   * `ERR_NOISE_DECRYPT` before any identity is revealed by the initiator.
   */
  networkId: string
  /** The clock the handshake deadline runs on. */
  clock: Clock
  /**
   * Deadline for the whole handshake, from the call until the last message; progress does not extend it.
   * `Infinity` sets no timer of its own: the caller's `signal` is then the deadline (a `TimeoutError` as its
   * abort reason fails the handshake with `ERR_HANDSHAKE_TIMEOUT`). @default 5000
   */
  handshakeTimeoutMs?: number
  /**
   * The peer id we mean to reach (outbound dials to a known peer). A different proven id fails with
   * `ERR_PEER_ID_MISMATCH`; an initiator then aborts before sending its own identity.
   * @default undefined (any peer is accepted and reported in `remotePeerId`)
   */
  expectedPeerId?: PeerId
  /**
   * Our Noise static key pair. @default one generated in memory per {@link Identity} object on first use and
   * reused for its later connections (signed once)
   */
  staticKey?: X25519KeyPair
  /**
   * Our Noise ephemeral key pair for this handshake. Only deterministic simulations and test vectors pass
   * one; a predictable ephemeral key gives up forward secrecy. @default a fresh random one
   */
  ephemeralKey?: X25519KeyPair
  /**
   * The AEAD of the transport messages after the handshake (the handshake itself always runs ChaChaPoly).
   * Only a simulator passes one (netsim's null cipher, to spend less time on encryption); anything but the
   * default gives up the channel's confidentiality and integrity. @default CHACHA20_POLY1305
   */
  transportAead?: TransportAead
  /** Debug logging of failed handshakes and connections. @default noopLogger */
  logger?: Logger
  /**
   * When each direction replaces its key (Noise `REKEY()`): after this many transport messages or plaintext
   * bytes, whichever comes first. Both ends must agree; it is bound into the prologue, so a peer with
   * another schedule fails the handshake like a peer of another network (`ERR_NOISE_DECRYPT` at the
   * initiator). @default DEFAULT_REKEY_SCHEDULE (2^20 messages or 1 GiB)
   */
  rekey?: RekeySchedule
  /**
   * The plaintext the connection may seal per event-loop turn, shared with the other connections given the
   * same budget (a network shares one among all of its connections); sealing beyond it goes on in a later
   * turn, so sending a lot at once never holds the event loop for long. Connections of an in-process
   * transport ({@link RawConnection.inProcess}) ignore it. @default undefined (no limit)
   */
  sendBudget?: SendBudget
}

/** An authenticated, encrypted connection to a proven peer. */
export interface SecureConnection {
  /** The peer id the remote proved (its identity key signed its Noise static key). */
  readonly remotePeerId: PeerId
  /** The remote's raw 32-byte Ed25519 identity public key. */
  readonly remoteIdentityKey: Uint8Array
  readonly direction: Direction
  /** The Noise handshake hash: identical on both ends and unique to this session (a channel binding). */
  readonly handshakeHash: Uint8Array
  /**
   * The plaintext byte stream. Write application bytes (`write()` returns false until 'drain'), read them
   * with 'data' / `read()` / async iteration (`pause()` stops reading from the socket), `end()` to finish
   * sending. Errors arrive as {@link NoiseError}s through 'error' / `errored` / 'close'.
   */
  readonly stream: Duplex
  /** How many times each direction replaced its key so far (see `SecureChannelOptions.rekey`). */
  readonly rekeys: { readonly sent: number; readonly received: number }
  /** Tears the connection down at once (the stream and the underlying connection); idempotent. */
  close(err?: Error): void
}

interface Credentials {
  readonly staticKey: X25519KeyPair
  readonly payload: Buffer
}

const credentialsByIdentity = new WeakMap<Identity, Credentials>()

/** Credentials of a caller-supplied static key, per identity (signed once, like the generated ones). */
const credentialsByStaticKey = new WeakMap<X25519KeyPair, WeakMap<Identity, Credentials>>()

function credentialsFor(identity: Identity, staticKey: X25519KeyPair | undefined): Credentials {
  if (staticKey !== undefined) {
    let byIdentity = credentialsByStaticKey.get(staticKey)
    if (byIdentity === undefined) {
      byIdentity = new WeakMap()
      credentialsByStaticKey.set(staticKey, byIdentity)
    }
    let credentials = byIdentity.get(identity)
    if (credentials === undefined) {
      credentials = {
        staticKey,
        payload: encodeHandshakePayload(createHandshakePayload(identity, staticKey.publicKey)),
      }
      byIdentity.set(identity, credentials)
    }
    return credentials
  }
  let credentials = credentialsByIdentity.get(identity)
  if (credentials === undefined) {
    const key = generateX25519KeyPair()
    credentials = {
      staticKey: key,
      payload: encodeHandshakePayload(createHandshakePayload(identity, key.publicKey)),
    }
    credentialsByIdentity.set(identity, credentials)
  }
  return credentials
}

/**
 * The prologue of a network and rekey schedule: `utf8("chainwire/noise/2\n" + networkId + "\nrekey " +
 * messages + " " + bytes)`, the numbers in decimal.
 */
export function noisePrologue(networkId: string, rekey: RekeySchedule = DEFAULT_REKEY_SCHEDULE): Buffer {
  return Buffer.from(`${PROLOGUE_PREFIX}${networkId}\nrekey ${rekey.messages} ${rekey.bytes}`, 'utf8')
}

/** The last prologue built, reused by the handshakes of the same network and schedule (read only). */
let lastPrologue: { networkId: string; messages: number; bytes: number; prologue: Buffer } | undefined

function cachedPrologue(networkId: string, rekey: RekeySchedule): Buffer {
  const last = lastPrologue
  if (last?.networkId === networkId && last.messages === rekey.messages && last.bytes === rekey.bytes) {
    return last.prologue
  }
  const prologue = noisePrologue(networkId, rekey)
  lastPrologue = { networkId, messages: rekey.messages, bytes: rekey.bytes, prologue }
  return prologue
}

/**
 * Runs the Noise XX handshake as initiator over a raw connection (or any Duplex) and resolves with the
 * secure connection. Rejects with a {@link NoiseError} (or an `AbortError` when `signal` aborts); on failure
 * the underlying connection is already closed.
 */
export function secureOutbound(
  connection: RawConnection | Duplex,
  options: SecureChannelOptions,
): Promise<SecureConnection> {
  return runHandshake(connection, options, 'outbound')
}

/** Runs the Noise XX handshake as responder; see {@link secureOutbound}. */
export function secureInbound(
  connection: RawConnection | Duplex,
  options: SecureChannelOptions,
): Promise<SecureConnection> {
  return runHandshake(connection, options, 'inbound')
}

function isRawConnection(value: RawConnection | Duplex): value is RawConnection {
  return typeof (value as Partial<Duplex>).pipe !== 'function' && 'stream' in value
}

const ignoreError = (): void => {}

function runHandshake(
  connection: RawConnection | Duplex,
  options: SecureChannelOptions,
  direction: Direction,
): Promise<SecureConnection> {
  const rawConnection = isRawConnection(connection) ? connection : undefined
  const raw = rawConnection !== undefined ? rawConnection.stream : (connection as Duplex)
  const logger = options.logger ?? noopLogger
  const initiator = direction === 'outbound'
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS
  const rekey = options.rekey ?? DEFAULT_REKEY_SCHEDULE
  const budget = options.sendBudget

  return new Promise<SecureConnection>((resolve, reject) => {
    let settled = false
    let handshake: HandshakeState
    let credentials: Credentials
    let received = 0
    const decoder = new FrameDecoder()
    // Stays for the life of the socket: no late socket error may become an uncaught exception.
    raw.on('error', ignoreError)
    // A caller that carries the deadline in its signal (the network: one deadline for Noise and hello) saves
    // a timer, a controller and a listener per handshake.
    const timer =
      timeoutMs === Number.POSITIVE_INFINITY
        ? signalOnly(options.signal)
        : deadline(options.clock, timeoutMs, options.signal, 'noise handshake')

    const cleanup = (): void => {
      timer.clear()
      timer.signal.removeEventListener('abort', onAbort)
      raw.off('data', onData)
      raw.off('end', onEnd)
      raw.off('close', onClose)
      raw.off('error', onError)
    }

    const teardown = (err: Error): void => {
      decoder.clear()
      logger.debug({ err, direction }, 'noise handshake failed')
      closeQuietly(rawConnection, err)
      if (!raw.destroyed) raw.destroy()
      reject(err)
    }

    const fail = (err: Error): void => {
      if (settled) return
      settled = true
      cleanup()
      teardown(err)
    }

    const onAbort = (): void => {
      const reason: unknown = timer.signal.reason
      fail(
        TimeoutError.isInstance(reason)
          ? new NoiseError('ERR_HANDSHAKE_TIMEOUT', `noise handshake timed out after ${timeoutMs} ms`, {
              timeoutMs,
            })
          : new AbortError('noise handshake aborted', { cause: reason }),
      )
    }
    const onEnd = (): void =>
      fail(new NoiseError('ERR_CONNECTION_CLOSED', 'the connection ended during the handshake'))
    const onClose = (): void =>
      fail(new NoiseError('ERR_CONNECTION_CLOSED', 'the connection closed during the handshake'))
    const onError = (err: Error): void =>
      fail(
        new NoiseError(
          'ERR_CONNECTION_CLOSED',
          'the connection failed during the handshake',
          { errno: (err as NodeJS.ErrnoException).code },
          { cause: err },
        ),
      )

    const send = (message: Buffer): void => {
      const frame = Buffer.allocUnsafe(LENGTH_PREFIX + message.length)
      frame.writeUInt16BE(message.length, 0)
      message.copy(frame, LENGTH_PREFIX)
      raw.write(frame)
    }

    const complete = (remote: RemoteIdentity): void => {
      settled = true
      cleanup()
      try {
        resolve(establish(raw, rawConnection, handshake, decoder, logger, remote, direction, rekey, budget))
      } catch (err) {
        teardown(asHandshakeError(err))
      }
    }

    const authenticate = (payload: Buffer): RemoteIdentity => {
      const remote = verifyHandshakePayload(payload, handshake.remoteStaticKey as Buffer)
      if (options.expectedPeerId !== undefined && remote.peerId !== options.expectedPeerId) {
        throw new NoiseError('ERR_PEER_ID_MISMATCH', 'the remote proved another peer id than expected', {
          expected: options.expectedPeerId,
          actual: remote.peerId,
        })
      }
      return remote
    }

    /** Handles one handshake message: msg 2 for the initiator, msgs 1 and 3 for the responder. */
    const receive = (message: Buffer): void => {
      const payload = handshake.readMessage(message)
      received++
      if (initiator) {
        const remote = authenticate(payload)
        send(handshake.writeMessage(credentials.payload))
        complete(remote)
      } else if (received === 1) {
        if (payload.length !== 0) {
          throw new NoiseError('ERR_NOISE_HANDSHAKE', 'the first handshake message carries no payload', {
            length: payload.length,
          })
        }
        send(handshake.writeMessage(credentials.payload))
      } else {
        complete(authenticate(payload))
      }
    }

    const onData = (chunk: Buffer): void => {
      decoder.push(chunk)
      try {
        while (!settled) {
          const length = decoder.nextFrame(0, MAX_HANDSHAKE_MESSAGE)
          if (length === undefined) return
          const message = decoder.takeContiguous(length)
          decoder.frameDone()
          receive(message)
        }
      } catch (err) {
        fail(asHandshakeError(err))
      }
    }

    if (timer.signal.aborted) {
      onAbort()
      return
    }
    timer.signal.addEventListener('abort', onAbort, { once: true })
    if (raw.destroyed || raw.readableEnded) {
      fail(new NoiseError('ERR_CONNECTION_CLOSED', 'the connection is already closed'))
      return
    }
    try {
      checkRekeySchedule(rekey)
      credentials = credentialsFor(options.identity, options.staticKey)
      handshake = new HandshakeState({
        initiator,
        prologue: cachedPrologue(options.networkId, rekey),
        staticKey: credentials.staticKey,
        ...(options.ephemeralKey === undefined ? {} : { ephemeralKey: options.ephemeralKey }),
        ...(options.transportAead === undefined ? {} : { transportAead: options.transportAead }),
      })
      raw.on('data', onData)
      raw.on('end', onEnd)
      raw.on('close', onClose)
      raw.on('error', onError)
      raw.resume()
      if (initiator) send(handshake.writeMessage(EMPTY))
    } catch (err) {
      fail(asHandshakeError(err))
    }
  })
}

/** A {@link Deadline} that is only the caller's signal (or one that never aborts): no timer. */
function signalOnly(signal: AbortSignal | undefined): Deadline {
  return { signal: signal ?? NEVER, clear: () => {} }
}

/** A signal that never aborts. */
const NEVER = new AbortController().signal

interface RemoteIdentity {
  readonly peerId: PeerId
  readonly identityKey: Uint8Array
}

/**
 * Builds the secure connection once the handshake is done. Outside the handshake's scope on purpose: a
 * closure made in there would keep that whole scope (keys, deadline, handshake state) alive for the life of
 * the connection.
 */
function establish(
  raw: Duplex,
  connection: RawConnection | undefined,
  handshake: HandshakeState,
  decoder: FrameDecoder,
  logger: Logger,
  remote: RemoteIdentity,
  direction: Direction,
  rekey: RekeySchedule,
  budget: SendBudget | undefined,
): SecureConnection {
  const ciphers = handshake.transportCiphers()
  const stream = new NoiseStream({
    raw,
    send: ciphers.send,
    receive: ciphers.receive,
    decoder,
    logger,
    rekey,
    ...(connection === undefined ? {} : { connection }),
    ...(budget === undefined || connection?.inProcess === true ? {} : { budget }),
  })
  return new EstablishedConnection(remote, direction, new Uint8Array(handshake.handshakeHash), stream)
}

/** The {@link SecureConnection} handed out (a class, so an idle connection holds no closures). */
class EstablishedConnection implements SecureConnection {
  readonly remotePeerId: PeerId
  readonly remoteIdentityKey: Uint8Array

  constructor(
    remote: RemoteIdentity,
    readonly direction: Direction,
    readonly handshakeHash: Uint8Array,
    readonly stream: NoiseStream,
  ) {
    this.remotePeerId = remote.peerId
    this.remoteIdentityKey = remote.identityKey
  }

  get rekeys(): { readonly sent: number; readonly received: number } {
    return this.stream.rekeys
  }

  close(err?: Error): void {
    this.stream.destroy(err)
  }
}

function asHandshakeError(err: unknown): NoiseError {
  if (NoiseError.isInstance(err)) return err
  return new NoiseError('ERR_NOISE_HANDSHAKE', 'noise handshake failed', {}, { cause: err })
}

/** Closes the transport connection; its `close` must not throw, but an event handler is no place to find out. */
function closeQuietly(connection: RawConnection | undefined, err: Error | undefined): void {
  try {
    connection?.close(err)
  } catch {
    // Nothing to do: the socket itself is destroyed by the caller.
  }
}
