// The pool's fast path: checkers with a callback probe (no promise per probe) keep keepalived's
// timing exactly as promise checkers do; stop cancels the probe in flight; the concurrency bound
// holds with probes waiting for a slot; a probe that ends at once (inside startProbe) is fine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckPool, type Clock } from '../../../src/check/scheduler.js';
import { timingOf } from '../../../src/check/factory.js';
import type { CallbackProbe } from '../../../src/check/callback-probe.js';
import { fail, ok, type Checker, type Deadline, type ProbeResult } from '../../../src/check/types.js';
import { Reconciler } from '../../../src/ipvs/reconcile.js';
import type { ResolvedChecker } from '../../../src/config/resolve-lvs.js';
import { FakeKernel } from '../ipvs/fake-kernel.js';
import { rs, tcpCk, vs } from './fixtures.js';

class ManualClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private id = 0;
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.id;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimer(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = target;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** A callback checker whose probes take `takesMs` of the manual clock (0: done inside startProbe). */
class Callback implements Checker, CallbackProbe {
  readonly type = 'TCP_CHECK';
  readonly budgetMs = 3000;
  up = true;
  takesMs = 0;
  readonly starts: number[] = [];
  cancels = 0;
  promiseCalls = 0;
  inFlight = 0;
  maxInFlight = 0;
  private pending: unknown;
  constructor(
    readonly key: string,
    private readonly clock: ManualClock,
    private readonly shared: { inFlight: number; max: number },
  ) {}
  get target(): string {
    return `callback ${this.key}`;
  }
  probe(): Promise<ProbeResult> {
    this.promiseCalls++;
    return Promise.resolve(ok('x'));
  }
  startProbe(_deadline: Deadline, done: (r: ProbeResult) => void): void {
    this.starts.push(this.clock.now());
    const r = this.up ? ok('up') : fail('refused', 'down');
    if (this.takesMs === 0) return done(r);
    this.shared.inFlight++;
    this.shared.max = Math.max(this.shared.max, this.shared.inFlight);
    this.pending = this.clock.setTimer(() => {
      this.pending = undefined;
      this.shared.inFlight--;
      done(r);
    }, this.takesMs);
  }
  cancelProbe(): void {
    this.cancels++;
    if (this.pending !== undefined) {
      this.clock.clearTimer(this.pending);
      this.shared.inFlight--;
      this.pending = undefined;
    }
  }
}

function rig(n: number, o: { net?: number; takesMs?: number } = {}) {
  const clock = new ManualClock();
  const k = new FakeKernel();
  const shared = { inFlight: 0, max: 0 };
  const checkers = new Map<string, Callback>();
  const ck = (address: string): ResolvedChecker => ({ ...tcpCk(), retry: 2, connection: { address, port: 80, connect_timeout: 3 } }) as ResolvedChecker;
  const servers = Array.from({ length: n }, (_, i) => rs(i + 1, { checkers: [ck(`10.0.1.${i + 1}`)] }));
  const pool = new CheckPool({
    virtualServers: [vs({ real_servers: servers })],
    sink: new Reconciler({ kernel: k, driftIntervalMs: 0 }),
    clock,
    random: () => 0,
    ...(o.net ? { concurrency: { net: o.net } } : {}),
    build: (c) => {
      const key = c.type === 'TCP_CHECK' ? c.connection.address : 'x';
      const cb = new Callback(key, clock, shared);
      cb.takesMs = o.takesMs ?? 0;
      checkers.set(key, cb);
      return { checker: cb, timing: timingOf(c) };
    },
  });
  return { clock, k, pool, checkers, shared };
}

test('callback probes keep the schedule and the retry policy of promise probes', async () => {
  const { clock, k, pool, checkers } = rig(2);
  await pool.start();
  const c1 = checkers.get('10.0.1.1') as Callback;
  await clock.advance(12000);
  assert.deepEqual(c1.starts, [0, 5000, 10000]);
  assert.equal(c1.promiseCalls, 0, 'the pool used the callback path');
  c1.up = false;
  const before = k.ops.length;
  await clock.advance(6000); // 15000, 16000 fail (retry 2): no change yet; 17000 third failure
  assert.deepEqual(c1.starts.slice(3), [15000, 16000, 17000]);
  assert.deepEqual(k.described.slice(before), ['del-dest TCP 10.0.0.1:80 -> 10.0.1.1:80']);
  c1.up = true;
  await clock.advance(5000);
  assert.deepEqual(k.described.slice(before + 1), ['add-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 1)']);
  assert.equal(pool.stats().probes, c1.starts.length + (checkers.get('10.0.1.2') as Callback).starts.length);
  await pool.stop();
});

test('the next probe counts from the end of a probe that took time, as keepalived does', async () => {
  const { clock, pool, checkers } = rig(1, { takesMs: 200 });
  await pool.start();
  await clock.advance(11000);
  assert.deepEqual((checkers.get('10.0.1.1') as Callback).starts, [0, 5200, 10400]);
  await pool.stop();
});

test('stop cancels the callback probe in flight; its result never arrives', async () => {
  const { clock, pool, checkers } = rig(1, { takesMs: 1000 });
  await pool.start();
  await clock.advance(500);
  const c = checkers.get('10.0.1.1') as Callback;
  assert.equal(c.starts.length, 1);
  await pool.stop();
  assert.equal(c.cancels, 1);
  await clock.advance(5000);
  assert.equal(pool.stats().probes, 0);
  assert.equal(c.starts.length, 1);
});

test('the concurrency bound holds: probes wait for a slot and start, late, when one frees', async () => {
  const { clock, pool, checkers, shared } = rig(5, { net: 2, takesMs: 100 });
  await pool.start();
  await clock.advance(350);
  assert.equal(shared.max, 2);
  // Due at 0 each; started two by two as slots free: 0, 0, 100, 100, 200.
  const starts = [...checkers.values()].map((c) => c.starts[0]).sort((a, b) => (a ?? 0) - (b ?? 0));
  assert.deepEqual(starts, [0, 0, 100, 100, 200]);
  const st = pool.stats();
  assert.equal(st.lateness.max, 200);
  assert.equal(st.probes, 5);
  await pool.stop();
});

test('probes that end inside startProbe, with every slot taken, run in turn without recursion', async () => {
  const { clock, pool, checkers } = rig(40, { net: 1 });
  await pool.start();
  await clock.advance(10);
  for (const c of checkers.values()) assert.equal(c.starts.length, 1);
  assert.equal(pool.stats().probes, 40);
  assert.equal(pool.stats().inFlight, 0);
  await pool.stop();
});
