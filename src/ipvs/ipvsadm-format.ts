// Pure formatter: the listings of Debian's ipvsadm 1.31 (ipvsadm.c: list_all, print_title,
// print_service_entry, print_largenum, list_timeout, list_daemon, list_conn/print_conn), byte
// for byte, from a dumped table. Numeric output only (-n); name resolution is not done.
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './addr.js';
import {
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
  IP_VS_SVC_F_SCHED_MASK,
} from './constants.js';
import type { DestEntry, DumpedServer, Family, IpvsInfo, ServiceEntry, ServiceKey, Stats, SyncDaemon, Timeouts } from './types.js';

export interface ListFormat {
  stats?: boolean;
  rate?: boolean;
  thresholds?: boolean;
  persistentConn?: boolean;
  tunInfo?: boolean;
  exact?: boolean;
  /** --nosort: kernel order instead of ipvsadm's. */
  nosort?: boolean;
}

// ---------------------------------------------------------------------------------------------
// printf helpers

const left = (s: string, w: number): string => s.padEnd(w);
const right = (s: string, w: number): string => s.padStart(w);

/** print_largenum: "%9llu", or K/M/G/T with "%8llu" and integer division; --exact widens instead. */
export function largenum(v: bigint, exact: boolean): string {
  const s = v.toString();
  if (exact) return right(s, s.length <= 8 ? 9 : s.length + 1);
  if (v < 100_000_000n) return right(s, 9);
  if (v < 1_000_000_000n) return `${right((v / 1000n).toString(), 8)}K`;
  if (v < 100_000_000_000n) return `${right((v / 1_000_000n).toString(), 8)}M`;
  if (v < 100_000_000_000_000n) return `${right((v / 1_000_000_000n).toString(), 8)}G`;
  return `${right((v / 1_000_000_000_000n).toString(), 8)}T`;
}

// ---------------------------------------------------------------------------------------------
// ipvsadm's sort order: glibc 2.36 qsort (a top-down merge sort) with libipvs's comparators,
// whose differences are C ints: unsigned subtractions wrap, so 10.x sorts after 200.x.

/** glibc msort_with_tmp: n1 = n/2, left half first on ties. */
export function glibcMsort<T>(a: readonly T[], cmp: (x: T, y: T) => number): T[] {
  const out = a.slice();
  const tmp: T[] = new Array(out.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = Math.floor(n / 2);
    const n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    let i = lo;
    let j = lo + n1;
    let k = 0;
    const iEnd = lo + n1;
    const jEnd = lo + n;
    while (i < iEnd && j < jEnd) tmp[k++] = cmp(out[i] as T, out[j] as T) <= 0 ? (out[i++] as T) : (out[j++] as T);
    while (i < iEnd) tmp[k++] = out[i++] as T;
    for (let m = 0; m < k; m++) out[lo + m] = tmp[m] as T;
  };
  sort(0, out.length);
  return out;
}

/** The address as libipvs holds it: four 32-bit words in host order (IPv4 in the first). */
function words(family: Family, address: string): number[] {
  if (family === 'ipv4') {
    const b = parseIPv4(address) as Uint8Array;
    return [(((b[0] as number) << 24) | ((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number)) >>> 0, 0, 0, 0];
  }
  const b = parseIPv6(address) as Uint8Array;
  const w: number[] = [];
  for (let i = 0; i < 4; i++) {
    w.push((((b[4 * i] as number) << 24) | ((b[4 * i + 1] as number) << 16) | ((b[4 * i + 2] as number) << 8) | (b[4 * i + 3] as number)) >>> 0);
  }
  return w;
}

const AF_NUM: Record<Family, number> = { ipv4: 2, ipv6: 10 };
const PROTO_NUM = { tcp: 6, udp: 17, sctp: 132 } as const;
const int = (x: number): number => x | 0;

interface SvcSortKey {
  fwmark: number;
  af: number;
  protocol: number;
  addr: number[];
  port: number;
}

function svcSortKey(k: ServiceKey): SvcSortKey {
  if (k.kind === 'fwmark') return { fwmark: k.fwmark, af: AF_NUM[k.family], protocol: 0, addr: [0, 0, 0, 0], port: 0 };
  return { fwmark: 0, af: AF_NUM[k.family], protocol: PROTO_NUM[k.protocol], addr: words(k.family, k.address), port: k.port };
}

/** libipvs ipvs_cmp_services. */
function cmpServices(a: SvcSortKey, b: SvcSortKey): number {
  let r = int(a.fwmark - b.fwmark);
  if (r !== 0) return r;
  r = a.af - b.af;
  if (r !== 0) return r;
  r = a.protocol - b.protocol;
  if (r !== 0) return r;
  if (a.af === 10) {
    for (let i = 0; r === 0 && i < 4; i++) r = int((a.addr[i] as number) - (b.addr[i] as number));
  } else r = int((a.addr[0] as number) - (b.addr[0] as number));
  if (r !== 0) return r;
  return a.port - b.port;
}

/** libipvs ipvs_cmp_dests: the first entry's family decides how many words count. */
function cmpDests(a: { af: number; addr: number[]; port: number }, b: { af: number; addr: number[]; port: number }): number {
  let r = 0;
  if (a.af === 10) {
    for (let i = 0; r === 0 && i < 4; i++) r = int((a.addr[i] as number) - (b.addr[i] as number));
  } else r = int((a.addr[0] as number) - (b.addr[0] as number));
  if (r !== 0) return r;
  return a.port - b.port;
}

export function sortServers(servers: readonly DumpedServer[]): DumpedServer[] {
  const keyed = servers.map((s) => ({ s, k: svcSortKey(s.service.key) }));
  return glibcMsort(keyed, (x, y) => cmpServices(x.k, y.k)).map((x) => x.s);
}

export function sortDests(dests: readonly DestEntry[]): DestEntry[] {
  const keyed = dests.map((d) => ({ d, k: { af: AF_NUM[d.family], addr: words(d.family, d.address), port: d.port } }));
  return glibcMsort(keyed, (x, y) => cmpDests(x.k, y.k)).map((x) => x.d);
}

// ---------------------------------------------------------------------------------------------
// Listing

const PROTO_NAME = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' } as const;
const PROTO_OPT = { tcp: '-t', udp: '-u', sctp: '--sctp-service' } as const;
const FWD_NAME: Record<string, string> = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route' };
const FWD_SWITCH: Record<string, string> = { masq: '-m', tunnel: '-i', local: '-g', route: '-g' };
const TUN_FLAGS = ['-c', '+c', 'r+c'];
const TUN_FLAG_OPTS = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];

/** addrport_to_anyname with FMT_NUMERIC. */
function addrPort(family: Family, address: string, port: number): string {
  return family === 'ipv4' ? `${address}:${port}` : `[${address}]:${port}`;
}

export function formatVersionLine(info: IpvsInfo): string {
  const v = info.version;
  return `IP Virtual Server version ${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff} (size=${info.connTabSize})\n`;
}

/** print_title */
export function formatTitle(f: ListFormat): string {
  const head = left('Prot LocalAddress:Port', 33);
  const r8 = (xs: string[]): string => xs.map((x) => ` ${right(x, 8)}`).join('');
  if (f.stats) return `${head}${r8(['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'])}\n  -> RemoteAddress:Port\n`;
  if (f.rate) return `${head}${r8(['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'])}\n  -> RemoteAddress:Port\n`;
  if (f.thresholds) {
    return `${head} ${left('Uthreshold', 10)} ${left('Lthreshold', 10)} ${left('ActiveConn', 10)} ${left('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  }
  if (f.persistentConn) {
    return `${head} ${left('Weight', 9)} ${left('PersistConn', 11)} ${left('ActiveConn', 10)} ${left('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  }
  if (f.tunInfo) {
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  }
  return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
}

/** print_sched_flags */
function schedFlags(s: ServiceEntry): string {
  const out: string[] = [];
  if (s.scheduler === 'sh' || s.scheduler === 'mh') {
    if (s.flags & IP_VS_SVC_F_SCHED1) out.push(`${s.scheduler}-fallback`);
    if (s.flags & IP_VS_SVC_F_SCHED2) out.push(`${s.scheduler}-port`);
  } else {
    if (s.flags & IP_VS_SVC_F_SCHED1) out.push('flag-1');
    if (s.flags & IP_VS_SVC_F_SCHED2) out.push('flag-2');
    if (s.flags & IP_VS_SVC_F_SCHED3) out.push('flag-3');
  }
  return out.join(',');
}

function netmaskText(family: Family, netmask: number): string | undefined {
  if (family === 'ipv4') {
    if (netmask >>> 0 === 0xffffffff) return undefined;
    const b = Uint8Array.of(netmask >>> 24, (netmask >>> 16) & 0xff, (netmask >>> 8) & 0xff, netmask & 0xff);
    return formatIPv4(b);
  }
  return netmask === 128 ? undefined : String(netmask | 0);
}

function serviceName(k: ServiceKey, rule: boolean): string {
  if (k.kind === 'fwmark') {
    // ipvsadm 1.31 prints the mark as a signed int: 4294967295 shows as -1.
    const m = k.fwmark | 0;
    if (rule) return k.family === 'ipv6' ? `-f ${m} -6` : `-f ${m}`;
    return k.family === 'ipv6' ? `FWM  ${m} IPv6` : `FWM  ${m}`;
  }
  const v = addrPort(k.family, k.address, k.port);
  if (rule) return `${PROTO_OPT[k.protocol]} ${v}`;
  const name = `${left(PROTO_NAME[k.protocol], 4)} ${v}`;
  return k.family !== 'ipv6' ? name.slice(0, 33) : name;
}

/**
 * ipvsadm 1.31 reads a destination's IPVS_DEST_ATTR_STATS64 with its 32-bit parser: every
 * counter but the byte counts keeps only its low 32 bits. Reproduced so the output matches.
 */
function ipvsadmDestStats(s: Stats): Stats {
  const lo = (v: bigint): bigint => BigInt.asUintN(32, v);
  return {
    ...s,
    conns: lo(s.conns),
    inpkts: lo(s.inpkts),
    outpkts: lo(s.outpkts),
    cps: lo(s.cps),
    inpps: lo(s.inpps),
    outpps: lo(s.outpps),
    inbps: lo(s.inbps),
    outbps: lo(s.outbps),
  };
}

/** print_service_entry (with the rule form of -S). */
export function formatServiceEntry(srv: DumpedServer, f: ListFormat, rule: boolean): string {
  const s = srv.service;
  const k = s.key;
  const name = serviceName(k, rule);
  const ex = !!f.exact;
  let out = '';
  const mask = s.flags & IP_VS_SVC_F_PERSISTENT ? netmaskText(k.family, s.netmask) : undefined;
  if (rule) {
    out += `-A ${name} -s ${s.scheduler}`;
    if (s.flags & IP_VS_SVC_F_PERSISTENT) {
      out += ` -p ${s.timeout}`;
      if (mask !== undefined) out += ` -M ${mask}`;
    }
    if (s.pe) out += ` --pe ${s.pe}`;
    if (s.flags & IP_VS_SVC_F_ONEPACKET) out += ' -o';
    if (s.flags & IP_VS_SVC_F_SCHED_MASK) out += ` -b ${schedFlags(s)}`;
  } else if (f.stats) {
    const st = s.stats;
    out += left(name, 33) + [st.conns, st.inpkts, st.outpkts, st.inbytes, st.outbytes].map((v) => largenum(v, ex)).join('');
  } else if (f.rate) {
    const st = s.stats;
    out += left(name, 33) + [st.cps, st.inpps, st.outpps, st.inbps, st.outbps].map((v) => largenum(v, ex)).join('');
  } else {
    out += `${name} ${s.scheduler}`;
    if (s.flags & IP_VS_SVC_F_SCHED_MASK) out += ` (${schedFlags(s)})`;
    if (s.flags & IP_VS_SVC_F_PERSISTENT) {
      out += ` persistent ${s.timeout}`;
      if (mask !== undefined) out += ` mask ${mask}`;
      if (s.pe) out += ` pe ${s.pe}`;
    }
    if (s.flags & IP_VS_SVC_F_ONEPACKET) out += ' ops';
  }
  out += '\n';

  const dests = f.nosort ? srv.dests : sortDests(srv.dests);
  for (const d of dests) {
    let dname = addrPort(d.family, d.address, d.port);
    if (!rule && d.family !== 'ipv6') dname = dname.slice(0, 28);
    const fwdName = FWD_NAME[d.forwarding] ?? '(null)';
    if (rule) {
      const base = `-a ${name} -r ${dname} ${FWD_SWITCH[d.forwarding] ?? '(null)'} -w ${d.weight}`;
      if (d.forwarding !== 'tunnel') out += `${base}\n`;
      else if (d.tunnelType === 'gre') out += `${base} --tun-type gre ${TUN_FLAG_OPTS[d.tunnelFlags] ?? '(null)'}\n`;
      else if (d.tunnelType === 'gue') out += `${base} --tun-type gue --tun-port ${d.tunnelPort} ${TUN_FLAG_OPTS[d.tunnelFlags] ?? '(null)'}\n`;
      else out += `${base} --tun-type ipip\n`;
    } else if (f.stats) {
      const st = ipvsadmDestStats(d.stats);
      out += `  -> ${left(dname, 28)}${[st.conns, st.inpkts, st.outpkts, st.inbytes, st.outbytes].map((v) => largenum(v, ex)).join('')}\n`;
    } else if (f.rate) {
      const st = ipvsadmDestStats(d.stats);
      out += `  -> ${left(dname, 28)} ${right(String(st.cps), 8)} ${right(String(st.inpps), 8)} ${right(String(st.outpps), 8)}`;
      out += `${largenum(st.inbps, ex)}${largenum(st.outbps, ex)}\n`;
    } else if (f.thresholds) {
      out += `  -> ${left(dname, 28)} ${left(String(d.upperThreshold), 10)} ${left(String(d.lowerThreshold), 10)} ${left(String(d.activeConns), 10)} ${left(String(d.inactConns), 10)}\n`;
    } else if (f.persistentConn) {
      out += `  -> ${left(dname, 28)} ${left(String(d.weight), 9)} ${left(String(d.persistConns), 11)} ${left(String(d.activeConns), 10)} ${left(String(d.inactConns), 10)}\n`;
    } else if (f.tunInfo) {
      out += `  -> ${left(dname, 28)} ${left(fwdName, 7)} ${left(tunInfo(d), 13)} ${left(String(d.weight), 6)} ${left(String(d.activeConns), 10)} ${left(String(d.inactConns), 10)}\n`;
    } else {
      out += `  -> ${left(dname, 28)} ${left(fwdName, 7)} ${left(String(d.weight), 6)} ${left(String(d.activeConns), 10)} ${left(String(d.inactConns), 10)}\n`;
    }
  }
  return out;
}

/** fwd_tun_info (snprintf into 16 bytes: at most 15 characters). */
function tunInfo(d: DestEntry): string {
  if (d.forwarding !== 'tunnel') return 'n/a';
  if (d.tunnelType === 'ipip') return 'ipip';
  if (d.tunnelType === 'gue') return `gue:${d.tunnelPort}:${TUN_FLAGS[d.tunnelFlags] ?? '(null)'}`.slice(0, 15);
  return `gre:${TUN_FLAGS[d.tunnelFlags] ?? '(null)'}`.slice(0, 15);
}

/** `ipvsadm -L -n [--stats|--rate|--thresholds|--persistent-conn|--tun-info] [--exact] [--nosort]` */
export function formatList(info: IpvsInfo, servers: readonly DumpedServer[], f: ListFormat = {}): string {
  const sorted = f.nosort ? servers : sortServers(servers);
  return formatVersionLine(info) + formatTitle(f) + sorted.map((s) => formatServiceEntry(s, f, false)).join('');
}

/** `ipvsadm -L -n -t|-u|-f SERVICE [...]`: no version line, one service. */
export function formatOneService(server: DumpedServer, f: ListFormat = {}): string {
  return formatTitle(f) + formatServiceEntry(server, f, false);
}

/** `ipvsadm -S -n` */
export function formatSave(servers: readonly DumpedServer[], f: Pick<ListFormat, 'nosort'> = {}): string {
  const sorted = f.nosort ? servers : sortServers(servers);
  return sorted.map((s) => formatServiceEntry(s, { nosort: f.nosort }, true)).join('');
}

/** `ipvsadm -L --timeout` */
export function formatTimeouts(t: Timeouts): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp | 0} ${t.tcpFin | 0} ${t.udp | 0}\n`;
}

/** `ipvsadm -L --daemon`: the kernel's order (master first), at most two. */
export function formatDaemons(daemons: readonly SyncDaemon[]): string {
  return daemons
    .slice(0, 2)
    .map((d) => {
      let s = `${d.state} sync daemon (mcast=${d.mcastIfn}, syncid=${d.syncId | 0}`;
      if (d.syncMaxLen) s += `, maxlen=${d.syncMaxLen}`;
      if (d.mcastGroup) s += `, group=${d.mcastGroup}`;
      if (d.mcastPort) s += `, port=${d.mcastPort}`;
      if (d.mcastTtl) s += `, ttl=${d.mcastTtl}`;
      return `${s})\n`;
    })
    .join('');
}

/** An address field of /proc/net/ip_vs_conn: IPv6 text, or IPv4 as 8 hex digits. */
function procAddr(text: string, family?: Family): { family: Family; text: string } {
  const v6 = parseIPv6(text);
  if (v6 && family !== 'ipv4') return { family: 'ipv6', text: formatIPv6(v6) };
  const v4 = parseIPv4(text);
  if (v4) return { family: 'ipv4', text: formatIPv4(v4) };
  const n = Number.parseInt(text, 16) >>> 0;
  return { family: 'ipv4', text: `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}` };
}

/** `ipvsadm -L -n -c [--persistent-conn]` from the text of /proc/net/ip_vs_conn. */
export function formatConnections(procText: string, f: Pick<ListFormat, 'persistentConn'> = {}): string {
  let out = 'IPVS connection entries\n';
  out += f.persistentConn
    ? `pro expire ${left('state', 11)} ${left('source', 18)} ${left('virtual', 18)} ${left('destination', 18)} ${left('pe name', 16)} pe_data\n`
    : `pro expire ${left('state', 11)} ${left('source', 18)} ${left('virtual', 18)} destination\n`;
  const lines = procText.split('\n');
  for (const line of lines.slice(1)) {
    const t = line.trim().split(/\s+/);
    if (t.length < 9 || t[0] === '') continue;
    const [proto, cs, cp, vs, vp, ds, dp, state, exp, peName, peData] = t as string[];
    const c = procAddr(cs as string);
    const v = procAddr(vs as string, c.family);
    const d = procAddr(ds as string);
    const hex = (x: string): number => Number.parseInt(x, 16) & 0xffff;
    const expires = Number(exp) >>> 0;
    const expire = `${String(Math.floor(expires / 60)).padStart(2, '0')}:${String(expires % 60).padStart(2, '0')}`;
    const cname = addrPort(c.family, c.text, hex(cp as string));
    const vname = addrPort(v.family, v.text, hex(vp as string));
    const dname = addrPort(d.family, d.text, hex(dp as string));
    if (f.persistentConn && t.length >= 11) {
      out += `${left(proto as string, 3)} ${left(expire, 6)} ${left(state as string, 11)} ${left(cname, 18)} ${left(vname, 18)} ${left(dname, 16)} ${left(peName as string, 18)} ${peData}\n`;
    } else {
      out += `${left(proto as string, 3)} ${left(expire, 6)} ${left(state as string, 11)} ${left(cname, 18)} ${left(vname, 18)} ${dname}\n`;
    }
  }
  return out;
}
