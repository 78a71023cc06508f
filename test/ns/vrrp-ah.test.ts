// Namespace tests on the host kernel: VRRPv2 auth_type AH (IPsec AH, protocol 51, HMAC-MD5-96). An lvsd
// pair elects and fails over on a crash while a peer with another auth_pass is dropped and
// counted (auth_failure) without disturbing it; lvsd and Debian's keepalived 2.2.7 interoperate both
// ways (elect, take over on a crash, recover), each accepting the other's AH adverts and numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, type Host } from '../lab/netns.js';
import { vrrpPair, vrrpTrio, type VrrpLan } from '../lab/topologies.js';
import { Keepalived, keepalivedConf } from '../lab/keepalived.js';
import { sleep } from '../lab/proc.js';
import { eventTime, Lvsd, lvsdReady, type LogEvent } from './vrrp-support.js';
import { masterDownIntervalMs } from '../../src/vrrp/timers.js';
import { ipv4Packets } from '../lab/pcap.js';

const TOOLS = ['ip', 'keepalived', 'tcpdump'];
const TOLERANCE_MS = Number(process.env.LVSD_TIMING_TOLERANCE_MS ?? 250);

function confFor(topo: VrrpLan, self: Host, priority: number, pass: string): string {
  return keepalivedConf({
    routerId: self.name,
    instances: [{ name: 'VI_1', iface: 'eth0', vrid: 73, priority, advertInt: 1, vips: [`${topo.vip}/24 dev eth0`], extra: ['authentication {', '  auth_type AH', `  auth_pass ${pass}`, '}'] }],
  });
}

/** The last value of a per-instance counter the node logged (log level trace). */
const counter = (lv: Lvsd, name: string): number =>
  Math.max(0, ...lv.events().filter((e) => e.event === 'vrrp.counter' && e.counter === name).map((e) => Number(e.value)));
const drops = (lv: Lvsd, counter?: string): LogEvent[] => lv.events().filter((e) => e.event === 'vrrp.drop' && (counter === undefined || e.counter === counter));

test('lvsd AH pair: elects and fails over on a crash; a peer with another auth_pass is counted (auth_failure) and ignored', async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-ah-pair');
  const topo = await vrrpTrio(lab, 56);
  const [d1, d2, d3] = topo.directors as [Host, Host, Host];
  const cap = await topo.observer.capture('eth0', 'ip proto 51 or ip proto 112');
  // trace: every counter change is logged (repeated drop warnings are not).
  const a = Lvsd.start(d1, confFor(topo, d1, 150, 'ah-k3y'), { logLevel: 'trace' });
  const b = Lvsd.start(d2, confFor(topo, d2, 100, 'ah-k3y'), { logLevel: 'trace' });
  await a.waitForState('VI_1', 'MASTER', 15_000);
  await b.waitForState('VI_1', 'BACKUP', 5000);
  // A router with a higher priority and another password: its adverts fail the ICV at both nodes.
  // (An lvsd: a keepalived master that keeps hearing adverts it cannot verify sends few of its own.)
  const intruder = Lvsd.start(d3, confFor(topo, d3, 200, 'wrong'), { logLevel: 'trace' });
  await intruder.waitForState('VI_1', 'MASTER', 15_000); // it hears nothing valid either
  await sleep(3500);
  assert.deepEqual(a.transitions().map((e) => e.to), ['BACKUP', 'MASTER'], 'the intruder did not move lvsd');
  assert.deepEqual(b.transitions().map((e) => e.to), ['BACKUP']);
  const fa = counter(a, 'auth_failure');
  const fb = counter(b, 'auth_failure');
  assert.ok(fa >= 3 && fb >= 3, `auth_failure: d1 ${fa}, d2 ${fb}`);
  assert.ok(drops(b).every((e) => e.src === topo.addrOf(d3)), 'only the intruder was dropped');
  assert.match(String(drops(b, 'auth_failure')[0]!.message), /invalid HMAC-MD5 ICV/);
  assert.ok(counter(intruder, 'auth_failure') >= 3, 'the intruder drops theirs too');
  await intruder.crash();
  await d3.exec(['ip', 'addr', 'del', `${topo.vip}/24`, 'dev', 'eth0'], { allowFail: true }); // a crash leaves the VIP

  // SIGKILL of the master: the backup takes over within Master_Down_Interval.
  const before = b.transitions().length;
  const tKill = Date.now();
  await a.crash();
  const m = await b.waitForState('VI_1', 'MASTER', 6000, before);
  const took = eventTime(m) - tKill;
  const mdi = masterDownIntervalMs(2, 100, 100);
  process.stderr.write(`# lvsd AH pair: takeover after SIGKILL ${took} ms (Master_Down_Interval ${mdi} ms)\n`);
  assert.ok(took <= mdi + 100 + TOLERANCE_MS, `takeover took ${took} ms`);
  await b.waitForAddr(topo.vip, { timeoutMs: 2000 });
  await sleep(1200);
  const file = await cap.stop();
  // On the wire: protocol 51 only from lvsd, sequence numbers rising per sender, d2 continuing above d1.
  const seqOf = (src: string) => ipv4Packets(file).filter((p) => p.protocol === 51 && p.src === src).map((p) => p.payload.readUInt32BE(8));
  const s1 = seqOf(topo.addrOf(d1));
  const s2 = seqOf(topo.addrOf(d2));
  assert.equal(ipv4Packets(file).filter((p) => p.protocol === 112).length, 0);
  assert.ok(s1.length >= 3 && s2.length >= 1, `d1 ${s1.join(',')} d2 ${s2.join(',')}`);
  assert.deepEqual(s1, s1.map((_, n) => n + 1));
  assert.equal(s2[0], s1.at(-1)! + 1, `d2 continues from d1's last number: d1 ${s1.join(',')} d2 ${s2.join(',')}`);
  await b.stop();
});

test('interop with keepalived 2.2.7, AH: keepalived master / lvsd backup, crash, lvsd master / keepalived backup, crash, recovery', async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-ah-interop');
  const topo = await vrrpPair(lab, 57);
  const [d1, d2] = topo.directors as [Host, Host];
  const mdi = (prio: number) => masterDownIntervalMs(2, prio, 100);

  // A. keepalived (150) master; lvsd (100) backup accepts its AH adverts.
  let ka = Keepalived.start(d1, confFor(topo, d1, 150, 'in7erop'), { only: 'vrrp', extraArgs: ['--dont-respawn'] });
  await ka.waitForState('VI_1', 'MASTER', 15_000);
  let lv = Lvsd.start(d2, confFor(topo, d2, 100, 'in7erop'));
  await lv.waitForState('VI_1', 'BACKUP', 10_000);
  await sleep(2500);
  assert.deepEqual(lv.transitions().map((e) => e.to), ['BACKUP']);
  assert.deepEqual(drops(lv), [], 'lvsd accepted every AH advert of keepalived');

  // B. keepalived crashes: lvsd takes over within Master_Down_Interval.
  let t0 = Date.now();
  await ka.crash();
  await d1.exec(['ip', 'addr', 'del', `${topo.vip}/24`, 'dev', 'eth0'], { allowFail: true });
  const m1 = await lv.waitForState('VI_1', 'MASTER', 6000);
  const lvTook = eventTime(m1) - t0;
  assert.ok(lvTook <= mdi(100) + 100 + TOLERANCE_MS, `lvsd took ${lvTook} ms`);

  // C. keepalived comes back with priority 50: it accepts lvsd's AH adverts and stays backup.
  ka = Keepalived.start(d1, confFor(topo, d1, 50, 'in7erop'), { only: 'vrrp', extraArgs: ['--dont-respawn'] });
  await ka.waitForState('VI_1', 'BACKUP', 15_000);
  await sleep(mdi(50) + 500);
  assert.ok(!/Entering MASTER STATE/.test(ka.log()), `keepalived took MASTER under an lvsd master:\n${ka.log().slice(-1500)}`);
  assert.ok(!/IPSEC-AH/.test(ka.log()), `keepalived refused lvsd's AH:\n${ka.log().slice(-1500)}`);

  // D. lvsd crashes: keepalived takes over.
  t0 = Date.now();
  await lv.crash();
  await d2.exec(['ip', 'addr', 'del', `${topo.vip}/24`, 'dev', 'eth0'], { allowFail: true });
  await ka.waitForState('VI_1', 'MASTER', 8000);
  const kaTook = Date.now() - t0;

  // E. lvsd (100) recovers: it accepts keepalived's numbers, then preempts the priority 50 master.
  lv = Lvsd.start(d2, confFor(topo, d2, 100, 'in7erop'));
  await lv.waitForState('VI_1', 'MASTER', 10_000);
  await lv.waitForAddr(topo.vip, { timeoutMs: 2000 });
  await sleep(1500);
  assert.equal(lv.state, 'MASTER');
  assert.ok(/\(VI_1\) Entering BACKUP STATE/.test(ka.log().split('Entering MASTER STATE').at(-1) ?? ''), `keepalived went back to BACKUP:\n${ka.log().slice(-1500)}`);
  assert.deepEqual(drops(lv, 'auth_failure').filter((e) => !/already processed/.test(String(e.message))), [], 'no ICV failure between lvsd and keepalived');
  process.stderr.write(`# interop AH: lvsd took over from a crashed keepalived in ${lvTook} ms, keepalived from a crashed lvsd in ${kaTook} ms (Master_Down_Interval ${mdi(100)} / ${mdi(50)} ms)\n`);
  await lv.stop();
  await ka.stop();
});
