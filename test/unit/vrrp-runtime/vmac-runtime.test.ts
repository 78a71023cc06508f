// Runtime tests over fakes: use_vmac / use_ipvlan. The VMAC is created, configured and up before the
// instance's socket opens; VIPs go on it; at stop it is deleted after the VIPs and the base interface's
// arp_ignore / arp_filter are put back; a stale VMAC is replaced, a foreign interface never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNode, conf, instance, stateOf, stopNode, world } from './harness.js';
import { masterDownIntervalMs } from '../../../src/vrrp/timers.js';
import { VrrpRuntimeError } from '../../../src/vrrp/runtime/errors.js';
import type { Ipv4DevConf, VirtualLinkInfo, VirtualLinkManager } from '../../../src/net/ports.js';

/** Records every request; holds links by name. */
class FakeVlinks implements VirtualLinkManager {
  readonly ops: string[] = [];
  readonly links = new Map<string, VirtualLinkInfo & { conf: Ipv4DevConf; v6off?: boolean; gen?: string }>();
  private next = 10;
  constructor() {
    this.links.set('eth0', { ifindex: 2, ifname: 'eth0', up: true, mac: '02:00:00:00:00:01', conf: { arp_ignore: 0, arp_filter: 0, rp_filter: 2 } });
  }
  async get(n: string) {
    const l = this.links.get(n);
    return l ? { ifindex: l.ifindex, ifname: l.ifname, up: l.up, ...(l.kind ? { kind: l.kind } : {}), ...(l.parent ? { parent: l.parent } : {}), ...(l.mac ? { mac: l.mac } : {}) } : undefined;
  }
  async createMacvlan(o: { name: string; base: string; mac: string }) {
    this.ops.push(`create macvlan ${o.name} on ${o.base} ${o.mac}`);
    if (this.links.has(o.name)) throw new Error('EEXIST');
    const l = { ifindex: this.next++, ifname: o.name, up: false, kind: 'macvlan', parent: this.links.get(o.base)!.ifindex, mac: o.mac, conf: {} };
    this.links.set(o.name, l);
    return l;
  }
  async createIpvlan(o: { name: string; base: string; flag: 'bridge' | 'private' | 'vepa' }) {
    this.ops.push(`create ipvlan ${o.name} on ${o.base} ${o.flag}`);
    const l = { ifindex: this.next++, ifname: o.name, up: false, kind: 'ipvlan', parent: this.links.get(o.base)!.ifindex, conf: {} };
    this.links.set(o.name, l);
    return l;
  }
  async remove(n: string) {
    this.ops.push(`remove ${n}`);
    return this.links.delete(n);
  }
  async setUp(n: string, up: boolean) {
    this.ops.push(`${up ? 'up' : 'down'} ${n}`);
    this.links.get(n)!.up = up;
  }
  async getIpv4Conf(n: string) {
    return { ...this.links.get(n)!.conf };
  }
  async setIpv4Conf(n: string, c: Ipv4DevConf) {
    this.ops.push(`conf ${n} ${JSON.stringify(c)}`);
    Object.assign(this.links.get(n)!.conf, c);
  }
  async setAddrGenModeNone(n: string) {
    this.ops.push(`addrgenmode none ${n}`);
  }
  async setIpv6Disabled(n: string, d: boolean) {
    this.ops.push(`disable_ipv6 ${n} ${d}`);
  }
}

const vi = (extra: string[]) => conf(instance('VI_1', ['interface eth0', 'virtual_router_id 51', 'priority 100', 'advert_int 1', ...extra, 'virtual_ipaddress {', '  10.0.0.100/24', '}']));

test('use_vmac: VMAC made and set up before the socket opens; VIP on it; deleted at stop, base settings restored', async () => {
  const w = world();
  const vl = new FakeVlinks();
  const a = addNode(w, 'a', '10.0.0.1', vi(['use_vmac']), { vlinks: vl });
  await a.node.start();
  assert.deepEqual(vl.ops, [
    'create macvlan vrrp.51 on eth0 00:00:5e:00:01:33',
    'conf vrrp.51 {"arp_ignore":1,"accept_local":1,"rp_filter":0,"promote_secondaries":1}',
    'conf eth0 {"arp_ignore":1,"arp_filter":1,"arp_announce":2}',
    'addrgenmode none vrrp.51',
    'disable_ipv6 vrrp.51 true',
    'up vrrp.51',
  ]);
  const sock = w.lan.sockets.find((s) => s.node === 'a')!;
  assert.equal(sock.ifname, 'vrrp.51');
  await w.clock.advance(masterDownIntervalMs(2, 100, 100) + 1);
  assert.equal(stateOf(a), 'MASTER');
  assert.ok(a.addrs.has('vrrp.51', '10.0.0.100'));
  assert.ok(!a.addrs.has('eth0', '10.0.0.100'));
  // GARP from the VMAC (its own hardware address is the virtual MAC).
  assert.ok(a.announcer.sent.some((g) => g.ifname === 'vrrp.51' && g.address === '10.0.0.100'));
  vl.ops.length = 0;
  await stopNode(w, a);
  assert.ok(!a.addrs.has('vrrp.51', '10.0.0.100'));
  assert.deepEqual(vl.ops, ['remove vrrp.51', 'conf eth0 {"arp_ignore":0,"arp_filter":0,"arp_announce":0}']);
  assert.ok(!vl.links.has('vrrp.51'));
  assert.deepEqual(a.of('vrrp.vlink').map((e) => `${e.op} ${e.ifname}`), ['create vrrp.51', 'remove vrrp.51']);
});

test('vmac_xmit_base: the socket is on the base interface, the VIP on the VMAC', async () => {
  const w = world();
  const vl = new FakeVlinks();
  const a = addNode(w, 'a', '10.0.0.1', vi(['use_vmac', 'vmac_xmit_base']), { vlinks: vl });
  await a.node.start();
  assert.equal(w.lan.sockets.find((s) => s.node === 'a')!.ifname, 'eth0');
  await w.clock.advance(masterDownIntervalMs(2, 100, 100) + 1);
  assert.ok(a.addrs.has('vrrp.51', '10.0.0.100'));
  await stopNode(w, a);
});

test('a stale VMAC of the same name on the same base is replaced; any other interface of that name stops the start', async () => {
  const w = world();
  const vl = new FakeVlinks();
  vl.links.set('vrrp.51', { ifindex: 7, ifname: 'vrrp.51', up: true, kind: 'macvlan', parent: 2, mac: '00:00:5e:00:01:33', conf: {} });
  const a = addNode(w, 'a', '10.0.0.1', vi(['use_vmac']), { vlinks: vl });
  await a.node.start();
  assert.deepEqual(vl.ops.slice(0, 2), ['remove vrrp.51', 'create macvlan vrrp.51 on eth0 00:00:5e:00:01:33']);
  assert.deepEqual(a.of('vrrp.vlink').map((e) => e.op), ['remove-stale', 'create']);
  await stopNode(w, a);

  const w2 = world();
  const vl2 = new FakeVlinks();
  vl2.links.set('vrrp.51', { ifindex: 7, ifname: 'vrrp.51', up: true, kind: 'veth', conf: {} });
  const b = addNode(w2, 'b', '10.0.0.2', vi(['use_vmac']), { vlinks: vl2 });
  await assert.rejects(b.node.start(), (e: unknown) => e instanceof VrrpRuntimeError && e.code === 'vlink_failed' && /not a macvlan on eth0/.test(e.message));
  assert.deepEqual(vl2.ops, []);
  assert.equal(vl2.links.get('vrrp.51')!.kind, 'veth');
  assert.equal(w2.lan.sockets.length, 0);
});

test('use_ipvlan: an L2 ipvlan with its address, then the VIP on it', async () => {
  const w = world();
  const vl = new FakeVlinks();
  const a = addNode(w, 'a', '10.0.0.1', vi(['use_ipvlan 10.0.0.51/24 private']), { vlinks: vl });
  await a.node.start();
  assert.deepEqual(vl.ops, ['create ipvlan vrrp.51 on eth0 private', 'addrgenmode none vrrp.51', 'disable_ipv6 vrrp.51 true', 'up vrrp.51']);
  assert.ok(a.addrs.has('vrrp.51', '10.0.0.51'));
  await w.clock.advance(masterDownIntervalMs(2, 100, 100) + 1);
  assert.ok(a.addrs.has('vrrp.51', '10.0.0.100'));
  assert.equal(w.lan.sentBy('a')[0]!.src, '10.0.0.51');
  await stopNode(w, a);
  assert.ok(!vl.links.has('vrrp.51'));
});
