import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { globalDefsTable, globalTopLevel } from '../../../src/config/keepalived/global.js';
import { GlobalDefs } from '../../../src/config/model/global.js';
import { resolveGlobal } from '../../../src/config/resolve-vrrp.js';
import { memFs } from './memfs.js';

const g = (...lines: string[]) => parseKeepalivedText(['global_defs {', ...lines.map((l) => `  ${l}`), '}'].join('\n'), '/g.conf', memFs({}));
const ds = (r: ReturnType<typeof g>, ...codes: string[]) => r.diagnostics.filter((d) => !codes.length || codes.includes(d.code)).map((d) => `${d.loc?.line}:${d.loc?.col} ${d.severity} ${d.code}`);

test('global_defs: notification and SMTP keywords', () => {
  const r = g('router_id "edge lb 1"', 'notification_email {', '  a@x', '  b@x c@x', '}', 'notification_email_from ka@x', 'smtp_server mail.example.com 587', 'smtp_helo_name lb1', 'smtp_connect_timeout 10', 'smtp_alert', 'smtp_alert_vrrp off', 'smtp_alert_checker true', 'checker_log_all_failures no', 'no_email_faults');
  assert.deepEqual(r.model.global_defs, {
    router_id: 'edge lb 1',
    notification_email: ['a@x', 'b@x', 'c@x'],
    notification_email_from: 'ka@x',
    smtp_server: { host: 'mail.example.com', port: 587 },
    smtp_helo_name: 'lb1',
    smtp_connect_timeout: 10,
    smtp_alert: true,
    smtp_alert_vrrp: false,
    smtp_alert_checker: true,
    checker_log_all_failures: false,
    no_email_faults: true,
  });
  assert.deepEqual(ds(r), []);
});

test('global_defs: VRRP defaults, GARP tuning, version, strict, multicast groups (canonical text)', () => {
  const r = g('vrrp_mcast_group4 224.000.0.19', 'vrrp_mcast_group6 FF02:0:0::13', 'vrrp_version 3', 'vrrp_strict', 'vrrp_garp_master_delay 0', 'vrrp_garp_master_repeat 2', 'vrrp_garp_master_refresh 30', 'vrrp_garp_master_refresh_repeat 3', 'vrrp_garp_lower_prio_delay 4', 'vrrp_garp_lower_prio_repeat 5', 'vrrp_garp_interval 0.25', 'vrrp_gna_interval 0.5', 'vrrp_min_garp', 'vrrp_garp_extra_if 100', 'vrrp_down_timer_adverts 5', 'vrrp_lower_prio_no_advert', 'vrrp_higher_prio_send_advert off', 'vrrp_check_unicast_src', 'vrrp_skip_check_adv_addr', 'vrrp_notify_priority_changes', 'vrrp_startup_delay 1.5', 'log_unknown_vrids', 'default_interface bond0');
  const d = r.model.global_defs;
  assert.equal(d?.vrrp_mcast_group4, '224.0.0.19');
  assert.equal(d?.vrrp_mcast_group6, 'ff02::13');
  assert.equal(d?.vrrp_version, 3);
  assert.equal(d?.vrrp_strict, true);
  assert.deepEqual([d?.vrrp_garp_master_delay, d?.vrrp_garp_master_repeat, d?.vrrp_garp_master_refresh, d?.vrrp_garp_master_refresh_repeat, d?.vrrp_garp_lower_prio_delay, d?.vrrp_garp_lower_prio_repeat], [0, 2, 30, 3, 4, 5]);
  assert.deepEqual([d?.vrrp_garp_interval, d?.vrrp_gna_interval, d?.vrrp_min_garp, d?.vrrp_down_timer_adverts, d?.vrrp_startup_delay], [0.25, 0.5, true, 5, 1.5]);
  assert.deepEqual(d?.vrrp_garp_extra_if, { interval: 100 });
  assert.deepEqual([d?.vrrp_lower_prio_no_advert, d?.vrrp_higher_prio_send_advert, d?.vrrp_check_unicast_src, d?.vrrp_skip_check_adv_addr, d?.vrrp_notify_priority_changes, d?.log_unknown_vrids], [true, false, true, true, true, true]);
  assert.equal(d?.default_interface, 'bond0');
  assert.deepEqual(ds(r), []);
});

test('global_defs: ranges and bad values are errors at the value; zero-fixes and the 2.2.7 zero interval are warnings', () => {
  const r = g('vrrp_version 4', 'vrrp_mcast_group4 ff02::12', 'vrrp_mcast_group6 10.0.0.1', 'vrrp_garp_master_delay 5000', 'smtp_connect_timeout 0', 'vrrp_garp_master_repeat 0', 'vrrp_garp_interval 0', 'vrrp_priority -21', 'vrrp_garp_extra_if 0', 'vrrp_mcast_group4 10.1.1.1');
  assert.deepEqual(ds(r, 'out-of-range', 'invalid-address', 'value-fixed', 'keepalived-compat', 'not-multicast'), [
    '2:16 error out-of-range',
    '3:21 error invalid-address',
    '4:21 error invalid-address',
    '5:26 error out-of-range',
    '9:17 error out-of-range',
    '10:22 error out-of-range',
    '6:3 warning value-fixed',
    '7:3 warning value-fixed',
    '8:3 warning keepalived-compat',
    '11:3 error not-multicast',
  ]);
  const res = resolveGlobal(r.model.global_defs);
  assert.equal(res.garp.master_repeat, 1, 'repeat 0 is read as 1, as keepalived');
  assert.equal(res.vrrp_mcast_group6, 'ff02::12', 'the rejected group leaves the default');
});

test('global_defs: LVS keywords: lvs_sync_daemon (both forms), lvs_timeouts, lvs_flush, lvs_flush_onstop (deprecated)', () => {
  const r = g('lvs_sync_daemon eth1 inst VI_1 id 3 maxlen 1200 port 8850 ttl 4 group 239.0.0.9', 'lvs_timeouts tcp 100 udp 20', 'lvs_flush', 'lvs_flush_onstop');
  assert.deepEqual(r.model.global_defs, {
    lvs_sync_daemon: { interface: 'eth1', instance: 'VI_1', id: 3, maxlen: 1200, port: 8850, ttl: 4, group: '239.0.0.9' },
    lvs_timeouts: { tcp: 100, udp: 20 },
    lvs_flush: true,
    lvs_flush_on_stop: 'full',
  });
  assert.deepEqual(ds(r, 'deprecated-keyword'), ['5:3 warning deprecated-keyword']);
  const old = g('lvs_sync_daemon eth1 VI_1 5', 'lvs_timeouts tpc 1', 'lvs_flush_on_stop VS');
  assert.deepEqual(old.model.global_defs?.lvs_sync_daemon, { interface: 'eth1', instance: 'VI_1', id: 5 });
  assert.equal(old.model.global_defs?.lvs_flush_on_stop, 'VS');
  assert.deepEqual(ds(old, 'deprecated-keyword', 'unknown-option', 'missing-argument'), ['2:29 warning deprecated-keyword', '3:16 error unknown-option', '3:20 error unknown-option']);
});

test('global_defs: scripts, FIFOs, script user and security, dynamic interfaces', () => {
  const r = g('script_user ka kagrp', 'enable_script_security', 'startup_script "/bin/s up" root', 'startup_script_timeout 15', 'shutdown_script /bin/down', 'notify_fifo /run/n.fifo ka ka', 'notify_fifo_script /bin/f', 'vrrp_notify_fifo /run/v.fifo', 'lvs_notify_fifo /run/l.fifo', 'lvs_notify_fifo_script "/bin/l x"', 'fifo_write_vrrp_states_on_reload', 'dynamic_interfaces');
  const d = r.model.global_defs;
  assert.deepEqual(d?.script_user, { user: 'ka', group: 'kagrp' });
  assert.deepEqual(d?.startup_script, { command: '/bin/s up', user: 'root' });
  assert.deepEqual(d?.notify_fifo, { name: '/run/n.fifo', user: 'ka', group: 'ka' });
  assert.deepEqual(d?.lvs_notify_fifo_script, { command: '/bin/l x' });
  assert.equal(d?.dynamic_interfaces, true);
  assert.equal(d?.fifo_write_vrrp_states_on_reload, true);
  assert.deepEqual(ds(r), []);
});

test('global_defs: process tuning is read into the model and flagged not applied; SNMP/DBus/firewall keywords are flagged only', () => {
  const r = g('vrrp_priority -10', 'checker_priority 3', 'vrrp_rt_priority 50', 'vrrp_cpu_affinity 0 1', 'vrrp_rlimit_rtime 5000', 'max_auto_priority', 'enable_snmp_vrrp', 'enable_traps', 'vrrp_ipsets a b', 'vrrp_iptables IN OUT', 'enable_dbus');
  const d = r.model.global_defs;
  assert.deepEqual([d?.vrrp_priority, d?.checker_priority, d?.vrrp_rt_priority, d?.vrrp_cpu_affinity, d?.vrrp_rlimit_rttime, d?.max_auto_priority], [-10, 3, 50, [0, 1], 5000, 99]);
  assert.deepEqual(ds(r, 'not-supported').map((x) => x.split(':')[0]), ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  assert.deepEqual(ds(r, 'deprecated-keyword'), ['6:3 warning deprecated-keyword']);
  assert.match(r.diagnostics.find((x) => x.loc?.line === 8)?.message ?? '', /SNMP is not supported by lvsd/);
});

test('global_defs: the nftables keywords are read into the model (table name, priority, counters, ifindex) and flagged nothing', () => {
  const r = g('nftables vrrpfw', 'nftables_priority -5', 'nftables_counters', 'nftables_ifindex');
  const d = r.model.global_defs;
  assert.deepEqual([d?.nftables, d?.nftables_priority, d?.nftables_counters, d?.nftables_ifindex], ['vrrpfw', -5, true, true]);
  assert.deepEqual(ds(r), []);
  // The keyword alone names lvsd's own table (keepalived's default is "keepalived").
  assert.equal(g('nftables').model.global_defs?.nftables, 'lvsd');
  assert.deepEqual(ds(g('nftables_priority x')).map((x) => x.split(' ')[1]), ['error']);
});

test('top-level global keywords outside global_defs are flagged, not unknown', () => {
  const r = parseKeepalivedText('net_namespace blue\nuse_pid_dir\nchild_wait_time 3\n', '/t.conf', memFs({}));
  assert.deepEqual(r.diagnostics.map((d) => `${d.loc?.line} ${d.code}`), ['1 not-supported', '2 not-supported', '3 not-supported']);
});

test('every global_defs keyword of keepalived.conf(5) is in the table, and every model field is written by a keyword', () => {
  // The keywords listed in the man page's global_defs block (Debian keepalived 2.2.7); when the
  // package is installed, each must really be in its keepalived.conf(5).
  const manGz = '/usr/share/man/man5/keepalived.conf.5.gz';
  const man = existsSync(manGz) ? gunzipSync(readFileSync(manGz)).toString('utf8') : '';
  const documented = [
    'tmp_config_directory', 'config_save_dir', 'process_names', 'process_name', 'vrrp_process_name', 'checker_process_name', 'bfd_process_name',
    'startup_script', 'startup_script_timeout', 'shutdown_script', 'shutdown_script_timeout', 'notification_email', 'notification_email_from',
    'smtp_server', 'smtp_helo_name', 'smtp_connect_timeout', 'smtp_alert', 'smtp_alert_vrrp', 'smtp_alert_checker', 'checker_log_all_failures',
    'no_email_faults', 'router_id', 'vrrp_mcast_group4', 'vrrp_mcast_group6', 'default_interface', 'lvs_sync_daemon', 'lvs_timeouts', 'lvs_flush',
    'lvs_flush_on_stop', 'vrrp_garp_master_delay', 'vrrp_garp_master_repeat', 'vrrp_garp_lower_prio_delay', 'vrrp_down_timer_adverts',
    'vrrp_garp_lower_prio_repeat', 'vrrp_garp_master_refresh', 'vrrp_garp_master_refresh_repeat', 'vrrp_garp_interval', 'vrrp_gna_interval',
    'vrrp_min_garp', 'vrrp_garp_extra_if', 'vrrp_lower_prio_no_advert', 'vrrp_higher_prio_send_advert', 'vrrp_version', 'nftables',
    'nftables_priority', 'nftables_counters', 'nftables_ifindex', 'nftables_ipvs', 'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark',
    'vrrp_iptables', 'vrrp_ipsets', 'disable_local_igmp', 'vrrp_check_unicast_src', 'vrrp_skip_check_adv_addr', 'vrrp_strict',
    'vrrp_notify_priority_changes', 'max_auto_priority', 'min_auto_priority_delay', 'vrrp_priority', 'checker_priority', 'bfd_priority',
    'vrrp_no_swap', 'checker_no_swap', 'bfd_no_swap', 'vrrp_cpu_affinity', 'checker_cpu_affinity', 'bfd_cpu_affinity', 'vrrp_rt_priority',
    'checker_rt_priority', 'bfd_rt_priority', 'vrrp_rlimit_rttime', 'checker_rlimit_rttime', 'bfd_rlimit_rttime', 'snmp_socket',
    'enable_snmp_vrrp', 'enable_snmp_checker', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_traps', 'enable_dbus',
    'dbus_service_name', 'script_user', 'enable_script_security', 'notify_fifo', 'notify_fifo_script', 'vrrp_notify_fifo',
    'vrrp_notify_fifo_script', 'lvs_notify_fifo', 'lvs_notify_fifo_script', 'fifo_write_vrrp_states_on_reload', 'dynamic_interfaces',
    'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force', 'vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_force',
    'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force', 'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force',
    'process_monitor_rcv_bufs', 'process_monitor_rcv_bufs_force', 'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier', 'rs_init_notifies',
    'no_checker_emails', 'umask', 'vrrp_startup_delay', 'log_unknown_vrids', 'vmac_prefix', 'vmac_addr_prefix', 'random_seed',
    'reload_check_config', 'include_check', 'reload_time_file', 'reload_repeat', 'reload_file', 'data_use_instance',
  ];
  for (const k of documented) {
    assert.ok(Object.prototype.hasOwnProperty.call(globalDefsTable, k), `global_defs keyword ${k} missing`);
    if (man) assert.ok(new RegExp(`(?<![a-z0-9_])${k}(?![a-z0-9_])`).test(man), `${k} not in keepalived.conf(5)`);
  }
  for (const k of ['net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'instance', 'use_pid_dir', 'linkbeat_use_polling', 'child_wait_time']) {
    assert.ok(Object.prototype.hasOwnProperty.call(globalTopLevel, k), k);
  }
  const fields = Object.keys((GlobalDefs as unknown as { properties: Record<string, unknown> }).properties);
  for (const f of fields) assert.ok(Object.prototype.hasOwnProperty.call(globalDefsTable, f) && globalDefsTable[f]?.handle, `model field ${f} has no keyword handler`);
});

test('resolveGlobal: keepalived defaults, vrrp_min_garp, lower-priority GARP inheriting the master settings', () => {
  const d = resolveGlobal(undefined);
  assert.deepEqual(
    [d.vrrp_mcast_group4, d.vrrp_mcast_group6, d.vrrp_version, d.vrrp_strict, d.garp, d.down_timer_adverts, d.default_interface],
    ['224.0.0.18', 'ff02::12', 2, false, { master_delay: 5, master_repeat: 5, master_refresh: 0, master_refresh_repeat: 1, lower_prio_delay: 5, lower_prio_repeat: 5, interval: 0, gna_interval: 0 }, 3, 'eth0'],
  );
  assert.deepEqual(resolveGlobal({ vrrp_min_garp: true }).garp, { master_delay: 0, master_repeat: 1, master_refresh: 0, master_refresh_repeat: 0, lower_prio_delay: 0, lower_prio_repeat: 1, interval: 0, gna_interval: 0 });
  assert.deepEqual(resolveGlobal({ vrrp_garp_master_delay: 8, vrrp_garp_master_repeat: 2 }).garp.lower_prio_delay, 8);
  assert.deepEqual(resolveGlobal({ vrrp_garp_master_delay: 8, vrrp_garp_master_repeat: 2 }).garp.lower_prio_repeat, 2);
});
