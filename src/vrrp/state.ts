// Pure state machine: one VRRP instance as a step function (config, state, event, now) -> { state, actions }.
// RFC 5798 §6.4 (Initialize / Backup / Master) plus keepalived's FAULT state and options, each marked.
// Time: `now` and every deadline are milliseconds on one monotonic clock; intervals in config are centiseconds.
// Nothing here performs I/O: actions (send an advert, add VIPs, arm a timer, notify...) are for an executor.
import { compareAddr } from './addr.js';
import type { CounterName } from './counters.js';
import { masterDownIntervalMs, skewTimeMs } from './timers.js';
import { VRRP_PRIO_OWNER, VRRP_PRIO_STOP, type InstanceConfig, type VrrpStateName } from './types.js';
import type { ValidAdvert } from './validate.js';

export type TimerName = 'masterDown' | 'adver' | 'garpDelay' | 'garpRefresh' | 'garpLowerPrio';
export const TIMER_NAMES: readonly TimerName[] = ['masterDown', 'adver', 'garpDelay', 'garpRefresh', 'garpLowerPrio'];

export interface InstanceState {
  state: VrrpStateName;
  /** Priority advertised and used for Skew_Time: base + tracking, within 1..254 (255 only for the owner). */
  effectivePriority: number;
  /** RFC 5798 Master_Adver_Interval, centiseconds (a v3 backup learns it from the master's adverts). */
  masterAdverIntervalCs: number;
  /** Absolute deadlines (ms) of armed timers; null = not armed. */
  timers: Record<TimerName, number | null>;
  /** keepalived preempt_time: when a pending preempt_delay ends (ms), null if none running. */
  preemptAt: number | null;
  /** Source and priority of the last advert heard from the current master (for logs and status). */
  masterAddress: string | null;
  masterPriority: number | null;
  /** The VIPs are installed (between addVips and removeVips). */
  vipsSet: boolean;
  /** Fault from this instance's own tracking (track_script weight 0, track_interface, ...). */
  ownFault: boolean;
  /** Fault imposed by a sync group member (keepalived: the whole group goes to FAULT). */
  groupFault: boolean;
  /** Sync group: this member's Master_Down_Timer fired but the group was not ready (keepalived wantstate). */
  wantMaster: boolean;
}

export type Event =
  | { type: 'startup' }
  | { type: 'shutdown' }
  | { type: 'advert'; advert: ValidAdvert }
  | { type: 'timer'; timer: TimerName }
  | { type: 'priority'; priority: number }
  | { type: 'fault'; fault: boolean }
  | { type: 'syncGoMaster' }
  | { type: 'syncGoBackup' }
  | { type: 'syncHold' }
  | { type: 'syncFault'; fault: boolean };

export type TransitionReason =
  | 'startup'
  | 'owner'
  | 'master_down'
  | 'higher_priority'
  | 'fault'
  | 'fault_cleared'
  | 'shutdown'
  | 'sync';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export type Action =
  /** Send one advertisement with this priority (0 = release, RFC 5798 §6.4.3 Shutdown). */
  | { type: 'sendAdvert'; priority: number }
  /** Install the virtual addresses (and virtual routes). accept: RFC 5798 Accept_Mode or owner. */
  | { type: 'addVips'; accept: boolean }
  /** Remove exactly what addVips installed. */
  | { type: 'removeVips' }
  /** Gratuitous ARP / unsolicited NA for every VIP, `repeat` times. */
  | { type: 'announce'; repeat: number; reason: 'become_master' | 'master_delay' | 'refresh' | 'lower_prio' }
  | { type: 'setTimer'; timer: TimerName; at: number }
  | { type: 'cancelTimer'; timer: TimerName }
  | { type: 'notify'; state: NotifyState; priority: number }
  | { type: 'count'; counter: CounterName }
  | { type: 'transition'; from: VrrpStateName; to: VrrpStateName; reason: TransitionReason }
  | { type: 'priorityChanged'; from: number; to: number }
  /** A master heard another router advertise for its VRID (scenario 5: make split brain visible). */
  | { type: 'conflict'; peer: string; peerPriority: number; ourPriority: number };

export interface StepResult {
  state: InstanceState;
  actions: Action[];
}

export function initialInstanceState(cfg: InstanceConfig): InstanceState {
  return {
    state: 'INIT',
    effectivePriority: cfg.priority,
    masterAdverIntervalCs: cfg.advertIntervalCs,
    timers: { masterDown: null, adver: null, garpDelay: null, garpRefresh: null, garpLowerPrio: null },
    preemptAt: null,
    masterAddress: null,
    masterPriority: null,
    vipsSet: false,
    ownFault: false,
    groupFault: false,
    wantMaster: false,
  };
}

/** True when `timer` is armed and due at `now` (a timer event that is not due is stale and ignored). */
export function timerDue(st: InstanceState, timer: TimerName, now: number): boolean {
  const at = st.timers[timer];
  return at !== null && now >= at;
}

export function isOwner(cfg: InstanceConfig): boolean {
  return cfg.priority === VRRP_PRIO_OWNER;
}

class Step {
  readonly actions: Action[] = [];
  readonly st: InstanceState;
  constructor(
    readonly cfg: InstanceConfig,
    st: InstanceState,
    readonly now: number,
  ) {
    this.st = { ...st, timers: { ...st.timers } };
  }

  emit(a: Action): void {
    this.actions.push(a);
  }
  count(counter: CounterName): void {
    this.emit({ type: 'count', counter });
  }
  setTimer(timer: TimerName, at: number): void {
    this.st.timers[timer] = at;
    this.emit({ type: 'setTimer', timer, at });
  }
  cancelTimer(timer: TimerName): void {
    if (this.st.timers[timer] === null) return;
    this.st.timers[timer] = null;
    this.emit({ type: 'cancelTimer', timer });
  }
  advertIntervalMs(): number {
    return this.cfg.advertIntervalCs * 10;
  }
  masterDownInterval(): number {
    return masterDownIntervalMs(this.cfg.version, this.st.effectivePriority, this.st.masterAdverIntervalCs);
  }
  sendAdvert(priority: number): void {
    this.emit({ type: 'sendAdvert', priority });
    this.count('advert_sent');
    if (priority === VRRP_PRIO_STOP) this.count('pri_zero_sent');
  }
  moveTo(to: VrrpStateName, reason: TransitionReason): void {
    const from = this.st.state;
    this.st.state = to;
    this.emit({ type: 'transition', from, to, reason });
  }
  notify(state: NotifyState): void {
    this.emit({ type: 'notify', state, priority: this.st.effectivePriority });
  }
  faulted(): boolean {
    return this.st.ownFault || this.st.groupFault;
  }

  /**
   * RFC 5798 §6.4.1 (owner at startup) and §6.4.2 "If the Master_Down_Timer fires": send an ADVERTISEMENT,
   * broadcast gratuitous ARP / unsolicited NA, set the Adver_Timer, transition to Master.
   * Order as keepalived's vrrp_state_become_master: VIPs, GARP, notify, then the advert.
   */
  becomeMaster(reason: TransitionReason): void {
    const g = this.cfg.garp;
    this.cancelTimer('masterDown');
    this.st.wantMaster = false;
    this.st.preemptAt = null;
    this.st.masterAddress = null;
    this.st.masterPriority = null;
    this.moveTo('MASTER', reason);
    this.count('become_master');
    this.emit({ type: 'addVips', accept: this.cfg.accept || isOwner(this.cfg) });
    this.st.vipsSet = true;
    this.emit({ type: 'announce', repeat: g.masterRepeat, reason: 'become_master' });
    // keepalived garp_master_delay: a second burst later, for switches that missed the first.
    if (g.masterDelayMs > 0) this.setTimer('garpDelay', this.now + g.masterDelayMs);
    if (g.masterRefreshMs > 0) this.setTimer('garpRefresh', this.now + g.masterRefreshMs);
    this.notify('MASTER');
    this.sendAdvert(this.st.effectivePriority);
    this.setTimer('adver', this.now + this.advertIntervalMs());
  }

  /** Leave MASTER: RFC 5798 §6.4.3 (to Backup), keepalived vrrp_state_leave_master (to Fault). */
  leaveMaster(to: 'BACKUP' | 'FAULT', reason: TransitionReason, releaseWithZero: boolean): void {
    for (const t of ['adver', 'garpDelay', 'garpRefresh', 'garpLowerPrio'] as const) this.cancelTimer(t);
    // keepalived: entering FAULT from MASTER sends priority 0 so the backups take over after Skew_Time.
    if (releaseWithZero) this.sendAdvert(VRRP_PRIO_STOP);
    this.emit({ type: 'removeVips' });
    this.st.vipsSet = false;
    this.moveTo(to, reason);
    this.count('release_master');
    this.notify(to);
    if (to === 'BACKUP') this.setTimer('masterDown', this.now + this.masterDownInterval());
  }

  /** RFC 5798 §6.4.1 (not the owner): Master_Adver_Interval = Advertisement_Interval, arm Master_Down_Timer. */
  enterBackup(reason: TransitionReason): void {
    this.st.masterAdverIntervalCs = this.cfg.advertIntervalCs;
    this.st.preemptAt = null;
    this.st.wantMaster = false;
    this.moveTo('BACKUP', reason);
    this.notify('BACKUP');
    this.setTimer('masterDown', this.now + this.masterDownInterval());
  }

  /** keepalived FAULT (from BACKUP or INIT): stop listening for the master; nothing is held. */
  enterFault(): void {
    this.cancelTimer('masterDown');
    this.st.preemptAt = null;
    this.st.wantMaster = false;
    this.moveTo('FAULT', 'fault');
    this.notify('FAULT');
  }

  /** keepalived try_up_instance / vrrp_state_leave_fault. */
  leaveFault(): void {
    if (isOwner(this.cfg) && this.cfg.initialState === 'MASTER') this.becomeMaster('fault_cleared');
    else this.enterBackup('fault_cleared');
  }

  applyFault(): void {
    const f = this.faulted();
    const s = this.st.state;
    if (f && s === 'MASTER') this.leaveMaster('FAULT', 'fault', true);
    else if (f && s === 'BACKUP') this.enterFault();
    else if (!f && s === 'FAULT') this.leaveFault();
    // INIT: the flags are kept and read at startup.
  }

  backupAdvert(a: ValidAdvert): void {
    const cfg = this.cfg;
    const st = this.st;
    if (a.priority === VRRP_PRIO_STOP) {
      // RFC 5798 §6.4.2: priority 0 -> set the Master_Down_Timer to Skew_Time.
      this.setTimer('masterDown', this.now + skewTimeMs(cfg.version, st.effectivePriority, st.masterAdverIntervalCs));
      return;
    }
    const delaying = cfg.preemptDelayMs > 0 && (st.preemptAt === null || st.preemptAt > this.now);
    if (!cfg.preempt || a.priority >= st.effectivePriority || delaying) {
      // RFC 5798 §6.4.2: Preempt_Mode False, or priority >= local: (v3) Master_Adver_Interval from the
      // advert, recompute Master_Down_Interval, reset the Master_Down_Timer.
      // keepalived: a running preempt_delay also keeps accepting lower-priority adverts until it ends.
      if (cfg.version === 3) st.masterAdverIntervalCs = a.adverIntCs;
      this.setTimer('masterDown', this.now + this.masterDownInterval());
      st.masterAddress = a.src;
      st.masterPriority = a.priority;
      st.wantMaster = false; // lvsd: a live master ends a sync group member's wish to take over
      if (cfg.preemptDelayMs > 0) {
        if (a.priority >= st.effectivePriority) st.preemptAt = null;
        else if (st.preemptAt === null) st.preemptAt = this.now + cfg.preemptDelayMs;
      }
      return;
    }
    // RFC 5798 §6.4.2: otherwise (preempting a lower priority) discard the advert: the
    // Master_Down_Timer keeps running and fires Master_Down_Interval after the last accepted advert.
    st.masterAddress = a.src;
    st.masterPriority = a.priority;
  }

  masterAdvert(a: ValidAdvert): void {
    const cfg = this.cfg;
    const st = this.st;
    if (a.priority === VRRP_PRIO_STOP) {
      // RFC 5798 §6.4.3: priority 0 -> send an ADVERTISEMENT, reset the Adver_Timer.
      this.sendAdvert(st.effectivePriority);
      this.setTimer('adver', this.now + this.advertIntervalMs());
      return;
    }
    const cmp = compareAddr(a.src, cfg.primaryAddress);
    if (a.priority > st.effectivePriority || (a.priority === st.effectivePriority && cmp > 0)) {
      // RFC 5798 §6.4.3: greater priority, or equal priority and a greater primary address: cancel
      // Adver_Timer, Master_Adver_Interval from the advert, Master_Down_Timer, transition to Backup.
      // keepalived higher_prio_send_advert: one last advert first.
      if (cfg.higherPrioSendAdvert) this.sendAdvert(st.effectivePriority);
      st.masterAdverIntervalCs = cfg.version === 3 ? a.adverIntCs : cfg.advertIntervalCs;
      st.masterAddress = a.src;
      st.masterPriority = a.priority;
      this.leaveMaster('BACKUP', 'higher_priority', false);
      return;
    }
    // Another router thinks it is master for our VRID (or uses our address): say so.
    this.emit({ type: 'conflict', peer: a.src, peerPriority: a.priority, ourPriority: st.effectivePriority });
    if (a.priority === st.effectivePriority && cmp === 0) return; // keepalived: warns, does nothing else
    // RFC 5798 §6.4.3 discards a lower-priority advert. keepalived (unless lower_prio_no_advert) answers
    // with its own advert at once, forcing the other side to yield, and re-announces the VIPs.
    if (!cfg.lowerPrioNoAdvert) {
      this.sendAdvert(st.effectivePriority);
      this.setTimer('adver', this.now + this.advertIntervalMs());
    }
    const g = cfg.garp;
    if (g.lowerPrioRepeat > 0) {
      this.emit({ type: 'announce', repeat: g.lowerPrioRepeat, reason: 'lower_prio' });
      if (g.lowerPrioDelayMs > 0) this.setTimer('garpLowerPrio', this.now + g.lowerPrioDelayMs);
    }
  }

  timer(t: TimerName): void {
    const st = this.st;
    if (!timerDue(st, t, this.now)) return; // stale: re-armed or cancelled since it was scheduled
    st.timers[t] = null;
    const g = this.cfg.garp;
    if (t === 'masterDown' && st.state === 'BACKUP') {
      this.becomeMaster('master_down');
    } else if (t === 'adver' && st.state === 'MASTER') {
      // RFC 5798 §6.4.3: Adver_Timer fires -> send an ADVERTISEMENT, reset the timer.
      this.sendAdvert(st.effectivePriority);
      this.setTimer('adver', this.now + this.advertIntervalMs());
    } else if (t === 'garpDelay' && st.state === 'MASTER') {
      this.emit({ type: 'announce', repeat: g.masterRepeat, reason: 'master_delay' });
    } else if (t === 'garpRefresh' && st.state === 'MASTER') {
      this.emit({ type: 'announce', repeat: g.masterRefreshRepeat, reason: 'refresh' });
      this.setTimer('garpRefresh', this.now + g.masterRefreshMs);
    } else if (t === 'garpLowerPrio' && st.state === 'MASTER') {
      this.emit({ type: 'announce', repeat: g.lowerPrioRepeat, reason: 'lower_prio' });
    }
  }

  priority(p: number): void {
    const st = this.st;
    if (isOwner(this.cfg)) return; // keepalived: the address owner's priority never changes
    const next = Math.min(VRRP_PRIO_OWNER - 1, Math.max(1, Math.round(p)));
    if (next === st.effectivePriority) return;
    const oldInterval = this.masterDownInterval();
    this.emit({ type: 'priorityChanged', from: st.effectivePriority, to: next });
    st.effectivePriority = next;
    // keepalived vrrp_set_effective_priority: a higher priority shortens Skew_Time; a running
    // Master_Down_Timer is brought forward by the difference (never pushed back).
    const down = st.timers.masterDown;
    if (st.state === 'BACKUP' && down !== null) {
      const diff = oldInterval - this.masterDownInterval();
      if (diff > 0) this.setTimer('masterDown', down - diff);
    }
  }

  startup(): void {
    if (this.st.state !== 'INIT') return;
    this.st.masterAdverIntervalCs = this.cfg.advertIntervalCs;
    if (this.faulted()) this.enterFault();
    // RFC 5798 §6.4.1: Priority 255 -> Master at once. keepalived also requires `state MASTER`.
    else if (isOwner(this.cfg) && this.cfg.initialState === 'MASTER') this.becomeMaster('owner');
    else this.enterBackup('startup');
  }

  /** RFC 5798 §6.4.2 / §6.4.3 Shutdown: cancel timers; a master sends priority 0 and releases the VIPs. */
  shutdown(): void {
    const s = this.st.state;
    if (s === 'INIT') return;
    if (s === 'MASTER') {
      this.sendAdvert(VRRP_PRIO_STOP);
      this.emit({ type: 'removeVips' });
      this.st.vipsSet = false;
    }
    for (const t of TIMER_NAMES) this.cancelTimer(t);
    this.st.preemptAt = null;
    this.st.wantMaster = false;
    this.moveTo('INIT', 'shutdown');
    this.notify('STOP'); // keepalived notify_stop
  }
}

/** Advance one instance by one event at time `now` (ms). Pure: the input state is not modified. */
export function step(cfg: InstanceConfig, st: InstanceState, ev: Event, now: number): StepResult {
  const s = new Step(cfg, st, now);
  switch (ev.type) {
    case 'startup':
      s.startup();
      break;
    case 'shutdown':
      s.shutdown();
      break;
    case 'advert':
      // keepalived ignores adverts in FAULT and before initialisation.
      if (s.st.state === 'BACKUP') s.backupAdvert(ev.advert);
      else if (s.st.state === 'MASTER') s.masterAdvert(ev.advert);
      break;
    case 'timer':
      s.timer(ev.timer);
      break;
    case 'priority':
      s.priority(ev.priority);
      break;
    case 'fault':
      s.st.ownFault = ev.fault;
      s.applyFault();
      break;
    case 'syncFault':
      s.st.groupFault = ev.fault;
      s.applyFault();
      break;
    case 'syncGoMaster':
      // keepalived vrrp_sync_master: the other members follow a member that became master.
      if (s.st.state === 'BACKUP') s.becomeMaster('sync');
      break;
    case 'syncGoBackup':
      // keepalived vrrp_sync_backup -> vrrp_state_leave_master(.., false): no priority 0 advert.
      if (s.st.state === 'MASTER') s.leaveMaster('BACKUP', 'sync', false);
      break;
    case 'syncHold':
      // keepalived vrrp_sync_can_goto_master false: remember the wish, wait another Master_Down_Interval.
      if (s.st.state === 'BACKUP') {
        s.st.wantMaster = true;
        s.setTimer('masterDown', now + s.masterDownInterval());
      }
      break;
  }
  return { state: s.st, actions: s.actions };
}
