// Runtime tests: the production clock's timers fire at their deadline, never before it, to a fraction
// of a millisecond (Node's setTimeout alone is up to ~2 ms late: whole milliseconds of a cached loop time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realClock } from '../../../src/vrrp/runtime/clock.js';
import { InstanceTimers } from '../../../src/vrrp/runtime/timers.js';

test('realClock timers: never early, median lateness under 1 ms; cleared timers never fire', async () => {
  const clock = realClock();
  const late: number[] = [];
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 10));
    const delay = 20 + Math.random() * 40;
    await new Promise<void>((res) => {
      const at = clock.now() + delay;
      clock.setTimer(() => {
        late.push(clock.now() - at);
        res();
      }, delay);
    });
  }
  late.sort((a, b) => a - b);
  process.stderr.write(`# realClock lateness: min ${late[0]!.toFixed(3)} median ${late[15]!.toFixed(3)} max ${late.at(-1)!.toFixed(3)} ms\n`);
  assert.ok(late[0]! >= 0, `fired ${-late[0]!} ms early`);
  assert.ok(late[15]! < 1, `median lateness ${late[15]} ms`);
  let fired = false;
  const h = clock.setTimer(() => (fired = true), 5);
  clock.clearTimer(h);
  const h2 = clock.setTimer(() => (fired = true), 0.5); // inside the setImmediate stretch
  clock.clearTimer(h2);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired, false);
});

test('InstanceTimers on the real clock: re-arming replaces the deadline', async () => {
  const clock = realClock();
  const fired: Array<[string, number]> = [];
  const t0 = clock.now();
  const timers = new InstanceTimers(clock, (name) => fired.push([name, clock.now() - t0]));
  timers.set('adver', t0 + 10);
  timers.set('adver', t0 + 30);
  timers.set('masterDown', t0 + 20);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(fired.map(([n]) => n), ['masterDown', 'adver']);
  assert.ok(fired[1]![1] >= 30, `adver fired at ${fired[1]![1]}`);
  assert.deepEqual(timers.armed(), []);
});
