// Pure model: the pool's fast path into a checker. `Checker.probe` returns a promise per probe
// and listens on an AbortSignal; at ten thousand probes a second those objects (promise,
// listener, closures) are most of what the pool allocates. A checker that can also run a probe
// with a callback implements this, and the pool calls it with one callback per checker, made
// once: no object per probe that the checker does not need itself.
import type { Checker, Deadline, ProbeResult } from './types.js';

export interface CallbackProbe {
  /**
   * Starts one probe; `done` is called exactly once (possibly before this returns), unless
   * `cancelProbe` is called first. One probe at a time per checker through this method
   * (`probe()` calls are independent of it).
   */
  startProbe(deadline: Deadline, done: (r: ProbeResult) => void): void;
  /** Ends the probe started by `startProbe` (pool stop): `done` is not called. */
  cancelProbe(): void;
  /**
   * Optional, read when `done` is called: how long (ms) that probe waited after startProbe
   * before it really started (a worker thread's queue). The pool adds it to the probe's
   * lateness, which would otherwise end at the hand-over.
   */
  readonly startDelayMs?: number;
  /**
   * Optional, read when `done` is called: that probe's own duration (ms) where it ran, without
   * the delays of handing it over and back. keepalived counts the next delay from the end of a
   * probe; the pool takes this duration for it when given (a probe that ran out of time has none).
   */
  readonly probeMs?: number | undefined;
}

export function hasCallbackProbe(c: Checker): c is Checker & CallbackProbe {
  return typeof (c as Partial<CallbackProbe>).startProbe === 'function' && typeof (c as Partial<CallbackProbe>).cancelProbe === 'function';
}
