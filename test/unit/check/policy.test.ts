// The checker state machine (retry, delay_before_retry, delay_loop, warmup, alpha) with a
// simulated clock, flavor by flavor, each case citing the keepalived behaviour it reproduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstDelay, initialState, steadyPass, step, worstDetectionMs, worstRecoveryMs, type CheckerEvent, type CheckerTiming, type Flavor } from '../../../src/check/policy.js';

const T = (o: Partial<CheckerTiming> = {}): CheckerTiming => ({ flavor: 'generic', delayLoopMs: 5000, delayBeforeRetryMs: 1000, warmupMs: 0, retry: 1, alpha: false, ...o });

interface Sim {
  probes: number[];
  events: [number, CheckerEvent][];
}

/** Runs the checker from t=0 until `until`; `up(t)` says whether a probe starting at t passes. */
function simulate(t: CheckerTiming, up: (at: number) => boolean, until: number, probeMs = 0): Sim {
  let s = initialState(t);
  let at = firstDelay(t, () => 0);
  const out: Sim = { probes: [], events: [] };
  while (at <= until) {
    out.probes.push(at);
    const r = step(t, s, up(at));
    s = r.state;
    const end = at + probeMs;
    if (r.event) out.events.push([end, r.event]);
    at = r.from === 'start' ? Math.max(end, at + r.delayMs) : end + r.delayMs;
  }
  return out;
}

test('generic (TCP_CHECK): a server down at start is removed at its first failure, whatever retry says (check_data.c: "one failure is enough initially")', () => {
  const sim = simulate(T({ retry: 3 }), () => false, 20000);
  assert.deepEqual(sim.events, [[0, 'down']]);
  // while down: one probe per delay_loop, no retries
  assert.deepEqual(sim.probes, [0, 5000, 10000, 15000, 20000]);
});

test('generic: an up server goes down after retry + 1 consecutive failures, delay_before_retry apart (check_tcp.c tcp_epilog)', () => {
  const sim = simulate(T({ retry: 2 }), (at) => at < 12000 || at >= 30000, 45000);
  // probes 0, 5000, 10000 pass; 15000 fails, retries at 16000, 17000 -> down at 17000
  assert.deepEqual(sim.probes.slice(0, 6), [0, 5000, 10000, 15000, 16000, 17000]);
  assert.deepEqual(sim.events, [
    [17000, 'down'],
    [32000, 'up'],
  ]);
  // down: probed every delay_loop (22000, 27000), up at the first pass (32000)
  assert.deepEqual(sim.probes.slice(6, 9), [22000, 27000, 32000]);
});

test('generic: a pass between failures resets the retry count; retry 0 takes a server down at the first failure', () => {
  const flaky = simulate(T({ retry: 1 }), (at) => Math.floor(at / 1000) % 2 === 0, 60000);
  assert.deepEqual(flaky.events, []);
  const r0 = simulate(T({ retry: 0 }), (at) => at < 7000, 20000);
  assert.deepEqual(r0.events, [[10000, 'down']]);
});

test('alpha: starts down, comes up at the first pass; a first failure confirms it down once (check_api.c / ipwrapper.c update_svr_checker_state)', () => {
  assert.equal(initialState(T({ alpha: true })).isUp, false);
  assert.deepEqual(simulate(T({ alpha: true, retry: 3 }), () => true, 12000).events, [[0, 'up']]);
  const failing = simulate(T({ alpha: true, retry: 3 }), () => false, 30000);
  assert.deepEqual(failing.events, [[0, 'initial-down']]);
  const late = simulate(T({ alpha: true, retry: 3 }), (at) => at >= 10000, 30000);
  assert.deepEqual(late.events, [
    [0, 'initial-down'],
    [10000, 'up'],
  ]);
});

test('warmup: the first probe waits warmup * random(), never longer than warmup (check_api.c register_checkers_thread)', () => {
  assert.equal(firstDelay(T({ warmupMs: 0 }), () => 0.99), 0);
  assert.equal(firstDelay(T({ warmupMs: 5000 }), () => 0.5), 2500);
  fc.assert(fc.property(fc.integer({ min: 0, max: 100000 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (w, r) => {
    const d = firstDelay(T({ warmupMs: w }), () => r);
    return d >= 0 && d <= w;
  }));
});

test('http (HTTP_GET): down after retry + 1 failures, probed every max(delay_before_retry, delay_loop) while down, two passes to come back (check_http.c epilog)', () => {
  const t = T({ flavor: 'http', retry: 1, delayBeforeRetryMs: 3000, delayLoopMs: 6000 });
  const sim = simulate(t, (at) => at < 10000 || at >= 30000, 60000);
  // 0, 6000 pass; 12000 fails; retry at 15000 fails -> down; then every 6000: 21000, 27000
  // 33000 passes (the failed url), 39000 passes (the full pass) -> up
  assert.deepEqual(sim.probes.slice(0, 8), [0, 6000, 12000, 15000, 21000, 27000, 33000, 39000]);
  assert.deepEqual(sim.events, [
    [15000, 'down'],
    [39000, 'up'],
  ]);
});

test('http fast_recovery: the second pass follows at once', () => {
  const t = T({ flavor: 'http', retry: 1, delayBeforeRetryMs: 3000, delayLoopMs: 6000, fastRecovery: true });
  const sim = simulate(t, (at) => at < 10000 || at >= 30000, 40000, 10);
  const up = sim.events.find((e) => e[1] === 'up');
  assert.ok(up);
  // the pass at ~33000 is followed immediately (delay 0) by the one that brings it up
  assert.ok(up[0] > 33000 && up[0] < 33100, `up at ${up[0]}`);
});

test('http: with delay_before_retry longer than delay_loop, the down-state period is delay_before_retry', () => {
  const t = T({ flavor: 'http', retry: 0, delayBeforeRetryMs: 9000, delayLoopMs: 2000 });
  const sim = simulate(t, (at) => at < 3000, 30000);
  assert.deepEqual(sim.events, [[4000, 'down']]);
  assert.deepEqual(sim.probes, [0, 2000, 4000, 13000, 22000]);
});

test('misc (MISC_CHECK): timed from the start of the last run; no retries while down (check_misc.c)', () => {
  const t = T({ flavor: 'misc', retry: 1, delayBeforeRetryMs: 1000, delayLoopMs: 5000 });
  // each run takes 400 ms; the next starts delay_loop after the previous START
  const sim = simulate(t, (at) => at < 8000, 30000, 400);
  assert.deepEqual(sim.probes.slice(0, 5), [0, 5000, 10000, 11000, 16000]);
  assert.deepEqual(sim.events, [[11400, 'down']]);
  // a run longer than the delay starts the next one as soon as it ends
  const slow = simulate(t, () => true, 12000, 7000);
  assert.deepEqual(slow.probes, [0, 7000]);
});

test('smtp (SMTP_CHECK): every delay_loop cycle retries afresh, even while down (check_smtp.c)', () => {
  const t = T({ flavor: 'smtp', retry: 2, delayBeforeRetryMs: 1000, delayLoopMs: 10000 });
  const sim = simulate(t, () => false, 25000);
  // cycle 1: 0, 1000, 2000 -> down; cycle 2 at 12000: 12000, 13000, 14000; cycle 3 at 24000
  assert.deepEqual(sim.probes, [0, 1000, 2000, 12000, 13000, 14000, 24000, 25000]);
  assert.deepEqual(sim.events, [[2000, 'down']]);
});

test('property: from steady up, a fault is detected within worstDetectionMs; a recovery within worstRecoveryMs', () => {
  const flavors: Flavor[] = ['generic', 'misc', 'smtp', 'http'];
  fc.assert(
    fc.property(
      fc.constantFrom(...flavors),
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 20 }),
      fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 25000 })),
      fc.integer({ min: 50, max: 2000 }),
      fc.integer({ min: 0, max: 2000 }),
      fc.boolean(),
      (flavor, retry, loopS, dbrS, probeMs, faultS, gapS, fast) => {
        const t = T({ flavor, retry, delayLoopMs: loopS * 1000, delayBeforeRetryMs: dbrS * 1000, fastRecovery: fast });
        const fault = 100000 + faultS * 37;
        const back = fault + worstDetectionMs(t, probeMs) + 1000 + gapS * 100;
        const sim = simulate(t, (at) => at < fault || at >= back, back + 200000, probeMs);
        const down = sim.events.find((e) => e[1] === 'down');
        const up = sim.events.find((e) => e[1] === 'up' && e[0] > fault);
        if (!down || down[0] < fault) return false;
        if (down[0] - fault > worstDetectionMs(t, probeMs)) return false;
        if (!up || up[0] < back) return false;
        return up[0] - back <= worstRecoveryMs(t, probeMs);
      },
    ),
    { numRuns: 400, examples: [['generic', 0, 1, 1, 4, 1671, 1956, false]] },
  );
});

test('property: steadyPass holds exactly when step changes nothing and waits delay_loop from the end', () => {
  const flavors: Flavor[] = ['generic', 'misc', 'smtp', 'http'];
  fc.assert(
    fc.property(
      fc.constantFrom(...flavors),
      fc.record({ isUp: fc.boolean(), hasRun: fc.boolean(), retryIt: fc.integer({ min: 0, max: 3 }), failedPending: fc.boolean() }),
      fc.boolean(),
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      (flavor, s, ok, retry, fastRecovery) => {
        const t = T({ flavor, retry, fastRecovery });
        const r = step(t, s, ok);
        const unchanged = JSON.stringify(r.state) === JSON.stringify(s) && r.event === undefined && r.delayMs === t.delayLoopMs && r.from === 'end';
        if (steadyPass(t, s, ok)) assert.ok(unchanged, JSON.stringify({ flavor, s, ok, r }));
        // The usual case is covered: an up, settled checker's pass (misc aside) takes the fast path.
        if (ok && s.isUp && s.hasRun && s.retryIt === 0 && !s.failedPending && flavor !== 'misc') assert.equal(steadyPass(t, s, ok), true);
        if (!ok) assert.equal(steadyPass(t, s, ok), false);
      },
    ),
  );
});
