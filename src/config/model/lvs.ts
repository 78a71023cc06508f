// Config model (pure): LVS sections (virtual_server_group, virtual_server, real_server), after
// keepalived.conf(5) "LVS CONFIGURATION". Checkers are in check.ts. Unset fields stay undefined;
// defaults and inheritance are applied by resolve-lvs.ts.
import { Type, type Static } from '@sinclair/typebox';
import { Command, Fmt, Obj, Opt } from './common.js';
import { Bool, Checker, Flag, Ip, PortNZ, TIMER_MIN, Timer, U32, U32_MAX, Word, timingProps } from './check.js';

function PortOpt(description: string) {
  return Type.Integer({ minimum: 0, maximum: 65535, description });
}

// ---- forwarding method ----
// `lvs_method NAT|DR|TUN [type {ipip|gue port N|gre}] [nocsum|csum|remcsum]` (keepalived
// check_parser.c svr_forwarding_handler: gue needs a port and only gue takes one; ipip has no
// checksum option; gre has no remcsum). Members that carry a tunnel `type` declare it first.
const TunGue = Obj(
  {
    type: Type.Literal('gue'),
    method: Type.Literal('TUN'),
    port: PortNZ('GUE destination port'),
    csum: Opt(Type.Union([Type.Literal('nocsum'), Type.Literal('csum'), Type.Literal('remcsum')], { description: 'tunnel checksum (default nocsum)' })),
  },
  { description: 'TUN over GUE (Linux 5.2+)' },
);
const TunGre = Obj(
  {
    type: Type.Literal('gre'),
    method: Type.Literal('TUN'),
    csum: Opt(Type.Union([Type.Literal('nocsum'), Type.Literal('csum')], { description: 'tunnel checksum (default nocsum)' })),
  },
  { description: 'TUN over GRE (Linux 5.3+)' },
);
const Nat = Obj({ method: Type.Literal('NAT') }, { description: 'masquerading (the default)' });
const Dr = Obj({ method: Type.Literal('DR') }, { description: 'direct routing' });
const TunIpip = Obj(
  {
    method: Type.Literal('TUN'),
    type: Opt(Type.Literal('ipip', { description: 'IP-in-IP (the default tunnel type)' })),
    csum: Opt(Type.Literal('nocsum')),
  },
  { description: 'IP-in-IP tunnelling' },
);
export const LvsMethod = Type.Union([TunGue, TunGre, Nat, Dr, TunIpip], { description: 'LVS forwarding method' });
export type LvsMethod = Static<typeof LvsMethod>;

// ---- virtual_server_group ----
export const VsgAddress = Obj(
  {
    address: Ip('first (or only) address'),
    last: Opt(Ip('last address of a range, included (written A-B, A-N or A/nn)')),
    port: Opt(PortOpt('virtual port (absent or 0: none; the service must then be persistent)')),
  },
  { description: 'an address or address range of a virtual_server_group' },
);
export type VsgAddress = Static<typeof VsgAddress>;

export const VsgFwmark = Obj(
  {
    fwmark: U32('firewall mark'),
    family: Opt(Type.Union([Type.Literal('inet'), Type.Literal('inet6')], { description: 'address family (only when all real servers are tunnelled)' })),
  },
  { description: 'fwmark <N> [inet|inet6] of a virtual_server_group' },
);
export type VsgFwmark = Static<typeof VsgFwmark>;

export const VirtualServerGroup = Obj(
  {
    name: Type.String({ ...Fmt.word, minLength: 1, description: 'group name, used by virtual_server group <name>' }),
    addresses: Type.Array(VsgAddress, { default: [], description: 'addresses and ranges, in order' }),
    fwmarks: Type.Array(VsgFwmark, { default: [], description: 'firewall marks, in order' }),
  },
  { description: 'virtual_server_group: several virtual services sharing one real-server set' },
);
export type VirtualServerGroup = Static<typeof VirtualServerGroup>;

// ---- real_server ----
export const RealServer = Obj(
  {
    address: Ip('real server address'),
    port: Opt(PortOpt('real server port (absent or 0: the virtual server\'s port)')),
    weight: Opt(Type.Integer({ minimum: 0, maximum: 65535, description: 'IPVS weight (default: the virtual server\'s weight, 1)' })),
    lvs_method: Opt(LvsMethod),
    notify_up: Opt(Command),
    notify_down: Opt(Command),
    uthreshold: Opt(U32('maximum number of connections to the server')),
    lthreshold: Opt(U32('connection count below which the server is used again')),
    smtp_alert: Opt(Bool('send mail on state changes (default on, unless global_defs says otherwise)')),
    virtualhost: Opt(Word('default Host header of its HTTP_GET / SSL_GET checks')),
    alpha: Opt(Bool('start in the failed state until the checkers succeed (default: the virtual server\'s)')),
    retry: Opt(U32('default retry of its checkers', 1)),
    ...timingProps,
    inhibit_on_failure: Opt(Bool('on failure set the weight to 0 instead of removing the server')),
    checkers: Type.Array(Checker, { default: [], description: 'health checkers, in order (all must pass)' }),
  },
  { description: 'real_server: one back end of a virtual server' },
);
export type RealServer = Static<typeof RealServer>;

// ---- virtual_server ----
export const LVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;
export type LvsScheduler = (typeof LVS_SCHEDULERS)[number];
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type LvsProtocol = (typeof PROTOCOLS)[number];
/** IPVS LVS_MAX_TIMEOUT: 31 days. */
export const PERSISTENCE_MAX = 2678400;

export const SorryServer = Obj(
  { address: Ip('sorry server address'), port: Opt(PortOpt('sorry server port (default: the virtual server\'s)')) },
  { description: 'sorry_server <address> [port]' },
);
export type SorryServer = Static<typeof SorryServer>;

const vsOptions = {
  lvs_sched: Opt(Type.Union(LVS_SCHEDULERS.map((s) => Type.Literal(s)), { description: 'IPVS scheduler (default wlc)' })),
  flag_1: Opt(Flag('scheduler flag-1')),
  flag_2: Opt(Flag('scheduler flag-2')),
  flag_3: Opt(Flag('scheduler flag-3')),
  sh_port: Opt(Flag('sh-port: the sh scheduler hashes the source port too')),
  sh_fallback: Opt(Flag('sh-fallback: the sh scheduler falls back to another server')),
  mh_port: Opt(Flag('mh-port: the mh scheduler hashes the source port too')),
  mh_fallback: Opt(Flag('mh-fallback: the mh scheduler falls back to another server')),
  ops: Opt(Flag('one-packet scheduling (UDP only)')),
  lvs_method: Opt(LvsMethod),
  persistence_engine: Opt(Word('persistence engine (sip)')),
  persistence_timeout: Opt(
    Type.Union([Type.Literal(true), Type.Integer({ minimum: 1, maximum: PERSISTENCE_MAX })], {
      description: 'persistence timeout in seconds; true = written without a value (360)',
    }),
  ),
  persistence_granularity: Opt(
    Type.Union([Type.String({ ...Fmt.ipv4 }), Type.Integer({ minimum: 1, maximum: 128 })], {
      description: 'persistence netmask: an IPv4 netmask, or an IPv6 prefix length',
    }),
  ),
  protocol: Opt(Type.Union(PROTOCOLS.map((p) => Type.Literal(p)), { description: 'L4 protocol (default UDP for address services; ignored with fwmark)' })),
  ha_suspend: Opt(Flag('suspend checks while the virtual address is not configured here')),
  smtp_alert: Opt(Bool('send mail on quorum changes (default off)')),
  virtualhost: Opt(Word('default Host header of HTTP_GET / SSL_GET checks')),
  alpha: Opt(Flag('real servers start failed until their checks succeed')),
  omega: Opt(Flag('run quorum_down and notify_down scripts on shutdown')),
  quorum: Opt(U32('minimum total weight of live servers (default 1)', 1)),
  hysteresis: Opt(U32('weight tolerance around the quorum (default 0)')),
  quorum_up: Opt(Command),
  quorum_down: Opt(Command),
  ip_family: Opt(Type.Union([Type.Literal('inet'), Type.Literal('inet6')], { description: 'family of a fwmark service with only tunnelled servers' })),
  sorry_server: Opt(SorryServer),
  sorry_server_inhibit: Opt(Flag('inhibit_on_failure for the sorry server')),
  sorry_server_lvs_method: Opt(LvsMethod),
  retry: Opt(U32('default retry of the checkers', 1)),
  ...timingProps,
  inhibit_on_failure: Opt(Flag('real servers failing get weight 0 instead of being removed')),
  weight: Opt(Type.Integer({ minimum: 1, maximum: 65535, description: 'default weight of the real servers (default 1)' })),
  real_servers: Type.Array(RealServer, { default: [], description: 'real_server blocks, in order' }),
};

const VsByAddress = Obj(
  { address: Ip('virtual address'), port: Opt(PortOpt('virtual port (absent or 0: a persistent all-ports service)')), ...vsOptions },
  { description: 'virtual_server <address> [port]' },
);
const VsByFwmark = Obj({ fwmark: U32('firewall mark'), ...vsOptions }, { description: 'virtual_server fwmark <N>' });
const VsByGroup = Obj({ group: Type.String({ ...Fmt.word, description: 'name of a virtual_server_group' }), ...vsOptions }, { description: 'virtual_server group <name>' });

export const VirtualServer = Type.Union([VsByAddress, VsByFwmark, VsByGroup], { description: 'virtual_server: an IPVS virtual service' });
export type VirtualServer = Static<typeof VirtualServer>;
/** The options every form of virtual_server has (what the keyword table fills). */
const VsOptions = Obj(vsOptions);
export type VirtualServerOptions = Static<typeof VsOptions>;

export { TIMER_MIN, U32_MAX };
