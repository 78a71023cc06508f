// Observability: a fast writer of the Prometheus text exposition format (version 0.0.4) for the large
// scrape-time families (the IPVS table), and the Registry that appends its output to prom-client's.
//
// Why: prom-client formats every sample through generic label objects (~3.5 us a sample here); 1,000
// services x 10 destinations is ~50,000-100,000 samples, which blocked the event loop for 150-340 ms
// per scrape, long enough to delay VRRP adverts. This writer builds each row's label text once for all
// its families and yields to the event loop every CHUNK samples.
// Format: https://prometheus.io/docs/instrumenting/exposition_formats/ (text format 0.0.4): a family's
// HELP and TYPE lines, then its samples, contiguous; label values escape \ " and newline.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Registry } from 'prom-client';

/** Samples written between two yields to the event loop. */
export const CHUNK = 2000;

export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{a="x",b="y"}` in the given key order, or "" for no labels. */
export function labelText(labels: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const k in labels) parts.push(`${k}="${escapeLabelValue(labels[k]!)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A number or a 64-bit counter as the format writes it (bigint: exact digits). */
export function valueText(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

/** Builds exposition text, yielding to the event loop every CHUNK samples. */
export class TextWriter {
  /** Finished chunks (one string per CHUNK samples: one large join at the end would stall the loop). */
  private readonly chunks: string[] = [];
  private parts: string[] = [];

  header(name: string, help: string, type: 'counter' | 'gauge'): void {
    this.parts.push(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`);
  }

  /** One sample; `labels` is labelText() output, built once per row. */
  async sample(name: string, labels: string, value: number | bigint): Promise<void> {
    this.parts.push(`${name}${labels} ${valueText(value)}\n`);
    if (this.parts.length >= CHUNK) {
      this.chunks.push(this.parts.join(''));
      this.parts = [];
      await nextTurn();
    }
  }

  text(): string {
    return this.chunks.join('') + this.parts.join('');
  }
}

/** Text appended to a scrape: whole families, names not used by any registered metric. */
export type TextSource = () => Promise<string>;

/**
 * prom-client's Registry, whose metrics() also returns the text of the sources added with addSource()
 * (the IPVS table). getMetricsAsJSON() and getSingleMetric() know only the registered metrics.
 */
export class MetricsRegistry extends Registry {
  private readonly sources: TextSource[] = [];

  addSource(s: TextSource): void {
    this.sources.push(s);
  }

  override async metrics(): Promise<string> {
    const [base, ...extra] = await Promise.all([super.metrics(), ...this.sources.map((s) => s())]);
    return [base!, ...extra.filter((t) => t.length > 0)].join('\n');
  }
}
