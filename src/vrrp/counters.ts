// Pure definitions: the per-instance VRRP counters, under keepalived's names (vrrp_stats in keepalived's vrrp.h).

/** keepalived's per-instance statistics, same names, same meaning (`keepalived --signum=STATS`). */
export const KEEPALIVED_COUNTERS = [
  'advert_rcvd',
  'advert_sent',
  'become_master',
  'release_master',
  'packet_len_err',
  'advert_interval_err',
  'ip_ttl_err',
  'invalid_type_rcvd',
  'addr_list_err',
  'invalid_authtype',
  'authtype_mismatch',
  'auth_failure',
  'pri_zero_rcvd',
  'pri_zero_sent',
] as const;

/**
 * Counters keepalived keeps only when built with its RFC SNMP MIBs (chk_err, vers_err, vrid_err), plus
 * one of lvsd's own: unicast_peer_err (keepalived drops adverts from a non-peer source without counting).
 */
export const EXTRA_COUNTERS = ['chk_err', 'vers_err', 'vrid_err', 'unicast_peer_err'] as const;

export type KeepalivedCounter = (typeof KEEPALIVED_COUNTERS)[number];
export type CounterName = KeepalivedCounter | (typeof EXTRA_COUNTERS)[number];

export type Counters = Record<CounterName, number>;

export function emptyCounters(): Counters {
  const c = {} as Counters;
  for (const n of KEEPALIVED_COUNTERS) c[n] = 0;
  for (const n of EXTRA_COUNTERS) c[n] = 0;
  return c;
}
