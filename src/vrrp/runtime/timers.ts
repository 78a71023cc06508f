// Runtime: one instance's named timers on the injected clock. A timer fires at or after its absolute
// deadline: a clock may wake a timer up early (Node can run a timeout up to a millisecond before
// performance.now() reaches it), so an early wake-up is re-armed for the remainder instead of delivering
// an event the core would find not yet due.
// Rehearsal: a timer that expires rarely (a backup's Master_Down_Timer expires only at a takeover) runs
// code the process has not run for a long time, or ever: V8 compiles a function on its first call and
// flushes the bytecode of functions that have not run for a while, and such a first call costs tenths
// of a millisecond, more while V8 has not yet allocated the function's inline caches (after about eight
// calls). For the timers named in `rehearse`, the same callback is also called REHEARSALS times
// REHEARSE_LEAD_MS before the deadline (if the timer is still armed then) with the deadline as second
// argument: the owner runs the expiry's code without its effects, and the expiry itself finds it ready.
// Compiled code belongs to the process, so a rehearsal is skipped when another one ran on the same clock
// less than REHEARSAL_FRESH_MS before (many instances taking over together rehearse once, not each).
// Precision: the expiry of the timers in `precise` (by default the Master_Down_Timer, whose expiry is a
// takeover) is armed with the clock's setPreciseTimer when it has one (clock.ts: the process is kept
// awake, I/O included, for the last stretch before the deadline); the others sleep until it.
import type { TimerName } from '../state.js';
import type { PreciseClock } from './clock.js';
import type { Clock, TimerHandle } from './ports.js';

/** Timers armed precise unless the owner says otherwise: a late Master_Down_Timer is a late takeover. */
export const PRECISE_TIMERS: readonly TimerName[] = ['masterDown'];

/** How long before a rehearsed timer's deadline its rehearsal runs (ms). */
export const REHEARSE_LEAD_MS = 5;

/** How many times the callback is rehearsed (V8 allocates inline caches after about eight calls). */
export const REHEARSALS = 20;

/** A rehearsal this recent (ms, same clock) leaves the code warm: later ones are skipped. */
export const REHEARSAL_FRESH_MS = 1000;

/** When a rehearsal last ran, per clock (compiled code is shared by every instance of the process). */
const lastRehearsal = new WeakMap<Clock, number>();

/**
 * The owner's callback: `rehearsalFor` undefined = `timer` expired, act on it; a number = rehearsal for
 * the expiry due at that time, which must have no effect.
 */
export type TimerCallback = (timer: TimerName, rehearsalFor?: number) => void;

type Kind = 'fire' | 'rehearse';

export class InstanceTimers {
  private readonly handles = new Map<TimerName, TimerHandle>();
  private readonly rehearsals = new Map<TimerName, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly callback: TimerCallback,
    private readonly rehearse: readonly TimerName[] = [],
    private readonly precise: readonly TimerName[] = PRECISE_TIMERS,
  ) {}

  /** Arm `timer` for absolute time `at` (ms on the clock), replacing any earlier arming. */
  set(timer: TimerName, at: number): void {
    this.cancel(timer);
    this.arm('fire', timer, at, at);
    if (this.rehearse.includes(timer) && at - this.clock.now() > REHEARSE_LEAD_MS) this.arm('rehearse', timer, at - REHEARSE_LEAD_MS, at);
  }

  cancel(timer: TimerName): void {
    this.clear(this.handles, timer);
    this.clear(this.rehearsals, timer);
  }

  cancelAll(): void {
    for (const t of [...this.handles.keys(), ...this.rehearsals.keys()]) this.cancel(t);
  }

  armed(): TimerName[] {
    return [...this.handles.keys()];
  }

  private clear(map: Map<TimerName, TimerHandle>, timer: TimerName): void {
    const h = map.get(timer);
    if (h === undefined) return;
    this.clock.clearTimer(h);
    map.delete(timer);
  }

  /** Arms one clock timer for `wake`: the expiry of `timer` (deadline `at`) or its rehearsal. */
  private arm(kind: Kind, timer: TimerName, wake: number, at: number): void {
    const map = kind === 'fire' ? this.handles : this.rehearsals;
    const fn = (): void => this.woke(kind, timer, wake, at, h);
    const precise = (this.clock as Partial<PreciseClock>).setPreciseTimer;
    const h: TimerHandle =
      kind === 'fire' && precise !== undefined && this.precise.includes(timer) ? precise.call(this.clock, fn, wake - this.clock.now()) : this.clock.setTimer(fn, wake - this.clock.now());
    map.set(timer, h);
  }

  /** The clock's callback for both kinds: a rehearsal runs this code before the expiry needs it. */
  private woke(kind: Kind, timer: TimerName, wake: number, at: number, h: TimerHandle): void {
    const map = kind === 'fire' ? this.handles : this.rehearsals;
    if (map.get(timer) !== h) return;
    if (this.clock.now() < wake) {
      this.arm(kind, timer, wake, at);
      return;
    }
    map.delete(timer);
    if (kind === 'rehearse') {
      const t = this.clock.now();
      const last = lastRehearsal.get(this.clock);
      if (last !== undefined && t - last < REHEARSAL_FRESH_MS) return;
      lastRehearsal.set(this.clock, t);
      for (let k = 0; k < REHEARSALS; k++) this.callback(timer, at);
      return;
    }
    // A rehearsal still pending (its clock was late) has nothing left to prepare.
    this.clear(this.rehearsals, timer);
    this.callback(timer);
  }
}
