// Observability: the IPVS table as Prometheus metrics, read from one kernel dump per scrape.
//
// Names and labels follow node_exporter's ipvs collector (collector/ipvs_linux.go, labels from
// procfs' /proc/net/ip_vs parser) with the prefix lvsd_ipvs_ instead of node_ipvs_:
//   node_ipvs_backend_connections_active   -> lvsd_ipvs_backend_connections_active
//   node_ipvs_backend_connections_inactive -> lvsd_ipvs_backend_connections_inactive
//   node_ipvs_backend_weight               -> lvsd_ipvs_backend_weight
//     labels local_address, local_port, remote_address, remote_port, proto, local_mark,
//     with node_exporter's values: proto TCP/UDP/SCTP/FWM; for a firewall-mark service
//     local_address "" and local_port "0" and local_mark the mark as /proc prints it (%08X);
//     for an address service local_mark "".
//   node_ipvs_{connections,incoming_packets,outgoing_packets,incoming_bytes,outgoing_bytes}_total
//     -> lvsd_ipvs_<same>_total, but per virtual service (labels local_address, local_port, proto,
//     local_mark): node_exporter's unlabelled host totals are sum() of these.
// Why not node_exporter's own names: a director usually runs node_exporter too, which already exports
// node_ipvs_* from /proc for the same host; a second source of the same series would double every
// sum() over them, and lvsd is not node_exporter. A dashboard built on node_ipvs_* reads lvsd's series
// after a metric_relabel_configs rule rewriting __name__ from lvsd_ipvs_(.*) to node_ipvs_$1 (its
// host-total panels then need a sum()), or by replacing the prefix in its queries.
//
// By default the families are node_exporter's (per-service totals, three backend gauges); with
// `backendCounters` lvsd adds per-backend persistence templates and traffic counters, which
// node_exporter does not have (six more series per backend: 60,000 more at 10,000 backends).
// A dump that fails or does not answer within `timeoutMs` is counted (lvsd_ipvs_scrape_errors_total,
// lvsd_ipvs_scrape_success 0) and its families are left out of that scrape; the rest is served.
// One dump per scrape; concurrent scrapes share a dump in flight, and a dump that timed out but still
// runs is not started again (a stuck kernel does not pile up requests). The text is written by
// text.ts's TextWriter (yields to the event loop while it writes), not by prom-client.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DumpedServer, Stats } from '../ipvs/types.js';
import { perScrape, type LabelValues } from './family.js';
import { CHUNK, labelText, TextWriter } from './text.js';

export const SERVICE_LABELS = ['local_address', 'local_port', 'proto', 'local_mark'] as const;
export const BACKEND_LABELS = ['local_address', 'local_port', 'remote_address', 'remote_port', 'proto', 'local_mark'] as const;

/** node_exporter's label values for a virtual service (see the header). */
export function serviceLabels(s: DumpedServer['service']): LabelValues {
  const k = s.key;
  if (k.kind === 'fwmark') {
    return { local_address: '', local_port: '0', proto: 'FWM', local_mark: k.fwmark.toString(16).toUpperCase().padStart(8, '0') };
  }
  return { local_address: k.address, local_port: String(k.port), proto: k.protocol.toUpperCase(), local_mark: '' };
}

export function backendLabels(svc: LabelValues, d: { address: string; port: number }): LabelValues {
  return {
    local_address: svc.local_address!,
    local_port: svc.local_port!,
    remote_address: d.address,
    remote_port: String(d.port),
    proto: svc.proto!,
    local_mark: svc.local_mark!,
  };
}

type StatKey = 'conns' | 'inpkts' | 'outpkts' | 'inbytes' | 'outbytes';
const STATS: readonly [StatKey, string, string][] = [
  ['conns', 'connections_total', 'The total number of connections made'],
  ['inpkts', 'incoming_packets_total', 'The total number of incoming packets'],
  ['outpkts', 'outgoing_packets_total', 'The total number of outgoing packets'],
  ['inbytes', 'incoming_bytes_total', 'The total amount of incoming data, in bytes'],
  ['outbytes', 'outgoing_bytes_total', 'The total amount of outgoing data, in bytes'],
];

type DestKey = 'activeConns' | 'inactConns' | 'persistConns' | 'weight';
/** [field, suffix, help, only with backendCounters] */
const GAUGES: readonly [DestKey, string, string, boolean][] = [
  ['activeConns', 'backend_connections_active', 'The current active connections by local and remote address.', false],
  ['inactConns', 'backend_connections_inactive', 'The current inactive connections by local and remote address.', false],
  ['persistConns', 'backend_connections_persistent', 'The current persistence templates by local and remote address (lvsd; not in node_exporter).', true],
  ['weight', 'backend_weight', 'The current backend weight by local and remote address.', false],
];

export interface Row {
  labels: LabelValues;
  /** labelText(labels), built once for every family of the row. */
  text: string;
  /** Backends only: the GAUGES values, in order. */
  gauges: number[];
  /** The STATS values, in order (64-bit, exact). */
  stats: bigint[];
}

/** One dump, aggregated by label set as node_exporter does (an IPv4 and an IPv6 service on one fwmark share labels). */
export interface IpvsSnapshot {
  ok: boolean;
  services: Row[];
  backends: Row[];
  /** Seconds the dump took (or until it was given up). */
  seconds: number;
}

function statsOf(s: Stats): bigint[] {
  return STATS.map(([k]) => s[k]);
}

function addStats(into: bigint[], s: Stats): void {
  for (let i = 0; i < STATS.length; i++) into[i]! += s[STATS[i]![0]];
}

/**
 * A dump -> rows, yielding to the event loop every CHUNK destinations (10,000 destinations take
 * ~15 ms of CPU and as much again in garbage collection). `yieldTurn` is the pause (tests: none).
 */
export async function aggregate(servers: readonly DumpedServer[], yieldTurn: () => Promise<void> = async () => {}): Promise<{ services: Row[]; backends: Row[] }> {
  const svc = new Map<string, Row>();
  const be = new Map<string, Row>();
  let since = 0;
  for (const srv of servers) {
    const sl = serviceLabels(srv.service);
    const sk = `${sl.local_address}\0${sl.local_port}\0${sl.proto}\0${sl.local_mark}`;
    const sr = svc.get(sk);
    if (sr) addStats(sr.stats, srv.service.stats);
    else svc.set(sk, { labels: sl, text: labelText(sl), gauges: [], stats: statsOf(srv.service.stats) });
    for (const d of srv.dests) {
      const bk = `${sk}\0${d.address}\0${d.port}`;
      const br = be.get(bk);
      if (br) {
        for (let i = 0; i < GAUGES.length; i++) br.gauges[i]! += d[GAUGES[i]![0]];
        addStats(br.stats, d.stats);
      } else {
        const bl = backendLabels(sl, d);
        be.set(bk, { labels: bl, text: labelText(bl), gauges: GAUGES.map(([k]) => d[k]), stats: statsOf(d.stats) });
      }
    }
    since += srv.dests.length + 1;
    if (since >= CHUNK) {
      since = 0;
      await yieldTurn();
    }
  }
  return { services: [...svc.values()], backends: [...be.values()] };
}

export interface IpvsCollectorOptions {
  dump: () => Promise<DumpedServer[]>;
  /** A dump slower than this counts as failed for this scrape. Default 5000 ms. */
  timeoutMs?: number;
  /** Per-backend persistence templates and the 5 traffic counters (6 more series per backend). Default false. */
  backendCounters?: boolean;
}

export class IpvsCollector {
  /** Failed or timed-out dumps since start. */
  errors = 0;
  lastError: string | null = null;
  /** A dump that has not settled yet (also one whose scrape already gave up on it). */
  private running: Promise<unknown> | null = null;
  private readonly timeoutMs: number;
  /** The dump for the scrape in progress (shared by concurrent scrapes). */
  readonly snapshot: () => Promise<IpvsSnapshot>;

  constructor(private readonly o: IpvsCollectorOptions) {
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.snapshot = perScrape(() => this.take());
  }

  private async take(): Promise<IpvsSnapshot> {
    const t0 = performance.now();
    const failed = (why: string): IpvsSnapshot => {
      this.errors++;
      this.lastError = why;
      return { ok: false, services: [], backends: [], seconds: (performance.now() - t0) / 1000 };
    };
    if (this.running) return failed('the previous IPVS dump has not finished');
    let timer: NodeJS.Timeout | undefined;
    const dump = Promise.resolve().then(() => this.o.dump());
    const running = dump.then(
      () => undefined,
      () => undefined,
    );
    this.running = running;
    void running.then(() => {
      if (this.running === running) this.running = null;
    });
    try {
      const servers = await Promise.race([
        dump,
        new Promise<never>((_, reject) => {
          // Not unref'd: a scrape in progress keeps the process alive until it answers (cleared below).
          timer = setTimeout(() => reject(new Error(`IPVS dump took longer than ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      const rows = await aggregate(servers, async () => {
        await nextTurn();
      });
      return { ok: true, ...rows, seconds: (performance.now() - t0) / 1000 };
    } catch (e) {
      return failed(e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  /** The lvsd_ipvs_* families of one scrape, as exposition text. Never rejects. */
  async render(): Promise<string> {
    const s = await this.snapshot();
    const w = new TextWriter();
    const p = 'lvsd_ipvs_';
    const full = this.o.backendCounters ?? false;
    for (let i = 0; i < STATS.length; i++) {
      const [, suffix, help] = STATS[i]!;
      const name = p + suffix;
      w.header(name, `${help}, per virtual service (node_exporter's node_ipvs_${suffix} is their sum).`, 'counter');
      for (const r of s.services) await w.sample(name, r.text, r.stats[i]!);
    }
    for (let i = 0; i < GAUGES.length; i++) {
      const [, suffix, help, extra] = GAUGES[i]!;
      if (extra && !full) continue;
      const name = p + suffix;
      w.header(name, help, 'gauge');
      for (const r of s.backends) await w.sample(name, r.text, r.gauges[i]!);
    }
    if (full) {
      for (let i = 0; i < STATS.length; i++) {
        const [, suffix, help] = STATS[i]!;
        const name = `${p}backend_${suffix}`;
        w.header(name, `${help}, per backend (lvsd; not in node_exporter).`, 'counter');
        for (const r of s.backends) await w.sample(name, r.text, r.stats[i]!);
      }
    }
    w.header(`${p}services`, 'Virtual services in the kernel table (absent when the dump failed).', 'gauge');
    if (s.ok) await w.sample(`${p}services`, '', s.services.length);
    w.header(`${p}backends`, 'Destinations (real servers) in the kernel table (absent when the dump failed).', 'gauge');
    if (s.ok) await w.sample(`${p}backends`, '', s.backends.length);
    w.header(`${p}scrape_success`, '1 when this scrape read the IPVS table, 0 when the dump failed or timed out.', 'gauge');
    await w.sample(`${p}scrape_success`, '', s.ok ? 1 : 0);
    w.header(`${p}scrape_duration_seconds`, 'How long the IPVS dump of this scrape took.', 'gauge');
    await w.sample(`${p}scrape_duration_seconds`, '', s.seconds);
    w.header(`${p}scrape_errors_total`, 'IPVS dumps that failed or timed out during a scrape.', 'counter');
    await w.sample(`${p}scrape_errors_total`, '', this.errors);
    return w.text();
  }
}
