import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { formatHost, normalizeHost } from './address'
import type { Direction, RawConnection } from './transport'

/** A {@link RawConnection} over a byte stream whose addresses come from a Node socket. */
export class SocketConnection implements RawConnection {
  readonly stream: Duplex
  readonly remoteAddress: string
  readonly localAddress: string
  readonly remoteHost: string
  readonly direction: Direction

  constructor(
    stream: Duplex,
    addresses: { remoteAddress: string; localAddress: string; remoteHost: string },
    direction: Direction,
  ) {
    this.stream = stream
    this.remoteAddress = addresses.remoteAddress
    this.localAddress = addresses.localAddress
    this.remoteHost = addresses.remoteHost
    this.direction = direction
  }

  close(err?: Error): void {
    if (!this.stream.destroyed) this.stream.destroy(err)
  }
}

/**
 * The URLs and normalised remote host of a connected socket, or undefined when the socket already closed
 * (its addresses are gone). `localPath` is appended to the local URL (a WebSocket listener's path).
 */
export function socketAddresses(
  socket: Socket,
  scheme: string,
  remotePath = '',
  localPath = '',
): { remoteAddress: string; localAddress: string; remoteHost: string } | undefined {
  const { remoteAddress, remotePort, localAddress, localPort } = socket
  if (remoteAddress === undefined || remotePort === undefined) return undefined
  if (localAddress === undefined || localPort === undefined) return undefined
  const remoteHost = normalizeHost(remoteAddress)
  const local = normalizeHost(localAddress)
  return {
    remoteHost,
    remoteAddress: `${scheme}//${formatHost(remoteHost)}:${remotePort}${remotePath === '/' ? '' : remotePath}`,
    localAddress: `${scheme}//${formatHost(local)}:${localPort}${localPath === '/' ? '' : localPath}`,
  }
}
