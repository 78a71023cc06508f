// Runtime: one instance's named timers on the injected clock. A timer fires at or after its absolute
// deadline: Node may run a timeout up to a millisecond before performance.now() reaches it, so an early
// wake-up is re-armed for the remainder instead of delivering an event the core would find not yet due.
import type { TimerName } from '../state.js';
import type { Clock, TimerHandle } from './ports.js';

export class InstanceTimers {
  private readonly handles = new Map<TimerName, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (t: TimerName) => void,
  ) {}

  /** Arm `timer` for absolute time `at` (ms on the clock), replacing any earlier arming. */
  set(timer: TimerName, at: number): void {
    this.cancel(timer);
    const arm = (): void => {
      const h = this.clock.setTimer(() => {
        if (this.handles.get(timer) !== h) return;
        if (this.clock.now() < at) {
          arm();
          return;
        }
        this.handles.delete(timer);
        this.fire(timer);
      }, at - this.clock.now());
      this.handles.set(timer, h);
    };
    arm();
  }

  cancel(timer: TimerName): void {
    const h = this.handles.get(timer);
    if (h === undefined) return;
    this.clock.clearTimer(h);
    this.handles.delete(timer);
  }

  cancelAll(): void {
    for (const t of [...this.handles.keys()]) this.cancel(t);
  }

  armed(): TimerName[] {
    return [...this.handles.keys()];
  }
}
