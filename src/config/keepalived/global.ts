// Config layer (pure): keepalived.conf grammar for global_defs and the global top-level keywords
// (keepalived's global_parser.c). Every keyword keepalived.conf(5) lists is read into the model or
// marked notSupported with the reason.
import type { Command } from '../model/common.js';
import type { GlobalDefs } from '../model/global.js';
import type { ConfigModel } from '../model/index.js';
import type { Token } from '../source.js';
import { canonicalIp, type KeywordSpec, type KeywordTable, type ParseContext } from './context.js';
import type { Stmt } from './tree.js';
import { hint, intArg, setCommand, valueBlock } from './vrrp-common.js';
import { readGarpExtraIf } from './vrrp-instance.js';

type G = GlobalDefs;
type Spec = KeywordSpec<G>;
const UINT_MAX = 4294967295;
const TIMER_SECS = 4294;

const flag = (field: keyof G & string, notSupported?: string): Spec => ({
  ...(notSupported ? { notSupported } : {}),
  handle: (s, g, ctx) => {
    ctx.arity(s, 0);
    ctx.set(g, field, true as never, s);
  },
});
const boolKw = (field: keyof G & string, notSupported?: string): Spec => ({
  ...(notSupported ? { notSupported } : {}),
  handle: (s, g, ctx) => {
    ctx.arity(s, 0, 1);
    const b = ctx.bool(s);
    if (b !== undefined) ctx.set(g, field, b as never, s);
  },
});
const intKw = (field: keyof G & string, min: number, max: number, notSupported?: string): Spec => ({
  ...(notSupported ? { notSupported } : {}),
  handle: (s, g, ctx) => {
    const n = intArg(s, ctx, min, max);
    if (n !== undefined) ctx.set(g, field, n as never, s);
  },
});
const textKw = (field: keyof G & string): Spec => ({
  handle: (s, g, ctx) => {
    const t = ctx.arg(s);
    if (t) ctx.set(g, field, t.text as never, s);
  },
});
const cmdKw = (field: keyof G & string, notSupported?: string): Spec => ({
  ...(notSupported ? { notSupported } : {}),
  handle: (s, g, ctx) => setCommand(g, field, s, ctx),
});
const fifoKw = (field: 'notify_fifo' | 'vrrp_notify_fifo' | 'lvs_notify_fifo'): Spec => ({
  handle: (s, g, ctx) => {
    if (!ctx.arity(s, 1, 3)) return;
    const [n, u, gr] = s.args as [Token, Token | undefined, Token | undefined];
    const f: NonNullable<G['notify_fifo']> = { name: n.text };
    if (u) f.user = u.text;
    if (gr) f.group = gr.text;
    ctx.set(g, field, f, s);
  },
});
const secondsKw = (field: keyof G & string, max: number, notSupported?: string): Spec => ({
  ...(notSupported ? { notSupported } : {}),
  handle: (s, g, ctx) => {
    const n = ctx.seconds(ctx.arg(s), s.kw.text, { min: 0, max });
    if (n !== undefined) ctx.set(g, field, n as never, s);
  },
});
const NOT_ONE_PROCESS = 'lvsd runs as one process; process tuning is not applied';
const BUFS = 'lvsd sizes its netlink sockets itself';
const unsupported = (reason: string): Spec => ({ notSupported: reason });

function mcastGroup(field: 'vrrp_mcast_group4' | 'vrrp_mcast_group6', fam: 4 | 6): Spec {
  return {
    handle: (s, g, ctx) => {
      const t = ctx.arg(s);
      if (!t) return;
      const a = canonicalIp(t.text);
      if (!a || (fam === 4) === a.includes(':')) {
        ctx.diags.error('invalid-address', `${s.kw.text}: '${t.text}' is not an IPv${fam} address`, t.loc);
        return;
      }
      ctx.set(g, field, a, s);
    },
  };
}

function readSyncDaemon(s: Stmt, g: G, ctx: ParseContext): void {
  if (g.lvs_sync_daemon) {
    ctx.diags.warn('duplicate-keyword', `lvs_sync_daemon was already given; keepalived ignores this one`, s.kw.loc);
    return;
  }
  const [ifTok, ...rest] = s.args;
  if (!ifTok) {
    ctx.diags.error('missing-argument', "'lvs_sync_daemon' needs an interface", s.kw.loc);
    return;
  }
  if (ifTok.text.length > 15) {
    ctx.diags.error('invalid-value', `lvs_sync_daemon interface name '${ifTok.text}' is too long`, ifTok.loc);
    return;
  }
  const d: NonNullable<G['lvs_sync_daemon']> = { interface: ifTok.text };
  ctx.at(d, '', s.kw.loc);
  const ranges: Record<string, [number, number]> = { id: [0, 255], maxlen: [1, 65507], port: [1, 65535], ttl: [1, 255] };
  for (let i = 0; i < rest.length; i++) {
    const k = rest[i] as Token;
    const val = rest[i + 1];
    if (k.text === 'inst' || k.text in ranges || k.text === 'group') {
      if (!val) {
        ctx.diags.error('missing-argument', `lvs_sync_daemon ${k.text} is missing its value`, k.loc);
        break;
      }
      i++;
      if (k.text === 'inst') d.instance = val.text;
      else if (k.text === 'group') {
        const a = ctx.ip(val, 'lvs_sync_daemon group');
        if (a) d.group = a;
      } else {
        const [lo, hi] = ranges[k.text] as [number, number];
        const n = ctx.int(val, `lvs_sync_daemon ${k.text}`, { min: lo, max: hi });
        if (n !== undefined) (d as Record<string, unknown>)[k.text] = n;
      }
      ctx.at(d, k.text === 'inst' ? 'instance' : k.text, k.loc);
      continue;
    }
    // keepalived's old form: lvs_sync_daemon IF VRRP_INSTANCE [SYNC_ID]
    if (i === 0 && d.instance === undefined) {
      d.instance = k.text;
      ctx.at(d, 'instance', k.loc);
      continue;
    }
    if (i === 1 && /^\d+$/.test(k.text)) {
      ctx.diags.warn('deprecated-keyword', `write 'id ${k.text}' for the lvs_sync_daemon sync id`, k.loc);
      const n = ctx.int(k, 'lvs_sync_daemon id', { min: 0, max: 255 });
      if (n !== undefined) d.id = n;
      continue;
    }
    ctx.diags.error('unknown-option', `unknown lvs_sync_daemon option '${k.text}'${hint(k.text, ['inst', 'id', 'maxlen', 'port', 'ttl', 'group'])}`, k.loc);
  }
  ctx.set(g, 'lvs_sync_daemon', d, s);
}

function readLvsTimeouts(s: Stmt, g: G, ctx: ParseContext): void {
  if (s.args.length < 2) {
    ctx.diags.error('missing-argument', 'lvs_timeouts needs at least one of tcp SECS, tcpfin SECS, udp SECS', s.kw.loc);
    return;
  }
  const t: NonNullable<G['lvs_timeouts']> = g.lvs_timeouts ? { ...g.lvs_timeouts } : {};
  for (let i = 0; i < s.args.length; i++) {
    const k = s.args[i] as Token;
    if (k.text !== 'tcp' && k.text !== 'tcpfin' && k.text !== 'udp') {
      ctx.diags.error('unknown-option', `unknown lvs_timeouts option '${k.text}'${hint(k.text, ['tcp', 'tcpfin', 'udp'])}`, k.loc);
      continue;
    }
    const val = s.args[++i];
    if (!val) {
      ctx.diags.error('missing-argument', `no value for lvs_timeouts ${k.text}`, k.loc);
      break;
    }
    const n = ctx.int(val, `lvs_timeouts ${k.text}`, { min: 0, max: 86400 * 31 });
    if (n !== undefined) t[k.text] = n;
  }
  if (Object.keys(t).length) {
    g.lvs_timeouts = t;
    ctx.at(g, 'lvs_timeouts', s.kw.loc);
  }
}

export const globalDefsTable: KeywordTable<G> = {
  router_id: textKw('router_id'),
  notification_email: {
    block: 'required',
    handle: (s, g, ctx) => {
      const words = valueBlock(s, ctx).map((t) => t.text);
      if (words.length === 0) ctx.diags.warn('empty-block', 'empty notification_email block', s.kw.loc);
      g.notification_email = [...(g.notification_email ?? []), ...words];
      ctx.at(g, 'notification_email', s.kw.loc);
    },
  },
  notification_email_from: textKw('notification_email_from'),
  smtp_server: {
    handle: (s, g, ctx) => {
      if (!ctx.arity(s, 1, 2)) return;
      const h = s.args[0] as Token;
      // An address, or a name keepalived resolves when it sends mail.
      const host = canonicalIp(h.text) ?? h.text;
      if (!canonicalIp(h.text) && !/^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/.test(h.text)) {
        ctx.diags.error('invalid-value', `smtp_server '${h.text}' is neither an IP address nor a host name`, h.loc);
        return;
      }
      const srv: NonNullable<G['smtp_server']> = { host };
      if (s.args[1]) {
        const p = ctx.int(s.args[1], 'smtp_server port', { min: 1, max: 65535 });
        if (p === undefined) return;
        srv.port = p;
      }
      ctx.set(g, 'smtp_server', srv, s);
    },
  },
  smtp_helo_name: textKw('smtp_helo_name'),
  smtp_connect_timeout: intKw('smtp_connect_timeout', 0, TIMER_SECS),
  smtp_alert: boolKw('smtp_alert'),
  smtp_alert_vrrp: boolKw('smtp_alert_vrrp'),
  smtp_alert_checker: boolKw('smtp_alert_checker'),
  checker_log_all_failures: boolKw('checker_log_all_failures'),
  no_email_faults: flag('no_email_faults'),
  startup_script: cmdKw('startup_script'),
  startup_script_timeout: intKw('startup_script_timeout', 1, 1000),
  shutdown_script: cmdKw('shutdown_script'),
  shutdown_script_timeout: intKw('shutdown_script_timeout', 1, 1000),
  vrrp_mcast_group4: mcastGroup('vrrp_mcast_group4', 4),
  vrrp_mcast_group6: mcastGroup('vrrp_mcast_group6', 6),
  default_interface: {
    handle: (s, g, ctx) => {
      const t = ctx.arg(s);
      if (!t) return;
      if (t.text.length > 15) ctx.diags.error('invalid-value', `default_interface '${t.text}' is longer than 15 characters`, t.loc);
      else ctx.set(g, 'default_interface', t.text, s);
    },
  },
  lvs_sync_daemon: { handle: readSyncDaemon },
  lvs_timeouts: { handle: readLvsTimeouts },
  lvs_flush: flag('lvs_flush'),
  lvsd_ipvs_program: {
    handle: (s, g, ctx) => {
      ctx.arity(s, 1, 1);
      const t = s.args[0];
      if (!t) return;
      if (t.text !== 'follow_vrrp' && t.text !== 'always') {
        ctx.diags.error('invalid-value', `lvsd_ipvs_program must be follow_vrrp or always, not '${t.text}'`, t.loc);
        return;
      }
      ctx.set(g, 'lvsd_ipvs_program', t.text, s);
    },
  },
  lvs_flush_on_stop: {
    handle: (s, g, ctx) => {
      ctx.arity(s, 0, 1);
      const t = s.args[0];
      if (t && t.text !== 'VS') {
        ctx.diags.error('invalid-value', `unknown lvs_flush_on_stop type '${t.text}' (only VS)`, t.loc);
        return;
      }
      ctx.set(g, 'lvs_flush_on_stop', t ? 'VS' : 'full', s);
    },
  },
  lvs_flush_onstop: { deprecatedFor: 'lvs_flush_on_stop' },
  vrrp_garp_master_delay: intKw('vrrp_garp_master_delay', 0, TIMER_SECS),
  vrrp_garp_master_repeat: intKw('vrrp_garp_master_repeat', 0, UINT_MAX),
  vrrp_garp_master_refresh: intKw('vrrp_garp_master_refresh', 0, UINT_MAX),
  vrrp_garp_master_refresh_repeat: intKw('vrrp_garp_master_refresh_repeat', 0, UINT_MAX),
  vrrp_garp_lower_prio_delay: intKw('vrrp_garp_lower_prio_delay', 0, TIMER_SECS),
  vrrp_garp_lower_prio_repeat: intKw('vrrp_garp_lower_prio_repeat', 0, 2147483647),
  vrrp_garp_interval: secondsKw('vrrp_garp_interval', TIMER_SECS),
  vrrp_gna_interval: secondsKw('vrrp_gna_interval', TIMER_SECS),
  vrrp_min_garp: boolKw('vrrp_min_garp'),
  vrrp_garp_extra_if: {
    handle: (s, g, ctx) => {
      const x = readGarpExtraIf(s, ctx, 'global_defs', 1);
      if (x) ctx.set(g, 'vrrp_garp_extra_if', x, s);
    },
  },
  vrrp_vmac_garp_intvl: { deprecatedFor: 'vrrp_garp_extra_if' },
  vrrp_down_timer_adverts: intKw('vrrp_down_timer_adverts', 1, 100),
  vrrp_lower_prio_no_advert: boolKw('vrrp_lower_prio_no_advert'),
  vrrp_higher_prio_send_advert: boolKw('vrrp_higher_prio_send_advert'),
  vrrp_version: {
    handle: (s, g, ctx) => {
      const n = intArg(s, ctx, 2, 3, 'vrrp_version');
      if (n === 2 || n === 3) ctx.set(g, 'vrrp_version', n, s);
    },
  },
  vrrp_check_unicast_src: flag('vrrp_check_unicast_src'),
  vrrp_skip_check_adv_addr: flag('vrrp_skip_check_adv_addr'),
  vrrp_strict: flag('vrrp_strict'),
  vrrp_notify_priority_changes: boolKw('vrrp_notify_priority_changes'),
  script_user: {
    handle: (s, g, ctx) => {
      if (!ctx.arity(s, 1, 2)) return;
      const u: NonNullable<G['script_user']> = { user: (s.args[0] as Token).text };
      if (s.args[1]) u.group = s.args[1].text;
      ctx.set(g, 'script_user', u, s);
    },
  },
  enable_script_security: flag('enable_script_security'),
  notify_fifo: fifoKw('notify_fifo'),
  notify_fifo_script: cmdKw('notify_fifo_script'),
  vrrp_notify_fifo: fifoKw('vrrp_notify_fifo'),
  vrrp_notify_fifo_script: cmdKw('vrrp_notify_fifo_script'),
  lvs_notify_fifo: fifoKw('lvs_notify_fifo'),
  lvs_notify_fifo_script: cmdKw('lvs_notify_fifo_script'),
  fifo_write_vrrp_states_on_reload: flag('fifo_write_vrrp_states_on_reload'),
  dynamic_interfaces: {
    handle: (s, g, ctx) => {
      ctx.arity(s, 0, 1);
      const t = s.args[0];
      if (t && t.text !== 'allow_if_changes') {
        ctx.diags.error('invalid-value', `unknown dynamic_interfaces option '${t.text}' (only allow_if_changes)`, t.loc);
        return;
      }
      ctx.set(g, 'dynamic_interfaces', t ? 'allow_if_changes' : true, s);
    },
  },
  rs_init_notifies: flag('rs_init_notifies'),
  no_checker_emails: flag('no_checker_emails'),
  vrrp_startup_delay: secondsKw('vrrp_startup_delay', TIMER_SECS),
  log_unknown_vrids: flag('log_unknown_vrids'),
  vmac_prefix: textKw('vmac_prefix'),
  vmac_addr_prefix: textKw('vmac_addr_prefix'),
  max_auto_priority: {
    notSupported: NOT_ONE_PROCESS,
    handle: (s, g, ctx) => {
      ctx.arity(s, 0, 1);
      if (!s.args[0]) {
        ctx.set(g, 'max_auto_priority', 99, s);
        return;
      }
      const n = ctx.int(s.args[0], 'max_auto_priority', { min: -1, max: 99 });
      if (n !== undefined) ctx.set(g, 'max_auto_priority', n, s);
    },
  },
  min_auto_priority_delay: intKw('min_auto_priority_delay', 1, 10000000, NOT_ONE_PROCESS),
  vrrp_priority: intKw('vrrp_priority', -20, 19, NOT_ONE_PROCESS),
  checker_priority: intKw('checker_priority', -20, 19, NOT_ONE_PROCESS),
  bfd_priority: intKw('bfd_priority', -20, 19, NOT_ONE_PROCESS),
  vrrp_no_swap: flag('vrrp_no_swap', NOT_ONE_PROCESS),
  checker_no_swap: flag('checker_no_swap', NOT_ONE_PROCESS),
  bfd_no_swap: flag('bfd_no_swap', NOT_ONE_PROCESS),
  vrrp_rt_priority: intKw('vrrp_rt_priority', 1, 99, NOT_ONE_PROCESS),
  checker_rt_priority: intKw('checker_rt_priority', 1, 99, NOT_ONE_PROCESS),
  bfd_rt_priority: intKw('bfd_rt_priority', 1, 99, NOT_ONE_PROCESS),
  vrrp_cpu_affinity: cpuKw('vrrp_cpu_affinity'),
  checker_cpu_affinity: cpuKw('checker_cpu_affinity'),
  bfd_cpu_affinity: cpuKw('bfd_cpu_affinity'),
  vrrp_rlimit_rttime: intKw('vrrp_rlimit_rttime', 1, UINT_MAX, NOT_ONE_PROCESS),
  checker_rlimit_rttime: intKw('checker_rlimit_rttime', 1, UINT_MAX, NOT_ONE_PROCESS),
  bfd_rlimit_rttime: intKw('bfd_rlimit_rttime', 1, UINT_MAX, NOT_ONE_PROCESS),
  vrrp_rlimit_rtime: { deprecatedFor: 'vrrp_rlimit_rttime' },
  checker_rlimit_rtime: { deprecatedFor: 'checker_rlimit_rttime' },
  bfd_rlimit_rtime: { deprecatedFor: 'bfd_rlimit_rttime' },
  vrrp_netlink_cmd_rcv_bufs: intKw('vrrp_netlink_cmd_rcv_bufs', 0, UINT_MAX, BUFS),
  vrrp_netlink_cmd_rcv_bufs_force: boolKw('vrrp_netlink_cmd_rcv_bufs_force', BUFS),
  vrrp_netlink_monitor_rcv_bufs: intKw('vrrp_netlink_monitor_rcv_bufs', 0, UINT_MAX, BUFS),
  vrrp_netlink_monitor_rcv_bufs_force: boolKw('vrrp_netlink_monitor_rcv_bufs_force', BUFS),
  lvs_netlink_cmd_rcv_bufs: intKw('lvs_netlink_cmd_rcv_bufs', 0, UINT_MAX, BUFS),
  lvs_netlink_cmd_rcv_bufs_force: boolKw('lvs_netlink_cmd_rcv_bufs_force', BUFS),
  lvs_netlink_monitor_rcv_bufs: intKw('lvs_netlink_monitor_rcv_bufs', 0, UINT_MAX, BUFS),
  lvs_netlink_monitor_rcv_bufs_force: boolKw('lvs_netlink_monitor_rcv_bufs_force', BUFS),
  process_monitor_rcv_bufs: intKw('process_monitor_rcv_bufs', 0, UINT_MAX, BUFS),
  process_monitor_rcv_bufs_force: boolKw('process_monitor_rcv_bufs_force', BUFS),
  vrrp_rx_bufs_policy: {
    notSupported: BUFS,
    handle: (s, g, ctx) => {
      const t = ctx.arg(s);
      if (!t) return;
      const u = t.text.toUpperCase();
      if (u === 'MTU' || u === 'ADVERT') ctx.set(g, 'vrrp_rx_bufs_policy', u, s);
      else {
        const n = ctx.int(t, 'vrrp_rx_bufs_policy', { min: 0, max: UINT_MAX });
        if (n !== undefined) ctx.set(g, 'vrrp_rx_bufs_policy', n, s);
      }
    },
  },
  vrrp_rx_bufs_multiplier: intKw('vrrp_rx_bufs_multiplier', 1, UINT_MAX, BUFS),
  umask: {
    notSupported: 'lvsd keeps the umask it was started with',
    handle: (s, g, ctx) => {
      const t = ctx.arg(s);
      if (!t) return;
      // keepalived: a number in hex, octal or decimal (BIT names are not read by lvsd).
      const v = /^0x[0-9a-f]+$/i.test(t.text) ? parseInt(t.text, 16) : /^0[0-7]*$/.test(t.text) ? parseInt(t.text, 8) : /^\d+$/.test(t.text) ? Number(t.text) : NaN;
      if (Number.isNaN(v) || v > 0o777) {
        ctx.diags.error('invalid-value', `umask '${t.text}' is not a number up to 0777 (IRUSR|... names are not read by lvsd)`, t.loc);
        return;
      }
      ctx.set(g, 'umask', v, s);
    },
  },
  // Read but not stored: keepalived process and file management, SNMP, DBus, firewalls.
  process_names: unsupported('lvsd has one process; its name is lvsd'),
  process_name: unsupported('lvsd has one process; its name is lvsd'),
  vrrp_process_name: unsupported('lvsd has one process; its name is lvsd'),
  checker_process_name: unsupported('lvsd has one process; its name is lvsd'),
  lvs_process_name: unsupported('lvsd has one process; its name is lvsd'),
  bfd_process_name: unsupported('lvsd has one process; its name is lvsd'),
  tmp_config_directory: unsupported('lvsd reads the configuration once per load; no copy is kept'),
  config_save_dir: unsupported('lvsd does not save configuration copies'),
  reload_check_config: unsupported('lvsd checks a new configuration before every reload anyway'),
  reload_time_file: unsupported('scheduled reloads are not implemented by lvsd'),
  reload_repeat: unsupported('scheduled reloads are not implemented by lvsd'),
  reload_file: unsupported('lvsd does not use a reload marker file'),
  include_check: unsupported('lvsd reports include files that match nothing as warnings'),
  data_use_instance: unsupported('lvsd has no SIGUSR1 data dump; use lvsd dump-config'),
  random_seed: unsupported('lvsd does not seed ${_RANDOM} from the configuration'),
  snmp_socket: unsupported('SNMP is not supported by lvsd (it exports Prometheus metrics)'),
  enable_snmp_vrrp: unsupported('SNMP is not supported by lvsd (it exports Prometheus metrics)'),
  enable_snmp_keepalived: unsupported('SNMP is not supported by lvsd (it exports Prometheus metrics)'),
  enable_snmp_checker: unsupported('SNMP is not supported by lvsd (it exports Prometheus metrics)'),
  enable_snmp_rfc: unsupported('SNMP is not supported by lvsd (it exports Prometheus metrics)'),
  enable_snmp_rfcv2: unsupported('SNMP is not supported by lvsd (it exports Prometheus metrics)'),
  enable_snmp_rfcv3: unsupported('SNMP is not supported by lvsd (it exports Prometheus metrics)'),
  enable_traps: unsupported('SNMP traps are not supported by lvsd'),
  enable_dbus: unsupported('DBus is not supported by lvsd'),
  dbus_service_name: unsupported('DBus is not supported by lvsd'),
  vrrp_iptables: unsupported('lvsd enforces no_accept with nftables only (see nftables); no iptables chains are used'),
  vrrp_ipsets: unsupported('lvsd manages no firewall or ipsets'),
  nftables: {
    handle: (s, g, ctx) => {
      if (!ctx.arity(s, 0, 1)) return;
      ctx.set(g, 'nftables', s.args[0]?.text ?? 'lvsd', s);
    },
  },
  nftables_priority: intKw('nftables_priority', -2147483648, 2147483647),
  nftables_ifindex: flag('nftables_ifindex'),
  nftables_counters: flag('nftables_counters'),
  nftables_ipvs: unsupported('lvsd sets no fwmarks for virtual server groups'),
  nftables_ipvs_priority: unsupported('lvsd sets no fwmarks for virtual server groups'),
  nftables_ipvs_start_fwmark: unsupported('lvsd sets no fwmarks for virtual server groups'),
  disable_local_igmp: unsupported('lvsd does not change igmp_link_local_mcast_reports'),
};

function cpuKw(field: 'vrrp_cpu_affinity' | 'checker_cpu_affinity' | 'bfd_cpu_affinity'): Spec {
  return {
    notSupported: NOT_ONE_PROCESS,
    handle: (s, g, ctx) => {
      if (!ctx.arity(s, 1, Infinity)) return;
      const cpus: number[] = [];
      for (const t of s.args) {
        const n = ctx.int(t, `${field} cpu`, { min: 0, max: 4095 });
        if (n === undefined) return;
        cpus.push(n);
      }
      ctx.set(g, field, cpus, s);
    },
  };
}

const rootUnsupported = (reason: string, block: 'none' | 'optional' = 'none'): KeywordSpec<ConfigModel> => ({ notSupported: reason, block });

export const globalTopLevel: KeywordTable<ConfigModel> = {
  global_defs: {
    block: 'required',
    handle: (s, m, ctx) => {
      if (!m.global_defs) {
        m.global_defs = {};
        ctx.at(m.global_defs, '', s.kw.loc);
      }
      ctx.walk(s.block, globalDefsTable, m.global_defs, 'global_defs');
    },
  },
  net_namespace: rootUnsupported('run lvsd inside the namespace instead (ip netns exec)'),
  net_namespace_ipvs: rootUnsupported('lvsd programs IPVS in its own namespace'),
  namespace_with_ipsets: rootUnsupported('lvsd manages no ipsets'),
  instance: rootUnsupported('lvsd names its files by its own options'),
  use_pid_dir: rootUnsupported('lvsd writes no pid files'),
  child_wait_time: rootUnsupported('lvsd has no child processes to wait for'),
  linkbeat_use_polling: rootUnsupported('lvsd watches links through netlink only'),
};

export type { Command };
