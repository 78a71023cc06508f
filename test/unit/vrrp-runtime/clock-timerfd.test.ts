// Runtime tests: the production clock on the native shim's timerfd (never early, a few microseconds
// late, deadline order, cancellation, timers armed by a timer callback wait for the next wake-up so
// I/O is not starved, busy waiting held to its budget, precise timers) and on the setTimeout fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realClock, timerfdAvailable, AWAKE_MS, SPIN_BUDGET_MS, SPIN_MS } from '../../../src/vrrp/runtime/clock.js';
import type { Clock } from '../../../src/vrrp/runtime/ports.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function skipWithoutTimerfd(t: { skip(m?: string): void }): boolean {
  if (timerfdAvailable()) return false;
  const why = 'the native shim has no timerfd (native/lvsd_net.c; run make build)';
  process.stderr.write(`# skipped: ${why}\n`);
  t.skip(why);
  return true;
}

/** Lateness (ms) of `n` timers armed one at a time with random delays. */
async function lateness(clock: Clock, n: number, arm: (fn: () => void, delay: number) => unknown = (fn, d) => clock.setTimer(fn, d)): Promise<number[]> {
  const late: number[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(Math.random() * 5);
    const delay = 5 + Math.random() * 25;
    await new Promise<void>((res) => {
      const at = clock.now() + delay;
      arm(() => {
        late.push(clock.now() - at);
        res();
      }, delay);
    });
  }
  return late.sort((a, b) => a - b);
}

test('timerfd clock: never early, median lateness under 0.25 ms', async (t) => {
  if (skipWithoutTimerfd(t)) return;
  const late = await lateness(realClock(), 40);
  process.stderr.write(`# timerfd clock lateness: min ${late[0]!.toFixed(4)} median ${late[20]!.toFixed(4)} max ${late.at(-1)!.toFixed(3)} ms\n`);
  assert.ok(late[0]! >= 0, `fired ${-late[0]!} ms early`);
  assert.ok(late[20]! < 0.25, `median lateness ${late[20]} ms`);
});

test('timerfd clock: deadline order (arming order for equal delays), cancelled timers never fire, the next one still does', async (t) => {
  if (skipWithoutTimerfd(t)) return;
  const clock = realClock();
  const fired: string[] = [];
  const at: Record<string, number> = {};
  const arm = (name: string, delay: number) => {
    at[name] = clock.now() + delay;
    return clock.setTimer(() => {
      assert.ok(clock.now() >= at[name]!, `${name} early`);
      fired.push(name);
    }, delay);
  };
  arm('c', 30);
  const b = arm('b', 10);
  arm('a1', 20);
  arm('a2', 20);
  const first = arm('x', 5);
  clock.clearTimer(first);
  clock.clearTimer(first); // twice: no effect
  clock.clearTimer(b);
  await sleep(45);
  assert.deepEqual(fired, ['a1', 'a2', 'c']);
});

test('timerfd clock: a timer armed by a timer callback waits for the next wake-up (I/O runs in between)', async (t) => {
  if (skipWithoutTimerfd(t)) return;
  const clock = realClock();
  let chain = 0;
  let immediateAt = -1;
  await new Promise<void>((done) => {
    const step = (): void => {
      chain++;
      if (chain === 1) setImmediate(() => (immediateAt = chain));
      if (chain === 50) return done();
      clock.setTimer(step, 0);
    };
    clock.setTimer(step, 0);
  });
  assert.ok(immediateAt > 0 && immediateAt < 50, `setImmediate ran at link ${immediateAt} of a 50-link chain of 0 ms timers`);
});

test('timerfd clock: busy waiting stays within SPIN_BUDGET_MS per second', async (t) => {
  if (skipWithoutTimerfd(t)) return;
  const clock = realClock();
  const n = 400;
  const t0 = clock.now() + 5;
  let fired = 0;
  let early = 0;
  const cpu0 = process.cpuUsage();
  await new Promise<void>((done) => {
    for (let i = 0; i < n; i++) {
      const at = t0 + i * 1.25;
      clock.setTimer(() => {
        if (clock.now() < at) early++;
        if (++fired === n) done();
      }, at - clock.now());
    }
  });
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const wallS = (n * 1.25) / 1000;
  process.stderr.write(`# ${n} timers over ${(wallS * 1000).toFixed(0)} ms: ${cpuMs.toFixed(1)} ms CPU (spinning at every timer would be ${(n * SPIN_MS).toFixed(0)} ms)\n`);
  assert.equal(early, 0);
  // Spinning SPIN_MS at every timer would alone cost n * SPIN_MS; the budget allows SPIN_BUDGET_MS per
  // second plus one full bucket (here under 20 ms), the rest is wake-ups and callbacks.
  assert.ok(cpuMs < n * SPIN_MS * 0.9, `CPU ${cpuMs} ms for ${n} timers; budget ${SPIN_BUDGET_MS} ms/s`);
});

test('timerfd clock: a precise timer is never early and on time; it costs at most AWAKE_MS of CPU more', async (t) => {
  if (skipWithoutTimerfd(t)) return;
  const clock = realClock();
  const cpu0 = process.cpuUsage();
  const late = await lateness(clock, 20, (fn, d) => clock.setPreciseTimer(fn, d));
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.stderr.write(`# precise timer lateness: min ${late[0]!.toFixed(4)} median ${late[10]!.toFixed(4)} max ${late.at(-1)!.toFixed(3)} ms; ${cpuMs.toFixed(1)} ms CPU for 20\n`);
  assert.ok(late[0]! >= 0, `fired ${-late[0]!} ms early`);
  assert.ok(late[10]! < 0.25, `median lateness ${late[10]} ms`);
  assert.ok(cpuMs < 20 * (AWAKE_MS + 1), `${cpuMs} ms CPU for 20 precise timers`);
});

test('setTimeout fallback clock: never early, median lateness under 1 ms; cleared timers never fire', async () => {
  const clock = realClock({ timerfd: false });
  const late = await lateness(clock, 20);
  process.stderr.write(`# fallback clock lateness: min ${late[0]!.toFixed(4)} median ${late[10]!.toFixed(4)} max ${late.at(-1)!.toFixed(3)} ms\n`);
  assert.ok(late[0]! >= 0, `fired ${-late[0]!} ms early`);
  assert.ok(late[10]! < 1, `median lateness ${late[10]} ms`);
  let fired = false;
  clock.clearTimer(clock.setTimer(() => (fired = true), 5));
  clock.clearTimer(clock.setTimer(() => (fired = true), 0.1));
  await sleep(20);
  assert.equal(fired, false);
});
