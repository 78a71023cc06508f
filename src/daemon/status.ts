// Pure definitions: what `lvsd status`, the control socket and the SIGUSR1 / SIGUSR2 / JSON dumps
// report about a running daemon. The daemon fills it; formatters and the control socket read it.
import type { Counters } from '../vrrp/counters.js';
import type { VrrpStateName } from '../vrrp/types.js';
import type { VsStatus } from '../check/scheduler.js';

export interface InstanceReport {
  name: string;
  vrid: number;
  interface: string;
  state: VrrpStateName;
  /** Configured priority, and the one advertised now (tracking applied). */
  priority: number;
  effectivePriority: number;
  /** The master's address as last heard (ours when we are master), null when unknown. */
  master: string | null;
  vips: string[];
  vipsHeld: boolean;
  /** When the instance entered its state (ms since the epoch) and why. */
  since: number;
  lastReason: string | null;
  syncGroup?: string;
  counters: Counters;
}

export interface DaemonStatus {
  version: string;
  pid: number;
  /** ms since the epoch. */
  startedAt: number;
  now: number;
  configFile: string;
  /** The last reload: when and whether it was applied. */
  lastReload: { at: number; ok: boolean; message: string } | null;
  mode: 'full' | 'vrrp-only' | 'check-only';
  /** lvsd_ipvs_program: follow_vrrp (only the services of held VIPs) or always (keepalived). */
  ipvsProgram: 'follow_vrrp' | 'always';
  /** Why IPVS does not run (no kernel support, ...), or null. */
  ipvsUnavailable: string | null;
  instances: InstanceReport[];
  virtualServers: (VsStatus & { programmed: boolean })[];
  syncDaemon: { state: 'master' | 'backup' | 'none'; interface?: string } | null;
}
