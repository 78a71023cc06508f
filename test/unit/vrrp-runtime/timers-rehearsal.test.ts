// Runtime tests: InstanceTimers' rehearsal of rare timers (a callback with the deadline, REHEARSE_LEAD_MS
// before it, REHEARSALS times, at most once per REHEARSAL_FRESH_MS per clock) and the dry path of
// sendAdverts (everything but the system call on a socket that can rehearse, nothing on others).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstanceTimers, REHEARSALS, REHEARSAL_FRESH_MS, REHEARSE_LEAD_MS } from '../../../src/vrrp/runtime/timers.js';
import { rehearseAdverts, sendAdverts, type AdvertTarget } from '../../../src/vrrp/runtime/transmit.js';
import type { TimerName } from '../../../src/vrrp/state.js';
import type { ReceivedPacket, VrrpSocket } from '../../../src/net/ports.js';
import { FakeClock } from './fakes.js';

type Call = [TimerName, number | undefined, number];

function recorder(clock: FakeClock): { calls: Call[]; cb: (t: TimerName, r?: number) => void } {
  const calls: Call[] = [];
  return { calls, cb: (t, r) => calls.push([t, r, clock.now()]) };
}

test('a rehearsed timer: REHEARSALS calls with the deadline REHEARSE_LEAD_MS before it, then one expiry', async () => {
  const clock = new FakeClock();
  const { calls, cb } = recorder(clock);
  const timers = new InstanceTimers(clock, cb, ['masterDown']);
  timers.set('masterDown', 100);
  await clock.advance(100 - REHEARSE_LEAD_MS - 0.001);
  assert.deepEqual(calls, [], 'nothing before the rehearsal time');
  await clock.advance(0.001);
  assert.equal(calls.length, REHEARSALS);
  for (const c of calls) assert.deepEqual(c, ['masterDown', 100, 100 - REHEARSE_LEAD_MS]);
  assert.deepEqual(timers.armed(), ['masterDown'], 'the rehearsal does not disarm the timer');
  await clock.advance(REHEARSE_LEAD_MS);
  assert.deepEqual(calls.slice(REHEARSALS), [['masterDown', undefined, 100]]);
  assert.deepEqual(timers.armed(), []);
  assert.equal(clock.pendingCount(), 0);
});

test('no rehearsal for a timer not listed, re-armed or cancelled before it, or armed closer than the lead', async () => {
  const clock = new FakeClock();
  const { calls, cb } = recorder(clock);
  const timers = new InstanceTimers(clock, cb, ['masterDown']);
  timers.set('adver', 50);
  await clock.advance(60);
  assert.deepEqual(calls, [['adver', undefined, 50]], 'adver is not rehearsed');
  calls.length = 0;
  // A backup hearing adverts: the Master_Down_Timer is re-armed before its rehearsal is due.
  timers.set('masterDown', clock.now() + 30);
  await clock.advance(20);
  timers.set('masterDown', clock.now() + 30);
  await clock.advance(20);
  timers.cancel('masterDown');
  await clock.advance(100);
  assert.deepEqual(calls, []);
  assert.equal(clock.pendingCount(), 0, 'cancel() also drops the pending rehearsal');
  timers.set('masterDown', clock.now() + REHEARSE_LEAD_MS / 2);
  await clock.advance(REHEARSE_LEAD_MS);
  assert.deepEqual(calls, [['masterDown', undefined, clock.now() - REHEARSE_LEAD_MS / 2]], 'too close for a rehearsal: only the expiry');
});

test("the Master_Down_Timer's expiry is armed with the clock's setPreciseTimer when it has one; others are not", async () => {
  const clock = new FakeClock();
  const precise: number[] = [];
  const pc = Object.assign(clock, {
    setPreciseTimer(fn: () => void, delayMs: number) {
      precise.push(clock.now() + delayMs);
      return clock.setTimer(fn, delayMs);
    },
  });
  const { calls, cb } = recorder(clock);
  const timers = new InstanceTimers(pc, cb, ['masterDown']);
  timers.set('adver', 10);
  timers.set('masterDown', 100);
  await clock.advance(200);
  assert.deepEqual(precise, [100], 'only masterDown, only its expiry (not the rehearsal)');
  const plain = new InstanceTimers(pc, cb);
  plain.set('masterDown', clock.now() + 50);
  const other = new InstanceTimers(pc, cb, [], ['adver']);
  other.set('masterDown', clock.now() + 50);
  other.set('adver', clock.now() + 60);
  assert.deepEqual(precise, [100, 250, 260], 'precise by default without a rehearse list; the owner can name others');
  calls.length = 0;
  await clock.advance(100);
  assert.equal(calls.length, 3);
});

test('without a rehearse list the callback only ever sees expiries (the one-argument form)', async () => {
  const clock = new FakeClock();
  const { calls, cb } = recorder(clock);
  const timers = new InstanceTimers(clock, cb);
  timers.set('masterDown', 200);
  await clock.advance(300);
  assert.deepEqual(calls, [['masterDown', undefined, 200]]);
});

test('a rehearsal is skipped when another ran on the same clock less than REHEARSAL_FRESH_MS before', async () => {
  const clock = new FakeClock();
  const a = recorder(clock);
  const b = recorder(clock);
  const ta = new InstanceTimers(clock, a.cb, ['masterDown']);
  const tb = new InstanceTimers(clock, b.cb, ['masterDown']);
  ta.set('masterDown', 100);
  tb.set('masterDown', 101);
  await clock.advance(200);
  assert.equal(a.calls.filter(([, r]) => r !== undefined).length, REHEARSALS);
  assert.equal(b.calls.filter(([, r]) => r !== undefined).length, 0, 'the second instance finds the code warm');
  assert.deepEqual(b.calls, [['masterDown', undefined, 101]]);
  tb.set('masterDown', clock.now() + REHEARSAL_FRESH_MS + 100);
  await clock.advance(REHEARSAL_FRESH_MS + 200);
  assert.equal(b.calls.filter(([, r]) => r !== undefined).length, REHEARSALS, 'rehearsed again once the last one is old');
});

/** A VrrpSocket fake recording send() calls with all their arguments. */
function fakeSocket(rehearsable: boolean): VrrpSocket & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const s = {
    ifname: 'eth0',
    family: 4 as const,
    calls,
    join() {},
    leave() {},
    send(...args: unknown[]) {
      calls.push(args);
      if (args[0] === '10.0.0.9') throw new Error('EADDRNOTAVAIL');
    },
    onPacket(_cb: (p: ReceivedPacket) => void) {},
    onError() {},
    close() {},
  };
  return rehearsable ? Object.assign(s, { canRehearse: true as const }) : s;
}

test('sendAdverts dry: a rehearsable socket gets every send with dry=true, others get nothing', () => {
  const targets: AdvertTarget[] = [
    { dst: '10.0.0.2', payload: Buffer.from([1]) },
    { dst: '10.0.0.9', payload: Buffer.from([2]) },
  ];
  const r = fakeSocket(true);
  const errs = rehearseAdverts(r, '10.0.0.1', targets);
  assert.deepEqual(r.calls, [
    ['10.0.0.2', targets[0]!.payload, '10.0.0.1', true],
    ['10.0.0.9', targets[1]!.payload, '10.0.0.1', true],
  ]);
  assert.deepEqual(errs.map((e) => e.message), ['EADDRNOTAVAIL'], 'the errors the real send would meet');
  const plain = fakeSocket(false);
  assert.deepEqual(rehearseAdverts(plain, '10.0.0.1', targets), []);
  assert.deepEqual(plain.calls, [], 'a socket that cannot rehearse is not called at all');
  const real = sendAdverts(plain, '10.0.0.1', targets);
  assert.deepEqual(plain.calls, [
    ['10.0.0.2', targets[0]!.payload, '10.0.0.1'],
    ['10.0.0.9', targets[1]!.payload, '10.0.0.1'],
  ]);
  assert.equal(real.length, 1);
});
