// Config layer (pure): what this build of lvsd runs. check-config notes every feature a
// configuration uses that lvsd reads but does not run yet, so nothing is silently ignored.
// As the engines land, entries move to `runs: true`; the notes disappear by themselves.
import { Diagnostics, type Diagnostic } from './diagnostics.js';
import type { ConfigModel } from './model/index.js';
import type { LocationTable } from './source.js';

export interface Feature {
  /** What the operator wrote, in keepalived's words. */
  what: string;
  runs: boolean;
}

/**
 * The features of the model, and whether this build runs them (`lvsd run --vrrp-only` runs the
 * VRRP side, `lvsd run --check-only` the IPVS and health-check side).
 */
export const FEATURES = {
  vrrp: { what: 'vrrp_instance (VRRP elections, virtual IPs, gratuitous ARP)', runs: true },
  sync_group: { what: 'vrrp_sync_group', runs: true },
  track_script: { what: 'vrrp_script / track_script', runs: true },
  track_file: { what: 'vrrp_track_file / track_file', runs: true },
  track_interface: { what: 'track_interface', runs: true },
  track_process: { what: 'vrrp_track_process / track_process', runs: false },
  track_bfd: { what: 'track_bfd (lvsd has no BFD)', runs: false },
  vmac: { what: 'use_vmac / use_ipvlan (macvlan and ipvlan interfaces)', runs: true },
  auth_ah: { what: 'authentication AH (IPsec AH, VRRPv2 over IPv4)', runs: true },
  virtual_routes: { what: 'virtual_routes / virtual_rules', runs: true },
  static: { what: 'static_ipaddress / static_routes / static_rules', runs: false },
  notify: { what: 'notify scripts (notify_*, quorum_up/down)', runs: true },
  notify_fifo: { what: 'notify_fifo / vrrp_notify_fifo / lvs_notify_fifo', runs: true },
  smtp: { what: 'smtp_alert and notification_email', runs: true },
  ipvs: { what: 'virtual_server (programming IPVS)', runs: true },
  vrrp_with_ipvs: { what: 'VRRP and virtual_server together in one process', runs: true },
  sync_daemon: { what: 'lvs_sync_daemon (the IPVS connection sync daemon, following VRRP)', runs: true },
  checkers: { what: 'health checkers (HTTP_GET, SSL_GET, TCP_CHECK, MISC_CHECK, ...)', runs: true },
  bfd_check: { what: 'BFD_CHECK (lvsd has no BFD)', runs: false },
  process_tuning: { what: 'process priority, scheduling and netlink buffer tuning keywords', runs: false },
} as const satisfies Record<string, Feature>;

export type FeatureKey = keyof typeof FEATURES;

type Any = Record<string, unknown>;

/** Which features a model uses, each with the first object (for its location) that uses it. */
export function featuresUsed(m: ConfigModel): Map<FeatureKey, { obj: object; field: string }> {
  const used = new Map<FeatureKey, { obj: object; field: string }>();
  const use = (k: FeatureKey, obj: object, field = ''): void => {
    if (!used.has(k)) used.set(k, { obj, field });
  };
  const g = m.global_defs as Any | undefined;
  if (g) {
    if (g.notification_email !== undefined || g.smtp_server !== undefined || g.smtp_alert) use('smtp', g, g.smtp_server !== undefined ? 'smtp_server' : 'notification_email');
    for (const k of ['notify_fifo', 'vrrp_notify_fifo', 'lvs_notify_fifo']) if (g[k] !== undefined) use('notify_fifo', g, k);
    if (g.lvs_sync_daemon !== undefined) use('sync_daemon', g, 'lvs_sync_daemon');
    for (const k of Object.keys(g)) if (/_(priority|no_swap|rt_priority|cpu_affinity|rlimit_rttime|rcv_bufs|rcv_bufs_force)$|^vrrp_rx_bufs/.test(k)) use('process_tuning', g, k);
  }
  if (m.static) use('static', m.static);
  for (const s of m.vrrp_sync_groups as Any[]) {
    use('sync_group', s);
    for (const k of ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify']) if (s[k] !== undefined) use('notify', s, k);
  }
  if (m.vrrp_scripts.length) use('track_script', m.vrrp_scripts[0] as object);
  if (m.vrrp_track_files.length) use('track_file', m.vrrp_track_files[0] as object);
  for (const v of m.vrrp_instances as Any[]) {
    use('vrrp', v);
    if (v.use_vmac !== undefined || v.use_ipvlan !== undefined) use('vmac', v, v.use_vmac !== undefined ? 'use_vmac' : 'use_ipvlan');
    if ((v.authentication as Any | undefined)?.auth_type === 'AH') use('auth_ah', v, 'authentication');
    for (const k of ['virtual_routes', 'virtual_rules']) if (Array.isArray(v[k]) && (v[k] as unknown[]).length) use('virtual_routes', v, k);
    if (v.track_script !== undefined) use('track_script', v, 'track_script');
    if (v.track_file !== undefined) use('track_file', v, 'track_file');
    if (v.track_interface !== undefined) use('track_interface', v, 'track_interface');
    if (v.track_process !== undefined) use('track_process', v, 'track_process');
    if (v.track_bfd !== undefined) use('track_bfd', v, 'track_bfd');
    for (const k of ['notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'notify_deleted', 'notify_master_rx_lower_pri']) if (v[k] !== undefined) use('notify', v, k);
    if (v.smtp_alert) use('smtp', v, 'smtp_alert');
  }
  for (const vs of m.virtual_servers as Any[]) {
    use('ipvs', vs);
    if (m.vrrp_instances.length) use('vrrp_with_ipvs', vs);
    for (const k of ['quorum_up', 'quorum_down']) if (vs[k] !== undefined) use('notify', vs, k);
    for (const rs of (vs.real_servers as Any[] | undefined) ?? []) {
      for (const k of ['notify_up', 'notify_down']) if (rs[k] !== undefined) use('notify', rs, k);
      for (const c of (rs.checkers as Any[] | undefined) ?? []) use(c.type === 'BFD_CHECK' ? 'bfd_check' : 'checkers', c);
    }
  }
  return used;
}

/** Info notes for every used feature this build does not run, at the first place it is used. */
export function capabilityNotes(m: ConfigModel, locs: LocationTable, features: Record<FeatureKey, Feature> = FEATURES): Diagnostic[] {
  const d = new Diagnostics();
  for (const [k, at] of featuresUsed(m)) {
    const f = features[k];
    if (!f.runs) d.info('not-run-yet', `read but not run by this build of lvsd: ${f.what}`, locs.get(at.obj, at.field));
  }
  return d.list;
}
