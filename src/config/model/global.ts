// Config model (pure): global_defs. Fields are keepalived's keyword names; unset = keepalived's
// default (in the description), applied by resolve-vrrp.ts.
import { Type, type Static } from '@sinclair/typebox';
import { Command, Fmt, IfName, Obj, Opt } from './common.js';
import { garpExtraIf, TEXT_PATTERN } from './vrrp.js';

const Flag = (description: string) => Type.Literal(true, { description });
const Word = (description: string) => Type.String({ ...Fmt.word, minLength: 1, description });
const Text = (description: string) => Type.String({ minLength: 1, pattern: TEXT_PATTERN, description });
const UINT_MAX = 4294967295;
/** keepalived TIMER keywords read whole seconds up to UINT_MAX / TIMER_HZ. */
const TIMER_SECS_MAX = 4294;
const Secs = (description: string) => Type.Integer({ minimum: 0, maximum: TIMER_SECS_MAX, description: `${description} (seconds)` });
/** LVS_MAX_TIMEOUT: 31 days. */
const LVS_MAX_TIMEOUT = 86400 * 31;
const NicePriority = (description: string) => Type.Integer({ minimum: -20, maximum: 19, description });
const RtPriority = (description: string) => Type.Integer({ minimum: 1, maximum: 99, description });
const CpuList = (description: string) => Type.Array(Type.Integer({ minimum: 0, maximum: 4095 }), { minItems: 1, description });
const RtLimit = (description: string) => Type.Integer({ minimum: 1, maximum: UINT_MAX, description });
/** A FIFO and the user/group that owns it (keepalived: FIFO_NAME [username [groupname]]). */
const Fifo = (description: string) =>
  Obj(
    {
      name: Type.String({ ...Fmt.path, pattern: TEXT_PATTERN, description: 'FIFO path' }),
      user: Opt(Word('owner (default: script_user)')),
      group: Opt(Word("group (default: the user's group)")),
    },
    { description, dependentRequired: { group: ['user'] } },
  );
const Bufs = (description: string) => Type.Integer({ minimum: 0, maximum: UINT_MAX, description: `${description} (bytes)` });
const Force = (description: string) => Type.Boolean({ description });

export const LvsSyncDaemon = Obj(
  {
    interface: Type.String({ ...Fmt.ifname, maxLength: 15, description: 'interface the sync daemon binds' }),
    instance: Opt(Word('vrrp_instance whose state selects master/backup daemon (default: run both)')),
    id: Opt(Type.Integer({ minimum: 0, maximum: 255, description: 'sync id (default: the VRID of the instance, else 0)' })),
    maxlen: Opt(Type.Integer({ minimum: 1, maximum: 65507, description: 'maximum sync packet length' })),
    port: Opt(Type.Integer({ minimum: 1, maximum: 65535, default: 8848, description: 'UDP port (default 8848)' })),
    ttl: Opt(Type.Integer({ minimum: 1, maximum: 255, description: 'multicast TTL' })),
    group: Opt(Type.String({ ...Fmt.ip, description: 'multicast group (default 224.0.0.81)' })),
  },
  { description: 'lvs_sync_daemon <INTERFACE> [[inst] <VRRP_INSTANCE>] [id N] [maxlen N] [port N] [ttl N] [group ADDR]' },
);

export const LvsTimeouts = Obj(
  {
    tcp: Opt(Type.Integer({ minimum: 0, maximum: LVS_MAX_TIMEOUT, description: 'TCP timeout (seconds)' })),
    tcpfin: Opt(Type.Integer({ minimum: 0, maximum: LVS_MAX_TIMEOUT, description: 'TCP FIN_WAIT timeout (seconds)' })),
    udp: Opt(Type.Integer({ minimum: 0, maximum: LVS_MAX_TIMEOUT, description: 'UDP timeout (seconds)' })),
  },
  { description: 'IPVS connection timeouts; unset ones are left as they are', minProperties: 1 },
);

export const GlobalDefs = Obj(
  {
    router_id: Opt(Text('identifies this node in notifications (default: hostname)')),
    notification_email: Opt(Type.Array(Word('address'), { description: 'addresses alerts are mailed to' })),
    notification_email_from: Opt(Text('From: address (default keepalived@<hostname>)')),
    smtp_server: Opt(
      Obj(
        {
          host: Type.Union([Type.String({ ...Fmt.ip }), Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,62}$' })], {
            description: 'IP address or host name',
          }),
          port: Opt(Type.Integer({ minimum: 1, maximum: 65535, default: 25, description: 'port (default 25)' })),
        },
        { description: 'SMTP relay for alerts' },
      ),
    ),
    smtp_helo_name: Opt(Word('HELO name (default: hostname)')),
    smtp_connect_timeout: Opt(Secs('SMTP connection timeout, 0 is read as 1')),
    smtp_alert: Opt(Type.Boolean({ description: 'default for every smtp_alert' })),
    smtp_alert_vrrp: Opt(Type.Boolean({ description: 'default smtp_alert of instances and sync groups' })),
    smtp_alert_checker: Opt(Type.Boolean({ description: 'default smtp_alert of checkers' })),
    checker_log_all_failures: Opt(Type.Boolean({ description: 'log every failed check, not only state changes' })),
    no_email_faults: Opt(Flag('no mail for FAULT transitions')),
    startup_script: Opt(Command),
    startup_script_timeout: Opt(Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'seconds (default 10)' })),
    shutdown_script: Opt(Command),
    shutdown_script_timeout: Opt(Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'seconds (default 10)' })),
    vrrp_mcast_group4: Opt(Type.String({ ...Fmt.ipv4, default: '224.0.0.18', description: 'IPv4 advert group (default 224.0.0.18)' })),
    vrrp_mcast_group6: Opt(Type.String({ ...Fmt.ipv6, default: 'ff02::12', description: 'IPv6 advert group (default ff02::12)' })),
    default_interface: Opt(IfName),
    lvs_sync_daemon: Opt(LvsSyncDaemon),
    lvs_timeouts: Opt(LvsTimeouts),
    lvs_flush: Opt(Flag('flush the IPVS tables at start')),
    lvsd_ipvs_program: Opt(
      Type.Union([Type.Literal('follow_vrrp'), Type.Literal('always')], {
        description:
          'lvsd only: follow_vrrp (default) programs the virtual servers of a VIP only while this director holds it; always programs every virtual server on every director, as keepalived does',
      }),
    ),
    lvs_flush_on_stop: Opt(Type.Union([Type.Literal('full'), Type.Literal('VS')], { description: 'flush at stop: full, or VS (virtual servers only)' })),
    vrrp_garp_master_delay: Opt(Secs('second GARP burst after becoming MASTER, 0 = none (default 5)')),
    vrrp_garp_master_repeat: Opt(Type.Integer({ minimum: 0, maximum: UINT_MAX, default: 5, description: 'GARPs per burst (default 5; 0 is read as 1)' })),
    vrrp_garp_master_refresh: Opt(Type.Integer({ minimum: 0, maximum: UINT_MAX, default: 0, description: 'seconds between GARP refreshes as MASTER (default 0 = none)' })),
    vrrp_garp_master_refresh_repeat: Opt(Type.Integer({ minimum: 0, maximum: UINT_MAX, default: 1, description: 'GARPs per refresh (default 1; 0 is read as 1)' })),
    vrrp_garp_lower_prio_delay: Opt(Secs('GARP delay after a lower-priority advert (default: vrrp_garp_master_delay)')),
    vrrp_garp_lower_prio_repeat: Opt(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'GARPs after a lower-priority advert (default: vrrp_garp_master_repeat)' })),
    vrrp_garp_interval: Opt(Type.Number({ minimum: 0, maximum: TIMER_SECS_MAX, default: 0, description: 'delay between GARPs on an interface (seconds, default 0)' })),
    vrrp_gna_interval: Opt(Type.Number({ minimum: 0, maximum: TIMER_SECS_MAX, default: 0, description: 'delay between unsolicited NAs on an interface (seconds, default 0)' })),
    vrrp_min_garp: Opt(Type.Boolean({ description: 'one GARP/NA, no repeat (changes the defaults above)' })),
    vrrp_garp_extra_if: Opt(garpExtraIf(1)),
    vrrp_down_timer_adverts: Opt(Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'default down_timer_adverts (default 3)' })),
    vrrp_lower_prio_no_advert: Opt(Type.Boolean({ description: 'default lower_prio_no_advert (default off, on in strict mode)' })),
    vrrp_higher_prio_send_advert: Opt(Type.Boolean({ description: 'default higher_prio_send_advert (default off)' })),
    vrrp_version: Opt(Type.Union([Type.Literal(2), Type.Literal(3)], { default: 2, description: 'default VRRP version (default 2; IPv6 instances use 3)' })),
    vrrp_check_unicast_src: Opt(Flag('default check_unicast_src')),
    vrrp_skip_check_adv_addr: Opt(Flag('default skip_check_adv_addr')),
    vrrp_strict: Opt(Flag('strict RFC compliance for every instance')),
    nftables: Opt(Type.String({ minLength: 1, maxLength: 255, description: 'nftables table (family inet) that drops traffic to the VIPs of no_accept instances (keyword alone: lvsd)' })),
    nftables_priority: Opt(Type.Integer({ minimum: -2147483648, maximum: 2147483647, description: 'priority of that table\'s input and output chains (default -1)' })),
    nftables_counters: Opt(Flag('a counter in every rule of that table')),
    nftables_ifindex: Opt(Flag('key link-local IPv6 VIPs by interface index (lvsd always does)')),
    vrrp_notify_priority_changes: Opt(Type.Boolean({ description: 'default notify_priority_changes' })),
    script_user: Opt(Obj({ user: Word('user'), group: Opt(Word('group')) }, { description: 'default user/group of scripts (default keepalived_script, else root)' })),
    enable_script_security: Opt(Flag('refuse root scripts writable by non-root users')),
    notify_fifo: Opt(Fifo('FIFO for every notify event')),
    notify_fifo_script: Opt(Command),
    vrrp_notify_fifo: Opt(Fifo('FIFO for VRRP notify events')),
    vrrp_notify_fifo_script: Opt(Command),
    lvs_notify_fifo: Opt(Fifo('FIFO for checker notify events')),
    lvs_notify_fifo_script: Opt(Command),
    fifo_write_vrrp_states_on_reload: Opt(Flag('write instance states to the FIFOs on reload')),
    dynamic_interfaces: Opt(
      Type.Union([Type.Literal(true), Type.Literal('allow_if_changes')], { description: 'allow interfaces that do not exist yet (allow_if_changes: and that change type)' }),
    ),
    rs_init_notifies: Opt(Flag('notify for real servers at start')),
    no_checker_emails: Opt(Flag('mail only when a real server is added or removed')),
    vrrp_startup_delay: Opt(Type.Number({ minimum: 0, maximum: TIMER_SECS_MAX, description: 'delay before instances start (seconds)' })),
    log_unknown_vrids: Opt(Flag('log adverts for VRIDs not configured')),
    vmac_prefix: Opt(Type.String({ ...Fmt.ifname, maxLength: 10, description: 'VMAC name prefix (default vrrp)' })),
    vmac_addr_prefix: Opt(Type.String({ ...Fmt.ifname, maxLength: 10, description: 'prefix of VMACs for VIPs on other interfaces' })),
    // process tuning: read, not applied (lvsd is one process)
    max_auto_priority: Opt(Type.Integer({ minimum: -1, maximum: 99, description: 'highest automatic realtime priority (0 = none, -1 = no warning)' })),
    min_auto_priority_delay: Opt(Type.Integer({ minimum: 1, maximum: 10000000, description: 'microseconds late before raising priority' })),
    vrrp_priority: Opt(NicePriority('nice value of the VRRP process')),
    checker_priority: Opt(NicePriority('nice value of the checker process')),
    bfd_priority: Opt(NicePriority('nice value of the BFD process')),
    vrrp_no_swap: Opt(Flag('lock the VRRP process in memory')),
    checker_no_swap: Opt(Flag('lock the checker process in memory')),
    bfd_no_swap: Opt(Flag('lock the BFD process in memory')),
    vrrp_rt_priority: Opt(RtPriority('realtime priority of the VRRP process')),
    checker_rt_priority: Opt(RtPriority('realtime priority of the checker process')),
    bfd_rt_priority: Opt(RtPriority('realtime priority of the BFD process')),
    vrrp_cpu_affinity: Opt(CpuList('CPUs of the VRRP process')),
    checker_cpu_affinity: Opt(CpuList('CPUs of the checker process')),
    bfd_cpu_affinity: Opt(CpuList('CPUs of the BFD process')),
    vrrp_rlimit_rttime: Opt(RtLimit('RLIMIT_RTTIME of the VRRP process (microseconds)')),
    checker_rlimit_rttime: Opt(RtLimit('RLIMIT_RTTIME of the checker process (microseconds)')),
    bfd_rlimit_rttime: Opt(RtLimit('RLIMIT_RTTIME of the BFD process (microseconds)')),
    vrrp_netlink_cmd_rcv_bufs: Opt(Bufs('netlink command socket receive buffer')),
    vrrp_netlink_cmd_rcv_bufs_force: Opt(Force('use SO_RCVBUFFORCE')),
    vrrp_netlink_monitor_rcv_bufs: Opt(Bufs('netlink monitor socket receive buffer')),
    vrrp_netlink_monitor_rcv_bufs_force: Opt(Force('use SO_RCVBUFFORCE')),
    lvs_netlink_cmd_rcv_bufs: Opt(Bufs('IPVS netlink command socket receive buffer')),
    lvs_netlink_cmd_rcv_bufs_force: Opt(Force('use SO_RCVBUFFORCE')),
    lvs_netlink_monitor_rcv_bufs: Opt(Bufs('IPVS netlink monitor socket receive buffer')),
    lvs_netlink_monitor_rcv_bufs_force: Opt(Force('use SO_RCVBUFFORCE')),
    process_monitor_rcv_bufs: Opt(Bufs('process monitor socket receive buffer')),
    process_monitor_rcv_bufs_force: Opt(Force('use SO_RCVBUFFORCE')),
    vrrp_rx_bufs_policy: Opt(
      Type.Union([Type.Literal('MTU'), Type.Literal('ADVERT'), Type.Integer({ minimum: 0, maximum: UINT_MAX })], {
        description: 'VRRP socket receive buffer: MTU, ADVERT (times the multiplier) or bytes',
      }),
    ),
    vrrp_rx_bufs_multiplier: Opt(Type.Integer({ minimum: 1, maximum: UINT_MAX, default: 3, description: 'multiplier for MTU / ADVERT (default 3)' })),
    umask: Opt(Type.Integer({ minimum: 0, maximum: 0o777, description: 'umask of created files (default 022)' })),
  },
  { description: 'global_defs: settings for the whole node' },
);
export type GlobalDefs = Static<typeof GlobalDefs>;
