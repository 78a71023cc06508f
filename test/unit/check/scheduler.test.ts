// The checker pool with an injected clock and scripted checkers, driving the real IPVS
// reconciler over the in-memory kernel: probe timing, shared probes across virtual servers,
// exact table operations, ha_suspend, file changes, and (real clock) a hung target that does
// not delay the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { CheckPool, type Clock, type PoolEvent } from '../../../src/check/scheduler.js';
import { timingOf } from '../../../src/check/factory.js';
import { fail, ok, type Checker, type ProbeResult } from '../../../src/check/types.js';
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
  /** Moves time forward, firing timers in order and letting promises and immediates settle. */
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

/** A checker whose answer the test sets; records when it was probed. */
class Scripted implements Checker {
  readonly type = 'TCP_CHECK';
  readonly budgetMs = 3000;
  up = true;
  weight?: number;
  readonly calls: number[] = [];
  constructor(
    readonly key: string,
    private readonly clock: Clock,
  ) {}
  get target(): string {
    return `scripted ${this.key}`;
  }
  probe(): Promise<ProbeResult> {
    this.calls.push(this.clock.now());
    if (!this.up) return Promise.resolve(fail('refused', 'scripted down'));
    return Promise.resolve(this.weight !== undefined ? ok('scripted up', { weight: this.weight, weightMode: 'set' }) : ok('scripted up'));
  }
}

function rig(vss: ReturnType<typeof vs>[], o: { suspended?: number[] } = {}) {
  const clock = new ManualClock();
  const k = new FakeKernel();
  const rec = new Reconciler({ kernel: k, driftIntervalMs: 0 });
  const checkers = new Map<string, Scripted>();
  const events: PoolEvent[] = [];
  const pool = new CheckPool({
    virtualServers: vss,
    sink: rec,
    clock,
    random: () => 0,
    onEvent: (e) => events.push(e),
    ...(o.suspended ? { suspended: o.suspended } : {}),
    build: (ck: ResolvedChecker) => {
      const key = ck.type === 'TCP_CHECK' ? `${ck.connection.address}:${ck.connection.port}` : ck.type;
      let c = checkers.get(key);
      if (!c) checkers.set(key, (c = new Scripted(key, clock)));
      return { checker: c, timing: timingOf(ck) };
    },
  });
  return { clock, k, pool, checkers, events };
}

const ck = (address: string, o: Partial<ResolvedChecker> = {}): ResolvedChecker =>
  ({ ...tcpCk(), connection: { address, port: 80, connect_timeout: 3 }, ...o }) as ResolvedChecker;

test('start programs the table; a failing server is removed after retry + 1 failures, delay_before_retry apart; one del-dest, nothing else', async () => {
  const v = vs({ real_servers: [rs(1, { checkers: [ck('10.0.1.1', { retry: 2 } as Partial<ResolvedChecker>)] }), rs(2, { checkers: [ck('10.0.1.2')] })] });
  const { clock, k, pool, checkers } = rig([v]);
  await pool.start();
  assert.deepEqual(k.described, [
    'add-service TCP 10.0.0.1:80 (wrr)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 1)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (masq, weight 1)',
  ]);
  const c1 = checkers.get('10.0.1.1:80') as Scripted;
  await clock.advance(12000); // probes at 0, 5000, 10000 (warmup 0 with random() = 0)
  assert.deepEqual(c1.calls, [0, 5000, 10000]);
  c1.up = false;
  const before = k.ops.length;
  await clock.advance(3000); // 15000 fails
  await clock.advance(1000); // 16000 fails
  assert.equal(k.ops.length, before, `no change during retries: ${k.described.slice(before).join('; ')}`);
  await clock.advance(1000); // 17000: third failure -> removed
  assert.deepEqual(c1.calls.slice(3), [15000, 16000, 17000]);
  assert.deepEqual(k.described.slice(before), ['del-dest TCP 10.0.0.1:80 -> 10.0.1.1:80']);
  c1.up = true;
  await clock.advance(5000); // 22000 passes -> added back
  assert.deepEqual(k.described.slice(before + 1), ['add-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 1)']);
  await pool.stop();
});

test('inhibit_on_failure: a failure is one weight edit to 0, recovery one edit back', async () => {
  const v = vs({ real_servers: [rs(1, { inhibit_on_failure: true, weight: 5, checkers: [ck('10.0.1.1')] }), rs(2, { checkers: [ck('10.0.1.2')] })] });
  const { clock, k, pool, checkers } = rig([v]);
  await pool.start();
  const n = k.ops.length;
  (checkers.get('10.0.1.1:80') as Scripted).up = false;
  await clock.advance(7000);
  assert.deepEqual(k.described.slice(n), ['edit-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 0)']);
  (checkers.get('10.0.1.1:80') as Scripted).up = true;
  await clock.advance(6000);
  assert.deepEqual(k.described.slice(n + 1), ['edit-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 5)']);
  await pool.stop();
});

test('a real server under two virtual servers with the same check is probed once per period and feeds both', async () => {
  const a = vs({ id: 'A', real_servers: [rs(1, { checkers: [ck('10.0.1.1')] })] });
  const b = vs({
    id: 'B',
    services: [{ kind: 'address', family: 'inet', first: '10.0.0.2', last: '10.0.0.2', port: 80, protocol: 'TCP' }],
    real_servers: [rs(1, { checkers: [ck('10.0.1.1')] })],
  });
  const { clock, k, pool, checkers } = rig([a, b]);
  assert.equal(pool.unitCount, 1);
  await pool.start();
  const c = checkers.get('10.0.1.1:80') as Scripted;
  await clock.advance(20000);
  assert.deepEqual(c.calls, [0, 5000, 10000, 15000, 20000]);
  c.up = false;
  const n = k.ops.length;
  await clock.advance(7000);
  assert.deepEqual(k.described.slice(n).sort(), ['del-dest TCP 10.0.0.1:80 -> 10.0.1.1:80', 'del-dest TCP 10.0.0.2:80 -> 10.0.1.1:80']);
  await pool.stop();
});

test('sorry server in and out through the reconciler, as single operations', async () => {
  const v = vs({
    quorum: 2,
    real_servers: [rs(1, { checkers: [ck('10.0.1.1')] }), rs(2, { checkers: [ck('10.0.1.2')] })],
    sorry_server: { address: '10.0.9.9', port: 80, method: { method: 'NAT' }, inhibit: false },
  });
  const { clock, k, pool, checkers } = rig([v]);
  await pool.start();
  const n = k.ops.length;
  (checkers.get('10.0.1.1:80') as Scripted).up = false;
  await clock.advance(7000);
  assert.deepEqual(k.described.slice(n).sort(), [
    'add-dest TCP 10.0.0.1:80 -> 10.0.9.9:80 (masq, weight 1)',
    'del-dest TCP 10.0.0.1:80 -> 10.0.1.1:80',
    'del-dest TCP 10.0.0.1:80 -> 10.0.1.2:80',
  ]);
  (checkers.get('10.0.1.1:80') as Scripted).up = true;
  const m = k.ops.length;
  await clock.advance(6000);
  assert.deepEqual(k.described.slice(m).sort(), [
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 1)',
    'add-dest TCP 10.0.0.1:80 -> 10.0.1.2:80 (masq, weight 1)',
    'del-dest TCP 10.0.0.1:80 -> 10.0.9.9:80',
  ]);
  await pool.stop();
});

test('misc_dynamic weight: one edit when it changes, none when it repeats', async () => {
  const misc: ResolvedChecker = { type: 'MISC_CHECK', misc_path: '/bin/x', misc_timeout: 3, misc_dynamic: true, alpha: false, retry: 0, delay_before_retry: 1, delay_loop: 2, warmup: 0, log_all_failures: false };
  const v = vs({ real_servers: [rs(1, { weight: 3, checkers: [misc] })] });
  const { clock, k, pool, checkers } = rig([v]);
  await pool.start();
  const c = checkers.get('MISC_CHECK') as Scripted;
  c.weight = 7;
  const n = k.ops.length;
  await clock.advance(10000);
  assert.deepEqual(k.described.slice(n), ['edit-dest TCP 10.0.0.1:80 -> 10.0.1.1:80 (masq, weight 7)']);
  await pool.stop();
});

test('ha_suspend: a suspended virtual server is not probed until resumed', async () => {
  const v = vs({ real_servers: [rs(1, { checkers: [ck('10.0.1.1')] })] });
  const { clock, pool, checkers } = rig([v], { suspended: [0] });
  await pool.start();
  const c = checkers.get('10.0.1.1:80') as Scripted;
  await clock.advance(20000);
  assert.deepEqual(c.calls, []);
  pool.suspend(0, false);
  await clock.advance(5000);
  assert.ok(c.calls.length >= 1);
  await pool.stop();
});

test('events: a state change is reported once, not per probe; with omega, stop returns the notifications', async () => {
  const v = vs({ omega: true, quorum_down: { command: '/q-down' }, real_servers: [rs(1, { notify_down: { command: '/down' }, checkers: [ck('10.0.1.1', { retry: 0 } as Partial<ResolvedChecker>)] }), rs(2, { checkers: [ck('10.0.1.2')] })] });
  const { clock, pool, checkers, events } = rig([v]);
  await pool.start();
  (checkers.get('10.0.1.1:80') as Scripted).up = false;
  await clock.advance(60000);
  const changes = events.filter((e) => e.kind === 'checker');
  assert.equal(changes.length, 1);
  assert.equal(changes[0]?.kind === 'checker' && changes[0].event, 'down');
  const acts = await pool.stop();
  assert.deepEqual(acts.map((a) => (a.kind === 'notify' ? a.command.command : a.kind)), ['/q-down']);
});

test('real clock: one hung target does not delay the others (lateness stays small)', async () => {
  const k = new FakeKernel();
  const hung: Checker = { type: 'TCP_CHECK', key: 'hung', target: 'hung', budgetMs: 2000, probe: (signal) => new Promise((res) => signal.addEventListener('abort', () => res(fail('aborted', 'x')))) };
  const quick = (key: string): Checker => ({ type: 'TCP_CHECK', key, target: key, budgetMs: 2000, probe: () => new Promise((res) => setTimeout(() => res(ok('')), 1)) });
  const servers = Array.from({ length: 50 }, (_, i) => rs(i + 1, { checkers: [ck(`10.0.1.${i + 1}`, { delay_loop: 0.05, warmup: 0.05 } as Partial<ResolvedChecker>)] }));
  const pool = new CheckPool({
    virtualServers: [vs({ real_servers: servers })],
    sink: new Reconciler({ kernel: k, driftIntervalMs: 0 }),
    concurrency: { net: 16 },
    build: (c) => ({ checker: c.type === 'TCP_CHECK' && c.connection.address === '10.0.1.1' ? hung : quick(c.type === 'TCP_CHECK' ? c.connection.address : 'x'), timing: timingOf(c) }),
  });
  await pool.start();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 600));
  const st = pool.stats();
  await pool.stop();
  assert.ok(performance.now() - t0 >= 600);
  assert.ok(st.probes > 49 * 6, `only ${st.probes} probes`);
  // Blocked behind the hung probe, others would start up to its 2000 ms budget late.
  assert.ok(st.lateness.p99 < 300, `p99 lateness ${st.lateness.p99} ms`);
});

test('FILE_CHECK: a change of the tracked file applies at once (not at the next period): weight delta, then fault', async () => {
  const { mkdtempSync, writeFileSync, rmSync, renameSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-pool-file-'));
  const file = join(dir, 'w');
  writeFileSync(file, '0\n');
  const k = new FakeKernel();
  const fileCk: ResolvedChecker = { type: 'FILE_CHECK', track_file: 'tf', dynamic: false, reverse: false, alpha: false, retry: 1, delay_before_retry: 1, delay_loop: 60, warmup: 0, log_all_failures: false };
  const pool = new CheckPool({
    virtualServers: [vs({ real_servers: [rs(1, { weight: 10, checkers: [fileCk] }), rs(2, { checkers: [] })] })],
    sink: new Reconciler({ kernel: k, driftIntervalMs: 0 }),
    context: { trackFiles: new Map([['tf', { file, weight: 2, reverse: false }]]) },
  });
  const weightOf = () => [...(k.table.values().next().value?.dests.values() ?? [])].find((d) => d.address === '10.0.1.1')?.weight;
  const until = async (f: () => boolean) => {
    const t0 = Date.now();
    while (!f()) {
      if (Date.now() - t0 > 3000) throw new Error(`timed out; table ${k.described.join('; ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return Date.now() - t0;
  };
  try {
    await pool.start();
    assert.equal(weightOf(), 10);
    writeFileSync(`${file}.tmp`, '3\n');
    renameSync(`${file}.tmp`, file);
    const ms = await until(() => weightOf() === 16); // 10 + 3 * 2
    assert.ok(ms < 2000, `took ${ms} ms with delay_loop 60 s`);
    writeFileSync(`${file}.tmp`, '-40000\n'); // * 2 = -80000 <= -65535: fault
    renameSync(`${file}.tmp`, file);
    await until(() => weightOf() === undefined);
  } finally {
    await pool.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
