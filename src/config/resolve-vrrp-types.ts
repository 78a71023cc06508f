// Config layer (pure): the types of the resolved VRRP configuration (what src/vrrp/ runs), and the
// constants keepalived resolves with. resolve-vrrp.ts builds them and re-exports everything here.
import type { Command } from './model/common.js';
import type { StaticIp, StaticRoute, StaticRule, VirtualIp } from './model/vrrp-ip.js';
import type { VrrpInstance } from './model/vrrp.js';

export const DEFAULT_MCAST_GROUP4 = '224.0.0.18'; // RFC 5798 §5.1.1.2
export const DEFAULT_MCAST_GROUP6 = 'ff02::12'; // RFC 5798 §5.1.2.2
export const RTPROT_KEEPALIVED = 18;
/** keepalived's RULE_START_PRIORITY: rules without a preference count down from here. */
export const RULE_START_PRIORITY = 16384;

export interface ResolvedGarp {
  /** Seconds before the second GARP/NA burst after becoming MASTER (0 = none). */
  master_delay: number;
  master_repeat: number;
  /** Seconds between refreshes while MASTER (0 = none). */
  master_refresh: number;
  master_refresh_repeat: number;
  lower_prio_delay: number;
  lower_prio_repeat: number;
  /** Seconds between GARPs / unsolicited NAs on one interface. */
  interval: number;
  gna_interval: number;
}

export interface ResolvedVrrpGlobal {
  /** undefined: the host name, looked up at run time. */
  router_id?: string;
  vrrp_mcast_group4: string;
  vrrp_mcast_group6: string;
  vrrp_version: 2 | 3;
  vrrp_strict: boolean;
  garp: ResolvedGarp;
  down_timer_adverts: number;
  lower_prio_no_advert: boolean;
  higher_prio_send_advert: boolean;
  check_unicast_src: boolean;
  skip_check_adv_addr: boolean;
  notify_priority_changes: boolean;
  dynamic_interfaces: boolean;
  /** Interface of static addresses without dev (keepalived DFLT_INT). */
  default_interface: string;
  script_user?: { user: string; group?: string };
  enable_script_security: boolean;
  startup_delay: number;
  /** Name prefix of VMAC interfaces (keepalived vmac_prefix; default "vrrp"). */
  vmac_prefix?: string;
  /** The Accept_Mode firewall (nftables, nftables_priority, nftables_counters). */
  nftables: { table: string; priority: number; counters: boolean };
}

/** A tracked object with the weight keepalived uses (0 = FAULT when down). */
export interface ResolvedTrack {
  name: string;
  weight: number;
  reverse: boolean;
}

export interface ResolvedScript {
  name: string;
  command: string;
  interval: number;
  timeout: number;
  weight: number;
  reverse: boolean;
  rise: number;
  fall: number;
  user?: string;
  group?: string;
  init_fail: boolean;
}

export interface ResolvedTrackFile {
  name: string;
  file: string;
  weight: number;
  reverse: boolean;
  init_file?: { value: number; overwrite: boolean };
}

export interface ResolvedNotify {
  master?: Command;
  backup?: Command;
  fault?: Command;
  stop?: Command;
  /** true: send DELETED without a script. */
  deleted?: Command | true;
  notify?: Command;
  master_rx_lower_pri?: Command;
}

export interface ResolvedRoute extends StaticRoute {
  family: 4 | 6;
  /** Leave MASTER when the route disappears (keepalived: not without dev, not with no_track). */
  track: boolean;
}
export interface ResolvedRule extends StaticRule {
  family: 4 | 6;
  track: boolean;
  preference: number;
}

export interface ResolvedInstance {
  name: string;
  vrid: number;
  interface?: string;
  family: 4 | 6;
  version: 2 | 3;
  /** Initial state. */
  state: 'MASTER' | 'BACKUP';
  priority: number;
  /** priority 255: the address owner (RFC 5798 §3). */
  address_owner: boolean;
  /** Seconds; whole for v2, 0.01 steps for v3 (RFC 5798 §5.2.7: 12-bit centiseconds). */
  advert_int: number;
  preempt: boolean;
  preempt_delay: number;
  accept: boolean;
  strict: boolean;
  /** Destination of multicast adverts. */
  mcast_group: string;
  src_ip?: string;
  unicast_peers: { address: string; min_ttl?: number; max_ttl?: number }[];
  unicast_ttl?: number;
  unicast_fault_no_peer: boolean;
  check_unicast_src: boolean;
  skip_check_adv_addr: boolean;
  auth?: { type: 'PASS' | 'AH'; pass: string };
  vips: VirtualIp[];
  excluded_vips: VirtualIp[];
  routes: ResolvedRoute[];
  rules: ResolvedRule[];
  garp: ResolvedGarp;
  down_timer_adverts: number;
  lower_prio_no_advert: boolean;
  higher_prio_send_advert: boolean;
  track_interfaces: ResolvedTrack[];
  track_scripts: ResolvedTrack[];
  track_files: ResolvedTrack[];
  dont_track_primary: boolean;
  track_src_ip: boolean;
  use_vmac?: { name?: string; mac?: string; xmit_base: boolean; addr: boolean };
  use_ipvlan?: VrrpInstance['use_ipvlan'];
  promote_secondaries: boolean;
  notify: ResolvedNotify;
  notify_priority_changes: boolean;
  smtp_alert: boolean;
  sync_group?: string;
  v3_checksum_as_v2: boolean;
  old_unicast_checksum?: true | 'never';
  kernel_rx_buf_size?: number;
}

export interface ResolvedSyncGroup {
  name: string;
  members: string[];
  /** Members keep their own tracking weights (sync_group_tracking_weight / global_tracking). */
  tracking_weight: boolean;
  track_interfaces: ResolvedTrack[];
  track_scripts: ResolvedTrack[];
  track_files: ResolvedTrack[];
  notify: ResolvedNotify;
  notify_priority_changes: boolean;
  smtp_alert: boolean;
}

export interface ResolvedStatic {
  addresses: (StaticIp & { dev: string })[];
  routes: ResolvedRoute[];
  rules: ResolvedRule[];
  track_groups: { name: string; members: string[] }[];
}

/** The IPVS connection sync daemon (global lvs_sync_daemon, or the deprecated instance keyword). */
export interface ResolvedSyncDaemon {
  interface: string;
  /** Instance whose state picks master/backup daemon; none: run both. */
  instance?: string;
  /** Sync id: configured, else the VRID of the instance, else 0. */
  id: number;
  maxlen?: number;
  port: number;
  ttl?: number;
  group: string;
}

export interface ResolvedVrrp {
  global: ResolvedVrrpGlobal;
  lvs_sync_daemon?: ResolvedSyncDaemon;
  scripts: ResolvedScript[];
  track_files: ResolvedTrackFile[];
  sync_groups: ResolvedSyncGroup[];
  instances: ResolvedInstance[];
  static: ResolvedStatic;
}

/** One of keepalived's fixes: reported by validation, applied by resolve. */
export interface Fix {
  severity: 'warning' | 'error';
  code: string;
  /** Model field the fix is about (for the diagnostic's location). */
  field: string;
  message: string;
  /** The model object the fix is about when it is not the instance (a track entry). */
  at?: object;
}
