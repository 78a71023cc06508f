// Runtime: the checker pool. Every probe is scheduled on one timer queue from the policy's
// delays, run under a concurrency bound (network probes and scripts apart, so a slow or hung
// target only ever holds its own slot until its deadline), measured for lateness against its
// schedule, and fed to the pure policy; when the policy's table changes, the whole desired
// table goes to the IPVS reconciler (which turns a changed weight into one edit). Identical
// probes of one real server under several virtual servers run once per period and feed every
// virtual server. No I/O here but through checkers and the sink.
//
// The pool allocates nothing per probe that outlives it: the timer queue keeps entries in
// arrays of numbers (timer-queue.ts TimerHeap), each unit holds its own callbacks, made once, and
// checkers with a callback probe (callback-probe.ts) run without a promise or an AbortSignal
// listener. Objects that live a whole delay_loop (one queue entry per probe) were what the
// garbage collector copied and promoted, with pauses of 10-30 ms at 10,000 probes a second.
// The concurrency bound is a counter and a queue of units (pool-slots.ts), not p-limit.
import { performance } from 'node:perf_hooks';
import type { ResolvedChecker, ResolvedRealServer, ResolvedVirtualServer } from '../config/resolve-lvs.js';
import type { VirtualServer } from '../ipvs/types.js';
import { LvsPolicy, type PolicyAction, type PolicyOptions } from './aggregate.js';
import { buildChecker, type Built, type FactoryContext } from './factory.js';
import { hasCallbackProbe, type CallbackProbe } from './callback-probe.js';
import { firstDelay, initialState, steadyPass, step, type CheckerEvent, type CheckerState, type CheckerTiming } from './policy.js';
import { virtualServersOf } from './table.js';
import { Slots } from './pool-slots.js';
import type { PoolEvent, PoolStats, ProbeDone, VsLiveness, VsStatus } from './pool-types.js';
import { TimerHeap } from './timer-queue.js';
import { CheckError, fail, type Checker, type ProbeResult } from './types.js';

/** Monotonic milliseconds and timers; tests inject a manual clock. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(h: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Where the desired table goes: src/ipvs/reconcile.ts Reconciler fits as it is. */
export interface TableSink {
  setDesired(servers: readonly VirtualServer[]): Promise<unknown>;
}

export type { PoolEvent, PoolStats, ProbeDone, RsStatus, VsLiveness, VsStatus } from './pool-types.js';

export type BuildFn = (ck: ResolvedChecker, vs: ResolvedVirtualServer, rs: ResolvedRealServer) => Built;

export interface PoolOptions {
  virtualServers: readonly ResolvedVirtualServer[];
  sink: TableSink;
  /** Checker construction (default: factory.ts buildChecker with `context`). */
  build?: BuildFn;
  context?: FactoryContext;
  clock?: Clock;
  random?: () => number;
  /** Concurrent network probes (default 4096) and scripts (default 64). */
  concurrency?: { net?: number; script?: number };
  onEvent?: (e: PoolEvent) => void;
  policy?: PolicyOptions;
  /** Indexes of virtual servers whose checks start suspended (ha_suspend without the VIP). */
  suspended?: Iterable<number>;
  /**
   * Probes due within this many ms start together (default 10): one timer wake-up and one event
   * loop turn serve several probes. A probe may start up to this much early, never late because
   * of it.
   */
  tickMs?: number;
  /**
   * Checker states carried over from the pool this one replaces (a reload), by unit key
   * (`states()` of the old pool): a server that was down stays down, no check starts again from alpha.
   */
  carry?: ReadonlyMap<string, CheckerState>;
  /** Called after every probe (metrics). */
  onProbe?: (p: ProbeDone) => void;
}

interface Sub {
  v: number;
  r: number;
  c: number;
}

interface Unit {
  key: string;
  checker: Checker;
  timing: CheckerTiming;
  state: CheckerState;
  subs: Sub[];
  names: string[];
  logAll: boolean;
  /** The concurrency class it runs in (none: FILE_CHECK, which only reads a file). */
  slots?: Slots<Unit>;
  gen: number;
  /** Aborted only at stop; one per unit (a unit runs one probe at a time), not one per probe. */
  abort: AbortController;
  running: boolean;
  /** The checker has a callback probe (no promise per probe). */
  fast: boolean;
  /** The probe in flight (or waiting for a slot): when it was due and when it started. */
  due: number;
  startedAt: number;
  /** Where its lateness sample is (a callback probe's worker queue time is added at its end). */
  lateAt: number;
  /** Where the probe's result goes; made once per unit. */
  onDone: (r: ProbeResult) => void;
  onError: (e: unknown) => void;
  stopWatch?: () => void;
}

const LATE_SAMPLES = 65536;
const MAX_BATCH = 256;

export class CheckPool {
  readonly policy: LvsPolicy;
  private readonly units: Unit[] = [];
  /** Units by due time; the tag is the unit's generation when pushed (stale entries skip). */
  private readonly queue = new TimerHeap<Unit>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly emit: (e: PoolEvent) => void;
  private readonly netSlots: Slots<Unit>;
  private readonly scriptSlots: Slots<Unit>;
  private draining = false;
  private readonly suspended = new Set<number>();
  private timer: unknown;
  private timerAt = Infinity;
  private stopped = false;
  private started = false;
  private pushScheduled = false;
  private pushing?: Promise<void>;
  private pushedVersion = -1;
  private readonly late = new Float64Array(LATE_SAMPLES);
  private lateN = 0;
  private probes = 0;
  private failures = 0;
  private inFlight = 0;
  private readonly tickMs: number;

  constructor(private readonly o: PoolOptions) {
    this.tickMs = o.tickMs ?? 10;
    this.clock = o.clock ?? realClock;
    this.random = o.random ?? Math.random;
    this.emit = o.onEvent ?? (() => undefined);
    this.netSlots = new Slots<Unit>(o.concurrency?.net ?? 4096);
    this.scriptSlots = new Slots<Unit>(o.concurrency?.script ?? 64);
    for (const v of o.suspended ?? []) this.suspended.add(v);
    const build = o.build ?? ((ck, vs, rs) => buildChecker(ck, vs, rs, o.context));
    const byKey = new Map<string, Unit>();
    const problems: string[] = [];
    o.virtualServers.forEach((vs, v) =>
      vs.real_servers.forEach((rs, r) =>
        rs.checkers.forEach((ck, c) => {
          let b: Built;
          try {
            b = build(ck, vs, rs);
          } catch (e) {
            problems.push(`virtual server ${vs.id}, real server ${rs.address}:${rs.port}: ${(e as Error).message}`);
            return;
          }
          const key = `${b.checker.key}|${JSON.stringify(b.timing)}`;
          let u = byKey.get(key);
          if (u) b.checker.close?.();
          else {
            const carried = o.carry?.get(key);
            const unit: Unit = {
              key, checker: b.checker, timing: b.timing, state: carried ? { ...carried } : initialState(b.timing), subs: [], names: [], logAll: ck.log_all_failures,
              gen: 0, abort: new AbortController(), running: false, fast: hasCallbackProbe(b.checker), due: 0, startedAt: 0, lateAt: 0,
              onDone: (r) => this.finished(unit, r),
              onError: (e) => this.finished(unit, fail('error', `${unit.checker.target}: ${(e as Error)?.message ?? String(e)}`)),
            };
            u = unit;
            if (ck.type === 'MISC_CHECK') u.slots = this.scriptSlots;
            else if (ck.type !== 'FILE_CHECK') u.slots = this.netSlots;
            byKey.set(key, u);
            this.units.push(u);
          }
          u.subs.push({ v, r, c });
          u.names.push(`${rs.address}:${rs.port} of VS ${vs.id}`);
        }),
      ),
    );
    if (problems.length) {
      for (const u of this.units) u.checker.close?.();
      throw new CheckError('LVSD_CHECK_UNSUPPORTED', `checkers lvsd cannot run:\n  ${problems.join('\n  ')}`);
    }
    const initial = new Map<string, boolean>();
    for (const u of this.units) for (const s of u.subs) initial.set(`${s.v}/${s.r}/${s.c}`, u.state.isUp);
    this.policy = new LvsPolicy(o.virtualServers, (v, r, c) => initial.get(`${v}/${r}/${c}`) ?? true, o.policy);
  }

  /** Number of distinct probes (after sharing identical ones). */
  get unitCount(): number {
    return this.units.length;
  }

  /**
   * Reads tracked files, programs the initial table (live servers in, alpha ones out, sorry
   * server if quorum cannot be met), then starts every checker after its warmup.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const u of this.units) {
      if (u.checker.type !== 'FILE_CHECK') continue;
      // track_file.c: the file is read before the pool starts; its state is known at once.
      const r = await u.checker.probe(new AbortController().signal, this.clock.now() + u.checker.budgetMs);
      if (!r.ok) {
        u.state = { ...u.state, isUp: false, hasRun: true };
        for (const s of u.subs) this.policy.checkerEvent(s.v, s.r, 'down');
      } else {
        u.state = { ...u.state, hasRun: true };
        if (r.weight) for (const s of u.subs) this.actions(this.policy.weightChange(s.v, s.r, s.c, r.weight, 'delta'));
      }
    }
    this.actions(this.policy.start());
    this.pushedVersion = this.policy.version;
    await this.o.sink.setDesired(this.table());
    const now = this.clock.now();
    for (const u of this.units) {
      if (u.checker.watch) u.stopWatch = u.checker.watch(() => this.kick(u));
      this.queue.push(now + firstDelay(u.timing, this.random), u, u.gen);
    }
    this.arm();
  }

  /** ha_suspend: suspend (or resume) the checks of virtual server v. */
  suspend(v: number, suspended: boolean): void {
    if (suspended) this.suspended.add(v);
    else this.suspended.delete(v);
  }

  /** Every unit's checker state by unit key, for the pool that replaces this one (`carry`). */
  states(): Map<string, CheckerState> {
    return new Map(this.units.map((u) => [u.key, { ...u.state }]));
  }

  /**
   * Each virtual server's quorum and whether each real server is alive, in configuration order:
   * what the daemon compares to report changes (status() without weights, checkers or the table).
   */
  liveness(): VsLiveness[] {
    return this.o.virtualServers.map((vs, v) => {
      const st = this.policy.state[v]!;
      return { id: vs.id, quorumUp: st.quorumUp, servers: vs.real_servers, alive: st.rs.map((r) => r.alive) };
    });
  }

  /** Each virtual server's quorum, weights and real servers with their checkers (for `lvsd status`). */
  status(): VsStatus[] {
    const ck = new Map<string, { type: string; target: string; up: boolean }>();
    for (const u of this.units) for (const s of u.subs) ck.set(`${s.v}/${s.r}/${s.c}`, { type: u.checker.type, target: u.checker.target, up: u.state.isUp });
    return this.o.virtualServers.map((vs, v) => {
      const st = this.policy.state[v]!;
      const dests = this.policy.dests(v);
      return {
        id: vs.id,
        quorumUp: st.quorumUp,
        sorryActive: dests.some((d) => d.sorry && d.weight > 0),
        liveWeight: this.policy.liveWeight(v),
        totalWeight: vs.real_servers.reduce((n, rs) => n + Math.max(0, rs.weight), 0),
        realServers: vs.real_servers.map((rs, r) => ({
          address: rs.address,
          port: rs.port,
          alive: st.rs[r]!.alive,
          weight: dests.find((d) => d.rs === rs)?.weight ?? 0,
          configured: rs.weight,
          checkers: rs.checkers.map((_c, c) => ck.get(`${v}/${r}/${c}`)).filter((x): x is { type: string; target: string; up: boolean } => x !== undefined),
        })),
      };
    });
  }

  /**
   * Stops probing (in-flight probes are aborted); returns the omega notifications. `quiet`: a
   * reload hands the pool over, so no omega notification and no table change.
   */
  async stop(opts: { quiet?: boolean } = {}): Promise<PolicyAction[]> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.queue.clear();
    for (const u of this.units) {
      if (u.running && u.fast) (u.checker as Checker & CallbackProbe).cancelProbe();
      u.abort.abort();
      u.stopWatch?.();
      u.checker.close?.();
    }
    this.netSlots.clear();
    this.scriptSlots.clear();
    await this.pushing;
    if (opts.quiet) return [];
    const acts = this.policy.stop();
    this.actions(acts);
    return acts;
  }

  /** Starts a new measurement window (counters and lateness samples). */
  resetStats(): void {
    this.lateN = 0;
    this.probes = 0;
    this.failures = 0;
  }

  stats(): PoolStats {
    const n = Math.min(this.lateN, LATE_SAMPLES);
    const s = Float64Array.from(this.late.subarray(0, n)).sort();
    const q = (p: number): number => (n ? (s[Math.min(n - 1, Math.floor(p * n))] as number) : 0);
    return { probes: this.probes, failures: this.failures, inFlight: this.inFlight, units: this.units.length, lateness: { p50: q(0.5), p99: q(0.99), max: n ? (s[n - 1] as number) : 0, samples: n } };
  }

  /** The whole desired table now. */
  table(): VirtualServer[] {
    const out: VirtualServer[] = [];
    this.o.virtualServers.forEach((vs, v) => out.push(...virtualServersOf(vs, this.policy.dests(v))));
    return out;
  }

  private kick(u: Unit): void {
    if (this.stopped || u.running) return;
    u.gen++;
    this.queue.push(this.clock.now(), u, u.gen);
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const at = this.queue.peekAt();
    if (at === Infinity) return;
    if (this.timer !== undefined && at >= this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimer(this.fireFn, Math.max(0, at - this.clock.now()));
  }

  private readonly fireFn = (): void => this.fire();

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.stopped) return;
    const now = this.clock.now();
    // At most MAX_BATCH launches per wake-up: completions and other timers run in between.
    let n = 0;
    const q = this.queue;
    while (n < MAX_BATCH && q.peekAt() <= now + this.tickMs) {
      const at = q.peekAt();
      q.pop();
      const unit = q.poppedItem as Unit;
      if (q.poppedTag !== unit.gen) continue;
      this.launch(unit, at, now);
      n++;
    }
    this.arm();
  }

  private enabled(u: Unit): boolean {
    if (this.suspended.size === 0) return true;
    return u.subs.some((s) => !this.suspended.has(s.v));
  }

  private launch(u: Unit, due: number, now: number): void {
    if (!this.enabled(u)) {
      // check_*.c: a disabled checker only re-arms itself every delay_loop.
      this.queue.push(now + u.timing.delayLoopMs, u, u.gen);
      return;
    }
    this.inFlight++;
    u.due = due;
    const slots = u.slots;
    // A probe that does not wait for a slot starts now: no second clock read (clock_gettime is
    // a real system call in some kernels, UML among them). One that waits reads it when it starts.
    if (!slots) this.run(u, now);
    else if (slots.active < slots.max && slots.pending === 0) {
      slots.active++;
      this.run(u, now);
    } else slots.enqueue(u);
  }

  private run(u: Unit, start: number): void {
    u.lateAt = this.lateN++ % LATE_SAMPLES;
    this.late[u.lateAt] = start - u.due;
    u.running = true;
    u.startedAt = start;
    const deadline = start + u.checker.budgetMs;
    if (u.fast) return (u.checker as Checker & CallbackProbe).startProbe(deadline, u.onDone);
    let p: Promise<ProbeResult>;
    try {
      p = u.checker.probe(u.abort.signal, deadline);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(u.onDone, u.onError);
  }

  /** A probe ended: its slot goes to the next waiting unit, its result to the policy. */
  private finished(u: Unit, r: ProbeResult): void {
    if (!u.running) return;
    u.running = false;
    this.inFlight--;
    if (u.slots) {
      u.slots.active--;
      if (!this.stopped) this.drain(u.slots);
    }
    if (this.stopped) return;
    let ran: number | undefined;
    if (u.fast) {
      // The probe really started when a worker thread got to it: that wait is lateness too.
      const c = u.checker as Checker & CallbackProbe;
      if (c.startDelayMs) this.late[u.lateAt] = (this.late[u.lateAt] as number) + c.startDelayMs;
      ran = c.probeMs;
    }
    this.probes++;
    if (!r.ok) this.failures++;
    const end = this.clock.now();
    const ms = ran ?? end - u.startedAt;
    if (this.o.onProbe) this.o.onProbe({ type: u.checker.type, target: u.checker.target, ok: r.ok, reason: r.reason, ms });
    this.result(u, r, ms, end, u.due);
  }

  /** Starts waiting units while slots are free (once: a probe that ends at once does not recurse). */
  private drain(slots: Slots<Unit>): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (slots.active < slots.max && slots.pending > 0) {
        const w = slots.dequeue() as Unit;
        slots.active++;
        this.run(w, this.clock.now());
      }
    } finally {
      this.draining = false;
    }
  }

  /** `ms`: how long the probe took; `end`: now. */
  private result(u: Unit, r: ProbeResult, ms: number, end: number, due: number): void {
    let delayMs = u.timing.delayLoopMs;
    let from: 'start' | 'end' = 'end';
    let event: CheckerEvent | undefined;
    // The steady state (a pass of a checker that is up) changes nothing: no step, no objects.
    if (!steadyPass(u.timing, u.state, r.ok)) {
      const s = step(u.timing, u.state, r.ok);
      // The same state as before keeps the old object: nothing new lives until the next probe.
      if (!sameState(u.state, s.state)) u.state = s.state;
      delayMs = s.delayMs;
      from = s.from;
      event = s.event;
    }
    if (r.weight !== undefined && r.ok) {
      for (const x of u.subs) this.actions(this.policy.weightChange(x.v, x.r, x.c, r.weight, r.weightMode ?? 'set'));
    } else if (!r.ok && u.checker.type === 'FILE_CHECK') {
      // track_file.c: a fault takes the file's weight back out.
      for (const x of u.subs) this.actions(this.policy.weightChange(x.v, x.r, x.c, 0, 'delta'));
    }
    if (event) {
      this.emit({ kind: 'checker', type: u.checker.type, target: u.checker.target, servers: u.names, event, retry: u.timing.retry, result: r });
      for (const x of u.subs) this.actions(this.policy.checkerEvent(x.v, x.r, event));
    } else if (!r.ok && u.logAll) this.emit({ kind: 'failure', target: u.checker.target, result: r });
    // keepalived waits the delay after the probe ends (MISC_CHECK: after it started). Counting
    // from when the probe was due rather than when it actually started keeps the pool's own
    // lateness (a busy turn of the event loop, probes started together) from accumulating and
    // from bunching probes that happened to finish together. For the same reason the duration
    // is the probe's own when its checker measured it (a worker thread's connect to end), not
    // when its result reached the pool: probes delivered in one batch would otherwise all move
    // by the batch's delay, together, and merge with their neighbours into ever larger batches.
    const at = from === 'start' ? Math.max(end, due + delayMs) : due + ms + delayMs;
    this.queue.push(at, u, u.gen);
    this.arm();
    if (this.policy.version !== this.pushedVersion) this.schedulePush();
  }

  private actions(a: PolicyAction[]): void {
    for (const action of a) this.emit({ kind: 'action', action });
  }

  /** Coalesces the changes of one turn of the event loop into one push of the table. */
  private schedulePush(): void {
    if (this.pushScheduled || this.stopped) return;
    this.pushScheduled = true;
    setImmediate(() => void this.push());
  }

  private async push(): Promise<void> {
    await this.pushing;
    this.pushScheduled = false;
    if (this.stopped || this.policy.version === this.pushedVersion) return;
    this.pushedVersion = this.policy.version;
    const servers = this.table();
    this.pushing = this.o.sink.setDesired(servers).then(
      () => undefined,
      (e: Error) => {
        this.pushedVersion = -1; // push again at the next change
        this.emit({ kind: 'table-error', error: e });
      },
    );
    await this.pushing;
  }
}

function sameState(a: CheckerState, b: CheckerState): boolean {
  return a.isUp === b.isUp && a.hasRun === b.hasRun && a.retryIt === b.retryIt && a.failedPending === b.failedPending;
}
