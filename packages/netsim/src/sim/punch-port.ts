import { AbortError, type Clock, type TimerHandle } from '@chainwire/interface'
import {
  createMemoryTransport,
  type Listener,
  type MemoryEndpoint,
  type MemoryNetwork,
  type MemoryTransport,
  type RawConnection,
} from '@chainwire/network'
import { InvalidArgumentError, PunchFailedError } from '../errors'
import type { PublicAddress, PunchPortOwner } from '../links/nat-layer'
import type { SimNetwork } from '../links/sim-network'
import type { SimPort } from './types'

const PORT_ADDRESS = /^memory:\/\/ip-(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,10})$/

/** The public address `memory://ip-<host>-<port>` of a simulated punch port's mapping. */
export function simPortAddress(address: PublicAddress): string {
  return `memory://ip-${address.host}-${address.port}`
}

/** The host and port of a {@link simPortAddress}, or undefined for any other address. */
export function parseSimPortAddress(address: string): PublicAddress | undefined {
  const m = PORT_ADDRESS.exec(address)
  return m === null ? undefined : { host: m[1] as string, port: m[2] as string }
}

/** Initial SYN retransmission timeout, ms (RFC 6298), doubling per retransmission. */
const SYN_RTO_MS = 1_000
/** Pause before sending a SYN again after a reset, ms (what nat-traversal's TCP punch waits). */
const RESET_RETRY_MS = 50

interface Open {
  readonly target: PublicAddress
  state: 'syn-sent' | 'establishing'
  /** Label of the endpoint whose connection we accept on our listener. */
  expect: string | undefined
  timer: TimerHandle | undefined
  rto: number
}

/** What a port needs from its node. */
export interface SimPortContext {
  readonly memory: MemoryNetwork
  readonly simnet: SimNetwork
  readonly clock: Clock
  readonly node: number
  readonly host: string
  readonly label: string
  /** Resolves a server (index or address) to its IP. */
  readonly hostOf: (server: number | string) => string | undefined
  /** The node a server is (for the round trip). */
  readonly nodeOf: (server: number | string) => number | undefined
}

/** A {@link SimPort}: its own memory endpoint (so every dial leaves from one local port) and listener. */
export class SimPunchPort implements SimPort, PunchPortOwner {
  readonly localPort: number
  private readonly ctx: SimPortContext
  private readonly transport: MemoryTransport
  private listener: Listener | undefined
  private readonly opens = new Map<string, Open>()
  private settle: ((conn: RawConnection | Error) => void) | undefined
  private closed = false

  private constructor(ctx: SimPortContext) {
    this.ctx = ctx
    this.transport = createMemoryTransport({ network: ctx.memory }, { host: ctx.host, label: ctx.label })
    this.localPort = this.transport.endpoint.id
    ctx.simnet.attach(this.transport.endpoint, ctx.node)
    ctx.simnet.nat.attachPort(this.transport.endpoint, ctx.node, this)
  }

  /** Opens a port and binds its listener. */
  static async open(ctx: SimPortContext): Promise<SimPunchPort> {
    const port = new SimPunchPort(ctx)
    port.listener = await port.transport.listen(`memory://${ctx.label}`, (conn) => port.onInbound(conn))
    return port
  }

  /** The port's endpoint (crashed with its node). */
  get endpoint(): MemoryEndpoint {
    return this.transport.endpoint
  }

  async mappedAddress(server: number | string, options: { signal?: AbortSignal } = {}): Promise<string> {
    const host = this.ctx.hostOf(server)
    const node = this.ctx.nodeOf(server)
    if (host === undefined || node === undefined)
      throw new InvalidArgumentError(`unknown server ${server}`, { argument: 'server', server })
    const mapped = this.ctx.simnet.nat.publicAddressOf(this.transport.endpoint, { host, port: '3478' })
    if (mapped === undefined) throw new PunchFailedError('the NAT has no port left')
    await this.ctx.clock.sleep(2 * this.ctx.simnet.nat.latencyMs(this.ctx.node, node), options.signal)
    return simPortAddress(mapped)
  }

  connect(remote: readonly string[], signal: AbortSignal): Promise<RawConnection> {
    if (this.settle !== undefined) return Promise.reject(new PunchFailedError('a connect is already running'))
    if (signal.aborted)
      return Promise.reject(new AbortError('the punch was aborted', { cause: signal.reason }))
    return new Promise<RawConnection>((resolve, reject) => {
      const onAbort = (): void => finish(new AbortError('the punch was aborted', { cause: signal.reason }))
      const finish = (result: RawConnection | Error): void => {
        signal.removeEventListener('abort', onAbort)
        this.settle = undefined
        for (const o of this.opens.values()) this.ctx.clock.clearTimeout(o.timer)
        this.opens.clear()
        if (result instanceof Error) reject(result)
        else resolve(result)
      }
      this.settle = finish
      signal.addEventListener('abort', onAbort, { once: true })
      for (const address of remote) {
        const target = parseSimPortAddress(address)
        if (target === undefined) continue
        const open: Open = { target, state: 'syn-sent', expect: undefined, timer: undefined, rto: SYN_RTO_MS }
        this.opens.set(keyOf(target), open)
        this.sendSyn(open)
      }
      if (this.opens.size === 0)
        finish(new PunchFailedError('no address a simulated punch can dial', { remote }))
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.settle?.(new PunchFailedError('the punch port was closed'))
    this.ctx.simnet.nat.detachPort(this.transport.endpoint)
    void this.listener?.close()
  }

  // ------------------------------------------------------------------------------------ PunchPortOwner

  synArrived(from: PublicAddress, fromLabel: string): 'accept' | 'ignore' | 'reset' {
    const open = this.opens.get(keyOf(from))
    if (open === undefined) return 'reset'
    if (open.state === 'establishing') return 'ignore'
    open.state = 'establishing'
    open.expect = fromLabel
    this.ctx.clock.clearTimeout(open.timer)
    return 'accept'
  }

  establish(target: PublicAddress, listener: MemoryEndpoint): boolean {
    const open = this.opens.get(keyOf(target))
    const settle = this.settle
    if (open === undefined || settle === undefined) return false
    open.state = 'establishing'
    this.ctx.clock.clearTimeout(open.timer)
    const controller = new AbortController()
    this.transport.dial(`memory://${listener.label}`, { signal: controller.signal }).then(
      (conn) => {
        if (this.settle === settle) settle(conn)
        else conn.close()
      },
      (err: Error) => {
        if (this.settle === settle) settle(err)
      },
    )
    return true
  }

  reset(target: PublicAddress): void {
    const open = this.opens.get(keyOf(target))
    if (open === undefined || open.state !== 'syn-sent') return
    this.ctx.clock.clearTimeout(open.timer)
    open.timer = this.ctx.clock.setTimeout(() => this.sendSyn(open), RESET_RETRY_MS)
  }

  // ------------------------------------------------------------------------------------------ internals

  private sendSyn(open: Open): void {
    if (open.state !== 'syn-sent' || this.closed) return
    this.ctx.simnet.nat.syn(this.transport.endpoint, open.target)
    const rto = open.rto
    open.rto = Math.min(rto * 2, 60_000)
    open.timer = this.ctx.clock.setTimeout(() => this.sendSyn(open), rto)
  }

  private onInbound(conn: RawConnection): void {
    const label = conn.remoteAddress.slice('memory://'.length)
    const settle = this.settle
    for (const open of this.opens.values()) {
      if (open.state === 'establishing' && open.expect === label && settle !== undefined) {
        settle(conn)
        return
      }
    }
    conn.close()
  }
}

function keyOf(a: PublicAddress): string {
  return `${a.host}:${a.port}`
}
