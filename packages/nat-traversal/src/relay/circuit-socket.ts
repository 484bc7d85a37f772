import type { Socket } from 'node:net'
import { formatHost, parseAddress } from '@chainwire/interface'
import type { Direction, RawConnection, Transport } from '@chainwire/network'
import { NatError } from '../errors'

/**
 * Where the byte streams of relay circuits come from: a relay listens for circuit ends on it, a client dials
 * the relay's circuit address with it. TCP (`createTcpTransport()` of `@chainwire/network`) by default; a
 * simulator hands in its memory transport, so circuits cross its simulated links (and NATs).
 */
export type CircuitTransport = Pick<Transport, 'dial' | 'listen'>

/** The 4 bytes that open every circuit connection to a relay, before its 16-byte token. */
export const CIRCUIT_MAGIC = new Uint8Array([0x43, 0x57, 0x43, 0x31]) // "CWC1"
/** Length of a circuit token. */
export const CIRCUIT_TOKEN_LENGTH = 16
/** Length of the preamble: magic then token. */
export const CIRCUIT_PREAMBLE_LENGTH = CIRCUIT_MAGIC.length + CIRCUIT_TOKEN_LENGTH

/** The preamble a circuit end sends: magic and token. */
export function circuitPreamble(token: Uint8Array): Uint8Array {
  if (token.length !== CIRCUIT_TOKEN_LENGTH) {
    throw new NatError('ERR_CIRCUIT_FAILED', 'a circuit token is 16 bytes')
  }
  const out = new Uint8Array(CIRCUIT_PREAMBLE_LENGTH)
  out.set(CIRCUIT_MAGIC, 0)
  out.set(token, CIRCUIT_MAGIC.length)
  return out
}

/** The token of a preamble, or undefined when the bytes do not start with the magic. */
export function tokenOfPreamble(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < CIRCUIT_PREAMBLE_LENGTH) return undefined
  for (let i = 0; i < CIRCUIT_MAGIC.length; i++) if (bytes[i] !== CIRCUIT_MAGIC[i]) return undefined
  return bytes.subarray(CIRCUIT_MAGIC.length, CIRCUIT_PREAMBLE_LENGTH)
}

/** The `tcp://` URL of a socket's remote or local end. */
export function socketUrl(host: string | undefined, port: number | undefined): string {
  return `tcp://${formatHost(host ?? '0.0.0.0')}:${port ?? 0}`
}

/**
 * A {@link RawConnection} over a TCP socket that nat-traversal opened itself (one end of a relayed circuit, a
 * hole-punched socket), for `Network.addConnection`. `remoteHost` is the socket's remote IP: for a circuit
 * that is the relay's, so the inbound per-IP limits count circuits per relay.
 */
export function rawConnectionOf(socket: Socket, direction: Direction): RawConnection {
  const remoteAddress = socketUrl(socket.remoteAddress, socket.remotePort)
  return {
    stream: socket,
    remoteAddress,
    localAddress: socketUrl(socket.localAddress, socket.localPort),
    remoteHost: parseAddress(remoteAddress).host,
    direction,
    close: (err) => {
      if (!socket.destroyed) socket.destroy(err)
    },
  }
}

/**
 * The same connection with another direction: a circuit end or a punched stream is dialed by both peers, and
 * the network must see one side as inbound (it admits that side as an inbound connection from the relay).
 */
export function withDirection(raw: RawConnection, direction: Direction): RawConnection {
  if (raw.direction === direction) return raw
  return {
    stream: raw.stream,
    remoteAddress: raw.remoteAddress,
    localAddress: raw.localAddress,
    remoteHost: raw.remoteHost,
    direction,
    close: (err) => raw.close(err),
    ...(raw.setReadSink === undefined ? {} : { setReadSink: (sink) => raw.setReadSink?.(sink) }),
  }
}
