// Namespace tests on the host kernel: lvsd and Debian's keepalived 2.2.7 in one VRRP instance, both ways:
// keepalived master with lvsd backup (lvsd obeys its adverts and its priority 0), then lvsd master with
// keepalived backup (keepalived obeys lvsd's adverts and priority 0). For VRRPv2 with PASS
// authentication, VRRPv3 with advert_int 0.1, unicast peers, and IPv6 VRRPv3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { vrrpPair, type VrrpLan } from '../lab/topologies.js';
import { Keepalived, keepalivedConf } from '../lab/keepalived.js';
import { sleep } from '../lab/proc.js';
import { eventTime, holders, Lvsd, lvsdReady, vrrpLan6 } from './vrrp-support.js';
import { masterDownIntervalMs, skewTimeMs } from '../../src/vrrp/timers.js';

const TOOLS = ['ip', 'keepalived'];
const TOLERANCE_MS = Number(process.env.LVSD_TIMING_TOLERANCE_MS ?? 250);

interface Case {
  name: string;
  version: 2 | 3;
  advertInt: number;
  ipv6?: boolean;
  /** Extra instance lines for the node on director `i` of the topology. */
  extra: (topo: VrrpLan, self: Host, peer: Host) => string[];
}

const CASES: Case[] = [
  { name: 'VRRPv2, PASS authentication, advert_int 1', version: 2, advertInt: 1, extra: () => ['authentication {', '  auth_type PASS', '  auth_pass l4b-s3cr', '}'] },
  { name: 'VRRPv3, advert_int 0.1', version: 3, advertInt: 0.1, extra: () => [] },
  {
    name: 'VRRPv2 unicast peers',
    version: 2,
    advertInt: 1,
    extra: (topo, self, peer) => [`unicast_src_ip ${topo.addrOf(self)}`, 'unicast_peer {', `  ${topo.addrOf(peer)}`, '}'],
  },
  { name: 'IPv6 VRRPv3, advert_int 0.5', version: 3, advertInt: 0.5, ipv6: true, extra: () => [] },
];

function confFor(c: Case, topo: VrrpLan, self: Host, peer: Host, priority: number, vip: string, prefix: number): string {
  return keepalivedConf({
    routerId: self.name,
    version: c.version,
    instances: [{ name: 'VI_1', iface: 'eth0', vrid: 71, priority, advertInt: c.advertInt, vips: [`${vip}/${prefix} dev eth0`], extra: c.extra(topo, self, peer) }],
  });
}

/** keepalived's count of "Entering STATE" lines for VI_1. */
function kaEntered(k: Keepalived, state: string): number {
  return k.log().split('\n').filter((l) => l.includes(`(VI_1) Entering ${state} STATE`)).length;
}

for (const [i, c] of CASES.entries()) {
  test(`interop with keepalived 2.2.7, ${c.name}: keepalived master / lvsd backup, then lvsd master / keepalived backup`, async (t) => {
    if (!lvsdReady(t, TOOLS)) return;
    const lab = Lab.forTest(t, `lvsd-interop-${i}`);
    const topo = c.ipv6 ? await vrrpLan6(lab, 2, 40 + i) : await vrrpPair(lab, 40 + i);
    const vip = topo.vip;
    const prefix = c.ipv6 ? 64 : 24;
    const [d1, d2] = topo.directors as [Host, Host];
    const cs = c.advertInt * 100;
    const hold = 3 * masterDownIntervalMs(c.version, 100, cs);
    const bound = (prio: number) => skewTimeMs(c.version, prio, cs) + 100 + TOLERANCE_MS;

    // A. keepalived (150) is master; lvsd (100) must stay backup: it accepts keepalived's adverts.
    let ka = Keepalived.start(d1, confFor(c, topo, d1, d2, 150, vip, prefix), { only: 'vrrp', extraArgs: ['--dont-respawn'] });
    await ka.waitForState('VI_1', 'MASTER', 15_000);
    const lv = Lvsd.start(d2, confFor(c, topo, d2, d1, 100, vip, prefix));
    await lv.waitForState('VI_1', 'BACKUP', 10_000);
    await sleep(hold);
    assert.deepEqual(lv.transitions().map((e) => e.to), ['BACKUP'], 'lvsd stays BACKUP under a keepalived master');
    assert.deepEqual(await holders(topo, vip), ['d1']);
    const drops = lv.events().filter((e) => e.event === 'vrrp.drop');
    assert.deepEqual(drops, [], 'lvsd accepted every advert of keepalived');

    // B. keepalived stops: its priority 0 makes lvsd take over after Skew_Time.
    const tStop = Date.now();
    const kst = await ka.stop();
    assert.equal(kst.code, 0);
    const m = await lv.waitForState('VI_1', 'MASTER', 5000);
    const lvTook = eventTime(m) - tStop;
    await d2.waitForAddr(vip, { timeoutMs: 2000 });

    // C. keepalived comes back with priority 50: it must stay backup under lvsd's adverts.
    ka = Keepalived.start(d1, confFor(c, topo, d1, d2, 50, vip, prefix), { only: 'vrrp', extraArgs: ['--dont-respawn'] });
    await ka.waitForState('VI_1', 'BACKUP', 15_000);
    await sleep(3 * masterDownIntervalMs(c.version, 50, cs));
    assert.equal(kaEntered(ka, 'MASTER'), 0, `keepalived took MASTER under an lvsd master:\n${ka.log()}`);
    assert.deepEqual(await holders(topo, vip), ['d2']);

    // D. lvsd stops gracefully: keepalived takes over after Skew_Time (lvsd sent priority 0).
    const tStop2 = Date.now();
    const lst = await lv.stop();
    assert.equal(lst.code, 0, lv.proc.output());
    await ka.waitForState('VI_1', 'MASTER', 5000);
    const kaTook = Date.now() - tStop2;
    await d1.waitForAddr(vip, { timeoutMs: 2000 });
    assert.equal(await d2.hasAddr(vip), false, 'lvsd removed its VIP on stop');
    process.stderr.write(`# interop ${c.name}: lvsd took over from keepalived in ${lvTook} ms, keepalived from lvsd in ${kaTook} ms (Skew_Time ${skewTimeMs(c.version, 100, cs)} / ${skewTimeMs(c.version, 50, cs)} ms)\n`);
    assert.ok(lvTook <= bound(100), `lvsd took ${lvTook} ms after keepalived's SIGTERM`);
    // keepalived's log line is seen by this process a little after it is written: a looser bound.
    assert.ok(kaTook <= bound(50) + 200, `keepalived took ${kaTook} ms after lvsd's SIGTERM`);
    await ka.stop();
  });
}
