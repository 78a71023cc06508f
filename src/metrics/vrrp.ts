// Observability: VRRP as Prometheus metrics. Instance state, priorities and keepalived's per-instance
// counters are read from the daemon's instance reports at scrape time (one source of truth: what
// `lvsd status` shows); transitions, drops, split brain, scripts and notify runs are counted from events.
//
// keepalived compatibility: names, labels and values of mehdy/keepalived-exporter (formerly
// cafebazaar/keepalived-exporter, internal/collector/collector.go), the exporter the common keepalived
// Grafana dashboards query:
//   keepalived_vrrp_state{iname,intf,vrid,ip_address}  one sample per virtual IP; intf is the VIP's
//     device, ip_address the VIP as keepalived prints it ("10.1.0.1/24"); an instance without VIPs
//     gives one sample with ip_address="" and its own interface. Value = keepalived's state number:
//     0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (VRRP_STATE_* in keepalived's vrrp.h).
//   keepalived_<counter>_total{iname,intf,vrid}  keepalived's vrrp_stats under the exporter's names
//     (advert_rcvd -> keepalived_advertisements_received_total, ...: see KEEPALIVED_NAMES).
//   keepalived_script_status{name}  1 GOOD, 0 BAD (the exporter's VRRPScriptStatuses order).
//   keepalived_up  1 when the instance reports could be read for this scrape, else 0.
// Not exported: keepalived_gratuitous_arp_delay_total (the exporter reports a configuration value as
// a counter), keepalived_script_state (keepalived's script process state: idle/running/terminating),
// keepalived_check_script_status (the exporter runs its own script per scrape).
// lvsd's own counters without a keepalived-exporter name are lvsd_vrrp_<name>_total; lvsd's own
// metrics are lvsd_vrrp_*.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { InstanceReport } from '../daemon/status.js';
import type { VrrpBus } from '../events/vrrp.js';
import { EXTRA_COUNTERS, type Counters, type KeepalivedCounter } from '../vrrp/counters.js';
import type { VrrpStateName } from '../vrrp/types.js';
import { perScrape, scrapeFamily, type LabelValues, type Sample } from './family.js';

/** keepalived's VRRP_STATE_* numbers, as keepalived_vrrp_state reports them. */
export const STATE_VALUE: Readonly<Record<VrrpStateName, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

/** keepalived's counter -> the exporter's metric name (and help text). */
export const KEEPALIVED_NAMES: Readonly<Record<KeepalivedCounter, [string, string]>> = {
  advert_rcvd: ['keepalived_advertisements_received_total', 'Advertisements received'],
  advert_sent: ['keepalived_advertisements_sent_total', 'Advertisements sent'],
  become_master: ['keepalived_become_master_total', 'Became master'],
  release_master: ['keepalived_release_master_total', 'Released master'],
  packet_len_err: ['keepalived_packet_length_errors_total', 'Packet length errors'],
  advert_interval_err: ['keepalived_advertisements_interval_errors_total', 'Advertisement interval errors'],
  ip_ttl_err: ['keepalived_ip_ttl_errors_total', 'TTL (hop limit) errors'],
  invalid_type_rcvd: ['keepalived_invalid_type_received_total', 'Invalid type errors'],
  addr_list_err: ['keepalived_address_list_errors_total', 'Address list errors'],
  invalid_authtype: ['keepalived_authentication_invalid_total', 'Authentication invalid'],
  authtype_mismatch: ['keepalived_authentication_mismatch_total', 'Authentication mismatch'],
  auth_failure: ['keepalived_authentication_failure_total', 'Authentication failure'],
  pri_zero_rcvd: ['keepalived_priority_zero_received_total', 'Priority zero received'],
  pri_zero_sent: ['keepalived_priority_zero_sent_total', 'Priority zero sent'],
};

const EXTRA_HELP: Readonly<Record<(typeof EXTRA_COUNTERS)[number], string>> = {
  chk_err: 'Adverts dropped for a bad checksum',
  vers_err: 'Adverts dropped for an unexpected VRRP version',
  vrid_err: 'Adverts dropped for a VRID this router does not run',
  unicast_peer_err: 'Adverts dropped because the source is not a configured unicast peer',
};

/** A VIP as the instance report lists it: "10.1.0.1/24", optionally followed by "dev eth1 ...". */
export function parseVip(vip: string, instanceIntf: string): { ip_address: string; intf: string } {
  const words = vip.trim().split(/\s+/);
  const dev = words.indexOf('dev');
  const intf = dev >= 0 && words[dev + 1] ? words[dev + 1]! : instanceIntf;
  return { ip_address: words[0] ?? '', intf };
}

function instLabels(r: InstanceReport): LabelValues {
  return { iname: r.name, intf: r.interface, vrid: String(r.vrid) };
}

export interface VrrpMetricsOptions {
  bus?: VrrpBus;
  instances?: () => InstanceReport[];
}

/** Registers the VRRP families on `reg`; returns the function that unsubscribes from the bus. */
export function registerVrrp(reg: Registry, o: VrrpMetricsOptions): () => void {
  const offs: (() => void)[] = [];
  if (o.instances) registerInstances(reg, o.instances);
  const bus = o.bus;
  if (!bus) return () => {};
  const registers = [reg];

  const transitions = new Counter({
    name: 'lvsd_vrrp_transitions_total',
    help: 'VRRP state changes by instance, from, to and reason.',
    labelNames: ['iname', 'from', 'to', 'reason'] as const,
    registers,
  });
  offs.push(bus.on('vrrp.transition', (e) => transitions.inc({ iname: e.instance, from: e.from, to: e.to, reason: e.reason })));

  const drops = new Counter({
    name: 'lvsd_vrrp_drops_total',
    help: 'Received VRRP packets dropped, by instance ("" when none matched), interface and reason.',
    labelNames: ['iname', 'intf', 'reason'] as const,
    registers,
  });
  offs.push(bus.on('vrrp.drop', (e) => drops.inc({ iname: e.instance ?? '', intf: e.ifname, reason: e.reason })));

  const prio = new Counter({ name: 'lvsd_vrrp_priority_changes_total', help: 'Changes of an instance\'s effective priority (tracking).', labelNames: ['iname'] as const, registers });
  offs.push(bus.on('vrrp.priority', (e) => prio.inc({ iname: e.instance })));

  const conflicts = new Counter({
    name: 'lvsd_vrrp_conflicts_total',
    help: 'Split brain: adverts from another master for a VRID this router holds as master, by peer.',
    labelNames: ['iname', 'vrid', 'peer'] as const,
    registers,
  });
  offs.push(bus.on('vrrp.conflict', (e) => conflicts.inc({ iname: e.instance, vrid: String(e.vrid), peer: e.peer })));

  const announce = new Counter({
    name: 'lvsd_vrrp_announcements_total',
    help: 'Gratuitous ARP / unsolicited neighbour advertisements sent for VIPs, by reason.',
    labelNames: ['iname', 'intf', 'reason'] as const,
    registers,
  });
  offs.push(bus.on('vrrp.announce', (e) => announce.inc({ iname: e.instance, intf: e.ifname, reason: e.reason })));

  const notifyRuns = new Counter({
    name: 'lvsd_vrrp_notify_runs_total',
    help: 'Notify scripts run, by target (INSTANCE or GROUP), name and state.',
    labelNames: ['target', 'name', 'state'] as const,
    registers,
  });
  const notifyFail = new Counter({
    name: 'lvsd_vrrp_notify_failures_total',
    help: 'Notify scripts that exited non-zero, were killed, timed out or did not start.',
    labelNames: ['target', 'name', 'state'] as const,
    registers,
  });
  offs.push(
    bus.on('vrrp.notify', (e) => {
      const l = { target: e.target, name: e.name, state: e.state };
      notifyRuns.inc(l);
      if (e.exitCode !== 0 || e.timedOut || e.error !== undefined) notifyFail.inc(l);
    }),
  );

  const scriptStatus = new Gauge({
    name: 'keepalived_script_status',
    help: 'Tracked script status: 1 GOOD, 0 BAD (keepalived-exporter values).',
    labelNames: ['name'] as const,
    registers,
  });
  const scriptTimeouts = new Counter({ name: 'lvsd_vrrp_script_timeouts_total', help: 'Tracked script runs that passed their timeout.', labelNames: ['name'] as const, registers });
  offs.push(
    bus.on('vrrp.script', (e) => {
      scriptStatus.set({ name: e.script }, e.status === 'up' ? 1 : 0);
      if (e.timedOut) scriptTimeouts.inc({ name: e.script });
    }),
  );

  const trackFault = new Gauge({
    name: 'lvsd_vrrp_track_fault',
    help: '1 while a tracked interface, script or file holds the instance in FAULT.',
    labelNames: ['iname'] as const,
    registers,
  });
  offs.push(bus.on('vrrp.track', (e) => trackFault.set({ iname: e.instance }, e.fault ? 1 : 0)));

  const errors = new Counter({
    name: 'lvsd_vrrp_errors_total',
    help: 'VRRP runtime failures that did not stop the node (VIP refused, send failed...), by code.',
    labelNames: ['iname', 'code'] as const,
    registers,
  });
  offs.push(bus.on('vrrp.error', (e) => errors.inc({ iname: e.instance ?? '', code: e.code })));

  scrapeFamily(reg, 'lvsd_vrrp_event_subscriber_errors_total', 'VRRP event subscribers (logs, metrics) that threw; the emitter was not affected.', 'counter', () => [
    { labels: {}, value: bus.subscriberErrors },
  ]);
  return () => {
    for (const off of offs) off();
  };
}

function registerInstances(reg: Registry, instances: () => InstanceReport[]): void {
  const snap = perScrape<{ ok: boolean; list: InstanceReport[] }>(() => {
    try {
      return { ok: true, list: instances() };
    } catch {
      return { ok: false, list: [] };
    }
  });
  const each = (f: (r: InstanceReport) => Sample[]) => async (): Promise<Sample[]> => (await snap()).list.flatMap(f);
  const counter = (c: keyof Counters) => each((r) => [{ labels: instLabels(r), value: r.counters[c] }]);

  scrapeFamily(reg, 'keepalived_up', 'Whether the VRRP instance reports could be read for this scrape.', 'gauge', async () => [
    { labels: {}, value: (await snap()).ok ? 1 : 0 },
  ]);
  scrapeFamily(
    reg,
    'keepalived_vrrp_state',
    'State of vrrp: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (keepalived-exporter values), one sample per VIP.',
    'gauge',
    each((r) => {
      const value = STATE_VALUE[r.state];
      if (r.vips.length === 0) return [{ labels: { iname: r.name, intf: r.interface, vrid: String(r.vrid), ip_address: '' }, value }];
      return r.vips.map((v) => {
        const p = parseVip(v, r.interface);
        return { labels: { iname: r.name, intf: p.intf, vrid: String(r.vrid), ip_address: p.ip_address }, value };
      });
    }),
  );
  for (const [c, [name, help]] of Object.entries(KEEPALIVED_NAMES) as [KeepalivedCounter, [string, string]][]) {
    scrapeFamily(reg, name, `${help} (keepalived ${c}).`, 'counter', counter(c));
  }
  for (const c of EXTRA_COUNTERS) scrapeFamily(reg, `lvsd_vrrp_${c}_total`, `${EXTRA_HELP[c]} (${c}).`, 'counter', counter(c));
  scrapeFamily(reg, 'lvsd_vrrp_priority', 'Configured priority.', 'gauge', each((r) => [{ labels: instLabels(r), value: r.priority }]));
  scrapeFamily(reg, 'lvsd_vrrp_effective_priority', 'Priority advertised now (tracking weights applied).', 'gauge', each((r) => [{ labels: instLabels(r), value: r.effectivePriority }]));
  scrapeFamily(reg, 'lvsd_vrrp_vips_held', '1 while the instance holds its virtual IPs.', 'gauge', each((r) => [{ labels: instLabels(r), value: r.vipsHeld ? 1 : 0 }]));
  scrapeFamily(reg, 'lvsd_vrrp_state_since_timestamp_seconds', 'When the instance entered its current state (Unix time).', 'gauge', each((r) => [{ labels: instLabels(r), value: r.since / 1000 }]));
}
