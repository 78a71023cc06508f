// Runtime edge: the production clock: performance.now() (monotonic) and Node timers.
import type { Clock, TimerHandle } from './ports.js';

export function realClock(): Clock {
  return {
    now: () => performance.now(),
    setTimer: (fn, delayMs) => setTimeout(fn, Math.max(0, delayMs)),
    clearTimer: (h: TimerHandle) => clearTimeout(h as NodeJS.Timeout),
  };
}
