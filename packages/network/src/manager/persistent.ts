import type { Clock, Logger, PeerId, TimerHandle } from '@chainwire/interface'
import type { PeerInfo } from '../types'
import type { DialBackoff } from './backoff'

interface Entry {
  timer: TimerHandle | undefined
  peerId: PeerId | undefined
  dialing: boolean
}

/**
 * The addresses to keep connected: each is dialed at start, and redialed after its backoff whenever its dial
 * fails or its connection ends. Timers run on the injected clock and are all cleared by `stop()`.
 */
export class PersistentPeers {
  private readonly clock: Clock
  private readonly backoff: DialBackoff
  private readonly dial: (address: string) => Promise<PeerInfo>
  private readonly isConnected: (peerId: PeerId) => boolean
  private readonly log: Logger
  private readonly entries = new Map<string, Entry>()
  private running = false

  constructor(
    clock: Clock,
    backoff: DialBackoff,
    dial: (address: string) => Promise<PeerInfo>,
    isConnected: (peerId: PeerId) => boolean,
    log: Logger,
  ) {
    this.clock = clock
    this.backoff = backoff
    this.dial = dial
    this.isConnected = isConnected
    this.log = log
  }

  /** The addresses kept. */
  addresses(): string[] {
    return [...this.entries.keys()]
  }

  get size(): number {
    return this.entries.size
  }

  has(address: string): boolean {
    return this.entries.has(address)
  }

  add(address: string): void {
    if (this.entries.has(address)) return
    this.entries.set(address, { timer: undefined, peerId: undefined, dialing: false })
    if (this.running) this.connect(address)
  }

  remove(address: string): void {
    const entry = this.entries.get(address)
    if (entry === undefined) return
    this.clock.clearTimeout(entry.timer)
    this.entries.delete(address)
  }

  start(): void {
    this.running = true
    for (const address of this.entries.keys()) this.connect(address)
  }

  stop(): void {
    this.running = false
    for (const entry of this.entries.values()) {
      this.clock.clearTimeout(entry.timer)
      entry.timer = undefined
      entry.peerId = undefined
    }
  }

  /**
   * A connection to a peer ended: redial the persistent addresses it was reached through, after their
   * backoff, unless the peer is connected again by then (a duplicate connection replaced, or it dialed us).
   */
  disconnected(peerId: PeerId): void {
    for (const [address, entry] of this.entries) {
      if (entry.peerId !== peerId || entry.timer !== undefined) continue
      this.schedule(address, this.backoff.failure(address), peerId)
    }
  }

  private connect(address: string): void {
    const entry = this.entries.get(address)
    if (entry === undefined || !this.running || entry.dialing || entry.peerId !== undefined) return
    entry.dialing = true
    this.dial(address).then(
      (peer) => {
        entry.dialing = false
        if (this.entries.get(address) !== entry || !this.running) return
        entry.peerId = peer.peerId
      },
      (err: unknown) => {
        entry.dialing = false
        if (this.entries.get(address) !== entry || !this.running) return
        this.log.debug({ err, address }, 'persistent peer dial failed')
        const retryAt = this.backoff.retryAt(address)
        this.schedule(
          address,
          retryAt === undefined ? this.backoff.failure(address) : retryAt - this.clock.now(),
        )
      },
    )
  }

  private schedule(address: string, delayMs: number, previous?: PeerId): void {
    const entry = this.entries.get(address)
    if (entry === undefined || !this.running) return
    this.clock.clearTimeout(entry.timer)
    entry.timer = this.clock.setTimeout(
      () => {
        entry.timer = undefined
        if (previous !== undefined && this.isConnected(previous)) return
        entry.peerId = undefined
        this.connect(address)
      },
      Math.max(0, delayMs),
    )
  }
}
