// Observability entry: the daemon's Prometheus metrics and health endpoint. Subscribes to the VRRP and
// LVS buses (never the other way round), reads the status (instances, virtual servers) and the IPVS
// table at scrape time, and serves them over HTTP. One private prom-client Registry per call (never
// prom-client's global one).
//
// Call once per process and keep it across reloads: prom-client's default metrics start an
// event-loop-delay monitor and a GC observer that it never stops. The event counters count from the
// call on (start it before the engines to count their first transitions); the gauges read the status.
import { collectDefaultMetrics, Gauge } from 'prom-client';
import type { InstanceReport } from '../daemon/status.js';
import type { LvsBus } from '../events/lvs.js';
import type { VrrpBus } from '../events/vrrp.js';
import type { DumpedServer } from '../ipvs/types.js';
import { listen, type Listening } from './http.js';
import { IpvsCollector } from './ipvs.js';
import { registerLvs, registerVirtualServers, type VsReport } from './lvs.js';
import { MetricsRegistry } from './text.js';
import { registerVrrp } from './vrrp.js';

export { MetricsError } from './errors.js';

export const DEFAULT_METRICS_LISTEN = { host: '127.0.0.1', port: 9650 } as const;

export interface MetricsOptions {
  /** Where to serve /metrics and /healthz; null: no listener (the registry alone, e.g. for tests). */
  listen: { host: string; port: number } | null;
  /** lvsd's version, for lvsd_build_info. */
  version: string;
  vrrp?: VrrpBus;
  lvs?: LvsBus;
  /** The VRRP instances as `lvsd status` reports them (read at each scrape). */
  instances?: () => InstanceReport[];
  /** The virtual servers as `lvsd status` reports them (read at each scrape): real servers alive, quorum. */
  virtualServers?: () => VsReport[];
  /** One IPVS table dump (IpvsKernel.dumpTable), run at each scrape. */
  ipvs?: () => Promise<DumpedServer[]>;
  /** /healthz: 200 when ok, 503 otherwise. Default: always ok. */
  healthy?: () => { ok: boolean; detail: string };
  /** A scrape's IPVS dump slower than this counts as failed. Default 5000 ms. */
  ipvsTimeoutMs?: number;
  /** Per-backend persistence templates and traffic counters (lvsd_ipvs_backend_*_total): 6 more series per backend. Default false. */
  ipvsBackendCounters?: boolean;
  /** prom-client's process_* and nodejs_* metrics. Default true. */
  processMetrics?: boolean;
}

export interface MetricsHandle {
  /** prom-client's Registry; its metrics() also writes the IPVS families (MetricsRegistry). */
  registry: MetricsRegistry;
  /** The bound address (the real port when 0 was asked), or null without a listener. */
  address: { host: string; port: number } | null;
  /** The exposition text, as GET /metrics serves it. */
  scrape(): Promise<string>;
  /** Unsubscribes from the buses and closes the listener. */
  close(): Promise<void>;
}

export async function startMetrics(o: MetricsOptions): Promise<MetricsHandle> {
  const registry = new MetricsRegistry();
  new Gauge({
    name: 'lvsd_build_info',
    help: 'Always 1; labels: lvsd version and the Node.js runtime version.',
    labelNames: ['version', 'node'] as const,
    registers: [registry],
  }).set({ version: o.version, node: process.version }, 1);
  if (o.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const offs: (() => void)[] = [];
  if (o.vrrp || o.instances) offs.push(registerVrrp(registry, { bus: o.vrrp, instances: o.instances }));
  if (o.lvs) offs.push(registerLvs(registry, o.lvs));
  if (o.virtualServers) registerVirtualServers(registry, o.virtualServers);
  if (o.ipvs) {
    const ipvs = new IpvsCollector({ dump: o.ipvs, timeoutMs: o.ipvsTimeoutMs, backendCounters: o.ipvsBackendCounters });
    registry.addSource(() => ipvs.render());
  }
  const unsubscribe = (): void => {
    for (const off of offs.splice(0)) off();
  };

  const scrape = (): Promise<string> => registry.metrics();
  if (!o.listen) return { registry, address: null, scrape, close: async () => unsubscribe() };

  const healthy = o.healthy ?? (() => ({ ok: true, detail: 'running' }));
  let server: Listening;
  try {
    server = await listen(o.listen.host, o.listen.port, {
      metrics: async () => ({ body: await scrape(), contentType: registry.contentType }),
      health: healthy,
    });
  } catch (e) {
    unsubscribe();
    throw e;
  }
  return {
    registry,
    address: server.address,
    scrape,
    close: async () => {
      unsubscribe();
      await server.close();
    },
  };
}
