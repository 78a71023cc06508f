// Runtime edge: the production clock: performance.now() (monotonic, sub-millisecond) and timers that fire
// at their deadline to a few microseconds, never before it. Node's setTimeout works in whole milliseconds
// of a cached loop time, which makes a VRRP timer up to ~2 ms late. With the native shim, the timers sleep
// on one CLOCK_MONOTONIC timerfd armed in nanoseconds (as keepalived's scheduler does) for the earliest
// deadline minus SPIN_MS, and wait that last stretch in a busy loop, which takes the kernel's wake-up
// latency (tens of microseconds) out of the timer; the busy loops are held to SPIN_BUDGET_MS per second
// (beyond it, the timerfd is armed for the deadline itself), so many instances cannot turn them into a
// CPU load. A timer armed with setPreciseTimer (one that expires rarely and must act at once: a backup's
// Master_Down_Timer) also keeps the event loop turning, I/O included, for its last AWAKE_MS, so the
// process is not asleep at the deadline (waking a sleeping process can take longer than SPIN_MS on a
// busy machine). Without the shim, a setTimeout wakes PRECISE_LEAD_MS early, setImmediate turns (which
// yield to I/O) wait until SPIN_MS is left, then the same busy loop.
import { native, type NativeNet, type PollHandle } from '../../net/native.js';
import type { Clock, TimerHandle } from './ports.js';

/** Fallback path: how long before the deadline the coarse timeout wakes up (ms). */
export const PRECISE_LEAD_MS = 2;

/** The last stretch before a deadline is waited without yielding (ms; at most this, once per timer). */
export const SPIN_MS = 0.25;

/** Busy waiting allowed per second of running (ms): 1% of a CPU at most. */
export const SPIN_BUDGET_MS = 10;

/** A precise timer keeps the loop awake (yielding to I/O) for this long before its deadline (ms). */
export const AWAKE_MS = 1;

/** A Clock whose timers can also be asked to be awake before their deadline (see AWAKE_MS). */
export interface PreciseClock extends Clock {
  setPreciseTimer(fn: () => void, delayMs: number): TimerHandle;
}

const now = (): number => performance.now();

function spinUntil(at: number): void {
  while (now() < at) {
    // Busy wait: the deadline is closer than one wake-up of the event loop.
  }
}

/** The shim's timer functions (a shim built before they existed has none). */
interface TimerfdNative {
  timerfd(): number;
  timerfdSet(fd: number, delayNs: number): void;
  timerfdRead(fd: number): number;
}

interface Entry {
  at: number;
  fn: () => void;
  seq: number;
  cancelled: boolean;
  /** Keep the loop awake for the last AWAKE_MS (setPreciseTimer). */
  awake: boolean;
  /** The awake stretch was taken from the budget. */
  charged: boolean;
}

/** Pending timers ordered by deadline (then by arming order) over one timerfd. */
class TimerfdQueue {
  private heap: Entry[] = [];
  private live = 0;
  private seq = 0;
  /** The deadline the timerfd is armed for (Infinity: disarmed). */
  private armedFor = Infinity;
  private running = false;
  /** Busy-wait budget left (ms), refilled at SPIN_BUDGET_MS per second up to SPIN_BUDGET_MS. */
  private spinBudget = SPIN_BUDGET_MS;
  private budgetAt = now();

  private constructor(
    private readonly n: NativeNet & TimerfdNative,
    private readonly fd: number,
    private readonly poller: PollHandle,
  ) {
    n.pollRef(poller, false);
  }

  /** The shared queue, or null when the shim cannot make a timerfd here. */
  static open(): TimerfdQueue | null {
    let n: NativeNet & Partial<TimerfdNative>;
    try {
      n = native();
    } catch {
      return null;
    }
    if (typeof n.timerfd !== 'function' || typeof n.timerfdSet !== 'function' || typeof n.timerfdRead !== 'function') return null;
    const full = n as NativeNet & TimerfdNative;
    let fd: number;
    try {
      fd = full.timerfd();
    } catch {
      return null;
    }
    let q: TimerfdQueue | undefined;
    const poller = full.poll(fd, () => q?.wake());
    q = new TimerfdQueue(full, fd, poller);
    return q;
  }

  add(at: number, fn: () => void, awake = false): Entry {
    const e: Entry = { at, fn, seq: ++this.seq, cancelled: false, awake, charged: false };
    this.push(e);
    if (++this.live === 1) this.n.pollRef(this.poller, true);
    if (!this.running) this.rearm();
    return e;
  }

  cancel(e: Entry): void {
    if (e.cancelled) return;
    e.cancelled = true;
    if (--this.live === 0) {
      this.n.pollRef(this.poller, false);
      this.heap = [];
      if (!this.running) this.rearm();
    }
    // A cancelled entry stays in the heap until it comes to the top; the timerfd may wake once for it.
  }

  /**
   * The timerfd is readable: run every timer that is due (spinning for those within SPIN_MS). Timers
   * armed by these callbacks wait for the next wake-up, as a setTimeout armed in a timer callback does,
   * so a callback that re-arms itself at once cannot starve I/O.
   */
  private wake(): void {
    this.n.timerfdRead(this.fd);
    this.armedFor = Infinity;
    this.running = true;
    const last = this.seq;
    try {
      for (;;) {
        const top = this.heap[0];
        if (top === undefined) break;
        if (top.cancelled) {
          this.pop();
          continue;
        }
        if (top.seq > last || top.at - now() > SPIN_MS) break;
        this.pop();
        const t = now();
        if (top.at > t) {
          spinUntil(top.at);
          if (!top.charged) this.spinBudget -= top.at - t;
        }
        top.cancelled = true;
        if (--this.live === 0) this.n.pollRef(this.poller, false);
        try {
          top.fn();
        } catch (e) {
          // As a throwing setTimeout callback would: reported, and the other timers still run.
          queueMicrotask(() => {
            throw e;
          });
        }
      }
    } finally {
      this.running = false;
      this.rearm();
    }
  }

  private rearm(): void {
    while (this.heap[0]?.cancelled) this.pop();
    const top = this.heap[0];
    const wakeAt = top === undefined ? Infinity : this.wakeTime(top);
    if (wakeAt === this.armedFor) return;
    this.armedFor = wakeAt;
    // Relative to now, rounded up: the kernel's CLOCK_MONOTONIC is performance.now()'s clock.
    this.n.timerfdSet(this.fd, wakeAt === Infinity ? -1 : Math.ceil(Math.max(0, wakeAt - now()) * 1e6));
  }

  /**
   * When to wake for `top`: SPIN_MS before its deadline if the budget allows, else at it; for a precise
   * timer, at the start of its awake stretch and then at once on every turn of the loop until SPIN_MS
   * is left (the stretch is charged to the budget when it starts; without budget, as any timer).
   */
  private wakeTime(top: Entry): number {
    if (top.awake) {
      const t = now();
      if (t < top.at - AWAKE_MS) return top.at - AWAKE_MS;
      if (top.charged || this.charge(AWAKE_MS)) {
        top.charged = true;
        return t;
      }
    }
    return top.at - (this.charge(0, SPIN_MS) ? SPIN_MS : 0);
  }

  /** Refills the busy-wait budget, then takes `ms` from it if at least max(ms, need) is left. */
  private charge(ms: number, need = ms): boolean {
    const t = now();
    this.spinBudget = Math.min(SPIN_BUDGET_MS, this.spinBudget + ((t - this.budgetAt) * SPIN_BUDGET_MS) / 1000);
    this.budgetAt = t;
    if (this.spinBudget < Math.max(ms, need)) return false;
    this.spinBudget -= ms;
    return true;
  }

  private before(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

let shared: TimerfdQueue | null | undefined;

/** Whether realClock() timers sleep on the shim's timerfd here (else on setTimeout). */
export function timerfdAvailable(): boolean {
  shared ??= TimerfdQueue.open();
  return shared !== null;
}

/** The production clock: timerfd timers when the shim has them, else setTimeout + setImmediate. */
export function realClock(opts: { timerfd?: boolean } = {}): PreciseClock {
  if (opts.timerfd !== false) {
    shared ??= TimerfdQueue.open();
    if (shared) return timerfdClock(shared);
  }
  return loopClock();
}

function timerfdClock(q: TimerfdQueue): PreciseClock {
  return {
    now,
    setTimer(fn, delayMs) {
      return q.add(now() + Math.max(0, delayMs), fn);
    },
    setPreciseTimer(fn, delayMs) {
      return q.add(now() + Math.max(0, delayMs), fn, true);
    },
    clearTimer(handle: TimerHandle) {
      q.cancel(handle as Entry);
    },
  };
}

interface LoopTimer {
  timeout?: NodeJS.Timeout;
  immediate?: NodeJS.Immediate;
  cancelled: boolean;
}

/** Timers on Node's own loop: setTimeout to PRECISE_LEAD_MS before, setImmediate turns, then a spin. */
function loopClock(): PreciseClock {
  const clock: PreciseClock = {
    now,
    // Every timer here is awake for its last PRECISE_LEAD_MS already.
    setPreciseTimer: (fn, delayMs) => clock.setTimer(fn, delayMs),
    setTimer(fn, delayMs) {
      const at = now() + Math.max(0, delayMs);
      const h: LoopTimer = { cancelled: false };
      const check = (): void => {
        h.timeout = undefined;
        h.immediate = undefined;
        if (h.cancelled) return;
        const left = at - now();
        if (left <= SPIN_MS) {
          spinUntil(at);
          fn();
        } else if (left > PRECISE_LEAD_MS) h.timeout = setTimeout(check, Math.floor(left - PRECISE_LEAD_MS));
        else h.immediate = setImmediate(check);
      };
      const left = at - now();
      if (left > PRECISE_LEAD_MS) h.timeout = setTimeout(check, Math.floor(left - PRECISE_LEAD_MS));
      else h.immediate = setImmediate(check);
      return h;
    },
    clearTimer(handle: TimerHandle) {
      const h = handle as LoopTimer;
      h.cancelled = true;
      if (h.timeout) clearTimeout(h.timeout);
      if (h.immediate) clearImmediate(h.immediate);
    },
  };
  return clock;
}
