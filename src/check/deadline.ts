// Runtime support: probe deadlines on one shared, coarse timer. Deadlines are absolute
// (performance.now() scale) and grouped into 5 ms buckets, so adding one needs no clock read
// and no timer of its own: Node reads the clock (clock_gettime, a real system call in some
// kernels, UML among them) for every setTimeout, which at thousands of probes per second costs
// more than the probes. A deadline fires at most one bucket late.
import { performance } from 'node:perf_hooks';
import { TimerQueue } from './timer-queue.js';

export const DEADLINE_RESOLUTION_MS = 5;

class DeadlineWheel {
  private readonly buckets = new Map<number, Set<() => void>>();
  private readonly order = new TimerQueue<number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  add(deadline: number, fn: () => void): () => void {
    const b = Math.ceil(deadline / DEADLINE_RESOLUTION_MS) * DEADLINE_RESOLUTION_MS;
    let set = this.buckets.get(b);
    if (!set) {
      set = new Set();
      this.buckets.set(b, set);
      this.order.push(b, b);
      if (b < this.timerAt) this.arm(b);
    }
    set.add(fn);
    const s = set;
    return () => {
      s.delete(fn);
      if (s.size === 0 && b === this.timerAt) this.rearm();
    };
  }

  /** Drops emptied buckets at the head; arms for the first one left, or holds no timer. */
  private rearm(): void {
    for (let e = this.order.peek(); e && !this.buckets.get(e.item)?.size; e = this.order.peek()) {
      this.order.pop();
      this.buckets.delete(e.item);
    }
    const next = this.order.peek();
    if (next) {
      if (next.at !== this.timerAt) this.arm(next.at);
    } else {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
    }
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - performance.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    for (let e = this.order.peek(); e && e.at <= now + 1; e = this.order.peek()) {
      this.order.pop();
      const set = this.buckets.get(e.item);
      this.buckets.delete(e.item);
      if (set) for (const fn of set) fn();
    }
    this.rearm();
  }
}

const wheel = new DeadlineWheel();

/** Calls `fn` once `deadline` has passed (within one bucket); returns a cancel function. */
export function atDeadline(deadline: number, fn: () => void): () => void {
  return wheel.add(deadline, fn);
}
