// Runtime edge: the production clock: performance.now() (monotonic, sub-millisecond) and timers that fire
// at their deadline to a fraction of a millisecond. Node's setTimeout works in whole milliseconds of a
// cached loop time, which makes a VRRP timer up to ~2 ms late; so the timeout is set to wake up a little
// early and the last stretch is waited with setImmediate (which yields to I/O on every turn).
import type { Clock, TimerHandle } from './ports.js';

/** How long before the deadline the coarse timeout wakes up (ms). */
export const PRECISE_LEAD_MS = 2;

interface PreciseTimer {
  id: number;
  timeout?: NodeJS.Timeout;
  immediate?: NodeJS.Immediate;
  cancelled: boolean;
}

let ids = 0;

export function realClock(): Clock {
  const now = (): number => performance.now();
  return {
    now,
    setTimer(fn, delayMs) {
      const at = now() + Math.max(0, delayMs);
      const h: PreciseTimer = { id: ++ids, cancelled: false };
      const check = (): void => {
        h.timeout = undefined;
        h.immediate = undefined;
        if (h.cancelled) return;
        const left = at - now();
        if (left <= 0) fn();
        else if (left > PRECISE_LEAD_MS) h.timeout = setTimeout(check, Math.floor(left - PRECISE_LEAD_MS));
        else h.immediate = setImmediate(check);
      };
      const left = at - now();
      if (left > PRECISE_LEAD_MS) h.timeout = setTimeout(check, Math.floor(left - PRECISE_LEAD_MS));
      else h.immediate = setImmediate(check);
      return h;
    },
    clearTimer(handle: TimerHandle) {
      const h = handle as PreciseTimer;
      h.cancelled = true;
      if (h.timeout) clearTimeout(h.timeout);
      if (h.immediate) clearImmediate(h.immediate);
    },
  };
}
