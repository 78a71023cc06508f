// Pure tracking policy: keepalived's rise/fall counting of check results and the effective priority from
// tracking weights (vrrp_track.c). Running scripts, reading link state or files is not done here.

/** init: no result yet; up / down: the tracked object's last settled state. */
export type TrackStatus = 'init' | 'up' | 'down';

/** One vrrp_script as a tracker of one instance. */
export interface ScriptTrackConfig {
  name: string;
  /** -253..253; 0 = a failure puts the instance in FAULT. */
  weight: number;
  /** keepalived `weight N reverse`: the sense of success and failure is swapped. */
  reverse?: boolean;
  /** Consecutive successes needed to go up, failures to go down (keepalived: 1 and 1 by default). */
  rise: number;
  fall: number;
}

/** keepalived vrrp_script_t.result: 0..rise+fall-1; >= rise means up. */
export interface ScriptTrackState {
  result: number;
  status: TrackStatus;
}

/** keepalived vrrp_init_script: `init` starts at rise-1 ("one success is enough"); `init_fail` at 0, down. */
export function initialScriptState(cfg: ScriptTrackConfig, init: 'init' | 'failed' = 'init'): ScriptTrackState {
  return init === 'failed' ? { result: 0, status: 'down' } : { result: cfg.rise - 1, status: 'init' };
}

/**
 * Feed one check result (keepalived vrrp_script_child_thread). A script that outlived its timeout and was
 * killed counts as a failure: the caller passes success = false.
 */
export function scriptResult(cfg: ScriptTrackConfig, st: ScriptTrackState, success: boolean): ScriptTrackState {
  const top = cfg.rise + cfg.fall - 1;
  if (success) {
    if (st.result < cfg.rise - 1) return { result: st.result + 1, status: st.status };
    // Reaching rise (from below) is the transition to up; a success while up refills the fall budget.
    return { result: top, status: 'up' };
  }
  if (st.result > cfg.rise) return { result: st.result - 1, status: st.status };
  return { result: 0, status: 'down' };
}

/** A tracked object with a settled up/down state: a script, an interface (track_interface), a BFD session. */
export interface Tracker {
  name: string;
  weight: number;
  reverse?: boolean;
  status: TrackStatus;
}

/** track_file: the file holds an integer; it is multiplied by the weight. */
export interface FileTracker {
  name: string;
  weight: number;
  reverse?: boolean;
  value: number;
}

export interface TrackingResult {
  /** base + weights, within 1..254; the address owner (255) stays 255. */
  priority: number;
  /** A weight-0 tracker is down (or a track_file says so): the instance goes to FAULT. */
  fault: boolean;
  /** Some tracker has no result yet (keepalived keeps the instance in INIT until they have). */
  pending: boolean;
  /** Names of the trackers causing the fault, for logs. */
  faultBy: string[];
}

/**
 * keepalived's sign semantics: a positive weight is added while the tracker is up (succeeding), a
 * negative weight is added while it is down (failing); weight 0 means down = FAULT. `reverse` swaps up
 * and down. The total is kept within 1..254 (vrrp_set_effective_priority); priority 255 never changes.
 */
export function computeTracking(base: number, trackers: readonly Tracker[], files: readonly FileTracker[] = []): TrackingResult {
  let total = base;
  let pending = false;
  const faultBy: string[] = [];
  for (const t of trackers) {
    if (t.status === 'init') {
      pending = true;
      continue;
    }
    const ok = (t.status === 'up') !== (t.reverse ?? false);
    if (t.weight === 0) {
      if (!ok) faultBy.push(t.name);
    } else if (t.weight > 0 ? ok : !ok) {
      total += t.weight;
    }
  }
  for (const f of files) {
    if (f.weight === 0) {
      // keepalived track_file, weight 0: a non-zero value is a failure.
      if (f.value !== 0) faultBy.push(f.name);
      continue;
    }
    const add = f.value * f.weight * (f.reverse ? -1 : 1);
    // keepalived: a resulting adjustment below -253 means fault rather than a priority.
    if (add < -253) faultBy.push(f.name);
    else total += add;
  }
  const priority = base === 255 ? 255 : Math.min(254, Math.max(1, total));
  return { priority, fault: faultBy.length > 0, pending, faultBy };
}
