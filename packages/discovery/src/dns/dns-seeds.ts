import {
  type Clock,
  deadline,
  type Logger,
  type Metrics,
  noopLogger,
  type OptionSpec,
  option,
} from '@chainwire/interface'
import { DiscoveryError } from '../errors'
import { type DiscoveryMetrics, discoveryMetrics } from '../metrics'
import { resolveServiceOptions } from '../util/options'
import { addressesFromRecords } from './records'
import { type DnsResolver, defaultResolver } from './resolver'

/** Options of DNS seeding; every field is optional. */
export interface DnsSeedOptions {
  /** Seed hostnames whose A, AAAA and TXT records list nodes. @default [] */
  seeds?: readonly string[]
  /** Port of the nodes named by A and AAAA records. @default 9333 */
  port?: number
  /** Scheme of the addresses built from A and AAAA records. @default 'tcp' */
  scheme?: 'tcp' | 'ws' | 'wss'
  /** Deadline of resolving one seed (all three record types). @default 5_000 */
  timeoutMs?: number
  /** Addresses taken from one seed at most. @default 64 */
  maxAddressesPerSeed?: number
}

/** What DNS seeding needs: a clock for deadlines, optionally a resolver, logger and metrics. */
export interface DnsSeedComponents {
  clock: Clock
  /** @default a `node:dns/promises` Resolver */
  dnsResolver?: DnsResolver
  logger?: Logger
  metrics?: Metrics
}

/** {@link DnsSeedOptions} with every default applied. */
export type ResolvedDnsSeedOptions = Required<DnsSeedOptions>

/** The spec of {@link DnsSeedOptions}: defaults and ranges. */
const DNS_SPEC: OptionSpec<ResolvedDnsSeedOptions> = {
  seeds: option.custom<readonly string[]>([], (v) =>
    Array.isArray(v) && v.every((a) => typeof a === 'string') ? undefined : 'must be an array of host names',
  ),
  port: option.integer(9333, { min: 1, max: 65_535 }),
  scheme: option.oneOf<'tcp' | 'ws' | 'wss'>('tcp', ['tcp', 'ws', 'wss']),
  timeoutMs: option.integer(5_000, { min: 1 }),
  maxAddressesPerSeed: option.integer(64, { min: 1 }),
}

/** Resolves DNS seed hostnames into node addresses (see {@link addressesFromRecords}). */
export class DnsSeeds {
  readonly options: ResolvedDnsSeedOptions
  private readonly c: DnsSeedComponents
  private readonly log: Logger
  private readonly metrics: DiscoveryMetrics

  constructor(components: DnsSeedComponents, options: DnsSeedOptions = {}) {
    this.c = components
    this.options = resolveServiceOptions(DNS_SPEC, options, 'dns')
    this.log = (components.logger ?? noopLogger).child({ component: 'dns-seeds' })
    this.metrics = discoveryMetrics(components.metrics)
  }

  /**
   * Resolves every seed (in parallel) and returns the addresses found, deduplicated. A seed that fails or
   * times out contributes nothing; rejects with `ERR_DNS_FAILED` only when every seed failed.
   */
  async resolveAll(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    if (this.options.seeds.length === 0) return []
    const results = await Promise.allSettled(
      this.options.seeds.map((s) => this.resolveSeed(s, options.signal)),
    )
    const out = new Set<string>()
    let failures = 0
    for (const r of results) {
      if (r.status === 'fulfilled') for (const a of r.value) out.add(a)
      else failures++
    }
    if (failures === results.length) {
      throw new DiscoveryError('ERR_DNS_FAILED', 'no DNS seed could be resolved', {
        seeds: this.options.seeds,
      })
    }
    this.metrics.discovered.inc(out.size, { method: 'dns' })
    return [...out]
  }

  /** Resolves one seed hostname into addresses. Rejects with `ERR_DNS_FAILED` when no record type resolved. */
  async resolveSeed(hostname: string, signal?: AbortSignal): Promise<string[]> {
    const resolver = this.c.dnsResolver ?? defaultResolver()
    const timer = deadline(this.c.clock, this.options.timeoutMs, signal, `DNS seed ${hostname}`)
    const onAbort = (): void => resolver.cancel?.()
    timer.signal.addEventListener('abort', onAbort)
    const aborted = new Promise<never>((_, reject) => {
      const fail = (): void => reject(new DiscoveryError('ERR_DNS_FAILED', `${hostname} timed out`))
      if (timer.signal.aborted) fail()
      else timer.signal.addEventListener('abort', fail, { once: true })
    })
    aborted.catch(() => undefined)
    try {
      const settled = await Promise.race([
        Promise.allSettled([
          resolver.resolve4(hostname),
          resolver.resolve6(hostname),
          resolver.resolveTxt(hostname),
        ]),
        aborted,
      ])
      const [a, aaaa, txt] = settled
      if (a.status === 'rejected' && aaaa.status === 'rejected' && txt.status === 'rejected') {
        throw new DiscoveryError(
          'ERR_DNS_FAILED',
          `${hostname} did not resolve`,
          { hostname },
          { cause: a.reason },
        )
      }
      const addresses = addressesFromRecords(
        {
          a: a.status === 'fulfilled' ? a.value : [],
          aaaa: aaaa.status === 'fulfilled' ? aaaa.value : [],
          txt: txt.status === 'fulfilled' ? txt.value : [],
        },
        { port: this.options.port, scheme: this.options.scheme, max: this.options.maxAddressesPerSeed },
      )
      this.log.debug({ hostname, addresses: addresses.length }, 'DNS seed resolved')
      return addresses
    } finally {
      timer.signal.removeEventListener('abort', onAbort)
      timer.clear()
    }
  }
}
