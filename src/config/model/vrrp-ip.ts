// Config model (pure): address, route and rule entries of virtual_ipaddress /
// virtual_ipaddress_excluded / virtual_routes / virtual_rules and their static_* counterparts.
// The grammar is keepalived's (keepalived.conf(5) "Static routes/addresses/rules"), which follows
// `ip address add` / `ip route add` / `ip rule add` without abbreviations.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Fmt, IfName, Obj, Opt } from './common.js';

/** The schema as built, typed as the interface below it (both families' fields optional). */
const typed = <T>(schema: TSchema) => Type.Unsafe<T>(schema);

const U32 = (description: string) => Type.Integer({ minimum: 0, maximum: 4294967295, description });
const U8 = (description: string) => Type.Integer({ minimum: 0, maximum: 255, description });
const Flag = (description: string) => Type.Literal(true, { description });
const Word = (description: string) => Type.String({ ...Fmt.word, minLength: 1, description });

/** A name from /etc/iproute2 tables (rt_tables, rt_protos, rt_scopes, ...): never all digits. */
export const RT_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]{0,30}$';
const RtName = (description: string) => Type.String({ pattern: RT_NAME_PATTERN, description });
/** A number or a name from an iproute2 table, as `ip` accepts. */
const NumOrName = (max: number, description: string, min = 0) =>
  Type.Union([Type.Integer({ minimum: min, maximum: max }), RtName('name from the iproute2 tables')], { description });

export const AddressScope = Type.Union(
  [
    Type.Literal('global'),
    Type.Literal('site'),
    Type.Literal('link'),
    Type.Literal('host'),
    Type.Literal('nowhere'),
    Type.Integer({ minimum: 0, maximum: 255 }),
  ],
  { description: 'address/route scope: a name from rt_scopes or a number' },
);

/** An IPv4 or IPv6 prefix; `prefix` omitted means a host address (/32 or /128). */
export const Cidr4 = Obj({
  address: Type.String({ ...Fmt.ipv4, description: 'IPv4 address' }),
  prefix: Opt(Type.Integer({ minimum: 0, maximum: 32, description: 'prefix length (default 32)' })),
});
export const Cidr6 = Obj({
  address: Type.String({ ...Fmt.ipv6, description: 'IPv6 address' }),
  prefix: Opt(Type.Integer({ minimum: 0, maximum: 128, description: 'prefix length (default 128)' })),
});
export const Cidr = Type.Union([Cidr4, Cidr6], { description: 'address[/prefix]' });
export type Cidr = Static<typeof Cidr>;

const PreferredLft = Type.Union([Type.Literal('forever'), U32('seconds')], {
  description: 'IPv6 preferred lifetime: 0 deprecates the address (default for /128), forever otherwise',
});

function ipEntry(family: 4 | 6, kind: 'virtual' | 'static') {
  const v4 = family === 4;
  const props: Record<string, TSchema> = {
    address: Type.String({ ...(v4 ? Fmt.ipv4 : Fmt.ipv6), description: 'the address' }),
    prefix: Opt(Type.Integer({ minimum: 0, maximum: v4 ? 32 : 128, description: `prefix length (default ${v4 ? 32 : 128})` })),
  };
  if (v4) {
    props.brd = Opt(
      Type.Union([Type.String({ ...Fmt.ipv4 }), Type.Literal('+'), Type.Literal('-')], {
        description: "broadcast address; '+' sets and '-' clears the host bits",
      }),
    );
  }
  props.dev = Opt(IfName);
  if (kind === 'virtual') props.use_vmac = Opt(Flag('put this address on a VMAC of its interface'));
  if (v4) {
    props.scope = Opt(AddressScope);
    props.label = Opt(Type.String({ ...Fmt.ifname, maxLength: 15, description: 'alias label, e.g. eth0:1' }));
  }
  props.peer = Opt(Type.String({ ...(v4 ? Fmt.ipv4 : Fmt.ipv6), description: 'peer address of a point-to-point address' }));
  props.home = Opt(Flag('IFA_F_HOMEADDRESS'));
  props.nodad = Opt(Flag("keyword '-nodad': no duplicate address detection"));
  props.mngtmpaddr = Opt(Flag('IFA_F_MANAGETEMPADDR'));
  props.noprefixroute = Opt(Flag('IFA_F_NOPREFIXROUTE'));
  props.autojoin = Opt(Flag('IFA_F_MCAUTOJOIN'));
  props.no_track = Opt(Flag('do not leave MASTER if the address is deleted'));
  props.preferred_lft = Opt(PreferredLft);
  if (kind === 'static') props.track_group = Opt(Word('track_group whose instances go to FAULT if the address is lost'));
  return Obj(props, { description: `IPv${family} address entry` });
}

export const VirtualIp = typed<VirtualIp>(Type.Union([ipEntry(4, 'virtual'), ipEntry(6, 'virtual')], {
  description: 'virtual_ipaddress entry: <IPADDR>[/<MASK>] [brd <IPADDR>] [dev <STRING>] [use_vmac] [scope <SCOPE>] [label <LABEL>] [peer <IPADDR>] [home] [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track] [preferred_lft nn|forever]',
}));
/** The fields both address families share, plus the IPv4-only ones as optional. */
export interface VirtualIp {
  address: string;
  prefix?: number;
  brd?: string;
  dev?: string;
  use_vmac?: true;
  scope?: string | number;
  label?: string;
  peer?: string;
  home?: true;
  nodad?: true;
  mngtmpaddr?: true;
  noprefixroute?: true;
  autojoin?: true;
  no_track?: true;
  preferred_lft?: 'forever' | number;
}
export const StaticIp = typed<StaticIp>(Type.Union([ipEntry(4, 'static'), ipEntry(6, 'static')], {
  description: 'static_ipaddress entry: as virtual_ipaddress, with [track_group GROUP] instead of [use_vmac]',
}));
export interface StaticIp extends Omit<VirtualIp, 'use_vmac'> {
  track_group?: string;
}

// ---- routes ----

export const ROUTE_TYPES = ['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast'] as const;
export const RouteType = Type.Union(
  ROUTE_TYPES.map((t) => Type.Literal(t)),
  { description: 'route type (default unicast)' },
);

/** A metric that `ip route` lets you lock (`mtu lock 1400`). */
const Locked = (value: TSchema, description: string) => Obj({ value, lock: Opt(Flag('lock the metric')) }, { description });
/** rtt / rttvar / rto_min: a number with an optional unit, as `ip route` reads it (raw numbers are in ms). */
export const RTT_PATTERN = '^[0-9]{1,9}(\\.[0-9]{1,6})?(ms|msec|msecs|s|sec|secs)?$';
const RttTime = (description: string) => Locked(Type.String({ pattern: RTT_PATTERN }), description);

const U64 = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
/** realms: `TO` or `FROM/TO`, each a number or an rt_realms name. */
export const REALMS_PATTERN = '^([A-Za-z_][A-Za-z0-9_-]{0,15}|[0-9]{1,5})(/([A-Za-z_][A-Za-z0-9_-]{0,15}|[0-9]{1,5}))?$';
const Realms = Type.String({ pattern: REALMS_PATTERN, description: 'realms [FROM/]TO' });

const encapIp = (v6: boolean, need: 'dst' | 'id') => {
  const ip = v6 ? Fmt.ipv6 : Fmt.ipv4;
  const dst = Type.String({ ...ip, description: 'tunnel destination' });
  const id = U64('tunnel id');
  return Obj(
    v6
      ? {
          type: Type.Literal('ip6'),
          id: need === 'id' ? id : Opt(id),
          dst: need === 'dst' ? dst : Opt(dst),
          src: Opt(Type.String({ ...ip })),
          tc: Opt(U8('traffic class')),
          hoplimit: Opt(U8('hop limit')),
          flags: Opt(Type.Integer({ minimum: 0, maximum: 65535 })),
        }
      : {
          type: Type.Literal('ip'),
          id: need === 'id' ? id : Opt(id),
          dst: need === 'dst' ? dst : Opt(dst),
          src: Opt(Type.String({ ...ip })),
          tos: Opt(U8('TOS / dsfield')),
          ttl: Opt(U8('TTL')),
          flags: Opt(Type.Integer({ minimum: 0, maximum: 65535 })),
        },
    { description: `encap ${v6 ? 'ip6' : 'ip'}: needs dst or id` },
  );
};
export const Encap = typed<Encap>(Type.Union(
  [
    encapIp(false, 'dst'),
    encapIp(false, 'id'),
    encapIp(true, 'dst'),
    encapIp(true, 'id'),
    Obj({ type: Type.Literal('mpls'), labels: Type.String({ pattern: '^[0-9]{1,7}(/[0-9]{1,7}){0,7}$', description: 'label stack L1/L2/...' }) }),
    Obj({ type: Type.Literal('ila'), locator: Type.String({ pattern: '^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3}$', description: '64-bit locator' }) }),
  ],
  { description: 'lightweight tunnel encapsulation (encap ip|ip6|mpls|ila ...)' },
));
export type Encap =
  | { type: 'ip'; id?: number; dst?: string; src?: string; tos?: number; ttl?: number; flags?: number }
  | { type: 'ip6'; id?: number; dst?: string; src?: string; tc?: number; hoplimit?: number; flags?: number }
  | { type: 'mpls'; labels: string }
  | { type: 'ila'; locator: string };

function nexthop(family: 4 | 6) {
  const props: Record<string, TSchema> = {
    via: Opt(Type.String({ ...(family === 4 ? Fmt.ipv4 : Fmt.ipv6), description: 'gateway' })),
    dev: Opt(IfName),
    weight: Opt(Type.Integer({ minimum: 1, maximum: 256, description: 'relative weight of this hop' })),
    onlink: Opt(Flag('the gateway is on-link')),
    encap: Opt(Encap),
  };
  if (family === 4) props.realms = Opt(Realms);
  return Obj(props, { description: 'one hop of a multipath route' });
}
export interface Nexthop {
  via?: string;
  dev?: string;
  weight?: number;
  onlink?: true;
  encap?: Encap;
  realms?: string;
}

function routeProps(kind: 'virtual' | 'static', family: 4 | 6) {
  const v4 = family === 4;
  const ip = v4 ? Fmt.ipv4 : Fmt.ipv6;
  const props: Record<string, TSchema> = {};
  if (!v4) props.inet6 = Opt(Flag("keyword 'inet6': the route is IPv6 (needed for 'default' without other IPv6 addresses)"));
  props.type = Opt(RouteType);
  props.to = Type.Union([Type.Literal('default'), v4 ? Cidr4 : Cidr6], { description: "destination: address[/prefix] or 'default'" });
  props.src = Opt(Type.String({ ...ip, description: 'preferred source address' }));
  if (!v4) props.from = Opt(Cidr6);
  props.via = Opt(Type.String({ ...ip, description: 'gateway (keepalived also reads the deprecated gw)' }));
  Object.assign(props, {
    dev: Opt(IfName),
    tos: Opt(NumOrName(255, 'TOS / dsfield')),
    table: Opt(NumOrName(4294967295, 'routing table (default main)')),
    protocol: Opt(NumOrName(255, 'route protocol (keepalived uses 18 for tracked routes)')),
    scope: Opt(AddressScope),
    metric: Opt(U32('metric (also read as priority / preference)')),
    onlink: Opt(Flag('the gateway is on-link')),
    encap: Opt(Encap),
  });
  if (!v4) props.expires = Opt(U32('lifetime in seconds'));
  Object.assign(props, {
    mtu: Opt(Locked(U32('bytes'), 'path MTU')),
    hoplimit: Opt(U8('hop limit')),
    advmss: Opt(Locked(U32('bytes'), 'advertised MSS')),
    rtt: Opt(RttTime('initial RTT estimate')),
    rttvar: Opt(RttTime('initial RTT variance')),
    reordering: Opt(Locked(U32('packets'), 'reordering')),
    window: Opt(U32('TCP window clamp')),
    cwnd: Opt(Locked(U32('packets'), 'congestion window clamp')),
    ssthresh: Opt(Locked(U32('packets'), 'slow start threshold')),
  });
  if (v4) props.realms = Opt(Realms);
  Object.assign(props, {
    rto_min: Opt(RttTime('minimum TCP retransmission timeout')),
    initcwnd: Opt(U32('initial congestion window')),
    initrwnd: Opt(U32('initial receive window')),
    features: Opt(Type.Literal('ecn', { description: 'features ecn' })),
    quickack: Opt(Type.Boolean({ description: 'quickack 0|1' })),
    congctl: Opt(Locked(Word('congestion control algorithm'), 'congestion control algorithm')),
  });
  if (!v4) {
    props.pref = Opt(
      Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), U8('preference')], { description: 'IPv6 router preference' }),
    );
  }
  Object.assign(props, {
    ttl_propagate: Opt(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')], { description: "keyword 'ttl-propagate' (MPLS)" })),
    fastopen_no_cookie: Opt(Type.Boolean({ description: 'fastopen_no_cookie 0|1' })),
    append: Opt(Flag("add after matching routes ('ip route append') instead of before")),
    nexthops: Opt(Type.Array(nexthop(family), { minItems: 1, description: "multipath: 'nexthop ...' groups (the deprecated 'or' makes two)" })),
    no_track: Opt(Flag('do not leave MASTER if the route is deleted')),
  });
  if (kind === 'static') props.track_group = Opt(Word('track_group whose instances go to FAULT if the route is lost'));
  return props;
}

/** One route family at a time, so a generated route never mixes IPv4 and IPv6 addresses. */
function route(kind: 'virtual' | 'static') {
  return Type.Union([Obj(routeProps(kind, 4), { description: 'IPv4 route' }), Obj(routeProps(kind, 6), { description: 'IPv6 route' })], {
    description: `${kind === 'static' ? 'static_routes' : 'virtual_routes'} entry, the 'ip route add' grammar`,
  });
}
export const VirtualRoute = typed<VirtualRoute>(route('virtual'));
export const StaticRoute = typed<StaticRoute>(route('static'));

type Locked<T> = { value: T; lock?: true };
export interface VirtualRoute {
  inet6?: true;
  type?: (typeof ROUTE_TYPES)[number];
  to: 'default' | Cidr;
  src?: string;
  from?: Cidr;
  via?: string;
  dev?: string;
  tos?: number | string;
  table?: number | string;
  protocol?: number | string;
  scope?: number | string;
  metric?: number;
  onlink?: true;
  encap?: Encap;
  expires?: number;
  mtu?: Locked<number>;
  hoplimit?: number;
  advmss?: Locked<number>;
  rtt?: Locked<string>;
  rttvar?: Locked<string>;
  reordering?: Locked<number>;
  window?: number;
  cwnd?: Locked<number>;
  ssthresh?: Locked<number>;
  realms?: string;
  rto_min?: Locked<string>;
  initcwnd?: number;
  initrwnd?: number;
  features?: 'ecn';
  quickack?: boolean;
  congctl?: Locked<string>;
  pref?: 'low' | 'medium' | 'high' | number;
  ttl_propagate?: 'enabled' | 'disabled';
  fastopen_no_cookie?: boolean;
  append?: true;
  nexthops?: Nexthop[];
  no_track?: true;
}
export interface StaticRoute extends VirtualRoute {
  track_group?: string;
}

// ---- rules ----

export const RULE_ACTIONS = ['nop', 'blackhole', 'unreachable', 'prohibit'] as const;
const PortRange = Obj(
  {
    start: Type.Integer({ minimum: 0, maximum: 65535 }),
    end: Type.Integer({ minimum: 0, maximum: 65535 }),
  },
  { description: 'START-END (keepalived needs both; a single port P is P-P)' },
);

function ruleProps(kind: 'virtual' | 'static', family: 4 | 6) {
  const cidr = family === 4 ? Cidr4 : Cidr6;
  const sel = Type.Union([Type.Literal('all'), cidr], { description: "address[/prefix] or 'all'" });
  const props: Record<string, TSchema> = {
    ...(family === 6 ? { inet6: Opt(Flag("keyword 'inet6': the rule is IPv6")) } : {}),
    not: Opt(Flag('invert the selector')),
    from: Opt(sel),
    to: Opt(sel),
    iif: Opt(IfName),
    oif: Opt(IfName),
    tos: Opt(NumOrName(255, 'TOS / dsfield')),
    fwmark: Opt(Obj({ mark: U32('firewall mark'), mask: Opt(U32('mask')) })),
    uidrange: Opt(Obj({ start: U32('first uid'), end: U32('last uid') })),
    l3mdev: Opt(Flag('look up the table of the L3 master device')),
    protocol: Opt(U8('rule protocol (keepalived uses 18 for tracked rules)')),
    ipproto: Opt(NumOrName(255, 'IP protocol number or name (tcp, udp, ...)')),
    sport: Opt(PortRange),
    dport: Opt(PortRange),
    tunnel_id: Opt(U64("keyword 'tunnel-id'")),
    preference: Opt(U32('rule priority (also read as order / priority); keepalived assigns one from 16384 down when missing')),
    table: Opt(NumOrName(4294967295, "routing table to look up (also read as 'lookup'; not 0)", 1)),
    goto: Opt(U32('jump to the rule with this preference')),
    action: Opt(Type.Union(RULE_ACTIONS.map((a) => Type.Literal(a)), { description: "action instead of a table (also read after 'type')" })),
    suppress_prefixlength: Opt(Type.Integer({ minimum: 0, maximum: 2147483647, description: "also read as 'sup_pl'" })),
    suppress_ifgroup: Opt(NumOrName(4294967295, "also read as 'sup_group'")),
    no_track: Opt(Flag('do not leave MASTER if the rule is deleted')),
  };
  if (family === 4) props.realms = Opt(Realms);
  if (kind === 'static') props.track_group = Opt(Word('track_group whose instances go to FAULT if the rule is lost'));
  return props;
}
function rule(kind: 'virtual' | 'static') {
  // A rule needs at least one word; keepalived then needs exactly one action (checked by validation).
  return Type.Union([Obj(ruleProps(kind, 4), { description: 'IPv4 rule', minProperties: 1 }), Obj(ruleProps(kind, 6), { description: 'IPv6 rule', minProperties: 1 })], {
    description: `${kind === 'static' ? 'static_rules' : 'virtual_rules'} entry, the 'ip rule add' grammar`,
  });
}
export const VirtualRule = typed<VirtualRule>(rule('virtual'));
export const StaticRule = typed<StaticRule>(rule('static'));
export interface VirtualRule {
  inet6?: true;
  not?: true;
  from?: 'all' | Cidr;
  to?: 'all' | Cidr;
  iif?: string;
  oif?: string;
  tos?: number | string;
  fwmark?: { mark: number; mask?: number };
  uidrange?: { start: number; end: number };
  l3mdev?: true;
  protocol?: number;
  ipproto?: number | string;
  sport?: { start: number; end: number };
  dport?: { start: number; end: number };
  tunnel_id?: number;
  preference?: number;
  table?: number | string;
  goto?: number;
  action?: (typeof RULE_ACTIONS)[number];
  realms?: string;
  suppress_prefixlength?: number;
  suppress_ifgroup?: number | string;
  no_track?: true;
}
export interface StaticRule extends VirtualRule {
  track_group?: string;
}
