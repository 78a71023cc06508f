// Pure policy: what checker results do to real servers and virtual servers, after keepalived's
// check/ipwrapper.c: a real server is alive while none of its checkers is down
// (update_svr_checker_state / perform_svr_state); a virtual server has quorum while the summed
// weight of its live real servers reaches quorum (+ hysteresis to gain it, - hysteresis to lose
// it; update_quorum_state); when quorum is lost and a sorry server is configured, the live real
// servers leave the pool and the sorry server takes their place until quorum is back.
// inhibit_on_failure keeps a failed server in the table with weight 0 instead of removing it
// (ipvswrapper.c ipvs_cmd). The table itself is derived from this state (`dests`): the
// reconciler turns a changed weight into one edit and touches nothing else.
import type { Command } from '../config/model/common.js';
import type { ResolvedRealServer, ResolvedVirtualServer } from '../config/resolve-lvs.js';
import type { CheckerEvent } from './policy.js';

/** IPVS_WEIGHT_MAX in keepalived (the kernel field is a signed 32-bit int; keepalived caps it). */
export const IPVS_WEIGHT_MAX = 65535;

/** keepalived real_weight(): the weight IPVS gets for an effective weight. */
export function realWeight(w: number): number {
  return w <= 0 ? 0 : w >= IPVS_WEIGHT_MAX ? IPVS_WEIGHT_MAX : w;
}

export type PolicyAction =
  /**
   * `initial`: the state a virtual server starts in rather than a change (keepalived logs
   * "Gained quorum" for each one at start; the daemon counts these and logs them at debug).
   */
  | { kind: 'log'; message: string; initial?: true }
  | { kind: 'notify'; command: Command; event: 'rs-up' | 'rs-down' | 'quorum-up' | 'quorum-down'; vs: string; rs?: string };

export interface RsState {
  alive: boolean;
  /** Checkers of this real server currently down (keepalived num_failed_checkers). */
  failed: number;
  /** Absolute weight set by a misc_dynamic MISC_CHECK, if any. */
  setWeight?: number;
  /** Weight deltas from FILE_CHECKs, by checker index (created with the first one). */
  deltas?: Map<number, number>;
}

export interface VsState {
  quorumUp: boolean;
  sorryAlive: boolean;
  rs: RsState[];
}

/** One destination of the desired table for a virtual server. */
export interface DesiredDest {
  rs?: ResolvedRealServer;
  sorry?: boolean;
  address: string;
  port: number;
  weight: number;
}

/** keepalived FMT_RS: "[10.0.0.2]:tcp:80". */
export function fmtRs(vs: ResolvedVirtualServer, address: string, port: number): string {
  return `[${address}]:${(vs.protocol ?? (vs.services[0]?.kind === 'fwmark' ? 'fwm' : 'tcp')).toLowerCase()}:${port}`;
}

export interface PolicyOptions {
  /** global_defs rs_init_notifies: run notify_up for servers alive at start. */
  rsInitNotifies?: boolean;
}

export class LvsPolicy {
  readonly state: VsState[];
  /** Increments whenever the desired table may have changed. */
  version = 0;

  /**
   * `checkerUp(v, r, c)`: the initial state of checker c of real server r of virtual server v
   * (down for alpha checkers and for FILE_CHECKs whose file says fault).
   */
  constructor(
    readonly vss: readonly ResolvedVirtualServer[],
    checkerUp: (v: number, r: number, c: number) => boolean,
    private readonly opts: PolicyOptions = {},
  ) {
    this.state = vss.map((vs, v) => ({
      quorumUp: false,
      sorryAlive: false,
      rs: vs.real_servers.map((rs, r) => {
        let failed = 0;
        rs.checkers.forEach((_c, c) => {
          if (!checkerUp(v, r, c)) failed++;
        });
        return { alive: false, failed };
      }),
    }));
  }

  /** keepalived init_services: live servers in, quorum evaluated, sorry server if needed. */
  start(): PolicyAction[] {
    const out: PolicyAction[] = [];
    this.vss.forEach((vs, v) => {
      const st = this.state[v] as VsState;
      vs.real_servers.forEach((rs, r) => {
        const s = st.rs[r] as RsState;
        if (s.failed === 0) {
          s.alive = true;
          if (this.opts.rsInitNotifies) this.notifyRs(out, vs, rs, true);
        }
      });
      this.updateQuorum(out, v, true);
    });
    this.version++;
    return out;
  }

  /** A checker changed state (or confirmed its initial failure). */
  checkerEvent(v: number, r: number, event: CheckerEvent): PolicyAction[] {
    const out: PolicyAction[] = [];
    const vs = this.vss[v] as ResolvedVirtualServer;
    const rs = vs.real_servers[r] as ResolvedRealServer;
    const s = (this.state[v] as VsState).rs[r] as RsState;
    if (event === 'initial-down') {
      this.notifyRs(out, vs, rs, s.alive);
      return out;
    }
    if (event === 'up') {
      // "call the UP handler unless any more failed checks found"
      if (s.failed <= 1) this.setAlive(out, v, r, true);
      if (s.failed > 0) s.failed--;
    } else {
      if (s.failed === 0) this.setAlive(out, v, r, false);
      s.failed++;
    }
    return out;
  }

  /** A weight from a checker: `set` (misc_dynamic) or a `delta` (FILE_CHECK c). */
  weightChange(v: number, r: number, c: number, weight: number, mode: 'set' | 'delta'): PolicyAction[] {
    const out: PolicyAction[] = [];
    const vs = this.vss[v] as ResolvedVirtualServer;
    const rs = vs.real_servers[r] as ResolvedRealServer;
    const s = (this.state[v] as VsState).rs[r] as RsState;
    const before = realWeight(this.effective(rs, s));
    if (mode === 'set') s.setWeight = weight;
    else if (weight === 0) s.deltas?.delete(c);
    else (s.deltas ??= new Map()).set(c, weight);
    const after = realWeight(this.effective(rs, s));
    if (after === before) return out;
    out.push({ kind: 'log', message: `Changing weight from ${before} to ${after} for ${s.alive ? '' : 'in'}active service ${fmtRs(vs, rs.address, rs.port)} of VS ${vs.id}` });
    this.version++;
    this.updateQuorum(out, v, false);
    return out;
  }

  /** Shutdown: with omega, notify_down for every live server and quorum_down (keepalived clear_services). */
  stop(): PolicyAction[] {
    const out: PolicyAction[] = [];
    this.vss.forEach((vs, v) => {
      if (!vs.omega) return;
      const st = this.state[v] as VsState;
      vs.real_servers.forEach((rs, r) => {
        if ((st.rs[r] as RsState).alive) this.notifyRs(out, vs, rs, false);
      });
      if (vs.quorum_down) out.push({ kind: 'notify', command: vs.quorum_down, event: 'quorum-down', vs: vs.id });
    });
    return out;
  }

  effective(rs: ResolvedRealServer, s: RsState): number {
    let w = s.setWeight ?? rs.weight;
    if (s.deltas) for (const d of s.deltas.values()) w += d;
    return w;
  }

  /** keepalived weigh_live_realservers. */
  liveWeight(v: number): number {
    const vs = this.vss[v] as ResolvedVirtualServer;
    const st = this.state[v] as VsState;
    let sum = 0;
    vs.real_servers.forEach((rs, r) => {
      const s = st.rs[r] as RsState;
      if (s.alive) sum += realWeight(this.effective(rs, s));
    });
    return sum;
  }

  /** The destinations virtual server v should have now, with their weights. */
  dests(v: number): DesiredDest[] {
    const vs = this.vss[v] as ResolvedVirtualServer;
    const st = this.state[v] as VsState;
    const out: DesiredDest[] = [];
    const sorry = vs.sorry_server;
    const rsInPool = st.quorumUp || !sorry || !st.sorryAlive;
    vs.real_servers.forEach((rs, r) => {
      const s = st.rs[r] as RsState;
      if (s.alive && rsInPool) out.push({ rs, address: rs.address, port: rs.port, weight: realWeight(this.effective(rs, s)) });
      else if (rs.inhibit_on_failure) out.push({ rs, address: rs.address, port: rs.port, weight: 0 });
    });
    if (sorry) {
      const twin = out.findIndex((d) => d.address === sorry.address && d.port === sorry.port);
      // A sorry server that is also a real server (keepalived s_svr_duplicates_rs) keeps one entry.
      if (st.sorryAlive) {
        if (twin >= 0) out.splice(twin, 1);
        out.push({ sorry: true, address: sorry.address, port: sorry.port, weight: 1 });
      } else if (sorry.inhibit && twin < 0) out.push({ sorry: true, address: sorry.address, port: sorry.port, weight: 0 });
    }
    return out;
  }

  private setAlive(out: PolicyAction[], v: number, r: number, alive: boolean): void {
    const vs = this.vss[v] as ResolvedVirtualServer;
    const rs = vs.real_servers[r] as ResolvedRealServer;
    const s = (this.state[v] as VsState).rs[r] as RsState;
    if (s.alive === alive) return;
    const inh = rs.inhibit_on_failure;
    const verb = alive ? (inh ? 'Enabling' : 'Adding') : inh ? 'Disabling' : 'Removing';
    const prep = inh ? 'of' : alive ? 'to' : 'from';
    out.push({ kind: 'log', message: `${verb} service ${fmtRs(vs, rs.address, rs.port)} ${prep} VS ${vs.id}` });
    s.alive = alive;
    this.version++;
    this.notifyRs(out, vs, rs, alive);
    this.updateQuorum(out, v, false);
  }

  private notifyRs(out: PolicyAction[], vs: ResolvedVirtualServer, rs: ResolvedRealServer, alive: boolean): void {
    const cmd = alive ? rs.notify_up : rs.notify_down;
    if (cmd) out.push({ kind: 'notify', command: cmd, event: alive ? 'rs-up' : 'rs-down', vs: vs.id, rs: fmtRs(vs, rs.address, rs.port) });
  }

  /** keepalived update_quorum_state. */
  private updateQuorum(out: PolicyAction[], v: number, init: boolean): void {
    const vs = this.vss[v] as ResolvedVirtualServer;
    const st = this.state[v] as VsState;
    const sum = this.liveWeight(v);
    const threshold = vs.quorum + (st.quorumUp ? -1 : 1) * vs.hysteresis;
    const sorry = vs.sorry_server;
    if (!st.quorumUp && sum >= threshold) {
      st.quorumUp = true;
      const message = `Gained quorum ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${sum} for VS ${vs.id}`;
      out.push(init ? { kind: 'log', message, initial: true } : { kind: 'log', message });
      if (sorry && st.sorryAlive) {
        out.push({ kind: 'log', message: `${sorry.inhibit ? 'Disabling' : 'Removing'} sorry server ${fmtRs(vs, sorry.address, sorry.port)} from VS ${vs.id}` });
        out.push({ kind: 'log', message: `Adding alive servers to the pool for VS ${vs.id}` });
        st.sorryAlive = false;
      }
      this.version++;
      if (vs.quorum_up) out.push({ kind: 'notify', command: vs.quorum_up, event: 'quorum-up', vs: vs.id });
    } else if ((st.quorumUp && (!sum || sum < threshold)) || (init && !st.quorumUp && sorry && !st.sorryAlive)) {
      st.quorumUp = false;
      out.push({ kind: 'log', message: `${init ? 'Starting with quorum down' : 'Lost quorum'} ${vs.quorum}-${vs.hysteresis}=${threshold} > ${sum} for VS ${vs.id}` });
      if (sorry && !st.sorryAlive) {
        out.push({ kind: 'log', message: `${sorry.inhibit ? 'Enabling' : 'Adding'} sorry server ${fmtRs(vs, sorry.address, sorry.port)} to VS ${vs.id}` });
        out.push({ kind: 'log', message: `Removing alive servers from the pool for VS ${vs.id}` });
        st.sorryAlive = true;
      }
      this.version++;
      if (vs.quorum_down) out.push({ kind: 'notify', command: vs.quorum_down, event: 'quorum-down', vs: vs.id });
    }
  }
}
