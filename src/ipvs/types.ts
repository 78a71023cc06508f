// Pure model: the IPVS table as lvsd means it (services, destinations, keys) and as the kernel dumps it.
import {
  IP_VS_SVC_F_HASHED,
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
} from './constants.js';
import { ipv4ToInt } from './addr.js';

export type Family = 'ipv4' | 'ipv6';
export type Protocol = 'tcp' | 'udp' | 'sctp';
/** IP_VS_CONN_F_MASQ / LOCALNODE / TUNNEL / DROUTE / BYPASS. */
export type Forwarding = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';
export type TunnelType = 'ipip' | 'gue' | 'gre';

/** The schedulers Linux ships (twos needs Linux >= 6.3). */
export const SCHEDULERS = [
  'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos',
] as const;

/** A virtual service is named by protocol + address + port, or by firewall mark (+ family). */
export type ServiceKey =
  | { kind: 'addr'; family: Family; protocol: Protocol; address: string; port: number }
  | { kind: 'fwmark'; family: Family; fwmark: number };

export interface Service {
  key: ServiceKey;
  /** Scheduler module name, e.g. "wrr". */
  scheduler: string;
  /** IP_VS_SVC_F_* bits that are configuration: PERSISTENT, ONEPACKET, SCHED1..3 (never HASHED). */
  flags: number;
  /** Persistence timeout in seconds (kept by the kernel even when not persistent). */
  timeout: number;
  /** Persistence granularity. IPv4: a 32-bit mask, 0xffffffff = /32. IPv6: a prefix length, 128. */
  netmask: number;
  /** Persistence engine ("" = none), e.g. "sip". */
  pe: string;
}

export interface Destination {
  family: Family;
  address: string;
  port: number;
  forwarding: Forwarding;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  /** Tunnel encapsulation, used with forwarding "tunnel" (the kernel keeps it for every destination). */
  tunnelType: TunnelType;
  tunnelPort: number;
  /** IP_VS_TUNNEL_ENCAP_FLAG_*: 0 nocsum, 1 csum, 2 remcsum. */
  tunnelFlags: number;
}

/** Counters and rates; 64-bit where the kernel gives them (IPVS_*_ATTR_STATS64). */
export interface Stats {
  conns: bigint;
  inpkts: bigint;
  outpkts: bigint;
  inbytes: bigint;
  outbytes: bigint;
  cps: bigint;
  inpps: bigint;
  outpps: bigint;
  inbps: bigint;
  outbps: bigint;
}

export interface ServiceEntry extends Service {
  stats: Stats;
}

export interface DestEntry extends Destination {
  activeConns: number;
  inactConns: number;
  persistConns: number;
  stats: Stats;
}

/** A service with its destinations: the unit of the desired table. */
export interface VirtualServer {
  service: Service;
  dests: Destination[];
}

/** A service as dumped, with counters. */
export interface DumpedServer {
  service: ServiceEntry;
  dests: DestEntry[];
}

export interface IpvsInfo {
  /** e.g. 0x010201 for 1.2.1 */
  version: number;
  connTabSize: number;
}

export interface Timeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

export interface SyncDaemon {
  state: 'master' | 'backup';
  mcastIfn: string;
  syncId: number;
  /** 0 = kernel default; the rest are optional and the kernel reports them when set. */
  syncMaxLen?: number;
  mcastGroup?: string;
  mcastPort?: number;
  mcastTtl?: number;
}

export const ZERO_STATS: Stats = Object.freeze({
  conns: 0n,
  inpkts: 0n,
  outpkts: 0n,
  inbytes: 0n,
  outbytes: 0n,
  cps: 0n,
  inpps: 0n,
  outpps: 0n,
  inbps: 0n,
  outbps: 0n,
});

/** Stable text of a service key, e.g. "tcp/ipv4/10.0.0.1/80", "fwmark/ipv6/7". Addresses must be canonical. */
export function serviceKeyId(k: ServiceKey): string {
  return k.kind === 'fwmark' ? `fwmark/${k.family}/${k.fwmark}` : `${k.protocol}/${k.family}/${k.address}/${k.port}`;
}

/**
 * A destination's key within its service: for IPv4 the number address * 65536 + port (a table of
 * 100,000 destinations held twice, desired and known, kept ~20 MB of "ipv4/172.16.0.1/80" strings),
 * else the text "address/port" (an IPv6 address holds ':', an IPv4 one a number: they never meet).
 * Addresses must be canonical.
 */
export type DestKey = number | string;

export function destKeyId(d: Pick<Destination, 'family' | 'address' | 'port'>): DestKey {
  const n = d.family === 'ipv4' ? ipv4ToInt(d.address) : -1;
  return n >= 0 ? n * 65536 + d.port : `${d.family}/${d.address}/${d.port}`;
}

/** Human form used in logs and errors: "TCP 10.0.0.1:80", "TCP [2001:db8::1]:80", "FWM 7", "FWM 7 IPv6". */
export function describeService(k: ServiceKey): string {
  if (k.kind === 'fwmark') return `FWM ${k.fwmark}${k.family === 'ipv6' ? ' IPv6' : ''}`;
  return `${k.protocol.toUpperCase()} ${hostPort(k.family, k.address, k.port)}`;
}

export function hostPort(family: Family, address: string, port: number): string {
  return family === 'ipv6' ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Defaults ipvsadm uses: wlc, not persistent, timeout 300 only when persistent, /32 or /128. */
export function defaultNetmask(family: Family): number {
  return family === 'ipv4' ? 0xffffffff : 128;
}

export interface ServiceOptions {
  scheduler?: string;
  /** Persistence timeout in seconds; undefined = not persistent. */
  persistence?: number;
  /** IPv4 dotted mask or prefix length; IPv6 prefix length. */
  netmask?: number | string;
  onePacket?: boolean;
  /** sh-fallback, sh-port, mh-fallback, mh-port, flag-1, flag-2, flag-3 */
  schedFlags?: string[];
  pe?: string;
}

/** Builds a Service the way `ipvsadm -A` would from its options. */
export function makeService(key: ServiceKey, o: ServiceOptions = {}): Service {
  let flags = 0;
  if (o.persistence !== undefined) flags |= IP_VS_SVC_F_PERSISTENT;
  if (o.onePacket) flags |= IP_VS_SVC_F_ONEPACKET;
  const scheduler = o.scheduler ?? 'wlc';
  for (const f of o.schedFlags ?? []) flags |= schedFlagBit(scheduler, f);
  return {
    key,
    scheduler,
    flags,
    timeout: o.persistence ?? 0,
    netmask: o.netmask === undefined ? defaultNetmask(key.family) : parseNetmask(key.family, o.netmask),
    pe: o.pe ?? '',
  };
}

export function schedFlagBit(scheduler: string, flag: string): number {
  switch (flag) {
    case 'flag-1':
      return IP_VS_SVC_F_SCHED1;
    case 'flag-2':
      return IP_VS_SVC_F_SCHED2;
    case 'flag-3':
      return IP_VS_SVC_F_SCHED3;
    case 'sh-fallback':
    case 'sh-port':
    case 'mh-fallback':
    case 'mh-port':
      if (scheduler !== flag.slice(0, 2)) throw new RangeError(`scheduler flag '${flag}' needs scheduler ${flag.slice(0, 2)}`);
      return flag.endsWith('fallback') ? IP_VS_SVC_F_SCHED1 : IP_VS_SVC_F_SCHED2;
    default:
      throw new RangeError(`unknown scheduler flag '${flag}'`);
  }
}

/** IPv4: "255.255.255.0" or 24 -> 0xffffff00. IPv6: 64 -> 64. */
export function parseNetmask(family: Family, v: number | string): number {
  if (family === 'ipv6') {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 128) throw new RangeError(`IPv6 persistence prefix must be 1..128, got ${v}`);
    return n;
  }
  if (typeof v === 'number' || /^\d+$/.test(v)) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 32) throw new RangeError(`IPv4 prefix length must be 0..32, got ${v}`);
    return n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  }
  const parts = v.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p) || Number(p) > 255)) {
    throw new RangeError(`not an IPv4 netmask: '${v}'`);
  }
  return parts.reduce((a, p) => ((a << 8) | Number(p)) >>> 0, 0);
}

/** Strips what the kernel adds (HASHED) so a dumped service compares with a desired one. */
export function configFlags(flags: number): number {
  return flags & ~IP_VS_SVC_F_HASHED;
}

export function makeDest(
  family: Family,
  address: string,
  port: number,
  o: Partial<Omit<Destination, 'family' | 'address' | 'port'>> = {},
): Destination {
  return {
    family,
    address,
    port,
    forwarding: o.forwarding ?? 'route',
    weight: o.weight ?? 1,
    upperThreshold: o.upperThreshold ?? 0,
    lowerThreshold: o.lowerThreshold ?? 0,
    tunnelType: o.tunnelType ?? 'ipip',
    tunnelPort: o.tunnelPort ?? 0,
    tunnelFlags: o.tunnelFlags ?? 0,
  };
}
