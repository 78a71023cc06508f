// Config layer (pure): cross-section checks of the VRRP sections after the whole file was read
// (keepalived.conf or YAML): references, duplicate names, and keepalived's own fixes ("clearing",
// "resetting", "rounding"), reported as warnings that say what resolve-vrrp.ts then applies.
import type { ConfigModel } from '../model/index.js';
import type { StaticRoute, StaticRule } from '../model/vrrp-ip.js';
import type { TrackScriptRef, VrrpInstance } from '../model/vrrp.js';
import type { SourceLoc } from '../source.js';
import type { ParseContext } from './context.js';
import { cidrText, familyOf } from './vrrp-ip.js';
import { effectiveFamily, instanceFixes } from '../resolve-vrrp.js';

/** keepalived's RTPROT_KEEPALIVED: the protocol of routes and rules it tracks. */
export const RTPROT_KEEPALIVED = 18;

function dupNames<T extends { name: string }>(list: readonly T[], ctx: ParseContext, what: string): void {
  const seen = new Map<string, T>();
  for (const x of list) {
    const prev = seen.get(x.name);
    if (prev) {
      const at = ctx.locs.get(prev, 'name');
      ctx.diags.error('duplicate-name', `${what} ${x.name} is already defined${at ? ` at line ${at.line}` : ''}; keepalived ignores this block`, ctx.locs.get(x, 'name'));
    } else seen.set(x.name, x);
  }
}

function checkRoute(r: StaticRoute, ctx: ParseContext, owner: string): void {
  const loc = ctx.locs.get(r);
  if (r.no_track) return;
  if (r.protocol !== undefined && r.protocol !== RTPROT_KEEPALIVED) {
    ctx.diags.warn('route-protocol-reset', `${owner}route ${cidrText(r.to)} cannot be tracked with protocol ${r.protocol}; keepalived sets protocol ${RTPROT_KEEPALIVED} (add no_track to keep yours)`, ctx.locs.get(r, 'protocol') ?? loc);
  }
  if (r.dev === undefined) {
    ctx.diags.warn('route-not-tracked', `${owner}cannot track route ${cidrText(r.to)} with no interface specified, not tracking (add dev or no_track)`, loc);
  }
}

function checkRule(r: StaticRule, ctx: ParseContext, owner: string): void {
  const loc = ctx.locs.get(r);
  const actions = [r.table !== undefined, r.goto !== undefined, r.action !== undefined, r.l3mdev === true].filter(Boolean).length;
  if (actions === 0) ctx.diags.error('rule-no-action', `${owner}rule has no action (table, goto, nop, blackhole, unreachable, prohibit or l3mdev); keepalived ignores it`, loc);
  else if (actions > 1 && !(actions === 2 && r.l3mdev && r.table === undefined)) {
    ctx.diags.error('rule-conflict', `${owner}rule has more than one of table/goto/nop/blackhole/unreachable/prohibit/l3mdev; keepalived ignores it`, loc);
  }
  if (r.goto !== undefined) {
    if (r.preference === undefined) ctx.diags.error('rule-conflict', `${owner}rule with goto ${r.goto} needs a preference; keepalived ignores it`, loc);
    else if (r.preference >= r.goto) ctx.diags.error('rule-conflict', `${owner}rule preference ${r.preference} must be below its goto target ${r.goto}; keepalived ignores it`, loc);
  }
  if ((r.realms !== undefined || r.suppress_prefixlength !== undefined || r.suppress_ifgroup !== undefined) && r.table === undefined) {
    ctx.diags.error('rule-conflict', `${owner}realms / suppress_* need a table action; keepalived ignores the rule`, loc);
  }
  if (!r.no_track && r.protocol !== undefined && r.protocol !== RTPROT_KEEPALIVED) {
    ctx.diags.warn('rule-protocol-reset', `${owner}rule cannot be tracked with protocol ${r.protocol}; keepalived sets protocol ${RTPROT_KEEPALIVED}`, ctx.locs.get(r, 'protocol') ?? loc);
  }
  if (r.preference === undefined) {
    ctx.diags.warn('rule-no-preference', `${owner}rule has no preference; keepalived assigns one counting down from 16384, which is probably not what you want`, loc);
  }
}

/**
 * Track references: the name must exist. keepalived also resolves the name while reading, so a
 * definition later in the same file is "not found" there; lvsd reads the whole file first and
 * only warns.
 */
function refCheck(refs: readonly TrackScriptRef[] | undefined, known: Map<string, object>, ctx: ParseContext, owner: string, what: string): void {
  for (const r of refs ?? []) {
    const use = ctx.locs.get(r, 'name') ?? ctx.locs.get(r);
    const def = known.get(r.name);
    if (!def) {
      ctx.diags.warn('unknown-reference', `(${owner}) ${what} ${r.name} not found, ignored`, use);
      continue;
    }
    const d = ctx.locs.get(def, 'name');
    if (use && d && use.file === d.file && d.line > use.line) {
      ctx.diags.warn('define-before-use', `(${owner}) ${what} ${r.name} is defined after this use (line ${d.line}); keepalived would not find it - move the definition up`, use);
    }
  }
}

function instanceChecks(m: ConfigModel, v: VrrpInstance, ctx: ParseContext, scripts: Map<string, object>, files: Map<string, object>): void {
  const at = (f: string): SourceLoc | undefined => ctx.locs.get(v, f) ?? ctx.locs.get(v, 'name');
  const n = v.name;
  if (v.virtual_router_id === undefined) ctx.diags.error('missing-vrid', `(${n}) the virtual router id must be set`, at('name'));
  if (v.interface === undefined) {
    // keepalived.conf(5) lets unicast instances omit it, but keepalived 2.2.7 stops with "Unknown interface!".
    ctx.diags.error('missing-interface', `(${n}) no interface: keepalived 2.2.7 refuses an instance without one ("Unknown interface!")`, at('name'));
  }
  if (v.vrf !== undefined && v.interface !== undefined) {
    ctx.diags.warn('ignored-option', `(${n}) vrf cannot be given with an interface; keepalived ignores the vrf`, at('vrf'));
  }
  refCheck(v.track_script, scripts, ctx, n, 'track script');
  refCheck(v.track_file, files, ctx, n, 'track file');

  // Address family: the first address that has one decides (keepalived vrrp_parser / vrrp_data).
  const fam = effectiveFamily(v);
  const mixed = (addr: string, f: string, loc: SourceLoc | undefined) => {
    if (familyOf(addr) !== fam) ctx.diags.error('instance-family', `(${n}) ${f} ${addr} is not of the instance's family (IPv${fam}); keepalived ignores it`, loc);
  };
  if (v.native_ipv6 && fam === 4) ctx.diags.error('instance-family', `(${n}) native_ipv6 with IPv4 addresses`, at('native_ipv6'));
  for (const f of ['mcast_src_ip', 'unicast_src_ip', 'mcast_dst_ip'] as const) if (v[f] !== undefined) mixed(v[f] as string, f, at(f));
  for (const a of v.virtual_ipaddress ?? []) mixed(a.address, 'virtual address', ctx.locs.get(a));
  for (const p of v.unicast_peer ?? []) mixed(p.address, 'unicast peer', ctx.locs.get(p));
  if (v.mcast_dst_ip !== undefined) {
    const a = v.mcast_dst_ip;
    const ok = familyOf(a) === 4 ? Number(a.split('.')[0]) >= 224 && Number(a.split('.')[0]) <= 239 : /^ff[0-9a-f]2:/i.test(a);
    if (!ok) ctx.diags.error('not-multicast', `(${n}) mcast_dst_ip ${a} is not ${familyOf(a) === 4 ? 'a multicast' : 'a link-local multicast'} address; keepalived ignores it`, at('mcast_dst_ip'));
  }

  // keepalived's fixes (vrrp.c vrrp_complete_instance), computed once in resolve and reported here.
  for (const fix of instanceFixes(m, v)) {
    const loc = fix.at ? (ctx.locs.get(fix.at, fix.field) ?? ctx.locs.get(fix.at)) : at(fix.field);
    ctx.diags.add(fix.severity, fix.code, `(${n}) ${fix.message}`, loc);
  }

  for (const r of v.virtual_routes ?? []) checkRoute(r, ctx, `(${n}) `);
  for (const r of v.virtual_rules ?? []) checkRule(r, ctx, `(${n}) `);
}

/** Cross-section checks and keepalived's own fixes, after the whole file was read. */
export function validateVrrp(m: ConfigModel, ctx: ParseContext): void {
  dupNames(m.vrrp_instances, ctx, 'vrrp instance');
  dupNames(m.vrrp_sync_groups, ctx, 'vrrp sync group');
  dupNames(m.vrrp_scripts, ctx, 'vrrp_script');
  dupNames(m.vrrp_track_files, ctx, 'track_file');
  dupNames(m.static?.track_group ?? [], ctx, 'track_group');

  for (const s of m.vrrp_scripts) {
    if (!s.script) ctx.diags.warn('script-removed', `no script set for vrrp_script ${s.name}; keepalived removes it`, ctx.locs.get(s, 'name'));
    if (s.interval === 0) ctx.diags.warn('value-fixed', `(${s.name}) vrrp script interval must be greater than 0; keepalived uses 1`, ctx.locs.get(s, 'interval'));
    if (s.timeout === 0) ctx.diags.warn('value-fixed', `(${s.name}) vrrp script timeout must be greater than 0; keepalived uses 1`, ctx.locs.get(s, 'timeout'));
    if (s.reverse !== undefined && s.weight === undefined) ctx.diags.warn('ignored-option', `(${s.name}) reverse without a weight is ignored`, ctx.locs.get(s, 'reverse'));
  }
  for (const f of m.vrrp_track_files) {
    if (!f.file) ctx.diags.warn('track-file-removed', `no file set for track_file ${f.name}; keepalived removes it`, ctx.locs.get(f, 'name'));
  }
  const scripts = new Map<string, object>(m.vrrp_scripts.filter((s) => s.script).map((s) => [s.name, s]));
  const files = new Map<string, object>(m.vrrp_track_files.filter((f) => f.file).map((f) => [f.name, f]));
  const instances = new Set(m.vrrp_instances.map((v) => v.name));

  const g = m.global_defs;
  if (g) {
    const gl = (f: string) => ctx.locs.get(g, f);
    if (g.smtp_connect_timeout === 0) ctx.diags.warn('value-fixed', 'smtp_connect_timeout must be greater than 0; keepalived uses 1', gl('smtp_connect_timeout'));
    for (const f of ['vrrp_garp_master_repeat', 'vrrp_garp_master_refresh_repeat'] as const) {
      if (g[f] === 0) ctx.diags.warn('value-fixed', `${f} must be greater than 0; keepalived uses 1`, gl(f));
    }
    for (const f of ['vrrp_garp_interval', 'vrrp_gna_interval'] as const) {
      // keepalived 2.2.7 reads [0.000001, 4294.967295] and rejects 0 ("is invalid"); 0 is also its default.
      if (g[f] === 0) ctx.diags.warn('keepalived-compat', `${f} 0 is rejected by keepalived 2.2.7 (minimum 0.000001); it is the default anyway`, gl(f));
    }
    if (g.vrrp_mcast_group4 !== undefined) {
      const o = Number(g.vrrp_mcast_group4.split('.')[0]);
      if (o < 224 || o > 239) ctx.diags.error('not-multicast', `vrrp_mcast_group4 ${g.vrrp_mcast_group4} is not a multicast address`, gl('vrrp_mcast_group4'));
    }
    if (g.vrrp_mcast_group6 !== undefined && !/^ff/i.test(g.vrrp_mcast_group6)) {
      ctx.diags.error('not-multicast', `vrrp_mcast_group6 ${g.vrrp_mcast_group6} is not a multicast address`, gl('vrrp_mcast_group6'));
    }
    const sd = g.lvs_sync_daemon;
    if (sd?.instance !== undefined && !instances.has(sd.instance)) {
      ctx.diags.warn('unknown-reference', `lvs_sync_daemon: vrrp_instance ${sd.instance} not found`, ctx.locs.get(sd, 'instance') ?? gl('lvs_sync_daemon'));
    }
    if (sd?.group !== undefined) {
      const a = sd.group;
      const multicast = familyOf(a) === 4 ? Number(a.split('.')[0]) >= 224 && Number(a.split('.')[0]) <= 239 : /^ff/i.test(a);
      if (!multicast) ctx.diags.error('not-multicast', `lvs_sync_daemon group ${a} is not a multicast address`, gl('lvs_sync_daemon'));
    }
  }

  // Sync groups: members exist and are in one group only (keepalived vrrp_sync.c).
  const memberOf = new Map<string, string>();
  for (const sg of m.vrrp_sync_groups) {
    const loc = ctx.locs.get(sg, 'group') ?? ctx.locs.get(sg, 'name');
    let members = 0;
    for (const name of sg.group ?? []) {
      if (!instances.has(name)) {
        ctx.diags.warn('unknown-reference', `virtual router ${name} specified in sync group ${sg.name} doesn't exist; ignored`, loc);
        continue;
      }
      const other = memberOf.get(name);
      if (other !== undefined) {
        ctx.diags.error('sync-group-member', `virtual router ${name} cannot be in more than one sync group (${other} and ${sg.name}); keepalived ignores ${sg.name} for it`, loc);
        continue;
      }
      memberOf.set(name, sg.name);
      members++;
    }
    if (sg.group === undefined) ctx.diags.warn('empty-block', `sync group ${sg.name} has no group block`, ctx.locs.get(sg, 'name'));
    else if (members === 1) ctx.diags.warn('sync-group-single', `sync group ${sg.name} has only 1 virtual router - this probably isn't what you want`, loc);
    refCheck(sg.track_script, scripts, ctx, sg.name, 'track script');
    refCheck(sg.track_file, files, ctx, sg.name, 'track file');
  }

  for (const v of m.vrrp_instances) instanceChecks(m, v, ctx, scripts, files);

  // The deprecated per-instance lvs_sync_daemon_interface: one sync daemon, the first one wins.
  let syncd = m.global_defs?.lvs_sync_daemon?.interface;
  for (const v of m.vrrp_instances) {
    if (v.lvs_sync_daemon_interface === undefined) continue;
    if (syncd !== undefined) {
      ctx.diags.warn('ignored-option', `(${v.name}) lvs_sync_daemon_interface: the sync daemon is already set on ${syncd}; ignored`, ctx.locs.get(v, 'lvs_sync_daemon_interface'));
    } else syncd = v.lvs_sync_daemon_interface;
  }

  const st = m.static;
  if (st) {
    const groups = new Set((st.track_group ?? []).map((t) => t.name));
    for (const tg of st.track_group ?? []) {
      for (const name of tg.group ?? []) {
        if (!instances.has(name)) ctx.diags.warn('unknown-reference', `track_group ${tg.name}: vrrp_instance ${name} not found`, ctx.locs.get(tg, 'group'));
      }
    }
    const tgRef = (o: { track_group?: string }) => {
      if (o.track_group !== undefined && !groups.has(o.track_group)) {
        ctx.diags.warn('unknown-reference', `track_group ${o.track_group} not found`, ctx.locs.get(o, 'track_group') ?? ctx.locs.get(o));
      }
    };
    for (const a of st.static_ipaddress ?? []) tgRef(a);
    for (const r of st.static_routes ?? []) {
      tgRef(r);
      if (r.track_group !== undefined && r.dev === undefined) ctx.diags.warn('ignored-option', `static route ${cidrText(r.to)} cannot have a track_group without dev; ignored`, ctx.locs.get(r));
    }
    for (const r of st.static_rules ?? []) {
      tgRef(r);
      checkRule(r, ctx, 'static ');
      if (r.track_group !== undefined && r.iif === undefined) ctx.diags.warn('ignored-option', 'static rule cannot have a track_group without dev/iif; ignored', ctx.locs.get(r));
    }
    for (const r of st.static_routes ?? []) checkRoute(r, ctx, 'static ');
  }
}
