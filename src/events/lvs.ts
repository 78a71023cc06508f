// Pure definitions: the events of the LVS side (checks, the IPVS reconciler, the sync daemon) and of
// the daemon itself (reloads), which logs, metrics and notifications subscribe to. Names are stable:
// they are the `event` field of lvsd's JSON log lines.
import type { ProbeDone } from '../check/scheduler.js';
import type { SyncReason } from '../ipvs/reconcile.js';
import { EventBus } from './bus.js';

export interface LvsEvents {
  /** A checker changed state (once per change). */
  'check.state': { target: string; type: string; servers: string[]; state: 'up' | 'down' | 'initial-down'; reason: string; detail: string };
  /** Every finished probe. */
  'check.probe': ProbeDone;
  /** A real server joined or left its pool (or was inhibited / enabled). */
  'lvs.rs': { vs: string; rs: string; alive: boolean };
  /** A virtual server gained or lost quorum (the sorry server follows). */
  'lvs.quorum': { vs: string; up: boolean };
  /** One reconciler pass: operations by kind, failures, duration. */
  'lvs.reconcile': { reason: SyncReason; ops: number; failed: number; ms: number; byOp: Record<string, number> };
  'lvs.drift': { repaired: string[] };
  'lvs.error': { reason: string; message: string };
  /** The virtual servers of a VIP were programmed or withdrawn (lvsd_ipvs_program follow_vrrp). */
  'lvs.ownership': { address: string; programmed: boolean; services: number };
  /** The IPVS connection sync daemon now runs as this (keepalived lvs_sync_daemon). */
  'lvs.syncd': { state: 'master' | 'backup' | 'none'; interface: string; error?: string };
  /** A SIGHUP reload finished: applied, or rejected with the running configuration kept. */
  'daemon.reload': { ok: boolean; message: string; durationMs: number; instancesKept?: number; instancesRestarted?: number; ipvsOps?: number };
}

export type LvsEventName = keyof LvsEvents;
export type LvsBus = EventBus<LvsEvents>;

export function lvsBus(): LvsBus {
  return new EventBus<LvsEvents>();
}
