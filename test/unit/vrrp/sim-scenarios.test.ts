// Pure simulation tests: the operator scenarios of shared/SCENARIOS.md (1a, 1b, 1c, 2, 3, 6, plus a sync
// group), step by step on the simulated LAN, with the timing RFC 5798 / RFC 3768 and keepalived give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LanSim, type NodeSpec } from './sim.js';
import { instanceConfig, type InstanceConfig } from '../../../src/vrrp/types.js';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/vrrp/timers.js';

type Over = Partial<Omit<InstanceConfig, 'garp'>>;

/** keepalived (vrrp_complete_instance): initial state MASTER clears nopreempt and preempt_delay. This is the
 * config layer's job in lvsd; the simulation applies it the same way to the scenario configs. */
function keepalivedRules(c: InstanceConfig): InstanceConfig {
  return c.initialState === 'MASTER' ? { ...c, preempt: true, preemptDelayMs: 0 } : c;
}

function vi(name: string, vrid: number, priority: number, addr: string, vip: string, over: Over = {}): InstanceConfig {
  return keepalivedRules(
    instanceConfig({ name, vrid, priority, primaryAddress: addr, virtualAddresses: [vip], auth: { type: 'pass', password: '1111' }, ...over }),
  );
}

function node(name: string, address: string, instances: InstanceConfig[], extra: Partial<NodeSpec> = {}): NodeSpec {
  return { name, address, instances, ...extra };
}

const MDI = (p: number): number => masterDownIntervalMs(2, p, 100);

/** Time of `node`'s transition of `inst` to `to` after `after`, or undefined. */
function when(sim: LanSim, nodeName: string, inst: string, to: string, after: number): number | undefined {
  return sim.transitions.find((t) => t.node === nodeName && t.inst === inst && t.to === to && t.t >= after)?.t;
}

/** Time at which `nodeName` last sent an advert for `inst` before `before`. */
function lastAdvert(sim: LanSim, nodeName: string, inst: string, before: number): number {
  const sends = sim.actionsLog.filter((a) => a.node === nodeName && a.inst === inst && a.action.type === 'sendAdvert' && a.t <= before);
  return sends[sends.length - 1]!.t;
}

function near(actual: number | undefined, expected: number, slack: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: did not happen`);
  assert.ok(actual >= expected && actual <= expected + slack, `${what}: at ${actual}, expected ${expected} (+${slack})`);
}

const DELAY = 5; // max one-way delay (ms) used in these runs

function pair(aPrio: number, aState: 'MASTER' | 'BACKUP', bPrio: number, bState: 'MASTER' | 'BACKUP'): LanSim {
  const sim = new LanSim({ seed: 1, delayMs: [1, DELAY] });
  sim.addNode(node('A', '10.0.0.1', [vi('VI_1', 51, aPrio, '10.0.0.1', '10.0.0.100', { initialState: aState, preempt: false })]));
  sim.addNode(node('B', '10.0.0.2', [vi('VI_1', 51, bPrio, '10.0.0.2', '10.0.0.100', { initialState: bState, preempt: false })]));
  return sim;
}

test('scenario 1a: A 100 MASTER nopreempt(cleared), B 101 BACKUP nopreempt', () => {
  const sim = pair(100, 'MASTER', 101, 'BACKUP');
  // 1. A starts alone: BACKUP (init), MASTER after Master_Down_Interval (keepalived 2.2.7 does the same).
  sim.start('A');
  assert.equal(sim.state('A', 'VI_1'), 'BACKUP');
  sim.runUntil(10_000);
  assert.equal(when(sim, 'A', 'VI_1', 'MASTER', 0), MDI(100));
  assert.deepEqual(sim.holders('VI_1'), ['A']);
  // 2. B starts: BACKUP, and with nopreempt does not claim MASTER although 101 > 100.
  sim.start('B');
  sim.runUntil(30_000);
  assert.equal(when(sim, 'B', 'VI_1', 'MASTER', 0), undefined);
  assert.deepEqual(sim.masters('VI_1'), ['A']);
  // 3. A fails (crash): B takes over Master_Down_Interval after A's last advert.
  sim.crash('A');
  sim.runUntil(40_000);
  near(when(sim, 'B', 'VI_1', 'MASTER', 30_000), lastAdvert(sim, 'A', 'VI_1', 30_000) + MDI(101), DELAY, 'B takeover');
  assert.deepEqual(sim.holders('VI_1'), ['B']);
  // 4. A recovers: it hears B's 101 > 100 and stays BACKUP.
  sim.start('A');
  sim.runUntil(60_000);
  assert.equal(sim.state('A', 'VI_1'), 'BACKUP');
  assert.equal(when(sim, 'A', 'VI_1', 'MASTER', 40_000), undefined);
  assert.deepEqual(sim.masters('VI_1'), ['B']);
  // 5. B fails: A becomes MASTER.
  sim.crash('B');
  sim.runUntil(70_000);
  near(when(sim, 'A', 'VI_1', 'MASTER', 60_000), lastAdvert(sim, 'B', 'VI_1', 60_000) + MDI(100), DELAY, 'A takeover');
  // 6. B recovers: BACKUP, nopreempt: A stays MASTER.
  sim.start('B');
  sim.runUntil(90_000);
  assert.equal(when(sim, 'B', 'VI_1', 'MASTER', 70_000), undefined);
  assert.deepEqual(sim.masters('VI_1'), ['A']);
  assert.deepEqual(sim.holders('VI_1'), ['A']);
});

test('scenario 1b: A 101 MASTER (nopreempt cleared), B 100 BACKUP nopreempt: A takes the VIP back on recovery', () => {
  const sim = pair(101, 'MASTER', 100, 'BACKUP');
  sim.start('A');
  sim.runUntil(10_000);
  assert.equal(when(sim, 'A', 'VI_1', 'MASTER', 0), MDI(101));
  sim.start('B');
  sim.runUntil(30_000);
  assert.deepEqual(sim.masters('VI_1'), ['A']);
  sim.crash('A');
  sim.runUntil(40_000);
  near(when(sim, 'B', 'VI_1', 'MASTER', 30_000), lastAdvert(sim, 'A', 'VI_1', 30_000) + MDI(100), DELAY, 'B takeover');
  // 4. A recovers: it preempts (RFC 5798 §6.4.2: lower-priority adverts are discarded), so its
  // Master_Down_Timer started at startup fires; B yields on A's first advert.
  sim.start('A');
  sim.runUntil(50_000);
  assert.equal(when(sim, 'A', 'VI_1', 'MASTER', 40_000), 40_000 + MDI(101));
  near(when(sim, 'B', 'VI_1', 'BACKUP', 40_000), 40_000 + MDI(101), DELAY, 'B yields');
  assert.deepEqual(sim.masters('VI_1'), ['A']);
  assert.deepEqual(sim.holders('VI_1'), ['A']);
});

test('scenario 1c: both BACKUP nopreempt, A 101, B 100: nobody takes the VIP back after a recovery', () => {
  const sim = pair(101, 'BACKUP', 100, 'BACKUP');
  sim.start('A');
  sim.runUntil(10_000);
  assert.equal(when(sim, 'A', 'VI_1', 'MASTER', 0), MDI(101));
  sim.start('B');
  sim.runUntil(30_000);
  assert.deepEqual(sim.masters('VI_1'), ['A']);
  sim.crash('A');
  sim.runUntil(40_000);
  assert.deepEqual(sim.masters('VI_1'), ['B']);
  // 4. A recovers and, with nopreempt, stays BACKUP although 101 > 100.
  sim.start('A');
  sim.runUntil(60_000);
  assert.equal(when(sim, 'A', 'VI_1', 'MASTER', 40_000), undefined);
  assert.deepEqual(sim.masters('VI_1'), ['B']);
  sim.crash('B');
  sim.runUntil(70_000);
  near(when(sim, 'A', 'VI_1', 'MASTER', 60_000), lastAdvert(sim, 'B', 'VI_1', 60_000) + MDI(101), DELAY, 'A takeover');
  sim.start('B');
  sim.runUntil(90_000);
  assert.equal(when(sim, 'B', 'VI_1', 'MASTER', 70_000), undefined);
  assert.deepEqual(sim.holders('VI_1'), ['A']);
});

function nginxPair(aOver: Over): LanSim {
  const sim = new LanSim({ seed: 2, delayMs: [1, DELAY] });
  const chk = { name: 'chk_nginx', weight: -30, rise: 1, fall: 2 };
  const scripts = [{ track: chk, intervalMs: 2000, instances: ['VI_1'] }];
  sim.addNode(node('A', '10.0.0.1', [vi('VI_1', 51, 100, '10.0.0.1', '10.0.0.50', { initialState: 'MASTER', preemptDelayMs: 10_000, ...aOver })], { scripts }));
  sim.addNode(node('B', '10.0.0.2', [vi('VI_1', 51, 90, '10.0.0.2', '10.0.0.50', { preemptDelayMs: 10_000 })], { scripts }));
  sim.start('A');
  sim.start('B');
  return sim;
}

test('scenario 2: a failing check script (weight -30, fall 2) moves the VIP to B after its preempt_delay; recovery (rise 1) takes it back', () => {
  const sim = nginxPair({});
  // 1. Both healthy: A (100) MASTER, B (90) BACKUP.
  sim.runUntil(20_000);
  assert.deepEqual(sim.masters('VI_1'), ['A']);
  // 2. nginx on A dies: the checks at 22 s and 24 s fail; only the second (fall 2) lowers A to 70.
  sim.setHealthy('A', 'chk_nginx', false);
  sim.runUntil(23_000);
  assert.equal(sim.instance('A', 'VI_1').st.effectivePriority, 100);
  sim.runUntil(24_000);
  assert.equal(sim.instance('A', 'VI_1').st.effectivePriority, 70);
  // 3. B hears 70 < 90: its preempt_delay (10 s) starts, then it stops accepting A's adverts and takes over
  // one Master_Down_Interval later; A yields on B's first advert and releases the VIP.
  sim.runUntil(45_000);
  const first70 = sim.actionsLog.find((a) => a.node === 'A' && a.action.type === 'sendAdvert' && a.action.priority === 70)!.t;
  assert.ok(first70 > 24_000 && first70 <= 25_000, 'the next advert carries 70');
  const tb = when(sim, 'B', 'VI_1', 'MASTER', 24_000);
  near(tb, first70 + 10_000, 1000 + MDI(90) + 2 * DELAY, 'B takeover after preempt_delay');
  near(when(sim, 'A', 'VI_1', 'BACKUP', 24_000), tb!, DELAY, 'A yields');
  assert.deepEqual(sim.holders('VI_1'), ['B']);
  const removedAt = sim.vipEvents.find((e) => e.node === 'A' && e.op === 'remove' && e.t >= 24_000)!.t;
  assert.ok(removedAt - tb! <= DELAY, 'two holders for at most one network delay');
  assert.equal(sim.transitions.filter((t) => t.reason === 'shutdown').length, 0, 'nobody stopped a daemon');
  // 4. nginx comes back: the next check succeeds (rise 1), A returns to 100 and, preempting with no delay
  // (cleared by state MASTER), takes the VIP back.
  sim.setHealthy('A', 'chk_nginx', true);
  sim.runUntil(46_000);
  assert.equal(sim.instance('A', 'VI_1').st.effectivePriority, 100);
  sim.runUntil(60_000);
  near(when(sim, 'A', 'VI_1', 'MASTER', 45_000), 45_000, 1000 + MDI(100) + DELAY, 'A takes the VIP back');
  assert.deepEqual(sim.holders('VI_1'), ['A']);
});

test('scenario 2, nopreempt variant (A state BACKUP, nopreempt): B keeps the VIP after A recovers', () => {
  const sim = nginxPair({ initialState: 'BACKUP', preempt: false, preemptDelayMs: 0 });
  sim.runUntil(20_000);
  assert.deepEqual(sim.masters('VI_1'), ['A']);
  sim.setHealthy('A', 'chk_nginx', false);
  sim.runUntil(45_000);
  assert.deepEqual(sim.masters('VI_1'), ['B']);
  sim.setHealthy('A', 'chk_nginx', true);
  sim.runUntil(80_000);
  assert.equal(sim.instance('A', 'VI_1').st.effectivePriority, 100);
  assert.deepEqual(sim.masters('VI_1'), ['B']);
});

test('scenario 3: two directors, two VIPs, each the master of one; graceful stop and return', () => {
  const sim = new LanSim({ seed: 3, delayMs: [1, DELAY] });
  const g = { mcastGroup: '234.10.10.10' }; // vrrp_mcast_group4 of the lvs-dr-multi-master configs
  const inst = (name: string, vrid: number, prio: number, addr: string, vip: string, state: 'MASTER' | 'BACKUP', pass: string) =>
    vi(name, vrid, prio, addr, vip, { ...g, initialState: state, auth: { type: 'pass', password: pass } });
  sim.addNode(node('A', '192.168.234.27', [
    inst('VI_1', 50, 100, '192.168.234.27', '10.0.0.100', 'MASTER', '1111'),
    inst('VI_2', 51, 80, '192.168.234.27', '10.0.0.200', 'BACKUP', '2222'),
  ]));
  sim.addNode(node('B', '192.168.234.37', [
    inst('VI_1', 50, 80, '192.168.234.37', '10.0.0.100', 'BACKUP', '1111'),
    inst('VI_2', 51, 100, '192.168.234.37', '10.0.0.200', 'MASTER', '2222'),
  ]));
  // 1. Both up: each holds one VIP.
  sim.start('A');
  sim.start('B');
  sim.runUntil(20_000);
  assert.deepEqual(sim.holders('VI_1'), ['A']);
  assert.deepEqual(sim.holders('VI_2'), ['B']);
  // 2. A stops gracefully: priority 0, so B takes VI_1 after Skew_Time only (RFC 5798 §6.4.2).
  sim.stop('A');
  sim.runUntil(30_000);
  near(when(sim, 'B', 'VI_1', 'MASTER', 20_000), 20_000 + skewTimeMs(2, 80, 100), DELAY, 'B takes VI_1');
  assert.deepEqual(sim.holders('VI_1'), ['B']);
  assert.deepEqual(sim.holders('VI_2'), ['B']);
  assert.equal(sim.instance('B', 'VI_1').counters.pri_zero_rcvd, 1);
  // 3. A returns: VI_1 goes back to A (100 > 80, preempt); VI_2 stays on B.
  sim.start('A');
  sim.runUntil(40_000);
  assert.equal(when(sim, 'A', 'VI_1', 'MASTER', 30_000), 30_000 + MDI(100));
  assert.deepEqual(sim.holders('VI_1'), ['A']);
  assert.deepEqual(sim.holders('VI_2'), ['B']);
  assert.equal(when(sim, 'A', 'VI_2', 'MASTER', 30_000), undefined);
});

function fourNodes(q: { vrid: number; group: string; vip: string }): LanSim {
  const sim = new LanSim({ seed: 6, delayMs: [1, DELAY] });
  const p = { vrid: 51, group: '224.0.0.18', vip: '10.0.0.3' };
  const mk = (name: string, addr: string, prio: number, c: typeof p) =>
    node(name, addr, [vi('VI_1', c.vrid, prio, addr, c.vip, { mcastGroup: c.group })]);
  sim.addNode(mk('p1', '10.0.0.1', 150, p));
  sim.addNode(mk('p2', '10.0.0.2', 100, p));
  sim.addNode(mk('q1', '10.0.0.11', 150, q));
  sim.addNode(mk('q2', '10.0.0.12', 100, q));
  for (const n of ['p1', 'p2', 'q1', 'q2']) sim.start(n);
  sim.runUntil(30_000);
  return sim;
}

test('scenario 6a: two pairs, same VRID, own multicast groups: each pair elects its own master, no cross-talk', () => {
  const sim = fourNodes({ vrid: 51, group: '224.0.0.19', vip: '10.0.0.13' });
  assert.deepEqual(sim.masters('VI_1'), ['p1', 'q1']);
  for (const n of ['p1', 'p2', 'q1', 'q2']) {
    assert.equal(sim.instance(n, 'VI_1').counters.addr_list_err, 0);
    assert.equal(sim.nodeInfo(n).unknownVrid, 0);
  }
});

test('scenario 6b: two pairs on one group with different VRIDs: adverts for a VRID not owned are ignored, not obeyed', () => {
  const sim = fourNodes({ vrid: 52, group: '224.0.0.18', vip: '10.0.0.13' });
  assert.deepEqual(sim.masters('VI_1'), ['p1', 'q1']);
  for (const n of ['p2', 'q2']) assert.ok(sim.nodeInfo(n).unknownVrid > 20, `${n} saw the other pair's adverts`);
  assert.equal(when(sim, 'q1', 'VI_1', 'BACKUP', 5000), undefined, 'q1 never yielded to p1 (same priority, higher address)');
});

test('scenario 6c: same VRID and group, different VIPs: the interference is visible (addr_list_err) and nobody obeys', () => {
  const sim = fourNodes({ vrid: 51, group: '224.0.0.18', vip: '10.0.0.13' });
  assert.deepEqual(sim.masters('VI_1'), ['p1', 'q1']);
  for (const n of ['p1', 'p2', 'q1', 'q2']) assert.ok(sim.instance(n, 'VI_1').counters.addr_list_err > 20, `${n} counts the foreign adverts`);
});

test('scenario 6d: same VRID, group and VIPs (the misconfiguration): the two pairs merge into one election', () => {
  const sim = fourNodes({ vrid: 51, group: '224.0.0.18', vip: '10.0.0.3' });
  // p1 and q1 both have 150; RFC 5798 §6.4.3 breaks the tie by the higher primary address: q1.
  assert.deepEqual(sim.masters('VI_1'), ['q1']);
});

test('sync group (keepalived vrrp_sync_group): a fault in one member fails the whole group over, and back', () => {
  const sim = new LanSim({ seed: 7, delayMs: [1, DELAY] });
  const group = { name: 'VG_1', members: ['http', 'mysql'] };
  const mk = (name: string, addr: string, p1: number, p2: number, scripts?: NodeSpec['scripts']) =>
    node(name, addr, [
      vi('http', 51, p1, addr, '192.168.200.17'),
      vi('mysql', 101, p2, addr, '1.1.1.1', { advertIntervalCs: 300 }),
    ], { syncGroups: [group], ...(scripts ? { scripts } : {}) });
  const check = { track: { name: 'check_running', weight: 0, rise: 1, fall: 1 }, intervalMs: 1000, instances: ['mysql'] };
  sim.addNode(mk('A', '192.168.200.10', 100, 90, [check]));
  sim.addNode(mk('B', '192.168.200.11', 80, 70));
  sim.start('A');
  sim.start('B');
  sim.runUntil(30_000);
  assert.deepEqual([sim.masters('http'), sim.masters('mysql')], [['A'], ['A']]);
  // The mysql check fails on A (weight 0 = fault): A's whole group goes to FAULT; B takes both.
  sim.setHealthy('A', 'check_running', false);
  sim.runUntil(40_000);
  assert.deepEqual([sim.state('A', 'http'), sim.state('A', 'mysql')], ['FAULT', 'FAULT']);
  assert.deepEqual([sim.holders('http'), sim.holders('mysql')], [['B'], ['B']]);
  assert.ok(sim.groupNotifies.some((g) => g.node === 'A' && g.state === 'FAULT'));
  assert.ok(sim.groupNotifies.some((g) => g.node === 'B' && g.state === 'MASTER'));
  // Recovery: A's group comes back and preempts both VIPs together.
  sim.setHealthy('A', 'check_running', true);
  sim.runUntil(60_000);
  assert.deepEqual([sim.holders('http'), sim.holders('mysql')], [['A'], ['A']]);
  const back = sim.transitions.filter((t) => t.node === 'A' && t.to === 'MASTER' && t.t > 40_000);
  assert.equal(back.length, 2);
  assert.ok(Math.abs(back[0]!.t - back[1]!.t) < 1, 'both members became master together');
});
