// Config layer (pure): the LVS part of the model resolved for the IPVS reconciler and the
// checker engine: defaults applied, virtual_server -> real_server -> checker inheritance, and
// keepalived's fix-ups of validate_check_config() (check_data.c) applied and reported as findings.
import type { Command } from './model/common.js';
import type { Checker, HttpGetCheck, SmtpHost, SslConfig, SslGetCheck, StatusRange } from './model/check.js';
import type { ConfigModel } from './model/index.js';
import type { LvsMethod, LvsProtocol, LvsScheduler, RealServer, VirtualServer, VirtualServerGroup, VsgAddress } from './model/lvs.js';
import { ipToBigInt } from './keepalived/lvs-args.js';

export type Family = 'inet' | 'inet6';

export interface ResolvedForwarding {
  method: 'NAT' | 'DR' | 'TUN';
  tunnel?: { type: 'ipip' | 'gue' | 'gre'; port?: number; csum: 'nocsum' | 'csum' | 'remcsum' };
}

/** One IPVS service (an address range stands for one service per address, first..last). */
export type ResolvedService =
  | { kind: 'address'; family: Family; first: string; last: string; port: number; protocol: LvsProtocol }
  | { kind: 'fwmark'; family: Family; fwmark: number };

export interface ResolvedTiming {
  alpha: boolean;
  retry: number;
  delay_before_retry: number;
  delay_loop: number;
  warmup: number;
  log_all_failures: boolean;
}
export interface ResolvedConnection {
  address: string;
  port: number;
  bindto?: string;
  bind_port?: number;
  bind_if?: string;
  fwmark?: number;
  connect_timeout: number;
}
export interface ResolvedUrl {
  path: string;
  digest?: string;
  status_code: StatusRange[];
  virtualhost?: string;
  regex?: { pattern: string; no_match: boolean; options: string[]; min_offset?: number; max_offset?: number; stack?: { start: number; max: number } };
}
export type ResolvedChecker = ResolvedTiming &
  (
    | { type: 'HTTP_GET' | 'SSL_GET'; connection: ResolvedConnection; http_protocol: '1.0' | '1.0C' | '1.1'; fast_recovery: boolean; enable_sni: boolean; sni_name?: string; urls: ResolvedUrl[] }
    | { type: 'TCP_CHECK' | 'PING_CHECK'; connection: ResolvedConnection }
    | { type: 'SMTP_CHECK'; connection: ResolvedConnection; helo_name: string }
    | { type: 'DNS_CHECK'; connection: ResolvedConnection; query_type: string; name: string }
    | { type: 'MISC_CHECK'; misc_path: string; misc_timeout: number; misc_dynamic: boolean; user?: string; group?: string }
    | { type: 'UDP_CHECK'; connection: ResolvedConnection; payload?: string; require_reply: boolean; reply_data?: string; min_reply_length: number; max_reply_length: number }
    | { type: 'FILE_CHECK'; track_file: string; dynamic: boolean; weight?: number; reverse: boolean }
    | { type: 'BFD_CHECK'; name: string }
  );

export interface ResolvedRealServer {
  address: string;
  port: number;
  family: Family;
  weight: number;
  method: ResolvedForwarding;
  inhibit_on_failure: boolean;
  alpha: boolean;
  smtp_alert: boolean;
  virtualhost?: string;
  notify_up?: Command;
  notify_down?: Command;
  uthreshold?: number;
  lthreshold?: number;
  checkers: ResolvedChecker[];
}
export interface ResolvedSorryServer {
  address: string;
  port: number;
  method: ResolvedForwarding;
  inhibit: boolean;
}
export interface ResolvedVirtualServer {
  /** keepalived's name for it: `[10.0.0.1]:tcp:80`, `FWM 1`, `group NAME`. */
  id: string;
  group?: string;
  family: Family;
  protocol?: LvsProtocol;
  services: ResolvedService[];
  lvs_sched: LvsScheduler;
  flags: { flag_1: boolean; flag_2: boolean; flag_3: boolean; sh_port: boolean; sh_fallback: boolean; mh_port: boolean; mh_fallback: boolean; ops: boolean };
  method: ResolvedForwarding;
  persistence?: { timeout: number; granularity?: string | number; engine?: string };
  ha_suspend: boolean;
  alpha: boolean;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorum_up?: Command;
  quorum_down?: Command;
  smtp_alert: boolean;
  virtualhost?: string;
  sorry_server?: ResolvedSorryServer;
  real_servers: ResolvedRealServer[];
}

/** Something keepalived would change, drop or refuse; `obj`/`field` locate it in the model. */
export interface LvsFinding {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  obj: object;
  field: string;
}
export interface ResolvedLvs {
  virtual_servers: ResolvedVirtualServer[];
  ssl?: SslConfig;
  findings: LvsFinding[];
}

// keepalived defaults (check_data.c alloc_vs / check_api.c queue_checker / ipvswrapper.h).
export const DEFAULTS = {
  connect_timeout: 5,
  delay_loop: 60,
  retry: 1,
  persistence_timeout: 360,
  lvs_sched: 'wlc' as LvsScheduler,
  quorum: 1,
  weight: 1,
  status_code: { from: 200, to: 299 },
  helo_name: 'smtpchecker.keepalived.org',
  udp_max_reply_length: 255,
} as const;

export function familyOf(address: string): Family {
  return address.includes(':') ? 'inet6' : 'inet';
}

export function resolveForwarding(m: LvsMethod): ResolvedForwarding {
  if (m.method !== 'TUN') return { method: m.method };
  const type = m.type ?? 'ipip';
  const tunnel: ResolvedForwarding['tunnel'] = { type, csum: m.csum ?? 'nocsum' };
  if ('port' in m) tunnel.port = m.port;
  return { method: 'TUN', tunnel };
}

/** keepalived FMT_VS. */
export function vsId(vs: VirtualServer): string {
  if ('fwmark' in vs) return `FWM ${vs.fwmark}`;
  if ('group' in vs) return `group ${vs.group}`;
  return `[${vs.address}]:${(vs.protocol ?? 'none').toLowerCase()}:${vs.port ?? 0}`;
}

function isLinkLocal6(a: string): boolean {
  return /^fe[89ab][0-9a-f]?:/i.test(a);
}

/** Groups keepalived keeps (check_parser.c vsg_handler removes empty and ambiguous ones). */
export function groupProblem(g: VirtualServerGroup): string | undefined {
  if (!g.addresses.length && !g.fwmarks.length) return 'has no entries';
  const v4 = g.addresses.some((a) => familyOf(a.address) === 'inet') || g.fwmarks.some((f) => f.family === 'inet');
  const v6 = g.addresses.some((a) => familyOf(a.address) === 'inet6') || g.fwmarks.some((f) => f.family === 'inet6');
  if (v4 && v6 && g.fwmarks.some((f) => !f.family)) return 'has IPv4 and IPv6 entries and a fwmark without family';
  return undefined;
}

/** Two virtual servers program the same IPVS service(s) when their keys match. */
export function serviceKey(vs: VirtualServer): string {
  if ('fwmark' in vs) return `fwmark ${vs.fwmark} ${vs.ip_family ?? ''}`;
  if ('group' in vs) return `group ${vs.group} ${vs.protocol ?? 'UDP'}`;
  return `${vs.address} ${vs.port ?? 0} ${vs.protocol ?? 'UDP'}`;
}

/** Why a group range cannot be used, if it cannot. */
export function rangeProblem(a: VsgAddress): string | undefined {
  if (a.last === undefined) return undefined;
  const x = ipToBigInt(a.address);
  const y = ipToBigInt(a.last);
  if (!x || !y || x.v6 !== y.v6) return 'mixes address families';
  if (y.n < x.n) return 'ends below its start';
  return undefined;
}

interface Ctx {
  out: LvsFinding[];
  trackFiles: Set<string>;
  smtpDefault: boolean | undefined;
  /**
   * Build the resolved copy. Without it only the findings are made: the same rules run over the
   * same values, but checkers, connections, urls and services are not built.
   */
  keep: boolean;
}

function find(c: Ctx, severity: LvsFinding['severity'], code: string, obj: object, field: string, message: string): void {
  c.out.push({ severity, code, message, obj, field });
}

export function resolveLvs(m: ConfigModel): ResolvedLvs {
  return resolveAll(m, true);
}

/**
 * keepalived's fix-ups and refusals only: the same walk as resolveLvs without keeping the resolved
 * copy, so checking a configuration of 100,000 real servers does not hold a second model in memory.
 */
export function lvsFindings(m: ConfigModel): LvsFinding[] {
  return resolveAll(m, false).findings;
}

function resolveAll(m: ConfigModel, keep: boolean): ResolvedLvs {
  const c: Ctx = {
    out: [],
    trackFiles: new Set(m.vrrp_track_files.map((t) => t.name)),
    // check_data.c: global_defs smtp_alert_checker, else smtp_alert, sets the default.
    smtpDefault: m.global_defs?.smtp_alert_checker ?? m.global_defs?.smtp_alert,
    keep,
  };
  const groups = new Map<string, VirtualServerGroup>();
  for (const grp of m.virtual_server_groups) if (!groups.has(grp.name) && !groupProblem(grp)) groups.set(grp.name, grp);
  const virtual_servers: ResolvedVirtualServer[] = [];
  const keys = new Set<string>();
  for (const vs of m.virtual_servers) {
    // Only a hand-made (not schema-valid) model lacks all three forms: nothing to program.
    if (!('address' in vs) && !('fwmark' in vs) && !('group' in vs)) continue;
    // A second definition of the same service is an error (reported by validateLvs); the first is used.
    const key = serviceKey(vs);
    if (keys.has(key)) continue;
    keys.add(key);
    const r = resolveVs(vs, groups, c);
    if (r) virtual_servers.push(r);
  }
  return m.ssl ? { virtual_servers, ssl: m.ssl, findings: c.out } : { virtual_servers, findings: c.out };
}

function resolveVs(vs: VirtualServer, groups: Map<string, VirtualServerGroup>, c: Ctx): ResolvedVirtualServer | undefined {
  const id = vsId(vs);
  let grp: VirtualServerGroup | undefined;
  if ('group' in vs) {
    grp = groups.get(vs.group);
    if (!grp) {
      find(c, 'error', 'unknown-group', vs, 'group', `virtual_server group ${vs.group}: no usable virtual_server_group ${vs.group}; the virtual server is ignored`);
      return undefined;
    }
  }
  // check_data.c checks this first and says nothing else about such a virtual server.
  if (!vs.real_servers.length) {
    find(c, 'warning', 'no-real-servers', vs, '', `virtual server ${id} has no real servers; it is ignored`);
    return undefined;
  }
  const byFwmark = 'fwmark' in vs || (grp !== undefined && grp.addresses.length === 0);
  const byAddress = 'address' in vs || (grp !== undefined && grp.addresses.length > 0);
  const vsMethod = vs.lvs_method ? resolveForwarding(vs.lvs_method) : undefined;
  let warnedNat = false;
  const methodOr = (mm: LvsMethod | undefined): ResolvedForwarding => {
    if (mm) return resolveForwarding(mm);
    if (vsMethod) return vsMethod;
    if (!warnedNat) find(c, 'warning', 'default-method', vs, '', `virtual server ${id}: no lvs_method set; using NAT`);
    warnedNat = true;
    return { method: 'NAT' };
  };

  // Address family (check_parser.c vs_end_handler / ip_family_handler).
  let family: Family | undefined;
  if ('address' in vs) family = familyOf(vs.address);
  else if (grp?.addresses[0]) family = familyOf(grp.addresses[0].address);
  else if (grp) family = grp.fwmarks.find((f) => f.family)?.family;
  if (vs.ip_family && family && vs.ip_family !== family)
    find(c, 'error', 'family-conflict', vs, 'ip_family', `virtual server ${id}: ip_family ${vs.ip_family} conflicts with its ${family} addresses`);
  family ??= vs.ip_family;
  if (!family) {
    const servers = [...vs.real_servers.map((r) => ({ a: r.address, m: r.lvs_method })), ...(vs.sorry_server ? [{ a: vs.sorry_server.address, m: vs.sorry_server_lvs_method }] : [])];
    const plain = servers.find((x) => (x.m ?? vs.lvs_method)?.method !== 'TUN');
    const fams = new Set(servers.map((x) => familyOf(x.a)));
    family = plain ? familyOf(plain.a) : fams.size === 1 ? [...fams][0] : 'inet';
  }
  const fam = family as Family;

  // Persistence, protocol and flags.
  let persistence: ResolvedVirtualServer['persistence'];
  const setPersistence = (timeout: number): void => {
    persistence = { timeout };
    if (vs.persistence_granularity !== undefined) persistence.granularity = vs.persistence_granularity;
    if (vs.persistence_engine !== undefined) persistence.engine = vs.persistence_engine;
  };
  if (vs.persistence_timeout !== undefined) setPersistence(vs.persistence_timeout === true ? DEFAULTS.persistence_timeout : vs.persistence_timeout);
  else if (vs.persistence_granularity !== undefined) setPersistence(DEFAULTS.persistence_timeout);
  if (typeof vs.persistence_granularity === 'number' && fam === 'inet')
    find(c, 'error', 'granularity-family', vs, 'persistence_granularity', `virtual server ${id}: persistence_granularity ${vs.persistence_granularity} is an IPv6 prefix length but the service is IPv4; give a netmask`);
  if (typeof vs.persistence_granularity === 'string' && fam === 'inet6')
    find(c, 'error', 'granularity-family', vs, 'persistence_granularity', `virtual server ${id}: persistence_granularity ${vs.persistence_granularity} is an IPv4 netmask but the service is IPv6; give a prefix length`);

  const flags = {
    flag_1: vs.flag_1 === true, flag_2: vs.flag_2 === true, flag_3: vs.flag_3 === true,
    sh_port: vs.sh_port === true, sh_fallback: vs.sh_fallback === true, mh_port: vs.mh_port === true, mh_fallback: vs.mh_fallback === true,
    ops: vs.ops === true,
  };
  let lvs_sched = vs.lvs_sched;
  if (!lvs_sched) {
    find(c, 'warning', 'default-scheduler', vs, '', `virtual server ${id}: no lvs_sched set; using ${DEFAULTS.lvs_sched}`);
    lvs_sched = DEFAULTS.lvs_sched;
  }
  for (const [f, sched] of [['sh_port', 'sh'], ['sh_fallback', 'sh'], ['mh_port', 'mh'], ['mh_fallback', 'mh']] as const) {
    if (flags[f] && lvs_sched !== sched) {
      find(c, 'warning', 'scheduler-flag', vs, f, `virtual server ${id}: ${f.replace('_', '-')} only applies to the ${sched} scheduler; ignored`);
      flags[f] = false;
    }
  }
  let protocol = vs.protocol;
  if (byAddress) {
    if (!protocol) {
      find(c, 'warning', 'default-protocol', vs, '', `virtual server ${id}: no protocol set; using UDP (the kernel's default)`);
      protocol = 'UDP';
    }
    if (flags.ops && protocol !== 'UDP') {
      find(c, 'warning', 'ops-needs-udp', vs, 'ops', `virtual server ${id}: one-packet scheduling (ops) needs UDP; cleared`);
      flags.ops = false;
    }
    const noPort = 'address' in vs ? !vs.port : (grp as VirtualServerGroup).addresses.some((a) => !a.port);
    if (!persistence && noPort) {
      find(c, 'warning', 'zero-port-persistent', vs, 'port', `virtual server ${id}: a zero port is only valid for a persistent service; persistence_timeout ${DEFAULTS.persistence_timeout} set`);
      setPersistence(DEFAULTS.persistence_timeout);
    }
  } else if (protocol) {
    find(c, 'warning', 'fwmark-protocol', vs, 'protocol', `virtual server ${id}: protocol is ignored for a fwmark service`);
    protocol = undefined;
  }
  let ha_suspend = vs.ha_suspend === true;
  if (ha_suspend && (byFwmark || (grp && grp.fwmarks.length > 0))) {
    find(c, 'warning', 'ha-suspend-fwmark', vs, 'ha_suspend', `virtual server ${id}: ha_suspend cannot be used with fwmarks; cleared`);
    ha_suspend = false;
  }

  // Services.
  const services: ResolvedService[] = [];
  if (!c.keep) {
    // Findings only: nothing is said about services here.
  } else if ('address' in vs) services.push({ kind: 'address', family: fam, first: vs.address, last: vs.address, port: vs.port ?? 0, protocol: protocol as LvsProtocol });
  else if ('fwmark' in vs) services.push({ kind: 'fwmark', family: fam, fwmark: vs.fwmark });
  else if (grp) {
    for (const a of grp.addresses) if (!rangeProblem(a)) services.push({ kind: 'address', family: familyOf(a.address), first: a.address, last: a.last ?? a.address, port: a.port ?? 0, protocol: protocol as LvsProtocol });
    for (const f of grp.fwmarks) services.push({ kind: 'fwmark', family: f.family ?? fam, fwmark: f.fwmark });
  }
  const vsPort = 'address' in vs ? (vs.port ?? 0) : 0;

  // Sorry server.
  let sorry: ResolvedSorryServer | undefined;
  if (vs.sorry_server) {
    const method = methodOr(vs.sorry_server_lvs_method);
    if (method.method !== 'TUN' && familyOf(vs.sorry_server.address) !== fam) {
      find(c, 'error', 'family-mismatch', vs, 'sorry_server', `virtual server ${id}: sorry server ${vs.sorry_server.address} is not ${fam}; it is ignored`);
    } else {
      const port = fixPort(vs, vs.sorry_server.port ?? 0, method, vsPort, undefined, vs, 'sorry_server', c, id);
      sorry = { address: vs.sorry_server.address, port, method, inhibit: vs.sorry_server_inhibit === true };
    }
  } else {
    if (vs.sorry_server_inhibit) find(c, 'warning', 'no-sorry-server', vs, 'sorry_server_inhibit', `virtual server ${id}: sorry_server_inhibit without sorry_server; ignored`);
    if (vs.sorry_server_lvs_method) find(c, 'warning', 'no-sorry-server', vs, 'sorry_server_lvs_method', `virtual server ${id}: sorry_server_lvs_method without sorry_server; ignored`);
  }

  // Real servers.
  const real_servers: ResolvedRealServer[] = [];
  // Duplicates are found by comparing with the servers kept so far up to SMALL_LIST of them (no
  // key string and no set for the usual handful), through a set of "address|port" beyond.
  let seen: Set<string> | undefined;
  for (const rs of vs.real_servers) {
    const method = methodOr(rs.lvs_method);
    if (method.method !== 'TUN' && familyOf(rs.address) !== fam) {
      find(c, 'error', 'family-mismatch', rs, '', `virtual server ${id}: real server ${rs.address} is not ${fam}; it is ignored`);
      continue;
    }
    const port = fixPort(vs, rs.port ?? 0, method, vsPort, rs, rs, 'port', c, id, grp);
    if (!seen && real_servers.length >= SMALL_LIST) seen = new Set(real_servers.map((r) => `${r.address}|${r.port}`));
    if (seen ? seen.has(`${rs.address}|${port}`) : keptAlready(real_servers, rs.address, port)) {
      find(c, 'error', 'duplicate-real-server', rs, '', `virtual server ${id}: real server ${rs.address} port ${port} is given twice; the second is ignored`);
      continue;
    }
    seen?.add(`${rs.address}|${port}`);
    real_servers.push(resolveRs(vs, rs, method, port, fam, c));
  }
  if (!real_servers.length) {
    find(c, 'warning', 'no-real-servers', vs, '', `virtual server ${id} has no real servers; it is ignored`);
    return undefined;
  }
  if (sorry) {
    const twin = real_servers.find((r) => r.address === sorry?.address && r.port === sorry.port);
    if (twin && twin.inhibit_on_failure !== sorry.inhibit) {
      find(c, 'warning', 'sorry-inhibit', vs, 'sorry_server', `virtual server ${id}: the sorry server is also real server ${twin.address}; its inhibit_on_failure (${twin.inhibit_on_failure ? 'on' : 'off'}) is used`);
      sorry.inhibit = twin.inhibit_on_failure;
    }
  }

  // Quorum (check_data.c: quorum is capped at the total weight; hysteresis below quorum).
  const weightSum = real_servers.reduce((a, r) => a + r.weight, 0);
  let quorum = vs.quorum ?? DEFAULTS.quorum;
  if (quorum > weightSum) {
    find(c, 'warning', 'quorum-reduced', vs, vs.quorum !== undefined ? 'quorum' : '', `virtual server ${id}: quorum ${quorum} exceeds the total weight of its real servers (${weightSum}); quorum ${weightSum} used`);
    quorum = weightSum;
  }
  let hysteresis = vs.hysteresis ?? 0;
  if (hysteresis > 0 && hysteresis >= quorum) {
    const h = Math.max(0, quorum - 1);
    find(c, 'warning', 'hysteresis-reduced', vs, 'hysteresis', `virtual server ${id}: hysteresis ${hysteresis} is not below quorum ${quorum}; hysteresis ${h} used`);
    hysteresis = h;
  }

  if (!c.keep) return undefined;
  const out: ResolvedVirtualServer = {
    id, family: fam, services, lvs_sched, flags, method: vsMethod ?? { method: 'NAT' }, ha_suspend,
    alpha: vs.alpha === true, omega: vs.omega === true, quorum, hysteresis,
    smtp_alert: vs.smtp_alert ?? c.smtpDefault ?? false, real_servers,
  };
  if (grp) out.group = grp.name;
  if (protocol) out.protocol = protocol;
  if (persistence) out.persistence = persistence;
  if (vs.quorum_up) out.quorum_up = vs.quorum_up;
  if (vs.quorum_down) out.quorum_down = vs.quorum_down;
  if (vs.virtualhost !== undefined) out.virtualhost = vs.virtualhost;
  if (sorry) out.sorry_server = sorry;
  return out;
}

/** Up to this many real servers in a virtual server, duplicates are found pairwise. */
const SMALL_LIST = 32;

function keptAlready(kept: readonly ResolvedRealServer[], address: string, port: number): boolean {
  for (let i = 0; i < kept.length; i++) {
    const r = kept[i] as ResolvedRealServer;
    if (r.address === address && r.port === port) return true;
  }
  return false;
}

/** How messages name a real server, or (undefined) the sorry server. */
function serverName(rs: RealServer | undefined): string {
  return rs ? `real server ${rs.address}` : 'sorry server';
}

/**
 * Real/sorry server ports (check_data.c validate_check_config): 0 = the virtual port; DR/TUN must
 * match it. `rs` is the real server, undefined for the sorry server; findings go to `obj.field`.
 */
function fixPort(vs: VirtualServer, port: number, method: ResolvedForwarding, vsPort: number, rs: RealServer | undefined, obj: object, field: string, c: Ctx, id: string, grp?: VirtualServerGroup): number {
  if (grp) {
    if (method.method === 'NAT' || !port) return port;
    if (grp.fwmarks.length) find(c, 'warning', 'port-ignored', obj, field, `fwmark virtual server ${id}: ${serverName(rs)} has a port; it is ignored with ${method.method}`);
    for (const a of grp.addresses)
      if ((a.port ?? 0) !== port) find(c, 'warning', 'port-mismatch', obj, field, `virtual server ${id}: ${serverName(rs)} port ${port} differs from the group's port ${a.port ?? 0} (${a.address}); with ${method.method} they must match`);
    return port;
  }
  if ('fwmark' in vs) {
    if (method.method === 'NAT' || !port) return port;
    find(c, 'warning', 'port-cleared', obj, field, `fwmark virtual server ${id}: ${serverName(rs)} has a port; cleared (${method.method} keeps the packet's port)`);
    return 0;
  }
  if (!port) return vsPort;
  if (method.method !== 'NAT' && port !== vsPort) {
    find(c, 'warning', 'port-reset', obj, field, `virtual server ${id}: ${serverName(rs)} port ${port} differs from the virtual port with ${method.method}; ${vsPort} used`);
    return vsPort;
  }
  return port;
}

function resolveRs(vs: VirtualServer, rs: RealServer, method: ResolvedForwarding, port: number, family: Family, c: Ctx): ResolvedRealServer {
  const out: ResolvedRealServer = {
    address: rs.address, port, family,
    weight: rs.weight ?? vs.weight ?? DEFAULTS.weight,
    method,
    inhibit_on_failure: rs.inhibit_on_failure ?? vs.inhibit_on_failure === true,
    alpha: rs.alpha ?? vs.alpha === true,
    smtp_alert: rs.smtp_alert ?? c.smtpDefault ?? true,
    checkers: [],
  };
  const vh = rs.virtualhost ?? vs.virtualhost;
  if (vh !== undefined) out.virtualhost = vh;
  if (rs.notify_up) out.notify_up = rs.notify_up;
  if (rs.notify_down) out.notify_down = rs.notify_down;
  if (rs.uthreshold !== undefined) out.uthreshold = rs.uthreshold;
  if (rs.lthreshold !== undefined) out.lthreshold = rs.lthreshold;
  let dynamicMisc = 0;
  for (const ck of rs.checkers) {
    if (ck.type === 'MISC_CHECK' && ck.misc_dynamic) {
      if (++dynamicMisc === 2) find(c, 'warning', 'misc-dynamic', ck, 'misc_dynamic', `real server ${rs.address}: more than one dynamic MISC_CHECK; their weights interfere`);
    }
    resolveChecker(vs, rs, out, ck, c);
  }
  return out;
}

function timingOf(vs: VirtualServer, rs: RealServer, r: ResolvedRealServer, ck: Checker & Partial<Record<'retry' | 'delay_loop' | 'warmup' | 'delay_before_retry', number>>): ResolvedTiming {
  const a = ck as { alpha?: boolean; log_all_failures?: boolean };
  const delay_loop = ck.delay_loop ?? rs.delay_loop ?? vs.delay_loop ?? DEFAULTS.delay_loop;
  const defRetry = ck.type === 'DNS_CHECK' ? 3 : ck.type === 'MISC_CHECK' ? 0 : DEFAULTS.retry;
  const defDbr = ck.type === 'HTTP_GET' || ck.type === 'SSL_GET' ? 3 : ck.type === 'DNS_CHECK' ? delay_loop : 1;
  return {
    alpha: a.alpha ?? r.alpha,
    retry: ck.retry ?? rs.retry ?? vs.retry ?? defRetry,
    delay_before_retry: ck.delay_before_retry ?? rs.delay_before_retry ?? vs.delay_before_retry ?? defDbr,
    delay_loop,
    warmup: ck.warmup ?? rs.warmup ?? vs.warmup ?? delay_loop,
    log_all_failures: a.log_all_failures ?? false,
  };
}

type ConnFields = Partial<Record<'connect_ip' | 'bindto' | 'bind_if', string> & Record<'connect_port' | 'bind_port' | 'fwmark' | 'connect_timeout', number>>;
const NO_CONN: ConnFields = {};

/**
 * Whether a checker's connection can work (check_api.c): the checker's own fields (`co`), else
 * `base`'s (an SMTP_CHECK host block falls back on its checker). Reports why not at `obj`.
 */
function connectionUsable(rs: RealServer, r: ResolvedRealServer, co: ConnFields, base: ConnFields, obj: object, c: Ctx): boolean {
  const address = co.connect_ip ?? base.connect_ip ?? r.address;
  const bindto = co.bindto ?? base.bindto;
  if (bindto && familyOf(bindto) !== familyOf(address)) {
    find(c, 'error', 'family-mismatch', obj, 'bindto', `checker of real server ${rs.address}: bindto ${bindto} and the address checked (${address}) are of different families; the checker is ignored`);
    return false;
  }
  if (familyOf(address) === 'inet6' && isLinkLocal6(address) && !(co.bind_if ?? base.bind_if)) {
    find(c, 'error', 'link-local-needs-bind-if', obj, '', `checker of real server ${rs.address}: link-local address ${address} needs bind_if; the checker is ignored`);
    return false;
  }
  return true;
}

/** The connection of a usable checker (see connectionUsable). */
function connectionOf(vs: VirtualServer, rs: RealServer, r: ResolvedRealServer, co: ConnFields, base: ConnFields): ResolvedConnection {
  const out: ResolvedConnection = {
    address: co.connect_ip ?? base.connect_ip ?? r.address,
    port: co.connect_port ?? base.connect_port ?? r.port,
    connect_timeout: co.connect_timeout ?? base.connect_timeout ?? rs.connect_timeout ?? vs.connect_timeout ?? DEFAULTS.connect_timeout,
  };
  const bindto = co.bindto ?? base.bindto;
  if (bindto !== undefined) out.bindto = bindto;
  const bind_port = co.bind_port ?? base.bind_port;
  if (bind_port !== undefined) out.bind_port = bind_port;
  const bind_if = co.bind_if ?? base.bind_if;
  if (bind_if !== undefined) out.bind_if = bind_if;
  const fwmark = co.fwmark ?? base.fwmark;
  if (fwmark !== undefined) out.fwmark = fwmark;
  return out;
}

/** The urls of an HTTP_GET / SSL_GET; returns how many are usable, and adds them to `urls` when given. */
function resolveUrls(vs: VirtualServer, rs: RealServer, ck: HttpGetCheck | SslGetCheck, c: Ctx, urls: ResolvedUrl[] | undefined): number {
  let usable = 0;
  for (const u of ck.url ?? []) {
    if (!u.path) {
      find(c, 'error', 'url-without-path', u, '', `${ck.type} of real server ${rs.address}: url without path; it is ignored`);
      continue;
    }
    usable++;
    const regexParams = u.regex_no_match || u.regex_options || u.regex_stack || u.regex_min_offset !== undefined || u.regex_max_offset !== undefined;
    let regex: ResolvedUrl['regex'];
    if (u.regex) {
      if (urls) regex = { pattern: u.regex, no_match: u.regex_no_match === true, options: [...(u.regex_options ?? [])] };
      if (u.regex_min_offset !== undefined && u.regex_max_offset !== undefined && u.regex_min_offset > u.regex_max_offset) {
        find(c, 'warning', 'regex-offsets', u, 'regex_min_offset', `url ${u.path}: regex_min_offset ${u.regex_min_offset} is beyond regex_max_offset ${u.regex_max_offset}; both ignored`);
      } else if (regex) {
        if (u.regex_min_offset !== undefined) regex.min_offset = u.regex_min_offset;
        if (u.regex_max_offset !== undefined) regex.max_offset = u.regex_max_offset;
      }
      if (u.regex_stack) {
        if (u.regex_stack.start > u.regex_stack.max) find(c, 'warning', 'regex-stack', u, 'regex_stack', `url ${u.path}: regex_stack start ${u.regex_stack.start} exceeds max ${u.regex_stack.max}; ignored`);
        else if (regex) regex.stack = { ...u.regex_stack };
      }
    } else if (regexParams) {
      find(c, 'warning', 'regex-params-without-regex', u, '', `url ${u.path}: regex options given without regex; ignored`);
    }
    if (!urls) continue;
    const codes = (u.status_code ?? []).filter((s) => s.from <= s.to);
    const out: ResolvedUrl = { path: u.path, status_code: codes.length ? codes : [{ from: DEFAULTS.status_code.from, to: DEFAULTS.status_code.to }] };
    if (u.digest) out.digest = u.digest;
    const vh = u.virtualhost ?? ck.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
    if (vh !== undefined) out.virtualhost = vh;
    if (regex) out.regex = regex;
    urls.push(out);
  }
  return usable;
}

function who(ck: Checker, rs: RealServer): string {
  return `${ck.type} of real server ${rs.address}`;
}

/** One checker of a real server: its findings, and (when kept) its resolved form(s) added to `r.checkers`. */
function resolveChecker(vs: VirtualServer, rs: RealServer, r: ResolvedRealServer, ck: Checker, c: Ctx): void {
  const list = c.keep ? r.checkers : undefined;
  if (ck.type === 'FILE_CHECK') {
    if (!ck.track_file) {
      find(c, 'error', 'file-check-without-file', ck, '', `${who(ck, rs)}: no track_file; the checker is ignored`);
      return;
    }
    if (!c.trackFiles.has(ck.track_file)) {
      find(c, 'error', 'unknown-track-file', ck, 'track_file', `${who(ck, rs)}: track_file ${ck.track_file} is not defined; the checker is ignored`);
      return;
    }
    if (!list) return;
    const f = { type: 'FILE_CHECK' as const, track_file: ck.track_file, dynamic: ck.dynamic === true, reverse: ck.weight?.reverse === true };
    list.push({ ...timingOf(vs, rs, r, ck), ...f, ...(ck.weight ? { weight: ck.weight.value } : {}) });
    return;
  }
  if (ck.type === 'BFD_CHECK') {
    if (!ck.name) {
      find(c, 'error', 'bfd-check-without-name', ck, '', `${who(ck, rs)}: no name; the checker is ignored`);
      return;
    }
    list?.push({ ...timingOf(vs, rs, r, ck), type: 'BFD_CHECK', name: ck.name });
    return;
  }
  if (ck.type === 'MISC_CHECK') {
    if (!ck.misc_path) {
      find(c, 'error', 'misc-check-without-path', ck, '', `${who(ck, rs)}: no misc_path; the checker is ignored`);
      return;
    }
    if (!list) return;
    const t = timingOf(vs, rs, r, ck);
    const out: ResolvedChecker = { ...t, type: 'MISC_CHECK', misc_path: ck.misc_path, misc_timeout: ck.misc_timeout || t.delay_loop, misc_dynamic: ck.misc_dynamic === true };
    if (ck.user) {
      out.user = ck.user.name;
      if (ck.user.group) out.group = ck.user.group;
    }
    list.push(out);
    return;
  }
  if (!connectionUsable(rs, r, ck, NO_CONN, ck, c)) return;
  switch (ck.type) {
    case 'HTTP_GET':
    case 'SSL_GET': {
      const urls: ResolvedUrl[] | undefined = list ? [] : undefined;
      if (!resolveUrls(vs, rs, ck, c, urls)) {
        find(c, 'error', 'no-url', ck, '', `${who(ck, rs)}: no url with a path; the checker is ignored`);
        return;
      }
      if (!list || !urls) return;
      const t = timingOf(vs, rs, r, ck);
      list.push({
        alpha: t.alpha, retry: t.retry, delay_before_retry: t.delay_before_retry, delay_loop: t.delay_loop, warmup: t.warmup, log_all_failures: t.log_all_failures,
        type: ck.type, connection: connectionOf(vs, rs, r, ck, NO_CONN), http_protocol: ck.http_protocol ?? '1.0', fast_recovery: ck.fast_recovery === true,
        enable_sni: ck.type === 'SSL_GET' && (ck.enable_sni === true || ck.sni_name !== undefined), ...(ck.type === 'SSL_GET' && ck.sni_name !== undefined ? { sni_name: ck.sni_name } : {}), urls,
      });
      return;
    }
    case 'TCP_CHECK':
    case 'PING_CHECK': {
      if (!list) return;
      const t = timingOf(vs, rs, r, ck);
      list.push({
        alpha: t.alpha, retry: t.retry, delay_before_retry: t.delay_before_retry, delay_loop: t.delay_loop, warmup: t.warmup, log_all_failures: t.log_all_failures,
        type: ck.type, connection: connectionOf(vs, rs, r, ck, NO_CONN),
      });
      return;
    }
    case 'SMTP_CHECK': {
      // check_smtp.c: the checker's own connection is checked when configured or when there is no
      // host block; every host block becomes a checker of its own.
      const helo_name = ck.helo_name ?? DEFAULTS.helo_name;
      const own = Object.keys(ck).some((k) => k in CONN_KEYS);
      const t = list ? timingOf(vs, rs, r, ck) : undefined;
      if (list && t && (own || !ck.host?.length)) list.push({ ...t, type: 'SMTP_CHECK', connection: connectionOf(vs, rs, r, ck, NO_CONN), helo_name });
      for (const h of ck.host ?? []) {
        if (connectionUsable(rs, r, h as ConnFields, ck, h, c) && list && t) list.push({ ...t, type: 'SMTP_CHECK', connection: connectionOf(vs, rs, r, h as ConnFields, ck), helo_name });
      }
      return;
    }
    case 'DNS_CHECK':
      list?.push({ ...timingOf(vs, rs, r, ck), type: 'DNS_CHECK', connection: connectionOf(vs, rs, r, ck, NO_CONN), query_type: ck.query_type ?? 'SOA', name: ck.name ?? '.' });
      return;
    case 'UDP_CHECK': {
      const min = ck.min_reply_length ?? 0;
      const max = ck.max_reply_length ?? DEFAULTS.udp_max_reply_length;
      if (min > max) find(c, 'warning', 'udp-reply-length', ck, 'min_reply_length', `${who(ck, rs)}: min_reply_length ${min} > max_reply_length ${max}; the check will always fail`);
      if (!list) return;
      const out: ResolvedChecker = { ...timingOf(vs, rs, r, ck), type: 'UDP_CHECK', connection: connectionOf(vs, rs, r, ck, NO_CONN), require_reply: ck.require_reply !== undefined, min_reply_length: min, max_reply_length: max };
      if (ck.payload) out.payload = ck.payload;
      if (typeof ck.require_reply === 'string') out.reply_data = ck.require_reply;
      list.push(out);
      return;
    }
  }
}

const CONN_KEYS = { connect_ip: 1, connect_port: 1, bindto: 1, bind_port: 1, bind_if: 1, fwmark: 1, connect_timeout: 1 };
