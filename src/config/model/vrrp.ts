// Config model (pure): VRRP sections (vrrp_script, vrrp_track_file, vrrp_sync_group, vrrp_instance,
// static_ipaddress / static_routes / static_rules and their track_group blocks).
// Every keyword field holds what the operator wrote (unset = undefined); keepalived's defaults are
// in the descriptions and applied by resolve-vrrp.ts.
import { Type, type Static } from '@sinclair/typebox';
import { Command, Fmt, IfName, Obj, Opt } from './common.js';
import { Cidr, StaticIp, StaticRoute, StaticRule, VirtualIp, VirtualRoute, VirtualRule } from './vrrp-ip.js';

const Name = (description: string) => Type.String({ ...Fmt.word, minLength: 1, description });
const Flag = (description: string) => Type.Literal(true, { description });
/**
 * Free text keepalived.conf can hold in double quotes: no quote, no line break, no trailing
 * backslash, and not a lone brace (keepalived closes a block on a quoted "}").
 */
export const TEXT_PATTERN = '^([^"\\n\\r\\\\{}]|[^"\\n\\r][^"\\n\\r]*[^"\\n\\r\\\\])$';
const Text = (description: string, maxLength?: number) =>
  Type.String({ minLength: 1, pattern: TEXT_PATTERN, ...(maxLength !== undefined ? { maxLength } : {}), description });

/** Tracking weights: keepalived.conf(5) ranges. */
export const WEIGHT_MAX = 253;
export const FILE_WEIGHT_MAX = 254;

/** `reverse` is only written after a weight (`NAME weight W reverse`). */
const reverseNeedsWeight = { dependentRequired: { reverse: ['weight'] } };

function trackRef(what: string, nameSchema: ReturnType<typeof Name> | typeof IfName, max: number, noreverse: boolean) {
  return Obj(
    {
      name: nameSchema,
      weight: Opt(Type.Integer({ minimum: -max, maximum: max, description: `priority adjustment; 0 = go to FAULT when down` })),
      // track_interface has no 'noreverse' keyword, so only `true` can be written there.
      reverse: Opt(noreverse ? Type.Boolean({ description: 'reverse the direction of the adjustment (noreverse = false)' }) : Flag('reverse the direction of the adjustment')),
    },
    { description: `${what} entry: NAME [weight W [reverse${noreverse ? '|noreverse' : ''}]]`, ...reverseNeedsWeight },
  );
}
export const TrackInterface = trackRef('track_interface', IfName, WEIGHT_MAX, false);
export type TrackInterface = Static<typeof TrackInterface>;
export const TrackScriptRef = trackRef('track_script', Name('vrrp_script name'), WEIGHT_MAX, true);
export type TrackScriptRef = Static<typeof TrackScriptRef>;
export const TrackFileRef = trackRef('track_file', Name('vrrp_track_file name'), FILE_WEIGHT_MAX, true);
export type TrackFileRef = Static<typeof TrackFileRef>;
export const TrackProcessRef = trackRef('track_process', Name('vrrp_track_process name'), FILE_WEIGHT_MAX, true);
export type TrackProcessRef = Static<typeof TrackProcessRef>;
export const TrackBfdRef = trackRef('track_bfd', Name('bfd_instance name'), WEIGHT_MAX, true);
export type TrackBfdRef = Static<typeof TrackBfdRef>;

export const VrrpScript = Obj(
  {
    name: Name('script name, referenced by track_script'),
    script: Opt(Text('command line; the first word is the program (keepalived: "No script set ... removing" when missing)')),
    interval: Opt(Type.Integer({ minimum: 0, maximum: 4294, default: 1, description: 'seconds between runs (default 1; 0 is read as 1)' })),
    timeout: Opt(Type.Integer({ minimum: 0, maximum: 4294, description: 'seconds before a run counts as failed (default: interval; 0 is read as 1)' })),
    weight: Opt(Type.Integer({ minimum: -WEIGHT_MAX, maximum: WEIGHT_MAX, default: 0, description: 'default tracking weight (default 0: FAULT when failing)' })),
    reverse: Opt(Flag("'weight W reverse': adjust in the other direction")),
    rise: Opt(Type.Integer({ minimum: 1, maximum: 2147483647, default: 1, description: 'successes needed to become OK (default 1)' })),
    fall: Opt(Type.Integer({ minimum: 1, maximum: 2147483647, default: 1, description: 'failures needed to become KO (default 1)' })),
    user: Opt(Name('run as this user (default: script_user)')),
    group: Opt(Name("run with this group (default: the user's group)")),
    init_fail: Opt(Flag('start in the failed state')),
  },
  { description: 'vrrp_script: a command run periodically whose exit status instances track', dependentRequired: { reverse: ['weight'], group: ['user'] } },
);
export type VrrpScript = Static<typeof VrrpScript>;

export const TrackFile = Obj(
  {
    name: Name('track file name, referenced by track_file'),
    file: Opt(Type.String({ ...Fmt.path, description: 'file holding a number' })),
    weight: Opt(Type.Integer({ minimum: -FILE_WEIGHT_MAX, maximum: FILE_WEIGHT_MAX, default: 1, description: 'multiplier of the value read (default 1; 0 = any non-zero value is a failure)' })),
    reverse: Opt(Flag("'weight W reverse'")),
    init_file: Opt(
      Obj(
        {
          value: Opt(Type.Integer({ minimum: -2147483648, maximum: 2147483647, default: 0, description: 'value written (default 0)' })),
          overwrite: Opt(Flag('overwrite an existing file')),
        },
        { description: 'init_file [VALUE] [overwrite]: create the file at start if missing' },
      ),
    ),
  },
  { description: 'vrrp_track_file / track_file: a file whose numeric content adjusts priority', ...reverseNeedsWeight },
);
export type TrackFile = Static<typeof TrackFile>;

export const SyncGroup = Obj(
  {
    name: Name('sync group name'),
    group: Opt(Type.Array(Name('vrrp_instance name'), { description: 'member instances' })),
    track_interface: Opt(Type.Array(TrackInterface)),
    track_script: Opt(Type.Array(TrackScriptRef)),
    track_file: Opt(Type.Array(TrackFileRef)),
    track_process: Opt(Type.Array(TrackProcessRef)),
    track_bfd: Opt(Type.Array(TrackBfdRef)),
    notify_master: Opt(Command),
    notify_backup: Opt(Command),
    notify_fault: Opt(Command),
    notify_stop: Opt(Command),
    notify: Opt(Command),
    notify_priority_changes: Opt(Type.Boolean({ description: 'send priority changes to the notify FIFOs' })),
    smtp_alert: Opt(Type.Boolean({ description: 'mail on transitions (default: global smtp_alert_vrrp / smtp_alert)' })),
    global_tracking: Opt(Flag('deprecated: same as sync_group_tracking_weight')),
    sync_group_tracking_weight: Opt(Flag("keep members' tracking weights (keepalived otherwise zeroes them)")),
  },
  { description: 'vrrp_sync_group: instances that change state together' },
);
export type SyncGroup = Static<typeof SyncGroup>;

const SECRET = { 'x-secret': true } as const;

export const Authentication = Obj(
  {
    auth_type: Opt(Type.Union([Type.Literal('PASS'), Type.Literal('AH')], { description: 'PASS (simple password) or AH (IPsec AH)' })),
    auth_pass: Opt(Type.String({ minLength: 1, maxLength: 8, pattern: TEXT_PATTERN, description: 'password; keepalived uses the first 8 characters', ...SECRET })),
  },
  { description: 'VRRPv2 authentication (removed from the RFC; v3 ignores it)' },
);

export const UnicastPeer = Obj(
  {
    address: Type.String({ ...Fmt.ip, description: 'peer address' }),
    min_ttl: Opt(Type.Integer({ minimum: 0, maximum: 255, description: 'drop adverts with a lower TTL (turns on check_unicast_src)' })),
    max_ttl: Opt(Type.Integer({ minimum: 0, maximum: 255, description: 'drop adverts with a higher TTL (turns on check_unicast_src)' })),
  },
  { description: 'unicast_peer entry: <IPADDR> [min_ttl N] [max_ttl N]' },
);
export type UnicastPeer = Static<typeof UnicastPeer>;

/** garp_extra_if / vrrp_garp_extra_if: [all] SECONDS (the global keyword starts at 1, the instance one at 0). */
export const garpExtraIf = (min: 0 | 1) =>
  Obj(
    {
      interval: Type.Integer({ minimum: min, maximum: 86400, description: `seconds between GARP/NA on extra interfaces${min === 0 ? ' (0 disables)' : ''}` }),
      all: Opt(Flag('send on every interface of the instance, not only VMACs')),
    },
    { description: 'periodic GARP/NA on the interfaces of VIPs not on the instance interface' },
  );
export const GarpExtraIf = garpExtraIf(0);

const Seconds = (description: string, max = 4294) => Type.Integer({ minimum: 0, maximum: max, description: `${description} (seconds)` });
const Count = (description: string, max = 4294967295) => Type.Integer({ minimum: 0, maximum: max, description });

export const VrrpInstance = Obj(
  {
    name: Name('instance name'),
    state: Opt(Type.Union([Type.Literal('MASTER'), Type.Literal('BACKUP')], { description: 'initial state (default: MASTER if priority 255, else BACKUP)' })),
    interface: Opt(IfName),
    vrf: Opt(IfName),
    use_vmac: Opt(
      Obj(
        {
          name: Opt(Type.String({ ...Fmt.ifname, maxLength: 15, description: 'VMAC interface name (default vrrp.VRID)' })),
          mac: Opt(Type.String({ pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){4,5}$', description: 'MAC address (5 octets: the VRID is the 6th)' })),
        },
        { description: 'use a VRRP virtual MAC (macvlan) interface' },
      ),
    ),
    use_vmac_addr: Opt(Flag('VMACs for VIPs on other interfaces too')),
    vmac_xmit_base: Opt(Flag('send and receive adverts on the base interface, not the VMAC')),
    use_ipvlan: Opt(
      Obj(
        {
          name: Opt(Type.String({ ...Fmt.ifname, maxLength: 15, description: 'ipvlan interface name' })),
          address: Opt(Cidr),
          mode: Opt(Type.Union([Type.Literal('bridge'), Type.Literal('private'), Type.Literal('vepa')], { description: 'ipvlan mode flag (default bridge)' })),
        },
        { description: 'use an L2 ipvlan interface (address required for IPv4)' },
      ),
    ),
    native_ipv6: Opt(Flag('deprecated: force IPv6 (the addresses decide the family)')),
    dont_track_primary: Opt(Flag('ignore faults of the instance interface')),
    track_interface: Opt(Type.Array(TrackInterface)),
    track_script: Opt(Type.Array(TrackScriptRef)),
    track_file: Opt(Type.Array(TrackFileRef)),
    track_process: Opt(Type.Array(TrackProcessRef)),
    track_bfd: Opt(Type.Array(TrackBfdRef)),
    mcast_src_ip: Opt(Type.String({ ...Fmt.ip, description: 'source address of adverts (default: primary address of the interface)' })),
    unicast_src_ip: Opt(Type.String({ ...Fmt.ip, description: 'source address of unicast adverts' })),
    mcast_dst_ip: Opt(Type.String({ ...Fmt.ip, description: 'multicast group for this instance (default: global vrrp_mcast_group4/6)' })),
    track_src_ip: Opt(Flag('go to FAULT if the configured source address disappears')),
    version: Opt(Type.Union([Type.Literal(2), Type.Literal(3)], { description: 'VRRP version (default: global vrrp_version, 3 for IPv6)' })),
    check_unicast_src: Opt(Flag('accept unicast adverts only from the unicast peers')),
    unicast_peer: Opt(Type.Array(UnicastPeer, { description: 'send adverts by unicast to these peers instead of multicast' })),
    unicast_fault_no_peer: Opt(Flag('FAULT instead of multicast when unicast has no peers')),
    unicast_ttl: Opt(Type.Integer({ minimum: 0, maximum: 255, description: 'TTL / hop limit of unicast adverts' })),
    old_unicast_checksum: Opt(Type.Union([Type.Literal(true), Type.Literal('never')], { description: 'pre-1.3.6 VRRPv3 unicast checksum; never = no auto-detection' })),
    v3_checksum_as_v2: Opt(Type.Boolean({ description: 'VRRPv3 over IPv4: checksum without the pseudo-header (keepalived > 2.2.7)' })),
    garp_master_delay: Opt(Seconds('second GARP burst after becoming MASTER (default: global vrrp_garp_master_delay, 5)')),
    garp_master_repeat: Opt(Count('GARPs per burst (default: global, 5; 0 is read as 1)')),
    garp_lower_prio_delay: Opt(Seconds('GARP burst delay after a lower-priority advert (default: global)')),
    garp_lower_prio_repeat: Opt(Count('GARPs after a lower-priority advert (default: global)', 2147483647)),
    garp_master_refresh: Opt(Count('seconds between GARP refreshes as MASTER (default: global, 0 = none)')),
    garp_master_refresh_repeat: Opt(Count('GARPs per refresh (default: global, 1; 0 is read as 1)')),
    garp_extra_if: Opt(GarpExtraIf),
    down_timer_adverts: Opt(Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'master down timer in advert intervals (default 3, RFC value)' })),
    lower_prio_no_advert: Opt(Type.Boolean({ description: 'no advert in reply to a lower-priority advert (default: global)' })),
    higher_prio_send_advert: Opt(Type.Boolean({ description: 'send an advert before yielding to a higher priority (default: global)' })),
    virtual_router_id: Opt(Type.Integer({ minimum: 1, maximum: 255, description: 'VRID (required)' })),
    priority: Opt(Type.Integer({ minimum: 1, maximum: 255, description: 'priority (default 100; 255 = address owner)' })),
    advert_int: Opt(
      Type.Number({ minimum: 0.01, maximum: 255, description: 'advert interval (seconds, default 1): whole seconds for v2, 0.01 steps up to 40.95 for v3' }),
    ),
    authentication: Opt(Authentication),
    virtual_ipaddress: Opt(Type.Array(VirtualIp, { description: 'VIPs carried in adverts' })),
    virtual_ipaddress_excluded: Opt(Type.Array(VirtualIp, { description: 'VIPs not carried in adverts (any family)' })),
    promote_secondaries: Opt(Flag('set promote_secondaries on the interface')),
    virtual_routes: Opt(Type.Array(VirtualRoute)),
    virtual_rules: Opt(Type.Array(VirtualRule)),
    accept: Opt(Type.Boolean({ description: 'accept packets to VIPs when not address owner (accept / no_accept; default: on unless strict)' })),
    nopreempt: Opt(Type.Boolean({ description: 'nopreempt (true) / preempt (false): default preempt' })),
    preempt_delay: Opt(Type.Number({ minimum: 0, maximum: 1000, description: 'delay before preempting (seconds, default 0)' })),
    skip_check_adv_addr: Opt(Type.Boolean({ description: 'skip checking the addresses of adverts from the same master (default: global)' })),
    strict_mode: Opt(Type.Boolean({ description: 'strict RFC compliance (default: global vrrp_strict)' })),
    debug: Opt(Type.Integer({ minimum: 0, maximum: 4, description: 'debug level' })),
    notify_master: Opt(Command),
    notify_backup: Opt(Command),
    notify_fault: Opt(Command),
    notify_stop: Opt(Command),
    notify_deleted: Opt(Type.Union([Type.Literal(true), Command], { description: 'send DELETED (not FAULT) when removed by a reload; optionally run a script' })),
    notify: Opt(Command),
    notify_master_rx_lower_pri: Opt(Command),
    notify_priority_changes: Opt(Type.Boolean({ description: 'send priority changes to the notify FIFOs (default: global)' })),
    smtp_alert: Opt(Type.Boolean({ description: 'mail on transitions (default: global smtp_alert_vrrp / smtp_alert)' })),
    kernel_rx_buf_size: Opt(Count('socket receive buffer (bytes)')),
    linkbeat_use_polling: Opt(Flag('deprecated: poll the link state of the interface')),
    lvs_sync_daemon_interface: Opt(IfName),
  },
  { description: 'vrrp_instance: one virtual router' },
);
export type VrrpInstance = Static<typeof VrrpInstance>;

export const TrackGroup = Obj(
  {
    name: Name('track group name'),
    group: Opt(Type.Array(Name('vrrp_instance name'), { description: 'instances that go to FAULT when a tracked static item is lost' })),
  },
  { description: 'track_group: instances tracking static addresses/routes/rules' },
);
export type TrackGroup = Static<typeof TrackGroup>;

/** static_ipaddress / static_routes / static_rules: configured at start, never moved by VRRP. */
export const StaticConfig = Obj(
  {
    track_group: Opt(Type.Array(TrackGroup, { minItems: 1, description: 'track_group blocks (defined before use)' })),
    static_ipaddress: Opt(Type.Array(StaticIp)),
    static_routes: Opt(Type.Array(StaticRoute)),
    static_rules: Opt(Type.Array(StaticRule)),
  },
  { description: 'static_ipaddress, static_routes, static_rules and their track_group blocks', minProperties: 1 },
);
export type StaticConfig = Static<typeof StaticConfig>;
