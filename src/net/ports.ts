// Kernel edge (interfaces only): what the VRRP runtime needs from the kernel, as small ports.
// Implementations live beside this file (raw sockets, AF_PACKET, rtnetlink); unit tests use
// in-memory fakes that record what was asked.

export type Family = 4 | 6;

/** One VRRP packet as received, the IP header already read and stripped. */
export interface ReceivedPacket {
  ifindex: number;
  ifname: string;
  family: Family;
  /** Source and destination addresses, canonical text. */
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 Hop Limit as received (RFC 5798 §7.1: must be 255). */
  ttl: number;
  /** The VRRP packet (no IP header, no AH). */
  payload: Buffer;
  /** IPv4 protocol 51 (VRRPv2 auth_type AH): the IP header as received and the 24-byte AH before `payload`. */
  ah?: { ipHeader: Buffer; header: Buffer };  /** ms between the packet's arrival (the kernel's stamp) and this callback; absent when the socket cannot tell. */
  rxAgeMs?: number;
}

/** IP protocols a VRRP socket carries: 112 (VRRP), or 51 (IPsec AH around VRRPv2, IPv4 only). */
export type VrrpProtocol = 112 | 51;

/** A raw IP socket for protocol 112 on one interface and one family. */
export interface VrrpSocket {
  readonly ifname: string;
  readonly family: Family;
  /** Join / leave a multicast group on this socket's interface. */
  join(group: string): void;
  leave(group: string): void;
  /** 51: an IPv4 socket for IPsec AH packets whose `send` takes whole IPv4 packets (IP_HDRINCL). Default 112. */
  readonly protocol?: VrrpProtocol;
  /**
   * Send one VRRP packet to `dst` with TTL / Hop Limit 255, from `src` when given. On a protocol 51 socket
   * `payload` is the whole IPv4 packet (header, AH, VRRP) and `src` is the one in that header.
   */
  send(dst: string, payload: Buffer, src?: string): void;
  /** Called for every packet received on this interface (any VRID). */
  onPacket(cb: (p: ReceivedPacket) => void): void;
  /** Called when a receive fails (the socket stays open unless `fatal`). */
  onError(cb: (e: Error & { fatal?: boolean }) => void): void;
  close(): void;
}

export interface VrrpSocketFactory {
  open(ifname: string, family: Family, protocol?: VrrpProtocol): VrrpSocket;
}

/** A virtual address as the VRRP runtime installs it. */
export interface AddressSpec {
  ifname: string;
  address: string;
  prefix: number;
  broadcast?: string;
  scope?: 'global' | 'site' | 'link' | 'host' | 'nowhere' | number;
  label?: string;
  /** IPv6: skip duplicate address detection. */
  nodad?: boolean;
  noprefixroute?: boolean;
  /** IPv6: preferred lifetime 0 (deprecated address, keepalived's `preferred_lft 0`). */
  preferredLft?: number;
  peer?: string;
  home?: boolean;
}

export interface AddressManager {
  /** Add; an address that is already there is not an error (returns false). */
  add(a: AddressSpec): Promise<boolean>;
  /** Delete; an address that is not there is not an error (returns false). */
  remove(a: AddressSpec): Promise<boolean>;
  /** Addresses on an interface, canonical text with prefix length. */
  list(ifname: string): Promise<{ address: string; prefix: number; label?: string }[]>;
}

/** Gratuitous ARP (IPv4) and unsolicited Neighbour Advertisements (IPv6). */
export interface Announcer {
  /** RFC 5227 §3 ARP announcement for `address`, from the interface's (or `mac`'s) hardware address. */
  garp(ifname: string, address: string, mac?: string): void;
  /** RFC 4861 §7.2.6 unsolicited NA to ff02::1, override flag set, router flag as configured. */
  unsolicitedNa(ifname: string, address: string, router?: boolean): void;
}

export interface LinkState {
  ifname: string;
  ifindex: number;
  up: boolean;
  mac?: string;
}

/** Interface existence and up/down state, from rtnetlink events. */
export interface LinkMonitor {
  get(ifname: string): LinkState | undefined;
  onChange(cb: (s: LinkState) => void): void;
  close(): void;
}

/** Route types (RTN_* of <linux/rtnetlink.h>) by iproute2's names. */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';

/** RTAX_* route metrics that take a u32 (`ip route ... mtu 1400 window 65535 ...`). */
export type RouteMetricName = 'mtu' | 'window' | 'ssthresh' | 'cwnd' | 'advmss' | 'reordering' | 'hoplimit' | 'initcwnd' | 'features' | 'initrwnd' | 'quickack' | 'fastopen_no_cookie';

/** One hop of a multipath route (RTA_MULTIPATH). */
export interface NexthopSpec {
  gateway?: string;
  dev?: string;
  /** 1..256 (sent as rtnh_hops = weight - 1). */
  weight?: number;
  onlink?: boolean;
  /** RTA_FLOW: (from realm << 16) | to realm. */
  realms?: number;
}

/**
 * A route as the VRRP runtime installs it (keepalived `virtual_routes`), every name already a number.
 * Addresses are canonical text; `default` is dst 0.0.0.0/0 or ::/0.
 */
export interface RouteSpec {
  family: Family;
  type: RouteType;
  dst: string;
  dstLen: number;
  /** IPv6 source prefix (`from`, RTA_SRC). */
  src?: string;
  srcLen?: number;
  /** Preferred source address (`src`, RTA_PREFSRC). */
  prefsrc?: string;
  gateway?: string;
  dev?: string;
  table: number;
  protocol: number;
  /** RT_SCOPE_* number. */
  scope: number;
  tos?: number;
  /** RTA_PRIORITY (`metric` / `preference`). */
  metric?: number;
  onlink?: boolean;
  /** Add after the routes of the same destination and metric (NLM_F_APPEND) instead of before them. */
  append?: boolean;
  /** IPv6 route lifetime in seconds (RTA_EXPIRES). */
  expires?: number;
  realms?: number;
  /** IPv6 router preference (RTA_PREF). */
  pref?: number;
  metrics?: Partial<Record<RouteMetricName, number>>;
  /** RTAX_CC_ALGO. */
  congctl?: string;
  /** Metrics the kernel must not change (RTAX_LOCK); 'congctl' locks RTAX_CC_ALGO. */
  lock?: (RouteMetricName | 'congctl')[];
  nexthops?: NexthopSpec[];
}

export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

/** A policy-routing rule as the VRRP runtime installs it (keepalived `virtual_rules`). */
export interface RuleSpec {
  family: Family;
  action: RuleAction;
  /** For action 'table' (also read with l3mdev: unset). */
  table?: number;
  /** For action 'goto': the preference to jump to. */
  goto?: number;
  /** `not`: FIB_RULE_INVERT. */
  not?: boolean;
  from?: string;
  fromLen?: number;
  to?: string;
  toLen?: number;
  priority?: number;
  tos?: number;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  protocol?: number;
  ipproto?: number;
  sport?: { start: number; end: number };
  dport?: { start: number; end: number };
  uidrange?: { start: number; end: number };
  /** FRA_TUN_ID (sent big-endian 64-bit); at most Number.MAX_SAFE_INTEGER. */
  tunnelId?: number;
  l3mdev?: boolean;
  realms?: number;
  suppressPrefixlen?: number;
  suppressIfgroup?: number;
}

/** Routes and rules over rtnetlink. */
export interface RouteManager {
  /** Add; a route that is already there (EEXIST) is not an error (returns false). */
  addRoute(r: RouteSpec): Promise<boolean>;
  /** Delete; a route that is not there (ESRCH) is not an error (returns false). */
  removeRoute(r: RouteSpec): Promise<boolean>;
  addRule(r: RuleSpec): Promise<boolean>;
  removeRule(r: RuleSpec): Promise<boolean>;
}

/** A link as the VMAC / ipvlan code sees it. */
export interface VirtualLinkInfo {
  ifindex: number;
  ifname: string;
  up: boolean;
  mac?: string;
  /** The parent link's ifindex (macvlan / ipvlan). */
  parent?: number;
  /** "macvlan", "ipvlan", "veth", ...; undefined for a plain device. */
  kind?: string;
}

/** IPv4 per-device settings (net.ipv4.conf.IF.*) the VMAC code sets. */
export type Ipv4DevConf = Partial<Record<'rp_filter' | 'arp_filter' | 'arp_announce' | 'arp_ignore' | 'promote_secondaries' | 'accept_local', number>>;

/** Creating and removing keepalived's VMAC (macvlan) and ipvlan interfaces over rtnetlink. */
export interface VirtualLinkManager {
  get(ifname: string): Promise<VirtualLinkInfo | undefined>;
  /** macvlan, mode private, on `base`, with hardware address `mac`; created down. */
  createMacvlan(o: { name: string; base: string; mac: string }): Promise<VirtualLinkInfo>;
  /** L2 ipvlan on `base`; created down. */
  createIpvlan(o: { name: string; base: string; flag: 'bridge' | 'private' | 'vepa' }): Promise<VirtualLinkInfo>;
  /** Delete; a link that is not there is not an error (returns false). */
  remove(ifname: string): Promise<boolean>;
  setUp(ifname: string, up: boolean): Promise<void>;
  getIpv4Conf(ifname: string): Promise<Ipv4DevConf>;
  setIpv4Conf(ifname: string, conf: Ipv4DevConf): Promise<void>;
  /** IN6_ADDR_GEN_MODE_NONE: the kernel gives the link no automatic link-local address (RFC 5798 §7.4). */
  setAddrGenModeNone(ifname: string): Promise<void>;
  /** net.ipv6.conf.IF.disable_ipv6. */
  setIpv6Disabled(ifname: string, disabled: boolean): Promise<void>;
}

/** A virtual address to drop while its instance is master without Accept_Mode (RFC 5798 §6.4.3). */
export interface FirewallVip {
  ifname: string;
  address: string;
}

/**
 * The Accept_Mode firewall: one table of lvsd's own whose sets hold the addresses whose traffic is dropped.
 * The VRRP runtime adds an instance's VIPs before it adds the addresses and removes them after.
 */
export interface VipFirewall {
  /** Replace any table of that name (left by a run that did not stop cleanly) with an empty one, then add `vips`. */
  start(vips: readonly FirewallVip[]): Promise<void>;
  add(vips: readonly FirewallVip[]): Promise<void>;
  /** Elements that are not there are not an error. */
  remove(vips: readonly FirewallVip[]): Promise<void>;
  /** Delete the table and everything in it. */
  stop(): Promise<void>;
}
