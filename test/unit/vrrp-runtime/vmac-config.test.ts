// Pure tests: use_vmac / use_ipvlan in the runtime configuration (keepalived's names, MACs and where the
// VIPs and adverts go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFrom, conf, instance } from './harness.js';
import { virtualMac } from '../../../src/vrrp/from-config.js';

const v4 = (extra: string[], vrid = 51, name = 'VI_1') => instance(name, ['interface eth0', `virtual_router_id ${vrid}`, ...extra, 'virtual_ipaddress {', '  10.0.0.100/24', '  10.0.0.101/24 dev eth0', '  10.9.0.1/24 dev eth1', '}']);
const v6 = (extra: string[], vrid = 52) => instance('VI_6', ['interface eth0', `virtual_router_id ${vrid}`, ...extra, 'virtual_ipaddress {', '  fd00::100/64', '}']);
const IFS = { eth0: { ipv4: '10.0.0.1', ipv6LinkLocal: 'fe80::1' }, eth1: { ipv4: '10.9.0.2' } };

test('RFC 5798 §7.3 virtual router MACs', () => {
  assert.equal(virtualMac(51, 'ipv4'), '00:00:5e:00:01:33');
  assert.equal(virtualMac(1, 'ipv6'), '00:00:5e:00:02:01');
  assert.equal(virtualMac(255, 'ipv4'), '00:00:5e:00:01:ff');
});

test('use_vmac: VMAC vrrp.VRID on the interface; adverts on it from the base address; the VIPs of the interface go on it', () => {
  const { config, issues } = configFrom(conf(v4(['use_vmac'])), IFS);
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  const i = config.instances[0]!;
  assert.deepEqual(i.vlink, { kind: 'macvlan', name: 'vrrp.51', base: 'eth0', family: 'ipv4', mac: '00:00:5e:00:01:33', xmitBase: false });
  assert.equal(i.ifname, 'vrrp.51');
  assert.equal(i.core.primaryAddress, '10.0.0.1');
  assert.deepEqual(i.vips.map((a) => `${a.address}@${a.ifname}`), ['10.0.0.100@vrrp.51', '10.0.0.101@vrrp.51', '10.9.0.1@eth1']);
  // The base interface is what is tracked (the VMAC follows it).
  assert.deepEqual(i.trackInterfaces.map((t) => t.name), ['eth0']);
});

test('use_vmac NAME MAC, vmac_xmit_base, vmac_prefix', () => {
  const a = configFrom(conf(v4(['use_vmac vmac51 02:00:5e:00:01', 'vmac_xmit_base'])), IFS).config.instances[0]!;
  assert.deepEqual([a.vlink?.name, a.vlink?.mac, a.vlink?.xmitBase, a.ifname], ['vmac51', '02:00:5e:00:01:33', true, 'eth0']);
  assert.deepEqual(a.vips.map((x) => x.ifname), ['vmac51', 'vmac51', 'eth1']);
  const b = configFrom(conf(v4(['use_vmac']), ['vmac_prefix vr']), IFS).config.instances[0]!;
  assert.equal(b.vlink?.name, 'vr.51');
});

test('IPv6 use_vmac: MAC 00:00:5e:00:02:VRID, the base link-local goes on the VMAC as the advert source', () => {
  const i = configFrom(conf(v6(['use_vmac'])), IFS).config.instances[0]!;
  assert.deepEqual(i.vlink, { kind: 'macvlan', name: 'vrrp.52', base: 'eth0', family: 'ipv6', mac: '00:00:5e:00:02:34', xmitBase: false, linkLocal: 'fe80::1' });
  assert.equal(i.core.primaryAddress, 'fe80::1');
  assert.deepEqual(i.vips.map((a) => a.ifname), ['vrrp.52']);
});

test('use_ipvlan NAME ADDRESS/PREFIX MODE: an L2 ipvlan carrying the VIPs; IPv4 adverts from its address', () => {
  const i = configFrom(conf(v4(['use_ipvlan ipv51 10.0.0.51/24 private'])), IFS).config.instances[0]!;
  assert.deepEqual(i.vlink, { kind: 'ipvlan', name: 'ipv51', base: 'eth0', family: 'ipv4', ipvlanFlag: 'private', address: { address: '10.0.0.51', prefix: 24 }, xmitBase: false });
  assert.equal(i.ifname, 'ipv51');
  assert.equal(i.core.primaryAddress, '10.0.0.51');
  assert.deepEqual(i.vips.map((a) => a.ifname), ['ipv51', 'ipv51', 'eth1']);
  const d = configFrom(conf(v4(['use_ipvlan 10.0.0.51/24'])), IFS).config.instances[0]!;
  assert.deepEqual([d.vlink?.name, d.vlink?.ipvlanFlag], ['vrrp.51', 'bridge']);
});

test('two instances whose VMACs would share a name: refused; use_vmac_addr is warned about', () => {
  const r = configFrom(conf(v4(['use_vmac']) + instance('VI_2', ['interface eth1', 'virtual_router_id 51', 'use_vmac', 'virtual_ipaddress {', '  10.9.0.5/24', '}'])), IFS);
  assert.deepEqual(r.issues.filter((i) => i.severity === 'error').map((i) => i.code), ['vmac-name-clash']);
  const w = configFrom(conf(v4(['use_vmac', 'use_vmac_addr'])), IFS);
  assert.ok(w.issues.some((i) => i.severity === 'warning' && /use_vmac_addr is not supported/.test(i.message)));
});
