// Pure policy: what the notify FIFOs and SMTP alerts of a configuration are, resolved as keepalived
// resolves them: global_data.c init_global_data (router_id, email_from and smtp_helo_name default to
// the local name, smtp_connect_timeout to 30 s; a vrrp_/lvs_notify_fifo named like notify_fifo is
// dropped; LVS and VRRP sharing a FIFO keep the VRRP script), global_parser.c notify_fifo (the FIFO
// belongs to the default script user unless a user is named), and the smtp_alert defaults of
// vrrp_data.c / vrrp_sync.c (global smtp_alert_vrrp, else smtp_alert, else off) and check_data.c
// (smtp_alert_checker, else smtp_alert, else off for a virtual server and ON for a real server).
import type { Command } from '../config/model/common.js';
import type { ConfigModel } from '../config/model/index.js';
import { vsId, type ResolvedLvs, type ResolvedVirtualServer } from '../config/resolve-lvs.js';
import type { ResolvedVrrp } from '../config/resolve-vrrp.js';
import { fmtTrio, fmtVs } from './format.js';

/** smtp.h DEFAULT_SMTP_CONNECTION_TIMEOUT. */
export const DEFAULT_SMTP_TIMEOUT_S = 30;

export interface HostFacts {
  /** keepalived get_local_name(): the node name. */
  hostname: string;
  /** The user lvsd runs as (keepalived's default From is `<user>@<local name>`). */
  username: string;
  /** keepalived's default script user: script_user, else keepalived_script when it exists, else none (lvsd's own). */
  defaultScriptUser?: { user: string; group?: string };
}

export interface FifoSpec {
  path: string;
  /** Owner given to a FIFO lvsd creates (keepalived chowns what it mkfifo()s). */
  user?: string;
  group?: string;
  /** notify_fifo_script: started before the FIFO opens, the FIFO's path appended to its arguments. */
  script?: { command: string; user?: string; group?: string };
  /** Which events go to it: VRRP (INSTANCE/GROUP lines) and/or LVS (VS/RS lines). */
  vrrp: boolean;
  lvs: boolean;
  /** The keyword(s) it came from, for logs. */
  keyword: string;
}

export interface SmtpSettings {
  host: string;
  port: number;
  helo: string;
  from: string;
  to: string[];
  timeoutMs: number;
}

export interface RsInfo {
  address: string;
  port: number;
  /** keepalived FMT_RS. */
  fmt: string;
  smtpAlert: boolean;
  weight: number;
  /** Starts failed until its checkers succeed (not counted as live at start). */
  alpha: boolean;
}

export interface VsInfo {
  /** lvsd's name for it (ResolvedVirtualServer.id), what the LVS events carry. */
  id: string;
  /** keepalived FMT_VS (what the FIFO and the mails say). */
  fmt: string;
  smtpAlert: boolean;
  quorum: number;
  hysteresis: number;
  rs: RsInfo[];
}

export interface NotifySettings {
  routerId: string;
  fifos: FifoSpec[];
  /** Absent: no mail (keepalived sends none without notification_email and smtp_server). */
  smtp?: SmtpSettings;
  /** global_defs no_email_faults. */
  noEmailFaults: boolean;
  /** global_defs no_checker_emails: mail only when a real server's state changes. */
  noCheckerEmails: boolean;
  instances: Map<string, { smtpAlert: boolean; priorityChanges: boolean }>;
  groups: Map<string, { smtpAlert: boolean; members: string[] }>;
  vss: VsInfo[];
  /** Defaults of objects the configuration does not name (events for unknown names). */
  defaults: { instance: boolean; group: boolean; vs: boolean; rs: boolean };
  /** What keepalived would log while resolving (ignored FIFOs and scripts). */
  notes: string[];
}

type Fifo = { name: string; user?: string; group?: string };

function owner(f: Fifo, host: HostFacts): { user?: string; group?: string } {
  if (f.user !== undefined) return { user: f.user, ...(f.group !== undefined ? { group: f.group } : {}) };
  return host.defaultScriptUser ? { ...host.defaultScriptUser } : {};
}

function script(c: Command | undefined, host: HostFacts): FifoSpec['script'] {
  if (!c) return undefined;
  const who = c.user !== undefined ? { user: c.user, ...(c.group !== undefined ? { group: c.group } : {}) } : host.defaultScriptUser ? { ...host.defaultScriptUser } : {};
  return { command: c.command, ...who };
}

/** The FIFOs of global_defs, merged as keepalived does. */
export function resolveFifos(model: ConfigModel, host: HostFacts, notes: string[] = []): FifoSpec[] {
  const g = model.global_defs ?? {};
  const out: FifoSpec[] = [];
  const all = g.notify_fifo;
  let vr = g.vrrp_notify_fifo as Fifo | undefined;
  let vrScript = g.vrrp_notify_fifo_script;
  let lv = g.lvs_notify_fifo as Fifo | undefined;
  let lvScript = g.lvs_notify_fifo_script;
  if (all) {
    out.push({ path: all.name, ...owner(all, host), ...opt('script', script(g.notify_fifo_script, host)), vrrp: true, lvs: true, keyword: 'notify_fifo' });
    if (vr && vr.name === all.name) {
      notes.push(`notify FIFO ${all.name} has been specified for global and vrrp FIFO - ignoring vrrp FIFO`);
      vr = undefined;
      vrScript = undefined;
    }
    if (lv && lv.name === all.name) {
      notes.push(`notify FIFO ${all.name} has been specified for global and LVS FIFO - ignoring LVS FIFO`);
      lv = undefined;
      lvScript = undefined;
    }
  }
  if (vr && lv && vr.name === lv.name) {
    if (vrScript && lvScript) {
      notes.push('LVS notify FIFO and vrrp FIFO are the same both with scripts - ignoring LVS FIFO script');
      lvScript = undefined;
    }
    out.push({ path: vr.name, ...owner(vr, host), ...opt('script', script(vrScript ?? lvScript, host)), vrrp: true, lvs: true, keyword: 'vrrp_notify_fifo, lvs_notify_fifo' });
    return out;
  }
  if (vr) out.push({ path: vr.name, ...owner(vr, host), ...opt('script', script(vrScript, host)), vrrp: true, lvs: false, keyword: 'vrrp_notify_fifo' });
  if (lv) out.push({ path: lv.name, ...owner(lv, host), ...opt('script', script(lvScript, host)), vrrp: false, lvs: true, keyword: 'lvs_notify_fifo' });
  return out;
}

function opt<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

/** SMTP settings, or undefined when keepalived would send no mail. */
export function resolveSmtp(model: ConfigModel, host: HostFacts): SmtpSettings | undefined {
  const g = model.global_defs ?? {};
  if (!g.smtp_server || !g.notification_email || g.notification_email.length === 0) return undefined;
  const t = g.smtp_connect_timeout ?? DEFAULT_SMTP_TIMEOUT_S;
  return {
    host: g.smtp_server.host,
    port: g.smtp_server.port ?? 25,
    helo: g.smtp_helo_name ?? (host.hostname || 'localhost'),
    from: g.notification_email_from ?? `${host.username}@${host.hostname}`,
    to: [...g.notification_email],
    // keepalived reads 0 as 1 second (global_parser.c smtp_connect_timeout_handler).
    timeoutMs: Math.max(1, t) * 1000,
  };
}

function vsInfo(vs: ResolvedVirtualServer, byId: ReadonlyMap<string, ConfigModel['virtual_servers'][number]>): VsInfo {
  // FMT_VS / FMT_RS use the protocol as configured (keepalived's service_type: 0 = "none" when unset).
  const src = byId.get(vs.id);
  const proto = src && !('fwmark' in src) ? src.protocol : undefined;
  return {
    id: vs.id,
    fmt: vs.group !== undefined ? fmtVs({ group: vs.group }) : vs.id,
    smtpAlert: vs.smtp_alert,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    rs: vs.real_servers.map((rs) => ({
      address: rs.address,
      port: rs.port,
      fmt: fmtTrio(rs.address, proto, rs.port),
      smtpAlert: rs.smtp_alert,
      weight: rs.weight,
      alpha: rs.alpha,
    })),
  };
}

/**
 * Everything notifications need from a configuration. `vrrp` / `lvs` are the resolved halves (the
 * caller usually has them already); the per-object smtp_alert values come from there, where the
 * resolvers apply keepalived's defaults quoted at the top of this file.
 */
export function notifySettings(model: ConfigModel, host: HostFacts, vrrp: ResolvedVrrp, lvs: ResolvedLvs): NotifySettings {
  const g = model.global_defs ?? {};
  const notes: string[] = [];
  const fifos = resolveFifos(model, host, notes);
  const smtp = resolveSmtp(model, host);
  const instances = new Map(vrrp.instances.map((i) => [i.name, { smtpAlert: i.smtp_alert, priorityChanges: i.notify_priority_changes }] as const));
  const groups = new Map<string, { smtpAlert: boolean; members: string[] }>(vrrp.sync_groups.map((s) => [s.name, { smtpAlert: s.smtp_alert, members: [...s.members] }]));
  const vrrpDefault = g.smtp_alert_vrrp ?? g.smtp_alert ?? false;
  const checker = g.smtp_alert_checker ?? g.smtp_alert;
  return {
    routerId: g.router_id ?? host.hostname,
    fifos,
    ...(smtp ? { smtp } : {}),
    noEmailFaults: g.no_email_faults === true,
    noCheckerEmails: g.no_checker_emails === true,
    instances,
    groups,
    vss: ((byId) => lvs.virtual_servers.map((vs) => vsInfo(vs, byId)))(new Map(model.virtual_servers.map((x) => [vsId(x), x] as const).reverse())),
    defaults: { instance: vrrpDefault, group: vrrpDefault, vs: checker ?? false, rs: checker ?? true },
    notes,
  };
}
