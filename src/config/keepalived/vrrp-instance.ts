// Config layer (pure): keepalived.conf grammar of vrrp_instance (every keyword keepalived.conf(5)
// documents for it; handlers follow keepalived's vrrp_parser.c). Cross checks are in vrrp-validate.ts.
import type { VrrpInstance } from '../model/vrrp.js';
import type { StaticIp, StaticRoute, StaticRule, VirtualIp, VirtualRoute, VirtualRule } from '../model/vrrp-ip.js';
import type { Token } from '../source.js';
import { canonicalIp, type KeywordSpec, type KeywordTable, type ParseContext } from './context.js';
import type { Stmt } from './tree.js';
import { readCommand } from './command.js';
import { hint, intArg, readTrackBlock, setCommand, type TrackKind } from './vrrp-common.js';
import { parseIpEntry, readCidr } from './vrrp-ip.js';
import { parseRoute } from './vrrp-route.js';
import { parseRule } from './vrrp-rule.js';

type I = VrrpInstance;
type Spec = KeywordSpec<I>;

const flag = (field: keyof I & string): Spec => ({
  handle: (s, v, ctx) => {
    ctx.arity(s, 0);
    ctx.set(v, field, true as never, s);
  },
});
const boolKw = (field: keyof I & string): Spec => ({
  handle: (s, v, ctx) => {
    ctx.arity(s, 0, 1);
    const b = ctx.bool(s);
    if (b !== undefined) ctx.set(v, field, b as never, s);
  },
});
const intKw = (field: keyof I & string, min: number, max: number): Spec => ({
  handle: (s, v, ctx) => {
    const n = intArg(s, ctx, min, max);
    if (n !== undefined) ctx.set(v, field, n as never, s);
  },
});
const ipKw = (field: keyof I & string): Spec => ({
  handle: (s, v, ctx) => {
    const a = ctx.ip(ctx.arg(s), s.kw.text);
    if (a !== undefined) ctx.set(v, field, a as never, s);
  },
});
const ifKw = (field: keyof I & string): Spec => ({
  handle: (s, v, ctx) => {
    const t = ctx.arg(s);
    if (!t) return;
    if (t.text.length > 15) {
      ctx.diags.error('invalid-value', `interface name '${t.text}' is longer than 15 characters`, t.loc);
      return;
    }
    ctx.set(v, field, t.text as never, s);
  },
});
const trackKw = (field: TrackKind): Spec => ({
  block: 'required',
  handle: (s, v, ctx) => {
    const list = readTrackBlock(s, ctx, field, v.name);
    const prev = v[field] as typeof list | undefined;
    // keepalived appends a second block's entries to the first.
    v[field] = [...(prev ?? []), ...list.filter((x) => !prev?.some((p) => p.name === x.name))] as never;
    ctx.at(v, field, s.kw.loc);
  },
});
const notifyKw = (field: keyof I & string): Spec => ({ handle: (s, v, ctx) => setCommand(v, field, s, ctx) });

type Entry = VirtualIp | VirtualRoute | VirtualRule;
function entryBlock(field: 'virtual_ipaddress' | 'virtual_ipaddress_excluded' | 'virtual_routes' | 'virtual_rules', read: (s: Stmt, ctx: ParseContext) => Entry | undefined): Spec {
  return {
    block: 'required',
    handle: (s, v, ctx) => {
      const list = ((v[field] as Entry[] | undefined) ?? []) as Entry[];
      for (const e of s.block ?? []) {
        if (e.block) ctx.diags.warn('unexpected-block', `'${e.kw.text}' in ${field}: an entry takes no block; the block is ignored`, e.blockLoc ?? e.kw.loc);
        const x = read(e, ctx);
        if (x) list.push(x);
      }
      (v as Record<string, unknown>)[field] = list;
      ctx.at(v, field, s.kw.loc);
    },
  };
}

/** Extra seconds-valued integer keywords keepalived reads with read_unsigned(…, UINT_MAX / TIMER_HZ). */
const TIMER_SECS = 4294;
const UINT_MAX = 4294967295;

function readUseVmac(s: Stmt, v: I, ctx: ParseContext): void {
  ctx.arity(s, 0, 2);
  const u: NonNullable<I['use_vmac']> = {};
  for (const t of s.args.slice(0, 2)) {
    if (/^[0-9a-f]{2}(:[0-9a-f]{2}){4,5}$/i.test(t.text)) u.mac = t.text.toLowerCase();
    else if (t.text.length > 15 || /[/:\s]/.test(t.text) || t.text === '.' || t.text === '..') {
      ctx.diags.error('invalid-value', `VMAC interface name '${t.text}' is too long or has invalid characters`, t.loc);
    } else u.name = t.text;
  }
  ctx.set(v, 'use_vmac', u, s);
}

function readUseIpvlan(s: Stmt, v: I, ctx: ParseContext): void {
  const u: NonNullable<I['use_ipvlan']> = {};
  for (const t of s.args) {
    if (t.text === 'bridge' || t.text === 'private' || t.text === 'vepa') {
      if (u.mode) ctx.diags.warn('duplicate-option', `(${v.name}) ipvlan type already given; '${t.text}' ignored`, t.loc);
      else u.mode = t.text;
    } else if (canonicalIp(t.text.split('/')[0] ?? '')) {
      const c = readCidr(ctx, t, 'use_ipvlan address');
      if (c && u.address) ctx.diags.warn('duplicate-option', `(${v.name}) ipvlan address already given; '${t.text}' ignored`, t.loc);
      else if (c) u.address = c;
    } else if (u.name) ctx.diags.warn('duplicate-option', `(${v.name}) ipvlan interface already given; '${t.text}' ignored`, t.loc);
    else if (t.text.length > 15) ctx.diags.error('invalid-value', `ipvlan interface name '${t.text}' is too long`, t.loc);
    else u.name = t.text;
  }
  ctx.set(v, 'use_ipvlan', u, s);
}

function readGarpExtraIf(s: Stmt, ctx: ParseContext, owner: string, min: number): { interval: number; all?: true } | undefined {
  let all = false;
  let interval: number | undefined;
  for (const t of s.args) {
    if (t.text === 'all') all = true;
    else {
      const n = ctx.int(t, s.kw.text, { min, max: 86400 });
      if (n === undefined) return undefined;
      interval = n;
    }
  }
  if (interval === undefined) {
    ctx.diags.error('missing-argument', `(${owner}) '${s.kw.text}' needs a time in seconds`, s.kw.loc);
    return undefined;
  }
  return all ? { interval, all: true } : { interval };
}
export { readGarpExtraIf };

const authTable: KeywordTable<NonNullable<I['authentication']>> = {
  auth_type: {
    handle: (s, a, ctx) => {
      const t = ctx.arg(s);
      if (!t) return;
      if (t.text !== 'PASS' && t.text !== 'AH') {
        ctx.diags.error('invalid-value', `unknown authentication type '${t.text}' (PASS or AH)`, t.loc);
        return;
      }
      ctx.set(a, 'auth_type', t.text, s);
    },
  },
  auth_pass: {
    handle: (s, a, ctx) => {
      const t = ctx.arg(s);
      if (!t) return;
      let p = t.text;
      if (p.length > 8) {
        // RFC 3768 §5.3.6.1: the simple text password is 8 octets; keepalived truncates.
        ctx.diags.warn('value-truncated', `auth_pass is longer than 8 characters; only '${p.slice(0, 8)}' is used`, t.loc);
        p = p.slice(0, 8);
      }
      if (!p) {
        ctx.diags.error('invalid-value', 'auth_pass is empty', t.loc);
        return;
      }
      ctx.set(a, 'auth_pass', p, s);
    },
  },
};

export const instanceTable: KeywordTable<I> = {
  state: {
    handle: (s, v, ctx) => {
      const t = ctx.arg(s);
      if (!t) return;
      if (t.text !== 'MASTER' && t.text !== 'BACKUP') {
        // keepalived: "unknown state '%s', defaulting to BACKUP" (the words are case-sensitive).
        ctx.diags.error('invalid-value', `(${v.name}) unknown state '${t.text}': MASTER or BACKUP, in capitals (keepalived would use BACKUP)`, t.loc);
        return;
      }
      if (t.text === 'BACKUP' && v.state === 'MASTER') {
        ctx.diags.warn('duplicate-keyword', `(${v.name}) state was already set to MASTER; keepalived ignores BACKUP`, s.kw.loc);
        return;
      }
      ctx.set(v, 'state', t.text, s);
    },
  },
  interface: ifKw('interface'),
  vrf: ifKw('vrf'),
  use_vmac: { handle: readUseVmac },
  use_vmac_addr: flag('use_vmac_addr'),
  vmac_xmit_base: flag('vmac_xmit_base'),
  use_ipvlan: { handle: readUseIpvlan },
  native_ipv6: {
    handle: (s, v, ctx) => {
      ctx.diags.warn('deprecated-keyword', `'native_ipv6' is deprecated: the virtual addresses decide the family`, s.kw.loc);
      ctx.arity(s, 0);
      ctx.set(v, 'native_ipv6', true, s);
    },
  },
  dont_track_primary: flag('dont_track_primary'),
  track_interface: trackKw('track_interface'),
  track_script: trackKw('track_script'),
  track_file: trackKw('track_file'),
  track_process: { ...trackKw('track_process'), notSupported: 'process tracking (vrrp_track_process) is not implemented by lvsd' },
  track_bfd: { ...trackKw('track_bfd'), notSupported: 'BFD is not implemented by lvsd' },
  mcast_src_ip: ipKw('mcast_src_ip'),
  unicast_src_ip: ipKw('unicast_src_ip'),
  mcast_dst_ip: ipKw('mcast_dst_ip'),
  track_src_ip: flag('track_src_ip'),
  version: {
    handle: (s, v, ctx) => {
      const n = intArg(s, ctx, 2, 3, 'VRRP version');
      if (n === 2 || n === 3) ctx.set(v, 'version', n, s);
    },
  },
  check_unicast_src: flag('check_unicast_src'),
  unicast_peer: {
    block: 'required',
    handle: (s, v, ctx) => {
      const list = v.unicast_peer ?? [];
      for (const e of s.block ?? []) {
        const a = ctx.ip(e.kw, 'unicast_peer');
        if (!a) continue;
        const p: NonNullable<I['unicast_peer']>[number] = { address: a };
        ctx.at(p, '', e.kw.loc);
        let ok = true;
        for (let i = 0; i < e.args.length; i += 2) {
          const k = e.args[i] as Token;
          const val = e.args[i + 1];
          if (k.text !== 'min_ttl' && k.text !== 'max_ttl') {
            ctx.diags.error('unknown-option', `(${v.name}) unknown unicast_peer option '${k.text}'${hint(k.text, ['min_ttl', 'max_ttl'])}; the peer is ignored`, k.loc);
            ok = false;
            break;
          }
          if (!val) {
            ctx.diags.error('missing-argument', `(${v.name}) ${k.text} is missing a value; the peer is ignored`, k.loc);
            ok = false;
            break;
          }
          const n = ctx.int(val, k.text, { min: 0, max: 255 });
          if (n === undefined) {
            ok = false;
            break;
          }
          p[k.text] = n;
        }
        if (!ok) continue;
        if (list.some((x) => x.address === a)) ctx.diags.warn('duplicate-entry', `(${v.name}) unicast peer ${a} is listed twice`, e.kw.loc);
        list.push(p);
      }
      v.unicast_peer = list;
      ctx.at(v, 'unicast_peer', s.kw.loc);
    },
  },
  unicast_fault_no_peer: flag('unicast_fault_no_peer'),
  unicast_ttl: intKw('unicast_ttl', 0, 255),
  old_unicast_checksum: {
    handle: (s, v, ctx) => {
      ctx.arity(s, 0, 1);
      const t = s.args[0];
      if (t && t.text !== 'never') {
        ctx.diags.error('invalid-value', `(${v.name}) unknown old_unicast_checksum mode '${t.text}' (only 'never')`, t.loc);
        return;
      }
      ctx.set(v, 'old_unicast_checksum', t ? 'never' : true, s);
    },
  },
  v3_checksum_as_v2: boolKw('v3_checksum_as_v2'),
  garp_master_delay: intKw('garp_master_delay', 0, TIMER_SECS),
  garp_master_repeat: intKw('garp_master_repeat', 0, UINT_MAX),
  garp_lower_prio_delay: intKw('garp_lower_prio_delay', 0, TIMER_SECS),
  garp_lower_prio_repeat: intKw('garp_lower_prio_repeat', 0, 2147483647),
  garp_master_refresh: intKw('garp_master_refresh', 0, UINT_MAX),
  garp_master_refresh_repeat: intKw('garp_master_refresh_repeat', 0, UINT_MAX),
  garp_extra_if: {
    handle: (s, v, ctx) => {
      const g = readGarpExtraIf(s, ctx, v.name, 0);
      if (g) ctx.set(v, 'garp_extra_if', g, s);
    },
  },
  vmac_garp_intvl: { deprecatedFor: 'garp_extra_if' },
  down_timer_adverts: intKw('down_timer_adverts', 1, 100),
  lower_prio_no_advert: boolKw('lower_prio_no_advert'),
  higher_prio_send_advert: boolKw('higher_prio_send_advert'),
  virtual_router_id: intKw('virtual_router_id', 1, 255),
  priority: intKw('priority', 1, 255),
  advert_int: {
    handle: (s, v, ctx) => {
      const n = ctx.num(ctx.arg(s), 'advert_int', { min: 0.01, max: 255 });
      if (n !== undefined) ctx.set(v, 'advert_int', Math.round(n * 1e6) / 1e6, s);
    },
  },
  authentication: {
    block: 'required',
    handle: (s, v, ctx) => {
      v.authentication ??= {};
      ctx.at(v, 'authentication', s.kw.loc);
      ctx.at(v.authentication, '', s.kw.loc);
      ctx.walk(s.block, authTable, v.authentication, 'authentication');
    },
  },
  virtual_ipaddress: entryBlock('virtual_ipaddress', (e, ctx) => parseIpEntry(e, ctx, 'virtual')),
  virtual_ipaddress_excluded: entryBlock('virtual_ipaddress_excluded', (e, ctx) => parseIpEntry(e, ctx, 'virtual')),
  promote_secondaries: flag('promote_secondaries'),
  virtual_routes: entryBlock('virtual_routes', (e, ctx) => parseRoute(e, ctx, 'virtual')),
  virtual_rules: entryBlock('virtual_rules', (e, ctx) => parseRule(e, ctx, 'virtual')),
  accept: {
    handle: (s, v, ctx) => {
      ctx.arity(s, 0);
      ctx.set(v, 'accept', true, s);
    },
  },
  no_accept: {
    handle: (s, v, ctx) => {
      ctx.arity(s, 0);
      ctx.set(v, 'accept', false, s);
    },
  },
  nopreempt: {
    handle: (s, v, ctx) => {
      ctx.arity(s, 0);
      ctx.set(v, 'nopreempt', true, s);
    },
  },
  preempt: {
    handle: (s, v, ctx) => {
      ctx.arity(s, 0);
      ctx.set(v, 'nopreempt', false, s);
    },
  },
  preempt_delay: {
    handle: (s, v, ctx) => {
      const n = ctx.seconds(ctx.arg(s), 'preempt_delay', { min: 0, max: 1000 });
      if (n !== undefined) ctx.set(v, 'preempt_delay', n, s);
    },
  },
  skip_check_adv_addr: boolKw('skip_check_adv_addr'),
  strict_mode: boolKw('strict_mode'),
  debug: intKw('debug', 0, 4),
  notify_master: notifyKw('notify_master'),
  notify_backup: notifyKw('notify_backup'),
  notify_fault: notifyKw('notify_fault'),
  notify_stop: notifyKw('notify_stop'),
  notify: notifyKw('notify'),
  notify_master_rx_lower_pri: notifyKw('notify_master_rx_lower_pri'),
  notify_deleted: {
    handle: (s, v, ctx) => {
      if (v.notify_deleted !== undefined) {
        ctx.diags.warn('duplicate-keyword', `(${v.name}) notify_deleted already given; keepalived keeps the first`, s.kw.loc);
        return;
      }
      if (s.args.length === 0) {
        ctx.set(v, 'notify_deleted', true, s);
        return;
      }
      const c = readCommand(s, ctx);
      if (c) ctx.set(v, 'notify_deleted', c, s);
    },
  },
  notify_priority_changes: boolKw('notify_priority_changes'),
  smtp_alert: boolKw('smtp_alert'),
  kernel_rx_buf_size: intKw('kernel_rx_buf_size', 0, UINT_MAX),
  linkbeat_use_polling: {
    handle: (s, v, ctx) => {
      ctx.diags.warn('deprecated-keyword', `(${v.name}) 'linkbeat_use_polling' in vrrp_instance is deprecated (keepalived: use a linkbeat_interfaces block)`, s.kw.loc);
      ctx.arity(s, 0);
      ctx.set(v, 'linkbeat_use_polling', true, s);
    },
  },
  lvs_sync_daemon_interface: {
    handle: (s, v, ctx) => {
      ctx.diags.warn('deprecated-keyword', `(${v.name}) 'lvs_sync_daemon_interface' in vrrp_instance is deprecated; use global_defs lvs_sync_daemon`, s.kw.loc);
      const t = ctx.arg(s);
      if (t) ctx.set(v, 'lvs_sync_daemon_interface', t.text, s);
    },
  },
};

/** Static entries share the readers; exported for vrrp.ts. */
export function readStaticEntries<T extends StaticIp | StaticRoute | StaticRule>(
  s: Stmt,
  ctx: ParseContext,
  read: (e: Stmt, ctx: ParseContext) => T | undefined,
  into: T[],
): T[] {
  for (const e of s.block ?? []) {
    if (e.block) ctx.diags.warn('unexpected-block', `'${e.kw.text}' in ${s.kw.text}: an entry takes no block; the block is ignored`, e.blockLoc ?? e.kw.loc);
    const x = read(e, ctx);
    if (x) into.push(x);
  }
  return into;
}
