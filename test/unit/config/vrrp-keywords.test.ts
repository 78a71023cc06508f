import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import type { ConfigModel } from '../../../src/config/model/index.js';
import type { VrrpInstance } from '../../../src/config/model/vrrp.js';
import { memFs } from './memfs.js';

const parse = (text: string) => parseKeepalivedText(text, '/k.conf', memFs({}));
/** Diagnostics as `line:col severity code`. */
const ds = (r: ReturnType<typeof parse>, ...codes: string[]) =>
  r.diagnostics.filter((d) => !codes.length || codes.includes(d.code)).map((d) => `${d.loc?.line}:${d.loc?.col} ${d.severity} ${d.code}`);
const msg = (r: ReturnType<typeof parse>, code: string) => r.diagnostics.filter((d) => d.code === code).map((d) => d.message);
/** One instance with the given body lines (after `interface eth0` and a VRID, on lines 3..). */
const inst = (...body: string[]) => parse(['vrrp_instance VI {', '  interface eth0', '  virtual_router_id 9', ...body.map((b) => `  ${b}`), '  virtual_ipaddress {', '    10.9.9.9', '  }', '}'].join('\n'));
const v0 = (r: { model: ConfigModel }): VrrpInstance => r.model.vrrp_instances[0] as VrrpInstance;

test('instance scalars: ranges as keepalived enforces them, errors at the value with file:line:col', () => {
  const ok = inst('state BACKUP', 'priority 255', 'advert_int 0.25', 'version 3', 'preempt_delay 12.5', 'debug 4', 'unicast_ttl 0', 'down_timer_adverts 100', 'kernel_rx_buf_size 65536');
  assert.deepEqual(
    (({ state, priority, advert_int, version, preempt_delay, debug, unicast_ttl, down_timer_adverts, kernel_rx_buf_size }) => ({ state, priority, advert_int, version, preempt_delay, debug, unicast_ttl, down_timer_adverts, kernel_rx_buf_size }))(v0(ok)),
    { state: 'BACKUP', priority: 255, advert_int: 0.25, version: 3, preempt_delay: 12.5, debug: 4, unicast_ttl: 0, down_timer_adverts: 100, kernel_rx_buf_size: 65536 },
  );
  const bad = parse(['vrrp_instance VI {', '  virtual_router_id 256', '  priority 0', '  advert_int 0.001', '  version 4', '  preempt_delay 1001', '  debug 5', '  down_timer_adverts 0', '  state master', '}'].join('\n'));
  assert.deepEqual(ds(bad, 'out-of-range', 'invalid-value'), [
    '2:21 error out-of-range',
    '3:12 error out-of-range',
    '4:14 error out-of-range',
    '5:11 error out-of-range',
    '6:17 error out-of-range',
    '7:9 error out-of-range',
    '8:22 error out-of-range',
    '9:9 error invalid-value',
  ]);
  assert.match(msg(bad, 'invalid-value')[0] ?? '', /unknown state 'master': MASTER or BACKUP, in capitals/);
  assert.equal(bad.diagnostics[0]?.loc?.file, '/k.conf');
  assert.deepEqual(Object.keys(v0(bad)), ['name'], 'nothing out of range reaches the model');
});

test('debug without a level is an error (keepalived: "missing a parameter"), not a silent default', () => {
  const r = inst('debug');
  assert.deepEqual(ds(r, 'missing-argument'), ['4:3 error missing-argument']);
  assert.equal(v0(r).debug, undefined);
});

test('state: BACKUP after MASTER is ignored as keepalived does; a repeated scalar warns and the last one wins', () => {
  const r = inst('state MASTER', 'state BACKUP', 'priority 50', 'priority 60');
  assert.equal(v0(r).state, 'MASTER');
  assert.equal(v0(r).priority, 60);
  assert.deepEqual(ds(r, 'duplicate-keyword'), ['5:3 warning duplicate-keyword', '7:3 warning duplicate-keyword']);
});

test('flags and BOOL keywords; preempt / no_accept are the false forms of nopreempt / accept', () => {
  const r = inst('nopreempt', 'no_accept', 'dont_track_primary', 'skip_check_adv_addr', 'strict_mode off', 'lower_prio_no_advert no', 'higher_prio_send_advert yes', 'smtp_alert', 'notify_priority_changes false', 'v3_checksum_as_v2', 'check_unicast_src', 'track_src_ip', 'promote_secondaries', 'use_vmac_addr', 'unicast_fault_no_peer');
  const v = v0(r);
  assert.deepEqual(
    [v.nopreempt, v.accept, v.dont_track_primary, v.skip_check_adv_addr, v.strict_mode, v.lower_prio_no_advert, v.higher_prio_send_advert, v.smtp_alert, v.notify_priority_changes, v.v3_checksum_as_v2, v.check_unicast_src, v.track_src_ip, v.promote_secondaries, v.use_vmac_addr, v.unicast_fault_no_peer],
    [true, false, true, true, false, false, true, true, false, true, true, true, true, true, true],
  );
  const p = inst('preempt', 'accept', 'strict_mode maybe');
  assert.equal(v0(p).nopreempt, false);
  assert.equal(v0(p).accept, true);
  assert.deepEqual(ds(p, 'invalid-bool'), ['6:15 error invalid-bool']);
});

test('track blocks: entries with weight and reverse/noreverse; +/-254 clamped, beyond rejected, duplicates and bad options skipped', () => {
  const r = inst(
    'track_interface {',
    '  eth1',
    '  eth2 weight -20 reverse',
    '  eth3 weight 254',
    '  eth1 weight 3',
    '  eth4 weight 300',
    '  eth5 weight 1 noreverse',
    '  eth6 wieght 5',
    '}',
    'track_script {',
    '  chk weight 10 noreverse',
    '  chk2 weight',
    '}',
    'track_file {',
    '  tf weight -254 reverse',
    '}',
  );
  const v = v0(r);
  assert.deepEqual(v.track_interface, [{ name: 'eth1' }, { name: 'eth2', weight: -20, reverse: true }, { name: 'eth3', weight: 253 }, { name: 'eth4' }, { name: 'eth5', weight: 1 }]);
  assert.deepEqual(v.track_script, [{ name: 'chk', weight: 10, reverse: false }]);
  assert.deepEqual(v.track_file, [{ name: 'tf', weight: -254, reverse: true }]);
  assert.deepEqual(ds(r, 'weight-clamped', 'duplicate-entry', 'out-of-range', 'unknown-option', 'missing-argument'), [
    '7:17 warning weight-clamped',
    '8:5 warning duplicate-entry',
    '9:17 error out-of-range',
    '10:19 warning unknown-option',
    '11:10 warning unknown-option',
    '15:10 warning missing-argument',
  ]);
  assert.match(msg(r, 'unknown-option')[0] ?? '', /unknown track_interface eth5 weight option 'noreverse'/, 'track_interface has no noreverse in keepalived');
});

test('notify scripts: "command" [user [group]]; keepalived keeps the first of two; notify_deleted with or without a script', () => {
  const r = inst('notify_master "/bin/n.sh MASTER" nobody nogroup', 'notify_master /bin/other', 'notify_backup /bin/b.sh', 'notify /bin/all.sh root', 'notify_deleted', 'notify_master_rx_lower_pri "/bin/x y"', 'notify_stop /bin/s a b c');
  const v = v0(r);
  assert.deepEqual(v.notify_master, { command: '/bin/n.sh MASTER', user: 'nobody', group: 'nogroup' });
  assert.deepEqual(v.notify_backup, { command: '/bin/b.sh' });
  assert.deepEqual(v.notify, { command: '/bin/all.sh', user: 'root' });
  assert.equal(v.notify_deleted, true);
  assert.deepEqual(v.notify_master_rx_lower_pri, { command: '/bin/x y' });
  assert.deepEqual(v.notify_stop, { command: '/bin/s', user: 'a', group: 'b' });
  assert.deepEqual(ds(r, 'duplicate-keyword', 'extra-arguments'), ['5:3 warning duplicate-keyword', '10:26 warning extra-arguments']);
  assert.match(msg(r, 'duplicate-keyword')[0] ?? '', /keepalived keeps the first script/);
  const d = inst('notify_deleted "/bin/del.sh DELETED"');
  assert.deepEqual(v0(d).notify_deleted, { command: '/bin/del.sh DELETED' });
});

test('addresses: mcast/unicast source, multicast destination, unicast peers with TTL limits', () => {
  const r = inst('mcast_src_ip 10.0.0.1', 'unicast_src_ip 10.0.0.1', 'mcast_dst_ip 224.0.0.20', 'unicast_peer {', '  10.0.0.2', '  10.0.0.3 min_ttl 200 max_ttl 255', '  10.0.0.4 min_tll 1', '  10.0.0.5 max_ttl 256', '  not-an-ip', '}');
  const v = v0(r);
  assert.equal(v.mcast_src_ip, '10.0.0.1');
  assert.equal(v.mcast_dst_ip, '224.0.0.20');
  assert.deepEqual(v.unicast_peer, [{ address: '10.0.0.2' }, { address: '10.0.0.3', min_ttl: 200, max_ttl: 255 }]);
  assert.deepEqual(ds(r, 'unknown-option', 'out-of-range', 'invalid-address'), ['10:14 error unknown-option', '11:22 error out-of-range', '12:5 error invalid-address']);
  assert.match(msg(r, 'unknown-option')[0] ?? '', /did you mean 'min_ttl'/);
  const bad = inst('mcast_dst_ip 10.1.1.1');
  assert.match(msg(bad, 'not-multicast')[0] ?? '', /mcast_dst_ip 10\.1\.1\.1 is not a multicast address/);
});

test('authentication: PASS/AH (case-sensitive), auth_pass truncated to 8 characters with a warning', () => {
  const r = inst('authentication {', '  auth_type PASS', '  auth_pass "0123456789"', '}');
  assert.deepEqual(v0(r).authentication, { auth_type: 'PASS', auth_pass: '01234567' });
  assert.deepEqual(ds(r, 'value-truncated'), ['6:15 warning value-truncated']);
  const bad = inst('authentication {', '  auth_type pass', '}');
  assert.deepEqual(ds(bad, 'invalid-value'), ['5:15 error invalid-value']);
});

test('VMAC, ipvlan, garp and checksum keywords', () => {
  const r = inst('use_vmac vrrp.9 02:00:5E:00:01', 'vmac_xmit_base', 'use_ipvlan 10.0.0.9/24 vepa ipv9', 'garp_master_delay 0', 'garp_master_repeat 0', 'garp_master_refresh 60', 'garp_master_refresh_repeat 2', 'garp_lower_prio_delay 3', 'garp_lower_prio_repeat 4', 'garp_extra_if all 30', 'old_unicast_checksum never');
  const v = v0(r);
  assert.deepEqual(v.use_vmac, { name: 'vrrp.9', mac: '02:00:5e:00:01' });
  assert.deepEqual(v.use_ipvlan, { address: { address: '10.0.0.9', prefix: 24 }, mode: 'vepa', name: 'ipv9' });
  assert.deepEqual([v.garp_master_delay, v.garp_master_repeat, v.garp_master_refresh, v.garp_master_refresh_repeat, v.garp_lower_prio_delay, v.garp_lower_prio_repeat], [0, 0, 60, 2, 3, 4]);
  assert.deepEqual(v.garp_extra_if, { interval: 30, all: true });
  assert.equal(v.old_unicast_checksum, 'never');
  assert.match(msg(r, 'value-fixed')[0] ?? '', /garp_master_repeat must be greater than 0; using 1/);
  const dep = inst('vmac_garp_intvl 10');
  assert.deepEqual(v0(dep).garp_extra_if, { interval: 10 });
  assert.deepEqual(ds(dep, 'deprecated-keyword'), ['4:3 warning deprecated-keyword']);
  const badName = inst('use_vmac a/b');
  assert.deepEqual(ds(badName, 'invalid-value'), ['4:12 error invalid-value']);
});

test('virtual_ipaddress entries: every option, the bare <IPADDR> form, IPv6, and what keepalived drops or ignores', () => {
  const r = inst(
    'virtual_ipaddress_excluded {',
    '  10.1.1.1',
    '  10.1.1.2/24 brd 10.1.1.255 dev eth1 scope link label eth1:2 home -nodad mngtmpaddr noprefixroute autojoin no_track use_vmac',
    '  10.1.1.3/16 brd - preferred_lft 30',
    '  10.1.1.4 peer 10.1.1.5',
    '  2001:DB8:0:0::1/64 dev eth1 preferred_lft forever',
    '  2001:db8::2 brd 1.2.3.4',
    '  2001:db8::3 scope link label x',
    '  10.1.1.6 nodad',
    '  10.1.1.7 dev',
    '  10.1.1.8/33',
    '  10.1.1.9 track_group TG',
    '}',
  );
  assert.deepEqual(v0(r).virtual_ipaddress_excluded, [
    { address: '10.1.1.1' },
    { address: '10.1.1.2', prefix: 24, brd: '10.1.1.255', dev: 'eth1', scope: 'link', label: 'eth1:2', home: true, nodad: true, mngtmpaddr: true, noprefixroute: true, autojoin: true, no_track: true, use_vmac: true },
    { address: '10.1.1.3', prefix: 16, brd: '-', preferred_lft: 30 },
    { address: '10.1.1.4', peer: '10.1.1.5' },
    { address: '2001:db8::1', prefix: 64, dev: 'eth1', preferred_lft: 'forever' },
    { address: '2001:db8::3' },
    { address: '10.1.1.6' },
    { address: '10.1.1.9' },
  ]);
  assert.deepEqual(ds(r, 'invalid-value', 'ignored-option', 'unknown-option', 'missing-argument', 'invalid-address'), [
    '10:17 error invalid-value',
    '11:17 warning ignored-option',
    '11:28 warning ignored-option',
    '12:14 warning unknown-option',
    '13:14 error missing-argument',
    '14:5 error invalid-address',
    '15:14 warning unknown-option',
    '15:26 warning unknown-option',
  ]);
  // keepalived says the same twice: "Unknown configuration entry 'track_group'" and "... 'TG'".
  assert.match(msg(r, 'unknown-option')[0] ?? '', /unknown option 'nodad' for ip address 10\.1\.1\.6; ignored \(did you mean '-nodad'\?\)/);
});

test('vrrp_script: every keyword; a bare path line is an unknown keyword and the script is then removed', () => {
  const r = parse(['vrrp_script s {', '  script /bin/check --fast "a b"', '  interval 0', '  timeout 5', '  weight -253 reverse', '  rise 3', '  fall 4', '  user nobody nogroup', '  init_fail', '}', 'vrrp_script t {', '  /usr/bin/t.sh', '  weight 254', '}'].join('\n'));
  assert.deepEqual(r.model.vrrp_scripts, [
    { name: 's', script: '/bin/check --fast a b', interval: 0, timeout: 5, weight: -253, reverse: true, rise: 3, fall: 4, user: 'nobody', group: 'nogroup', init_fail: true },
    { name: 't' },
  ]);
  assert.deepEqual(ds(r, 'unknown-keyword', 'out-of-range', 'script-removed', 'value-fixed'), ['12:3 warning unknown-keyword', '13:10 error out-of-range', '3:3 warning value-fixed', '11:13 warning script-removed']);
});

test('track_file / vrrp_track_file (deprecated synonym): file, weight -254..254 [reverse], init_file [VALUE] [overwrite]', () => {
  const r = parse(['track_file a {', '  file "/run/a state"', '  weight -254 reverse', '  init_file 7 overwrite', '}', 'vrrp_track_file b {', '  file /run/b', '  init_file', '}', 'track_file c {', '  weight 255', '}'].join('\n'));
  assert.deepEqual(r.model.vrrp_track_files, [
    { name: 'a', file: '/run/a state', weight: -254, reverse: true, init_file: { value: 7, overwrite: true } },
    { name: 'b', file: '/run/b', init_file: {} },
    { name: 'c' },
  ]);
  assert.deepEqual(ds(r, 'deprecated-keyword', 'out-of-range', 'track-file-removed'), ['6:1 warning deprecated-keyword', '11:10 error out-of-range', '10:12 warning track-file-removed']);
});

test('vrrp_sync_group: members, tracking, notify, smtp_alert, global_tracking (deprecated), a second group block ignored', () => {
  const r = parse(
    [
      'vrrp_sync_group G {',
      '  group {',
      '    A B',
      '    C',
      '  }',
      '  group {',
      '    D',
      '  }',
      '  track_interface {',
      '    eth9 weight 2',
      '  }',
      '  notify_master "/bin/g MASTER"',
      '  notify /bin/g-any',
      '  smtp_alert off',
      '  notify_priority_changes',
      '  global_tracking',
      '  sync_group_tracking_weight',
      '}',
    ].join('\n'),
  );
  assert.deepEqual(r.model.vrrp_sync_groups, [
    {
      name: 'G',
      group: ['A', 'B', 'C'],
      track_interface: [{ name: 'eth9', weight: 2 }],
      notify_master: { command: '/bin/g MASTER' },
      notify: { command: '/bin/g-any' },
      smtp_alert: false,
      notify_priority_changes: true,
      global_tracking: true,
      sync_group_tracking_weight: true,
    },
  ]);
  assert.deepEqual(ds(r, 'duplicate-keyword', 'deprecated-keyword'), ['6:3 warning duplicate-keyword', '16:3 warning deprecated-keyword']);
  // Members that do not exist: keepalived "Virtual router A specified in sync group G doesn't exist - ignoring"
  assert.equal(msg(r, 'unknown-reference').length, 3);
});

test('named blocks: a name is required; duplicates are errors and the first block stays; unknown keywords suggest', () => {
  const r = parse(['vrrp_instance {', '}', 'vrrp_sync_group G {', '}', 'vrrp_sync_group G {', '  group {', '   X', '  }', '}', 'vrrp_script s {', '  scrpt /bin/x', '}'].join('\n'));
  assert.deepEqual(ds(r, 'missing-argument', 'duplicate-name', 'unknown-keyword'), ['1:1 error missing-argument', '5:17 error duplicate-name', '11:3 warning unknown-keyword']);
  assert.equal(r.model.vrrp_sync_groups[0]?.group, undefined, 'the second G (with a group) was ignored');
  assert.match(msg(r, 'unknown-keyword')[0] ?? '', /did you mean 'script'/);
});

test('keywords lvsd does not run are read and flagged: track_process, track_bfd, vrrp_track_process, garp_group', () => {
  const r = parse(
    [
      'vrrp_track_process p {',
      '  process haproxy -f "/etc/h a.cfg"',
      '  quorum 1',
      '  weight 300',
      '  param_match bogus',
      '}',
      'garp_group {',
      '  garp_interval 0.1',
      '}',
      'vrrp_instance VI {',
      '  interface eth0',
      '  virtual_router_id 1',
      '  track_process {',
      '    p weight 10',
      '  }',
      '  track_bfd {',
      '    b',
      '  }',
      '  virtual_ipaddress {',
      '    10.1.1.1',
      '  }',
      '}',
    ].join('\n'),
  );
  assert.deepEqual(ds(r, 'not-supported'), ['1:1 warning not-supported', '7:1 warning not-supported', '13:3 warning not-supported', '16:3 warning not-supported']);
  assert.deepEqual(ds(r, 'out-of-range', 'invalid-value'), ['4:10 error out-of-range', '5:15 error invalid-value'], 'the dropped block is still checked');
  assert.deepEqual(v0(r).track_process, [{ name: 'p', weight: 10 }]);
  assert.deepEqual(v0(r).track_bfd, [{ name: 'b' }]);
});

test('static_ipaddress / static_routes / static_rules and track_group go to the static section', () => {
  const r = parse(['track_group TG {', '  group {', '    VI', '  }', '}', 'static_ipaddress {', '  10.0.0.1/24 dev eth0 track_group TG use_vmac', '}', 'static_routes {', '  10.1.0.0/16 dev eth0 track_group TG', '}', 'static_rules {', '  from 10.1.0.0/16 table 5 preference 10 iif eth0 track_group TG', '}'].join('\n'));
  assert.deepEqual(r.model.static, {
    track_group: [{ name: 'TG', group: ['VI'] }],
    static_ipaddress: [{ address: '10.0.0.1', prefix: 24, dev: 'eth0', track_group: 'TG' }],
    static_routes: [{ to: { address: '10.1.0.0', prefix: 16 }, dev: 'eth0', track_group: 'TG' }],
    static_rules: [{ from: { address: '10.1.0.0', prefix: 16 }, table: 5, preference: 10, iif: 'eth0', track_group: 'TG' }],
  });
  assert.deepEqual(ds(r, 'unknown-option'), ['7:39 warning unknown-option'], 'use_vmac is for virtual addresses only');
  assert.match(msg(r, 'unknown-reference')[0] ?? '', /track_group TG: vrrp_instance VI not found/);
});

test('every keyword keepalived.conf(5) lists for vrrp_instance, vrrp_sync_group, vrrp_script and track_file has a handler', async () => {
  const { instanceTable } = await import('../../../src/config/keepalived/vrrp-instance.js');
  const { vrrpTopLevel } = await import('../../../src/config/keepalived/vrrp.js');
  const instance = [
    'state', 'interface', 'vrf', 'use_vmac', 'use_vmac_addr', 'vmac_xmit_base', 'use_ipvlan', 'native_ipv6', 'dont_track_primary', 'track_interface',
    'track_script', 'track_file', 'track_process', 'track_bfd', 'mcast_src_ip', 'unicast_src_ip', 'mcast_dst_ip', 'track_src_ip', 'version',
    'check_unicast_src', 'unicast_peer', 'unicast_fault_no_peer', 'unicast_ttl', 'old_unicast_checksum', 'garp_master_delay', 'garp_master_repeat',
    'garp_lower_prio_delay', 'garp_lower_prio_repeat', 'garp_master_refresh', 'garp_master_refresh_repeat', 'garp_extra_if', 'down_timer_adverts',
    'lower_prio_no_advert', 'higher_prio_send_advert', 'virtual_router_id', 'priority', 'advert_int', 'authentication', 'virtual_ipaddress',
    'virtual_ipaddress_excluded', 'promote_secondaries', 'virtual_routes', 'virtual_rules', 'accept', 'no_accept', 'nopreempt', 'preempt',
    'preempt_delay', 'skip_check_adv_addr', 'strict_mode', 'debug', 'notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify',
    'notify_master_rx_lower_pri', 'notify_priority_changes', 'smtp_alert', 'kernel_rx_buf_size', 'linkbeat_use_polling',
  ];
  for (const k of instance) assert.ok(instanceTable[k]?.handle || instanceTable[k]?.deprecatedFor, `vrrp_instance ${k}`);
  for (const k of ['vrrp_script', 'track_file', 'vrrp_track_file', 'vrrp_track_process', 'vrrp_sync_group', 'vrrp_instance', 'static_ipaddress', 'static_routes', 'static_rules', 'track_group', 'garp_group', 'linkbeat_interfaces', 'interface_up_down_delays']) {
    assert.ok(vrrpTopLevel[k], `top-level ${k}`);
  }
  // Fields of the instance schema are all written by some keyword.
  const { VrrpInstance } = await import('../../../src/config/model/vrrp.js');
  for (const f of Object.keys((VrrpInstance as unknown as { properties: Record<string, unknown> }).properties)) {
    if (f === 'name') continue;
    const byKeyword = instanceTable[f] !== undefined || (f === 'nopreempt' && instanceTable.preempt) || (f === 'accept' && instanceTable.no_accept);
    assert.ok(byKeyword, `model field ${f} has no keyword`);
  }
});
