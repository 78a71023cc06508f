import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseKeepalivedText } from '../../../src/config/keepalived/parse.js';
import { fixAdvertInt, resolveVrrp, type ResolvedInstance } from '../../../src/config/resolve-vrrp.js';
import { memFs } from './memfs.js';

const parse = (text: string) => parseKeepalivedText(text, '/r.conf', memFs({}));
const instance = (body: string[], before: string[] = []) =>
  parse([...before, 'vrrp_instance VI {', '  interface eth0', '  virtual_router_id 7', ...body.map((b) => `  ${b}`), '}'].join('\n'));
const one = (body: string[], before: string[] = []): { r: ResolvedInstance; codes: string[]; msgs: string[] } => {
  const p = instance(body, before);
  return { r: resolveVrrp(p.model).instances[0] as ResolvedInstance, codes: p.diagnostics.map((d) => d.code), msgs: p.diagnostics.map((d) => d.message) };
};
const vip4 = ['virtual_ipaddress {', '  10.0.0.1/24', '}'];
const vip6 = ['virtual_ipaddress {', '  fe80::1', '  2001:db8::1/64', '}'];

test('defaults: BACKUP, priority 100, v2, advert_int 1, preempt, accept, the RFC multicast group, keepalived GARP defaults', () => {
  const { r } = one(vip4);
  assert.deepEqual(
    [r.state, r.priority, r.address_owner, r.version, r.family, r.advert_int, r.preempt, r.preempt_delay, r.accept, r.strict, r.mcast_group, r.down_timer_adverts],
    ['BACKUP', 100, false, 2, 4, 1, true, 0, true, false, '224.0.0.18', 3],
  );
  assert.deepEqual(r.garp, { master_delay: 5, master_repeat: 5, master_refresh: 0, master_refresh_repeat: 1, lower_prio_delay: 5, lower_prio_repeat: 5, interval: 0, gna_interval: 0 });
});

test('state MASTER without priority means 255 (address owner); priority 255 without state means MASTER', () => {
  assert.deepEqual((({ r }) => [r.state, r.priority, r.address_owner])(one(['state MASTER', ...vip4])), ['MASTER', 255, true]);
  assert.deepEqual((({ r }) => [r.state, r.priority])(one(['priority 255', ...vip4])), ['MASTER', 255]);
  assert.deepEqual((({ r }) => [r.state, r.priority])(one(['state MASTER', 'priority 90', ...vip4])), ['MASTER', 90]);
});

test('family from the addresses; IPv6 uses v3 and ff02::12; a VIP of the other family is dropped with an error', () => {
  const v6 = one(vip6);
  assert.deepEqual([v6.r.family, v6.r.version, v6.r.mcast_group, v6.r.vips.length], [6, 3, 'ff02::12', 2]);
  const mixed = one(['virtual_ipaddress {', '  10.0.0.1', '  fe80::1', '}', 'unicast_peer {', '  fe80::2', '}']);
  assert.deepEqual(mixed.r.vips, [{ address: '10.0.0.1' }]);
  assert.deepEqual(mixed.r.unicast_peers, []);
  assert.equal(mixed.codes.filter((c) => c === 'instance-family').length, 2);
  const g6 = one(vip6, ['global_defs {', '  vrrp_mcast_group6 ff02::99', '  vrrp_version 3', '}']);
  assert.equal(g6.r.mcast_group, 'ff02::99');
  const own = one(['mcast_dst_ip 224.0.0.77', ...vip4], ['global_defs {', '  vrrp_mcast_group4 224.0.0.99', '}']);
  assert.equal(own.r.mcast_group, '224.0.0.77');
});

test('effective version: instance version, else global vrrp_version, else 2; v3 without VIPs is an error', () => {
  assert.equal(one(vip4, ['global_defs {', '  vrrp_version 3', '}']).r.version, 3);
  assert.equal(one(['version 2', ...vip4], ['global_defs {', '  vrrp_version 3', '}']).r.version, 2);
  assert.ok(one(['version 3']).codes.includes('no-vip'));
  assert.ok(!one([]).codes.includes('no-vip'), 'v2 without VIPs is allowed');
  const strict6 = one(['version 2', 'strict_mode', ...vip6]);
  assert.equal(strict6.r.version, 3);
  assert.ok(strict6.codes.includes('version-fixed'));
});

test('advert_int follows the effective version: v2 rounds to whole seconds, v3 to 10 ms and at most 40.95', () => {
  const v2 = one(['advert_int 2.5', ...vip4]);
  assert.equal(v2.r.advert_int, 3);
  assert.match(v2.msgs.find((m) => /rounding/.test(m)) ?? '', /VRRPv2 advertisement interval 2\.5s must be whole seconds .*rounding to 3/);
  assert.equal(one(['advert_int 0.4', ...vip4]).r.advert_int, 1, 'keepalived never rounds to 0');
  const v3 = one(['version 3', 'advert_int 0.015', ...vip4]);
  assert.equal(v3.r.advert_int, 0.02);
  const big = one(['version 3', 'advert_int 45', ...vip4]);
  assert.equal(big.r.advert_int, 40.95);
  assert.ok(big.codes.includes('advert-int-fixed'));
  assert.ok(!one(['version 3', 'advert_int 0.25', ...vip4]).codes.includes('advert-int-fixed'));
  // Rounding to the nearest step never leaves the range: the top of each grid is a ceiling.
  assert.equal(fixAdvertInt(40.955, 3).value, 40.95);
  assert.equal(fixAdvertInt(255.6, 2).value, 255);
});

test('property: fixAdvertInt lands on the version grid, within range, within half a step of the input', () => {
  fc.assert(
    fc.property(fc.integer({ min: 10_000, max: 255_000_000 }), fc.constantFrom(2 as const, 3 as const), (us, version) => {
      const adv = us / 1e6;
      const { value, why } = fixAdvertInt(adv, version);
      const step = version === 2 ? 1 : 0.01;
      const max = version === 2 ? 255 : 40.95;
      assert.ok(value >= step && value <= max + 1e-9, `${adv} -> ${value}`);
      assert.ok(Math.abs(value / step - Math.round(value / step)) < 1e-6, `${value} not a multiple of ${step}`);
      if (adv <= max) assert.ok(Math.abs(value - adv) <= step / 2 + 1e-9 || value === step, `${adv} -> ${value}`);
      assert.equal(why === undefined, value === adv);
    }),
    { numRuns: 500 },
  );
});

test("keepalived's fixes are applied: nopreempt / preempt_delay with MASTER, priority 255 with nopreempt, delay with nopreempt", () => {
  const m = one(['state MASTER', 'priority 100', 'nopreempt', 'preempt_delay 5', ...vip4]);
  assert.deepEqual([m.r.preempt, m.r.preempt_delay], [true, 0]);
  assert.deepEqual(m.codes.filter((c) => /cleared/.test(c)), ['nopreempt-cleared', 'preempt-delay-cleared']);
  const o = one(['priority 255', 'nopreempt', ...vip4]);
  assert.equal(o.r.preempt, true);
  assert.match(o.msgs.find((x) => /255/.test(x)) ?? '', /nopreempt is incompatible with priority 255/);
  const b = one(['state BACKUP', 'nopreempt', 'preempt_delay 5', ...vip4]);
  assert.deepEqual([b.r.preempt, b.r.preempt_delay], [false, 0]);
  assert.ok(b.codes.includes('preempt-delay-cleared'));
});

test('strict mode (global vrrp_strict or strict_mode): owner state, no auth, no accept for v2, no GARP repeats, no unicast', () => {
  const s = one(
    ['state MASTER', 'priority 100', 'authentication {', '  auth_type PASS', '  auth_pass x', '}', 'accept', 'garp_lower_prio_repeat 3', 'lower_prio_no_advert off', 'higher_prio_send_advert', 'preempt_delay 2', ...vip4],
    ['global_defs {', '  vrrp_strict', '}'],
  );
  assert.deepEqual(
    [s.r.strict, s.r.state, s.r.auth, s.r.accept, s.r.garp.lower_prio_repeat, s.r.garp.lower_prio_delay, s.r.lower_prio_no_advert, s.r.higher_prio_send_advert, s.r.preempt_delay],
    [true, 'BACKUP', undefined, false, 0, 0, true, false, 0],
  );
  for (const c of ['state-fixed', 'auth-ignored', 'accept-reset', 'strict-reset']) assert.ok(s.codes.includes(c), c);
  const off = one(['strict_mode off', ...vip4], ['global_defs {', '  vrrp_strict', '}']);
  assert.equal(off.r.strict, false, 'the instance setting wins');
  assert.ok(one(['strict_mode', 'unicast_peer {', '  10.0.0.9', '}', ...vip4]).codes.includes('strict-unicast'));
});

test('authentication: v2 PASS kept; v3 ignores it; AH with IPv6 ignored; AH clears initial MASTER', () => {
  const auth = ['authentication {', '  auth_type PASS', '  auth_pass secret', '}'];
  assert.deepEqual(one([...auth, ...vip4]).r.auth, { type: 'PASS', pass: 'secret' });
  assert.equal(one(['version 3', ...auth, ...vip4]).r.auth, undefined);
  const ah = one(['state MASTER', 'priority 100', 'authentication {', '  auth_type AH', '  auth_pass k', '}', ...vip4]);
  assert.deepEqual([ah.r.auth?.type, ah.r.state], ['AH', 'BACKUP']);
});

test('inheritance: GARP, down timer, lower/higher prio adverts, smtp_alert and priority notifications come from global_defs', () => {
  const g = ['global_defs {', '  vrrp_garp_master_delay 9', '  vrrp_garp_master_repeat 2', '  vrrp_garp_interval 0.01', '  vrrp_gna_interval 0.02', '  vrrp_down_timer_adverts 4', '  vrrp_lower_prio_no_advert', '  vrrp_higher_prio_send_advert', '  smtp_alert_vrrp', '  vrrp_notify_priority_changes', '  vrrp_skip_check_adv_addr', '  vrrp_check_unicast_src', '}'];
  const a = one(vip4, g).r;
  assert.deepEqual(a.garp, { master_delay: 9, master_repeat: 2, master_refresh: 0, master_refresh_repeat: 1, lower_prio_delay: 9, lower_prio_repeat: 2, interval: 0.01, gna_interval: 0.02 });
  assert.deepEqual([a.down_timer_adverts, a.lower_prio_no_advert, a.higher_prio_send_advert, a.smtp_alert, a.notify_priority_changes, a.skip_check_adv_addr, a.check_unicast_src], [4, true, true, true, true, true, true]);
  const b = one(['garp_master_delay 1', 'garp_master_repeat 0', 'down_timer_adverts 6', 'smtp_alert off', 'lower_prio_no_advert off', ...vip4], g).r;
  assert.deepEqual([b.garp.master_delay, b.garp.master_repeat, b.down_timer_adverts, b.smtp_alert, b.lower_prio_no_advert], [1, 1, 6, false, false]);
});

test('tracking weights: script defaults, reverse, own interface ignored, address owner drops weighted tracks', () => {
  const before = ['vrrp_script s {', '  script /bin/true', '  weight -20 reverse', '}', 'vrrp_script z {', '  script /bin/true', '}', 'track_file f {', '  file /run/f', '}'];
  const r = one(['track_script {', '  s', '  z weight 4', '}', 'track_interface {', '  eth0', '  eth1 weight 3', '}', 'track_file {', '  f', '}', ...vip4], before).r;
  assert.deepEqual(r.track_scripts, [{ name: 's', weight: -20, reverse: true }, { name: 'z', weight: 4, reverse: false }]);
  assert.deepEqual(r.track_interfaces, [{ name: 'eth1', weight: 3, reverse: false }]);
  assert.deepEqual(r.track_files, [{ name: 'f', weight: 1, reverse: false }]);
  const owner = one(['priority 255', 'track_script {', '  s', '  z', '}', 'track_interface {', '  eth1 weight 3', '  eth2', '}', 'track_file {', '  f', '}', ...vip4], before);
  assert.deepEqual(owner.r.track_scripts, [{ name: 'z', weight: 0, reverse: false }]);
  assert.deepEqual(owner.r.track_interfaces, [{ name: 'eth2', weight: 0, reverse: false }]);
  assert.deepEqual(owner.r.track_files, [{ name: 'f', weight: 0, reverse: false }]);
  assert.ok(owner.msgs.some((x) => /ignoring tracked script s with weights due to address owner/.test(x)));
});

test('sync groups: members get tracking weights zeroed (interfaces, default file weight) or weighted tracks dropped, unless sync_group_tracking_weight', () => {
  const text = (extra: string) =>
    [
      'vrrp_script s {',
      '  script /bin/true',
      '  weight 10',
      '}',
      'track_file f {',
      '  file /run/f',
      '}',
      'track_file g {',
      '  file /run/g',
      '  weight 5',
      '}',
      'vrrp_sync_group SG {',
      '  group {',
      '    A',
      '    B',
      '  }',
      extra,
      '}',
      'vrrp_instance A {',
      '  interface eth0',
      '  virtual_router_id 1',
      '  track_script {',
      '    s',
      '  }',
      '  track_interface {',
      '    eth1 weight 7',
      '  }',
      '  track_file {',
      '    f',
      '    g',
      '  }',
      '}',
      'vrrp_instance B {',
      '  interface eth0',
      '  virtual_router_id 2',
      '}',
    ].join('\n');
  const zeroed = resolveVrrp(parse(text('')).model).instances[0] as ResolvedInstance;
  assert.deepEqual([zeroed.track_scripts, zeroed.track_interfaces, zeroed.track_files], [[], [{ name: 'eth1', weight: 0, reverse: false }], [{ name: 'f', weight: 0, reverse: false }]]);
  assert.equal(zeroed.sync_group, 'SG');
  const kept = resolveVrrp(parse(text('  sync_group_tracking_weight')).model).instances[0] as ResolvedInstance;
  assert.deepEqual(kept.track_scripts, [{ name: 's', weight: 10, reverse: false }]);
  assert.deepEqual(kept.track_interfaces, [{ name: 'eth1', weight: 7, reverse: false }]);
  assert.deepEqual(kept.track_files, [{ name: 'f', weight: 1, reverse: false }, { name: 'g', weight: 5, reverse: false }]);
  const sg = resolveVrrp(parse(text('')).model).sync_groups[0];
  assert.deepEqual([sg?.name, sg?.members, sg?.tracking_weight], ['SG', ['A', 'B'], false]);
});

test('sync groups: missing members are dropped with a warning; an instance in two groups stays in the first', () => {
  const p = parse(['vrrp_sync_group G1 {', '  group {', '    A', '    X', '  }', '}', 'vrrp_sync_group G2 {', '  group {', '    A', '    B', '  }', '}', 'vrrp_instance A {', '  interface eth0', '  virtual_router_id 1', '}', 'vrrp_instance B {', '  interface eth0', '  virtual_router_id 2', '}'].join('\n'));
  const res = resolveVrrp(p.model);
  assert.deepEqual(res.sync_groups.map((g) => [g.name, g.members]), [['G1', ['A']], ['G2', ['B']]]);
  assert.deepEqual(res.instances.map((i) => i.sync_group), ['G1', 'G2']);
  const codes = p.diagnostics.map((d) => `${d.loc?.line} ${d.code}`);
  assert.ok(codes.includes('2 unknown-reference'));
  assert.ok(codes.includes('8 sync-group-member'));
  assert.ok(codes.filter((c) => c.endsWith('sync-group-single')).length === 2);
});

test('unicast: peers, TTL checks turn on check_unicast_src, unicast_ttl without peers reset, VMAC with unicast gets xmit_base', () => {
  const u = one(['unicast_src_ip 10.0.0.1', 'unicast_ttl 5', 'use_vmac', 'unicast_peer {', '  10.0.0.2 min_ttl 250', '}', ...vip4]).r;
  assert.deepEqual([u.src_ip, u.unicast_ttl, u.check_unicast_src, u.use_vmac], ['10.0.0.1', 5, true, { xmit_base: true, addr: false }]);
  const none = one(['unicast_ttl 5', ...vip4]);
  assert.equal(none.r.unicast_ttl, undefined);
  assert.ok(none.codes.includes('unicast-ttl-reset'));
  assert.ok(one(['unicast_src_ip 10.0.0.1', ...vip4]).codes.includes('unicast-no-peers'));
});

test('routes resolve tracking (no dev or no_track: not tracked) and protocol 18; static addresses get the default interface', () => {
  const p = parse(['global_defs {', '  default_interface bond0', '}', 'static_ipaddress {', '  10.9.9.9/24', '}', 'vrrp_instance VI {', '  interface eth0', '  virtual_router_id 7', '  virtual_routes {', '    10.1.0.0/16 dev eth1 protocol 4', '    10.2.0.0/16 via 10.0.0.1', '    10.3.0.0/16 dev eth1 no_track protocol 4', '  }', '}'].join('\n'));
  const res = resolveVrrp(p.model);
  assert.deepEqual(res.instances[0]?.routes.map((r) => [r.track, r.protocol, r.family]), [[true, 18, 4], [false, undefined, 4], [false, 4, 4]]);
  assert.deepEqual(res.static.addresses, [{ address: '10.9.9.9', prefix: 24, dev: 'bond0' }]);
  assert.ok(p.diagnostics.some((d) => d.code === 'route-protocol-reset' && d.loc?.line === 11));
});
