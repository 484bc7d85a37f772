/** Label values of one metric sample, such as `{ type: 'ping', direction: 'in' }`. */
export type Labels = Readonly<Record<string, string | number>>

/** A monotonically increasing count. */
export interface Counter {
  inc(value?: number, labels?: Labels): void
}

/** A value that goes up and down. */
export interface Gauge {
  set(value: number, labels?: Labels): void
  inc(value?: number, labels?: Labels): void
  dec(value?: number, labels?: Labels): void
}

/** A distribution of observed values (latencies, sizes). */
export interface Histogram {
  observe(value: number, labels?: Labels): void
}

/** How a metric is declared: its name (snake_case, prefixed by the package), help text and label names. */
export interface MetricOptions {
  name: string
  help: string
  labelNames?: readonly string[]
}

/** Histogram declaration: bucket upper bounds are optional (the binding chooses defaults). */
export interface HistogramOptions extends MetricOptions {
  buckets?: readonly number[]
}

/**
 * The small metrics registry packages record through. apps/node binds it to prom-client; by default it
 * is {@link noopMetrics}. Declaring the same name twice returns the same metric.
 */
export interface Metrics {
  counter(options: MetricOptions): Counter
  gauge(options: MetricOptions): Gauge
  histogram(options: HistogramOptions): Histogram
}

const noopCounter: Counter = { inc: () => {} }
const noopGauge: Gauge = { set: () => {}, inc: () => {}, dec: () => {} }
const noopHistogram: Histogram = { observe: () => {} }

/** A registry whose metrics record nothing; the default of every package. */
export const noopMetrics: Metrics = {
  counter: () => noopCounter,
  gauge: () => noopGauge,
  histogram: () => noopHistogram,
}
