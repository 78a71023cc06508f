// Observability: a metric family whose samples are produced at scrape time (kernel counters, instance
// snapshots), registered on a prom-client Registry beside its own Counter/Gauge/Histogram objects.
//
// Why not prom-client's Counter with a `collect` callback: a Counter can only be incremented, so an
// absolute value read from the kernel (IPVS connection counts) cannot be set on it; and a Gauge would
// need a reset and one label hash per sample on every scrape. This family is what the Go client calls
// a "const metric": the samples are built fresh for each scrape and formatted by the Registry.
// The Registry only duck-types what it formats (name, help, type, get(), reset()).
import { Registry, validateMetricName, type Metric } from 'prom-client';

export type LabelValues = Readonly<Record<string, string>>;

export interface Sample {
  labels: LabelValues;
  value: number;
}

export type Produce = () => readonly Sample[] | Promise<readonly Sample[]>;

export class ScrapeFamily {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    private readonly produce: Produce,
  ) {
    if (!validateMetricName(name)) throw new TypeError(`invalid metric name ${JSON.stringify(name)}`);
  }

  /**
   * What Registry.metrics() formats. Never rejects: a producer that fails yields no samples. Samples whose
   * value is not a finite number are left out: prom-client prints `undefined` as "+Inf" and NaN as "Nan".
   */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    let values: Sample[];
    try {
      values = (await this.produce()).filter((s) => Number.isFinite(s.value));
    } catch {
      values = [];
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

/** Registers a scrape-time family on a registry and returns it. */
export function scrapeFamily(reg: Registry, name: string, help: string, type: 'counter' | 'gauge', produce: Produce): ScrapeFamily {
  const f = new ScrapeFamily(name, help, type, produce);
  reg.registerMetric(f as unknown as Metric);
  return f;
}

/**
 * One value per scrape: every family of one Registry.metrics() call asks in the same turn (the Registry
 * calls each family's get() before awaiting any), so they share the first call's promise; the next
 * scrape, after it settled, computes afresh. Concurrent scrapes share a computation in flight.
 */
export function perScrape<T>(compute: () => T | Promise<T>): () => Promise<T> {
  let inflight: Promise<T> | null = null;
  return () => {
    if (!inflight) {
      const p = Promise.resolve().then(compute);
      inflight = p;
      const done = (): void => {
        if (inflight === p) inflight = null;
      };
      p.then(done, done);
    }
    return inflight;
  };
}
