// Kernel edge: the RouteManager port over rtnetlink. Routes are RTM_NEWROUTE / RTM_DELROUTE (struct rtmsg
// and the RTA_* attributes of <linux/rtnetlink.h>), rules RTM_NEWRULE / RTM_DELRULE (struct fib_rule_hdr
// and the FRA_* attributes of <linux/fib_rules.h>). The bodies are built by the pure functions routeBody
// and ruleBody (golden-tested). "Already there" on add (EEXIST) and "not there" on delete (ESRCH /
// ENOENT) are answers, not errors: they return false.
//
// keepalived's choices, kept so that lvsd installs what keepalived would (vrrp_iproute.c, vrrp_iprule.c):
// routes are added with NLM_F_CREATE and no NLM_F_EXCL (`ip route prepend`: a route to the same
// destination with another gateway or protocol is not a conflict; only an identical one is EEXIST);
// rules with NLM_F_CREATE | NLM_F_EXCL; deletes name every attribute that was added, with scope
// RT_SCOPE_NOWHERE ("any scope"), so that only the entry lvsd added matches.
import type { NexthopSpec, RouteManager, RouteMetricName, RouteSpec, RouteType, RuleAction, RuleSpec } from './ports.js';
import { RtnlSocket, type RtnlOptions } from './rtnl.js';
import { KernelError, NetError } from './errors.js';
import * as K from './constants.js';
import { HOST_LE } from './sockaddr.js';
import { parseAddr } from '../vrrp/addr.js';

/* <linux/rtnetlink.h> */
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
const NLM_F_APPEND = 0x800;
const RTA = { DST: 1, SRC: 2, OIF: 4, GATEWAY: 5, PRIORITY: 6, PREFSRC: 7, METRICS: 8, MULTIPATH: 9, FLOW: 11, TABLE: 15, PREF: 20, EXPIRES: 23 } as const;
export const RTN: Readonly<Record<RouteType, number>> = { unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9, nat: 10 };
const RTAX: Readonly<Record<RouteMetricName | 'lock' | 'congctl', number>> = {
  lock: 1,
  mtu: 2,
  window: 3,
  ssthresh: 6,
  cwnd: 7,
  advmss: 8,
  reordering: 9,
  hoplimit: 10,
  initcwnd: 11,
  features: 12,
  initrwnd: 14,
  quickack: 15,
  congctl: 16,
  fastopen_no_cookie: 17,
};
const RTNH_F_ONLINK = 4;
const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;
const RT_SCOPE_NOWHERE = 255;
/* <linux/fib_rules.h> */
const FRA = {
  DST: 1,
  SRC: 2,
  IIFNAME: 3,
  GOTO: 4,
  PRIORITY: 6,
  FWMARK: 10,
  FLOW: 11,
  TUN_ID: 12,
  SUPPRESS_IFGROUP: 13,
  SUPPRESS_PREFIXLEN: 14,
  TABLE: 15,
  FWMASK: 16,
  OIFNAME: 17,
  L3MDEV: 19,
  UID_RANGE: 20,
  PROTOCOL: 21,
  IP_PROTO: 22,
  SPORT_RANGE: 23,
  DPORT_RANGE: 24,
} as const;
export const FR_ACT: Readonly<Record<RuleAction, number>> = { table: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 };
const FIB_RULE_INVERT = 0x2;

const bad = (msg: string): NetError => new NetError('LVSD_NET_BAD_ARGUMENT', msg);

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw bad(`${what} ${v}: must be 0..4294967295`);
  return v;
}

function u8(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw bad(`${what} ${v}: must be 0..255`);
  return v;
}

/** struct rtattr / nlattr list (4-byte aligned, host-order numbers). */
class Attrs {
  private readonly parts: Buffer[] = [];
  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
  raw(type: number, data: Uint8Array): this {
    const len = 4 + data.length;
    const b = Buffer.alloc((len + 3) & ~3);
    const v = new DataView(b.buffer, b.byteOffset);
    v.setUint16(0, len, HOST_LE);
    v.setUint16(2, type, HOST_LE);
    b.set(data, 4);
    this.parts.push(b);
    return this;
  }
  u8(type: number, v: number): this {
    return this.raw(type, Uint8Array.of(v));
  }
  u32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    new DataView(b.buffer, b.byteOffset).setUint32(0, v >>> 0, HOST_LE);
    return this.raw(type, b);
  }
  /** Two host-order numbers of `size` bytes each (fib_rule_port_range, fib_rule_uid_range). */
  pair(type: number, a: number, b: number, size: 2 | 4): this {
    const buf = Buffer.alloc(size * 2);
    const v = new DataView(buf.buffer, buf.byteOffset);
    if (size === 2) {
      v.setUint16(0, a, HOST_LE);
      v.setUint16(2, b, HOST_LE);
    } else {
      v.setUint32(0, a >>> 0, HOST_LE);
      v.setUint32(4, b >>> 0, HOST_LE);
    }
    return this.raw(type, buf);
  }
  /** NUL-terminated string. */
  str(type: number, s: string): this {
    return this.raw(type, Buffer.from(`${s}\0`, 'latin1'));
  }
  push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function addrBytes(addr: string, family: 4 | 6, what: string): Uint8Array {
  const fam = family === 4 ? 'ipv4' : 'ipv6';
  try {
    if (addr.includes(':') !== (family === 6)) throw new Error(`not an IPv${family} address`);
    return parseAddr(addr, fam);
  } catch (e) {
    throw new NetError('LVSD_NET_BAD_ARGUMENT', `${what} "${addr}": ${(e as Error).message}`, { cause: e });
  }
}

function prefixLen(n: number, family: 4 | 6, what: string): number {
  const max = family === 4 ? 32 : 128;
  if (!Number.isInteger(n) || n < 0 || n > max) throw bad(`${what} /${n}: must be 0..${max}`);
  return n;
}

/** RTA_MULTIPATH payload: one struct rtnexthop (len, flags, hops, ifindex) + its attributes per hop. */
function multipath(hops: readonly NexthopSpec[], family: 4 | 6, ifindex: (n: string) => number): Buffer {
  const out: Buffer[] = [];
  for (const h of hops) {
    const a = new Attrs();
    if (h.gateway !== undefined) a.raw(RTA.GATEWAY, addrBytes(h.gateway, family, 'nexthop via'));
    if (h.realms !== undefined) a.u32(RTA.FLOW, u32(h.realms, 'nexthop realms'));
    const body = a.bytes();
    const rtnh = Buffer.alloc(8);
    const v = new DataView(rtnh.buffer, rtnh.byteOffset);
    v.setUint16(0, 8 + body.length, HOST_LE);
    rtnh[2] = h.onlink ? RTNH_F_ONLINK : 0;
    if (h.weight !== undefined && (!Number.isInteger(h.weight) || h.weight < 1 || h.weight > 256)) throw bad(`nexthop weight ${h.weight}: must be 1..256`);
    rtnh[3] = (h.weight ?? 1) - 1; // iproute2: rtnh_hops = weight - 1
    v.setInt32(4, h.dev !== undefined ? ifindex(h.dev) : 0, HOST_LE);
    out.push(rtnh, body);
  }
  return Buffer.concat(out);
}

/** RTA_METRICS payload: RTAX_* by number, RTAX_CC_ALGO, then RTAX_LOCK (iproute2 adds the lock last). */
function metricsBody(r: RouteSpec): Buffer | undefined {
  const a = new Attrs();
  const names = (Object.keys(r.metrics ?? {}) as RouteMetricName[]).sort((x, y) => RTAX[x] - RTAX[y]);
  for (const n of names) {
    const v = r.metrics![n];
    if (v === undefined) continue;
    if (RTAX[n] === undefined) throw bad(`route metric "${n}" is unknown`);
    a.u32(RTAX[n], u32(v, `route ${n}`));
  }
  if (r.congctl !== undefined) a.raw(RTAX.congctl, Buffer.from(r.congctl, 'latin1'));
  if (r.lock && r.lock.length > 0) {
    let mask = 0;
    for (const n of r.lock) {
      if (RTAX[n] === undefined) throw bad(`route lock "${n}" is unknown`);
      mask |= 1 << RTAX[n];
    }
    a.u32(RTAX.lock, mask >>> 0);
  }
  return a.length > 0 ? a.bytes() : undefined;
}

/**
 * The RTM_NEWROUTE / RTM_DELROUTE body for `r` (struct rtmsg + attributes); `ifindex` resolves `dev`
 * names. Attribute order: RTA_TABLE, DST, SRC, PREFSRC, GATEWAY, PRIORITY, FLOW, EXPIRES, PREF, OIF,
 * METRICS, MULTIPATH (iproute2's order for `ip route add table T DST from S src P via G metric M realms
 * R expires E pref P dev D mtu ... nexthop ...`).
 */
export function routeBody(r: RouteSpec, ifindex: (name: string) => number, forDelete: boolean): Buffer {
  const f = r.family;
  if (f !== 4 && f !== 6) throw bad(`route family ${String(f)}`);
  const type = RTN[r.type];
  if (type === undefined) throw bad(`route type "${r.type}" is unknown`);
  const table = u32(r.table, 'route table');
  const hdr = Buffer.alloc(12);
  hdr[0] = f === 4 ? K.AF_INET : K.AF_INET6;
  hdr[1] = prefixLen(r.dstLen, f, `route ${r.dst}`);
  hdr[2] = r.src !== undefined ? prefixLen(r.srcLen ?? (f === 4 ? 32 : 128), f, `route from ${r.src}`) : 0;
  hdr[3] = r.tos !== undefined ? u8(r.tos, 'route tos') : 0;
  hdr[4] = table < 256 ? table : RT_TABLE_UNSPEC;
  hdr[5] = u8(r.protocol, 'route protocol');
  // RT_SCOPE_NOWHERE on delete: any scope (fib_table_delete).
  hdr[6] = forDelete ? RT_SCOPE_NOWHERE : u8(r.scope, 'route scope');
  hdr[7] = type;
  new DataView(hdr.buffer, hdr.byteOffset).setUint32(8, r.onlink ? RTNH_F_ONLINK : 0, HOST_LE);
  const a = new Attrs().push(hdr);
  if (table >= 256) a.u32(RTA.TABLE, table);
  a.raw(RTA.DST, addrBytes(r.dst, f, 'route destination'));
  if (r.src !== undefined) {
    if (f !== 6) throw bad(`route from ${r.src}: only for IPv6 routes`);
    a.raw(RTA.SRC, addrBytes(r.src, f, 'route from'));
  }
  if (r.prefsrc !== undefined) a.raw(RTA.PREFSRC, addrBytes(r.prefsrc, f, 'route src'));
  if (r.gateway !== undefined) a.raw(RTA.GATEWAY, addrBytes(r.gateway, f, 'route via'));
  if (r.metric !== undefined) a.u32(RTA.PRIORITY, u32(r.metric, 'route metric'));
  if (r.realms !== undefined) a.u32(RTA.FLOW, u32(r.realms, 'route realms'));
  if (r.expires !== undefined && !forDelete) a.u32(RTA.EXPIRES, u32(r.expires, 'route expires'));
  if (r.pref !== undefined) a.u8(RTA.PREF, u8(r.pref, 'route pref'));
  if (r.dev !== undefined) a.u32(RTA.OIF, ifindex(r.dev));
  const mx = metricsBody(r);
  if (mx) a.raw(RTA.METRICS, mx);
  if (r.nexthops && r.nexthops.length > 0) a.raw(RTA.MULTIPATH, multipath(r.nexthops, f, ifindex));
  return a.bytes();
}

/**
 * The RTM_NEWRULE / RTM_DELRULE body for `r` (struct fib_rule_hdr + attributes). A table above 255
 * goes in FRA_TABLE with fib_rule_hdr.table RT_TABLE_UNSPEC, as iproute2 and keepalived send it.
 */
export function ruleBody(r: RuleSpec): Buffer {
  const f = r.family;
  if (f !== 4 && f !== 6) throw bad(`rule family ${String(f)}`);
  const action = FR_ACT[r.action];
  if (action === undefined) throw bad(`rule action "${r.action}" is unknown`);
  let table = 0;
  if (r.action === 'table' && !r.l3mdev) {
    table = u32(r.table ?? RT_TABLE_MAIN, 'rule table');
    if (table === 0) throw bad('rule table 0 is not valid');
  }
  const hdr = Buffer.alloc(12);
  hdr[0] = f === 4 ? K.AF_INET : K.AF_INET6;
  hdr[1] = r.to !== undefined ? prefixLen(r.toLen ?? (f === 4 ? 32 : 128), f, `rule to ${r.to}`) : 0;
  hdr[2] = r.from !== undefined ? prefixLen(r.fromLen ?? (f === 4 ? 32 : 128), f, `rule from ${r.from}`) : 0;
  hdr[3] = r.tos !== undefined ? u8(r.tos, 'rule tos') : 0;
  hdr[4] = table < 256 ? table : RT_TABLE_UNSPEC;
  hdr[7] = action;
  new DataView(hdr.buffer, hdr.byteOffset).setUint32(8, r.not ? FIB_RULE_INVERT : 0, HOST_LE);
  const a = new Attrs().push(hdr);
  if (r.from !== undefined) a.raw(FRA.SRC, addrBytes(r.from, f, 'rule from'));
  if (r.to !== undefined) a.raw(FRA.DST, addrBytes(r.to, f, 'rule to'));
  if (r.priority !== undefined) a.u32(FRA.PRIORITY, u32(r.priority, 'rule preference'));
  if (r.fwmark !== undefined) a.u32(FRA.FWMARK, u32(r.fwmark, 'rule fwmark'));
  if (r.fwmask !== undefined) a.u32(FRA.FWMASK, u32(r.fwmask, 'rule fwmark mask'));
  if (table >= 256) a.u32(FRA.TABLE, table);
  if (r.iif !== undefined) a.str(FRA.IIFNAME, ifname(r.iif));
  if (r.oif !== undefined) a.str(FRA.OIFNAME, ifname(r.oif));
  if (r.action === 'goto') a.u32(FRA.GOTO, u32(r.goto ?? NaN, 'rule goto'));
  if (r.realms !== undefined) a.u32(FRA.FLOW, u32(r.realms, 'rule realms'));
  if (r.suppressPrefixlen !== undefined) a.u32(FRA.SUPPRESS_PREFIXLEN, u32(r.suppressPrefixlen, 'rule suppress_prefixlength'));
  if (r.suppressIfgroup !== undefined) a.u32(FRA.SUPPRESS_IFGROUP, u32(r.suppressIfgroup, 'rule suppress_ifgroup'));
  if (r.tunnelId !== undefined) {
    if (!Number.isSafeInteger(r.tunnelId) || r.tunnelId < 0) throw bad(`rule tunnel-id ${r.tunnelId}`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(r.tunnelId)); // FRA_TUN_ID is __be64
    a.raw(FRA.TUN_ID, b);
  }
  if (r.uidrange) a.pair(FRA.UID_RANGE, u32(r.uidrange.start, 'uidrange'), u32(r.uidrange.end, 'uidrange'), 4);
  if (r.l3mdev) a.u8(FRA.L3MDEV, 1);
  if (r.protocol !== undefined) a.u8(FRA.PROTOCOL, u8(r.protocol, 'rule protocol'));
  if (r.ipproto !== undefined) a.u8(FRA.IP_PROTO, u8(r.ipproto, 'rule ipproto'));
  for (const [k, t] of [['sport', FRA.SPORT_RANGE], ['dport', FRA.DPORT_RANGE]] as const) {
    const p = r[k];
    if (!p) continue;
    if (![p.start, p.end].every((x) => Number.isInteger(x) && x >= 0 && x <= 65535) || p.start > p.end) throw bad(`rule ${k} ${p.start}-${p.end}`);
    a.pair(t, p.start, p.end, 2);
  }
  return a.bytes();
}

function ifname(n: string): string {
  if (n.length === 0 || n.length > 15) throw bad(`interface name "${n}": 1..15 characters`);
  return n;
}

/** `ip route`-like text of a route, for messages. */
export function describeRoute(r: RouteSpec): string {
  const w: string[] = [];
  if (r.type !== 'unicast') w.push(r.type);
  w.push(r.dstLen === 0 ? 'default' : `${r.dst}/${r.dstLen}`);
  if (r.src !== undefined) w.push('from', `${r.src}/${r.srcLen ?? 128}`);
  if (r.gateway !== undefined) w.push('via', r.gateway);
  for (const h of r.nexthops ?? []) w.push('nexthop', ...(h.gateway !== undefined ? ['via', h.gateway] : []), ...(h.dev !== undefined ? ['dev', h.dev] : []));
  if (r.dev !== undefined) w.push('dev', r.dev);
  if (r.prefsrc !== undefined) w.push('src', r.prefsrc);
  if (r.table !== RT_TABLE_MAIN) w.push('table', String(r.table));
  if (r.metric !== undefined) w.push('metric', String(r.metric));
  return w.join(' ');
}

/** `ip rule`-like text of a rule, for messages. */
export function describeRule(r: RuleSpec): string {
  const w: string[] = [];
  if (r.priority !== undefined) w.push(`${r.priority}:`);
  if (r.not) w.push('not');
  w.push('from', r.from !== undefined ? `${r.from}/${r.fromLen}` : 'all');
  if (r.to !== undefined) w.push('to', `${r.to}/${r.toLen}`);
  if (r.fwmark !== undefined) w.push('fwmark', `0x${r.fwmark.toString(16)}${r.fwmask !== undefined ? `/0x${r.fwmask.toString(16)}` : ''}`);
  if (r.iif !== undefined) w.push('iif', r.iif);
  if (r.oif !== undefined) w.push('oif', r.oif);
  if (r.action === 'table') w.push(r.l3mdev ? 'lookup [l3mdev-table]' : `lookup ${r.table ?? RT_TABLE_MAIN}`);
  else if (r.action === 'goto') w.push('goto', String(r.goto));
  else w.push(r.action);
  if (r.family === 6) w.unshift('inet6');
  return w.join(' ');
}

export class RtnlRouteManager implements RouteManager {
  private readonly rtnl: RtnlSocket;
  private readonly owned: boolean;

  /** Opens its own rtnetlink socket, or shares `socket` (which the caller closes). */
  constructor(opts: RtnlOptions & { socket?: RtnlSocket } = {}) {
    this.owned = opts.socket === undefined;
    this.rtnl = opts.socket ?? new RtnlSocket({ ...opts, groups: [] });
  }

  private body(r: RouteSpec, forDelete: boolean): Buffer {
    return routeBody(r, (n) => this.rtnl.ifindex(n), forDelete);
  }

  async addRoute(r: RouteSpec): Promise<boolean> {
    const body = this.body(r, false);
    try {
      await this.rtnl.request(RTM_NEWROUTE, K.NLM_F_CREATE | (r.append ? NLM_F_APPEND : 0), body, `add route ${describeRoute(r)}`);
      return true;
    } catch (e) {
      if (e instanceof KernelError && e.errno === 'EEXIST') return false;
      throw e;
    }
  }

  async removeRoute(r: RouteSpec): Promise<boolean> {
    let body: Buffer;
    try {
      body = this.body(r, true);
    } catch (e) {
      // The route's interface is gone: so is every route through it.
      if ((e as { code?: string }).code === 'LVSD_NET_NO_INTERFACE') return false;
      throw e;
    }
    try {
      await this.rtnl.request(RTM_DELROUTE, 0, body, `delete route ${describeRoute(r)}`);
      return true;
    } catch (e) {
      if (e instanceof KernelError && (e.errno === 'ESRCH' || e.errno === 'ENOENT')) return false;
      throw e;
    }
  }

  async addRule(r: RuleSpec): Promise<boolean> {
    try {
      await this.rtnl.request(RTM_NEWRULE, K.NLM_F_CREATE | K.NLM_F_EXCL, ruleBody(r), `add rule ${describeRule(r)}`);
      return true;
    } catch (e) {
      if (e instanceof KernelError && e.errno === 'EEXIST') return false;
      throw e;
    }
  }

  async removeRule(r: RuleSpec): Promise<boolean> {
    try {
      await this.rtnl.request(RTM_DELRULE, 0, ruleBody(r), `delete rule ${describeRule(r)}`);
      return true;
    } catch (e) {
      if (e instanceof KernelError && (e.errno === 'ENOENT' || e.errno === 'ESRCH')) return false;
      throw e;
    }
  }

  close(): void {
    if (this.owned) this.rtnl.close();
  }
}
