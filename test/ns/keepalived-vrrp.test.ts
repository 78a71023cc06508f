// Namespace tests on the host kernel: Debian's keepalived as the reference VRRP peer in the lab's
// vrrp-pair and vrrp-trio topologies (election, crash failover timing, graceful handover, adverts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../lab/netns.js';
import { vrrpPair, vrrpTrio, type VrrpLan } from '../lab/topologies.js';
import { Keepalived, keepalivedConf } from '../lab/keepalived.js';
import { ipv4Packets } from '../lab/pcap.js';
import { peekVrrp } from '../lab/vrrp-peek.js';
import { sleep } from '../lab/proc.js';
import { requireRoot } from '../util/env.js';

const TOOLS = ['ip', 'keepalived', 'tcpdump'];
const VRID = 51;
const ADVERT_INT = 1;

function startPeers(topo: VrrpLan, priorities: number[]): Keepalived[] {
  return topo.directors.map((d, i) =>
    Keepalived.start(
      d,
      keepalivedConf({
        routerId: d.name,
        instances: [{ name: 'VI_1', iface: 'eth0', vrid: VRID, priority: priorities[i]!, advertInt: ADVERT_INT, vips: [`${topo.vip}/24 dev eth0`] }],
      }),
      { only: 'vrrp', extraArgs: ['--dont-respawn'] },
    ),
  );
}

/** Which directors hold the VIP right now. */
async function holders(topo: VrrpLan): Promise<string[]> {
  const has = await Promise.all(topo.directors.map((d) => d.hasAddr(topo.vip)));
  return topo.directors.filter((_, i) => has[i]).map((d) => d.name);
}

test('vrrp-pair: keepalived elects the higher priority; a crash moves the VIP within 3 x advert_int + skew', async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'vrrp-pair');
  const topo = await vrrpPair(lab);
  const [d1, d2] = topo.directors as [typeof topo.directors[0], typeof topo.directors[0]];
  const cap = await topo.observer.capture('eth0', 'ip proto 112');
  const t0 = performance.now();
  const [k1] = startPeers(topo, [150, 100]);
  await d1.waitForAddr(topo.vip, { timeoutMs: 12_000 });
  const electedMs = performance.now() - t0;
  assert.deepEqual(await holders(topo), ['d1']);
  // Let a few adverts of the master reach the observer, then crash it.
  await sleep(1100);
  assert.deepEqual(await holders(topo), ['d1']);
  const tKill = performance.now();
  await k1!.crash();
  await d2.waitForAddr(topo.vip, { timeoutMs: 10_000, intervalMs: 10 });
  const takeoverMs = performance.now() - tKill;
  await sleep(400); // the new master's first adverts
  const file = await cap.stop();

  // RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256; Master_Down_Interval = 3 * Advert + Skew.
  const skew = (256 - 100) / 256;
  const masterDown = (3 * ADVERT_INT + skew) * 1000;
  t.diagnostic(`first election ${electedMs.toFixed(0)} ms; takeover after SIGKILL of the master's group ${takeoverMs.toFixed(0)} ms (Master_Down_Interval ${masterDown.toFixed(0)} ms)`);
  process.stderr.write(`# vrrp-pair: election ${electedMs.toFixed(0)} ms, crash takeover ${takeoverMs.toFixed(0)} ms (bound ${masterDown.toFixed(0)} ms + 700 ms)\n`);
  // The backup heard its last advert at most one Advertisement_Interval before the kill.
  assert.ok(takeoverMs >= masterDown - ADVERT_INT * 1000 - 200, `takeover too early: ${takeoverMs.toFixed(0)} ms`);
  assert.ok(takeoverMs <= masterDown + 700, `takeover too late: ${takeoverMs.toFixed(0)} ms`);
  // A hard kill leaves the VIP on the dead node (keepalived could not remove it).
  assert.deepEqual(await holders(topo), ['d1', 'd2']);

  const adverts = ipv4Packets(file).filter((p) => p.protocol === 112);
  const from = (addr: string) => adverts.filter((p) => p.src === addr);
  assert.ok(from(topo.addrOf(d1)).length >= 2, `adverts from d1: ${from(topo.addrOf(d1)).length}`);
  assert.ok(from(topo.addrOf(d2)).length >= 1, `adverts from d2: ${from(topo.addrOf(d2)).length}`);
  for (const p of adverts) {
    assert.equal(p.dst, '224.0.0.18');
    assert.equal(p.ttl, 255); // RFC 3768 §5.2.3 / RFC 5798 §5.1.1.3
    const v = peekVrrp(p.payload);
    assert.deepEqual({ version: v?.version, type: v?.type, vrid: v?.vrid }, { version: 2, type: 1, vrid: VRID });
    assert.equal(v?.priority, p.src === topo.addrOf(d1) ? 150 : 100);
  }
});

test('vrrp-trio: the highest of three wins; a graceful stop (priority 0) hands over to the next within skew', async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'vrrp-trio');
  const topo = await vrrpTrio(lab, 1);
  const [d1, d2, d3] = topo.directors as [typeof topo.directors[0], typeof topo.directors[0], typeof topo.directors[0]];
  const cap = await topo.observer.capture('eth0', 'ip proto 112');
  const peers = startPeers(topo, [120, 150, 100]);
  await d2.waitForAddr(topo.vip, { timeoutMs: 12_000 });
  await sleep(300);
  assert.deepEqual(await holders(topo), ['d2']);
  const tStop = performance.now();
  const stopping = peers[1]!.stop();
  await d1.waitForAddr(topo.vip, { timeoutMs: 5000, intervalMs: 10 });
  const handoverMs = performance.now() - tStop;
  const st = await stopping;
  assert.equal(st.code, 0, `keepalived exit: ${JSON.stringify(st)}\n${peers[1]!.log()}`);
  await sleep(300);
  const file = await cap.stop();
  process.stderr.write(`# vrrp-trio: handover after SIGTERM ${handoverMs.toFixed(0)} ms\n`);
  t.diagnostic(`handover after SIGTERM of the master: ${handoverMs.toFixed(0)} ms`);
  // A graceful stop removes the VIP and sends priority 0 (RFC 3768 §6.4.3), so the next backup
  // waits only Skew_Time = (256 - 120) / 256 s, not three intervals.
  assert.ok(handoverMs < 2000, `handover took ${handoverMs.toFixed(0)} ms`);
  assert.deepEqual(await holders(topo), ['d1']);
  assert.equal(await d3.hasAddr(topo.vip), false);
  const fromD2 = ipv4Packets(file).filter((p) => p.protocol === 112 && p.src === topo.addrOf(d2)).map((p) => peekVrrp(p.payload)?.priority);
  assert.ok(fromD2.includes(150) && fromD2.at(-1) === 0, `d2 priorities seen: ${fromD2.join(',')}`);
});
