import type { Counter, Gauge, Histogram, HistogramOptions, Labels, MetricOptions, Metrics } from '../metrics'

function key(labels: Labels | undefined): string {
  if (labels === undefined) return ''
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')
}

/**
 * A metrics registry that keeps every value in memory so tests can assert what a service recorded.
 * `get('name', labels)` returns a counter/gauge value; `observations('name', labels)` a histogram's samples.
 */
export class MemoryMetrics implements Metrics {
  private readonly values = new Map<string, Map<string, number>>()
  private readonly samples = new Map<string, Map<string, number[]>>()

  counter(options: MetricOptions): Counter {
    const series = this.series(options.name)
    return {
      inc: (value = 1, labels) => {
        const k = key(labels)
        series.set(k, (series.get(k) ?? 0) + value)
      },
    }
  }

  gauge(options: MetricOptions): Gauge {
    const series = this.series(options.name)
    return {
      set: (value, labels) => {
        series.set(key(labels), value)
      },
      inc: (value = 1, labels) => {
        const k = key(labels)
        series.set(k, (series.get(k) ?? 0) + value)
      },
      dec: (value = 1, labels) => {
        const k = key(labels)
        series.set(k, (series.get(k) ?? 0) - value)
      },
    }
  }

  histogram(options: HistogramOptions): Histogram {
    let series = this.samples.get(options.name)
    if (series === undefined) this.samples.set(options.name, (series = new Map()))
    const s = series
    return {
      observe: (value, labels) => {
        const k = key(labels)
        const list = s.get(k)
        if (list === undefined) s.set(k, [value])
        else if (list.length < 10_000) list.push(value)
      },
    }
  }

  /** The value of a counter or gauge for exactly these labels (0 if never recorded). */
  get(name: string, labels?: Labels): number {
    return this.values.get(name)?.get(key(labels)) ?? 0
  }

  /** The sum of a counter or gauge over all label sets. */
  total(name: string): number {
    let sum = 0
    for (const v of this.values.get(name)?.values() ?? []) sum += v
    return sum
  }

  /** The samples a histogram recorded for these labels (at most 10,000 kept). */
  observations(name: string, labels?: Labels): readonly number[] {
    return this.samples.get(name)?.get(key(labels)) ?? []
  }

  private series(name: string): Map<string, number> {
    let s = this.values.get(name)
    if (s === undefined) this.values.set(name, (s = new Map()))
    return s
  }
}
