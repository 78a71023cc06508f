// Config layer (pure): keepalived's completion of one vrrp_instance (vrrp.c vrrp_complete_instance,
// vrrp_end_handler): effective family, version, state, priority, advert interval, inheritance from
// global_defs and the fixes keepalived applies, returned together so validation reports exactly what
// resolution applies.
import type { GlobalDefs } from './model/global.js';
import type { ConfigModel } from './model/index.js';
import type { SyncGroup, TrackFile, VrrpInstance, VrrpScript } from './model/vrrp.js';
import {
  DEFAULT_MCAST_GROUP4,
  DEFAULT_MCAST_GROUP6,
  type Fix,
  type ResolvedGarp,
  type ResolvedInstance,
  type ResolvedNotify,
  type ResolvedTrack,
  type ResolvedVrrpGlobal,
} from './resolve-vrrp-types.js';

export function resolveGlobal(g: GlobalDefs | undefined): ResolvedVrrpGlobal {
  const d = g ?? {};
  const min = d.vrrp_min_garp === true;
  // keepalived global_data defaults; vrrp_min_garp lowers those not set explicitly.
  const master_delay = d.vrrp_garp_master_delay ?? (min ? 0 : 5);
  const master_repeat = Math.max(1, d.vrrp_garp_master_repeat ?? (min ? 1 : 5));
  const out: ResolvedVrrpGlobal = {
    vrrp_mcast_group4: d.vrrp_mcast_group4 ?? DEFAULT_MCAST_GROUP4,
    vrrp_mcast_group6: d.vrrp_mcast_group6 ?? DEFAULT_MCAST_GROUP6,
    vrrp_version: d.vrrp_version ?? 2,
    vrrp_strict: d.vrrp_strict === true,
    garp: {
      master_delay,
      master_repeat,
      master_refresh: d.vrrp_garp_master_refresh ?? 0,
      master_refresh_repeat: d.vrrp_garp_master_refresh_repeat !== undefined ? Math.max(1, d.vrrp_garp_master_refresh_repeat) : min ? 0 : 1,
      lower_prio_delay: d.vrrp_garp_lower_prio_delay ?? master_delay,
      lower_prio_repeat: d.vrrp_garp_lower_prio_repeat ?? master_repeat,
      interval: d.vrrp_garp_interval ?? 0,
      gna_interval: d.vrrp_gna_interval ?? 0,
    },
    down_timer_adverts: d.vrrp_down_timer_adverts ?? 3,
    lower_prio_no_advert: d.vrrp_lower_prio_no_advert ?? false,
    higher_prio_send_advert: d.vrrp_higher_prio_send_advert ?? false,
    check_unicast_src: d.vrrp_check_unicast_src === true,
    skip_check_adv_addr: d.vrrp_skip_check_adv_addr === true,
    notify_priority_changes: d.vrrp_notify_priority_changes ?? false,
    dynamic_interfaces: d.dynamic_interfaces !== undefined,
    default_interface: d.default_interface ?? 'eth0',
    enable_script_security: d.enable_script_security === true,
    startup_delay: d.vrrp_startup_delay ?? 0,
    // keepalived: table `keepalived`, priority -1; lvsd's own table is `lvsd` unless named.
    nftables: { table: d.nftables ?? 'lvsd', priority: d.nftables_priority ?? -1, counters: d.nftables_counters === true },
  };
  if (d.router_id !== undefined) out.router_id = d.router_id;
  if (d.vmac_prefix !== undefined) out.vmac_prefix = d.vmac_prefix;
  if (d.script_user) out.script_user = { ...d.script_user };
  return out;
}

export function familyOf(a: string): 4 | 6 {
  return a.includes(':') ? 6 : 4;
}

/**
 * The instance's address family: native_ipv6, else the first virtual address, else the source
 * address, else the first unicast peer, else the multicast destination; IPv4 by default
 * (keepalived sets it from the first address-bearing keyword it reads).
 */
export function effectiveFamily(v: VrrpInstance): 4 | 6 {
  if (v.native_ipv6) return v.virtual_ipaddress?.some((a) => familyOf(a.address) === 4) ? 4 : 6;
  const first = v.virtual_ipaddress?.[0]?.address ?? v.mcast_src_ip ?? v.unicast_src_ip ?? v.unicast_peer?.[0]?.address ?? v.mcast_dst_ip;
  return first ? familyOf(first) : 4;
}

/** The sync group an instance belongs to (the first that lists it, as keepalived). */
export function syncGroupOf(m: ConfigModel, name: string): SyncGroup | undefined {
  return m.vrrp_sync_groups.find((g) => g.group?.includes(name));
}

interface Completed {
  fixes: Fix[];
  r: ResolvedInstance;
}

export const scriptByName = (m: ConfigModel, n: string): VrrpScript | undefined => m.vrrp_scripts.find((s) => s.name === n && s.script);
export const fileByName = (m: ConfigModel, n: string): TrackFile | undefined => m.vrrp_track_files.find((f) => f.name === n && f.file);

/** Round a v2/v3 advert interval the way keepalived does (vrrp_complete_instance). */
export function fixAdvertInt(adv: number, version: 2 | 3): { value: number; why?: string } {
  const us = Math.round(adv * 1e6);
  if (version === 2) {
    if (us >= 256e6) return { value: 255, why: `VRRPv2 advertisement interval ${adv}s is out of range (below 256s); using 255` };
    if (us % 1e6 !== 0) {
      const r = Math.min(255, Math.max(1, Math.floor((us + 5e5) / 1e6)));
      return { value: r, why: `VRRPv2 advertisement interval ${adv}s must be whole seconds (RFC 3768 §5.3.7); rounding to ${r}` };
    }
    return { value: us / 1e6 };
  }
  // RFC 5798 §5.2.7: 12 bits of centiseconds.
  if (us >= 4096e4) return { value: 40.95, why: `VRRPv3 advertisement interval ${adv}s is out of range (below 40.96s); using 40.95` };
  if (us % 1e4 !== 0) {
    const r = Math.min(4095, Math.max(1, Math.floor((us + 5e3) / 1e4))) / 100;
    return { value: r, why: `VRRPv3 advertisement interval ${adv}s must be in units of 10ms; rounding to ${r}` };
  }
  return { value: us / 1e6 };
}

/** keepalived's completion of one instance: the resolved values and the fixes on the way. */
export function completeInstance(m: ConfigModel, v: VrrpInstance): Completed {
  const fixes: Fix[] = [];
  const warn = (field: string, code: string, message: string, at?: object) => fixes.push({ severity: 'warning', code, field, message, ...(at ? { at } : {}) });
  const err = (field: string, code: string, message: string) => fixes.push({ severity: 'error', code, field, message });
  const g = resolveGlobal(m.global_defs);
  const strict = v.strict_mode ?? g.vrrp_strict;
  const family = effectiveFamily(v);
  let version: 2 | 3 | undefined = v.version;
  if (family === 6) {
    if (version === 2 && strict) {
      warn('version', 'version-fixed', 'cannot use IPv6 with VRRP version 2 in strict mode; using version 3');
      version = 3;
    } else version ??= 3;
  }
  version ??= g.vrrp_version;

  const vips = (v.virtual_ipaddress ?? []).filter((a) => familyOf(a.address) === family);
  if (vips.length === 0 && (version === 3 || family === 6 || strict)) {
    err('name', 'no-vip', `no virtual_ipaddress: VRRPv3, IPv6 and strict mode need at least one`);
  }

  let priority = v.priority ?? (v.state === 'MASTER' ? 255 : 100);
  let state: 'MASTER' | 'BACKUP' = v.state ?? (priority === 255 ? 'MASTER' : 'BACKUP');
  if (v.state !== undefined && strict && (state === 'MASTER') !== (priority === 255)) {
    warn('state', 'state-fixed', `state MASTER must match being address owner (priority 255) in strict mode; using ${priority === 255 ? 'MASTER' : 'BACKUP'}`);
    state = priority === 255 ? 'MASTER' : 'BACKUP';
  }

  let auth: ResolvedInstance['auth'];
  const a = v.authentication;
  if (a?.auth_type) {
    if (strict) warn('authentication', 'auth-ignored', 'strict mode does not support authentication; ignored');
    else if (version === 3) warn('authentication', 'auth-ignored', 'VRRP version 3 does not support authentication; ignored');
    else if (!a.auth_pass) warn('authentication', 'auth-ignored', 'authentication specified but no password given; ignored');
    else if (family === 6 && a.auth_type === 'AH') warn('authentication', 'auth-ignored', 'AH authentication cannot be used with IPv6; ignored');
    else {
      auth = { type: a.auth_type, pass: a.auth_pass };
      if (a.auth_type === 'AH' && state === 'MASTER' && priority !== 255) {
        warn('state', 'state-fixed', 'initial state MASTER is incompatible with AH authentication; clearing to BACKUP');
        state = 'BACKUP';
      }
    }
  }

  if (strict && v.unicast_peer?.length) err('unicast_peer', 'strict-unicast', 'unicast peers are not supported in strict mode');

  let nopreempt = v.nopreempt === true;
  let preemptDelay = v.preempt_delay ?? 0;
  if (priority === 255 && nopreempt) {
    warn('nopreempt', 'nopreempt-cleared', 'nopreempt is incompatible with priority 255; resetting nopreempt');
    nopreempt = false;
  }
  if (state === 'MASTER') {
    if (nopreempt) {
      warn('nopreempt', 'nopreempt-cleared', 'nopreempt will not work with initial state MASTER; clearing (start as BACKUP to use it)');
      nopreempt = false;
    }
    if (preemptDelay) {
      warn('preempt_delay', 'preempt-delay-cleared', 'preempt_delay will not work with initial state MASTER; clearing');
      preemptDelay = 0;
    }
  }
  if (preemptDelay && strict) {
    warn('preempt_delay', 'preempt-delay-cleared', 'preempt_delay is incompatible with strict mode; resetting');
    preemptDelay = 0;
  }
  if (preemptDelay && nopreempt) {
    warn('preempt_delay', 'preempt-delay-cleared', 'preempt_delay is incompatible with nopreempt; resetting');
    preemptDelay = 0;
  }

  let accept = v.accept ?? !strict;
  if (accept && priority !== 255 && strict && version === 2) {
    warn('accept', 'accept-reset', 'accept mode for VRRP version 2 does not comply with RFC 3768; resetting');
    accept = false;
  }

  const garp: ResolvedGarp = {
    master_delay: v.garp_master_delay ?? g.garp.master_delay,
    master_repeat: v.garp_master_repeat ?? g.garp.master_repeat,
    master_refresh: v.garp_master_refresh ?? g.garp.master_refresh,
    master_refresh_repeat: v.garp_master_refresh_repeat ?? g.garp.master_refresh_repeat,
    lower_prio_delay: v.garp_lower_prio_delay ?? (strict ? 0 : g.garp.lower_prio_delay),
    lower_prio_repeat: v.garp_lower_prio_repeat ?? (strict ? 0 : g.garp.lower_prio_repeat),
    interval: g.garp.interval,
    gna_interval: g.garp.gna_interval,
  };
  for (const f of ['garp_master_repeat', 'garp_master_refresh_repeat'] as const) {
    if (v[f] === 0) {
      warn(f, 'value-fixed', `${f} must be greater than 0; using 1`);
      garp[f === 'garp_master_repeat' ? 'master_repeat' : 'master_refresh_repeat'] = 1;
    }
  }
  if (strict && v.garp_lower_prio_repeat) {
    warn('garp_lower_prio_repeat', 'strict-reset', 'strict mode requires no repeat GARPs; resetting garp_lower_prio_repeat');
    garp.lower_prio_repeat = 0;
  }
  if (strict && v.garp_lower_prio_delay) {
    warn('garp_lower_prio_delay', 'strict-reset', 'strict mode requires no repeat GARP delay; resetting garp_lower_prio_delay');
    garp.lower_prio_delay = 0;
  }
  let lowerNoAdvert = v.lower_prio_no_advert ?? (strict ? true : g.lower_prio_no_advert);
  if (strict && v.lower_prio_no_advert === false) {
    warn('lower_prio_no_advert', 'strict-reset', 'strict mode requires lower_prio_no_advert; resetting');
    lowerNoAdvert = true;
  }
  let higherSend = v.higher_prio_send_advert ?? (strict ? false : g.higher_prio_send_advert);
  if (strict && v.higher_prio_send_advert === true) {
    warn('higher_prio_send_advert', 'strict-reset', 'strict mode requires higher_prio_send_advert to be clear; resetting');
    higherSend = false;
  }

  const adv = fixAdvertInt(v.advert_int ?? 1, version);
  if (adv.why) warn('advert_int', 'advert-int-fixed', adv.why);

  const peers = (v.unicast_peer ?? []).filter((p) => familyOf(p.address) === family);
  let unicastTtl = v.unicast_ttl;
  if (unicastTtl !== undefined && peers.length === 0) {
    warn('unicast_ttl', 'unicast-ttl-reset', 'unicast_ttl cannot be used without unicast peers; resetting');
    unicastTtl = undefined;
  }
  if (v.unicast_src_ip !== undefined && peers.length === 0 && !v.unicast_fault_no_peer) {
    warn('unicast_src_ip', 'unicast-no-peers', 'a unicast keyword without any unicast peers: keepalived falls back to multicast (add unicast_fault_no_peer to go to FAULT instead)');
  }

  let vmac: ResolvedInstance['use_vmac'];
  if (v.use_vmac) {
    vmac = { xmit_base: v.vmac_xmit_base === true, addr: v.use_vmac_addr === true };
    if (v.use_vmac.name !== undefined) vmac.name = v.use_vmac.name;
    if (v.use_vmac.mac !== undefined) vmac.mac = v.use_vmac.mac;
    if (peers.length && v.interface === undefined) {
      warn('use_vmac', 'vmac-cleared', 'a VMAC cannot be used with unicast peers and no interface; clearing use_vmac');
      vmac = undefined;
    } else if (peers.length && !vmac.xmit_base) {
      warn('use_vmac', 'vmac-xmit-base-set', 'unicast with use_vmac requires vmac_xmit_base; setting it');
      vmac.xmit_base = true;
    }
    if (vmac && strict && vmac.xmit_base) {
      warn('vmac_xmit_base', 'strict-reset', 'vmac_xmit_base is incompatible with strict mode; resetting');
      vmac.xmit_base = false;
    }
  } else if (v.vmac_xmit_base) warn('vmac_xmit_base', 'ignored-option', 'vmac_xmit_base is only valid with use_vmac; ignored');
  let promote = v.promote_secondaries === true;
  if (promote && (vmac || v.use_ipvlan)) {
    warn('promote_secondaries', 'ignored-option', 'promote_secondaries is set automatically on VMAC / ipvlan interfaces; ignored');
    promote = false;
  }

  // Tracking (vrrp_complete_instance): own interface, then sync group / address owner weights.
  const sg = syncGroupOf(m, v.name);
  const sgNoWeights = sg !== undefined && !(sg.sync_group_tracking_weight || sg.global_tracking);
  const owner = priority === 255;
  const why = sgNoWeights ? 'SYNC group' : 'address owner';
  const tracksIf: ResolvedTrack[] = [];
  for (const t of v.track_interface ?? []) {
    if (t.name === v.interface) {
      warn('name', 'ignored-option', `ignoring track_interface ${t.name} since it is the instance's own interface`, t);
      continue;
    }
    let weight = t.weight ?? 0;
    if ((sgNoWeights || owner) && weight !== 0) {
      if (sgNoWeights) {
        warn('weight', 'tracking-weight-ignored', `ignoring ${t.name} tracked interface weight due to SYNC group (weight 0)`, t);
        weight = 0;
      } else {
        warn('weight', 'tracking-weight-ignored', `ignoring ${t.name} tracked interface due to address owner`, t);
        continue;
      }
    }
    tracksIf.push({ name: t.name, weight, reverse: t.reverse === true });
  }
  const tracksSc: ResolvedTrack[] = [];
  for (const t of v.track_script ?? []) {
    const sc = scriptByName(m, t.name);
    if (!sc) continue; // reported as "not found" by validation
    const weight = t.weight ?? sc.weight ?? 0;
    if ((sgNoWeights || owner) && weight !== 0) {
      warn('name', 'tracking-weight-ignored', `ignoring tracked script ${t.name} with weights due to ${why}`, t);
      continue;
    }
    tracksSc.push({ name: t.name, weight, reverse: t.weight !== undefined ? t.reverse === true : sc.reverse === true });
  }
  const tracksFl: ResolvedTrack[] = [];
  for (const t of v.track_file ?? []) {
    const f = fileByName(m, t.name);
    if (!f) continue;
    let weight = t.weight ?? f.weight ?? 1;
    if ((sgNoWeights || owner) && weight !== 0) {
      if (weight === 1) {
        warn('name', 'tracking-weight-ignored', `ignoring weight from tracked file ${t.name} due to ${why} - specify weight 0`, t);
        weight = 0;
      } else {
        warn('name', 'tracking-weight-ignored', `ignoring tracked file ${t.name} with weight ${weight} due to ${why}`, t);
        continue;
      }
    }
    tracksFl.push({ name: t.name, weight, reverse: t.weight !== undefined ? t.reverse === true : f.reverse === true });
  }

  const notify: ResolvedNotify = {};
  if (v.notify_master) notify.master = v.notify_master;
  if (v.notify_backup) notify.backup = v.notify_backup;
  if (v.notify_fault) notify.fault = v.notify_fault;
  if (v.notify_stop) notify.stop = v.notify_stop;
  if (v.notify_deleted !== undefined) notify.deleted = v.notify_deleted;
  if (v.notify) notify.notify = v.notify;
  if (v.notify_master_rx_lower_pri) notify.master_rx_lower_pri = v.notify_master_rx_lower_pri;

  const gl = m.global_defs;
  const r: ResolvedInstance = {
    name: v.name,
    vrid: v.virtual_router_id ?? 0,
    family,
    version,
    state,
    priority,
    address_owner: priority === 255,
    advert_int: adv.value,
    preempt: !nopreempt,
    preempt_delay: preemptDelay,
    accept,
    strict,
    mcast_group: v.mcast_dst_ip ?? (family === 4 ? g.vrrp_mcast_group4 : g.vrrp_mcast_group6),
    unicast_peers: peers.map((p) => ({ ...p })),
    unicast_fault_no_peer: v.unicast_fault_no_peer === true,
    check_unicast_src: v.check_unicast_src === true || g.check_unicast_src || peers.some((p) => p.min_ttl !== undefined || p.max_ttl !== undefined),
    skip_check_adv_addr: v.skip_check_adv_addr ?? g.skip_check_adv_addr,
    vips,
    excluded_vips: [...(v.virtual_ipaddress_excluded ?? [])],
    routes: [],
    rules: [],
    garp,
    down_timer_adverts: v.down_timer_adverts ?? g.down_timer_adverts,
    lower_prio_no_advert: lowerNoAdvert,
    higher_prio_send_advert: higherSend,
    track_interfaces: tracksIf,
    track_scripts: tracksSc,
    track_files: tracksFl,
    dont_track_primary: v.dont_track_primary === true,
    track_src_ip: v.track_src_ip === true && (v.mcast_src_ip ?? v.unicast_src_ip) !== undefined,
    promote_secondaries: promote,
    notify,
    notify_priority_changes: v.notify_priority_changes ?? g.notify_priority_changes,
    smtp_alert: v.smtp_alert ?? gl?.smtp_alert_vrrp ?? gl?.smtp_alert ?? false,
    v3_checksum_as_v2: v.v3_checksum_as_v2 === true,
  };
  void owner;
  if (v.interface !== undefined) r.interface = v.interface;
  const src = v.unicast_src_ip ?? v.mcast_src_ip;
  if (src !== undefined && familyOf(src) === family) r.src_ip = src;
  if (unicastTtl !== undefined) r.unicast_ttl = unicastTtl;
  if (auth) r.auth = auth;
  if (vmac) r.use_vmac = vmac;
  if (v.use_ipvlan) r.use_ipvlan = v.use_ipvlan;
  if (sg && sg.group?.includes(v.name)) r.sync_group = sg.name;
  if (v.old_unicast_checksum !== undefined) r.old_unicast_checksum = v.old_unicast_checksum;
  if (v.kernel_rx_buf_size !== undefined) r.kernel_rx_buf_size = v.kernel_rx_buf_size;
  return { fixes, r };
}

/** The fixes of one instance (for validation). */
export function instanceFixes(m: ConfigModel, v: VrrpInstance): Fix[] {
  return completeInstance(m, v).fixes;
}
