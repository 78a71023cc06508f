// Config layer (pure): the VRRP part of the model resolved for the engine (src/vrrp/) and
// `lvsd dump-config`: keepalived's defaults and inheritance applied (global_defs -> instance),
// the effective version / family / advert interval, and keepalived's own fixes (vrrp.c
// vrrp_complete_instance, vrrp_end_handler, sync_group_tracking_init; see resolve-vrrp-instance.ts).
// The same fix list is what vrrp-validate.ts reports, so what is warned about is what is applied.
import type { ConfigModel } from './model/index.js';
import type { StaticRoute, StaticRule, VirtualRoute, VirtualRule } from './model/vrrp-ip.js';
import type { TrackFile, TrackScriptRef, VrrpScript } from './model/vrrp.js';
import { completeInstance, familyOf, fileByName, resolveGlobal, scriptByName } from './resolve-vrrp-instance.js';
import {
  RTPROT_KEEPALIVED,
  RULE_START_PRIORITY,
  type ResolvedNotify,
  type ResolvedRoute,
  type ResolvedRule,
  type ResolvedScript,
  type ResolvedStatic,
  type ResolvedSyncDaemon,
  type ResolvedSyncGroup,
  type ResolvedTrack,
  type ResolvedTrackFile,
  type ResolvedVrrp,
} from './resolve-vrrp-types.js';

export * from './resolve-vrrp-types.js';
export { completeInstance, effectiveFamily, fixAdvertInt, instanceFixes, resolveGlobal, syncGroupOf } from './resolve-vrrp-instance.js';

function routeFamily(r: VirtualRoute): 4 | 6 {
  if (r.inet6 || r.from || r.expires !== undefined || r.pref !== undefined) return 6;
  const a = (typeof r.to === 'object' ? r.to.address : undefined) ?? r.via ?? r.src ?? r.nexthops?.find((h) => h.via)?.via;
  return a ? familyOf(a) : 4;
}

export function resolveRoute(r: StaticRoute): ResolvedRoute {
  const track = !r.no_track && r.dev !== undefined;
  return { ...r, family: routeFamily(r), track, ...(track ? { protocol: RTPROT_KEEPALIVED } : {}) };
}

function ruleFamily(r: VirtualRule): 4 | 6 {
  if (r.inet6) return 6;
  const a = [r.from, r.to].find((x) => typeof x === 'object');
  return a && typeof a === 'object' ? familyOf(a.address) : 4;
}

/** Drop the entries keepalived refuses (no action, conflicting actions, bad goto). */
function ruleUsable(r: VirtualRule): boolean {
  const actions = [r.table !== undefined, r.goto !== undefined, r.action !== undefined, r.l3mdev === true].filter(Boolean).length;
  if (actions !== 1) return false;
  if (r.goto !== undefined && (r.preference === undefined || r.preference >= r.goto)) return false;
  if ((r.realms !== undefined || r.suppress_prefixlength !== undefined || r.suppress_ifgroup !== undefined) && r.table === undefined) return false;
  return true;
}

/** Resolve the VRRP sections: defaults, inheritance and keepalived's fixes applied. */
export function resolveVrrp(m: ConfigModel): ResolvedVrrp {
  const global = resolveGlobal(m.global_defs);
  const scripts: ResolvedScript[] = m.vrrp_scripts
    .filter((s): s is VrrpScript & { script: string } => !!s.script)
    .map((s) => {
      const interval = Math.max(1, s.interval ?? 1);
      const out: ResolvedScript = {
        name: s.name,
        command: s.script,
        interval,
        timeout: s.timeout !== undefined ? Math.max(1, s.timeout) : interval,
        weight: s.weight ?? 0,
        reverse: s.reverse === true && s.weight !== undefined,
        rise: s.rise ?? 1,
        fall: s.fall ?? 1,
        init_fail: s.init_fail === true,
      };
      const user = s.user ?? global.script_user?.user;
      const group = s.user !== undefined ? s.group : global.script_user?.group;
      if (user !== undefined) out.user = user;
      if (group !== undefined) out.group = group;
      return out;
    });
  const track_files: ResolvedTrackFile[] = m.vrrp_track_files
    .filter((f): f is TrackFile & { file: string } => !!f.file)
    .map((f) => ({
      name: f.name,
      file: f.file,
      weight: f.weight ?? 1,
      reverse: f.reverse === true && f.weight !== undefined,
      ...(f.init_file ? { init_file: { value: f.init_file.value ?? 0, overwrite: f.init_file.overwrite === true } } : {}),
    }));

  // Rule preferences keepalived assigns at read time: static rules first, then instances.
  const next = { 4: RULE_START_PRIORITY, 6: RULE_START_PRIORITY };
  const resolveRule = (r: StaticRule): ResolvedRule => {
    const family = ruleFamily(r);
    const track = !r.no_track;
    const preference = r.preference ?? next[family]--;
    return { ...r, family, track, preference, ...(track ? { protocol: RTPROT_KEEPALIVED } : {}) };
  };
  const st = m.static ?? {};
  const staticOut: ResolvedStatic = {
    addresses: (st.static_ipaddress ?? []).map((a) => ({ ...a, dev: a.dev ?? global.default_interface })),
    routes: (st.static_routes ?? []).map(resolveRoute),
    rules: (st.static_rules ?? []).filter(ruleUsable).map(resolveRule),
    track_groups: (st.track_group ?? []).map((t) => ({ name: t.name, members: [...(t.group ?? [])] })),
  };

  const names = new Set(m.vrrp_instances.map((v) => v.name));
  const seenMember = new Set<string>();
  const sync_groups: ResolvedSyncGroup[] = m.vrrp_sync_groups.map((sg) => {
    const members = (sg.group ?? []).filter((n) => names.has(n) && !seenMember.has(n));
    for (const n of members) seenMember.add(n);
    const ownerMember = members.some((n) => {
      const v = m.vrrp_instances.find((x) => x.name === n);
      return v !== undefined && (v.priority ?? (v.state === 'MASTER' ? 255 : 100)) === 255;
    });
    const refs = (list: readonly TrackScriptRef[] | undefined, def: (n: string) => { weight?: number; reverse?: boolean } | undefined, dflt: number): ResolvedTrack[] =>
      (list ?? []).flatMap((t) => {
        const d = def(t.name);
        if (!d) return [];
        const w = t.weight ?? d.weight ?? dflt;
        return [{ name: t.name, weight: ownerMember ? 0 : w, reverse: t.weight !== undefined ? t.reverse === true : d.reverse === true }];
      });
    const notify: ResolvedNotify = {};
    if (sg.notify_master) notify.master = sg.notify_master;
    if (sg.notify_backup) notify.backup = sg.notify_backup;
    if (sg.notify_fault) notify.fault = sg.notify_fault;
    if (sg.notify_stop) notify.stop = sg.notify_stop;
    if (sg.notify) notify.notify = sg.notify;
    return {
      name: sg.name,
      members,
      tracking_weight: sg.sync_group_tracking_weight === true || sg.global_tracking === true,
      track_interfaces: (sg.track_interface ?? []).map((t) => ({ name: t.name, weight: ownerMember ? 0 : (t.weight ?? 0), reverse: t.reverse === true })),
      track_scripts: refs(sg.track_script, (n) => scriptByName(m, n), 0),
      track_files: refs(sg.track_file, (n) => fileByName(m, n), 1),
      notify,
      notify_priority_changes: sg.notify_priority_changes ?? global.notify_priority_changes,
      smtp_alert: sg.smtp_alert ?? m.global_defs?.smtp_alert_vrrp ?? m.global_defs?.smtp_alert ?? false,
    };
  });

  const instances = m.vrrp_instances.map((v) => {
    const { r } = completeInstance(m, v);
    if (r.sync_group && !sync_groups.some((g) => g.name === r.sync_group && g.members.includes(v.name))) delete r.sync_group;
    r.routes = (v.virtual_routes ?? []).map(resolveRoute);
    r.rules = (v.virtual_rules ?? []).filter(ruleUsable).map(resolveRule);
    return r;
  });
  const out: ResolvedVrrp = { global, scripts, track_files, sync_groups, instances, static: staticOut };
  const sd = m.global_defs?.lvs_sync_daemon;
  const legacy = m.vrrp_instances.find((v) => v.lvs_sync_daemon_interface !== undefined);
  if (sd || legacy) {
    const inst = sd ? sd.instance : legacy?.name;
    const vrid = m.vrrp_instances.find((v) => v.name === inst)?.virtual_router_id;
    const d: ResolvedSyncDaemon = {
      interface: sd ? sd.interface : (legacy?.lvs_sync_daemon_interface as string),
      id: sd?.id ?? vrid ?? 0,
      port: sd?.port ?? 8848,
      group: sd?.group ?? '224.0.0.81',
    };
    if (inst !== undefined) d.instance = inst;
    if (sd?.maxlen !== undefined) d.maxlen = sd.maxlen;
    if (sd?.ttl !== undefined) d.ttl = sd.ttl;
    out.lvs_sync_daemon = d;
  }
  return out;
}
