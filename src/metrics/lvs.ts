// Observability: the LVS side as Prometheus metrics. Counted from LvsBus events: health-check probes
// and state changes, real server and quorum changes, the IPVS reconciler, IPVS ownership
// (lvsd_ipvs_program follow_vrrp), the connection sync daemon, and reloads. Read from the daemon's
// status at scrape time: real servers alive, quorum and sorry server per virtual server (lvs.rs and
// lvs.quorum only say what changed, and a reload can remove virtual servers: a gauge kept from events
// would miss the servers that never changed and keep the ones that are gone).
// Probe events can come thousands of times a second: their handlers do one counter and one histogram
// update each (a label hash apiece), nothing that allocates per real server.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { VsStatus } from '../check/scheduler.js';
import type { LvsBus } from '../events/lvs.js';
import { perScrape, scrapeFamily, type Sample } from './family.js';

/** Probe latencies: loopback TCP connects (~0.1 ms) up to HTTP checks near a 30 s connect_timeout. */
export const PROBE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Reconciler passes: one netlink round trip (~0.1 ms) up to a full table of 10,000 services. */
export const RECONCILE_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30];

const SYNCD_STATES = ['master', 'backup', 'none'] as const;

/** Registers the LVS families on `reg` and subscribes to `bus`; returns the unsubscribe function. */
export function registerLvs(reg: Registry, bus: LvsBus): () => void {
  const registers = [reg];
  const offs: (() => void)[] = [];

  // ---- checks
  const probes = new Counter({
    name: 'lvsd_check_probes_total',
    help: 'Health-check probes finished, by checker type and result (ok, or the failure reason: timeout, refused, status, ...).',
    labelNames: ['type', 'result'] as const,
    registers,
  });
  const probeSeconds = new Histogram({
    name: 'lvsd_check_probe_duration_seconds',
    help: 'Health-check probe duration, from start to result, by checker type.',
    labelNames: ['type'] as const,
    buckets: PROBE_BUCKETS,
    registers,
  });
  offs.push(
    bus.on('check.probe', (p) => {
      probes.inc({ type: p.type, result: p.reason });
      probeSeconds.observe({ type: p.type }, p.ms / 1000);
    }),
  );
  const checkChanges = new Counter({
    name: 'lvsd_check_state_changes_total',
    help: 'Checker state changes (after retry / rise / fall), by checker type and new state.',
    labelNames: ['type', 'state'] as const,
    registers,
  });
  offs.push(bus.on('check.state', (e) => checkChanges.inc({ type: e.type, state: e.state })));

  // ---- real server and quorum changes (the gauges come from the status: registerVirtualServers)
  const rsChanges = new Counter({
    name: 'lvsd_lvs_real_server_changes_total',
    help: 'Real servers entering (to="alive") or leaving (to="dead") their pool, by virtual server.',
    labelNames: ['vs', 'to'] as const,
    registers,
  });
  offs.push(bus.on('lvs.rs', (e) => rsChanges.inc({ vs: e.vs, to: e.alive ? 'alive' : 'dead' })));
  const quorumChanges = new Counter({
    name: 'lvsd_lvs_quorum_changes_total',
    help: 'Quorum gained (to="up") or lost (to="down"), by virtual server.',
    labelNames: ['vs', 'to'] as const,
    registers,
  });
  offs.push(bus.on('lvs.quorum', (e) => quorumChanges.inc({ vs: e.vs, to: e.up ? 'up' : 'down' })));

  // ---- reconciler
  const ops = new Counter({
    name: 'lvsd_ipvs_reconcile_operations_total',
    help: 'IPVS operations the reconciler applied, by operation (add-service, edit-dest, ...).',
    labelNames: ['op'] as const,
    registers,
  });
  const opErrors = new Counter({ name: 'lvsd_ipvs_reconcile_errors_total', help: 'IPVS operations the kernel refused during reconciler passes.', registers });
  const passSeconds = new Histogram({
    name: 'lvsd_ipvs_reconcile_duration_seconds',
    help: 'Reconciler pass duration, by why it ran (config, drift, stop).',
    labelNames: ['reason'] as const,
    buckets: RECONCILE_BUCKETS,
    registers,
  });
  offs.push(
    bus.on('lvs.reconcile', (e) => {
      for (const [op, n] of Object.entries(e.byOp)) if (n > 0) ops.inc({ op }, n);
      if (e.failed > 0) opErrors.inc(e.failed);
      passSeconds.observe({ reason: e.reason }, e.ms / 1000);
    }),
  );
  const drift = new Counter({ name: 'lvsd_ipvs_drift_repairs_total', help: 'Kernel table entries changed behind lvsd\'s back and restored.', registers });
  offs.push(bus.on('lvs.drift', (e) => drift.inc(e.repaired.length)));
  const lvsErrors = new Counter({
    name: 'lvsd_lvs_errors_total',
    help: 'LVS-side failures (a reconciler sync that gave up after its attempts, ...), by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  offs.push(bus.on('lvs.error', (e) => lvsErrors.inc({ reason: e.reason })));

  // ---- ownership and sync daemon
  const owned = new Gauge({
    name: 'lvsd_ipvs_ownership_programmed',
    help: '1 while the virtual servers of this VIP are programmed (lvsd_ipvs_program follow_vrrp).',
    labelNames: ['address'] as const,
    registers,
  });
  const ownedServices = new Gauge({ name: 'lvsd_ipvs_ownership_services', help: 'Virtual services of this VIP.', labelNames: ['address'] as const, registers });
  offs.push(
    bus.on('lvs.ownership', (e) => {
      owned.set({ address: e.address }, e.programmed ? 1 : 0);
      ownedServices.set({ address: e.address }, e.services);
    }),
  );
  const syncd = new Gauge({
    name: 'lvsd_ipvs_sync_daemon_state',
    help: 'The IPVS connection sync daemon\'s state: 1 for the current one of master, backup, none.',
    labelNames: ['state'] as const,
    registers,
  });
  const syncdErrors = new Counter({ name: 'lvsd_ipvs_sync_daemon_errors_total', help: 'Sync daemon changes the kernel refused.', registers });
  offs.push(
    bus.on('lvs.syncd', (e) => {
      for (const s of SYNCD_STATES) syncd.set({ state: s }, s === e.state ? 1 : 0);
      if (e.error !== undefined) syncdErrors.inc();
    }),
  );

  // ---- reload
  const reloads = new Counter({ name: 'lvsd_reload_total', help: 'Configuration reloads (SIGHUP), by result: success or failure (the running configuration kept).', labelNames: ['result'] as const, registers });
  const lastOk = new Gauge({ name: 'lvsd_reload_last_success_timestamp_seconds', help: 'When the last reload was applied (Unix time).', registers });
  const lastDuration = new Gauge({ name: 'lvsd_reload_last_duration_seconds', help: 'How long the last reload took, applied or not.', registers });
  reloads.inc({ result: 'success' }, 0);
  reloads.inc({ result: 'failure' }, 0);
  offs.push(
    bus.on('daemon.reload', (e) => {
      reloads.inc({ result: e.ok ? 'success' : 'failure' });
      if (e.ok) lastOk.set(Date.now() / 1000);
      lastDuration.set(e.durationMs / 1000);
    }),
  );

  scrapeFamily(reg, 'lvsd_lvs_event_subscriber_errors_total', 'LVS event subscribers (logs, metrics) that threw; the emitter was not affected.', 'counter', () => [
    { labels: {}, value: bus.subscriberErrors },
  ]);
  return () => {
    for (const off of offs) off();
  };
}

/** A virtual server as the daemon's status reports it (`programmed`: its VIP's services are in IPVS). */
export type VsReport = VsStatus & { programmed?: boolean };

/** Per-virtual-server gauges, read from the status at each scrape. */
export function registerVirtualServers(reg: Registry, virtualServers: () => VsReport[]): void {
  const snap = perScrape<VsReport[]>(() => {
    try {
      return virtualServers();
    } catch {
      return [];
    }
  });
  const each = (f: (v: VsReport) => number | undefined) => async (): Promise<Sample[]> =>
    (await snap()).flatMap((v): Sample[] => {
      const value = f(v);
      return value === undefined ? [] : [{ labels: { vs: v.id }, value }];
    });
  scrapeFamily(reg, 'lvsd_lvs_real_servers', 'Real servers configured for a virtual server (sorry server not counted).', 'gauge', each((v) => v.realServers.length));
  scrapeFamily(reg, 'lvsd_lvs_real_servers_alive', 'Real servers alive (in the pool) for a virtual server.', 'gauge', each((v) => v.realServers.filter((r) => r.alive).length));
  scrapeFamily(reg, 'lvsd_lvs_quorum_up', '1 while a virtual server has quorum (else its sorry server serves).', 'gauge', each((v) => (v.quorumUp ? 1 : 0)));
  scrapeFamily(reg, 'lvsd_lvs_sorry_server_active', '1 while the sorry server is in the pool.', 'gauge', each((v) => (v.sorryActive ? 1 : 0)));
  scrapeFamily(reg, 'lvsd_lvs_live_weight', 'Summed weight of the live real servers (quorum compares it with quorum +/- hysteresis).', 'gauge', each((v) => v.liveWeight));
  scrapeFamily(reg, 'lvsd_lvs_virtual_server_programmed', '1 while the virtual server is programmed in IPVS (lvsd_ipvs_program follow_vrrp: its VIP is held).', 'gauge', each((v) => (v.programmed === undefined ? undefined : v.programmed ? 1 : 0)));
}
