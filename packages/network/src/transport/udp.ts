import { createSocket, type Socket } from 'node:dgram'
import { formatHost, type Logger, type SocketAddress, tryParseAddress } from '@chainwire/interface'
import { normalizeHost } from './address'
import { listenError } from './errors'
import type { DatagramReceiver, DatagramSocket } from './transport'

/**
 * Binds a UDP socket on the host and port of a `tcp://` listen address: a node's datagrams share its TCP
 * listen port, so the address peers know for its connections reaches its datagrams too (as Ethereum nodes
 * use one port for devp2p over TCP and discv5 over UDP). Rejects with `ERR_LISTEN_FAILED` when the port is
 * taken for UDP.
 */
export async function bindUdp(
  target: SocketAddress,
  address: string,
  onDatagram: DatagramReceiver,
  log: Logger,
): Promise<DatagramSocket> {
  const v6 = target.hostKind === 'ipv6'
  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 })
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close()
      reject(listenError(address, err))
    }
    socket.once('error', onError)
    socket.bind({ port: target.port, address: target.host, exclusive: true }, () => {
      socket.removeListener('error', onError)
      resolve()
    })
  })
  // a datagram socket never fails for good on one bad packet or unreachable peer: logged, kept open
  socket.on('error', (err) => log.debug({ err }, 'udp socket error'))
  socket.on('message', (bytes, rinfo) => {
    const host = normalizeHost(rinfo.address)
    onDatagram(bytes, { address: `tcp://${formatHost(host)}:${rinfo.port}`, host })
  })
  return new UdpSocket(socket, v6)
}

class UdpSocket implements DatagramSocket {
  readonly address: string
  private open = true

  constructor(
    private readonly socket: Socket,
    private readonly v6: boolean,
  ) {
    const bound = socket.address()
    this.address = `tcp://${formatHost(normalizeHost(bound.address))}:${bound.port}`
  }

  canSend(to: string): boolean {
    return this.target(to) !== undefined
  }

  send(to: string, bytes: Uint8Array): boolean {
    const target = this.target(to)
    if (target === undefined) return false
    this.socket.send(bytes, target.port, target.host, () => {
      // a send error (unreachable network, a full buffer) is a lost datagram: the caller's deadline sees it
    })
    return true
  }

  close(): Promise<void> {
    if (!this.open) return Promise.resolve()
    this.open = false
    return new Promise((resolve) => this.socket.close(() => resolve()))
  }

  /** An IP literal of this socket's family on a `tcp://` address, else undefined. */
  private target(to: string): SocketAddress | undefined {
    const parsed = this.open ? tryParseAddress(to) : undefined
    if (parsed?.scheme !== 'tcp' || parsed.port === 0) return undefined
    if (parsed.hostKind !== (this.v6 ? 'ipv6' : 'ipv4')) return undefined
    return parsed
  }
}
