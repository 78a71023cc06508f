// Pure tests: keepalived.conf -> resolved model -> the runtime's instance configs, with keepalived's rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFrom, conf, instance } from './harness.js';
import { splitCommandLine } from '../../../src/vrrp/runtime/command-line.js';

const base = (extra: string[] = [], name = 'VI_1') =>
  instance(name, ['interface eth0', 'virtual_router_id 51', ...extra, 'virtual_ipaddress {', '  10.0.0.100/24', '}']);

test('state MASTER clears nopreempt and preempt_delay (keepalived vrrp_complete_instance)', () => {
  const { config } = configFrom(conf(base(['state MASTER', 'priority 100', 'nopreempt', 'preempt_delay 10'])));
  const c = config.instances[0]!.core;
  assert.equal(c.initialState, 'MASTER');
  assert.equal(c.preempt, true);
  assert.equal(c.preemptDelayMs, 0);
});

test('state BACKUP keeps nopreempt; preempt_delay in ms', () => {
  const a = configFrom(conf(base(['state BACKUP', 'priority 101', 'nopreempt']))).config.instances[0]!.core;
  assert.deepEqual([a.initialState, a.preempt], ['BACKUP', false]);
  const b = configFrom(conf(base(['state BACKUP', 'priority 90', 'preempt_delay 10']))).config.instances[0]!.core;
  assert.deepEqual([b.preempt, b.preemptDelayMs], [true, 10_000]);
});

test('priority 255 with no state means MASTER (address owner); no priority means 100, BACKUP', () => {
  const a = configFrom(conf(base(['priority 255']))).config.instances[0]!.core;
  assert.deepEqual([a.initialState, a.priority], ['MASTER', 255]);
  const b = configFrom(conf(base([]))).config.instances[0]!.core;
  assert.deepEqual([b.initialState, b.priority], ['BACKUP', 100]);
});

test('advert_int: v2 whole seconds (rounded as keepalived), v3 in centiseconds', () => {
  const v2 = configFrom(conf(base(['advert_int 2.4']))).config.instances[0]!.core;
  assert.deepEqual([v2.version, v2.advertIntervalCs], [2, 200]);
  const v3 = configFrom(conf(base(['version 3', 'advert_int 0.1']))).config.instances[0]!.core;
  assert.deepEqual([v3.version, v3.advertIntervalCs], [3, 10]);
});

test('primary address: the interface address, or mcast_src_ip / unicast_src_ip; IPv6 uses the link-local', () => {
  const a = configFrom(conf(base([])), { eth0: { ipv4: '10.0.0.7' } }).config.instances[0]!.core;
  assert.equal(a.primaryAddress, '10.0.0.7');
  const b = configFrom(conf(base(['mcast_src_ip 10.0.0.9'])), { eth0: { ipv4: '10.0.0.7' } }).config.instances[0]!.core;
  assert.equal(b.primaryAddress, '10.0.0.9');
  const six = instance('V6', ['interface eth0', 'virtual_router_id 52', 'virtual_ipaddress {', '  2001:DB8::100/64', '}']);
  const c = configFrom(conf(six), { eth0: { ipv4: '10.0.0.7', ipv6LinkLocal: 'fe80::7' } }).config.instances[0]!;
  assert.deepEqual([c.core.family, c.core.version, c.core.primaryAddress, c.core.mcastGroup], ['ipv6', 3, 'fe80::7', 'ff02::12']);
  assert.deepEqual(c.core.virtualAddresses, ['2001:db8::100']);
  assert.deepEqual(c.vips[0], { ifname: 'eth0', address: '2001:db8::100', prefix: 64, nodad: true });
});

test('VIP specs: default /32, dev, brd +, label; the advert carries only virtual_ipaddress', () => {
  const text = conf(
    instance('VI_1', [
      'interface eth0',
      'virtual_router_id 51',
      'virtual_ipaddress {',
      '  10.0.0.100',
      '  10.0.0.101/24 brd + dev eth1 label eth1:vip',
      '}',
      'virtual_ipaddress_excluded {',
      '  10.9.9.9/32',
      '}',
    ]),
  );
  const r = configFrom(text).config.instances[0]!;
  assert.deepEqual(r.vips, [
    { ifname: 'eth0', address: '10.0.0.100', prefix: 32 },
    { ifname: 'eth1', address: '10.0.0.101', prefix: 24, broadcast: '10.0.0.255', label: 'eth1:vip' },
    { ifname: 'eth0', address: '10.9.9.9', prefix: 32 },
  ]);
  assert.deepEqual(r.core.virtualAddresses, ['10.0.0.100', '10.0.0.101']);
});

test('garp settings: global vrrp_garp_* in ms, per-instance overrides, intervals', () => {
  const text = conf(base(['garp_master_repeat 3']), ['vrrp_garp_master_delay 2', 'vrrp_garp_master_refresh 60', 'vrrp_garp_interval 0.1', 'vrrp_gna_interval 0.2']);
  const r = configFrom(text).config.instances[0]!;
  assert.equal(r.core.garp.masterDelayMs, 2000);
  assert.equal(r.core.garp.masterRepeat, 3);
  assert.equal(r.core.garp.masterRefreshMs, 60_000);
  assert.equal(r.garpIntervalMs, 100);
  assert.equal(r.gnaIntervalMs, 200);
});

test('PASS authentication for v2; unicast peers; check_unicast_src', () => {
  const text = conf(base(['authentication {', '  auth_type PASS', '  auth_pass secret1', '}', 'unicast_src_ip 10.0.0.1', 'unicast_peer {', '  10.0.0.2', '}']), ['vrrp_check_unicast_src']);
  const c = configFrom(text).config.instances[0]!.core;
  assert.deepEqual(c.auth, { type: 'pass', password: 'secret1' });
  assert.deepEqual(c.unicastPeers, ['10.0.0.2']);
  assert.equal(c.checkUnicastSrc, true);
});

test('tracking: own interface tracked (weight 0) unless dont_track_primary; scripts split into argv', () => {
  const text =
    'vrrp_script chk {\n  script "/usr/bin/test -f \'/tmp/a b\'"\n  interval 2\n  timeout 3\n  weight -30\n  fall 2\n  rise 1\n}\n' +
    conf(base(['track_script {', '  chk', '}', 'track_interface {', '  eth1 weight 10', '}']));
  const { config } = configFrom(text, { eth0: { ipv4: '10.0.0.1' }, eth1: { ipv4: '10.1.0.1' } });
  const r = config.instances[0]!;
  assert.deepEqual(r.trackInterfaces, [
    { name: 'eth0', weight: 0, reverse: false },
    { name: 'eth1', weight: 10, reverse: false },
  ]);
  assert.deepEqual(r.trackScripts, [{ name: 'chk', weight: -30, reverse: false }]);
  assert.deepEqual(config.scripts, [{ name: 'chk', command: { argv: ['/usr/bin/test', '-f', '/tmp/a b'] }, intervalMs: 2000, timeoutMs: 3000, rise: 1, fall: 2, initFail: false }]);
  const nt = configFrom(conf(base(['dont_track_primary']))).config.instances[0]!;
  assert.deepEqual(nt.trackInterfaces, []);
});

test('sync group: members listed, group tracking merged into each member', () => {
  const text =
    'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  track_interface {\n    eth1\n  }\n  notify_master "/bin/echo group master"\n}\n' +
    conf(base([], 'VI_1') + instance('VI_2', ['interface eth0', 'virtual_router_id 52', 'virtual_ipaddress {', '  10.0.0.200/24', '}']));
  const { config } = configFrom(text, { eth0: { ipv4: '10.0.0.1' }, eth1: { ipv4: '10.1.0.1' } });
  assert.deepEqual(config.syncGroups.map((g) => [g.name, g.members, g.notify.master?.argv]), [['G', ['VI_1', 'VI_2'], ['/bin/echo', 'group', 'master']]]);
  for (const i of config.instances) {
    assert.equal(i.syncGroup, 'G');
    assert.ok(i.trackInterfaces.some((t) => t.name === 'eth1' && t.weight === 0), JSON.stringify(i.trackInterfaces));
  }
});

test('refusals: missing interface, unknown interface, duplicate VRID on one interface', () => {
  const noIf = configFrom(conf(instance('X', ['virtual_router_id 1', 'virtual_ipaddress {', '  10.0.0.1', '}'])));
  assert.ok(noIf.issues.some((i) => i.severity === 'error' && i.code === 'no-interface'));
  const unknown = configFrom(conf(base([])), {});
  assert.ok(unknown.issues.some((i) => i.code === 'no-such-interface' && /eth0/.test(i.message)));
  const dup = configFrom(conf(base([], 'A') + base([], 'B')));
  assert.ok(dup.issues.some((i) => i.code === 'duplicate-vrid' && i.instance === 'B'));
});

test('authentication: AH runs (VRRPv2 over IPv4) with auth_pass as the key; PASS unchanged', () => {
  const ah = configFrom(conf(base(['authentication {', '  auth_type AH', '  auth_pass s3cret', '}'])));
  assert.deepEqual(ah.issues.filter((i) => i.severity === 'error'), []);
  assert.deepEqual(ah.config.instances[0]!.core.auth, { type: 'ah', password: 's3cret' });
  const pass = configFrom(conf(base(['authentication {', '  auth_type PASS', '  auth_pass 1111', '}'])));
  assert.deepEqual(pass.config.instances[0]!.core.auth, { type: 'pass', password: '1111' });
});

test('notify commands: split as keepalived does, user kept', () => {
  const text = conf(base(['notify_master "/etc/k/notify.sh master" root', 'notify /etc/k/all.sh']));
  const r = configFrom(text).config.instances[0]!;
  assert.deepEqual(r.notify.master, { argv: ['/etc/k/notify.sh', 'master'], user: 'root' });
  assert.deepEqual(r.notify.any, { argv: ['/etc/k/all.sh'] });
});

test('splitCommandLine: quotes, escapes, errors', () => {
  assert.deepEqual(splitCommandLine(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
  assert.deepEqual(splitCommandLine('  x   y '), ['x', 'y']);
  assert.throws(() => splitCommandLine('a "b'), /unterminated/);
  assert.throws(() => splitCommandLine('   '), /empty/);
});
