import { networkInterfaces } from 'node:os'
import { NatError } from '../errors'
import { bindUdp, type StunClient, type StunEndpoint } from './client'

/** How a NAT maps one internal address to external ones (RFC 4787 §4.1, RFC 5780 §4.3). */
export type MappingBehaviour =
  /** No NAT: the server saw our own address. */
  | 'none'
  /** The same external address for every destination: hole punching works. */
  | 'endpoint-independent'
  /** A new external port per destination IP. */
  | 'address-dependent'
  /** A new external port per destination IP and port ("symmetric"): hole punching fails. */
  | 'address-and-port-dependent'

/** Which unsolicited inbound packets a NAT lets through (RFC 4787 §5, RFC 5780 §4.4). */
export type FilteringBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent'

/** The outcome of {@link classifyNat}. */
export interface NatClassification {
  /** Our external address as the primary server saw it (UDP). */
  readonly external: { host: string; port: number }
  /** UDP mapping behaviour. */
  readonly mapping: MappingBehaviour
  /** UDP filtering behaviour (needs a server that honours CHANGE-REQUEST). */
  readonly filtering: FilteringBehaviour
  /** TCP mapping behaviour, from two TCP Binding requests made from the same local port. */
  readonly tcpMapping: MappingBehaviour
  /** Our external TCP address (from the first TCP request). */
  readonly tcpExternal: { host: string; port: number }
}

/** Options of {@link classifyNat}. */
export interface ClassifyOptions {
  /** Deadline of each filtering probe (the ones that time out when the NAT filters). @default 1_500 */
  probeTimeoutMs?: number
  signal?: AbortSignal
}

const same = (a: { host: string; port: number }, b: { host: string; port: number }): boolean =>
  a.host === b.host && a.port === b.port

/**
 * Classifies the NAT in front of us against one RFC 5780 server (one that has a second IP and port, such as
 * a {@link StunServer} started with `alternateHost`): mapping by asking the other IP and port from the same
 * local socket, filtering by asking the server to answer from its other IP/port, and TCP mapping by two
 * TCP requests from the same local port to the two addresses. Throws `ERR_STUN_MISMATCH` when the server
 * announces no OTHER-ADDRESS.
 */
export async function classifyNat(
  client: StunClient,
  server: StunEndpoint,
  options: ClassifyOptions = {},
): Promise<NatClassification> {
  const probe = { timeoutMs: options.probeTimeoutMs ?? 1_500, signal: options.signal }
  const socket = await bindUdp(0, '0.0.0.0')
  try {
    const first = await client.bindingUdp(server, { socket, signal: options.signal })
    const other = first.otherAddress
    if (other === undefined) {
      throw new NatError('ERR_STUN_MISMATCH', 'the server has no OTHER-ADDRESS: it cannot classify NATs', {
        server: `${server.host}:${server.port}`,
      })
    }
    let mapping: MappingBehaviour
    if (isOwnAddress(first.mapped.host)) {
      mapping = 'none'
    } else {
      const second = await client.bindingUdp(
        { host: other.host, port: server.port },
        { socket, signal: options.signal },
      )
      if (same(second.mapped, first.mapped)) mapping = 'endpoint-independent'
      else {
        const third = await client.bindingUdp(other, { socket, signal: options.signal })
        mapping = same(third.mapped, second.mapped) ? 'address-dependent' : 'address-and-port-dependent'
      }
    }
    const answers = async (change: { ip: boolean; port: boolean }): Promise<boolean> => {
      try {
        await client.bindingUdp(server, { socket, change, ...probe, maxRequests: 3 })
        return true
      } catch (err) {
        if (NatError.isInstance(err) && err.code === 'ERR_STUN_TIMEOUT') return false
        throw err
      }
    }
    const filtering: FilteringBehaviour = (await answers({ ip: true, port: true }))
      ? 'endpoint-independent'
      : (await answers({ ip: false, port: true }))
        ? 'address-dependent'
        : 'address-and-port-dependent'
    const tcp = await tcpMappingOf(client, server, other, options.signal)
    return { external: first.mapped, mapping, filtering, ...tcp }
  } finally {
    socket.close()
  }
}

async function tcpMappingOf(
  client: StunClient,
  server: StunEndpoint,
  other: StunEndpoint,
  signal: AbortSignal | undefined,
): Promise<{ tcpMapping: MappingBehaviour; tcpExternal: { host: string; port: number } }> {
  // Both requests leave from one local port: the first keeps its connection open, so the port stays ours
  // (and its mapping alive) while the second dials from it too.
  const first = await client.bindingTcp(server, { keepOpen: true, signal })
  try {
    if (isOwnAddress(first.mapped.host)) return { tcpMapping: 'none', tcpExternal: first.mapped }
    const second = await client.bindingTcp(other, { localPort: first.local.port, signal })
    return {
      tcpMapping: same(second.mapped, first.mapped) ? 'endpoint-independent' : 'address-and-port-dependent',
      tcpExternal: first.mapped,
    }
  } finally {
    first.socket?.destroy()
  }
}

/** Whether `host` is an address of one of this host's interfaces (then no NAT is in between). */
function isOwnAddress(host: string): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.address === host) === true)
}
