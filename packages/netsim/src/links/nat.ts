/**
 * The NAT model of the simulated links (RFC 4787 / RFC 5382 terms): a home router in front of one node,
 * with its mapping and filtering behaviour and a mapping timeout. The simulated network consults it for
 * every dial and every chunk that crosses it.
 */

/**
 * How the NAT picks the external port of an outbound flow. `endpoint-independent`: one external port per
 * internal port, whatever the destination (full, restricted and port-restricted cone; Linux MASQUERADE);
 * `endpoint-dependent`: a new external port per destination (symmetric NAT; `MASQUERADE --random-fully`,
 * many carrier-grade NATs).
 */
export type NatMappingBehaviour = 'endpoint-independent' | 'endpoint-dependent'

/**
 * Which inbound packets a mapping lets in. `endpoint-independent`: from anyone (full cone); `address`: from
 * hosts the internal port has sent to (restricted cone); `address-and-port`: from the exact host and port it
 * has sent to (port-restricted cone, and what symmetric NATs do).
 */
export type NatFilteringBehaviour = 'endpoint-independent' | 'address' | 'address-and-port'

/** A NAT in front of a node, as a scenario gives it (`nodes.nat`). */
export interface NatSpec {
  readonly mapping: NatMappingBehaviour
  readonly filtering: NatFilteringBehaviour
  /** A mapping unused for this long (no packet either way) is removed; ms. */
  readonly timeoutMs: number
}

/** One NAT mapping: an internal port (and, for endpoint-dependent mapping, a destination) to an external port. */
export interface NatMapping {
  readonly external: number
  /** The internal port it belongs to. */
  readonly local: string
  /** Virtual ns of the last packet either way. */
  lastNs: number
  /** Who may send in: `host` or `host:port` (by filtering behaviour) to the last time we sent there. */
  readonly permits: Map<string, number>
}

/** Mappings one NAT holds at most: the external ports it has (the 1024-65535 range). */
const MAX_MAPPINGS = 64_512
/** Destinations remembered per mapping for filtering; the oldest is forgotten first. */
const MAX_PERMITS = 256
const FIRST_PORT = 1024

/** A short label for a NAT type, used in reports: `EIM/APDF`, `EDM/ADF`, ... */
export function natLabel(spec: NatSpec): string {
  const m = spec.mapping === 'endpoint-independent' ? 'EIM' : 'EDM'
  const f = { 'endpoint-independent': 'EIF', address: 'ADF', 'address-and-port': 'APDF' }[spec.filtering]
  return `${m}/${f}`
}

/** One node's router: its mapping table, keyed by internal port (and destination, when endpoint-dependent). */
export class NatBox {
  readonly host: string
  readonly spec: NatSpec
  private readonly timeoutNs: number
  private readonly byKey = new Map<string, NatMapping>()
  private readonly byExternal = new Map<number, NatMapping>()
  private nextPort = FIRST_PORT

  constructor(host: string, spec: NatSpec) {
    this.host = host
    this.spec = spec
    this.timeoutNs = spec.timeoutMs * 1_000_000
  }

  /** Mappings held now (expired ones may linger until the next sweep). */
  get size(): number {
    return this.byExternal.size
  }

  /**
   * A packet leaves internal port `local` for `host:port`: the mapping it goes out on (created if needed,
   * refreshed), which from now on lets that destination in; undefined when every external port is taken.
   */
  outbound(local: string, host: string, port: string, nowNs: number): NatMapping | undefined {
    const key = this.spec.mapping === 'endpoint-independent' ? local : `${local}>${host}:${port}`
    let m = this.byKey.get(key)
    if (m !== undefined && !this.alive(m, nowNs)) {
      this.remove(key, m)
      m = undefined
    }
    if (m === undefined) {
      const external = this.allocate(nowNs)
      if (external === undefined) return undefined
      m = { external, local, lastNs: nowNs, permits: new Map() }
      this.byKey.set(key, m)
      this.byExternal.set(external, m)
    }
    m.lastNs = nowNs
    const permit = this.permitKey(host, port)
    m.permits.delete(permit)
    m.permits.set(permit, nowNs)
    if (m.permits.size > MAX_PERMITS) m.permits.delete(m.permits.keys().next().value as string)
    return m
  }

  /** A packet from `host:port` reaches external port `external`: the mapping that lets it in, if any. */
  inbound(external: number, host: string, port: string, nowNs: number): NatMapping | undefined {
    const m = this.byExternal.get(external)
    if (m === undefined || !this.alive(m, nowNs)) return undefined
    if (this.spec.filtering !== 'endpoint-independent') {
      const sent = m.permits.get(this.permitKey(host, port))
      if (sent === undefined || nowNs - sent > this.timeoutNs) return undefined
    }
    return m
  }

  /** True while `m` has not timed out. */
  alive(m: NatMapping, nowNs: number): boolean {
    return nowNs - m.lastNs <= this.timeoutNs && this.byExternal.get(m.external) === m
  }

  private permitKey(host: string, port: string): string {
    return this.spec.filtering === 'address' ? host : `${host}:${port}`
  }

  private remove(key: string, m: NatMapping): void {
    this.byKey.delete(key)
    if (this.byExternal.get(m.external) === m) this.byExternal.delete(m.external)
  }

  /** The next free external port, sweeping expired mappings when the table is full. */
  private allocate(nowNs: number): number | undefined {
    if (this.byExternal.size >= MAX_MAPPINGS) {
      for (const [key, m] of this.byKey) if (!this.alive(m, nowNs)) this.remove(key, m)
      if (this.byExternal.size >= MAX_MAPPINGS) return undefined
    }
    for (;;) {
      const port = this.nextPort
      this.nextPort = port >= 65_535 ? FIRST_PORT : port + 1
      if (!this.byExternal.has(port)) return port
    }
  }
}
