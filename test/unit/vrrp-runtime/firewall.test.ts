// Unit tests of Accept_Mode False in the VRRP runtime (RFC 5798 §6.4.3): which instances drop traffic to
// their VIPs (vrrp_strict / no_accept, not the address owner, not `accept`), the table options from
// global_defs, and the VIP controller's order (drop sets before the first address, after the last one on
// release), failures as vrrp.error, over in-memory fakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vrrpBus, type VrrpEvents } from '../../../src/events/vrrp.js';
import type { AddressManager, FirewallVip, VipFirewall } from '../../../src/net/ports.js';
import { VipController } from '../../../src/vrrp/runtime/vips.js';
import { configFrom, conf, instance } from './harness.js';
import { FakeAddresses, FakeClock } from './fakes.js';

const LINES = ['state MASTER', 'interface eth0', 'virtual_router_id 51', 'priority 150', 'advert_int 1', 'virtual_ipaddress {', '10.0.0.100/24', '10.0.0.101/24', '}'];

class FakeFirewall implements VipFirewall {
  readonly set = new Set<string>();
  failAdd = false;
  constructor(private readonly log: string[]) {}
  async start(vips: readonly FirewallVip[]): Promise<void> {
    this.set.clear();
    for (const v of vips) this.set.add(v.address);
  }
  async add(vips: readonly FirewallVip[]): Promise<void> {
    await Promise.resolve();
    this.log.push(`+drop ${vips.map((v) => v.address).join(',')}`);
    if (this.failAdd) throw new Error('EOPNOTSUPP');
    for (const v of vips) this.set.add(v.address);
  }
  async remove(vips: readonly FirewallVip[]): Promise<void> {
    await Promise.resolve();
    this.log.push(`-drop ${vips.map((v) => v.address).join(',')}`);
    for (const v of vips) this.set.delete(v.address);
  }
  async stop(): Promise<void> {
    this.set.clear();
  }
}

test('from-config: vrrp_strict without accept drops; accept, no_accept off and the address owner do not; the table comes from global_defs', () => {
  const base = configFrom(conf(instance('VI_1', LINES)));
  assert.equal(base.config.instances[0]!.dropVips, false, 'keepalived default: accept unless strict');
  assert.equal(base.config.firewall, undefined);
  const strict = configFrom(conf(instance('VI_1', LINES), ['vrrp_strict']));
  assert.equal(strict.config.instances[0]!.dropVips, true);
  assert.deepEqual(strict.config.firewall, { table: 'lvsd', priority: -1, counters: false });
  assert.doesNotMatch(JSON.stringify(strict.issues), /not-enforced|firewall/);
  const noAccept = configFrom(conf(instance('VI_1', [...LINES, 'no_accept']), ['nftables vrrpfw', 'nftables_priority 7', 'nftables_counters']));
  assert.equal(noAccept.config.instances[0]!.dropVips, true);
  assert.deepEqual(noAccept.config.firewall, { table: 'vrrpfw', priority: 7, counters: true });
  const accept = configFrom(conf(instance('VI_1', [...LINES, 'accept']), ['vrrp_strict', 'vrrp_version 3']));
  assert.equal(accept.config.instances[0]!.dropVips, false);
  assert.equal(accept.config.firewall, undefined, 'no instance drops: no table');
  // keepalived: `accept` is reset under vrrp_strict for VRRPv2 (RFC 3768 has no Accept_Mode), so it drops.
  const v2 = configFrom(conf(instance('VI_1', [...LINES, 'accept']), ['vrrp_strict']));
  assert.equal(v2.config.instances[0]!.dropVips, true);
  const owner = configFrom(conf(instance('VI_1', LINES.map((l) => (l === 'priority 150' ? 'priority 255' : l))), ['vrrp_strict']));
  assert.equal(owner.config.instances[0]!.dropVips, false, 'the address owner accepts (RFC 5798 §6.4.3)');
});

test('VipController: the VIPs enter the drop sets before the first address and leave after the last; a failure is a vrrp.error and the VIPs still go up', async () => {
  const log: string[] = [];
  const fa = new FakeAddresses(new FakeClock());
  const am: AddressManager = {
    add: (a) => fa.add(a).then((c) => (log.push(`+vip ${a.address}`), c)),
    remove: (a) => fa.remove(a).then((c) => (log.push(`-vip ${a.address}`), c)),
    list: (n) => fa.list(n),
  };
  const bus = vrrpBus();
  const errors: VrrpEvents['vrrp.error'][] = [];
  const fwEvents: VrrpEvents['vrrp.firewall'][] = [];
  bus.on('vrrp.error', (e) => errors.push(e));
  bus.on('vrrp.firewall', (e) => fwEvents.push(e));
  const specs = [
    { ifname: 'eth0', address: '10.0.0.100', prefix: 24 },
    { ifname: 'eth0', address: '10.0.0.101', prefix: 24 },
  ];
  const fw = new FakeFirewall(log);
  const vc = new VipController('VI_1', specs, am, bus);
  vc.useFirewall(fw);
  await vc.add();
  assert.deepEqual(log, ['+drop 10.0.0.100,10.0.0.101', '+vip 10.0.0.100', '+vip 10.0.0.101']);
  assert.deepEqual([...fw.set], ['10.0.0.100', '10.0.0.101']);
  await vc.add(); // already dropping: not sent again
  assert.equal(log.filter((l) => l.startsWith('+drop')).length, 1);
  log.length = 0;
  await vc.remove();
  assert.deepEqual(log, ['-vip 10.0.0.100', '-vip 10.0.0.101', '-drop 10.0.0.100,10.0.0.101']);
  assert.equal(fw.set.size, 0);
  assert.deepEqual(fwEvents.map((e) => e.op), ['add', 'remove']);

  log.length = 0;
  fw.failAdd = true;
  await vc.add();
  assert.deepEqual(log, ['+drop 10.0.0.100,10.0.0.101', '+vip 10.0.0.100', '+vip 10.0.0.101']);
  assert.deepEqual(errors.map((e) => e.code), ['firewall_add_failed']);
  log.length = 0;
  await vc.remove();
  assert.deepEqual(log, ['-vip 10.0.0.100', '-vip 10.0.0.101'], 'nothing to take out of the sets');
});
