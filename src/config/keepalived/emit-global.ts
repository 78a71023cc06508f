// Config layer (pure): keepalived.conf writer for global_defs.
import type { Command } from '../model/common.js';
import type { GlobalDefs } from '../model/global.js';
import type { ConfigModel } from '../model/index.js';
import type { ConfWriter } from './emit-util.js';
import { commandArgs } from './command.js';

type G = GlobalDefs;

/** Fields written as `keyword VALUE`, in this order. */
const SCALARS: (keyof G & string)[] = [
  'router_id',
  'notification_email_from',
  'smtp_helo_name',
  'smtp_connect_timeout',
  'startup_script_timeout',
  'shutdown_script_timeout',
  'vrrp_mcast_group4',
  'vrrp_mcast_group6',
  'default_interface',
  'vrrp_garp_master_delay',
  'vrrp_garp_master_repeat',
  'vrrp_garp_master_refresh',
  'vrrp_garp_master_refresh_repeat',
  'vrrp_garp_lower_prio_delay',
  'vrrp_garp_lower_prio_repeat',
  'vrrp_garp_interval',
  'vrrp_gna_interval',
  'vrrp_down_timer_adverts',
  'vrrp_version',
  'vrrp_startup_delay',
  'nftables',
  'nftables_priority',
  'vmac_prefix',
  'vmac_addr_prefix',
  'max_auto_priority',
  'min_auto_priority_delay',
  'vrrp_priority',
  'checker_priority',
  'bfd_priority',
  'vrrp_rt_priority',
  'checker_rt_priority',
  'bfd_rt_priority',
  'vrrp_rlimit_rttime',
  'checker_rlimit_rttime',
  'bfd_rlimit_rttime',
  'vrrp_netlink_cmd_rcv_bufs',
  'vrrp_netlink_monitor_rcv_bufs',
  'lvs_netlink_cmd_rcv_bufs',
  'lvs_netlink_monitor_rcv_bufs',
  'process_monitor_rcv_bufs',
  'vrrp_rx_bufs_policy',
  'vrrp_rx_bufs_multiplier',
];
/** `<BOOL>` keywords, written `keyword on|off`. */
const BOOLS: (keyof G & string)[] = [
  'smtp_alert',
  'smtp_alert_vrrp',
  'smtp_alert_checker',
  'checker_log_all_failures',
  'vrrp_min_garp',
  'vrrp_lower_prio_no_advert',
  'vrrp_higher_prio_send_advert',
  'vrrp_notify_priority_changes',
  'vrrp_netlink_cmd_rcv_bufs_force',
  'vrrp_netlink_monitor_rcv_bufs_force',
  'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs_force',
  'process_monitor_rcv_bufs_force',
];
/** Keywords without a value. */
const FLAGS: (keyof G & string)[] = [
  'no_email_faults',
  'lvs_flush',
  'vrrp_check_unicast_src',
  'vrrp_skip_check_adv_addr',
  'vrrp_strict',
  'nftables_counters',
  'nftables_ifindex',
  'enable_script_security',
  'fifo_write_vrrp_states_on_reload',
  'rs_init_notifies',
  'no_checker_emails',
  'log_unknown_vrids',
  'vrrp_no_swap',
  'checker_no_swap',
  'bfd_no_swap',
];
const COMMANDS: (keyof G & string)[] = ['startup_script', 'shutdown_script', 'notify_fifo_script', 'vrrp_notify_fifo_script', 'lvs_notify_fifo_script'];

export function emitGlobal(m: ConfigModel, w: ConfWriter): void {
  const g = m.global_defs;
  if (!g) return;
  w.block('global_defs', [], () => {
    // The script user first: keepalived fixes the default user of every script read after it.
    if (g.script_user) w.line('script_user', g.script_user.user, g.script_user.group);
    for (const k of SCALARS) {
      const v = g[k];
      if (v !== undefined) w.line(k, v as string | number);
    }
    if (g.notification_email) w.block('notification_email', [], () => g.notification_email?.forEach((e) => w.line(e)));
    if (g.smtp_server) w.line('smtp_server', g.smtp_server.host, g.smtp_server.port);
    for (const k of BOOLS) {
      const v = g[k];
      if (v !== undefined) w.line(k, v ? 'on' : 'off');
    }
    for (const k of FLAGS) w.flag(k, g[k] as boolean | undefined);
    for (const k of COMMANDS) {
      const c = g[k] as Command | undefined;
      if (c) w.line(k, ...commandArgs(c));
    }
    for (const k of ['notify_fifo', 'vrrp_notify_fifo', 'lvs_notify_fifo'] as const) {
      const f = g[k];
      if (f) w.line(k, f.name, f.user, f.user !== undefined ? f.group : undefined);
    }
    if (g.dynamic_interfaces !== undefined) w.line('dynamic_interfaces', g.dynamic_interfaces === 'allow_if_changes' ? 'allow_if_changes' : undefined);
    if (g.lvsd_ipvs_program !== undefined) w.line('lvsd_ipvs_program', g.lvsd_ipvs_program);
    if (g.lvs_flush_on_stop !== undefined) w.line('lvs_flush_on_stop', g.lvs_flush_on_stop === 'VS' ? 'VS' : undefined);
    const sd = g.lvs_sync_daemon;
    if (sd) {
      const args: (string | number)[] = [sd.interface];
      if (sd.instance !== undefined) args.push('inst', sd.instance);
      for (const k of ['id', 'maxlen', 'port', 'ttl', 'group'] as const) if (sd[k] !== undefined) args.push(k, sd[k] as string | number);
      w.line('lvs_sync_daemon', ...args);
    }
    const t = g.lvs_timeouts;
    if (t) w.line('lvs_timeouts', ...(['tcp', 'tcpfin', 'udp'] as const).flatMap((k) => (t[k] !== undefined ? [k, t[k] as number] : [])));
    if (g.vrrp_garp_extra_if) w.line('vrrp_garp_extra_if', g.vrrp_garp_extra_if.all ? 'all' : undefined, g.vrrp_garp_extra_if.interval);
    for (const k of ['vrrp_cpu_affinity', 'checker_cpu_affinity', 'bfd_cpu_affinity'] as const) {
      const c = g[k];
      if (c) w.line(k, ...c);
    }
    if (g.umask !== undefined) w.line('umask', `0${g.umask.toString(8)}`);
  });
  w.blank();
}
