import {
  type Clock,
  isRoutable,
  LruMap,
  networkGroup,
  type OptionSpec,
  option,
  type PeerId,
  tryParseAddress,
} from '@chainwire/interface'
import { resolveNatOptions } from '../options'

/** Options of {@link ObservedAddresses}. */
export interface ObservedAddressOptions {
  /**
   * Distinct network groups (IPv4 /16, IPv6 /32) whose peers must report the same address before it is
   * confirmed: one peer, or many peers of one group, can never make us advertise a wrong address. @default 3
   */
  confirmations?: number
  /** Candidate addresses tracked at most (least recently reported forgotten first). @default 32 */
  maxCandidates?: number
  /** Reporters remembered per candidate at most (enough to count `confirmations` groups). @default 16 */
  maxReportersPerCandidate?: number
  /** A report older than this no longer counts, in ms (NAT mappings and public IPs change). @default 1_800_000 */
  reportTtlMs?: number
  /**
   * Ignore observed addresses that are not publicly routable (private, loopback, documentation ranges).
   * Turn off for labs and local networks. @default true
   */
  onlyRoutable?: boolean
}

type Resolved = Required<ObservedAddressOptions>

const spec: OptionSpec<Resolved> = {
  confirmations: option.integer(3, { min: 1, max: 64 }),
  maxCandidates: option.integer(32, { min: 1, max: 4_096 }),
  maxReportersPerCandidate: option.integer(16, { min: 1, max: 1_024 }),
  reportTtlMs: option.integer(1_800_000, { min: 1 }),
  onlyRoutable: option.boolean(true),
}

/** One peer's report of our address. */
interface Report {
  readonly group: string
  at: number
}

/** What happened to a report. */
export type ObservationOutcome = 'counted' | 'confirmed' | 'ignored'

/**
 * Tallies the addresses peers say they see for us (the `observedAddr` of their hello and later
 * `observed_address` messages), by address and by host alone. An address (or host) is confirmed once
 * reporters from at least `confirmations` distinct network groups agree within `reportTtlMs`; each peer
 * counts once per candidate, and many peers of one group count as one. Memory is bounded by `maxCandidates`
 * x `maxReportersPerCandidate`.
 */
export class ObservedAddresses {
  private readonly clock: Clock
  private readonly options: Resolved
  /** Candidate (canonical address or `host:` + host) -> reporter peer -> report. */
  private readonly candidates: LruMap<string, LruMap<PeerId, Report>>

  constructor(clock: Clock, options: ObservedAddressOptions = {}) {
    this.clock = clock
    this.options = resolveNatOptions(spec, options)
    this.candidates = new LruMap(this.options.maxCandidates * 2)
  }

  /**
   * Records that `reporter`, connected to us from `reporterHost`, sees us at `observed`. Returns `confirmed`
   * when this report confirmed the address (or its host) for the first time, `counted` when it was
   * counted, and `ignored` for an address that does not parse, is not routable (see `onlyRoutable`), or a
   * reporter whose host has no network group.
   */
  record(observed: string, reporter: PeerId, reporterHost: string): ObservationOutcome {
    const parsed = tryParseAddress(observed)
    if (parsed === undefined || parsed.scheme === 'memory' || parsed.port === 0) return 'ignored'
    if (this.options.onlyRoutable && !isRoutable(parsed)) return 'ignored'
    const group = networkGroup(reporterHost)
    if (group === undefined) return 'ignored'
    const now = this.clock.now()
    let outcome: ObservationOutcome = 'counted'
    for (const key of [parsed.address, `host:${parsed.host}`]) {
      const before = this.groupsOf(key, now) >= this.options.confirmations
      let reports = this.candidates.get(key)
      if (reports === undefined) {
        reports = new LruMap(this.options.maxReportersPerCandidate)
        this.candidates.set(key, reports)
      }
      reports.set(reporter, { group, at: now })
      if (!before && this.groupsOf(key, now) >= this.options.confirmations) outcome = 'confirmed'
    }
    return outcome
  }

  /** Forgets every report of a peer (for instance one found lying). */
  forgetReporter(reporter: PeerId): void {
    for (const reports of this.candidates.values()) reports.delete(reporter)
  }

  /** Confirmed addresses (scheme, host and port), most reported first. */
  confirmedAddresses(): string[] {
    return this.confirmed(false)
  }

  /** Confirmed public hosts (the IP alone: ports differ per connection behind most NATs), most reported first. */
  confirmedHosts(): string[] {
    return this.confirmed(true)
  }

  /** Distinct groups currently reporting `address` (or, with `host: true`, its host). */
  support(address: string, host = false): number {
    const parsed = tryParseAddress(address)
    if (parsed === undefined) return 0
    return this.groupsOf(host ? `host:${parsed.host}` : parsed.address, this.clock.now())
  }

  private confirmed(hosts: boolean): string[] {
    const now = this.clock.now()
    const out: { key: string; groups: number }[] = []
    for (const key of this.candidates.keys()) {
      if (key.startsWith('host:') !== hosts) continue
      const groups = this.groupsOf(key, now)
      if (groups >= this.options.confirmations) out.push({ key: hosts ? key.slice(5) : key, groups })
    }
    return out.sort((a, b) => b.groups - a.groups).map((c) => c.key)
  }

  /** Distinct groups among the fresh reports of a candidate; stale reports are dropped on the way. */
  private groupsOf(key: string, now: number): number {
    const reports = this.candidates.peek(key)
    if (reports === undefined) return 0
    const groups = new Set<string>()
    for (const [peer, report] of reports) {
      if (now - report.at > this.options.reportTtlMs) reports.delete(peer)
      else groups.add(report.group)
    }
    if (reports.size === 0) this.candidates.delete(key)
    return groups.size
  }
}
