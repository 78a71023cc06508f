// Guest test (run inside UML by test/uml/vmac-ipvlan.test.ts; the host kernel has no ipvlan): an lvsd pair
// with use_ipvlan ADDRESS/24: each director makes an L2 ipvlan vrrp.51 with its address; the master holds
// the VIP on it and sends adverts from that address, the backup hears them on its own ipvlan; the
// observer reaches the VIP; SIGTERM removes both ipvlans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../../lab/netns.js';
import { vrrpPair, type VrrpLan } from '../../lab/topologies.js';
import { keepalivedConf } from '../../lab/keepalived.js';
import { waitFor } from '../../lab/proc.js';
import { holders, Lvsd, lvsdReady } from '../../ns/vrrp-support.js';
import { addrsOn, link, ping } from '../../ns/vmac-support.js';

const NO_IPVLAN = process.env.LVSD_IN_UML === '1' ? undefined : 'needs a kernel with ipvlan: runs inside UML via test/uml/vmac-ipvlan.test.js';

function conf(topo: VrrpLan, host: Host, priority: number, own: string): string {
  return keepalivedConf({
    routerId: host.name,
    version: 3,
    instances: [{ name: 'VI_1', iface: 'eth0', vrid: 51, priority, advertInt: 0.5, vips: [`${topo.vip}/24 dev eth0`], extra: [`use_ipvlan ${own}/24`] }],
  });
}

test('use_ipvlan: the VIP lives on the master L2 ipvlan; the backup hears the adverts on its own; SIGTERM removes them', { skip: NO_IPVLAN, timeout: 120_000 }, async (t) => {
  if (!lvsdReady(t, ['ip', 'python3'])) return;
  const lab = Lab.forTest(t, 'lvsd-ipvlan');
  const topo = await vrrpPair(lab, 63);
  const [d1, d2] = topo.directors as [Host, Host];
  const net = topo.vip.replace(/\.\d+$/, '');
  // d1 first, until it is master: started together, a slow start of d1 in UML (> Master_Down_Interval
  // after d2) lets d2 take over first and be preempted, which is correct but not what this test is about.
  const n1 = Lvsd.start(d1, conf(topo, d1, 150, `${net}.51`));
  await n1.waitForState('VI_1', 'MASTER', 30_000);
  const n2 = Lvsd.start(d2, conf(topo, d2, 100, `${net}.52`));
  await n2.waitForState('VI_1', 'BACKUP', 30_000);
  await n1.waitForAddr(topo.vip, { timeoutMs: 5000 });
  const l1 = await link(d1, 'vrrp.51');
  assert.deepEqual([l1?.kind, l1?.mode, l1?.flags.includes('UP')], ['ipvlan', 'l2', true]);
  assert.deepEqual((await addrsOn(d1, 'vrrp.51')).sort(), [`${net}.51`, topo.vip].sort());
  assert.ok(!(await addrsOn(d1, 'eth0')).includes(topo.vip));
  assert.deepEqual(await addrsOn(d2, 'vrrp.51'), [`${net}.52`]);
  // The backup stays backup: it hears the master's adverts (sent from the ipvlan's address) on its ipvlan.
  assert.ok(await waitFor(async () => (await holders(topo, topo.vip)).join() === 'd1', 5000));
  await new Promise((r) => setTimeout(r, 2000));
  assert.deepEqual(n2.transitions().map((e) => e.to), ['BACKUP']);
  const heard = n2.events().filter((e) => e.event === 'vrrp.drop');
  assert.deepEqual(heard, []);
  assert.equal(await ping(topo.observer, topo.vip), 3, 'ping to the VIP on the ipvlan');

  assert.equal((await n1.stop(15_000)).code, 0);
  await n2.waitForState('VI_1', 'MASTER', 10_000, 1);
  await n2.waitForAddr(topo.vip, { timeoutMs: 5000 });
  assert.ok((await addrsOn(d2, 'vrrp.51')).includes(topo.vip));
  assert.equal((await n2.stop(15_000)).code, 0);
  assert.equal(await link(d1, 'vrrp.51'), undefined);
  assert.equal(await link(d2, 'vrrp.51'), undefined);
});
