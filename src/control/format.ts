// Pure formatting: a DaemonStatus as `lvsd status` text, and as the SIGUSR1 / SIGUSR2 / JSON dumps in
// keepalived's layouts (keepalived's vrrp_print.c, vrrp_data.c, check_data.c and vrrp_json.c).
import type { DaemonStatus, InstanceReport } from '../daemon/status.js';
import type { VsStatus } from '../check/scheduler.js';
import { EXTRA_COUNTERS, KEEPALIVED_COUNTERS } from '../vrrp/counters.js';
import type { DumpKind } from './protocol.js';

export interface FormatOptions {
  /** Print wall-clock times in UTC instead of the local time zone (keepalived uses local time). */
  utc?: boolean;
}

type VsReport = VsStatus & { programmed: boolean };

// ---------------------------------------------------------------------------------------------
// Small helpers

/** A duration as an operator reads it: "42s", "5m 07s", "3h 05m", "2d 04h". Negative counts as 0. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${two(Math.floor((s % 86400) / 3600))}h`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * keepalived's time stamp in dumps: `1795415175.691924 (Mon Nov 23 06:26:15.691924 2026)`, seconds
 * since the epoch with microseconds, then ctime(3) with the microseconds after the seconds.
 */
export function dumpTime(ms: number, o: FormatOptions = {}): string {
  // Whole microseconds first, so 1795415175691.924 ms prints .691924 whatever the float error.
  const totalUs = Math.round(ms * 1000);
  const secs = Math.floor(totalUs / 1e6);
  const us = String(totalUs - secs * 1e6).padStart(6, '0');
  const d = new Date(secs * 1000);
  const g = o.utc
    ? { wd: d.getUTCDay(), mo: d.getUTCMonth(), da: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), y: d.getUTCFullYear() }
    : { wd: d.getDay(), mo: d.getMonth(), da: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds(), y: d.getFullYear() };
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${secs}.${us} (${DAYS[g.wd]} ${MONTHS[g.mo]} ${String(g.da).padStart(2, ' ')} ${two(g.h)}:${two(g.mi)}:${two(g.s)}.${us} ${g.y})`;
}

/** Left-aligned columns two spaces apart; columns in `right` are right-aligned. No trailing spaces. */
export function table(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** addr:port, with IPv6 addresses in brackets. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** keepalived's VRRP state numbers (vrrp.h VRRP_STATE_INIT 0, BACK 1, MAST 2, FAULT 3). */
const STATE_NUMBER: Record<InstanceReport['state'], number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

/** A VIP as keepalived prints it in dumps: `10.9.9.1/24 dev v0 ... set` (set: on the interface now). */
function vipLine(vip: string, inst: InstanceReport): string {
  const dev = / dev /.test(` ${vip} `) ? vip : `${vip} dev ${inst.interface}`;
  return inst.vipsHeld ? `${dev} set` : dev;
}

/** A sync group's state as keepalived's vgroup_print names it: every member MASTER, any FAULT, else BACKUP. */
function groupState(members: InstanceReport[]): string {
  if (members.some((m) => m.state === 'FAULT')) return 'FAULT';
  if (members.length > 0 && members.every((m) => m.state === 'MASTER')) return 'MASTER';
  return 'BACKUP';
}

function syncGroups(s: DaemonStatus): Map<string, InstanceReport[]> {
  const groups = new Map<string, InstanceReport[]>();
  for (const i of s.instances) {
    if (i.syncGroup === undefined) continue;
    const g = groups.get(i.syncGroup) ?? [];
    g.push(i);
    groups.set(i.syncGroup, g);
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------
// `lvsd status`

function ipvsLine(s: DaemonStatus): string {
  if (s.ipvsUnavailable !== null) return `IPVS: unavailable (${s.ipvsUnavailable})`;
  if (s.mode === 'vrrp-only') return 'IPVS: not run (vrrp-only mode)';
  return s.ipvsProgram === 'follow_vrrp'
    ? 'IPVS: programmed for the VIPs this node holds (lvsd_ipvs_program follow_vrrp)'
    : 'IPVS: always programmed (lvsd_ipvs_program always)';
}

function instanceTable(s: DaemonStatus): string[] {
  if (s.instances.length === 0) return ['VRRP instances: none'];
  const withGroup = s.instances.some((i) => i.syncGroup !== undefined);
  const header = ['NAME', 'VRID', 'INTERFACE', 'STATE', 'PRIO/EFF', 'MASTER', 'FOR', ...(withGroup ? ['GROUP'] : []), 'VIPS', 'REASON'];
  const rows = s.instances.map((i) => [
    i.name,
    String(i.vrid),
    i.interface,
    i.state,
    `${i.priority}/${i.effectivePriority}`,
    i.master ?? '-',
    humanDuration(s.now - i.since),
    ...(withGroup ? [i.syncGroup ?? '-'] : []),
    i.vips.length === 0 ? '-' : `${i.vips.join(',')} (${i.vipsHeld ? 'held' : 'not held'})`,
    i.lastReason ?? '-',
  ]);
  return [`VRRP instances (${s.instances.length})`, ...table(header, rows, new Set([1]))];
}

function vsBlock(vs: VsReport): string[] {
  const head = [
    vs.id,
    vs.programmed ? 'programmed' : 'not programmed',
    `quorum ${vs.quorumUp ? 'up' : 'down'}`,
    `live weight ${vs.liveWeight}/${vs.totalWeight}`,
    `sorry server ${vs.sorryActive ? 'in use' : 'not in use'}`,
  ].join(', ');
  if (vs.realServers.length === 0) return [head, '  no real servers'];
  const rows = vs.realServers.map((rs) => [
    hostPort(rs.address, rs.port),
    rs.alive ? 'alive' : 'down',
    `${rs.weight}/${rs.configured}`,
    rs.checkers.length === 0 ? '-' : rs.checkers.map((c) => `${c.target} ${c.up ? 'up' : 'down'}`).join('; '),
  ]);
  return [head, ...table(['REAL SERVER', 'STATE', 'WEIGHT', 'CHECKERS'], rows).map((l) => `  ${l}`)];
}

/** The text `lvsd status` prints. */
export function formatStatus(s: DaemonStatus): string {
  const reload =
    s.lastReload === null
      ? 'no reload since start'
      : `last reload ${humanDuration(s.now - s.lastReload.at)} ago: ${s.lastReload.ok ? 'applied' : 'rejected'}${s.lastReload.message ? ` (${s.lastReload.message})` : ''}`;
  const lines = [
    `lvsd ${s.version}, pid ${s.pid}, ${s.mode} mode, up ${humanDuration(s.now - s.startedAt)}`,
    `configuration: ${s.configFile}; ${reload}`,
    ipvsLine(s),
  ];
  if (s.syncDaemon !== null) {
    lines.push(`LVS sync daemon: ${s.syncDaemon.state}${s.syncDaemon.interface ? ` on ${s.syncDaemon.interface}` : ''}`);
  }
  lines.push('', ...instanceTable(s));
  if (s.mode !== 'vrrp-only' || s.virtualServers.length > 0) {
    lines.push('');
    if (s.virtualServers.length === 0) lines.push('Virtual servers: none');
    else {
      lines.push(`Virtual servers (${s.virtualServers.length})`);
      for (const vs of s.virtualServers) lines.push(...vsBlock(vs));
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// SIGUSR1: the data dump (keepalived's /tmp/keepalived.data and /tmp/keepalived_check.data in one file)

function instanceData(i: InstanceReport, o: FormatOptions): string[] {
  const out = [` VRRP Instance = ${i.name}`, `   State = ${i.state}`];
  if (i.master !== null) out.push(`   Master router = ${i.master}`);
  out.push(
    `   Last transition = ${dumpTime(i.since, o)}`,
    `   Last transition reason = ${i.lastReason ?? '(none)'}`,
    `   Interface = ${i.interface}`,
    `   Virtual Router ID = ${i.vrid}`,
    `   Priority = ${i.priority}`,
    `   Effective priority = ${i.effectivePriority}`,
  );
  if (i.syncGroup !== undefined) out.push(`   Sync group = ${i.syncGroup}`);
  out.push(`   Virtual IP (${i.vips.length}):`, ...i.vips.map((v) => `     ${vipLine(v, i)}`));
  // lvsd's counters beyond keepalived's stats file (keepalived keeps these only for its SNMP MIBs).
  out.push(
    `   Checksum errors = ${i.counters.chk_err}`,
    `   Version errors = ${i.counters.vers_err}`,
    `   VRID errors = ${i.counters.vrid_err}`,
    `   Unicast peer errors = ${i.counters.unicast_peer_err}`,
  );
  return out;
}

function vsData(vs: VsReport): string[] {
  const out = [
    ' ------< Virtual server >------',
    ` VS = ${vs.id}`,
    `   Programmed = ${vs.programmed ? 'yes' : 'no'}`,
    `   Quorum = ${vs.quorumUp ? 'up' : 'down'}`,
    `   Live weight = ${vs.liveWeight}, total weight = ${vs.totalWeight}`,
    `   Sorry server in use = ${vs.sorryActive ? 'yes' : 'no'}`,
  ];
  for (const rs of vs.realServers) {
    // check_data.c dump_rs: "RIP = %s, RPORT = %d, WEIGHT = %d" (the weight in the table now).
    out.push('   ------< Real server >------', `   RIP = ${rs.address}, RPORT = ${rs.port}, WEIGHT = ${rs.weight}`);
    out.push(`   Configured weight = ${rs.configured}`, `   Alive = ${rs.alive ? 'yes' : 'no'}`);
    for (const c of rs.checkers) out.push(`   Checker = ${c.target}, ${c.up ? 'up' : 'down'}`);
  }
  return out;
}

/** The SIGUSR1 dump: lvsd's globals, the VRRP topology, the sync groups and the LVS topology. */
export function formatData(s: DaemonStatus, o: FormatOptions = {}): string {
  const out = [
    '------< Global definitions >------',
    ` lvsd version = ${s.version}`,
    ` PID = ${s.pid}`,
    ` Mode = ${s.mode}`,
    ` Started = ${dumpTime(s.startedAt, o)}`,
    ` Dumped = ${dumpTime(s.now, o)}`,
    ` Configuration file = ${s.configFile}`,
    s.lastReload === null
      ? ' Last reload = none'
      : ` Last reload = ${dumpTime(s.lastReload.at, o)} ${s.lastReload.ok ? 'applied' : 'rejected'}${s.lastReload.message ? `: ${s.lastReload.message}` : ''}`,
    ` IPVS program = ${s.ipvsProgram}`,
    ` IPVS = ${s.ipvsUnavailable === null ? 'available' : `unavailable (${s.ipvsUnavailable})`}`,
    ` LVS sync daemon = ${s.syncDaemon === null ? 'not configured' : `${s.syncDaemon.state}${s.syncDaemon.interface ? ` on ${s.syncDaemon.interface}` : ''}`}`,
  ];
  if (s.instances.length > 0) {
    out.push('------< VRRP Topology >------');
    for (const i of s.instances) out.push(...instanceData(i, o));
  }
  const groups = syncGroups(s);
  if (groups.size > 0) {
    out.push('------< VRRP Sync groups >------');
    for (const [name, members] of groups) {
      out.push(` VRRP Sync Group = ${name}, ${groupState(members)}`, ...members.map((m) => `   monitor = ${m.name}`));
    }
  }
  if (s.virtualServers.length > 0) {
    out.push('------< LVS Topology >------');
    for (const vs of s.virtualServers) out.push(...vsData(vs));
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// SIGUSR2: the stats dump, line for line keepalived's vrrp_print_stats() (2.2.7, built with VRRP auth)

/** The SIGUSR2 dump: keepalived's /tmp/keepalived.stats layout, one block per instance. */
export function formatStats(s: DaemonStatus): string {
  const out: string[] = [];
  for (const i of s.instances) {
    const c = i.counters;
    out.push(
      `VRRP Instance: ${i.name}`,
      '  Advertisements:',
      `    Received: ${c.advert_rcvd}`,
      `    Sent: ${c.advert_sent}`,
      `  Became master: ${c.become_master}`,
      `  Released master: ${c.release_master}`,
      '  Packet Errors:',
      `    Length: ${c.packet_len_err}`,
      `    TTL: ${c.ip_ttl_err}`,
      `    Invalid Type: ${c.invalid_type_rcvd}`,
      `    Advertisement Interval: ${c.advert_interval_err}`,
      `    Address List: ${c.addr_list_err}`,
      '  Authentication Errors:',
      `    Invalid Type: ${c.invalid_authtype}`,
      `    Type Mismatch: ${c.authtype_mismatch}`,
      `    Failure: ${c.auth_failure}`,
      '  Priority Zero:',
      `    Received: ${c.pri_zero_rcvd}`,
      `    Sent: ${c.pri_zero_sent}`,
    );
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

// ---------------------------------------------------------------------------------------------
// The JSON dump: keepalived's /tmp/keepalived.json shape (vrrp_json.c): [{ "data": {...}, "stats": {...} }]

/**
 * keepalived's JSON dump: an array with one `{data, stats}` object per instance, under keepalived's
 * field names for what lvsd knows (iname, ifp_ifname, last_transition in seconds, vrid,
 * base_priority, effective_priority, vipset, state as keepalived's number, vips). lvsd adds
 * state_name, master_addr, last_reason, sync_group and, in stats, its four extra counters.
 */
export function formatJsonDump(s: DaemonStatus): string {
  const arr = s.instances.map((i) => {
    const stats: Record<string, number> = {};
    for (const k of KEEPALIVED_COUNTERS) stats[k] = i.counters[k];
    for (const k of EXTRA_COUNTERS) stats[k] = i.counters[k];
    return {
      data: {
        iname: i.name,
        ifp_ifname: i.interface,
        // Seconds with microseconds, as keepalived prints its timeval.
        last_transition: Math.round(i.since * 1000) / 1e6,
        vrid: i.vrid,
        base_priority: i.priority,
        effective_priority: i.effectivePriority,
        vipset: i.vipsHeld,
        state: STATE_NUMBER[i.state],
        vips: i.vips.map((v) => vipLine(v, i)),
        state_name: i.state,
        master_addr: i.master,
        last_reason: i.lastReason,
        ...(i.syncGroup !== undefined ? { sync_group: i.syncGroup } : {}),
      },
      stats,
    };
  });
  return `${JSON.stringify(arr)}\n`;
}

/** A dump's text by kind (what the control socket's `dump` answers and writeDumps writes). */
export function dumpText(s: DaemonStatus, what: DumpKind, o: FormatOptions = {}): string {
  switch (what) {
    case 'data':
      return formatData(s, o);
    case 'stats':
      return formatStats(s);
    case 'json':
      return formatJsonDump(s);
  }
}
