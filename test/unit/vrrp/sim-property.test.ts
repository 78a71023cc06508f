// Pure property test on the LAN simulator: after any schedule of crashes, graceful stops, restarts,
// partitions, packet loss and check-script failures, every connected partition converges to exactly one
// master (none if all its nodes are in FAULT) within a bound, and then stays put.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LanSim } from './sim.js';
import { instanceConfig, type InstanceConfig } from '../../../src/vrrp/types.js';

const MAX_NODES = 4;
const SCHEDULE_MS = 60_000;
/**
 * Convergence bound after the last disturbance, loss-free: a check result (<= 1 s), a preempt_delay
 * (<= 2 s), one advert interval (1 s), Master_Down_Interval (< 4 s) and the in-flight delays, with margin.
 */
const BOUND_MS = 12_000;
const STABLE_MS = 10_000;
/** LVSD_SIM_RUNS / LVSD_SIM_SEED widen a run by hand; the suite uses a fixed seed so it is reproducible. */
const RUNS = Number(process.env['LVSD_SIM_RUNS'] ?? 500);
const SEED = Number(process.env['LVSD_SIM_SEED'] ?? 0x5eed);

type Op =
  | { kind: 'crash' | 'stop' | 'start'; node: number }
  | { kind: 'partition'; seg: number[] }
  | { kind: 'heal' }
  | { kind: 'loss'; p: number }
  | { kind: 'health'; node: number; healthy: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('crash' as const, 'stop' as const, 'start' as const), node: fc.nat(MAX_NODES - 1) }),
  fc.record({ kind: fc.constant('partition' as const), seg: fc.array(fc.nat(2), { minLength: MAX_NODES, maxLength: MAX_NODES }) }),
  fc.record({ kind: fc.constant('heal' as const) }),
  fc.record({ kind: fc.constant('loss' as const), p: fc.constantFrom(0, 0.1, 0.3, 0.6) }),
  fc.record({ kind: fc.constant('health' as const), node: fc.nat(MAX_NODES - 1), healthy: fc.boolean() }),
);

const nodeArb = fc.record({
  priority: fc.integer({ min: 1, max: 254 }),
  initialMaster: fc.boolean(),
  preempt: fc.boolean(),
  preemptDelayMs: fc.constantFrom(0, 0, 2000),
  weight: fc.constantFrom(-60, -20, 0, 15),
});

const worldArb = fc.record({
  seed: fc.integer(),
  n: fc.integer({ min: 2, max: MAX_NODES }),
  version: fc.constantFrom(2 as const, 3 as const),
  ipv6: fc.boolean(),
  delayMax: fc.integer({ min: 1, max: 150 }),
  nodes: fc.array(nodeArb, { minLength: MAX_NODES, maxLength: MAX_NODES }),
  ownerIndex: fc.option(fc.nat(MAX_NODES - 1), { nil: undefined }),
  ops: fc.array(fc.record({ at: fc.integer({ min: 0, max: SCHEDULE_MS }), op: opArb }), { maxLength: 14 }),
});

type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function build(w: World): { sim: LanSim; names: string[] } {
  const sim = new LanSim({ seed: w.seed, delayMs: [0.5, w.delayMax] });
  const names: string[] = [];
  for (let i = 0; i < w.n; i++) {
    const nd = w.nodes[i]!;
    const name = `n${i}`;
    const addr = w.ipv6 ? `fe80::${i + 1}` : `10.0.0.${i + 1}`;
    const owner = w.ownerIndex === i;
    let cfg: InstanceConfig = instanceConfig({
      name: 'VI_1',
      vrid: 1,
      version: w.ipv6 ? 3 : w.version,
      priority: owner ? 255 : nd.priority,
      primaryAddress: addr,
      virtualAddresses: [w.ipv6 ? 'fe80::100' : '10.0.0.100'],
      initialState: owner || nd.initialMaster ? 'MASTER' : 'BACKUP',
      preempt: nd.preempt,
      preemptDelayMs: nd.preemptDelayMs,
    });
    // keepalived's config rule (done by the config layer in lvsd): state MASTER clears nopreempt/preempt_delay.
    if (cfg.initialState === 'MASTER') cfg = { ...cfg, preempt: true, preemptDelayMs: 0 };
    sim.addNode({
      name,
      address: addr,
      instances: [cfg],
      scripts: [{ track: { name: 'chk', weight: nd.weight, rise: 1, fall: 1 }, intervalMs: 1000, instances: ['VI_1'] }],
    });
    names.push(name);
  }
  return { sim, names };
}

function checkConverged(sim: LanSim, names: string[], when: string): void {
  for (const seg of sim.segments()) {
    const eligible = seg.filter((n) => sim.state(n, 'VI_1') !== 'FAULT');
    const masters = sim.masters('VI_1', seg);
    assert.equal(
      masters.length,
      eligible.length > 0 ? 1 : 0,
      `${when}: segment [${seg}] has masters [${masters}] (states ${names.map((n) => `${n}=${sim.state(n, 'VI_1')}`)})`,
    );
    // The VIP is held exactly by the master of the segment.
    assert.deepEqual(seg.filter((n) => sim.instance(n, 'VI_1').vips), masters, `${when}: VIP holders in [${seg}]`);
  }
}

test('property: after any schedule of failures and recoveries, each connected partition converges to exactly one master', () => {
  let runs = 0;
  let transitions = 0;
  fc.assert(
    fc.property(worldArb, (w) => {
      const { sim, names } = build(w);
      names.forEach((n) => sim.start(n));
      let last = 0;
      for (const { at, op } of [...w.ops].sort((a, b) => a.at - b.at)) {
        sim.runUntil(at);
        last = at;
        const name = 'node' in op ? names[op.node % names.length]! : '';
        const up = name !== '' && sim.state(name, 'VI_1') !== 'DOWN';
        switch (op.kind) {
          case 'crash':
            if (up) sim.crash(name);
            break;
          case 'stop':
            if (up) sim.stop(name);
            break;
          case 'start':
            if (!up) sim.start(name);
            break;
          case 'partition': {
            const segs: string[][] = [[], [], []];
            names.forEach((n, i) => segs[op.seg[i]!]!.push(n));
            sim.partition(segs);
            break;
          }
          case 'heal':
            sim.heal();
            break;
          case 'loss':
            sim.loss = op.p;
            break;
          case 'health':
            sim.setHealthy(name, 'chk', op.healthy);
            break;
        }
      }
      sim.loss = 0;
      sim.runUntil(last + BOUND_MS);
      checkConverged(sim, names, `${BOUND_MS} ms after the last event`);
      const settled = sim.transitions.length;
      sim.runUntil(last + BOUND_MS + STABLE_MS);
      checkConverged(sim, names, 'later');
      assert.equal(sim.transitions.length, settled, 'no state changes once converged');
      runs++;
      transitions += settled;
    }),
    { numRuns: RUNS, seed: SEED },
  );
  assert.equal(runs, RUNS);
  assert.ok(transitions > RUNS, `the schedules exercised transitions (${transitions})`);
});
