// Observability: the LVS side as Prometheus metrics, counted from LvsBus events: health-check probes
// and state changes, real servers alive and quorum per virtual server, the IPVS reconciler, IPVS
// ownership (lvsd_ipvs_program follow_vrrp), the connection sync daemon, and reloads.
// Probe events can come thousands of times a second: their handlers do one counter and one histogram
// update each (a label hash apiece), nothing that allocates per real server.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LvsBus } from '../events/lvs.js';
import { scrapeFamily, type Sample } from './family.js';

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

  // ---- real servers and quorum per virtual server (maps read at scrape time: no hash per event)
  const rs = new Map<string, Map<string, boolean>>();
  offs.push(
    bus.on('lvs.rs', (e) => {
      let m = rs.get(e.vs);
      if (!m) rs.set(e.vs, (m = new Map()));
      m.set(e.rs, e.alive);
    }),
  );
  scrapeFamily(reg, 'lvsd_lvs_real_servers', 'Real servers reported for a virtual server.', 'gauge', () =>
    [...rs].map(([vs, m]): Sample => ({ labels: { vs }, value: m.size })),
  );
  scrapeFamily(reg, 'lvsd_lvs_real_servers_alive', 'Real servers alive (in the pool) for a virtual server.', 'gauge', () =>
    [...rs].map(([vs, m]): Sample => {
      let n = 0;
      for (const a of m.values()) if (a) n++;
      return { labels: { vs }, value: n };
    }),
  );
  const quorum = new Map<string, boolean>();
  offs.push(bus.on('lvs.quorum', (e) => quorum.set(e.vs, e.up)));
  scrapeFamily(reg, 'lvsd_lvs_quorum_up', '1 while a virtual server has quorum (else its sorry server serves).', 'gauge', () =>
    [...quorum].map(([vs, up]): Sample => ({ labels: { vs }, value: up ? 1 : 0 })),
  );

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
