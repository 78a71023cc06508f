// Namespace tests on the host kernel: the operator scenarios of SCENARIOS.md on real lvsd processes:
// 1a/1b/1c (state MASTER clears nopreempt; nopreempt keeps a recovered higher priority in BACKUP) and
// 2 (a failing check script lowers the priority by its weight and the VIP moves after preempt_delay).
// VRRPv3 with advert_int 0.2 s keeps each step under a second; the rules do not depend on the interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, type Host } from '../lab/netns.js';
import { vrrpPair, type VrrpLan } from '../lab/topologies.js';
import { keepalivedConf } from '../lab/keepalived.js';
import { sleep } from '../lab/proc.js';
import { eventTime, holders, Lvsd, lvsdReady, sampleHolders } from './vrrp-support.js';
import { masterDownIntervalMs } from '../../src/vrrp/timers.js';

const TOOLS = ['ip'];
const ADV = 0.2;
/** Long enough for any wrong takeover to happen: three Master_Down_Intervals. */
const SETTLE_MS = 3 * masterDownIntervalMs(3, 1, ADV * 100);

interface NodeSpec {
  priority: number;
  state: 'MASTER' | 'BACKUP';
  nopreempt: boolean;
  extra?: string[];
  pre?: string;
}

function confOf(topo: VrrpLan, h: Host, s: NodeSpec): string {
  return keepalivedConf({
    routerId: h.name,
    version: 3,
    instances: [{ name: 'VI_1', iface: 'eth0', vrid: 61, priority: s.priority, advertInt: ADV, state: s.state, nopreempt: s.nopreempt, vips: [`${topo.vip}/24 dev eth0`], extra: s.extra ?? [] }],
    ...(s.pre ? { tail: s.pre } : {}),
  });
}

/** Two named routers A (d1) and B (d2) that can be started, crashed and restarted. */
class Pair {
  readonly nodes = new Map<'A' | 'B', Lvsd>();
  constructor(
    readonly topo: VrrpLan,
    readonly specs: Record<'A' | 'B', NodeSpec>,
  ) {}
  host(n: 'A' | 'B'): Host {
    return this.topo.directors[n === 'A' ? 0 : 1]!;
  }
  start(n: 'A' | 'B'): Lvsd {
    const l = Lvsd.start(this.host(n), confOf(this.topo, this.host(n), this.specs[n]));
    this.nodes.set(n, l);
    return l;
  }
  async fail(n: 'A' | 'B'): Promise<void> {
    await this.nodes.get(n)!.crash();
    this.nodes.delete(n);
  }
  /** Transitions `n` has logged so far (to wait for a later one). */
  mark(n: 'A' | 'B'): number {
    return this.nodes.get(n)!.transitions().length;
  }
  async expect(n: 'A' | 'B', state: 'MASTER' | 'BACKUP', step: string, timeoutMs = 6000, after = 0): Promise<void> {
    const l = this.nodes.get(n)!;
    try {
      await l.waitForState('VI_1', state, timeoutMs, after);
    } catch (e) {
      throw new Error(`${step}: ${n} did not become ${state}: ${(e as Error).message}`);
    }
  }
  /** Both states stay as they are for SETTLE_MS; the live nodes hold the VIP exactly as their states say. */
  async holds(want: Partial<Record<'A' | 'B', 'MASTER' | 'BACKUP'>>, step: string): Promise<void> {
    const counts = new Map([...this.nodes].map(([k, l]) => [k, l.transitions().length]));
    await sleep(SETTLE_MS);
    for (const [k, l] of this.nodes) {
      assert.equal(l.state, want[k], `${step}: ${k} is ${l.state}`);
      assert.equal(l.transitions().length, counts.get(k), `${step}: ${k} changed state while it should hold: ${l.transitions().map((e) => e.to).join(' -> ')}`);
    }
    const live = [...this.nodes.keys()].map((k) => this.host(k).name);
    const masters = [...this.nodes].filter(([, l]) => l.state === 'MASTER').map(([k]) => this.host(k).name);
    const h = (await holders(this.topo, this.topo.vip)).filter((x) => live.includes(x));
    assert.deepEqual(h, masters, `${step}: VIP holders ${h.join(',')} vs masters ${masters.join(',')}`);
  }
}

async function scenario(t: { skip(m?: string): void; after(fn: () => void | Promise<void>): void; name?: string }, net: number, specs: Record<'A' | 'B', NodeSpec>, run: (p: Pair) => Promise<void>): Promise<void> {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, `lvsd-scn-${net}`);
  const topo = await vrrpPair(lab, net);
  const p = new Pair(topo, specs);
  try {
    await run(p);
  } finally {
    for (const l of p.nodes.values()) await l.stop();
  }
}

test('scenario 1a: A 100 MASTER+nopreempt (cleared), B 101 BACKUP+nopreempt', async (t) => {
  await scenario(t, 30, { A: { priority: 100, state: 'MASTER', nopreempt: true }, B: { priority: 101, state: 'BACKUP', nopreempt: true } }, async (p) => {
    p.start('A');
    await p.expect('A', 'MASTER', '1. A starts alone');
    p.start('B');
    await p.expect('B', 'BACKUP', '2. B starts');
    await p.holds({ A: 'MASTER', B: 'BACKUP' }, '2. B does not claim MASTER (nopreempt)');
    await p.fail('A');
    await p.expect('B', 'MASTER', '3. A fails');
    p.start('A');
    await p.expect('A', 'BACKUP', '4. A recovers');
    await p.holds({ A: 'BACKUP', B: 'MASTER' }, '4. A stays BACKUP (lower priority)');
    await p.fail('B');
    await p.expect('A', 'MASTER', '5. B fails');
    p.start('B');
    await p.expect('B', 'BACKUP', '6. B recovers');
    await p.holds({ A: 'MASTER', B: 'BACKUP' }, '6. B stays BACKUP (nopreempt)');
  });
});

test('scenario 1b: A 101 MASTER+nopreempt (cleared), B 100 BACKUP+nopreempt: A takes the VIP back', async (t) => {
  await scenario(t, 31, { A: { priority: 101, state: 'MASTER', nopreempt: true }, B: { priority: 100, state: 'BACKUP', nopreempt: true } }, async (p) => {
    p.start('A');
    await p.expect('A', 'MASTER', '1. A starts');
    p.start('B');
    await p.expect('B', 'BACKUP', '2. B starts');
    await p.holds({ A: 'MASTER', B: 'BACKUP' }, '2. A stays MASTER');
    await p.fail('A');
    await p.expect('B', 'MASTER', '3. A fails');
    const b = p.mark('B');
    p.start('A');
    await p.expect('A', 'MASTER', '4. A recovers and preempts (its nopreempt was cleared)');
    await p.expect('B', 'BACKUP', '4. B yields to A', 3000, b);
    await p.holds({ A: 'MASTER', B: 'BACKUP' }, '4. A MASTER, B BACKUP');
    const log = p.nodes.get('A')!.proc.stderr.join('\n');
    assert.match(log, /nopreempt will not work with initial state MASTER/);
  });
});

test('scenario 1c: both BACKUP+nopreempt: a recovered higher priority stays BACKUP', async (t) => {
  await scenario(t, 32, { A: { priority: 101, state: 'BACKUP', nopreempt: true }, B: { priority: 100, state: 'BACKUP', nopreempt: true } }, async (p) => {
    p.start('A');
    await p.expect('A', 'MASTER', '1. A starts alone');
    p.start('B');
    await p.expect('B', 'BACKUP', '2. B starts');
    await p.holds({ A: 'MASTER', B: 'BACKUP' }, '2. A stays MASTER');
    await p.fail('A');
    await p.expect('B', 'MASTER', '3. A fails');
    p.start('A');
    await p.expect('A', 'BACKUP', '4. A recovers');
    await p.holds({ A: 'BACKUP', B: 'MASTER' }, '4. A stays BACKUP although higher (nopreempt)');
    await p.fail('B');
    await p.expect('A', 'MASTER', '5. B fails');
    p.start('B');
    await p.expect('B', 'BACKUP', '6. B recovers');
    await p.holds({ A: 'MASTER', B: 'BACKUP' }, '6. B stays BACKUP');
  });
});

test('scenario 2: a check script failing twice (weight -30, fall 2) moves the VIP to B after preempt_delay; rise 1 brings it back', async (t) => {
  if (!lvsdReady(t, TOOLS)) return;
  const lab = Lab.forTest(t, 'lvsd-scn2');
  const topo = await vrrpPair(lab, 33);
  const chk = join(lab.dir, 'chk_nginx.sh');
  writeFileSync(chk, '#!/bin/sh\n# fails while the file named by $1 exists\ntest ! -e "$1"\n');
  chmodSync(chk, 0o755);
  const failA = join(lab.dir, 'fail-A');
  const script = (who: string) => `vrrp_script chk_nginx {\n  script "${chk} ${join(lab.dir, `fail-${who}`)}"\n  interval 1\n  weight -30\n  fall 2\n  rise 1\n}\n`;
  const track = ['track_script {', '  chk_nginx', '}', 'preempt_delay 2'];
  const mk = (h: Host, prio: number, who: string) =>
    script(who) + keepalivedConf({ routerId: h.name, version: 3, instances: [{ name: 'VI_1', iface: 'eth0', vrid: 62, priority: prio, advertInt: ADV, vips: [`${topo.vip}/24 dev eth0`], extra: track }] });
  const [d1, d2] = topo.directors as [Host, Host];
  const a = Lvsd.start(d1, mk(d1, 100, 'A'));
  const b = Lvsd.start(d2, mk(d2, 90, 'B'));
  let sampler: ReturnType<typeof sampleHolders> | undefined;
  try {
    await a.waitForState('VI_1', 'MASTER', 10_000);
    await b.waitForState('VI_1', 'BACKUP', 5000);
    await sleep(1500);
    assert.deepEqual(await holders(topo, topo.vip), ['d1'], '1. both healthy: A is MASTER');
    // Sampled from here: two nodes started at once may both be master for a moment (RFC 5798 §6.4.3 sorts it out).
    sampler = sampleHolders(topo, topo.vip, 50);
    const [ma, mb] = [a.transitions().length, b.transitions().length];
    const tFail = Date.now();
    writeFileSync(failA, '');
    await b.waitForState('VI_1', 'MASTER', 12_000, mb);
    const tookMs = Date.now() - tFail;
    await a.waitForState('VI_1', 'BACKUP', 3000, ma);
    await d2.waitForAddr(topo.vip, { timeoutMs: 2000 });
    await d1.waitForAddr(topo.vip, { present: false, timeoutMs: 2000 });
    const prio = a.events().filter((e) => e.event === 'vrrp.priority').map((e) => [e.from, e.to]);
    assert.deepEqual(prio, [[100, 70]], '2. fall 2 -> 100 - 30');
    // Two failed runs (fall 2, interval 1 s) + B's preempt_delay (2 s) + its Master_Down_Interval.
    assert.ok(tookMs >= 2000 + 1000, `B took over ${tookMs} ms after the check started failing`);
    process.stderr.write(`# scenario 2: B took over ${tookMs} ms after A's check started failing\n`);
    const [ma2, mb2] = [a.transitions().length, b.transitions().length];
    const tHeal = Date.now();
    rmSync(failA);
    await a.waitForState('VI_1', 'MASTER', 12_000, ma2);
    await a.waitForAddr(topo.vip, { timeoutMs: 2000 });
    await b.waitForState('VI_1', 'BACKUP', 3000, mb2);
    assert.deepEqual(a.events().filter((e) => e.event === 'vrrp.priority').map((e) => [e.from, e.to]), [[100, 70], [70, 100]], '4. rise 1 -> 100');
    await sleep(500);
    const samples = await sampler.stop();
    // A preemption hands over while both are alive: the new master adds the VIP as it sends its first
    // advert; the old one removes it when that advert arrives. Measure that overlap from both logs.
    const vipAt = (l: Lvsd, op: string, after: number) => l.events().filter((e) => e.event === 'vrrp.vip' && e.op === op && eventTime(e) >= after).map(eventTime)[0]!;
    const overlaps = [
      [vipAt(b, 'add', tFail), vipAt(a, 'remove', tFail)],
      [vipAt(a, 'add', tHeal), vipAt(b, 'remove', tHeal)],
    ];
    process.stderr.write(`# scenario 2: VIP on both nodes during the handovers for ${overlaps.map(([x, y]) => `${y! - x!} ms`).join(' and ')}\n`);
    for (const [add, rem] of overlaps) assert.ok(rem! - add! <= 50, `overlap ${rem! - add!} ms`);
    const inHandover = (t: number) => overlaps.some(([add, rem]) => t >= add! - 100 && t <= rem! + 100);
    for (const s of samples) assert.ok(s.holders.length <= 1 || inHandover(s.t), `two holders at ${s.t}: ${s.holders.join(',')} (handovers ${JSON.stringify(overlaps)})`);
    assert.deepEqual(samples.at(-1)!.holders, ['d1']);
  } finally {
    await sampler?.stop();
    await Promise.all([a.stop(), b.stop()]);
  }
});
