// Namespace tests on the host kernel (nf_tables built in): RFC 5798 §6.4.3 Accept_Mode False. An lvsd pair
// with vrrp_strict and no `accept`: the master drops TCP to the VIP (nftables table inet lvsd) while it
// still answers ARP for it and VRRP runs; the backup's set is empty; after a SIGTERM failover the new
// master drops and the old one left no table; a stale table of a crashed run is replaced at start. With
// `accept` nothing is dropped and no table is made. Debian's keepalived 2.2.7 with the same configuration
// drops the same traffic (its `ip keepalived` table), as a yardstick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { vrrpPair, type VrrpLan } from '../lab/topologies.js';
import { Keepalived, keepalivedConf } from '../lab/keepalived.js';
import { waitFor } from '../lab/proc.js';
import { Lvsd, lvsdReady, macOf, neighbour } from './vrrp-support.js';

const TOOLS = ['ip', 'nft', 'bash', 'timeout'];
const VRID = 61;

function conf(topo: VrrpLan, d: number, priority: number, extra: string[] = []): string {
  return keepalivedConf({
    routerId: topo.directors[d]!.name,
    version: 3,
    globalDefs: ['vrrp_strict'],
    instances: [{ name: 'VI_1', iface: 'eth0', vrid: VRID, priority, advertInt: 0.1, vips: [`${topo.vip}/24 dev eth0`], extra }],
  });
}

/** TCP from the observer to port 80 of the VIP: 'refused' (an RST came back: the stack answered) or 'silent'. */
async function tcpToVip(topo: VrrpLan): Promise<'refused' | 'silent' | 'connected'> {
  const r = await topo.observer.exec(['timeout', '1', 'bash', '-c', `exec 3<>/dev/tcp/${topo.vip}/80`], { allowFail: true });
  return r.code === 0 ? 'connected' : r.code === 124 ? 'silent' : 'refused';
}

async function nft(h: Host, args: string): Promise<string> {
  const r = await h.exec(['nft', ...args.split(' ')], { allowFail: true });
  return r.stdout;
}

/** Elements of a set of lvsd's table ('' when the table or set is missing). */
async function vipsIn(h: Host, set = 'vips', table = 'inet lvsd'): Promise<string> {
  const out = await nft(h, `list set ${table} ${set}`);
  return /elements = \{ ([^}]*) \}/.exec(out)?.[1]?.trim() ?? '';
}

test('Accept_Mode False, lvsd pair (vrrp_strict, no accept): the master drops TCP to the VIP, answers ARP; failover moves the drop; SIGTERM leaves no table', async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-noaccept');
  const topo = await vrrpPair(lab, 23);
  const [d1, d2] = topo.directors as [Host, Host];
  // A table left by a crashed run (same name, something lvsd never makes): replaced at start.
  await d1.exec(['nft', '-f', '-'], { input: 'table inet lvsd { set stale { type ipv4_addr; elements = { 192.0.2.9 }; }; }\n' });
  const n1 = Lvsd.start(d1, conf(topo, 0, 150));
  const n2 = Lvsd.start(d2, conf(topo, 1, 100));
  await n1.waitForState('VI_1', 'MASTER', 10_000);
  await n2.waitForState('VI_1', 'BACKUP', 5000);
  await n1.waitForAddr(topo.vip, { timeoutMs: 3000 });
  assert.ok(await waitFor(async () => (await vipsIn(d1)) === topo.vip, 2000), `d1's set: ${await nft(d1, 'list ruleset')}`);
  const table1 = await nft(d1, 'list table inet lvsd');
  assert.doesNotMatch(table1, /stale|192\.0\.2\.9/, 'the stale table was replaced');
  assert.match(table1, /chain in \{\s+type filter hook input priority filter - 1; policy accept;/);
  assert.equal(await vipsIn(d2), '', "the backup's set is empty");

  assert.equal(await tcpToVip(topo), 'silent', 'TCP to the VIP on the master gets no answer');
  // ARP is not IP: the master still resolves the VIP for its neighbours.
  const mac1 = await macOf(d1);
  assert.ok(await waitFor(async () => (await neighbour(topo.observer, topo.vip))?.lladdr === mac1, 2000), `obs resolves the VIP to d1: ${JSON.stringify(await neighbour(topo.observer, topo.vip))}`);
  // The director itself still answers on its own address.
  const own = await topo.observer.exec(['timeout', '1', 'bash', '-c', `exec 3<>/dev/tcp/${topo.addrOf(d1)}/80`], { allowFail: true });
  assert.notEqual(own.code, 124, "TCP to d1's own address is answered (refused)");
  assert.equal(n1.state, 'MASTER', 'VRRP goes on');
  assert.equal(n2.state, 'BACKUP');

  // Failover by SIGTERM: d2 drops, d1 left nothing behind.
  const before = n2.transitions().length;
  const st = await n1.stop();
  assert.equal(st.code, 0, n1.proc.output());
  await n2.waitForState('VI_1', 'MASTER', 5000, before);
  await n2.waitForAddr(topo.vip, { timeoutMs: 3000 });
  assert.ok(await waitFor(async () => (await vipsIn(d2)) === topo.vip, 2000), `d2's set: ${await nft(d2, 'list ruleset')}`);
  assert.doesNotMatch(await nft(d1, 'list tables'), /lvsd/, 'SIGTERM deleted the table');
  assert.equal(await tcpToVip(topo), 'silent', 'the new master drops TCP to the VIP');
  const events = n1.events().map((e) => e.event);
  assert.ok(events.includes('vrrp.firewall') && events.includes('vrrp.firewall_table'), events.join(','));
  assert.equal((await n2.stop()).code, 0);
  assert.doesNotMatch(await nft(d2, 'list tables'), /lvsd/);
});

test('Accept_Mode True (`accept` with vrrp_strict): TCP to the VIP is answered and no table is made', async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-accept');
  const topo = await vrrpPair(lab, 24);
  const d1 = topo.directors[0]!;
  const n1 = Lvsd.start(d1, conf(topo, 0, 150, ['accept']));
  await n1.waitForState('VI_1', 'MASTER', 10_000);
  await n1.waitForAddr(topo.vip, { timeoutMs: 3000 });
  assert.equal(await tcpToVip(topo), 'refused', 'the master answers (RST) for the VIP');
  assert.doesNotMatch(await nft(d1, 'list tables'), /lvsd/);
  assert.equal((await n1.stop()).code, 0);
});

test('yardstick: keepalived 2.2.7 with the same configuration drops the same traffic and answers ARP', async (t) => {
  if (!lvsdReady(t, [...TOOLS, 'keepalived'])) return;
  const lab = Lab.forTest(t, 'ka-noaccept');
  const topo = await vrrpPair(lab, 25);
  const d1 = topo.directors[0]!;
  const ka = Keepalived.start(d1, conf(topo, 0, 150), { only: 'vrrp' });
  try {
    await ka.waitForState('VI_1', 'MASTER', 10_000);
    await d1.waitForAddr(topo.vip, { timeoutMs: 3000 });
    assert.ok(await waitFor(async () => (await vipsIn(d1, 'vips', 'ip keepalived')) === topo.vip, 2000), await nft(d1, 'list ruleset'));
    assert.equal(await tcpToVip(topo), 'silent', 'keepalived master: TCP to the VIP gets no answer');
    const mac1 = await macOf(d1);
    assert.ok(await waitFor(async () => (await neighbour(topo.observer, topo.vip))?.lladdr === mac1, 2000), 'keepalived master answers ARP');
  } finally {
    await ka.stop();
  }
  assert.doesNotMatch(await nft(d1, 'list tables'), /keepalived/);
});
