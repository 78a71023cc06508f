import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeepalivedFile, parseKeepalivedText, type ParsedConfig } from '../../../src/config/keepalived/parse.js';
import { nodeFileSystem } from '../../../src/config/keepalived/fs.js';
import { emitKeepalived } from '../../../src/config/keepalived/emit.js';
import { emptyModel, type ConfigModel } from '../../../src/config/model/index.js';
import type { Diagnostic } from '../../../src/config/diagnostics.js';
import { resolveVrrp } from '../../../src/config/resolve-vrrp.js';
import { repoRoot } from '../../util/env.js';
import { memFs } from './memfs.js';

const seedDir = join(repoRoot(), 'test', 'fixtures', 'keepalived-seeds');
const sampleDir = '/usr/share/doc/keepalived/samples';
const fixtureDir = join(repoRoot(), 'test', 'fixtures', 'config', 'vrrp');

const parse = (dir: string, f: string): ParsedConfig => parseKeepalivedFile(join(dir, f), nodeFileSystem, { configId: 'seedtest' });
const seed = (f: string) => parse(seedDir, f);
/** Diagnostics as `line severity code`, for the codes given. */
const diag = (r: ParsedConfig, ...codes: string[]) =>
  r.diagnostics.filter((d) => codes.includes(d.code)).map((d) => `${d.loc?.line}:${d.loc?.col} ${d.severity} ${d.code}`);
const find = (r: ParsedConfig, code: string, re: RegExp): Diagnostic | undefined => r.diagnostics.find((d) => d.code === code && re.test(d.message));

test('seed codis-6379-a: unicast instance read; nopreempt with state MASTER is cleared (warning) and resolve applies it', () => {
  const r = seed('codis-6379-a.conf');
  assert.equal(r.model.global_defs?.router_id, 'Codis_LB');
  const v = r.model.vrrp_instances[0];
  assert.equal(v?.name, 'codis_6379');
  assert.equal(v?.state, 'MASTER');
  assert.equal(v?.virtual_router_id, 79);
  assert.equal(v?.priority, 100);
  assert.equal(v?.nopreempt, true, 'the model keeps what was written');
  assert.deepEqual(v?.unicast_peer, [{ address: '127.0.0.2' }]);
  assert.deepEqual(v?.authentication, { auth_type: 'PASS', auth_pass: 'codis79' });
  assert.deepEqual(v?.virtual_ipaddress, [{ address: '127.0.0.100' }]);
  assert.deepEqual(v?.notify_master, { command: 'notify.sh MASTER eth0 11 > /dev/null 2>&1' });
  assert.deepEqual(v?.notify_fault, { command: 'notify.sh FAULT eth0 11 > /dev/null 2>&1' });
  const d = find(r, 'nopreempt-cleared', /nopreempt will not work with initial state MASTER; clearing/);
  assert.equal(d?.severity, 'warning');
  assert.equal(d?.loc?.line, 16);
  const ri = resolveVrrp(r.model).instances[0];
  assert.equal(ri?.preempt, true);
  assert.equal(ri?.state, 'MASTER');
  assert.deepEqual(ri?.unicast_peers, [{ address: '127.0.0.2' }]);
});

test('seed codis-6379-b: BACKUP with nopreempt is kept as written and resolves to preempt off', () => {
  const r = seed('codis-6379-b.conf');
  assert.deepEqual(diag(r, 'nopreempt-cleared'), []);
  const ri = resolveVrrp(r.model).instances[0];
  assert.equal(ri?.preempt, false);
  assert.equal(ri?.priority, 101);
});

test('seed lb01-dual-master-dup-name: the second VI_1 is an error at its name (line 29), keepalived keeps the first', () => {
  const r = seed('lb01-dual-master-dup-name.conf');
  assert.deepEqual(diag(r, 'duplicate-name'), ['29:15 error duplicate-name']);
  assert.match(find(r, 'duplicate-name', /VI_1/)?.message ?? '', /vrrp_instance VI_1 is already defined at line 14/);
  assert.equal(r.model.vrrp_instances.length, 1);
  assert.equal(r.model.vrrp_instances[0]?.virtual_router_id, 51);
  assert.deepEqual(r.model.global_defs?.notification_email, ['123.com']);
  assert.deepEqual(r.model.global_defs?.smtp_server, { host: '127.0.0.1' });
  assert.equal(r.model.global_defs?.smtp_connect_timeout, 30);
});

test('seed lb01-dual-master: two instances, VIPs with dev and label', () => {
  const r = seed('lb01-dual-master.conf');
  assert.deepEqual(
    r.model.vrrp_instances.map((v) => [v.name, v.state, v.virtual_router_id, v.priority]),
    [
      ['VI_1', 'MASTER', 51, 150],
      ['VI_2', 'BACKUP', 56, 100],
    ],
  );
  assert.deepEqual(r.model.vrrp_instances[1]?.virtual_ipaddress, [{ address: '10.0.0.4', prefix: 24, dev: 'eth0', label: 'eth0:2' }]);
  assert.equal(r.diagnostics.filter((d) => d.severity !== 'info').length, 0, JSON.stringify(r.diagnostics));
});

test('seed lb01-track-script-bare-path: unknown keyword, script removed, track script not found (keepalived lines 7, 11, 27)', () => {
  const r = seed('lb01-track-script-bare-path.conf');
  const unknown = find(r, 'unknown-keyword', /'\/root\/scripts\/chk_nginx_proxy\.sh' in vrrp_script chk_nginx_proxy/);
  assert.equal(unknown?.loc?.line, 7);
  assert.equal(unknown?.severity, 'warning');
  const removed = find(r, 'script-removed', /no script set for vrrp_script chk_nginx_proxy; keepalived removes it/);
  assert.equal(removed?.loc?.line, 5, 'reported at the vrrp_script name');
  const notFound = find(r, 'unknown-reference', /\(VI_1\) track script chk_nginx_proxy not found, ignored/);
  assert.equal(notFound?.loc?.line, 27);
  assert.deepEqual(r.model.vrrp_scripts, [{ name: 'chk_nginx_proxy', interval: 2, weight: 2 }]);
  const res = resolveVrrp(r.model);
  assert.deepEqual(res.scripts, [], 'resolve drops the script without a command');
  assert.deepEqual(res.instances[0]?.track_scripts, [], 'and the track entry that names it');
});

test('seeds lb01-vrrp-master / lb02-vrrp-backup: the pair differs in router_id, state and priority only', () => {
  const a = seed('lb01-vrrp-master.conf').model;
  const b = seed('lb02-vrrp-backup.conf').model;
  assert.equal(a.global_defs?.router_id, 'lb01');
  assert.equal(b.global_defs?.router_id, 'lb02');
  assert.deepEqual({ ...a.vrrp_instances[0], state: 'X', priority: 0 }, { ...b.vrrp_instances[0], state: 'X', priority: 0 });
  assert.equal(resolveVrrp(a).instances[0]?.advert_int, 1);
});

test('seed lvs-dr-backup-sorry: "vrrp _mcast_group4" is reported (a split keyword) and the group stays the default', () => {
  const r = seed('lvs-dr-backup-sorry.conf');
  const d = find(r, 'unknown-keyword', /unknown keyword 'vrrp' in global_defs .*vrrp_mcast_group4/);
  assert.equal(d?.loc?.line, 13);
  assert.equal(r.model.global_defs?.vrrp_mcast_group4, undefined);
  assert.equal(resolveVrrp(r.model).instances[0]?.mcast_group, '224.0.0.18');
  assert.equal(r.model.global_defs?.notification_email_from, 'keepalived@localhost');
  assert.equal(r.model.vrrp_instances[0]?.interface, 'ens37');
});

test('seeds lvs-dr-master / lvs-dr-multi-master-*: vrrp_mcast_group4 is inherited by every instance', () => {
  for (const f of ['lvs-dr-master.conf', 'lvs-dr-multi-master-a.conf', 'lvs-dr-multi-master-b.conf']) {
    const r = seed(f);
    assert.equal(r.model.global_defs?.vrrp_mcast_group4, '234.10.10.10', f);
    for (const i of resolveVrrp(r.model).instances) assert.equal(i.mcast_group, '234.10.10.10', `${f} ${i.name}`);
  }
  const a = resolveVrrp(seed('lvs-dr-multi-master-a.conf').model).instances;
  assert.deepEqual(
    a.map((i) => [i.name, i.state, i.priority, i.auth?.pass]),
    [
      ['VI_1', 'MASTER', 100, '1111'],
      ['VI_2', 'BACKUP', 80, '2222'],
    ],
  );
});

test('seed mcast-group-typo: nothing reaches global_defs (the block is global_def)', () => {
  const r = seed('mcast-group-typo.conf');
  assert.equal(r.model.global_defs, undefined);
  assert.ok(find(r, 'unknown-keyword', /'global_def'.*did you mean 'global_defs'/));
});

test('seeds nginx-ha-chk-*: vrrp_script with weight/fall/rise; preempt_delay cleared on the MASTER only', () => {
  const m = seed('nginx-ha-chk-master.conf');
  assert.deepEqual(m.model.vrrp_scripts, [{ name: 'chk_nginx', script: '/etc/keepalived/check_nginx.sh', interval: 2, weight: -30, fall: 2, rise: 1 }]);
  assert.deepEqual(m.model.vrrp_instances[0]?.track_script, [{ name: 'chk_nginx' }]);
  assert.equal(m.model.vrrp_instances[0]?.preempt_delay, 10);
  assert.deepEqual(
    ['log_file', 'log_info'].map((k) => find(m, 'unknown-keyword', new RegExp(`'${k}' in vrrp_instance VI_1`))?.loc?.line),
    [38, 39],
  );
  const cleared = find(m, 'preempt-delay-cleared', /preempt_delay will not work with initial state MASTER; clearing/);
  assert.equal(cleared?.loc?.line, 36);
  const rm = resolveVrrp(m.model);
  assert.equal(rm.instances[0]?.preempt_delay, 0);
  assert.deepEqual(rm.instances[0]?.track_scripts, [{ name: 'chk_nginx', weight: -30, reverse: false }], 'the weight comes from the vrrp_script');
  assert.deepEqual(rm.scripts[0], { name: 'chk_nginx', command: '/etc/keepalived/check_nginx.sh', interval: 2, timeout: 2, weight: -30, reverse: false, rise: 1, fall: 2, init_fail: false });

  const b = seed('nginx-ha-chk-backup.conf');
  assert.deepEqual(diag(b, 'preempt-delay-cleared'), []);
  assert.equal(resolveVrrp(b.model).instances[0]?.preempt_delay, 10);
  assert.equal(resolveVrrp(b.model).instances[0]?.advert_int, 1, 'advert_int defaults to 1');
});

test('seeds nginx-pair-*: a VIP without prefix and one with /24, both on eth1 with a label', () => {
  assert.deepEqual(seed('nginx-pair-backup.conf').model.vrrp_instances[0]?.virtual_ipaddress, [{ address: '192.168.31.5', dev: 'eth1', label: 'eth1:1' }]);
  assert.deepEqual(seed('nginx-pair-master.conf').model.vrrp_instances[0]?.virtual_ipaddress, [{ address: '192.168.31.5', prefix: 24, dev: 'eth1', label: 'eth1:1' }]);
  assert.deepEqual(seed('nginx-pair-master.conf').model.global_defs?.notification_email, ['acassen@firewall.loc', 'failover@firewall.loc', 'sysadmin@firewall.loc']);
});

test('seed sync-group-full: typos reported at their lines, debug without a level is an error, the sync group zeroes weights', () => {
  const r = seed('sync-group-full.conf');
  const typo = (word: string, want: string) => {
    const d = find(r, 'unknown-keyword', new RegExp(`'${word}'.*did you mean '${want}'`));
    assert.ok(d, `${word} not reported`);
    return d?.loc?.line;
  };
  assert.equal(typo('stmp_connect_timeout', 'smtp_connect_timeout'), 14);
  assert.equal(typo('autp_pass', 'auth_pass'), 51);
  assert.equal(typo('preemtp_delay', 'preempt_delay'), 66);
  const dbg = r.diagnostics.find((d) => d.loc?.line === 67);
  assert.equal(dbg?.severity, 'error');
  assert.equal(dbg?.code, 'missing-argument');
  const sg = r.model.vrrp_sync_groups[0];
  assert.deepEqual(sg?.group, ['http', 'mysql']);
  assert.deepEqual(sg?.notify_master, { command: '/path/to/to_master.sh' });
  assert.deepEqual(sg?.notify_fault, { command: '/path/fault.sh VG_1' });
  assert.equal(sg?.smtp_alert, true);
  const http = r.model.vrrp_instances[0];
  assert.deepEqual(http?.track_interface, [{ name: 'eth0' }, { name: 'eth1' }]);
  assert.equal(http?.mcast_src_ip, '192.168.200.10');
  assert.equal(http?.garp_master_delay, 10);
  assert.equal(http?.dont_track_primary, true);
  assert.deepEqual(http?.virtual_routes, [
    { src: '192.168.100.1', to: { address: '192.168.109.0', prefix: 24 }, via: '192.168.200.254', dev: 'eth1' },
    { to: { address: '192.168.110.0', prefix: 24 }, via: '192.168.200.254', dev: 'eth1' },
    { to: { address: '192.168.111.0', prefix: 24 }, dev: 'eth2' },
    { to: { address: '192.168.112.0', prefix: 24 }, via: '192.168.100.254' },
  ]);
  assert.equal(find(r, 'route-not-tracked', /cannot track route 192\.168\.112\.0\/24 with no interface specified, not tracking/)?.loc?.line, 63);
  // keepalived: "(mysql) ignoring tracked script check_running with weights due to SYNC group"
  assert.equal(find(r, 'tracking-weight-ignored', /\(mysql\) ignoring tracked script check_running with weights due to SYNC group/)?.loc?.line, 85);
  const res = resolveVrrp(r.model);
  const mysql = res.instances.find((i) => i.name === 'mysql');
  assert.deepEqual(mysql?.track_scripts, []);
  assert.equal(mysql?.sync_group, 'VG_1');
  assert.equal(mysql?.advert_int, 3);
  assert.equal(mysql?.smtp_alert, true);
  const routes = res.instances.find((i) => i.name === 'http')?.routes;
  assert.deepEqual(routes?.map((x) => [x.track, x.protocol]), [[true, 18], [true, 18], [true, 18], [false, undefined]]);
  assert.deepEqual(res.sync_groups[0]?.members, ['http', 'mysql']);
});

test('every seed, Debian sample and the all-keywords fixture round-trips through the writer (VRRP and global_defs)', () => {
  const files = [
    ...readdirSync(seedDir).filter((f) => f.endsWith('.conf')).map((f) => join(seedDir, f)),
    ...(existsSync(sampleDir) ? readdirSync(sampleDir).filter((f) => f.startsWith('keepalived.conf')).map((f) => join(sampleDir, f)) : []),
    join(fixtureDir, 'all-keywords.conf'),
  ];
  assert.ok(files.length >= 19);
  const part = (m: ConfigModel) => JSON.parse(JSON.stringify({ g: m.global_defs, st: m.static, s: m.vrrp_scripts, tf: m.vrrp_track_files, sg: m.vrrp_sync_groups, vi: m.vrrp_instances })) as unknown;
  for (const f of files) {
    const r = parseKeepalivedFile(f, nodeFileSystem, { configId: 'seedtest' });
    const only = { ...emptyModel(), vrrp_scripts: r.model.vrrp_scripts, vrrp_track_files: r.model.vrrp_track_files, vrrp_sync_groups: r.model.vrrp_sync_groups, vrrp_instances: r.model.vrrp_instances } as ConfigModel;
    if (r.model.global_defs) only.global_defs = r.model.global_defs;
    if (r.model.static) only.static = r.model.static;
    const text = emitKeepalived(only);
    const back = parseKeepalivedText(text, '/rt.conf', memFs({}));
    assert.deepEqual(part(back.model), part(r.model), `${f}\n${text}`);
    assert.deepEqual(back.diagnostics.filter((d) => /^(unknown-keyword|unknown-option|invalid-|out-of-range|missing-argument|extra-arguments)/.test(d.code)), [], f);
  }
});

test('Debian samples: VRRP sections read with their content', () => {
  if (!existsSync(sampleDir)) return;
  const s = (f: string) => parse(sampleDir, `keepalived.conf.${f}`);
  const routes = s('vrrp.routes');
  const vi = routes.model.vrrp_instances[0];
  assert.deepEqual(
    vi?.virtual_routes?.find((r) => typeof r.to === 'object' && r.to.address === '192.168.113.0')?.nexthops,
    [{ via: '192.168.100.252' }, { via: '192.168.100.253' }],
    "'or' becomes two nexthops",
  );
  assert.ok(find(routes, 'deprecated-keyword', /'or' in routes is deprecated/));
  assert.ok(find(routes, 'deprecated-keyword', /'gw' in routes is deprecated/));
  const rules = s('vrrp.rules');
  assert.deepEqual(rules.diagnostics.filter((d) => d.code === 'invalid-address').map((d) => d.loc?.line), [11, 26], "keepalived: 'VRRP parsed invalid IP 192.168.100./24'");
  const scripts = s('vrrp.scripts').model;
  assert.deepEqual(scripts.vrrp_sync_groups[0]?.notify_backup, { command: '/usr/local/bin/vrrp.back arg1 arg2' });
  assert.deepEqual(scripts.vrrp_instances[0]?.notify_master, { command: '/usr/local/bin/vrrp.sh  MASTER  VI_1' }, 'the quoted command is kept as written');
  const sync = s('vrrp.sync').model;
  assert.ok((sync.vrrp_sync_groups[0]?.group?.length ?? 0) >= 2);
  const ssl = s('SSL_GET');
  assert.ok(find(ssl, 'state-fixed', /initial state MASTER is incompatible with AH authentication/), 'keepalived: Initial state master is incompatible with AH authentication - clearing');
  const st = s('vrrp.static_ipaddress').model.static;
  assert.ok((st?.static_ipaddress?.length ?? 0) > 0);
  const syncd = s('vrrp.lvs_syncd');
  assert.ok(find(syncd, 'unknown-keyword', /'VI_2' in vrrp_sync_group VG1/), 'keepalived: Unknown keyword VI_2 (members outside a group block)');
  assert.equal(syncd.model.vrrp_instances[0]?.lvs_sync_daemon_interface, 'eth1');
  assert.deepEqual(resolveVrrp(syncd.model).lvs_sync_daemon, { interface: 'eth1', instance: 'VI_1', id: 51, port: 8848, group: '224.0.0.81' });
  const sample = s('sample').model;
  assert.equal(sample.global_defs?.router_id, 'LVS_DEVEL');
  assert.deepEqual(sample.global_defs?.notification_email, ['acassen']);
  const rs = resolveVrrp(sample).instances[0];
  assert.deepEqual([rs?.state, rs?.priority, rs?.preempt, rs?.vips.length, rs?.version, rs?.family], ['BACKUP', 100, false, 3, 2, 4]);
});

test('all-keywords fixture: every keyword read, verdicts match keepalived 2.2.7 for the VRRP checks it shares', () => {
  const r = parse(fixtureDir, 'all-keywords.conf');
  assert.deepEqual(r.diagnostics.filter((d) => d.code === 'unknown-keyword' || d.severity === 'error').map((d) => `${d.loc?.line} ${d.message}`), []);
  const verdict = readFileSync(join(fixtureDir, 'all-keywords.keepalived-2.2.7.txt'), 'utf8');
  // keepalived's lines that lvsd reproduces (its wording in the verdict file, ours in the diagnostics).
  const pairs: [RegExp, string, RegExp][] = [
    [/Line 100\) Warning - cannot track route 203\.0\.113\.0\/24/, 'route-not-tracked', /203\.0\.113\.0\/24/],
    [/Line 194\) Warning - cannot track route 203\.0\.113\.128\/25/, 'route-not-tracked', /203\.0\.113\.128\/25/],
    [/Line 285\) \(VI_5\) 'linkbeat_use_polling' in vrrp instance deprecated/, 'deprecated-keyword', /linkbeat_use_polling/],
    [/Line 286\) \(VI_5\) Specifying lvs_sync_daemon_interface against a vrrp is deprecated/, 'deprecated-keyword', /lvs_sync_daemon_interface/],
    [/Line 286\) \(VI_5\) lvs_sync_daemon_interface has already been specified/, 'ignored-option', /sync daemon is already set on eth0/],
    [/\(VI_1\) preempt_delay is incompatible with nopreempt mode - resetting/, 'preempt-delay-cleared', /preempt_delay is incompatible with nopreempt/],
    [/\(VI_1\) promote_secondaries is automatically set for vmacs - ignoring/, 'ignored-option', /promote_secondaries is set automatically/],
  ];
  for (const [k, code, ours] of pairs) {
    assert.match(verdict, k);
    const line = /Line (\d+)\)/.exec(verdict.split('\n').find((l) => k.test(l)) ?? '')?.[1];
    const d = find(r, code, ours);
    assert.ok(d, `no ${code} ${ours}`);
    if (line) assert.equal(d?.loc?.line, Number(line), `${code} at keepalived's line`);
  }
  const g = r.model.global_defs;
  assert.equal(g?.router_id, 'lb one');
  assert.deepEqual(g?.notification_email, ['ops@example.com', 'oncall@example.com', 'noc@example.com']);
  assert.deepEqual(g?.smtp_server, { host: '192.0.2.25', port: 2525 });
  assert.deepEqual(g?.lvs_sync_daemon, { interface: 'eth0', instance: 'VI_4', id: 7, maxlen: 1400, port: 8849, ttl: 2, group: '239.1.1.1' });
  assert.deepEqual(g?.lvs_timeouts, { tcp: 900, tcpfin: 120, udp: 300 });
  assert.deepEqual(g?.startup_script, { command: '/usr/local/bin/up.sh start', user: 'root', group: 'root' });
  assert.equal(g?.vrrp_gna_interval, 0.000001);
  assert.deepEqual(g?.vrrp_garp_extra_if, { interval: 120, all: true });
  assert.deepEqual(g?.checker_cpu_affinity, [0, 1]);
  assert.equal(g?.umask, 0o22);
  assert.equal(g?.dynamic_interfaces, 'allow_if_changes');
  assert.equal(g?.lvs_flush_on_stop, 'VS');
  assert.deepEqual(g?.notify_fifo, { name: '/run/keepalived.fifo', user: 'root' });
  const vi1 = r.model.vrrp_instances.find((v) => v.name === 'VI_1');
  assert.deepEqual(vi1?.use_vmac, { name: 'vrrp51', mac: '02:00:5e:00:01' });
  assert.deepEqual(vi1?.virtual_ipaddress?.[0], {
    address: '192.0.2.100',
    prefix: 24,
    brd: '192.0.2.255',
    dev: 'eth0',
    scope: 'global',
    label: 'eth0:vip',
    home: true,
    nodad: true,
    mngtmpaddr: true,
    noprefixroute: true,
    autojoin: true,
  });
  assert.deepEqual(vi1?.track_script, [{ name: 'chk_http' }, { name: 'chk_plain', weight: 5, reverse: true }]);
  assert.deepEqual(vi1?.notify_deleted, { command: '/usr/local/bin/deleted.sh' });
  const r2 = vi1?.virtual_routes?.[2];
  assert.deepEqual(r2?.mtu, { value: 1400, lock: true });
  assert.deepEqual(r2?.rtt, { value: '100ms' });
  assert.equal(r2?.quickack, true);
  assert.equal(r2?.fastopen_no_cookie, false);
  assert.deepEqual(vi1?.virtual_rules?.[2], { from: 'all', fwmark: { mark: 7 }, action: 'unreachable', preference: 260, uidrange: { start: 1000, end: 2000 }, sport: { start: 1000, end: 2000 }, dport: { start: 80, end: 80 }, ipproto: 'tcp', no_track: true });
  assert.deepEqual(r.model.vrrp_instances.find((v) => v.name === 'VI_3')?.unicast_peer, [{ address: '192.0.2.3' }, { address: '192.0.2.4', min_ttl: 250, max_ttl: 255 }]);
  assert.deepEqual(r.model.static?.track_group, [{ name: 'TG', group: ['VI_1'] }]);
  assert.deepEqual(r.model.vrrp_track_files.map((f) => f.name), ['tf_state', 'tf_old']);
});
