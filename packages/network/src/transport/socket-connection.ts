import type { Server, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from '@chainwire/interface'
import { formatHost } from '@chainwire/interface'
import { normalizeHost } from './address'
import { listenError } from './errors'
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

/**
 * Binds a socket server (net, http or https) and resolves once it listens; a bind failure rejects with a
 * typed listen error. Later server errors are logged, never thrown.
 */
export async function bindServer(
  server: Server,
  address: string,
  target: { host: string; port: number },
  backlog: number,
  log: Logger,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(listenError(address, err))
    server.once('error', onError)
    server.listen({ host: target.host, port: target.port, backlog }, () => {
      server.removeListener('error', onError)
      resolve()
    })
  })
  server.on('error', (err) => log.warn({ err }, 'listener error'))
}
