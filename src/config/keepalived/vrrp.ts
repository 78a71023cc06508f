// Config layer (pure): keepalived.conf grammar for the VRRP sections: vrrp_script, track_file
// (vrrp_track_file), vrrp_track_process, vrrp_sync_group, vrrp_instance, static_ipaddress /
// static_routes / static_rules and track_group. Handlers follow keepalived's vrrp_parser.c.
import type { ConfigModel } from '../model/index.js';
import type { StaticConfig, SyncGroup, TrackFile, TrackGroup, VrrpInstance, VrrpScript } from '../model/vrrp.js';
import type { Token } from '../source.js';
import type { KeywordTable, ParseContext } from './context.js';
import type { Stmt } from './tree.js';
import { addNamed, blockName, intArg, readTrackBlock, setCommand, valueBlock } from './vrrp-common.js';
import { instanceTable, readStaticEntries } from './vrrp-instance.js';
import { parseIpEntry } from './vrrp-ip.js';
import { parseRoute } from './vrrp-route.js';
import { parseRule } from './vrrp-rule.js';
export { validateVrrp } from './vrrp-validate.js';

const TIMER_SECS = 4294;

/** `weight W [reverse]` of vrrp_script and track_file. */
function readWeight(s: Stmt, target: { weight?: number; reverse?: true }, ctx: ParseContext, max: number, owner: string): void {
  if (!ctx.arity(s, 1, 2)) return;
  const n = ctx.int(s.args[0], `${owner} weight`, { min: -max, max });
  if (n === undefined) return;
  ctx.set(target, 'weight', n, s);
  const r = s.args[1];
  if (r) {
    if (r.text === 'reverse') target.reverse = true;
    else ctx.diags.warn('unknown-option', `${owner}: unknown weight option '${r.text}'; ignored`, r.loc);
  }
}

const scriptTable: KeywordTable<VrrpScript> = {
  script: {
    handle: (s, v, ctx) => {
      if (!ctx.arity(s, 1, Infinity)) return;
      // keepalived reads the rest of the line: `script /bin/x a b` and `script "/bin/x a b"` are the same.
      ctx.set(v, 'script', s.args.map((t) => t.text).join(' '), s);
    },
  },
  interval: {
    handle: (s, v, ctx) => {
      const n = intArg(s, ctx, 0, TIMER_SECS, `(${v.name}) vrrp script interval`);
      if (n !== undefined) ctx.set(v, 'interval', n, s);
    },
  },
  timeout: {
    handle: (s, v, ctx) => {
      const n = intArg(s, ctx, 0, TIMER_SECS, `(${v.name}) vrrp script timeout`);
      if (n !== undefined) ctx.set(v, 'timeout', n, s);
    },
  },
  weight: { handle: (s, v, ctx) => readWeight(s, v, ctx, 253, `vrrp_script ${v.name}`) },
  rise: {
    handle: (s, v, ctx) => {
      const n = intArg(s, ctx, 1, 2147483647, `(${v.name}) vrrp script rise`);
      if (n !== undefined) ctx.set(v, 'rise', n, s);
    },
  },
  fall: {
    handle: (s, v, ctx) => {
      const n = intArg(s, ctx, 1, 2147483647, `(${v.name}) vrrp script fall`);
      if (n !== undefined) ctx.set(v, 'fall', n, s);
    },
  },
  user: {
    handle: (s, v, ctx) => {
      if (!ctx.arity(s, 1, 2)) return;
      ctx.set(v, 'user', (s.args[0] as Token).text, s);
      if (s.args[1]) v.group = s.args[1].text;
      else delete v.group;
    },
  },
  init_fail: {
    handle: (s, v, ctx) => {
      ctx.arity(s, 0);
      ctx.set(v, 'init_fail', true, s);
    },
  },
};

const trackFileTable: KeywordTable<TrackFile> = {
  file: {
    handle: (s, v, ctx) => {
      const t = ctx.arg(s);
      if (t) ctx.set(v, 'file', t.text, s);
    },
  },
  weight: { handle: (s, v, ctx) => readWeight(s, v, ctx, 254, `track_file ${v.name}`) },
  init_file: {
    handle: (s, v, ctx) => {
      ctx.arity(s, 0, 2);
      const init: NonNullable<TrackFile['init_file']> = {};
      for (const t of s.args.slice(0, 2)) {
        if (t.text === 'overwrite') init.overwrite = true;
        else {
          const n = ctx.int(t, `track_file ${v.name} init_file value`, { min: -2147483648, max: 2147483647 });
          if (n === undefined) return;
          init.value = n;
        }
      }
      ctx.set(v, 'init_file', init, s);
    },
  },
};

/** vrrp_track_process is read to check it, then dropped: lvsd has no process tracking. */
const trackProcessTable: KeywordTable<Record<string, unknown>> = {
  process: { handle: (s, _v, ctx) => void ctx.arity(s, 1, Infinity) },
  param_match: {
    handle: (s, _v, ctx) => {
      ctx.arity(s, 0, 1);
      if (s.args[0]) ctx.oneOf(s.args[0], 'param_match', ['initial', 'partial'], false);
    },
  },
  weight: { handle: (s, v, ctx) => readWeight(s, v as { weight?: number }, ctx, 254, 'vrrp_track_process') },
  quorum: { handle: (s, _v, ctx) => void intArg(s, ctx, 0, 65535) },
  quorum_max: { handle: (s, _v, ctx) => void intArg(s, ctx, 0, 65535) },
  delay: { handle: (s, _v, ctx) => void ctx.seconds(ctx.arg(s), 'delay', { max: TIMER_SECS }) },
  terminate_delay: { handle: (s, _v, ctx) => void ctx.seconds(ctx.arg(s), 'terminate_delay', { max: TIMER_SECS }) },
  fork_delay: { handle: (s, _v, ctx) => void ctx.seconds(ctx.arg(s), 'fork_delay', { max: TIMER_SECS }) },
  full_command: { handle: (s, _v, ctx) => void ctx.arity(s, 0) },
};

const syncGroupTable: KeywordTable<SyncGroup> = {
  group: {
    block: 'required',
    handle: (s, g, ctx) => {
      if (g.group !== undefined) {
        ctx.diags.warn('duplicate-keyword', `group list already given for sync group ${g.name}; keepalived ignores this one`, s.kw.loc);
        return;
      }
      const names = valueBlock(s, ctx).map((t) => t.text);
      if (names.length === 0) ctx.diags.warn('empty-block', `sync group ${g.name} has an empty group block`, s.kw.loc);
      g.group = names;
      ctx.at(g, 'group', s.kw.loc);
    },
  },
  track_interface: trackBlockSpec('track_interface'),
  track_script: trackBlockSpec('track_script'),
  track_file: trackBlockSpec('track_file'),
  track_process: { ...trackBlockSpec('track_process'), notSupported: 'process tracking (vrrp_track_process) is not implemented by lvsd' },
  track_bfd: { ...trackBlockSpec('track_bfd'), notSupported: 'BFD is not implemented by lvsd' },
  notify_master: { handle: (s, g, ctx) => setCommand(g, 'notify_master', s, ctx) },
  notify_backup: { handle: (s, g, ctx) => setCommand(g, 'notify_backup', s, ctx) },
  notify_fault: { handle: (s, g, ctx) => setCommand(g, 'notify_fault', s, ctx) },
  notify_stop: { handle: (s, g, ctx) => setCommand(g, 'notify_stop', s, ctx) },
  notify: { handle: (s, g, ctx) => setCommand(g, 'notify', s, ctx) },
  notify_priority_changes: {
    handle: (s, g, ctx) => {
      ctx.arity(s, 0, 1);
      const b = ctx.bool(s);
      if (b !== undefined) ctx.set(g, 'notify_priority_changes', b, s);
    },
  },
  smtp_alert: {
    handle: (s, g, ctx) => {
      ctx.arity(s, 0, 1);
      const b = ctx.bool(s);
      if (b !== undefined) ctx.set(g, 'smtp_alert', b, s);
    },
  },
  global_tracking: {
    handle: (s, g, ctx) => {
      ctx.diags.warn('deprecated-keyword', `(${g.name}) global_tracking is deprecated; use track_interface/track_script/track_file on the sync group`, s.kw.loc);
      ctx.arity(s, 0);
      ctx.set(g, 'global_tracking', true, s);
    },
  },
  sync_group_tracking_weight: {
    handle: (s, g, ctx) => {
      ctx.arity(s, 0);
      ctx.set(g, 'sync_group_tracking_weight', true, s);
    },
  },
};

function trackBlockSpec(field: 'track_interface' | 'track_script' | 'track_file' | 'track_process' | 'track_bfd') {
  return {
    block: 'required' as const,
    handle: (s: Stmt, g: SyncGroup, ctx: ParseContext) => {
      const list = readTrackBlock(s, ctx, field, g.name);
      const prev = g[field];
      g[field] = [...(prev ?? []), ...list.filter((x) => !prev?.some((p) => p.name === x.name))];
      ctx.at(g, field, s.kw.loc);
    },
  };
}

const trackGroupTable: KeywordTable<TrackGroup> = {
  group: {
    block: 'required',
    handle: (s, g, ctx) => {
      if (g.group !== undefined) {
        ctx.diags.warn('duplicate-keyword', `group list already given for track_group ${g.name}; keepalived ignores this one`, s.kw.loc);
        return;
      }
      const names = valueBlock(s, ctx).map((t) => t.text);
      if (names.length === 0) ctx.diags.warn('empty-block', `track group ${g.name} has an empty group block`, s.kw.loc);
      g.group = names;
      ctx.at(g, 'group', s.kw.loc);
    },
  },
};

function staticOf(m: ConfigModel, s: Stmt, ctx: ParseContext): StaticConfig {
  if (!m.static) {
    m.static = {};
    ctx.at(m.static, '', s.kw.loc);
  }
  return m.static;
}

function named<T extends { name: string }>(make: (name: string) => T, list: (m: ConfigModel, s: Stmt, ctx: ParseContext) => T[], table: KeywordTable<T>, what: string) {
  return {
    block: 'required' as const,
    handle: (s: Stmt, m: ConfigModel, ctx: ParseContext) => {
      const n = blockName(s, ctx);
      if (!n) return;
      const item = make(n.text);
      if (!addNamed(list(m, s, ctx), item, n, ctx, what)) return;
      ctx.walk(s.block, table, item, `${what} ${n.text}`);
    },
  };
}

const UNSUPPORTED_BLOCK = (reason: string) => ({ block: 'optional' as const, notSupported: reason });

export const vrrpTopLevel: KeywordTable<ConfigModel> = {
  vrrp_script: named<VrrpScript>((name) => ({ name }), (m) => m.vrrp_scripts, scriptTable, 'vrrp_script'),
  track_file: named<TrackFile>((name) => ({ name }), (m) => m.vrrp_track_files, trackFileTable, 'track_file'),
  vrrp_track_file: { deprecatedFor: 'track_file' },
  vrrp_track_process: {
    block: 'required',
    notSupported: 'process tracking is not implemented by lvsd; the block is checked and dropped',
    handle: (s, _m, ctx) => {
      const n = blockName(s, ctx);
      if (n) ctx.walk(s.block, trackProcessTable, {}, `vrrp_track_process ${n.text}`);
    },
  },
  vrrp_sync_group: named<SyncGroup>((name) => ({ name }), (m) => m.vrrp_sync_groups, syncGroupTable, 'vrrp_sync_group'),
  vrrp_instance: named<VrrpInstance>((name) => ({ name }), (m) => m.vrrp_instances, instanceTable, 'vrrp_instance'),
  track_group: named<TrackGroup>((name) => ({ name }), (m, s, ctx) => (staticOf(m, s, ctx).track_group ??= []), trackGroupTable, 'track_group'),
  static_ipaddress: {
    block: 'required',
    handle: (s, m, ctx) => {
      const st = staticOf(m, s, ctx);
      st.static_ipaddress = readStaticEntries(s, ctx, (e, c) => parseIpEntry(e, c, 'static'), st.static_ipaddress ?? []);
      ctx.at(st, 'static_ipaddress', s.kw.loc);
    },
  },
  static_routes: {
    block: 'required',
    handle: (s, m, ctx) => {
      const st = staticOf(m, s, ctx);
      st.static_routes = readStaticEntries(s, ctx, (e, c) => parseRoute(e, c, 'static'), st.static_routes ?? []);
      ctx.at(st, 'static_routes', s.kw.loc);
    },
  },
  static_rules: {
    block: 'required',
    handle: (s, m, ctx) => {
      const st = staticOf(m, s, ctx);
      st.static_rules = readStaticEntries(s, ctx, (e, c) => parseRule(e, c, 'static'), st.static_rules ?? []);
      ctx.at(st, 'static_rules', s.kw.loc);
    },
  },
  garp_group: UNSUPPORTED_BLOCK('per-interface GARP/NA rate groups are not implemented by lvsd (global vrrp_garp_interval / vrrp_gna_interval are)'),
  linkbeat_interfaces: UNSUPPORTED_BLOCK('lvsd watches links through netlink only'),
  interface_up_down_delays: UNSUPPORTED_BLOCK('interface up/down debouncing is not implemented by lvsd'),
};
