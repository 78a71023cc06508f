// Pure definitions: the per-instance VRRP configuration the validator and the state machine take.
// The config layer maps keepalived.conf / YAML onto it (including keepalived's clearing of nopreempt and
// preempt_delay on an instance whose initial state is MASTER: that is not done here).
import type { Family } from './addr.js';
import type { VrrpVersion } from './codec.js';

/** RFC 5798 §6.4 states, plus keepalived's FAULT. INIT also stands for "stopped". */
export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/** Gratuitous ARP / unsolicited Neighbour Advertisement policy (keepalived's garp_* keywords). */
export interface GarpConfig {
  /** garp_master_delay: a second burst this long after becoming master; 0 = none. keepalived: 5 s. */
  masterDelayMs: number;
  /** garp_master_repeat: announcements per VIP in each burst. keepalived: 5. */
  masterRepeat: number;
  /** garp_master_refresh: re-announce this often while master; 0 = never. keepalived: 0. */
  masterRefreshMs: number;
  /** garp_master_refresh_repeat. keepalived: 1. */
  masterRefreshRepeat: number;
  /** garp_lower_prio_repeat: burst when a master hears a lower-priority advert. keepalived: = masterRepeat. */
  lowerPrioRepeat: number;
  /** garp_lower_prio_delay: a second such burst after this long; 0 = none. keepalived: = masterDelayMs. */
  lowerPrioDelayMs: number;
}

/** v2 authentication: none, PASS (RFC 3768 §5.3.6 simple text) or AH (IPsec AH, RFC 2338 §5.3.6.3; IPv4 only). */
export type AuthConfig = { type: 'none' } | { type: 'pass'; password: string } | { type: 'ah'; password: string };

/** One VRRP instance. Times: milliseconds, except the advertisement interval (centiseconds, as on the wire). */
export interface InstanceConfig {
  name: string;
  /** virtual_router_id, 1..255. */
  vrid: number;
  version: VrrpVersion;
  family: Family;
  /** Base priority 1..255; 255 = address owner (RFC 5798 §5.2.4). */
  priority: number;
  /** advert_int in centiseconds (v2: a multiple of 100). */
  advertIntervalCs: number;
  /**
   * keepalived `state`. MASTER only matters for the address owner (priority 255), which becomes master at
   * once; otherwise an instance starts in BACKUP and waits Master_Down_Interval (keepalived 2.2.7, measured).
   */
  initialState: 'BACKUP' | 'MASTER';
  /** RFC 5798 Preempt_Mode; keepalived `nopreempt` sets it false. */
  preempt: boolean;
  /** keepalived preempt_delay (ms): a backup hearing a lower priority waits this long before preempting. */
  preemptDelayMs: number;
  /** RFC 5798 Accept_Mode (carried for the executor: it decides the VIP drop rules). */
  accept: boolean;
  /** Our primary address: source of our adverts (mcast_src_ip / unicast_src_ip / interface address). */
  primaryAddress: string;
  /** The advertised virtual addresses, in packet order. */
  virtualAddresses: string[];
  /** unicast_peer; empty = multicast. */
  unicastPeers: string[];
  /** Multicast destination (vrrp_mcast_group4 / vrrp_mcast_group6). */
  mcastGroup: string;
  /** v2 authentication (RFC 3768 §5.3.6); keepalived ignores it for v3. */
  auth: AuthConfig;
  /** keepalived vrrp_check_unicast_src: drop unicast adverts whose source is not a unicast_peer. */
  checkUnicastSrc: boolean;
  /** keepalived v3_checksum_as_v2: v3 IPv4 checksum without the pseudo-header. */
  v3ChecksumAsV2: boolean;
  /** keepalived lower_prio_no_advert: a master does not answer a lower-priority advert with its own. */
  lowerPrioNoAdvert: boolean;
  /** keepalived higher_prio_send_advert: a master sends one advert before yielding to a higher one. */
  higherPrioSendAdvert: boolean;
  garp: GarpConfig;
}

export const VRRP_PRIO_OWNER = 255;
export const VRRP_PRIO_STOP = 0;
export const DEFAULT_MCAST_GROUP4 = '224.0.0.18';
export const DEFAULT_MCAST_GROUP6 = 'ff02::12';

export const DEFAULT_GARP: GarpConfig = {
  masterDelayMs: 5000,
  masterRepeat: 5,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  lowerPrioRepeat: 5,
  lowerPrioDelayMs: 5000,
};

/** An instance config with keepalived's defaults for everything not given. */
export function instanceConfig(
  c: Pick<InstanceConfig, 'name' | 'vrid' | 'priority' | 'primaryAddress' | 'virtualAddresses'> &
    Partial<Omit<InstanceConfig, 'garp'>> & { garp?: Partial<GarpConfig> },
): InstanceConfig {
  const family = c.family ?? (c.primaryAddress.includes(':') ? 'ipv6' : 'ipv4');
  const version = c.version ?? (family === 'ipv6' ? 3 : 2);
  return {
    version,
    family,
    advertIntervalCs: 100,
    initialState: 'BACKUP',
    preempt: true,
    preemptDelayMs: 0,
    accept: true,
    unicastPeers: [],
    mcastGroup: family === 'ipv6' ? DEFAULT_MCAST_GROUP6 : DEFAULT_MCAST_GROUP4,
    auth: { type: 'none' },
    checkUnicastSrc: true, // lvsd default; keepalived's vrrp_check_unicast_src is off by default
    v3ChecksumAsV2: false,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    ...c,
    garp: { ...DEFAULT_GARP, ...(c.garp ?? {}) },
  };
}
