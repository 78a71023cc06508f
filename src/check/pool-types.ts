// Pure model: what the checker pool (scheduler.ts) reports: its events, one finished probe, the
// status of virtual and real servers for `lvsd status`, and its measurement counters.
import type { PolicyAction } from './aggregate.js';
import type { CheckerEvent } from './policy.js';
import type { ProbeResult } from './types.js';

export type PoolEvent =
  /** A policy consequence: a log line, or a notify script to run. */
  | { kind: 'action'; action: PolicyAction }
  /** A checker changed state (logged once per change, as keepalived does). */
  | { kind: 'checker'; type: string; target: string; servers: string[]; event: CheckerEvent; retry: number; result: ProbeResult }
  /** A failed probe that changed nothing, reported only with log_all_failures. */
  | { kind: 'failure'; target: string; result: ProbeResult }
  /** Pushing the desired table failed; the next change retries. */
  | { kind: 'table-error'; error: Error };

/** One finished probe (metrics: counts and latency by checker type). */
export interface ProbeDone {
  type: string;
  target: string;
  ok: boolean;
  reason: string;
  /** From the probe's start to its result, ms. */
  ms: number;
}

/** A real server's state as `lvsd status` shows it. */
export interface RsStatus {
  address: string;
  port: number;
  alive: boolean;
  /** Weight in the desired table now (0 when out or inhibited). */
  weight: number;
  /** Configured weight. */
  configured: number;
  checkers: { type: string; target: string; up: boolean }[];
}

/** A virtual server's quorum and its real servers' liveness (CheckPool.liveness()). */
export interface VsLiveness {
  id: string;
  quorumUp: boolean;
  /** The configuration's real servers (the same array while the pool lives). */
  servers: readonly { address: string; port: number }[];
  /** alive[r]: whether servers[r] is alive. */
  alive: boolean[];
}

export interface VsStatus {
  id: string;
  quorumUp: boolean;
  sorryActive: boolean;
  /** Summed weight of live real servers, and of all configured ones. */
  liveWeight: number;
  totalWeight: number;
  realServers: RsStatus[];
}

export interface PoolStats {
  probes: number;
  failures: number;
  inFlight: number;
  units: number;
  /** Lateness of probe starts against their schedule, ms, over the last 65,536 probes. */
  lateness: { p50: number; p99: number; max: number; samples: number };
}
