// Composition: what runs beside the daemon once it is up: the Prometheus listener (/metrics,
// /healthz), the control socket (`lvsd status`, dumps, reload) and the notifications (notify FIFOs,
// SMTP alerts). Each subscribes to the daemon's buses or reads its status; each is closed at stop.
// The notifications follow the configuration: a reload restarts them with the new one.
// The metrics (prom-client, node:http), the control socket and the dump writers are loaded only
// when they are on (or, for the dumps, at the first dump signal).
import { startNotifications, type Notifications } from '../notify/index.js';
import type { Daemon } from './daemon.js';

export interface ServiceOptions {
  metrics: { host: string; port: number } | null;
  control: string | null;
}

type Closeable = { close(): Promise<void> | void };

/** What the notifications are built from: FIFO and mail settings, and every smtp_alert. */
function notifyPrint(m: Daemon['parts']['model']): string {
  const g = Object.entries(m.global_defs ?? {}).filter(([k]) => /fifo|smtp|notification_email|router_id|script_user|enable_script_security/.test(k));
  const alerts = [
    ...m.vrrp_instances.map((i) => [i.name, i.smtp_alert]),
    ...m.vrrp_sync_groups.map((x) => [x.name, x.smtp_alert]),
    ...m.virtual_servers.map((v) => [v.smtp_alert, (v.real_servers ?? []).map((r) => r.smtp_alert)]),
  ];
  return JSON.stringify([g, alerts]);
}

export async function startServices(d: Daemon, o: ServiceOptions): Promise<Closeable[]> {
  const out: Closeable[] = [];
  const log = d.logger;
  const notifyLog = (level: 'debug' | 'info' | 'warn' | 'error', event: string, msg: string, fields?: Record<string, unknown>): void => log[level]({ event, ...(fields ?? {}) }, msg);
  let notes: Notifications | undefined;
  const startNotes = async (): Promise<void> => {
    try {
      // The halves the daemon resolved already (the notifications resolve only what this mode left out).
      const p = d.parts;
      notes = await startNotifications({ model: p.model, vrrp: d.vrrpBus, lvs: d.lvsBus, log: notifyLog, resolved: { ...(p.vrrp ? { vrrp: p.vrrp } : {}), ...(p.lvs ? { lvs: p.lvs } : {}) } });
    } catch (e) {
      log.error({ event: 'notify.failed', error: (e as Error).message }, `notifications could not start: ${(e as Error).message}`);
    }
  };
  await startNotes();
  // The model the running notifications were built from; its print is taken at the first reload
  // (not at start: at 10,000 virtual servers it is a walk over all of them).
  let printed: { model: Daemon['parts']['model']; print?: string } = { model: d.parts.model };
  d.lvsBus.on('daemon.reload', (e) => {
    // Restarted only when what they use changed: a FIFO's reader script and its pipe stay otherwise.
    if (!e.ok || d.parts.model === printed.model) return;
    const print = notifyPrint(d.parts.model);
    const before = (printed.print ??= notifyPrint(printed.model));
    printed = { model: d.parts.model, print };
    if (print === before) return;
    const old = notes;
    notes = undefined;
    void (old ? old.close() : Promise.resolve()).then(startNotes);
  });
  out.push({ close: () => notes?.close() });

  d.dumper = async (what) => {
    const { writeDumps } = await import('../control/dumps.js');
    return (await writeDumps(d.status(), what))[0] ?? '';
  };
  if (o.metrics) {
    const { startMetrics } = await import('../metrics/index.js');
    const m = await startMetrics({
      listen: o.metrics,
      version: d.o.version ?? '',
      vrrp: d.vrrpBus,
      lvs: d.lvsBus,
      instances: () => d.status().instances,
      ...(d.parts.virtualServers.length > 0 || d.parts.syncd ? { ipvs: () => (d.kernel ? d.kernel.dumpTable() : Promise.reject(new Error(d.ipvsUnavailable ?? 'IPVS is not open yet'))) } : {}),
      virtualServers: () => d.status().virtualServers,
      healthy: () => (d.healthy() ? { ok: true, detail: 'running' } : { ok: false, detail: 'stopping' }),
    });
    log.info({ event: 'metrics.listening', address: m.address }, `metrics on http://${m.address?.host.includes(':') ? `[${m.address.host}]` : m.address?.host}:${m.address?.port}/metrics`);
    out.push(m);
  }
  if (o.control) {
    const { startControl } = await import('../control/server.js');
    const c = await startControl({
      path: o.control,
      status: () => d.status(),
      reload: () => d.reload(),
      onError: (e, req) => log.error({ event: 'control.error', cmd: req.cmd, error: (e as Error).message }, `control request ${req.cmd} failed: ${(e as Error).message}`),
    });
    out.push(c);
  }
  return out;
}
