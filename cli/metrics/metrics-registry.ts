/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text
 * exposition format (version 0.0.4). Enough for `--metrics-port`, without a dependency.
 *
 * Exposition grammar, per metric:
 *   # HELP <name> <help>
 *   # TYPE <name> counter|gauge|histogram
 *   <name>{<label>="<value>",…} <number>
 * Histograms add `_bucket{le="…"}` (cumulative, ending with `le="+Inf"`), `_sum` and `_count`.
 *
 * @example
 *   const registry = new MetricsRegistry();
 *   const records = registry.counter('sluice_records_total', 'Records.');
 *   records.inc({ component: 'orders-in' }, 10);
 *   registry.render(); // '# HELP sluice_records_total Records.\n…'
 */

export type Labels = Readonly<Record<string, string>>;

type Kind = 'counter' | 'gauge' | 'histogram';

interface Series {
  labels: Labels;
  value: number;
  buckets?: number[];
  sum?: number;
}

/** One metric family: a name, help, type and its labelled series. */
export class Metric {
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    readonly bucketBounds: readonly number[] = [],
  ) {}

  #get(labels: Labels): Series {
    const key = labelText(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, value: 0 };
      if (this.kind === 'histogram') {
        series.buckets = this.bucketBounds.map(() => 0);
        series.sum = 0;
      }
      this.#series.set(key, series);
    }
    return series;
  }

  /** Counters: adds `by` (≥ 0). */
  inc(labels: Labels, by = 1): void {
    if (by < 0) throw new RangeError(`counter ${this.name} cannot decrease (by ${by})`);
    this.#get(labels).value += by;
  }

  /** Gauges (and counters fed running totals, never lowered): sets the value. */
  set(labels: Labels, value: number): void {
    const series = this.#get(labels);
    series.value = this.kind === 'counter' ? Math.max(series.value, value) : value;
  }

  /** Histograms: records one observation. */
  observe(labels: Labels, value: number): void {
    const series = this.#get(labels);
    series.value++;
    series.sum! += value;
    this.bucketBounds.forEach((bound, i) => {
      if (value <= bound) series.buckets![i]++;
    });
  }

  /** The value of one series (tests, status). */
  value(labels: Labels): number | undefined {
    return this.#series.get(labelText(labels))?.value;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${this.name} ${this.kind}`];
    for (const s of this.#series.values()) {
      if (this.kind !== 'histogram') {
        lines.push(`${this.name}${labelText(s.labels)} ${formatNumber(s.value)}`);
        continue;
      }
      this.bucketBounds.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: formatNumber(bound) })} ${s.buckets![i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.value}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${formatNumber(s.sum!)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.value}`);
    }
    return lines.join('\n');
  }
}

/** Metric families by name, rendered together. */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();

  counter(name: string, help: string): Metric {
    return this.#add(new Metric(name, help, 'counter'));
  }

  gauge(name: string, help: string): Metric {
    return this.#add(new Metric(name, help, 'gauge'));
  }

  histogram(name: string, help: string, bucketBounds: readonly number[]): Metric {
    return this.#add(new Metric(name, help, 'histogram', [...bucketBounds].sort((a, b) => a - b)));
  }

  #add(metric: Metric): Metric {
    if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** The text exposition format, every family in registration order. */
  render(): string {
    return [...this.#metrics.values()].map((m) => m.render()).join('\n') + '\n';
  }
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}
