// Pure policy: turns the daemon's VRRP and LVS events into notify FIFO lines and alert mails, with
// keepalived's rules: every state change goes to the FIFOs (vrrp_notify.c notify_fifo, ipwrapper.c
// notify_fifo_vs/rs); a mail goes out only where smtp_alert is on, not twice for the same state
// (last_email_state), not for FAULT under no_email_faults, and for a checker that changes state
// without moving its real server only when no_checker_emails is off. FIFO lines are produced at
// once, in event order; mails about real servers and quorum wait until the burst of events that
// caused them is over (`defer`), so a real server's mail knows which checker moved it and a quorum
// mail counts every real server that changed with it.
import type { LvsEvents } from '../events/lvs.js';
import type { VrrpEvents } from '../events/vrrp.js';
import { checkerMailBody, quorumMail, rsFifoLine, rsMailSubject, vrrpFifoLine, vrrpMail, vsFifoLine, type FifoVrrpState, type Mail, type QuorumFigures } from './format.js';
import type { NotifySettings, RsInfo, VsInfo } from './settings.js';

export interface RouterSinks {
  /** Write one line to every FIFO taking `kind` events. */
  fifo(kind: 'vrrp' | 'lvs', line: string): void;
  mail(m: Mail): void;
  /** Run `fn` once the current synchronous burst of events is over (setImmediate in the daemon). */
  defer(fn: () => void): void;
}

export interface RouterStats {
  vrrpLines: number;
  lvsLines: number;
  mails: number;
  /** Events naming an instance, group, virtual or real server the configuration does not have. */
  unknown: number;
}

interface PendingRs {
  vs: VsInfo | undefined;
  rs: RsInfo | undefined;
  vsFmt: string;
  rsFmt: string;
  alive?: boolean;
  check?: { type: string; up: boolean; detail: string };
}

type QuorumPayload = LvsEvents['lvs.quorum'] & Partial<QuorumFigures>;

/** `[10.0.0.2]:tcp:80` -> address and port. */
export function parseTrio(s: string): { address: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:[a-z?]*:(\d+)$/.exec(s);
  return m ? { address: m[1] as string, port: Number(m[2]) } : undefined;
}

/** The checker pool's server names: `10.0.0.2:80 of VS [10.0.0.1]:tcp:80`. */
export function parseServerName(s: string): { address: string; port: number; vs: string } | undefined {
  const m = /^(.+):(\d+) of VS (.+)$/.exec(s);
  if (!m) return undefined;
  const a = m[1] as string;
  return { address: a.startsWith('[') && a.endsWith(']') ? a.slice(1, -1) : a, port: Number(m[2]), vs: m[3] as string };
}

const VRRP_STATES = new Set(['MASTER', 'BACKUP', 'FAULT']);

export class NotifyRouter {
  readonly stats: RouterStats = { vrrpLines: 0, lvsLines: 0, mails: 0, unknown: 0 };
  private readonly instState = new Map<string, string>();
  private readonly groupState = new Map<string, string>();
  private readonly lastEmail = new Map<string, string>();
  private readonly vsById = new Map<string, VsInfo>();
  /** Live real servers as the LVS events last said (`vs id|address|port`). */
  private readonly alive = new Map<string, boolean>();
  private readonly quorumSeen = new Set<string>();
  private pendingRs = new Map<string, PendingRs>();
  private pendingQuorum: QuorumPayload[] = [];
  private flushQueued = false;

  constructor(
    private readonly s: NotifySettings,
    private readonly out: RouterSinks,
  ) {
    for (const vs of s.vss) {
      this.vsById.set(vs.id, vs);
      if (vs.fmt !== vs.id) this.vsById.set(vs.fmt, vs);
    }
  }

  // ---- VRRP ----

  transition(p: VrrpEvents['vrrp.transition']): void {
    let state: string;
    if (VRRP_STATES.has(p.to)) state = p.to;
    else if (p.to === 'INIT' && p.reason === 'shutdown') state = 'STOP';
    else return;
    this.instState.set(p.instance, state);
    this.vrrpLine('INSTANCE', p.instance, state as FifoVrrpState, p.priority);
    const inst = this.s.instances.get(p.instance);
    if (!inst) this.stats.unknown++;
    this.vrrpMail('INSTANCE', p.instance, state, inst?.smtpAlert ?? this.s.defaults.instance);
  }

  group(p: VrrpEvents['vrrp.group']): void {
    if (p.state === 'INIT') return;
    this.groupState.set(p.group, p.state);
    this.vrrpLine('GROUP', p.group, p.state as FifoVrrpState, 0);
    const g = this.s.groups.get(p.group);
    if (!g) this.stats.unknown++;
    this.vrrpMail('GROUP', p.group, p.state, g?.smtpAlert ?? this.s.defaults.group);
  }

  /** keepalived notify_shutdown: after the instances, every sync group whose members all stopped says STOP. */
  stopped(p: VrrpEvents['vrrp.stopped']): void {
    const gone = new Set(p.instances);
    for (const [name, g] of this.s.groups) {
      const st = this.groupState.get(name);
      if (st === undefined || st === 'STOP' || g.members.length === 0 || !g.members.every((m) => gone.has(m))) continue;
      this.group({ group: name, state: 'STOP' });
    }
  }

  /** vrrp_notify.c send_instance_priority_notifies (notify_priority_changes on). */
  priority(p: VrrpEvents['vrrp.priority']): void {
    if (this.s.instances.get(p.instance)?.priorityChanges !== true) return;
    const st = this.instState.get(p.instance) === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY';
    this.vrrpLine('INSTANCE', p.instance, st, p.to);
  }

  /** vrrp.c: a master hearing a lower-priority advert sends MASTER_RX_LOWER_PRI (send_event_notify). */
  conflict(p: VrrpEvents['vrrp.conflict']): void {
    if (p.peerPriority < p.ourPriority) this.vrrpLine('INSTANCE', p.instance, 'MASTER_RX_LOWER_PRI', p.ourPriority);
  }

  private vrrpLine(target: 'INSTANCE' | 'GROUP', name: string, state: FifoVrrpState, prio: number): void {
    this.stats.vrrpLines++;
    this.out.fifo('vrrp', vrrpFifoLine(target, name, state, prio));
  }

  private vrrpMail(target: 'INSTANCE' | 'GROUP', name: string, state: string, smtpAlert: boolean): void {
    const key = `${target}\0${name}`;
    if (!smtpAlert || (this.s.noEmailFaults && state === 'FAULT') || this.lastEmail.get(key) === state) return;
    const m = vrrpMail(this.s.routerId, target, name, state);
    if (!m) return;
    this.lastEmail.set(key, state);
    this.sendMail(m);
  }

  // ---- LVS ----

  private lookup(vsName: string, address: string | undefined, port: number | undefined): { vs?: VsInfo; rs?: RsInfo } {
    const vs = this.vsById.get(vsName);
    const rs = vs && address !== undefined ? vs.rs.find((r) => r.address === address && r.port === port) : undefined;
    return { ...(vs ? { vs } : {}), ...(rs ? { rs } : {}) };
  }

  rs(p: LvsEvents['lvs.rs']): void {
    const t = parseTrio(p.rs);
    const { vs, rs } = this.lookup(p.vs, t?.address, t?.port);
    if (!rs) this.stats.unknown++;
    const vsFmt = vs?.fmt ?? p.vs;
    const rsFmt = rs?.fmt ?? p.rs;
    this.stats.lvsLines++;
    this.out.fifo('lvs', rsFifoLine(rsFmt, vsFmt, p.alive));
    const key = `${vs?.id ?? p.vs}|${t?.address ?? p.rs}|${t?.port ?? ''}`;
    this.alive.set(key, p.alive);
    const pend = this.pendingRs.get(key) ?? { vs, rs, vsFmt, rsFmt };
    pend.alive = p.alive;
    this.pendingRs.set(key, pend);
    this.queueFlush();
  }

  /** A checker moved (check.state): remembered so the real server's mail can say which checker and why. */
  checkState(p: LvsEvents['check.state']): void {
    if (p.state === 'initial-down') return;
    for (const name of p.servers) {
      const s = parseServerName(name);
      if (!s) continue;
      const { vs, rs } = this.lookup(s.vs, s.address, s.port);
      const key = `${vs?.id ?? s.vs}|${s.address}|${s.port}`;
      const pend = this.pendingRs.get(key) ?? { vs, rs, vsFmt: vs?.fmt ?? s.vs, rsFmt: rs?.fmt ?? `[${s.address}]:none:${s.port}` };
      pend.check = { type: p.type, up: p.state === 'up', detail: p.detail };
      this.pendingRs.set(key, pend);
    }
    this.queueFlush();
  }

  quorum(p: LvsEvents['lvs.quorum']): void {
    const vs = this.vsById.get(p.vs);
    if (!vs) this.stats.unknown++;
    this.stats.lvsLines++;
    this.out.fifo('lvs', vsFifoLine(vs?.fmt ?? p.vs, p.up));
    this.pendingQuorum.push(p as QuorumPayload);
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.out.defer(() => this.flush());
  }

  /** Mails for the burst of LVS events just seen: real servers first, then quorum (keepalived's order). */
  flush(): void {
    this.flushQueued = false;
    const rs = this.pendingRs;
    const q = this.pendingQuorum;
    this.pendingRs = new Map();
    this.pendingQuorum = [];
    for (const [key, p] of rs) this.rsMail(key, p);
    for (const x of q) this.quorumMailFor(x);
  }

  private isAlive(key: string, rs: RsInfo | undefined): boolean | undefined {
    return this.alive.get(key) ?? (rs ? !rs.alpha : undefined);
  }

  private rsMail(key: string, p: PendingRs): void {
    if (!(p.rs?.smtpAlert ?? this.s.defaults.rs)) return;
    let alive: boolean;
    if (p.alive !== undefined) alive = p.alive;
    else {
      // A checker moved without moving its real server: keepalived mails only without no_checker_emails.
      const a = this.isAlive(key, p.rs);
      if (this.s.noCheckerEmails || a === undefined || !p.check) return;
      alive = a;
    }
    const c = p.check && (p.alive === undefined || p.check.up === p.alive) ? p.check : undefined;
    const body = c ? checkerMailBody(c.type, c.up, { detail: c.detail, timedOut: /timed out|timeout/i.test(c.detail) }) : checkerMailBody('', alive);
    this.sendMail({ subject: rsMailSubject(this.s.routerId, p.rsFmt, p.vsFmt, alive), body });
  }

  private quorumMailFor(p: QuorumPayload): void {
    const vs = this.vsById.get(p.vs);
    if (!(vs?.smtpAlert ?? this.s.defaults.vs)) return;
    const id = vs?.id ?? p.vs;
    const init = p.init ?? !this.quorumSeen.has(id);
    this.quorumSeen.add(id);
    const quorum = p.quorum ?? vs?.quorum ?? 1;
    const hysteresis = p.hysteresis ?? vs?.hysteresis ?? 0;
    // ipwrapper.c update_quorum_state: gaining needs quorum + hysteresis, losing falls below quorum - hysteresis.
    const threshold = p.threshold ?? (p.up ? quorum + hysteresis : quorum - hysteresis);
    let weightSum = p.weightSum;
    if (weightSum === undefined) {
      weightSum = 0;
      for (const rs of vs?.rs ?? []) if (this.isAlive(`${id}|${rs.address}|${rs.port}`, rs)) weightSum += Math.max(0, Math.min(rs.weight, 65535));
    }
    this.sendMail(quorumMail(this.s.routerId, vs?.fmt ?? p.vs, p.up, { quorum, hysteresis, threshold, weightSum, init }));
  }

  private sendMail(m: Mail): void {
    if (!this.s.smtp) return; // keepalived sends nothing without notification_email and smtp_server
    this.stats.mails++;
    this.out.mail(m);
  }
}
