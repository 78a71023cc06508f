// Pure mapping: the resolved VRRP configuration (src/config/resolve-vrrp.ts) -> what the VRRP runtime runs:
// one core InstanceConfig per vrrp_instance plus what the executor needs (interface, VIP specs, notify
// commands, tracking). keepalived's own fixes (state MASTER clears nopreempt and preempt_delay, priority 255
// without `state` means MASTER, v2 intervals in whole seconds, v3 in 10 ms steps) are applied by the resolver;
// this module re-checks what the core relies on and refuses what the runtime cannot do.
import type { FirewallOptions } from '../net/nft-ruleset.js';
import type { Command } from '../config/model/common.js';
import type { VirtualIp } from '../config/model/vrrp-ip.js';
import type { ResolvedInstance, ResolvedNotify, ResolvedRoute, ResolvedRule, ResolvedTrack, ResolvedVrrp } from '../config/resolve-vrrp.js';
import type { AddressSpec, RouteSpec, RuleSpec } from '../net/ports.js';
import { canonicalAddr, isIpv6LinkLocal, parseIpv4, formatIpv4 } from './addr.js';
import { formatRoute } from '../config/keepalived/vrrp-route.js';
import { formatRule } from '../config/keepalived/vrrp-rule.js';
import { splitCommandLine } from './runtime/command-line.js';
import type { SyncGroupConfig } from './sync-group.js';
import { instanceConfig, type InstanceConfig } from './types.js';
import { virtualLink, type VirtualLinkSpec } from './vlink-config.js';

export { virtualMac, type VirtualLinkSpec } from './vlink-config.js';

/** A command to run: argv (keepalived splits the line itself, no shell) and the user/group. */
export interface CommandSpec {
  argv: string[];
  user?: string;
  group?: string;
}

export interface NotifyCommands {
  master?: CommandSpec;
  backup?: CommandSpec;
  fault?: CommandSpec;
  stop?: CommandSpec;
  /** keepalived `notify`: run after the state's own script with GROUP|INSTANCE, name, state, priority appended. */
  any?: CommandSpec;
  /** keepalived notify_master_rx_lower_pri. */
  masterRxLowerPri?: CommandSpec;
}

export interface TrackRef {
  name: string;
  weight: number;
  reverse: boolean;
}

export interface RuntimeInstance {
  core: InstanceConfig;
  /** The interface adverts are sent and received on. */
  ifname: string;
  /** Addresses installed on becoming master: virtual_ipaddress then virtual_ipaddress_excluded. */
  vips: AddressSpec[];
  /** virtual_routes then virtual_rules: installed after the VIPs, removed before them. */
  routes: RouteSpec[];
  rules: RuleSpec[];
  notify: NotifyCommands;
  syncGroup?: string;
  trackScripts: TrackRef[];
  /** Includes the instance's own interface (weight 0) unless dont_track_primary. */
  trackInterfaces: TrackRef[];
  trackFiles: TrackRef[];
  /** keepalived vrrp_garp_interval / vrrp_gna_interval: spacing of announcements on one interface (ms). */
  garpIntervalMs: number;
  gnaIntervalMs: number;
  /** keepalived old_unicast_checksum: v3 unicast checksummed as if sent to the multicast group. */
  oldUnicastChecksum: boolean;
  /** unicast_fault_no_peer: no peers means FAULT (otherwise keepalived falls back to multicast). */
  unicastFaultNoPeer: boolean;
  /** use_vmac / use_ipvlan: the interface lvsd creates at start (the VIPs go on it) and deletes at stop. */
  vlink?: VirtualLinkSpec;
  /** RFC 5798 §6.4.3 Accept_Mode False and not the address owner: as master, traffic to the VIPs is dropped. */
  dropVips: boolean;
}

export interface ScriptSpec {
  name: string;
  command: CommandSpec;
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  initFail: boolean;
}

export interface TrackFileSpec {
  name: string;
  path: string;
  initFile?: { value: number; overwrite: boolean };
}

export interface RuntimeSyncGroup extends SyncGroupConfig {
  notify: NotifyCommands;
}

export interface RuntimeConfig {
  instances: RuntimeInstance[];
  syncGroups: RuntimeSyncGroup[];
  scripts: ScriptSpec[];
  trackFiles: TrackFileSpec[];
  /** keepalived vrrp_startup_delay (ms). */
  startupDelayMs: number;
  /** The nftables table that drops traffic to the VIPs of `dropVips` instances; absent when none has any. */
  firewall?: FirewallOptions;
}

export interface FromConfigIssue {
  severity: 'error' | 'warning';
  code: string;
  instance?: string;
  message: string;
}

/** What the host says about an interface: its first IPv4 address and its IPv6 link-local address. */
export interface InterfaceAddresses {
  ipv4?: string;
  ipv6LinkLocal?: string;
}

export type HostAddresses = (ifname: string) => InterfaceAddresses | undefined;

function commandSpec(c: Command): CommandSpec {
  const out: CommandSpec = { argv: splitCommandLine(c.command) };
  if (c.user !== undefined) out.user = c.user;
  if (c.group !== undefined) out.group = c.group;
  return out;
}

function notifyCommands(n: ResolvedNotify): NotifyCommands {
  const out: NotifyCommands = {};
  if (n.master) out.master = commandSpec(n.master);
  if (n.backup) out.backup = commandSpec(n.backup);
  if (n.fault) out.fault = commandSpec(n.fault);
  if (n.stop) out.stop = commandSpec(n.stop);
  if (n.notify) out.any = commandSpec(n.notify);
  if (n.master_rx_lower_pri) out.masterRxLowerPri = commandSpec(n.master_rx_lower_pri);
  return out;
}

/** IPv4 broadcast with every host bit set (keepalived `brd +`). */
function broadcastPlus(address: string, prefix: number): string {
  const b = parseIpv4(address);
  const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const bc = (n | (~mask >>> 0)) >>> 0;
  return formatIpv4(new Uint8Array([bc >>> 24, (bc >>> 16) & 0xff, (bc >>> 8) & 0xff, bc & 0xff]));
}

/** A virtual_ipaddress entry as the address manager installs it. */
export function vipSpec(v: VirtualIp, ifname: string): AddressSpec {
  const v6 = v.address.includes(':');
  const prefix = v.prefix ?? (v6 ? 128 : 32);
  const spec: AddressSpec = { ifname: v.dev ?? ifname, address: canonicalAddr(v.address), prefix };
  if (!v6 && v.brd !== undefined && v.brd !== '-') spec.broadcast = v.brd === '+' ? broadcastPlus(v.address, prefix) : v.brd;
  if (v.scope !== undefined) spec.scope = v.scope as AddressSpec['scope'];
  if (v.label !== undefined) spec.label = v.label;
  if (v.peer !== undefined) spec.peer = v.peer;
  if (v.home) spec.home = true;
  // keepalived installs IPv6 VIPs with IFA_F_NODAD: a VIP taken over must not sit in DAD (tentative).
  if (v6) spec.nodad = true;
  if (v.noprefixroute) spec.noprefixroute = true;
  if (v.preferred_lft !== undefined) {
    if (v.preferred_lft !== 'forever') spec.preferredLft = v.preferred_lft;
  } else if (v6 && prefix === 128) {
    spec.preferredLft = 0; // keepalived: a /128 VIP is deprecated so it is never picked as a source
  }
  return spec;
}

/** iproute2's built-in names (rt_tables, rt_protos, rt_scopes); lvsd does not read /etc/iproute2. */
const TABLES: Readonly<Record<string, number>> = { default: 253, main: 254, local: 255 };
const PROTOS: Readonly<Record<string, number>> = {
  redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
};
const SCOPE_NUMBERS: Readonly<Record<string, number>> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };
/** /etc/protocols names of the IP protocols a rule's ipproto usually names. */
const IP_PROTOS: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136 };
/** keepalived's RTPROT_KEEPALIVED: the protocol of the routes it installs when none is given. */
const RTPROT_KEEPALIVED = 18;

/** A number, or a name from `names`; a name lvsd cannot resolve goes to `why`. */
function numbered(v: number | string | undefined, names: Readonly<Record<string, number>>, what: string, why: string[]): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  const n = names[v];
  if (n === undefined) why.push(`${what} '${v}' is a name from /etc/iproute2, which lvsd does not read (write its number)`);
  return n;
}

/** realms [FROM/]TO as RTA_FLOW / FRA_FLOW: (FROM << 16) | TO; names are not read. */
function realmsNumber(v: string | undefined, why: string[]): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(?:\/(\d+))?$/.exec(v);
  const [a, b] = m ? [Number(m[1]), m[2] !== undefined ? Number(m[2]) : undefined] : [NaN, undefined];
  if (!m || a > 65535 || (b ?? 0) > 65535) {
    why.push(`realms '${v}' (lvsd reads numeric realms only)`);
    return undefined;
  }
  return b === undefined ? a : ((a << 16) | b) >>> 0;
}

function cidrOf(c: { address: string; prefix?: number }): [string, number] {
  const a = canonicalAddr(c.address);
  return [a, c.prefix ?? (a.includes(':') ? 128 : 32)];
}

/**
 * A virtual_routes entry as the route manager installs it (keepalived's netlink_route: table main, scope
 * universe, type unicast and protocol RTPROT_KEEPALIVED unless given). `skip` says why it cannot be
 * installed as written; `ignored` names what is installed without.
 */
export function routeSpec(r: ResolvedRoute): { spec?: RouteSpec; skip: string[]; ignored: string[] } {
  const skip: string[] = [];
  const ignored = (['rtt', 'rttvar', 'rto_min', 'ttl_propagate'] as const).filter((k) => r[k] !== undefined).map((k) => (k === 'ttl_propagate' ? 'ttl-propagate' : k));
  if (r.encap || r.nexthops?.some((h) => h.encap)) skip.push('encap (lightweight tunnels) is not supported');
  const f = r.family;
  const [dst, dstLen] = r.to === 'default' ? [f === 4 ? '0.0.0.0' : '::', 0] : cidrOf(r.to);
  const spec: RouteSpec = {
    family: f,
    type: r.type ?? 'unicast',
    dst,
    dstLen,
    table: numbered(r.table, TABLES, 'table', skip) ?? 254,
    protocol: numbered(r.protocol, PROTOS, 'protocol', skip) ?? RTPROT_KEEPALIVED,
    scope: numbered(r.scope, SCOPE_NUMBERS, 'scope', skip) ?? 0,
  };
  if (r.from) [spec.src, spec.srcLen] = cidrOf(r.from);
  if (r.src !== undefined) spec.prefsrc = canonicalAddr(r.src);
  if (r.via !== undefined) spec.gateway = canonicalAddr(r.via);
  if (r.dev !== undefined) spec.dev = r.dev;
  const tos = numbered(r.tos, {}, 'tos', skip);
  if (tos !== undefined) spec.tos = tos;
  if (r.metric !== undefined) spec.metric = r.metric;
  if (r.onlink) spec.onlink = true;
  if (r.append) spec.append = true;
  if (r.expires !== undefined) spec.expires = r.expires;
  const realms = realmsNumber(r.realms, skip);
  if (realms !== undefined) spec.realms = realms;
  if (r.pref !== undefined) spec.pref = typeof r.pref === 'number' ? r.pref : { low: 3, medium: 0, high: 1 }[r.pref]; // ICMPV6_ROUTER_PREF_*
  const metrics: NonNullable<RouteSpec['metrics']> = {};
  const lock: NonNullable<RouteSpec['lock']> = [];
  for (const k of ['mtu', 'advmss', 'reordering', 'cwnd', 'ssthresh'] as const) {
    const m = r[k];
    if (!m) continue;
    metrics[k] = m.value;
    if (m.lock) lock.push(k);
  }
  for (const k of ['window', 'hoplimit', 'initcwnd', 'initrwnd'] as const) if (r[k] !== undefined) metrics[k] = r[k];
  if (r.features === 'ecn') metrics.features = 1; // RTAX_FEATURE_ECN
  if (r.quickack !== undefined) metrics.quickack = r.quickack ? 1 : 0;
  if (r.fastopen_no_cookie !== undefined) metrics.fastopen_no_cookie = r.fastopen_no_cookie ? 1 : 0;
  if (Object.keys(metrics).length > 0) spec.metrics = metrics;
  if (r.congctl) {
    spec.congctl = r.congctl.value;
    if (r.congctl.lock) lock.push('congctl');
  }
  if (lock.length > 0) spec.lock = lock;
  if (r.nexthops && r.nexthops.length > 0) {
    // A route-level dev applies to every hop that names none (keepalived's `via A or B dev D`); the kernel
    // refuses an RTA_OIF that differs from the first hop's device, so it goes in the hops only.
    delete spec.dev;
    spec.nexthops = r.nexthops.map((h) => {
      const n: NonNullable<RouteSpec['nexthops']>[number] = {};
      if (h.via !== undefined) n.gateway = canonicalAddr(h.via);
      if (h.dev !== undefined || r.dev !== undefined) n.dev = h.dev ?? r.dev!;
      if (h.weight !== undefined) n.weight = h.weight;
      if (h.onlink) n.onlink = true;
      const hr = realmsNumber(h.realms, skip);
      if (hr !== undefined) n.realms = hr;
      return n;
    });
  }
  return skip.length > 0 ? { skip, ignored } : { spec, skip, ignored };
}

/** A virtual_rules entry as the route manager installs it (keepalived's netlink_rule). */
export function ruleSpec(r: ResolvedRule): { spec?: RuleSpec; skip: string[] } {
  const skip: string[] = [];
  const action: RuleSpec['action'] = r.goto !== undefined ? 'goto' : r.action ?? 'table';
  const spec: RuleSpec = { family: r.family, action, priority: r.preference };
  if (action === 'table' && !r.l3mdev) spec.table = numbered(r.table, TABLES, 'table', skip) ?? 254;
  if (r.goto !== undefined) spec.goto = r.goto;
  if (r.not) spec.not = true;
  if (r.from !== undefined && r.from !== 'all') [spec.from, spec.fromLen] = cidrOf(r.from);
  if (r.to !== undefined && r.to !== 'all') [spec.to, spec.toLen] = cidrOf(r.to);
  const tos = numbered(r.tos, {}, 'tos', skip);
  if (tos !== undefined) spec.tos = tos;
  if (r.fwmark) {
    spec.fwmark = r.fwmark.mark;
    if (r.fwmark.mask !== undefined) spec.fwmask = r.fwmark.mask;
  }
  if (r.iif !== undefined) spec.iif = r.iif;
  if (r.oif !== undefined) spec.oif = r.oif;
  if (r.protocol !== undefined) spec.protocol = r.protocol;
  const ipproto = numbered(r.ipproto, IP_PROTOS, 'ipproto', skip);
  if (ipproto !== undefined) spec.ipproto = ipproto;
  if (r.sport) spec.sport = { ...r.sport };
  if (r.dport) spec.dport = { ...r.dport };
  if (r.uidrange) spec.uidrange = { ...r.uidrange };
  if (r.tunnel_id !== undefined) spec.tunnelId = r.tunnel_id;
  if (r.l3mdev) spec.l3mdev = true;
  const realms = realmsNumber(r.realms, skip);
  if (realms !== undefined) spec.realms = realms;
  if (r.suppress_prefixlength !== undefined) spec.suppressPrefixlen = r.suppress_prefixlength;
  const group = numbered(r.suppress_ifgroup, { default: 0 }, 'suppress_ifgroup', skip);
  if (group !== undefined) spec.suppressIfgroup = group;
  return skip.length > 0 ? { skip } : { spec, skip };
}

function tracks(list: readonly ResolvedTrack[]): TrackRef[] {
  return list.map((t) => ({ name: t.name, weight: t.weight, reverse: t.reverse }));
}

/** Merge a sync group's tracking into a member's (same name: the member's own entry wins). */
function mergeTracks(own: TrackRef[], group: TrackRef[]): TrackRef[] {
  const names = new Set(own.map((t) => t.name));
  return [...own, ...group.filter((t) => !names.has(t.name))];
}

/** Map one resolved instance; issues are appended to `issues`. */
export function runtimeInstance(r: ResolvedInstance, v: ResolvedVrrp, host: HostAddresses, issues: FromConfigIssue[]): RuntimeInstance | undefined {
  const err = (code: string, message: string): void => void issues.push({ severity: 'error', code, instance: r.name, message });
  const warn = (code: string, message: string): void => void issues.push({ severity: 'warning', code, instance: r.name, message });
  const ifname = r.interface;
  if (ifname === undefined) {
    err('no-interface', `vrrp_instance ${r.name}: no interface given`);
    return undefined;
  }
  if (r.vrid < 1 || r.vrid > 255) {
    err('no-vrid', `vrrp_instance ${r.name}: virtual_router_id must be 1..255`);
    return undefined;
  }
  if (r.down_timer_adverts !== 3) {
    warn('ignored-option', `vrrp_instance ${r.name}: down_timer_adverts ${r.down_timer_adverts} is not supported; using 3 (RFC 5798 §6.1)`);
  }
  const fam = r.family === 6 ? 'ipv6' : 'ipv4';
  const ifa = host(ifname);
  if (ifa === undefined) {
    err('no-such-interface', `vrrp_instance ${r.name}: interface ${ifname} does not exist`);
    return undefined;
  }
  // RFC 5798 §5.1.2.1: the IPv6 source is the interface's link-local address; IPv4: its primary address.
  let primary = r.src_ip;
  if (primary === undefined) primary = fam === 'ipv4' ? ifa.ipv4 : ifa.ipv6LinkLocal;
  if (primary === undefined) {
    err('no-source-address', `vrrp_instance ${r.name}: interface ${ifname} has no ${fam === 'ipv4' ? 'IPv4' : 'IPv6 link-local'} address to send adverts from`);
    return undefined;
  }
  if (fam === 'ipv6' && r.unicast_peers.length === 0 && !isIpv6LinkLocal(primary)) {
    warn('source-not-link-local', `vrrp_instance ${r.name}: IPv6 adverts are sent from ${primary}, which is not link-local (RFC 5798 §5.1.2.1)`);
  }
  const vlink = virtualLink(r, v, fam, ifa, warn);
  if (vlink?.kind === 'ipvlan' && vlink.address && fam === 'ipv4' && r.src_ip === undefined) primary = vlink.address.address;
  if (vlink && fam === 'ipv6') vlink.linkLocal = canonicalAddr(primary);
  const advertIntervalCs = Math.round(r.advert_int * 100);
  if (r.version === 2 && advertIntervalCs % 100 !== 0) {
    err('bad-interval', `vrrp_instance ${r.name}: VRRPv2 advert_int must be whole seconds (RFC 3768 §5.3.7)`);
    return undefined;
  }
  const vipList = [...r.vips, ...r.excluded_vips];
  const g = r.garp;
  const core = instanceConfig({
    name: r.name,
    vrid: r.vrid,
    version: r.version,
    family: fam,
    priority: r.priority,
    advertIntervalCs,
    initialState: r.state,
    // keepalived (vrrp_complete_instance): these are already cleared for state MASTER by the resolver;
    // re-assert it so the core never sees a MASTER-start instance that will not preempt.
    preempt: r.state === 'MASTER' ? true : r.preempt,
    preemptDelayMs: r.state === 'MASTER' ? 0 : Math.round(r.preempt_delay * 1000),
    accept: r.accept,
    primaryAddress: canonicalAddr(primary),
    virtualAddresses: r.vips.map((a) => canonicalAddr(a.address)),
    unicastPeers: r.unicast_peers.map((p) => canonicalAddr(p.address)),
    mcastGroup: r.mcast_group,
    // The resolver already dropped authentication for v3 and AH for IPv6 (with a warning, as keepalived).
    auth:
      r.auth === undefined || r.version !== 2
        ? { type: 'none' }
        : r.auth.type === 'PASS'
          ? { type: 'pass', password: r.auth.pass }
          : fam === 'ipv4'
            ? { type: 'ah', password: r.auth.pass }
            : { type: 'none' },
    checkUnicastSrc: r.check_unicast_src,
    v3ChecksumAsV2: r.v3_checksum_as_v2,
    lowerPrioNoAdvert: r.lower_prio_no_advert,
    higherPrioSendAdvert: r.higher_prio_send_advert,
    garp: {
      masterDelayMs: Math.round(g.master_delay * 1000),
      masterRepeat: g.master_repeat,
      masterRefreshMs: Math.round(g.master_refresh * 1000),
      masterRefreshRepeat: g.master_refresh_repeat,
      lowerPrioRepeat: g.lower_prio_repeat,
      lowerPrioDelayMs: Math.round(g.lower_prio_delay * 1000),
    },
  });
  const ownIf: TrackRef[] = r.dont_track_primary ? [] : [{ name: ifname, weight: 0, reverse: false }];
  const sg = r.sync_group !== undefined ? v.sync_groups.find((s) => s.name === r.sync_group) : undefined;
  const out: RuntimeInstance = {
    core,
    ifname: vlink && !vlink.xmitBase ? vlink.name : ifname,
    // keepalived: the VIPs of the instance's interface go on its VMAC / ipvlan.
    vips: vipList.map((a) => vipSpec(vlink && a.dev === ifname ? { ...a, dev: vlink.name } : a, vlink ? vlink.name : ifname)),
    routes: [],
    rules: [],
    notify: notifyCommands(r.notify),
    trackScripts: mergeTracks(tracks(r.track_scripts), tracks(sg?.track_scripts ?? [])),
    trackInterfaces: mergeTracks([...ownIf, ...tracks(r.track_interfaces)], tracks(sg?.track_interfaces ?? [])),
    trackFiles: mergeTracks(tracks(r.track_files), tracks(sg?.track_files ?? [])),
    garpIntervalMs: Math.round(g.interval * 1000),
    gnaIntervalMs: Math.round(g.gna_interval * 1000),
    oldUnicastChecksum: r.old_unicast_checksum === true,
    unicastFaultNoPeer: r.unicast_fault_no_peer,
    // RFC 5798 §6.4.3: a master without Accept_Mode that is not the owner MUST NOT accept packets for the VIPs
    // (keepalived: vrrp_handle_accept_mode). The runtime puts them in the firewall's sets while it holds them.
    dropVips: !r.accept && !r.address_owner,
  };
  if (sg) out.syncGroup = sg.name;
  if (vlink) out.vlink = vlink;
  if (r.unicast_ttl !== undefined) {
    warn('ignored-option', `vrrp_instance ${r.name}: unicast_ttl is not supported; unicast adverts are sent with TTL 255 and any TTL is accepted from unicast peers`);
  }
  for (const vr of r.routes) {
    const m = routeSpec(vr);
    const text = formatRoute(vr);
    if (m.spec) out.routes.push(m.spec);
    else warn('not-installed', `vrrp_instance ${r.name}: virtual_routes '${text}' is not installed: ${m.skip.join('; ')}`);
    if (m.spec && m.ignored.length > 0) warn('ignored-option', `vrrp_instance ${r.name}: virtual_routes '${text}' is installed without ${m.ignored.join(', ')} (not supported by lvsd)`);
  }
  for (const vr of r.rules) {
    const m = ruleSpec(vr);
    if (m.spec) out.rules.push(m.spec);
    else warn('not-installed', `vrrp_instance ${r.name}: virtual_rules '${formatRule(vr)}' is not installed: ${m.skip.join('; ')}`);
  }
  if ([...r.routes, ...r.rules].some((x) => x.track)) {
    // keepalived (vrrp_track_route / rule): a tracked route or rule deleted by someone else puts the instance in FAULT.
    warn('not-tracked', `vrrp_instance ${r.name}: lvsd installs virtual_routes / virtual_rules but does not watch them: one deleted while MASTER is not put back and does not cause FAULT (keepalived tracks those without no_track)`);
  }
  return out;
}

/** The whole runtime configuration, or the issues that stop it (severity error). */
export function runtimeConfig(v: ResolvedVrrp, host: HostAddresses): { config: RuntimeConfig; issues: FromConfigIssue[] } {
  const issues: FromConfigIssue[] = [];
  const instances: RuntimeInstance[] = [];
  for (const r of v.instances) {
    const ri = runtimeInstance(r, v, host, issues);
    if (ri) instances.push(ri);
  }
  // RFC 5798 §7.1 / keepalived: one instance per (interface, family, VRID) on multicast; a second would
  // receive the first one's adverts as its own.
  const seen = new Map<string, string>();
  for (const i of instances) {
    const key = `${i.vlink?.base ?? i.ifname}/${i.core.family}/${i.core.vrid}/${i.core.unicastPeers.length > 0 ? 'u' : i.core.mcastGroup}`;
    const other = seen.get(key);
    if (other !== undefined) {
      issues.push({ severity: 'error', code: 'duplicate-vrid', instance: i.core.name, message: `vrrp_instance ${i.core.name}: VRID ${i.core.vrid} on ${i.vlink?.base ?? i.ifname} is already used by ${other}` });
    } else seen.set(key, i.core.name);
  }
  const vnames = new Map<string, string>();
  for (const i of instances) {
    if (!i.vlink) continue;
    const other = vnames.get(i.vlink.name);
    if (other !== undefined) issues.push({ severity: 'error', code: 'vmac-name-clash', instance: i.core.name, message: `vrrp_instance ${i.core.name}: interface ${i.vlink.name} is already the VMAC / ipvlan of ${other} (name one with use_vmac NAME / use_ipvlan NAME)` });
    else vnames.set(i.vlink.name, i.core.name);
  }
  const scripts: ScriptSpec[] = [];
  for (const s of v.scripts) {
    try {
      const command = commandSpec({ command: s.command, ...(s.user !== undefined ? { user: s.user } : {}), ...(s.group !== undefined ? { group: s.group } : {}) });
      scripts.push({ name: s.name, command, intervalMs: s.interval * 1000, timeoutMs: s.timeout * 1000, rise: s.rise, fall: s.fall, initFail: s.init_fail });
    } catch (e) {
      issues.push({ severity: 'error', code: 'bad-script', message: `vrrp_script ${s.name}: ${(e as Error).message}` });
    }
  }
  const trackFiles: TrackFileSpec[] = v.track_files.map((f) => ({ name: f.name, path: f.file, ...(f.init_file ? { initFile: { ...f.init_file } } : {}) }));
  const names = new Set(instances.map((i) => i.core.name));
  const syncGroups: RuntimeSyncGroup[] = v.sync_groups
    .map((g) => ({ name: g.name, members: g.members.filter((m) => names.has(m)), notify: notifyCommands(g.notify) }))
    .filter((g) => g.members.length > 0);
  // Every tracked script / file an instance names must exist (the resolver drops unknown names).
  for (const i of instances) {
    for (const t of i.trackScripts) if (!scripts.some((s) => s.name === t.name)) issues.push({ severity: 'error', code: 'unknown-script', instance: i.core.name, message: `vrrp_instance ${i.core.name}: track_script ${t.name} is not defined` });
    for (const t of i.trackFiles) if (!trackFiles.some((f) => f.name === t.name)) issues.push({ severity: 'error', code: 'unknown-track-file', instance: i.core.name, message: `vrrp_instance ${i.core.name}: track_file ${t.name} is not defined` });
  }
  const config: RuntimeConfig = { instances, syncGroups, scripts, trackFiles, startupDelayMs: Math.round(v.global.startup_delay * 1000) };
  if (instances.some((i) => i.dropVips)) config.firewall = { ...v.global.nftables };
  return { config, issues };
}
