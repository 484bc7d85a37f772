/**
 * The packages' `Metrics` interface bound to prom-client: every counter, gauge and histogram a package
 * declares becomes a Prometheus metric in the node's registry (named `chainwire_<name>` unless it already
 * carries the prefix; a `_ms` metric is exposed in seconds as `_seconds`), plus Node's process metrics.
 */
import type {
  Counter,
  Gauge,
  Histogram,
  HistogramOptions,
  Labels,
  MetricOptions,
  Metrics,
} from '@chainwire/interface'
import * as prom from 'prom-client'

const PREFIX = 'chainwire_'

/** A `Metrics` on a prom-client registry. */
export class PrometheusMetrics implements Metrics {
  readonly registry: prom.Registry
  private readonly made = new Map<string, Counter | Gauge | Histogram>()
  private failures = 0
  private readonly collectors: (() => void)[] = []

  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = new prom.Registry()
    if (options.processMetrics !== false) {
      prom.collectDefaultMetrics({ register: this.registry, prefix: PREFIX })
      // prom-client names these gauges `_total`, which Prometheus reserves for counters (promtool refuses them)
      for (const kind of ['handles', 'requests', 'resources'])
        this.registry.removeSingleMetric(`${PREFIX}nodejs_active_${kind}_total`)
    }
  }

  counter(options: MetricOptions): Counter {
    return this.once(options, 'counter', () => {
      const c = new prom.Counter(this.config(options))
      const k = this.scale(options.name)
      return {
        inc: (value = 1, labels?: Labels) =>
          this.safe(() => (labels ? c.inc(labels, value * k) : c.inc(value * k))),
      }
    }) as Counter
  }

  gauge(options: MetricOptions): Gauge {
    return this.once(options, 'gauge', () => {
      const g = new prom.Gauge(this.config(options))
      const k = this.scale(options.name)
      return {
        set: (value: number, labels?: Labels) =>
          this.safe(() => (labels ? g.set(labels, value * k) : g.set(value * k))),
        inc: (value = 1, labels?: Labels) =>
          this.safe(() => (labels ? g.inc(labels, value * k) : g.inc(value * k))),
        dec: (value = 1, labels?: Labels) =>
          this.safe(() => (labels ? g.dec(labels, value * k) : g.dec(value * k))),
      }
    }) as Gauge
  }

  histogram(options: HistogramOptions): Histogram {
    return this.once(options, 'histogram', () => {
      const k = this.scale(options.name)
      const h = new prom.Histogram({
        ...this.config(options),
        ...(options.buckets !== undefined ? { buckets: options.buckets.map((b) => b * k) } : {}),
      })
      return {
        observe: (value: number, labels?: Labels) =>
          this.safe(() => (labels ? h.observe(labels, value * k) : h.observe(value * k))),
      }
    }) as Histogram
  }

  /** Registers a function run before every scrape (gauges read from the node's state). */
  beforeScrape(f: () => void): void {
    this.collectors.push(f)
  }

  /** The scrape: Prometheus' text exposition format. */
  scrape(): Promise<string> {
    for (const f of this.collectors) this.safe(f)
    return this.registry.metrics()
  }

  /** The content type of {@link scrape}. */
  get contentType(): string {
    return this.registry.contentType
  }

  /** Label misuse by a caller (counted in `chainwire_metrics_errors_total`); a metric never throws into a service. */
  get errors(): number {
    return this.failures
  }

  private once(options: MetricOptions, kind: string, make: () => Counter | Gauge | Histogram) {
    const name = this.name(options.name)
    const key = `${kind}:${name}`
    let metric = this.made.get(key)
    if (metric === undefined) {
      metric = this.registry.getSingleMetric(name) === undefined ? make() : this.dropIn(kind)
      this.made.set(key, metric)
    }
    return metric
  }

  /** A second metric of one name and another kind: refused by Prometheus, so it records nothing. */
  private dropIn(kind: string): Counter | Gauge | Histogram {
    this.failures++
    const none = () => {}
    return kind === 'histogram' ? { observe: none } : { inc: none, set: none, dec: none }
  }

  private config(options: MetricOptions) {
    return {
      name: this.name(options.name),
      help: options.help,
      labelNames: [...(options.labelNames ?? [])],
      registers: [this.registry],
    }
  }

  /** `chainwire_` prefixed, and a `_ms` metric in seconds (`_seconds`), Prometheus' base unit. */
  private name(name: string): string {
    const base = name.endsWith('_ms') ? `${name.slice(0, -3)}_seconds` : name
    return base.startsWith(PREFIX) ? base : PREFIX + base
  }

  /** What a value is multiplied by: 1/1000 for a `_ms` metric exposed in seconds. */
  private scale(name: string): number {
    return name.endsWith('_ms') ? 0.001 : 1
  }

  private safe(f: () => void): void {
    try {
      f()
    } catch {
      this.failures++
    }
  }
}
