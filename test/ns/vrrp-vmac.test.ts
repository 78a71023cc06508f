// Namespace tests on the host kernel: use_vmac. An lvsd pair: the master's VIP on its vrrp.VRID macvlan
// with the virtual MAC, adverts and GARP from that MAC, keepalived's sysctls; the observer resolves the
// VIP to 00:00:5e:00:01:VRID before and after a takeover and pings it; a crashed node's stale VMAC is
// replaced when lvsd starts again; SIGTERM removes the VMACs. Then lvsd and Debian keepalived 2.2.7,
// both with use_vmac, fail over both ways; and vmac_xmit_base sends adverts from the base interface.
// (use_ipvlan needs an ipvlan kernel: test/uml/vmac-ipvlan.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { vrrpPair, type VrrpLan } from '../lab/topologies.js';
import { Keepalived, keepalivedConf } from '../lab/keepalived.js';
import { decodeEthernet, decodeIPv4 } from '../lab/pcap.js';
import { sleep, waitFor } from '../lab/proc.js';
import { holders, Lvsd, lvsdReady, macOf, neighbour } from './vrrp-support.js';
import { addrsOn, conf4, link, ping } from './vmac-support.js';

const TOOLS = ['ip', 'tcpdump', 'python3'];
const VRID = 51;
const VMAC = '00:00:5e:00:01:33';
const VIF = `vrrp.${VRID}`;

function conf(topo: VrrpLan, host: Host, priority: number, extra: string[] = ['use_vmac']): string {
  return keepalivedConf({
    routerId: host.name,
    version: 3,
    instances: [{ name: 'VI_1', iface: 'eth0', vrid: VRID, priority, advertInt: 0.2, vips: [`${topo.vip}/24 dev eth0`], extra }],
  });
}

async function touchVip(topo: VrrpLan): Promise<void> {
  await topo.observer.exec(['bash', '-c', `echo x > /dev/udp/${topo.vip}/9`], { allowFail: true });
}

test('lvsd pair with use_vmac: the VIP on vrrp.51 with the virtual MAC; the observer keeps 00:00:5e:00:01:33 across a takeover; stale VMAC replaced; SIGTERM removes the VMACs', async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-vmac');
  const topo = await vrrpPair(lab, 60);
  const [d1, d2] = topo.directors as [Host, Host];
  const cap = await topo.observer.capture('eth0', 'ip proto 112 or arp');
  let n1 = Lvsd.start(d1, conf(topo, d1, 150));
  const n2 = Lvsd.start(d2, conf(topo, d2, 100));
  await n1.waitForState('VI_1', 'MASTER', 10_000);
  await n2.waitForState('VI_1', 'BACKUP', 5000);
  assert.ok(await waitFor(async () => (await holders(topo, topo.vip)).join() === 'd1', 3000), `holders: ${await holders(topo, topo.vip)}`);

  // The master: a macvlan in private mode with the virtual MAC, up, holding the VIP (not eth0).
  const l1 = await link(d1, VIF);
  assert.deepEqual([l1?.address, l1?.kind, l1?.mode, l1?.flags.includes('UP')], [VMAC, 'macvlan', 'private', true]);
  assert.deepEqual(await addrsOn(d1, VIF), [topo.vip]);
  assert.ok(!(await addrsOn(d1, 'eth0')).includes(topo.vip));
  // The backup has its VMAC too (keepalived makes it at start), without the VIP.
  assert.equal((await link(d2, VIF))?.address, VMAC);
  assert.deepEqual(await addrsOn(d2, VIF), []);
  // keepalived's settings: VMAC arp_ignore 1, accept_local 1, rp_filter 0, no IPv6; base arp_ignore 1, arp_filter 1
  // (and lvsd's arp_announce 2, so an ARP request the base sends never names the VIP).
  assert.deepEqual(await conf4(d1, VIF, ['arp_ignore', 'accept_local', 'rp_filter', 'disable_ipv6']), { arp_ignore: '1', accept_local: '1', rp_filter: '0', disable_ipv6: '1' });
  assert.deepEqual(await conf4(d1, 'eth0', ['arp_ignore', 'arp_filter', 'arp_announce']), { arp_ignore: '1', arp_filter: '1', arp_announce: '2' });

  await touchVip(topo);
  if (!(await waitFor(async () => (await neighbour(topo.observer, topo.vip))?.lladdr === VMAC, 3000))) {
    const arp = (await cap.stop()).packets.map((p) => decodeEthernet(p.data)).filter((f) => f.etherType === 0x0806).map((f) => `${f.src}>${f.dst} op${f.payload.readUInt16BE(6)} sha ${[...f.payload.subarray(8, 14)].map((x) => x.toString(16)).join(':')} spa ${f.payload.subarray(14, 18).join('.')} tpa ${f.payload.subarray(24, 28).join('.')}`);
    assert.fail(`obs: ${JSON.stringify(await neighbour(topo.observer, topo.vip))}; d1 ${await macOf(d1)} d2 ${await macOf(d2)}; arp:\n${arp.join('\n')}\n${n1.proc.output().split('\n').filter((l) => /announce|vlink|garp/i.test(l)).slice(0, 20).join('\n')}`);
  }
  assert.equal(await ping(topo.observer, topo.vip), 3, 'ping to the VIP on d1');

  // d1 dies (its lvsd is killed, then its link goes down, as a machine crash): d2 takes over.
  const seen = n2.transitions().length;
  await n1.crash();
  await d1.ip(['link set eth0 down']);
  await n2.waitForState('VI_1', 'MASTER', 5000, seen);
  await n2.waitForAddr(topo.vip, { timeoutMs: 2000 });
  assert.deepEqual(await addrsOn(d2, VIF), [topo.vip]);
  const neigh = await neighbour(topo.observer, topo.vip);
  assert.equal(neigh?.lladdr, VMAC, 'the observer still resolves the VIP to the virtual MAC');
  assert.equal(await ping(topo.observer, topo.vip), 3, 'ping to the VIP on d2');
  assert.equal((await neighbour(topo.observer, topo.vip))?.lladdr, VMAC);
  const d1mac = await macOf(d1);
  const d2mac = await macOf(d2);

  // d1 comes back: lvsd replaces the stale vrrp.51 (with the crashed run's VIP) and stays backup.
  await d1.ip(['link set eth0 up']);
  assert.deepEqual(await addrsOn(d1, VIF), [topo.vip], 'the crash left the VIP on the stale VMAC');
  n1 = Lvsd.start(d1, conf(topo, d1, 50));
  await n1.waitForState('VI_1', 'BACKUP', 10_000);
  assert.ok(n1.events().some((e) => e.event === 'vrrp.vlink' && e.op === 'remove-stale'), 'the stale VMAC was removed');
  assert.equal((await link(d1, VIF))?.address, VMAC);
  assert.deepEqual(await addrsOn(d1, VIF), []);
  await sleep(600);
  assert.deepEqual(await holders(topo, topo.vip), ['d2']);

  // SIGTERM: both VMACs go; the base's ARP settings are put back.
  assert.equal((await n1.stop()).code, 0);
  assert.equal((await n2.stop()).code, 0);
  assert.equal(await link(d1, VIF), undefined);
  assert.equal(await link(d2, VIF), undefined);
  assert.deepEqual(await conf4(d2, 'eth0', ['arp_ignore', 'arp_filter', 'arp_announce']), { arp_ignore: '0', arp_filter: '0', arp_announce: '0' });

  // On the wire: adverts and GARP from the virtual MAC, never from the directors' own MACs.
  const frames = (await cap.stop()).packets.map((p) => decodeEthernet(p.data));
  const adverts = frames.filter((f) => f.etherType === 0x0800 && decodeIPv4(f.payload).protocol === 112);
  const garps = frames.filter((f) => f.etherType === 0x0806 && f.payload.readUInt16BE(6) === 1 && f.payload.subarray(14, 18).join('.') === topo.vip);
  const senders = new Set(adverts.map((f) => decodeIPv4(f.payload).src));
  assert.ok(adverts.length >= 5 && senders.has(topo.addrOf(d1)) && senders.has(topo.addrOf(d2)), `${adverts.length} adverts from ${[...senders].join(', ')}`);
  assert.deepEqual([...new Set(adverts.map((f) => f.src))], [VMAC]);
  assert.ok(garps.length >= 2, `${garps.length} GARPs for the VIP`);
  assert.deepEqual([...new Set(garps.map((f) => f.src))], [VMAC]);
  assert.ok(!adverts.some((f) => f.src === d1mac || f.src === d2mac));
});

test('vmac_xmit_base: adverts leave from the base interface (its MAC); the VIP is on the VMAC', async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-vmac-xb');
  const topo = await vrrpPair(lab, 61);
  const d1 = topo.directors[0]!;
  const cap = await topo.observer.capture('eth0', 'ip proto 112');
  const n1 = Lvsd.start(d1, conf(topo, d1, 150, ['use_vmac', 'vmac_xmit_base']));
  await n1.waitForState('VI_1', 'MASTER', 10_000);
  await n1.waitForAddr(topo.vip, { timeoutMs: 2000 });
  assert.deepEqual(await addrsOn(d1, VIF), [topo.vip]);
  await sleep(500);
  assert.equal((await n1.stop()).code, 0);
  assert.equal(await link(d1, VIF), undefined);
  const base = await macOf(d1);
  const frames = (await cap.stop()).packets.map((p) => decodeEthernet(p.data));
  assert.ok(frames.length >= 3, `${frames.length} adverts`);
  assert.deepEqual([...new Set(frames.map((f) => f.src))], [base]);
});

/** keepalived's count of "Entering STATE" lines for VI_1. */
function kaEntered(k: Keepalived, state: string): number {
  return k.log().split('\n').filter((l) => l.includes(`(VI_1) Entering ${state} STATE`)).length;
}

test('interop with keepalived 2.2.7, both with use_vmac: keepalived master / lvsd backup, then lvsd master / keepalived backup', async (t) => {
  if (!lvsdReady(t, [...TOOLS, 'keepalived'])) return;
  const lab = Lab.forTest(t, 'lvsd-vmac-ka');
  const topo = await vrrpPair(lab, 62);
  const [d1, d2] = topo.directors as [Host, Host];
  let ka = Keepalived.start(d1, conf(topo, d1, 150), { only: 'vrrp', extraArgs: ['--dont-respawn'] });
  await ka.waitForState('VI_1', 'MASTER', 10_000);
  assert.equal((await link(d1, VIF))?.address, VMAC, "keepalived's VMAC");
  const lv = Lvsd.start(d2, conf(topo, d2, 100));
  await lv.waitForState('VI_1', 'BACKUP', 10_000);
  await sleep(1500);
  assert.deepEqual(lv.transitions().map((e) => e.to), ['BACKUP'], 'lvsd stays BACKUP under a keepalived master (it hears adverts on its VMAC)');
  assert.deepEqual(lv.events().filter((e) => e.event === 'vrrp.drop'), []);
  assert.deepEqual(await holders(topo, topo.vip), ['d1']);

  // keepalived stops (priority 0): lvsd takes over on its VMAC.
  assert.equal((await ka.stop()).code, 0);
  await lv.waitForState('VI_1', 'MASTER', 3000);
  await lv.waitForAddr(topo.vip, { timeoutMs: 2000 });
  assert.deepEqual(await addrsOn(d2, VIF), [topo.vip]);
  await touchVip(topo);
  assert.ok(await waitFor(async () => (await neighbour(topo.observer, topo.vip))?.lladdr === VMAC, 3000));
  assert.equal(await ping(topo.observer, topo.vip), 3);

  // keepalived comes back with priority 50 and stays backup; lvsd stops: keepalived takes over.
  ka = Keepalived.start(d1, conf(topo, d1, 50), { only: 'vrrp', extraArgs: ['--dont-respawn'] });
  await ka.waitForState('VI_1', 'BACKUP', 10_000);
  await sleep(1500);
  assert.equal(kaEntered(ka, 'MASTER'), 0, `keepalived took MASTER under an lvsd master:\n${ka.log()}`);
  assert.equal((await lv.stop()).code, 0, lv.proc.output());
  await ka.waitForState('VI_1', 'MASTER', 3000);
  await d1.waitForAddr(topo.vip, { timeoutMs: 2000 });
  assert.equal(await link(d2, VIF), undefined, 'lvsd removed its VMAC');
  assert.equal(await ping(topo.observer, topo.vip), 3, 'ping to the VIP on keepalived');
  await ka.stop();
});
