// Pure sync-group coordination (keepalived vrrp_sync.c): the members of a vrrp_sync_group change state
// together, and a fault in one puts the whole group in FAULT. Wraps the per-instance step function.
import {
  step,
  timerDue,
  type Action,
  type Event,
  type InstanceState,
  type NotifyState,
} from './state.js';
import type { InstanceConfig, VrrpStateName } from './types.js';

export interface SyncGroupConfig {
  name: string;
  /** Instance names, in configuration order. */
  members: string[];
}

export interface Member {
  cfg: InstanceConfig;
  state: InstanceState;
}

export type SyncAction =
  | { type: 'instance'; instance: string; action: Action }
  | { type: 'notifyGroup'; group: string; state: NotifyState };

export interface GroupStepResult {
  /** The group's state as last notified (INIT before any member started). */
  groupState: VrrpStateName;
  members: Record<string, InstanceState>;
  actions: SyncAction[];
}

/**
 * keepalived vrrp_sync_can_goto_master: a member whose Master_Down_Timer fires may become master only
 * if every other member is master or also wants to be ("prefer backup to avoid thrashing").
 */
export function canGoMaster(states: Record<string, InstanceState>, member: string): boolean {
  return Object.entries(states).every(([name, s]) => name === member || s.state === 'MASTER' || s.wantMaster);
}

function derivedState(states: Record<string, InstanceState>): VrrpStateName {
  const all = Object.values(states).map((s) => s.state);
  if (all.includes('FAULT')) return 'FAULT';
  if (all.includes('MASTER')) return 'MASTER';
  if (all.includes('BACKUP')) return 'BACKUP';
  return 'INIT';
}

/** Deliver `ev` to member `target` at `now`, then bring the other members along. */
export function groupStep(
  group: SyncGroupConfig,
  groupState: VrrpStateName,
  members: Record<string, Member>,
  target: string,
  ev: Event,
  now: number,
): GroupStepResult {
  const states: Record<string, InstanceState> = {};
  for (const name of group.members) {
    const m = members[name];
    if (!m) throw new Error(`sync group ${group.name}: member ${name} has no instance`);
    states[name] = m.state;
  }
  if (!(target in states)) throw new Error(`sync group ${group.name}: ${target} is not a member`);
  const actions: SyncAction[] = [];
  const work: Array<[string, Event]> = [[target, ev]];
  let guard = 0;
  while (work.length > 0) {
    if (++guard > 64 * group.members.length) throw new Error(`sync group ${group.name}: no fixed point`);
    const [name, e0] = work.shift()!;
    let e = e0;
    const before = states[name]!;
    if (e.type === 'timer' && e.timer === 'masterDown' && before.state === 'BACKUP' && timerDue(before, 'masterDown', now) && !canGoMaster(states, name)) {
      e = { type: 'syncHold' };
    }
    const r = step(members[name]!.cfg, before, e, now);
    states[name] = r.state;
    for (const a of r.actions) actions.push({ type: 'instance', instance: name, action: a });
    const from = before.state;
    const to = r.state.state;
    if (to === 'MASTER' && from !== 'MASTER') {
      // keepalived vrrp_sync_master: the others follow.
      for (const o of group.members) if (o !== name && states[o]!.state === 'BACKUP') work.push([o, { type: 'syncGoMaster' }]);
    } else if (from === 'MASTER' && to === 'BACKUP') {
      // keepalived vrrp_sync_backup.
      for (const o of group.members) if (o !== name && states[o]!.state === 'MASTER') work.push([o, { type: 'syncGoBackup' }]);
    }
    if (work.length === 0) {
      // keepalived vrrp_sync_fault: a member in fault holds every other member in fault.
      for (const o of group.members) {
        const want = group.members.some((x) => x !== o && states[x]!.ownFault);
        if (states[o]!.groupFault !== want) work.push([o, { type: 'syncFault', fault: want }]);
      }
    }
  }
  const next = derivedState(states);
  if (next !== groupState && next !== 'INIT') actions.push({ type: 'notifyGroup', group: group.name, state: next });
  return { groupState: next, members: states, actions };
}
